// One chunk of a hart's execution on a chunk's bus (chunk-bus.ts): the hart runs alone, on a
// private copy-on-write view of memory, until its budget is spent, it waits for an interrupt, or
// its next instruction needs the machine (a device, a watched page, the built-in SBI) or the pool
// is full. Then runChunk says why, with the steps taken and the traps taken on the way.
//
// A chunk stops BEFORE an instruction that needs the machine, with nothing of it done: the access
// is refused (or the trap that would reach the machine's SBI is seen coming), the hart raises a
// trap for it, and the host defers that trap, so that the interpreter returns at the instruction
// without counting it. The machine then runs that instruction serially, in commit order.

import { Hart, HartHost } from '../hart/hart';
import { run as runHart } from '../hart/interpreter';
import { BusStop, ChunkBus } from './chunk-bus';

/** Why a chunk ended. */
export type ChunkStop =
  /** The budget was spent. */
  | 'budget'
  /** The hart waits for an interrupt (WFI): the last step was the WFI. */
  | 'wfi'
  /** The next instruction needs the machine: it is not done, and the pc is at it. */
  | 'machine'
  /** The pool is full: the next instruction (not done) starts a new chunk. */
  | 'pool';

/** A trap taken in a chunk, at local step `step` (steps before it in the chunk), as Hart.takeTrap reports it. */
export interface ChunkTrap {
  readonly step: number;
  readonly cause: number;
  readonly interrupt: boolean;
}

export interface ChunkResult {
  /** Steps taken (instructions retired plus exceptions raised), exact. */
  readonly steps: number;
  readonly stop: ChunkStop;
  readonly traps: readonly ChunkTrap[];
  /**
   * False if the pool ran out inside an instruction (its reserve used up by one instruction's page
   * copies, which no real instruction makes): part of it is done, and the chunk must be discarded.
   */
  readonly exact: boolean;
}

/** A worker's hart host: a chunk's bus, the time the engine gives, and no devices or SBI. */
export class ChunkHost implements HartHost {
  private traps: ChunkTrap[] = [];
  private start = 0;

  /**
   * `mtime`: the time the `time` CSR reads. `machineTraps`: the machine provides the SBI (its host
   * has machineTrap), so a trap that would reach it stops the chunk.
   */
  constructor(readonly bus: ChunkBus, readonly mtime: () => number, private readonly machineTraps: boolean) {}

  /** The pool is full: the hart leaves its loop after the current instruction. */
  get stopRequested(): boolean {
    return this.bus.poolFull;
  }

  deferTrap(hart: Hart, cause: number, delegated: boolean): boolean {
    void cause;
    if (this.bus.stopped === undefined) {
      if (delegated || !this.machineTraps) return false;
      this.bus.stopped = 'machine'; // an SBI call, or a trap the machine ends the run for
    }
    this.bus.undoFetch(hart.steps);
    return true;
  }

  onTrap(hart: Hart, cause: number, interrupt: boolean): void {
    this.traps.push({ step: hart.steps - this.start, cause, interrupt });
  }

  /** Start collecting a chunk's traps; returns them so far (the last chunk's). */
  begin(steps: number): ChunkTrap[] {
    const t = this.traps;
    this.traps = [];
    this.start = steps;
    return t;
  }
}

/**
 * Run hart `h` (whose host is a ChunkHost) for up to `budget` steps as one chunk, on the chunk its
 * bus began (ChunkBus.beginChunk). The hart's state is left after the last step taken.
 */
export function runChunk(h: Hart, budget: number): ChunkResult {
  const host = h.host;
  if (!(host instanceof ChunkHost)) throw new Error(`runChunk: hart ${h.id} does not run on a ChunkHost`);
  if (!Number.isSafeInteger(budget) || budget < 0) throw new RangeError(`runChunk: budget must be an integer >= 0 (got ${budget})`);
  const bus = host.bus;
  const before = h.steps;
  host.begin(before);
  if (bus.stopped === undefined && !bus.poolFull) runHart(h, budget);
  const steps = h.steps - before;
  const traps = host.begin(h.steps);
  return { steps, stop: stopOf(h, bus.stopped, bus.poolFull, steps, budget), traps, exact: !bus.torn };
}

function stopOf(h: Hart, stopped: BusStop | undefined, poolFull: boolean, steps: number, budget: number): ChunkStop {
  if (stopped !== undefined) return stopped;
  if (h.wfi) return 'wfi';
  if (poolFull && steps < budget) return 'pool';
  if (h.stopped) return 'machine'; // a stopped hart (SBI HSM) runs only when the machine starts it
  return 'budget';
}
