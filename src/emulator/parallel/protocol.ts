// How the parallel engine (engine.ts, on the main thread) and a hart's worker (worker.ts) talk: a
// mailbox in shared memory per worker, and Atomics to wait and wake. No message is serialized: a
// chunk's order and its result are a few words, three flat hart images (hart-image.ts) and the page
// sets. (Measured: structured-clone messages cost about 190 us per chunk on the main thread, more
// than the commit itself.)

import { HART_IMAGE_BYTES, HartImage } from './hart-image';

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
  /** Fault injection (EngineOptions.fault): the worker throws in this chunk (0: never). */
  readonly faultChunk: number;
  /** Looks at the mailbox to spin for an order before sleeping (spinUntilChanged), or 0. */
  readonly spins: number;
  /** The mailbox (Mailbox.buffer), and the bell: Int32 [0] counts results posted by every worker. */
  readonly mailbox: SharedArrayBuffer;
  readonly bell: SharedArrayBuffer;
}

/** The mailbox's state word. */
export const enum Box {
  Idle = 0,
  /** An order waits for the worker. */
  Order = 1,
  /** A result waits for the engine. */
  Done = 2,
  /** The worker leaves. */
  Quit = 3,
}

/** Why a chunk ended before its budget (or 'budget'). */
export type ChunkStop = 'budget' | 'wfi' | 'machine' | 'pool';
export const STOPS: readonly ChunkStop[] = ['budget', 'wfi', 'machine', 'pool'];

/** Capacities: a set that does not fit fails the chunk (the hart's turn then runs on the main thread). */
export const MAX_INVALIDATE = 4096;
export const MAX_TRAPS = 4096;
export const MAX_READ = 16384;
export const MAX_WRITTEN = 4096;
const ERROR_BYTES = 2048;

// Control words (Int32).
const C_STATE = 0;
const C_ID = 1;
const C_BUDGET = 2;
const C_DROP_RESERVATION = 3;
const C_INVALIDATE = 4; // count, or -1: forget all decoded code
const C_STEPS = 5;
const C_STOP = 6; // index in STOPS, or -1: an error (its text in the error bytes)
const C_EXACT = 7;
const C_TRAPS = 8;
const C_READ = 9;
const C_WRITTEN = 10;
const C_OVERFLOW = 11;
const C_ERROR_LENGTH = 12;
const C_READY = 13; // set by the worker once it has started
const CONTROL_WORDS = 16;

const align8 = (n: number): number => Math.ceil(n / 8) * 8;

/**
 * Look at `view[index]` up to `spins` times until it is no longer `value`; true if it changed.
 * A thread asleep in Atomics.wait is woken by a system call of the other thread and a reschedule:
 * tens of microseconds on a virtual machine (measured: Atomics.notify took 1.6 s of a 26 s
 * recording, about 25 us a chunk), a good part of a short chunk. Spinning is for a thread that has
 * a CPU to itself (EngineOptions.cpus); it sleeps after that. (A count, not a clock: the emulator
 * reads no host clock.)
 */
export function spinUntilChanged(view: Int32Array, index: number, value: number, spins: number): boolean {
  for (let i = 0; i < spins; i++) if (Atomics.load(view, index) !== value) return true;
  return false;
}

/** One worker's mailbox. Both sides make it over the same buffer. */
export class Mailbox {
  readonly buffer: SharedArrayBuffer;
  readonly control: Int32Array;
  /** origin, clock base, clock baseTime. */
  readonly times: Float64Array;
  readonly mtimeOffset: BigInt64Array;
  /** The hart as committed (the order); as its turn began and as the chunk ended (the result). */
  readonly committed: HartImage;
  readonly start: HartImage;
  readonly end: HartImage;
  readonly invalidate: Int32Array;
  /** (step, cause, interrupt) triples. */
  readonly traps: Int32Array;
  readonly read: Int32Array;
  /** (page, buffer page) pairs. */
  readonly written: Int32Array;
  private readonly error: Uint8Array;

  constructor(buffer?: SharedArrayBuffer) {
    let at = 0;
    const take = (bytes: number): number => {
      const o = at;
      at = align8(at + bytes);
      return o;
    };
    const control = take(4 * CONTROL_WORDS);
    const times = take(8 * 3);
    const offset = take(8);
    const images = [take(HART_IMAGE_BYTES), take(HART_IMAGE_BYTES), take(HART_IMAGE_BYTES)];
    const invalidate = take(4 * MAX_INVALIDATE);
    const traps = take(4 * 3 * MAX_TRAPS);
    const read = take(4 * MAX_READ);
    const written = take(4 * 2 * MAX_WRITTEN);
    const error = take(ERROR_BYTES);
    this.buffer = buffer ?? new SharedArrayBuffer(at);
    const b = this.buffer;
    this.control = new Int32Array(b, control, CONTROL_WORDS);
    this.times = new Float64Array(b, times, 3);
    this.mtimeOffset = new BigInt64Array(b, offset, 1);
    [this.committed, this.start, this.end] = images.map((o) => new HartImage(b, o));
    this.invalidate = new Int32Array(b, invalidate, MAX_INVALIDATE);
    this.traps = new Int32Array(b, traps, 3 * MAX_TRAPS);
    this.read = new Int32Array(b, read, MAX_READ);
    this.written = new Int32Array(b, written, 2 * MAX_WRITTEN);
    this.error = new Uint8Array(b, error, ERROR_BYTES);
  }

  get state(): Box {
    return Atomics.load(this.control, C_STATE);
  }

  /** Set the state, and wake the other side if it may be asleep in waitForOrder (`wake`). */
  post(state: Box, wake = true): void {
    Atomics.store(this.control, C_STATE, state);
    if (wake) Atomics.notify(this.control, C_STATE);
  }

  /** Whether the worker has started (until then its hart's turns run on the main thread). */
  get ready(): boolean {
    return Atomics.load(this.control, C_READY) !== 0;
  }

  /** The worker's side: it has started. */
  started(): void {
    Atomics.store(this.control, C_READY, 1);
  }

  /** The engine's side: the result is taken (the worker, waiting for an order, need not wake). */
  taken(): void {
    Atomics.store(this.control, C_STATE, Box.Idle);
  }

  /** The worker's side: wait for an order (or Quit), spinning `spins` looks first. */
  waitForOrder(spins: number): Box {
    for (;;) {
      const s = this.state;
      if (s === Box.Order || s === Box.Quit) return s;
      if (!spinUntilChanged(this.control, C_STATE, s, spins)) Atomics.wait(this.control, C_STATE, s);
    }
  }

  // --- The order ---------------------------------------------------------------------------------

  get id(): number { return this.control[C_ID]; }
  get budget(): number { return this.control[C_BUDGET]; }
  get dropReservation(): boolean { return this.control[C_DROP_RESERVATION] !== 0; }
  /** Pages whose decoded code is stale, or undefined: all of it. */
  get stale(): Int32Array | undefined {
    const n = this.control[C_INVALIDATE];
    return n < 0 ? undefined : this.invalidate.subarray(0, n);
  }

  order(o: { id: number; budget: number; dropReservation: boolean; origin: number; clock: { base: number; baseTime: number }; mtimeOffset: bigint; stale: Set<number> }): void {
    const c = this.control;
    c[C_ID] = o.id;
    c[C_BUDGET] = o.budget;
    c[C_DROP_RESERVATION] = o.dropReservation ? 1 : 0;
    this.times[0] = o.origin;
    this.times[1] = o.clock.base;
    this.times[2] = o.clock.baseTime;
    this.mtimeOffset[0] = o.mtimeOffset;
    if (o.stale.size > MAX_INVALIDATE) c[C_INVALIDATE] = -1;
    else {
      let i = 0;
      for (const p of o.stale) this.invalidate[i++] = p;
      c[C_INVALIDATE] = i;
    }
  }

  // --- The result --------------------------------------------------------------------------------

  get steps(): number { return this.control[C_STEPS]; }
  /** Why the chunk ended, or undefined after an error (see errorText). */
  get stop(): ChunkStop | undefined { return STOPS[this.control[C_STOP]]; }
  get exact(): boolean { return this.control[C_EXACT] !== 0; }
  /** A set did not fit the mailbox: the chunk is void. */
  get overflow(): boolean { return this.control[C_OVERFLOW] !== 0; }
  get trapCount(): number { return this.control[C_TRAPS]; }
  get readCount(): number { return this.control[C_READ]; }
  get writtenCount(): number { return this.control[C_WRITTEN]; }

  result(r: { steps: number; stop: ChunkStop; exact: boolean; traps: readonly { step: number; cause: number; interrupt: boolean }[]; read: readonly number[]; written: readonly { page: number; copy: number }[] }): void {
    const c = this.control;
    c[C_STEPS] = r.steps;
    c[C_STOP] = STOPS.indexOf(r.stop);
    c[C_EXACT] = r.exact ? 1 : 0;
    const overflow = r.traps.length > MAX_TRAPS || r.read.length > MAX_READ || r.written.length > MAX_WRITTEN;
    c[C_OVERFLOW] = overflow ? 1 : 0;
    if (overflow) return;
    r.traps.forEach((t, i) => {
      this.traps[3 * i] = t.step;
      this.traps[3 * i + 1] = t.cause;
      this.traps[3 * i + 2] = t.interrupt ? 1 : 0;
    });
    c[C_TRAPS] = r.traps.length;
    for (let i = 0; i < r.read.length; i++) this.read[i] = r.read[i];
    c[C_READ] = r.read.length;
    r.written.forEach((w, i) => {
      this.written[2 * i] = w.page;
      this.written[2 * i + 1] = w.copy;
    });
    c[C_WRITTEN] = r.written.length;
  }

  failed(message: string): void {
    const bytes = new TextEncoder().encode(message).subarray(0, ERROR_BYTES);
    this.error.set(bytes);
    this.control[C_ERROR_LENGTH] = bytes.length;
    this.control[C_STOP] = -1;
  }

  get errorText(): string {
    return new TextDecoder().decode(this.error.slice(0, this.control[C_ERROR_LENGTH]));
  }
}
