// The messages between the parallel engine (engine.ts, on the main thread) and a hart's worker
// (worker.ts). Structured-clonable; typed arrays for the page sets.

import type { MessagePort } from 'node:worker_threads';
import type { HartState } from '../hart/hart';

/** What a worker is made with (its workerData). */
export interface WorkerInit {
  readonly hart: number;
  readonly harts: number;
  /** Committed RAM, then every hart's copy-on-write pool (bus.ts). */
  readonly buffer: SharedArrayBuffer;
  readonly ramSize: number;
  /** This hart's pool: its first page in `buffer` (pages of 4 KiB from the start) and its size. */
  readonly poolFirstPage: number;
  readonly poolPages: number;
  /** RAM pages whose stores the machine must see (HTIF's tohost): a chunk stops before storing there. */
  readonly watched: readonly number[];
  /** Whether the machine provides the SBI: a chunk stops before a trap that would reach it. */
  readonly builtinSbi: boolean;
  /** Int32 [0]: the count of results posted, which the engine waits on (Atomics.wait). */
  readonly bell: SharedArrayBuffer;
  readonly port: MessagePort;
}

/** Run one chunk. */
export interface ChunkOrder {
  readonly id: number;
  /** The hart as committed, with the interrupt lines its turn begins with (Machine.beginTurn). */
  readonly state: HartState;
  /** Whether beginning the turn drops the LR reservation (another hart ran last). */
  readonly dropReservation: boolean;
  readonly budget: number;
  /** The clock (LinearClock.snapshot), the CLINT's mtime offset, and the position time is read at. */
  readonly clock: { base: number; baseTime: number };
  readonly mtimeOffset: bigint;
  readonly origin: number;
  /** Pages committed since this worker's last chunk: their decoded code is stale. */
  readonly invalidate: Int32Array;
}

/** Why a chunk ended before its budget (or 'budget'). */
export type ChunkStop = 'budget' | 'wfi' | 'machine' | 'pool';

export type ChunkResult =
  | {
    readonly id: number;
    readonly ok: true;
    /** The hart once its turn had begun (an interrupt taken), and at the chunk's end. */
    readonly start: HartState;
    readonly end: HartState;
    readonly steps: number;
    readonly stop: ChunkStop;
    /** Traps taken in the chunk after it began: (step, cause, interrupt 0/1) triples. */
    readonly traps: Int32Array;
    /** RAM pages read, and (page, page in the buffer holding its new contents) pairs written. */
    readonly read: Int32Array;
    readonly written: Int32Array;
  }
  | { readonly id: number; readonly ok: false; readonly error: string };
