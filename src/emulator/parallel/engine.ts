// Samsara's parallel recording engine: every hart runs in chunks at the same time as the others
// (hart 0 on the main thread, in slices between the engine's other work; each other hart on a worker
// thread of its own, so that N harts need N threads); the main thread commits the chunks one at a
// time, in an order that becomes the recording's chunk log, so that the serial replayer reproduces
// the run exactly.
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
//
// Not every workload gains: harts that share memory wait for each other's commits, and devices run
// in turns anyway. So each slice (Session.run's budget) runs the way that has been faster lately,
// in parallel or in turns as the serial recorder runs them, and parallel is tried again now and
// then. SAMSARA_ENGINE_TRACE=1 prints each parallel slice's figures on stderr.

import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { PAGE_WATCHED } from '../bus';
import { LinearClock } from '../clock';
import { Hart } from '../hart/hart';
import { Machine, RunResult } from '../machine';
import { publishCopies } from './chunk-bus';
import { ChunkRunner } from './chunk-runner';
import { HART_IMAGE_BYTES, HartImage } from './hart-image';
import { Box, Mailbox, spinUntilChanged, WorkerInit } from './protocol';

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

/**
 * The engine's options. Its host inputs come through here, as the machine's come through ports: the
 * machine's state never depends on them (the recording logs what the engine decided), only how fast
 * it gets there.
 */
export interface EngineOptions {
  /** The most steps in a chunk (default 40,000); a hart's chunks start at a quarter of it. */
  chunkSteps?: number;
  /** Steps in a turn run on the main thread (default 1,000). */
  serialSteps?: number;
  /** A clock in milliseconds, to run each slice the faster way (without one: parallel, unless poor). */
  now?: () => number;
  /** Told each parallel slice's figures, one line each (`samsara record` with SAMSARA_ENGINE_TRACE=1). */
  trace?: (line: string) => void;
  /**
   * The host's CPUs (default 1): when every hart has one, a thread waiting for another spins a
   * while before it sleeps, rather than paying for a wake-up each chunk.
   */
  cpus?: number;
  /** Fault injection, for the tests of a failing worker: hart `hart`'s worker throws in its chunk `chunk`. */
  fault?: { hart: number; chunk: number };
  /**
   * Run every slice in parallel, never in turns however it goes (default false): for the tests
   * that check parallel recordings replay exactly, which must not be run in turns instead.
   */
  always?: boolean;
}

/** A worker failed: the recording ends at the last committed turn. */
export class WorkerFailure extends Error {
  override name = 'WorkerFailure';
  constructor(readonly hart: number, message: string) {
    super(`hart ${hart}'s worker failed: ${message}`);
  }
}

const CONFLICTS_BEFORE_SERIAL = 2;
/**
 * A chunk shares memory with the other harts if it read a page another hart wrote within this many
 * commits before it began (a lock, a flag, a queue).
 */
const SHARE_WINDOW = 64;
/**
 * A slice whose steps were less than 75% useful (discarded, or in chunks that share memory, where
 * a hart waiting for another spins until its chunk ends), or that ran slower than slices in turns
 * do, is followed by slices run in turns on this thread, as the serial recorder runs them: 1, then
 * 2, 4... up to 16 before parallel is tried again. (Judged on 200,000 steps and at 85%, a few
 * conflicts at a slice's start sent most of a CPU-bound workload's slices to turns: 128 of 370
 * slices ran in parallel, where 255 do now.)
 */
const USEFUL_SHARE = 0.75;
const MAX_SERIAL_SLICES = 16;
/** Slices shorter than this (in steps, about 15 chunks a hart) say nothing of the workload. */
const MIN_JUDGED_STEPS = 600_000;
/** The least a chunk is cut to after conflicts. */
const MIN_CHUNK_STEPS = 1_000;
/** Steps of hart 0's chunk run between looks at the workers' mailboxes. */
const LOCAL_SLICE = 2_000;
/** A chunk takes milliseconds: a worker silent this long is gone. */
const WORKER_SILENCE_MS = 10_000;
/**
 * How many times a thread that has a CPU to itself looks for the other side's answer before it
 * sleeps: 5 to 15 ms (a look took 20 to 30 ns, measured), where an answer takes about 0.2 ms while
 * the guest runs; a thread spins that long once when the other side goes quiet.
 */
const SPINS = 500_000;

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
  /** Its worker; hart 0 has none: its chunks run on this thread, in slices, while it waits. */
  readonly worker?: Worker;
  readonly runner?: ChunkRunner;
  readonly box: Mailbox;
  inFlight?: InFlight;
  /** Pages committed since this worker's last chunk. */
  readonly stale: Set<number>;
  /** Its next turn runs on the main thread: the chunk stopped before an instruction that needs it. */
  needsMachine: boolean;
  conflictsInRow: number;
  /** Its chunks' size now: grown while they commit, cut when they conflict. */
  chunkSteps: number;
}

export class ParallelEngine {
  readonly work: HartWork[];
  private readonly slots: Slot[];
  /** Per RAM page: the number of the commit that last wrote it. */
  private readonly versions: Int32Array;
  /** Per RAM page: the hart whose commit last wrote it (-1: the machine, in turns). */
  private readonly writers: Int8Array;
  private seq = 0;
  /** This slice's steps, and those of chunks that neither conflicted nor shared memory. */
  private sliceSteps = 0;
  private usefulSteps = 0;
  /** Slices to run in turns before trying parallel again, and how many the last time. */
  private serialSlices = 0;
  private penalty = 0;
  private readonly bell = new Int32Array(new SharedArrayBuffer(4));
  private nextId = 1;
  private readonly chunkSteps: number;
  private readonly serialSteps: number;
  private readonly clock: LinearClock;
  /** The machine's hart as it began a turn, to compare with a chunk's (Mailbox.start). */
  private readonly begun = new HartImage(new SharedArrayBuffer(HART_IMAGE_BYTES), 0);
  private closed = false;

  private readonly now: () => number;
  /** Looks before sleeping (spinUntilChanged): SPINS when every hart has a CPU of its own, else 0. */
  private readonly spins: number;

  constructor(private readonly machine: Machine, private readonly options: EngineOptions = {}) {
    const bus = machine.bus;
    const pool = machine.pool;
    if (!pool) throw new Error('the parallel engine needs a machine made with copy-on-write pools (MachineConfig.parallel)');
    if (!(machine.config.clock instanceof LinearClock)) throw new Error('the parallel engine needs a LinearClock');
    this.clock = machine.config.clock;
    this.chunkSteps = options.chunkSteps ?? 40_000;
    this.serialSteps = options.serialSteps ?? 1_000;
    this.now = options.now ?? ((): number => 0);
    this.spins = machine.harts.length <= (options.cpus ?? 1) ? SPINS : 0;
    this.versions = new Int32Array(bus.pages);
    this.writers = new Int8Array(bus.pages).fill(-1);
    const watched: number[] = [];
    for (let p = 0; p < bus.pages; p++) if (bus.pageFlags[p] & PAGE_WATCHED) watched.push(p);
    this.work = machine.harts.map(() => ({ committed: 0, serial: 0, discarded: 0, reexecuted: 0 }));
    this.slots = machine.harts.map((hart) => {
      const box = new Mailbox();
      const init: Omit<WorkerInit, 'mailbox' | 'bell'> = {
        hart: hart.id,
        harts: machine.harts.length,
        buffer: bus.buffer,
        ramSize: bus.ramSize,
        poolFirstPage: pool.firstPage + hart.id * pool.pagesPerHart,
        poolPages: pool.pagesPerHart,
        watched,
        builtinSbi: machine.config.builtinSbi,
        faultChunk: options.fault?.hart === hart.id ? options.fault.chunk : 0,
        spins: this.spins,
      };
      const slot = { hart, box, stale: new Set<number>(), needsMachine: false, conflictsInRow: 0, chunkSteps: Math.max(MIN_CHUNK_STEPS, this.chunkSteps >> 2) };
      // Hart 0 runs here, so that the harts have a thread each without one more for the engine.
      if (hart.id === 0) return { ...slot, runner: new ChunkRunner(init, box) };
      const workerData: WorkerInit = { ...init, mailbox: box.buffer, bell: this.bell.buffer as SharedArrayBuffer };
      const worker = new Worker(path.join(__dirname, 'worker.js'), { workerData });
      worker.unref();
      return { ...slot, worker };
    });
  }

  /**
   * Run until `budget` more steps are committed, every hart waits for an interrupt, or the machine
   * finishes, as Machine.run does; every turn is told to `sink` in log order. Returns with nothing in
   * flight. Throws WorkerFailure if a worker fails (the turns committed so far stand).
   */
  run(budget: number, sink: TurnSink): RunResult {
    const m = this.machine;
    const start = m.steps;
    const t0 = this.now();
    if (this.serialSlices > 0) {
      this.serialSlices--;
      const result = this.runInTurns(budget, sink);
      this.measured('turns', result, m.steps - start, this.now() - t0);
      return result;
    }
    this.sliceSteps = this.usefulSteps = 0;
    let result = this.runParallel(budget, sink);
    const poor = this.poor();
    this.options.trace?.(`engine: ${(this.now() / 1000).toFixed(3)} s: slice at ${start}: ${this.sliceSteps} steps in ${(this.now() - t0).toFixed(1)} ms, ${this.usefulSteps} useful; per hart committed/in turns/discarded: ${this.work.map((w) => `${w.committed}/${w.serial}/${w.discarded}`).join(' ')}`);
    if (this.options.always) return result;
    if (poor) {
      // The slice stopped early: the rest of it runs in turns.
      const rest = budget - (m.steps - start);
      if (result === RunResult.Budget && rest > 0) result = this.runInTurns(rest, sink);
    } else this.measured('parallel', result, m.steps - start, this.now() - t0);
    if (this.rate.turns === 0 && this.rate.parallel > 0) this.serialSlices = 1; // (to compare with)
    else if (poor || this.rate.parallel < this.rate.turns) {
      this.penalty = Math.min(MAX_SERIAL_SLICES, Math.max(1, 2 * this.penalty));
      this.serialSlices = this.penalty;
    } else if (m.steps - start >= MIN_JUDGED_STEPS) this.penalty = 0;
    return result;
  }

  /**
   * Steps per millisecond of each way of running, from the last slices that ran to their budget (a
   * moving average): a workload that runs faster in turns (devices, the SBI, harts that wait for each
   * other) is run in turns, and parallel is tried again now and then (the penalty).
   */
  private readonly rate = { turns: 0, parallel: 0 };

  private measured(way: 'turns' | 'parallel', result: RunResult, steps: number, ms: number): void {
    if (result !== RunResult.Budget || steps < MIN_JUDGED_STEPS || ms <= 0) return;
    const r = steps / ms;
    this.rate[way] = this.rate[way] === 0 ? r : 0.5 * this.rate[way] + 0.5 * r;
  }

  /** Whether this slice has run enough to judge it, and too few of its steps were useful (USEFUL_SHARE). */
  private poor(): boolean {
    if (this.options.always) return false;
    return this.sliceSteps >= MIN_JUDGED_STEPS && this.usefulSteps < USEFUL_SHARE * this.sliceSteps;
  }

  /** A slice as the serial recorder runs it: turns on this thread (Machine.run). */
  private runInTurns(budget: number, sink: TurnSink): RunResult {
    const m = this.machine;
    m.bus.clearDirty();
    const result = m.run(budget, (h, steps) => {
      sink.turn(h, steps);
      this.work[h.id].serial++;
    });
    this.seq++;
    this.markDirty(-1);
    return result;
  }

  private runParallel(budget: number, sink: TurnSink): RunResult {
    const m = this.machine;
    const limit = m.steps + budget;
    let reserved = 0; // steps promised to chunks in flight
    try {
      for (;;) {
        if (m.stopRequested) return RunResult.Finished;
        let progressed = false;
        const poor = this.poor();
        for (const slot of this.slots) {
          if (slot.inFlight || m.stopRequested || poor) continue;
          const room = limit - m.steps - reserved;
          if (room <= 0) continue;
          if (!this.runnable(slot.hart)) continue;
          // (A worker takes a few hundred milliseconds to start: until then its hart runs here.)
          if (slot.needsMachine || slot.conflictsInRow >= CONFLICTS_BEFORE_SERIAL || !(slot.runner || slot.box.ready)) {
            if (this.serialTurn(slot, Math.min(this.serialSteps, room), sink)) progressed = true;
            continue;
          }
          const budgetSteps = Math.min(slot.chunkSteps, room);
          this.dispatch(slot, budgetSteps);
          reserved += budgetSteps;
          progressed = true;
        }
        if (m.stopRequested) return RunResult.Finished;
        if (!this.slots.some((s) => s.inFlight)) {
          if (m.steps >= limit || poor) return RunResult.Budget;
          if (!progressed) {
            if (m.harts.every((h) => h.stopped)) {
              m.finish({ kind: 'fatal', message: 'every hart is stopped (SBI hart_stop) and none can be started' });
              return RunResult.Finished;
            }
            return RunResult.Idle;
          }
          continue;
        }
        const slot = this.nextResult();
        reserved -= slot.inFlight!.budget;
        this.commit(slot, sink);
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
      s.box.post(Box.Quit);
      void s.worker?.terminate();
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
    slot.box.committed.save(h);
    h.mipHw = saved;
    const mtimeOffset = m.clint.mtimeOffset;
    const id = this.nextId++;
    slot.box.order({ id, budget, dropReservation: m.lastTurnHart !== h, origin: m.steps, clock: this.clock.snapshot(), mtimeOffset, stale: slot.stale });
    slot.stale.clear();
    slot.inFlight = { id, seq: this.seq, origin: m.steps, budget, mtimeOffset };
    slot.box.post(Box.Order, !slot.runner);
    slot.runner?.start();
  }

  /** Run a slice of hart 0's chunk, if it has one in progress; false if it has none. */
  private runLocal(): boolean {
    const slot = this.slots[0];
    if (!slot.runner || !slot.inFlight || slot.box.state !== Box.Order) return false;
    try {
      if (!slot.runner.slice(LOCAL_SLICE)) return true;
      slot.runner.finish();
    } catch (e) {
      slot.box.failed(e instanceof Error ? e.message : String(e));
    }
    slot.box.post(Box.Done, false);
    return true;
  }

  /** A slot whose worker has posted its result (blocking until one has). */
  private nextResult(): Slot {
    for (;;) {
      const rung = Atomics.load(this.bell, 0);
      for (const slot of this.slots) if (slot.inFlight && slot.box.state === Box.Done) return slot;
      if (this.runLocal()) continue;
      if (spinUntilChanged(this.bell, 0, rung, this.spins)) continue;
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
        slot = this.nextResult();
      } catch {
        return;
      }
      slot.inFlight = undefined;
      slot.box.taken();
      this.work[slot.hart.id].discarded++;
      this.work[slot.hart.id].reexecuted += slot.box.steps;
    }
  }

  // --- Commit --------------------------------------------------------------------------------------

  private commit(slot: Slot, sink: TurnSink): void {
    const m = this.machine;
    const h = slot.hart;
    const box = slot.box;
    const f = slot.inFlight!;
    slot.inFlight = undefined;
    box.taken();
    if (box.id !== f.id) throw new WorkerFailure(h.id, `answered chunk ${box.id}, expected ${f.id}`);
    if (box.stop === undefined) throw new WorkerFailure(h.id, box.errorText);
    const work = this.work[h.id];
    const steps = box.steps;
    this.sliceSteps += steps;
    const discard = (): void => {
      work.discarded++;
      work.reexecuted += steps;
      slot.conflictsInRow++;
      slot.chunkSteps = Math.max(MIN_CHUNK_STEPS, slot.chunkSteps >> 2);
    };
    if (box.overflow) {
      // Its sets did not fit the mailbox: the turn runs here instead.
      discard();
      slot.needsMachine = true;
      return;
    }
    if (m.stopRequested || !box.exact || this.conflicts(box, f.seq) || m.clint.mtimeOffset !== f.mtimeOffset) {
      discard();
      return;
    }
    const lag = m.steps - f.origin;
    m.timeLag = lag;
    if (!m.beginTurn(h)) {
      m.timeLag = 0;
      discard();
      return;
    }
    if (lag > 0) sink.lag(h, lag);
    this.begun.save(h);
    // A chunk that stopped before its first instruction leaves the turn to run here (a turn of no
    // steps is not a turn: the format refuses it).
    if (steps > 0 && this.begun.equals(box.start)) {
      if (!this.shares(box, h.id, f.seq)) this.usefulSteps += steps;
      box.end.load(h);
      // (m.steps is where the turn began until it ends)
      const traps = box.traps;
      for (let i = 0; i < 3 * box.trapCount; i += 3) sink.trap(h, traps[i + 1], traps[i + 2] !== 0, m.steps + traps[i]);
      this.publish(box.written.subarray(0, 2 * box.writtenCount), h.id);
      m.endTurn();
      sink.turn(h, steps);
      work.committed++;
      slot.needsMachine = box.stop === 'machine' || box.stop === 'pool';
      slot.conflictsInRow = 0;
      if (box.stop === 'budget') slot.chunkSteps = Math.min(this.chunkSteps, slot.chunkSteps * 2);
    } else {
      // The turn began otherwise than the chunk did (or the chunk did nothing): it runs here, begun.
      if (steps > 0) discard();
      else slot.needsMachine = false;
      this.runBegun(h, this.serialSteps, sink);
    }
  }

  /** Whether the chunk read a page another hart wrote shortly before it began (SHARE_WINDOW). */
  private shares(box: Mailbox, hart: number, seq: number): boolean {
    const read = box.read;
    for (let i = 0; i < box.readCount; i++) {
      const p = read[i];
      if (this.writers[p] !== hart && this.writers[p] >= 0 && this.versions[p] > seq - SHARE_WINDOW) return true;
    }
    return false;
  }

  /** Whether a page the chunk read or wrote (its read set has both) was written by a commit after `seq`. */
  private conflicts(box: Mailbox, seq: number): boolean {
    const v = this.versions;
    const read = box.read;
    for (let i = 0; i < box.readCount; i++) if (v[read[i]] > seq) return true;
    return false;
  }

  /** Copy a committed chunk's pages into RAM: a commit of their own, stale to every worker. */
  private publish(written: Int32Array, hart: number): void {
    const copies = [];
    this.seq++;
    for (let i = 0; i < written.length; i += 2) {
      const page = written[i];
      copies.push({ page, copy: written[i + 1] });
      this.versions[page] = this.seq;
      this.writers[page] = hart;
      for (const s of this.slots) s.stale.add(page);
    }
    publishCopies(this.machine.bus, copies);
  }

  /**
   * The pages this commit wrote (bus.dirtyList since clearDirty) get its number and its hart (-1: turns
   * of several), and are stale to every worker.
   */
  private markDirty(hart: number): void {
    const v = this.versions;
    for (const p of this.machine.bus.dirtyList) {
      v[p] = this.seq;
      this.writers[p] = hart;
      for (const s of this.slots) s.stale.add(p);
    }
  }

  /** A turn on the main thread (a device access, the SBI, or after conflicts). */
  private serialTurn(slot: Slot, budget: number, sink: TurnSink): boolean {
    if (!this.machine.beginTurn(slot.hart)) return false;
    const steps = this.runBegun(slot.hart, budget, sink);
    slot.needsMachine = false;
    slot.conflictsInRow = 0;
    return steps > 0;
  }

  /**
   * Run hart h's turn, begun (Machine.beginTurn writes no RAM), on this thread: a commit of its own,
   * whose written pages are stale to every worker. Returns its steps.
   */
  private runBegun(h: Hart, budget: number, sink: TurnSink): number {
    const m = this.machine;
    m.bus.clearDirty();
    const steps = m.continueTurn(h, budget);
    m.endTurn();
    sink.turn(h, steps);
    this.work[h.id].serial++;
    this.sliceSteps += steps;
    this.usefulSteps += steps;
    this.seq++;
    this.markDirty(h.id);
    return steps;
  }
}

