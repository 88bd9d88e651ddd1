// The recorder: taps a running machine's nondeterministic inputs and writes them, with the chunk log,
// into a recording (format.ts). What it logs, in KRR's terms for RISC-V: the interleaving of harts
// (chunks), re-bases of the clock, console input, entropy, data the block device DMAs into memory,
// and every trap (interrupts and exceptions) with periodic digests of hart state, so that a replay
// catches divergence where it happens.

import { LinearClock } from '../emulator/clock';
import { Hart } from '../emulator/hart/hart';
import { Machine, RunResult } from '../emulator/machine';
import { HartWork, ParallelEngine, TurnSink } from '../emulator/parallel/engine';
import { BlockPort, EntropyPort } from '../emulator/ports';
import { ByteWriter } from './codec';
import { BlockKind, encodeBlock, encodeEvent, encodeFileHeader, EndReason, Event, EventKind, RecordingHeader } from './format';
import { encodeSnapshot, hartsDigest, memoryDigest } from './snapshot';
import { EventStats } from './stats';

/** Where a recording's bytes go (a file, or memory in tests). */
export interface RecordingSink {
  write(bytes: Uint8Array): void;
  close?(): void;
}

/**
 * Port wrappers put around the machine's entropy and block ports when it is built, so that a
 * recording can be started and stopped at any time while it runs. A read of no bytes (a guest may
 * ask for one) brings nothing in, and is not logged.
 */
export class RecordingTaps {
  recorder: Recorder | undefined;

  entropy(port: EntropyPort): EntropyPort {
    return {
      fill: (buf) => {
        port.fill(buf);
        if (buf.length > 0) this.recorder?.log({ kind: EventKind.Entropy, position: this.recorder.position, data: buf.slice() });
      },
    };
  }

  block(port: BlockPort): BlockPort {
    return {
      size: port.size,
      readOnly: port.readOnly,
      read: (offset, buf) => {
        port.read(offset, buf);
        if (buf.length > 0) this.recorder?.log({ kind: EventKind.BlockRead, position: this.recorder.position, offset, data: buf.slice() });
      },
      write: (offset, data) => port.write(offset, data),
    };
  }
}

/** Blocks between digests of memory. */
const MEMORY_DIGEST_EVERY = 16;

export class Recorder {
  readonly stats = new EventStats();
  private readonly events = new ByteWriter();
  private blockStart: number;
  private sequence = 0;
  private ended = false;
  /** Bytes written so far. */
  bytes = 0;
  readonly startPosition: number;

  constructor(
    private readonly machine: Machine,
    private readonly clock: LinearClock,
    private readonly sink: RecordingSink,
    header: RecordingHeader,
    private readonly taps?: RecordingTaps,
  ) {
    this.write(encodeFileHeader(header));
    this.write(encodeBlock(BlockKind.Snapshot, this.sequence++, encodeSnapshot(machine, clock)));
    this.startPosition = this.blockStart = machine.position;
    this.stats.start(machine.harts.length, machine.position);
    machine.onTrap = (h, cause, interrupt) => this.trap(h, cause, interrupt);
    if (taps) taps.recorder = this;
  }

  get position(): number {
    return this.machine.position;
  }

  /** Run the machine for up to `budget` steps, logging every turn (on the parallel engine if given). */
  run(budget: number, engine?: ParallelEngine): RunResult {
    if (!engine) return this.machine.run(budget, (h, steps) => this.log({ kind: EventKind.Chunk, hart: h.id, steps }));
    this.engine = engine;
    return engine.run(budget, this.turns);
  }

  /** The parallel engine's turns, in the order it commits them. */
  private readonly turns: TurnSink = {
    lag: (_h, lag) => this.log({ kind: EventKind.TimeLag, position: this.position, lag }),
    trap: (h, cause, interrupt, position) => this.log({ kind: EventKind.Trap, position, hart: h.id, cause, interrupt }),
    turn: (h, steps) => this.log({ kind: EventKind.Chunk, hart: h.id, steps }),
  };

  /** The engine the last turns ran on, and its work as last logged (EventKind.Conflicts). */
  private engine: ParallelEngine | undefined;
  private logged: HartWork[] = [];

  /** Log each hart's chunks discarded since the last time. */
  private logConflicts(): void {
    const work = this.engine?.work;
    if (!work) return;
    work.forEach((w, hart) => {
      const before = this.logged[hart] ?? { committed: 0, serial: 0, discarded: 0, reexecuted: 0 };
      if (w.discarded === before.discarded) return;
      this.log({ kind: EventKind.Conflicts, position: this.position, hart, discarded: w.discarded - before.discarded, reexecuted: w.reexecuted - before.reexecuted });
      this.logged[hart] = { ...w };
    });
  }

  /**
   * Console input entering the machine now, as much as fits (Machine.consoleInputAsFits; Session
   * holds the rest): returns how many bytes entered. The input taken at one position is logged as
   * one event, before the next event logged.
   */
  input(bytes: Uint8Array): number {
    const taken = this.machine.consoleInputAsFits(bytes);
    if (this.ended || taken === 0) return taken;
    this.holdAt(this.position);
    this.held.inputAt = this.position;
    this.held.input.push(bytes.slice(0, taken));
    return taken;
  }

  /**
   * Re-base the clock (see LinearClock.set). The re-base is logged before the next event; a later
   * one at the same position replaces it (time never goes back, so the last is all a replay needs).
   */
  setClock(value: number): void {
    const vt = this.machine.virtualTime;
    if (!this.clock.set(vt, value) || this.ended) return;
    this.holdAt(this.position);
    this.held.clock = { kind: EventKind.Clock, position: this.position, mtime: this.clock.mtime(vt) };
  }

  /**
   * What happened between turns and is not logged yet: console input and a clock re-base, at the
   * position where they happened. An idle slice (no turn) whose only news is the clock then writes
   * no block, and a recording of a guest that waits for hours holds one re-base a block, not one a
   * slice; the validator (validate.ts) bounds such events at a position on that promise.
   */
  private held: { input: Uint8Array[]; inputAt: number; clock?: { kind: EventKind.Clock; position: number; mtime: number } } = { input: [], inputAt: 0 };

  /** About to hold something at `position`: what is held elsewhere is logged first (positions never go back). */
  private holdAt(position: number): void {
    const h = this.held;
    if ((h.input.length > 0 && h.inputAt !== position) || (h.clock && h.clock.position !== position)) this.logHeld();
  }

  private logHeld(): void {
    const held = this.held;
    if (held.input.length > 0) {
      this.append({ kind: EventKind.Input, position: held.inputAt, data: held.input.length === 1 ? held.input[0] : Buffer.concat(held.input) });
      held.input = [];
    }
    if (held.clock) {
      this.append(held.clock);
      held.clock = undefined;
    }
  }

  log(e: Event): void {
    if (this.ended) return;
    this.logHeld();
    this.append(e);
  }

  private append(e: Event): void {
    encodeEvent(this.events, e);
    this.stats.add(e);
  }

  private trap(h: Hart, cause: number, interrupt: boolean): void {
    this.log({ kind: EventKind.Trap, position: this.position, hart: h.id, cause, interrupt });
  }

  /**
   * Write the events so far as a block (between turns), with a digest of the harts' state, and
   * every MEMORY_DIGEST_EVERY blocks one of memory.
   */
  flush(): void {
    // Nothing but a clock re-base: it waits (see `held`).
    if (this.ended || (this.events.length === 0 && this.held.input.length === 0)) return;
    this.logConflicts();
    this.log({ kind: EventKind.Digest, position: this.position, digest: hartsDigest(this.machine) });
    if (this.sequence % MEMORY_DIGEST_EVERY === 0) this.log({ kind: EventKind.MemoryDigest, position: this.position, digest: memoryDigest(this.machine) });
    this.writeEvents();
  }

  private writeEvents(): void {
    const body = this.events.take();
    const w = new ByteWriter();
    w.varint(this.blockStart);
    w.raw(body);
    this.write(encodeBlock(BlockKind.Events, this.sequence++, w.take()));
    this.blockStart = this.position;
  }

  /** End the recording: a final digest of harts and memory, then the End event. */
  end(reason: EndReason, code = 0): void {
    if (this.ended) return;
    this.logConflicts();
    this.log({ kind: EventKind.Digest, position: this.position, digest: hartsDigest(this.machine) });
    this.log({ kind: EventKind.End, position: this.position, reason, code, memoryDigest: memoryDigest(this.machine) });
    this.writeEvents();
    this.ended = true;
    this.machine.onTrap = undefined;
    if (this.taps?.recorder === this) this.taps.recorder = undefined;
    this.sink.close?.();
  }

  private write(bytes: Uint8Array): void {
    this.sink.write(bytes);
    this.bytes += bytes.length;
  }
}
