// A chunk's view of guest memory, for the parallel recorder: copy-on-write over committed RAM.
//
// A hart on a worker thread runs in chunks. Its bus shares the machine's buffer: committed RAM first,
// then one pool region per hart. The chunk's first write to a RAM page copies the committed page
// into the next page of this hart's pool; from then on the chunk's reads and writes of that page go
// to the copy (its TLB entries map the copy: an offset into the same buffer). The read set and the
// write set are RAM pages, taken as Samsara takes them from EPT accessed/dirty bits: the hart's TLB
// is emptied when a chunk begins, so the first access to each page in the chunk takes a slow path,
// which asks readPage() or writePage(). A written page is also read (its copy reads the committed
// page), as a dirty bit comes with the accessed bit. Page-table walks that set A/D bits write
// like any other access.
//
// What needs the machine makes the chunk stop before the instruction, with nothing of it done: a load
// or store outside RAM, a store to a watched page, a full pool. The bus notes why (`stopped`) and
// refuses the access; the hart raises a trap for it that its host defers (chunk.ts), so that the
// interpreter returns at that instruction.

import { Bus, PAGE_CODE, PAGE_SHIFT, PAGE_SIZE, PAGE_WATCHED, WriteCacheOwner } from '../bus';
import { Access } from '../hart/mmu';

/**
 * Pool pages kept back for the instruction that fills the pool: one instruction copies at most six
 * pages (the PTE pages of its fetch, of the second half of a page-crossing instruction and of a
 * page-crossing access, and the two pages of that access).
 */
export const POOL_RESERVE = 16;

/** The hart a chunk's bus serves (hart/hart.ts): its TLBs, and its step count for undoFetch. */
interface ChunkHart extends WriteCacheOwner {
  readonly steps: number;
}

/** Why a chunk's bus stopped the chunk. */
export type BusStop = 'machine' | 'pool';

/** A RAM page the chunk wrote, and the buffer page of its copy (to publish: copy `copy` to `page`). */
export interface ChunkCopy {
  readonly page: number;
  readonly copy: number;
}

/** A hart's pool: `count` buffer pages from buffer page `first` (after RAM). */
export interface PoolRegion {
  readonly first: number;
  readonly count: number;
}

export class ChunkBus extends Bus {
  /** Why the current chunk must stop before its current instruction, if it must. */
  stopped: BusStop | undefined;
  /** The pool has no more than its reserve left: the chunk stops after the current instruction. */
  poolFull = false;
  /**
   * A copy was refused in the middle of an instruction (the reserve ran out): part of that
   * instruction is done, and the chunk must be discarded.
   */
  torn = false;
  private readonly pool: PoolRegion;
  /** RAM page -> buffer page of its copy in this chunk, or -1. */
  private readonly copyOf: Int32Array;
  private readonly readMark: Uint8Array;
  private readonly reads: number[] = [];
  private readonly writes: number[] = [];
  private hart: ChunkHart | undefined;
  // The A bits set by the walks that fetched the current instruction: undone if it stops (undoFetch).
  private fetchSteps = -1;
  private readonly fetchUndo: number[] = []; // pairs: buffer offset of a PTE's low word, its old value

  /**
   * A chunk's bus over the machine's `buffer` (RAM of `ramSize` bytes first), with this hart's pool
   * region and the RAM pages the machine watches for stores (HTIF's tohost).
   */
  constructor(ramSize: number, buffer: SharedArrayBuffer, pool: PoolRegion, watched: Iterable<number>) {
    super(ramSize, buffer);
    const total = buffer.byteLength >>> PAGE_SHIFT;
    if (!Number.isInteger(pool.first) || !Number.isInteger(pool.count) || pool.first < this.pages || pool.first + pool.count > total) {
      throw new RangeError(`a pool must lie in the buffer after RAM (pages ${this.pages}..${total}; got ${pool.first} + ${pool.count})`);
    }
    if (pool.count < 2 * POOL_RESERVE) throw new RangeError(`a pool needs at least ${2 * POOL_RESERVE} pages (got ${pool.count})`);
    this.pool = pool;
    this.copyOf = new Int32Array(this.pages).fill(-1);
    this.readMark = new Uint8Array(this.pages);
    this.watch(watched);
  }

  /** The RAM pages watched for stores (replacing the previous set). */
  watch(pages: Iterable<number>): void {
    for (let p = 0; p < this.pages; p++) this.pageFlags[p] &= ~PAGE_WATCHED;
    for (const p of pages) {
      if (!Number.isInteger(p) || p < 0 || p >= this.pages) throw new RangeError(`watched page ${p} is not a RAM page (0..${this.pages - 1})`);
      this.pageFlags[p] |= PAGE_WATCHED;
    }
  }

  /** The hart registers here when it is made on this bus's host: a chunk's bus serves one hart. */
  override addWriteCache(owner: WriteCacheOwner): void {
    if (this.hart || !('steps' in owner)) throw new Error('a chunk bus serves one hart, and nothing else caches its pages');
    super.addWriteCache(owner);
    this.hart = owner as ChunkHart;
  }

  /**
   * Begin a chunk: forget the decoded code of the pages other harts committed since this hart's last
   * chunk began (and of this hart's own last write set, which the engine may have published), drop
   * the last chunk's copies and sets, and empty the hart's TLBs.
   */
  beginChunk(pagesCommittedByOthers: Iterable<number>): void {
    for (const p of pagesCommittedByOthers) {
      if (!Number.isInteger(p) || p < 0 || p >= this.pages) throw new RangeError(`committed page ${p} is not a RAM page (0..${this.pages - 1})`);
      this.forgetCode(p);
    }
    this.discardChunk();
  }

  /** Drop the chunk: its copies, read and write sets and stop; empty the hart's TLBs. */
  discardChunk(): void {
    for (const p of this.writes) {
      this.forgetCode(this.copyOf[p]);
      this.forgetCode(p);
      this.copyOf[p] = -1;
    }
    for (const p of this.reads) this.readMark[p] = 0;
    this.reads.length = 0;
    this.writes.length = 0;
    this.stopped = undefined;
    this.poolFull = false;
    this.torn = false;
    this.fetchSteps = -1;
    this.fetchUndo.length = 0;
    this.hart?.flushTlb();
  }

  /** RAM pages the chunk read or wrote, in the order of first access. */
  get readSet(): readonly number[] {
    return this.reads;
  }

  /** RAM pages the chunk wrote, in the order of first write. */
  get writeSet(): readonly number[] {
    return this.writes;
  }

  /** Each written page with the buffer page of its copy, in the order of first write. */
  copies(): ChunkCopy[] {
    return this.writes.map((page) => ({ page, copy: this.copyOf[page] }));
  }

  override get copyOnWrite(): boolean {
    return true;
  }

  override readPage(page: number): number {
    if (this.readMark[page] === 0) {
      this.readMark[page] = 1;
      this.reads.push(page);
    }
    const c = this.copyOf[page];
    return c >= 0 ? c : page;
  }

  override writePage(page: number, atInstructionStart: boolean): number {
    const c = this.copyOf[page];
    if (c >= 0) return c;
    if (this.pageFlags[page] & PAGE_WATCHED) {
      this.stopped = 'machine';
      return -1;
    }
    const used = this.writes.length;
    const soft = this.pool.count - POOL_RESERVE;
    if (used >= this.pool.count || (atInstructionStart && used >= soft)) {
      this.stopped = 'pool';
      if (!atInstructionStart) this.torn = true;
      return -1;
    }
    const copy = this.pool.first + used;
    this.mem8.copyWithin(copy << PAGE_SHIFT, page << PAGE_SHIFT, (page + 1) << PAGE_SHIFT);
    this.copyOf[page] = copy;
    this.writes.push(page);
    this.readPage(page);
    // The hart's read and fetch entries for the page map the committed page: from now on, the copy.
    this.hart?.dropReadPage(page);
    this.hart?.dropFetchPage(page);
    if (used + 1 >= soft) this.poolFull = true;
    return copy;
  }

  override needsMachine(paddr: number, access: Access): boolean {
    if (access === Access.Fetch) return false; // a fetch outside RAM is an access fault, as serially
    if (this.isRam(paddr, 1) && (access === Access.Load || (this.pageFlags[this.pageOf(paddr)] & PAGE_WATCHED) === 0)) {
      return false;
    }
    this.stopped = 'machine';
    return true;
  }

  override setPte(pteAddr: number, pteLo: number, access: Access, atInstructionStart: boolean): boolean {
    const page = this.writePage(this.pageOf(pteAddr), atInstructionStart);
    if (page < 0) return false;
    const o = (page << PAGE_SHIFT) | (pteAddr & (PAGE_SIZE - 1));
    if (access === Access.Fetch && this.hart) {
      // Fetching is done before the instruction itself: if the instruction stops the chunk, its
      // fetch must leave nothing behind either.
      if (this.fetchSteps !== this.hart.steps) {
        this.fetchSteps = this.hart.steps;
        this.fetchUndo.length = 0;
      }
      this.fetchUndo.push(o, this.memView.getInt32(o, true));
    }
    this.memView.setInt32(o, pteLo, true);
    this.written(pteAddr, 8);
    return true;
  }

  /** Undo the A bits that fetching the instruction at step `steps` set (it stops the chunk). */
  undoFetch(steps: number): void {
    if (this.fetchSteps !== steps) return;
    for (let i = this.fetchUndo.length - 2; i >= 0; i -= 2) {
      this.memView.setInt32(this.fetchUndo[i], this.fetchUndo[i + 1], true);
      this.forgetCode(this.fetchUndo[i] >>> PAGE_SHIFT);
    }
    this.fetchUndo.length = 0;
    this.fetchSteps = -1;
  }

  /** A write to a copy: forget the copy's decoded code there. (Nothing else watches a chunk's writes.) */
  override written(paddr: number, size: number): void {
    const first = this.pageOf(paddr);
    const last = this.pageOf(paddr + size - 1);
    for (let p = first; p <= last; p++) {
      const c = this.copyOf[p];
      if (c >= 0) this.forgetCode(c);
    }
  }

  /** Outside RAM, the chunk stops: devices are the machine's. */
  override load(paddr: number, size: 1 | 2 | 4 | 8): number | undefined {
    if (!this.isRam(paddr, size)) {
      this.stopped = 'machine';
      return undefined;
    }
    return super.load(paddr, size);
  }

  override store(paddr: number, size: 1 | 2 | 4 | 8, lo: number, hi: number): boolean {
    if (!this.isRam(paddr, size)) {
      this.stopped = 'machine';
      return false;
    }
    return super.store(paddr, size, lo, hi);
  }

  private forgetCode(page: number): void {
    if (this.pageFlags[page] & PAGE_CODE) this.code[page]!.fill(0);
  }
}

/**
 * Publish a chunk's copies into committed RAM through the machine's bus (over the same buffer): copy
 * each copy to its page and tell the bus, which forgets decoded code there and marks the page dirty.
 */
export function publishCopies(bus: Bus, copies: readonly ChunkCopy[]): void {
  for (const { page, copy } of copies) {
    bus.mem8.copyWithin(page << PAGE_SHIFT, copy << PAGE_SHIFT, (copy + 1) << PAGE_SHIFT);
    bus.written(bus.ramBase + page * PAGE_SIZE, PAGE_SIZE);
  }
}
