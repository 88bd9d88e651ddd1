// Samsara's parallel recording engine: every hart runs on its own worker thread, in chunks, at the
// same time as the others; the main thread commits the chunks one at a time, in an order that becomes
// the recording's chunk log, so that the serial replayer reproduces the run exactly.
//
// A chunk runs on a copy-on-write view of committed RAM (chunk-bus.ts) and reports its read and write
// sets (pages). Every commit has a number; each RAM page remembers the commit that last wrote it. A
// chunk that began after commit s conflicts if a page it read or wrote was written by a later commit:
// it is discarded and its hart runs again from its committed state. Otherwise it is committed: its
// pages are published, and its turn takes the next place in the log. Because a chunk's reads saw
// exactly the memory of commit s, and nothing committed since touched them, replaying it after the
// commits before it gives the same result.
//
// What is not plain memory stays on the main thread, in commit order: beginning a turn (interrupt
// lines from the devices, console input fed to the UART, the LR reservation rule), and every turn that
// touches a device or the built-in SBI. A chunk stops before such an instruction; the hart's next turn
// then runs on the main thread (a serial turn) and the hart goes back to its worker after it. So does a
// hart whose chunks conflicted twice in a row, which guarantees progress.
//
// Time: a chunk reads mtime as at the position it was dispatched from (its origin), plus its own
// steps; it is committed `lag` steps later in the log. The recorder logs that lag (EventKind.TimeLag)
// and the replayer reads time the same way. Beginning the turn on the main thread at commit samples
// the interrupt lines with the same lag; if the hart's state after beginning differs from the one
// the chunk began from (an IPI, a device interrupt or a CLINT write came in between), the chunk is
// thrown away and the turn, already begun, runs on the main thread instead.

import * as path from 'node:path';
import { MessageChannel, MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { PAGE_SHIFT, PAGE_SIZE, PAGE_WATCHED } from '../bus';
import { LinearClock } from '../clock';
import { Hart, HartState } from '../hart/hart';
import { Machine, RunResult } from '../machine';
import { ChunkOrder, ChunkResult, WorkerInit } from './protocol';

/** Where the recorder hears of the turns the engine commits, in log order. */
export interface TurnSink {
  /** The turn that begins now (hart h's, begun) ran `lag` steps behind its place: before its chunk. */
  lag(h: Hart, lag: number): void;
  /** A trap hart h took inside a turn that ran on its worker, at `position`. */
  trap(h: Hart, cause: number, interrupt: boolean, position: number): void;
  /** Hart h's turn ended after `steps` steps. */
  turn(h: Hart, steps: number): void;
}

/** Each hart's work, for `samsara info` and the bench. */
export interface HartWork {
  /** Turns committed from a worker, and turns run on the main thread. */
  committed: number;
  serial: number;
  /** Chunks discarded (conflicts, or a turn that began differently), and the steps they had run. */
  discarded: number;
  reexecuted: number;
}

export interface EngineOptions {
  /** Steps in a chunk (default 10,000). */
  chunkSteps?: number;
  /** Steps in a turn run on the main thread (default 1,000). */
  serialSteps?: number;
}

/** A worker failed: the recording ends at the last committed turn. */
export class WorkerFailure extends Error {
  override name = 'WorkerFailure';
  constructor(readonly hart: number, message: string) {
    super(`hart ${hart}'s worker failed: ${message}`);
  }
}

const CONFLICTS_BEFORE_SERIAL = 2;
/** A chunk takes milliseconds: a worker silent this long is gone. */
const WORKER_SILENCE_MS = 10_000;

interface InFlight {
  readonly id: number;
  /** The commit the chunk began after, the position its time is read at, its budget. */
  readonly seq: number;
  readonly origin: number;
  readonly budget: number;
  readonly mtimeOffset: bigint;
}

interface Slot {
  readonly hart: Hart;
  readonly worker: Worker;
  readonly port: MessagePort;
  inFlight?: InFlight;
  /** Pages committed since this worker's last chunk. */
  readonly stale: Set<number>;
  /** Its next turn runs on the main thread: the chunk stopped before an instruction that needs it. */
  needsMachine: boolean;
  conflictsInRow: number;
}

export class ParallelEngine {
  readonly work: HartWork[];
  private readonly slots: Slot[];
  /** Per RAM page: the number of the commit that last wrote it. */
  private readonly versions: Int32Array;
  private seq = 0;
  private readonly bell = new Int32Array(new SharedArrayBuffer(4));
  private nextId = 1;
  private readonly chunkSteps: number;
  private readonly serialSteps: number;
  private readonly clock: LinearClock;
  private closed = false;

  constructor(private readonly machine: Machine, options: EngineOptions = {}) {
    const bus = machine.bus;
    const pool = bus.pool;
    if (!pool) throw new Error('the parallel engine needs a machine made with copy-on-write pools (MachineConfig.parallel)');
    if (!(machine.config.clock instanceof LinearClock)) throw new Error('the parallel engine needs a LinearClock');
    this.clock = machine.config.clock;
    this.chunkSteps = options.chunkSteps ?? 10_000;
    this.serialSteps = options.serialSteps ?? 1_000;
    this.versions = new Int32Array(bus.pages);
    const watched: number[] = [];
    for (let p = 0; p < bus.pages; p++) if (bus.pageFlags[p] & PAGE_WATCHED) watched.push(p);
    this.work = machine.harts.map(() => ({ committed: 0, serial: 0, discarded: 0, reexecuted: 0 }));
    this.slots = machine.harts.map((hart) => {
      const { port1, port2 } = new MessageChannel();
      const init: WorkerInit = {
        hart: hart.id,
        harts: machine.harts.length,
        buffer: bus.buffer,
        ramSize: bus.ramSize,
        poolFirstPage: pool.firstPage + hart.id * pool.pagesPerHart,
        poolPages: pool.pagesPerHart,
        watched,
        builtinSbi: machine.config.builtinSbi,
        bell: this.bell.buffer as SharedArrayBuffer,
        port: port2,
      };
      const worker = new Worker(path.join(__dirname, 'worker.js'), { workerData: init, transferList: [port2] });
      worker.unref();
      return { hart, worker, port: port1, stale: new Set<number>(), needsMachine: false, conflictsInRow: 0 };
    });
  }

  /**
   * Run until `budget` more steps are committed, every hart waits for an interrupt, or the machine
   * finishes, as Machine.run does; every turn is told to `sink` in log order. Returns with nothing in
   * flight. Throws WorkerFailure if a worker fails (the turns committed so far stand).
   */
  run(budget: number, sink: TurnSink): RunResult {
    const m = this.machine;
    const limit = m.steps + budget;
    let reserved = 0; // steps promised to chunks in flight
    try {
      for (;;) {
        if (m.stopRequested) return RunResult.Finished;
        let progressed = false;
        for (const slot of this.slots) {
          if (slot.inFlight || m.stopRequested) continue;
          const room = limit - m.steps - reserved;
          if (room <= 0) continue;
          if (!this.runnable(slot.hart)) continue;
          if (slot.needsMachine || slot.conflictsInRow >= CONFLICTS_BEFORE_SERIAL) {
            if (this.serialTurn(slot, Math.min(this.serialSteps, room), sink)) progressed = true;
            continue;
          }
          const budgetSteps = Math.min(this.chunkSteps, room);
          this.dispatch(slot, budgetSteps);
          reserved += budgetSteps;
          progressed = true;
        }
        if (m.stopRequested) return RunResult.Finished;
        if (!this.slots.some((s) => s.inFlight)) {
          if (m.steps >= limit) return RunResult.Budget;
          if (!progressed) {
            if (m.harts.every((h) => h.stopped)) {
              m.finish({ kind: 'fatal', message: 'every hart is stopped (SBI hart_stop) and none can be started' });
              return RunResult.Finished;
            }
            return RunResult.Idle;
          }
          continue;
        }
        const [slot, result] = this.nextResult();
        reserved -= slot.inFlight!.budget;
        this.commit(slot, result, sink);
      }
    } finally {
      this.drain();
    }
  }

  /** Stop the workers. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.slots) {
      s.port.close();
      void s.worker.terminate();
    }
  }

  // --- Dispatch ------------------------------------------------------------------------------------

  /** Whether hart h's turn can begin now (Machine.beginTurn's test, with no side effect). */
  private runnable(h: Hart): boolean {
    if (h.stopped) return false;
    if (!h.wfi) return true;
    const saved = h.mipHw;
    this.machine.sampleInterrupts(h);
    const waiting = h.interruptWaiting;
    h.mipHw = saved;
    return waiting;
  }

  private dispatch(slot: Slot, budget: number): void {
    const m = this.machine;
    const h = slot.hart;
    // The hart as its turn would begin now: the interrupt lines sampled (undone: the machine samples
    // them again when it begins the turn at commit).
    const saved = h.mipHw;
    m.sampleInterrupts(h);
    const state = h.snapshot();
    h.mipHw = saved;
    const mtimeOffset = m.clint.mtimeOffset;
    const order: ChunkOrder = {
      id: this.nextId++,
      state,
      dropReservation: m.lastTurnHart !== h,
      budget,
      clock: this.clock.snapshot(),
      mtimeOffset,
      origin: m.steps,
      invalidate: Int32Array.from(slot.stale),
    };
    slot.stale.clear();
    slot.inFlight = { id: order.id, seq: this.seq, origin: m.steps, budget, mtimeOffset };
    slot.port.postMessage(order);
  }

  /** The next result any worker posts (blocking). */
  private nextResult(): [Slot, ChunkResult] {
    for (;;) {
      const rung = Atomics.load(this.bell, 0);
      for (const slot of this.slots) {
        if (!slot.inFlight) continue;
        const got = receiveMessageOnPort(slot.port);
        if (got) return [slot, got.message as ChunkResult];
      }
      if (Atomics.wait(this.bell, 0, rung, WORKER_SILENCE_MS) === 'timed-out' && Atomics.load(this.bell, 0) === rung) {
        const late = this.slots.find((s) => s.inFlight)!;
        throw new WorkerFailure(late.hart.id, `no answer in ${WORKER_SILENCE_MS / 1000} s`);
      }
    }
  }

  /** Wait for the chunks in flight and drop them (after a finish, a failure, or the budget). */
  private drain(): void {
    while (this.slots.some((s) => s.inFlight)) {
      let slot: Slot;
      try {
        [slot] = this.nextResult();
      } catch {
        return;
      }
      const f = slot.inFlight!;
      slot.inFlight = undefined;
      this.work[slot.hart.id].discarded++;
      this.work[slot.hart.id].reexecuted += f.budget;
    }
  }

  // --- Commit --------------------------------------------------------------------------------------

  private commit(slot: Slot, r: ChunkResult, sink: TurnSink): void {
    const m = this.machine;
    const h = slot.hart;
    const f = slot.inFlight!;
    slot.inFlight = undefined;
    if (r.id !== f.id) throw new WorkerFailure(h.id, `answered chunk ${r.id}, expected ${f.id}`);
    if (!r.ok) throw new WorkerFailure(h.id, r.error);
    const work = this.work[h.id];
    const discard = (): void => {
      work.discarded++;
      work.reexecuted += r.steps;
      slot.conflictsInRow++;
    };
    if (m.stopRequested || this.conflicts(r, f.seq) || m.clint.mtimeOffset !== f.mtimeOffset) {
      discard();
      return;
    }
    const lag = m.steps - f.origin;
    m.bus.clearDirty();
    m.timeLag = lag;
    if (!m.beginTurn(h)) {
      m.timeLag = 0;
      discard();
      return;
    }
    if (lag > 0) sink.lag(h, lag);
    let steps: number;
    if (sameState(h.snapshot(), r.start)) {
      h.restore(r.end);
      steps = r.steps;
      const turnStart = m.position;
      for (let i = 0; i < r.traps.length; i += 3) sink.trap(h, r.traps[i + 1], r.traps[i + 2] !== 0, turnStart + r.traps[i]);
      this.publish(r.written);
      work.committed++;
      slot.needsMachine = r.stop === 'machine' || r.stop === 'pool';
      slot.conflictsInRow = 0;
    } else {
      // The turn began otherwise than the chunk did: it runs here, already begun.
      discard();
      steps = m.continueTurn(h, this.serialSteps);
      work.serial++;
    }
    m.endTurn();
    sink.turn(h, steps);
    this.seq++;
    this.markDirty();
  }

  /** Whether a page the chunk read or wrote was written by a commit after `seq`. */
  private conflicts(r: Extract<ChunkResult, { ok: true }>, seq: number): boolean {
    const v = this.versions;
    for (let i = 0; i < r.read.length; i++) if (v[r.read[i]] > seq) return true;
    for (let i = 0; i < r.written.length; i += 2) if (v[r.written[i]] > seq) return true;
    return false;
  }

  /** Copy a committed chunk's pages into RAM. */
  private publish(written: Int32Array): void {
    const bus = this.machine.bus;
    const ram = bus.ram;
    for (let i = 0; i < written.length; i += 2) {
      const page = written[i];
      const from = written[i + 1] << PAGE_SHIFT;
      ram.copyWithin(page << PAGE_SHIFT, from, from + PAGE_SIZE);
      bus.written(bus.ramBase + page * PAGE_SIZE, PAGE_SIZE);
    }
  }

  /** The pages this commit wrote (bus.dirty since clearDirty) get its number, and are stale to every worker. */
  private markDirty(): void {
    const dirty = this.machine.bus.dirty;
    const v = this.versions;
    for (let p = 0; p < dirty.length; p++) {
      if (dirty[p] === 0) continue;
      v[p] = this.seq;
      for (const s of this.slots) s.stale.add(p);
    }
  }

  /** A turn on the main thread (a device access, the SBI, or after conflicts). */
  private serialTurn(slot: Slot, budget: number, sink: TurnSink): boolean {
    const m = this.machine;
    const h = slot.hart;
    m.bus.clearDirty();
    if (!m.beginTurn(h)) return false;
    const steps = m.continueTurn(h, budget);
    m.endTurn();
    sink.turn(h, steps);
    this.work[h.id].serial++;
    slot.needsMachine = false;
    slot.conflictsInRow = 0;
    this.seq++;
    this.markDirty();
    return steps > 0;
  }
}

/** Whether two hart states are the same (every scalar and register). */
export function sameState(a: HartState, b: HartState): boolean {
  for (const k of Object.keys(a.scalars)) if (a.scalars[k] !== b.scalars[k]) return false;
  return equal(a.x, b.x) && equal(a.f, b.f) && equal(a.pmpcfg, b.pmpcfg) && equal(a.pmpaddr, b.pmpaddr);
}

function equal(a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
