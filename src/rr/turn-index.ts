// The timeline's index of turns (chunks) and traps, sparse: one entry per segment of an events
// block (a block, cut every SEGMENT_BYTES of its inflated events), never one per event, so that
// what it holds stays O(blocks x harts) however many events a block inflates to (an events block
// may declare up to 64 MiB: millions of chunks or traps from a few KB stored).
//
// Per segment it keeps where it is (block and byte offset), the position its turns start at and
// the one they end at, a mask of the harts that have a turn in it, the hart of its first turn, and
// per hart the number of traps before it. A query finds its segment by binary search on these,
// decodes that segment's turns and traps into a small table (a few are cached) and searches it;
// for a hart's previous or next step it walks over segments whose mask lacks the hart. The blocks
// it reads are inflated into a cache of its own, so that queries never evict the blocks the
// replayer reads; all were checked (EventChecker) by the scan that built the index.
//
// A turn's traps come before its chunk in the log (the replayer takes them as the turn runs), maybe
// in an earlier segment or block: an interrupt at the chunk's start position, on its hart, was taken
// as the turn began. Traps after the recording's last chunk belong to no turn and are not indexed.

import { ByteReader } from './codec';
import { EventLog } from './event-log';
import { decodeEvent, EventKind, inflateBlock, ParsedRecording } from './format';

/** A trap a hart took, from the recording's Trap events. */
export interface TrapEvent {
  readonly hart: number;
  /** The machine's position when it was taken (an exception: that of the step that took it). */
  readonly position: number;
  readonly cause: number;
  readonly interrupt: boolean;
  /**
   * An interrupt taken as the hart's turn began, before the turn's first step: at its position the
   * machine can show the hart before the trap or after it (the handler's first instruction).
   */
  readonly atTurnStart: boolean;
  /** Its number among the hart's traps, in order. */
  readonly index: number;
}

/**
 * Inflated bytes of events per segment, at most (and one event more): a segment's table then holds
 * at most ~32,000 turns, and a block of 64 MiB is 1,024 segments.
 */
const SEGMENT_BYTES = 64 * 1024;
/**
 * Inflated blocks, and decoded segment tables, kept for queries: the last two blocks and four
 * tables used, and more while they hold at most 16 MiB each (a recorder's blocks are small, ~12 KB
 * of events for Linux: then the tables of a whole recording of minutes fit, and a query costs a
 * binary search; a hostile block of 64 MiB is kept alone, with the one before it).
 */
const KEPT_BLOCKS = 2;
const KEPT_TABLES = 4;
const KEPT_BYTES = 16 * 2 ** 20;

/** One segment's turns and traps, decoded. */
interface Table {
  readonly segment: number;
  readonly turns: number;
  /** Turn t: hart turnHart[t] takes the steps from turnStart[t] to turnStart[t + 1] (turnStart[turns]: the segment's end). */
  readonly turnStart: Float64Array;
  readonly turnHart: Uint8Array;
  readonly traps: number;
  readonly trapPosition: Float64Array;
  readonly trapHart: Uint8Array;
  readonly trapCause: Uint8Array;
  /** Bit 0: an interrupt; bit 1: taken as its turn began. */
  readonly trapFlags: Uint8Array;
  /** Its number among its hart's traps. */
  readonly trapIndex: Float64Array;
}

export class TurnIndex {
  /** The position the recording starts at. */
  readonly start: number;
  /** The position its turns (or its End event) reach (see `end`). */
  private reached = 0;
  private count = 0;
  private segBlock: Int32Array = new Int32Array(16);
  private segOffset: Int32Array = new Int32Array(16);
  private segStart: Float64Array = new Float64Array(16);
  private segEnd: Float64Array = new Float64Array(16);
  /** Bit h: hart h has a turn in the segment. */
  private segMask: Uint8Array = new Uint8Array(16);
  /** The hart of the segment's first turn, or -1 where it has none. */
  private segFirstHart: Int8Array = new Int8Array(16);
  /** trapsBefore[s * harts + h]: hart h's Trap events in the segments before s. */
  private trapsBefore: Float64Array;
  /** Each hart's indexed traps (those before the recording's last chunk). */
  private trapCount: number[] = [];
  private readonly harts: number;
  private readonly blocks: { index: number; payload: Uint8Array }[] = [];
  private readonly tables: Table[] = [];

  /** What indexing holds between blocks (see indexBlock); undefined once the index is complete. */
  private building: {
    /** Each hart's traps seen so far, and as they were at the last chunk (those after it are in no turn). */
    seen: Float64Array;
    committed: Float64Array;
    open: boolean;
    position: number;
    end: number;
    /** The segment being filled, or -1. */
    s: number;
    /** The next block to index. */
    next: number;
  } | undefined;

  /**
   * An index of the recording's events blocks, read once each through `log` (which checks them),
   * block by block with indexBlock() until complete (or all at once: indexAll). `start` is the
   * position of the recording's snapshot.
   */
  constructor(private readonly recording: ParsedRecording, private readonly log: EventLog, start: number, private readonly name = 'recording') {
    const harts = (this.harts = recording.header.machine.harts);
    this.trapsBefore = new Float64Array(16 * harts);
    this.start = start;
    this.building = { seen: new Float64Array(harts), committed: new Float64Array(harts), open: false, position: start, end: start, s: -1, next: 1 };
  }

  /** The position the recording's turns (or its End event) reach: known once the index is complete. */
  get end(): number {
    return this.reached;
  }

  /** Index every block not indexed yet. */
  indexAll(): this {
    while (this.indexBlock());
    return this;
  }

  /** Index the next block; false once every block is. */
  indexBlock(): boolean {
    const b = this.building;
    if (!b) return false;
    const log = this.log;
    const harts = this.harts;
    if (b.next >= log.blockCount) {
      if (b.s >= 0) this.segEnd[b.s] = b.position;
      this.trapCount = Array.from(b.committed);
      this.reached = Math.max(b.end, b.position);
      this.building = undefined;
      return false;
    }
    const i = b.next++;
    const begin = (offset: number): void => {
      if (b.s >= 0) this.segEnd[b.s] = b.position;
      const s = (b.s = this.count++);
      this.grow(this.count);
      this.segBlock[s] = i;
      this.segOffset[s] = offset;
      this.segStart[s] = b.position;
      this.segMask[s] = 0;
      this.segFirstHart[s] = -1;
      this.trapsBefore.set(b.seen, s * harts);
    };
    let from = 0;
    // (Checking a block decodes it: its events are indexed in the same pass.)
    log.visitBlock(i, (e, at) => {
      if (at - from >= SEGMENT_BYTES) {
        begin(at);
        from = at;
      }
      if (e.kind === EventKind.Chunk) {
        this.segMask[b.s] |= 1 << e.hart;
        if (this.segFirstHart[b.s] < 0) this.segFirstHart[b.s] = e.hart;
        b.position += e.steps;
        if (b.open) b.committed.set(b.seen);
        b.open = false;
      } else if (e.kind === EventKind.Trap) {
        b.seen[e.hart]++;
        b.open = true;
      } else if (e.kind === EventKind.End) b.end = e.position;
    }, (start, first) => {
      b.position = start;
      begin(first);
      from = first;
    });
    return true;
  }

  /** The number of segments indexed (what the index holds is proportional to it). */
  get segments(): number {
    return this.count;
  }

  // --- Turns -------------------------------------------------------------------------------------

  /** The turn whose steps include the one at `position`, if any: its hart and the steps it spans. */
  turnAt(position: number): { hart: number; start: number; end: number } | undefined {
    const s = this.lastSegmentFrom(position, true);
    if (s < 0 || this.segEnd[s] <= position) return undefined;
    const t = this.table(s);
    const i = lastAtOrBefore(t.turnStart, t.turns, position);
    return i < 0 ? undefined : { hart: t.turnHart[i], start: t.turnStart[i], end: t.turnStart[i + 1] };
  }

  /** Whether a turn begins at `position`. */
  isTurnStart(position: number): boolean {
    return this.turnAt(position)?.start === position;
  }

  /** The hart that takes the step at `position`. */
  hartAt(position: number): number | undefined {
    return this.turnAt(position)?.hart;
  }

  /** The position of hart h's last step before `position` (the step from q to q + 1), if any. */
  previousStepOf(h: number, position: number): number | undefined {
    for (let s = this.lastSegmentFrom(position - 1, true); s >= 0; s--) {
      if (!(this.segMask[s] & (1 << h))) continue;
      const t = this.table(s);
      for (let i = lastAtOrBefore(t.turnStart, t.turns, position - 1); i >= 0; i--) {
        if (t.turnHart[i] === h) return Math.min(t.turnStart[i + 1], position) - 1;
      }
    }
    return undefined;
  }

  /** The position of hart h's next step at or after `position`, if any. */
  nextStepOf(h: number, position: number): number | undefined {
    for (let s = Math.max(0, this.lastSegmentFrom(position, true)); s < this.count; s++) {
      if (!(this.segMask[s] & (1 << h)) || this.segEnd[s] <= position) continue;
      const t = this.table(s);
      for (let i = Math.max(0, lastAtOrBefore(t.turnStart, t.turns, position)); i < t.turns; i++) {
        if (t.turnHart[i] === h && t.turnStart[i + 1] > position) return Math.max(t.turnStart[i], position);
      }
    }
    return undefined;
  }

  // --- Traps -------------------------------------------------------------------------------------

  /** Hart h's last trap taken at a position before `position`, if any. */
  lastTrapBefore(h: number, position: number): TrapEvent | undefined {
    if (!(h >= 0 && h < this.harts)) return undefined;
    // Traps in later segments lie at or after their start.
    const s = this.lastSegmentFrom(position, false);
    if (s < 0) return undefined;
    const t = this.table(s);
    let index = this.trapsBefore[s * this.harts + h] - 1;
    for (let i = 0; i < t.traps && t.trapPosition[i] < position; i++) if (t.trapHart[i] === h) index = t.trapIndex[i];
    return this.trap(h, Math.min(index, this.trapCount[h] - 1));
  }

  /** Hart h's trap number `index` (in the order it took them), if it took that many. */
  trap(h: number, index: number): TrapEvent | undefined {
    if (!(h >= 0 && h < this.harts) || !Number.isInteger(index) || index < 0 || index >= this.trapCount[h]) return undefined;
    // The segment that holds it: the last whose traps before it are at most `index`.
    let lo = 0;
    let hi = this.count - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.trapsBefore[mid * this.harts + h] <= index) lo = mid;
      else hi = mid - 1;
    }
    const t = this.table(lo);
    for (let i = 0; i < t.traps; i++) {
      if (t.trapHart[i] !== h || t.trapIndex[i] !== index) continue;
      const f = t.trapFlags[i];
      return { hart: h, position: t.trapPosition[i], cause: t.trapCause[i], interrupt: (f & 1) !== 0, atTurnStart: (f & 2) !== 0, index };
    }
    return undefined; // not reached: the counts say segment `lo` holds it
  }

  // --- Segments ----------------------------------------------------------------------------------

  /** The last segment starting at or before (`inclusive`), or before, `position`; -1 if none. */
  private lastSegmentFrom(position: number, inclusive: boolean): number {
    const before = (s: number): boolean => (inclusive ? this.segStart[s] <= position : this.segStart[s] < position);
    if (this.count === 0 || !before(0)) return -1;
    let lo = 0;
    let hi = this.count - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (before(mid)) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Segment s's turns and traps, decoded (from the cache if it is there). */
  private table(s: number): Table {
    const found = this.tables.findIndex((t) => t.segment === s);
    if (found >= 0) {
      const t = this.tables[found];
      this.tables.splice(found, 1);
      this.tables.unshift(t);
      return t;
    }
    const block = this.segBlock[s];
    const payload = this.payload(block);
    const stop = s + 1 < this.count && this.segBlock[s + 1] === block ? this.segOffset[s + 1] : payload.length;
    // Two passes: count, then fill (the arrays are sized to the segment, at most SEGMENT_BYTES / 2 events).
    const read = (visit: (kind: EventKind, a: number, b: number, c: number, d: boolean) => void): void => {
      const r = new ByteReader(payload, `${this.name}: block ${this.recording.blocks[block].sequence}`);
      r.pos = this.segOffset[s];
      while (r.pos < stop) {
        const e = decodeEvent(r);
        if (e.kind === EventKind.Chunk) visit(e.kind, e.hart, e.steps, 0, false);
        else if (e.kind === EventKind.Trap) visit(e.kind, e.hart, e.position, e.cause, e.interrupt);
      }
    };
    let turns = 0;
    let traps = 0;
    read((kind) => (kind === EventKind.Chunk ? turns++ : traps++));
    const t: Table = {
      segment: s, turns, turnStart: new Float64Array(turns + 1), turnHart: new Uint8Array(turns),
      traps, trapPosition: new Float64Array(traps), trapHart: new Uint8Array(traps), trapCause: new Uint8Array(traps),
      trapFlags: new Uint8Array(traps), trapIndex: new Float64Array(traps),
    };
    const counts = Array.from(this.trapsBefore.subarray(s * this.harts, (s + 1) * this.harts));
    let position = this.segStart[s];
    let turn = 0;
    let trap = 0;
    let waiting = 0; // traps[waiting, trap) wait for their turn's chunk
    const settle = (hart: number, start: number): void => {
      for (; waiting < trap; waiting++) {
        if ((t.trapFlags[waiting] & 1) && t.trapHart[waiting] === hart && t.trapPosition[waiting] === start) t.trapFlags[waiting] |= 2;
      }
    };
    read((kind, hart, a, cause, interrupt) => {
      if (kind === EventKind.Chunk) {
        settle(hart, position);
        t.turnStart[turn] = position;
        t.turnHart[turn++] = hart;
        position += a;
      } else {
        t.trapPosition[trap] = a;
        t.trapHart[trap] = hart;
        t.trapCause[trap] = cause;
        t.trapFlags[trap] = interrupt ? 1 : 0;
        t.trapIndex[trap++] = counts[hart]++;
      }
    });
    t.turnStart[turns] = position;
    // Traps after the segment's last chunk: their turn is the next segment's first.
    for (let n = s + 1; waiting < traps && n < this.count; n++) {
      if (this.segFirstHart[n] >= 0) settle(this.segFirstHart[n], this.segStart[n]);
    }
    this.tables.unshift(t);
    trim(this.tables, KEPT_TABLES, (x) => 13 * x.turns + 27 * x.traps);
    return t;
  }

  private payload(index: number): Uint8Array {
    const found = this.blocks.find((b) => b.index === index);
    if (found) return found.payload;
    const payload = inflateBlock(this.recording.blocks[index], this.name);
    this.blocks.unshift({ index, payload });
    trim(this.blocks, KEPT_BLOCKS, (b) => b.payload.length);
    return payload;
  }

  /** Room for n segments: the arrays double as they fill. */
  private grow(n: number): void {
    if (n <= this.segStart.length) return;
    const size = Math.max(n, this.segStart.length * 2);
    const f64 = (a: Float64Array, length = size): Float64Array => { const b = new Float64Array(length); b.set(a); return b; };
    const i32 = (a: Int32Array): Int32Array => { const b = new Int32Array(size); b.set(a); return b; };
    const u8 = (a: Uint8Array): Uint8Array => { const b = new Uint8Array(size); b.set(a); return b; };
    const i8 = (a: Int8Array): Int8Array => { const b = new Int8Array(size); b.set(a); return b; };
    this.segBlock = i32(this.segBlock);
    this.segOffset = i32(this.segOffset);
    this.segStart = f64(this.segStart);
    this.segEnd = f64(this.segEnd);
    this.segMask = u8(this.segMask);
    this.segFirstHart = i8(this.segFirstHart);
    this.trapsBefore = f64(this.trapsBefore, size * this.harts);
  }
}

/** Keep a cache's `least` most recently used entries (first), and more while they total KEPT_BYTES at most. */
function trim<T>(cache: T[], least: number, bytes: (entry: T) => number): void {
  let total = 0;
  const cut = cache.findIndex((e, i) => (total += bytes(e)) > KEPT_BYTES && i >= least);
  if (cut >= 0) cache.length = cut;
}

/** The last i < n with a[i] <= x (a ascending), or -1. */
function lastAtOrBefore(a: Float64Array, n: number, x: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}
