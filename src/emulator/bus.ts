// The physical address space: RAM plus memory-mapped devices at half-open ranges. Guest RAM lives in
// one SharedArrayBuffer (so that harts on worker threads can share it), seen through several
// typed-array views. The buffer may be larger than RAM: after RAM come the parallel recorder's
// copy-on-write pools (parallel/chunk-bus.ts), so that a hart's TLB maps a private copy the same way
// it maps RAM, by an offset into one buffer. Pages of the buffer ("buffer pages") are numbered from
// RAM's first page; RAM page p is buffer page p.
//
// The bus also owns the per-page bookkeeping that keeps the harts' fast paths exact: which pages hold
// decoded code (stores to them must invalidate it) and which are watched. Every RAM access that a
// hart makes outside its TLB's fast path goes through readPage()/writePage(), which a chunk's bus
// overrides to redirect it to private copies and to take the chunk's read and write sets.

import { AccessSize, Device, DmaMemory } from './devices/device';
import type { Access } from './hart/mmu';
import { DRAM_BASE } from './virt-map';

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;
export const MAX_RAM = 2 ** 31; // RAM offsets stay non-negative int32

/** Page flags: a page with any flag set never gets a fast write-TLB entry. */
export const PAGE_CODE = 1;
export const PAGE_WATCHED = 2;
/** A page with a read watch: it never gets a fast read-TLB entry either. */
export const PAGE_READ_WATCHED = 4;

interface Mapping {
  readonly base: number;
  readonly end: number;
  readonly device: Device;
}

/** Something that caches translations to buffer pages and must drop entries for a page. */
export interface WriteCacheOwner {
  dropWritePage(page: number): void;
  dropReadPage(page: number): void;
  dropFetchPage(page: number): void;
  /** Drop every cached translation (write entries above all), e.g. after dirty bits are cleared. */
  flushTlb(): void;
}

export type StoreWatcher = (paddr: number, size: number) => void;
export type LoadWatcher = (paddr: number, size: number) => void;

export class Bus implements DmaMemory {
  readonly ramBase = DRAM_BASE;
  readonly ramSize: number;
  /** Guest RAM: the first ramSize bytes of the buffer. */
  readonly ram: Uint8Array;
  readonly ram16: Int16Array;
  readonly ram32: Int32Array;
  readonly ramView: DataView;
  /** The whole buffer (RAM, then the pools), by buffer offset: what hart TLB entries index. */
  readonly mem8: Uint8Array;
  readonly mem16: Int16Array;
  readonly mem32: Int32Array;
  readonly memView: DataView;
  /** RAM pages. */
  readonly pages: number;
  /** PAGE_* flags per buffer page. */
  readonly pageFlags: Uint8Array;
  /** Decode caches of buffer pages that have been executed from (see hart/op.ts for the slot layout). */
  readonly code: (Int32Array | undefined)[];
  /**
   * Pages written since dirty tracking was last cleared (clearDirty): every slow-path write marks
   * its pages, and a page is marked when a fast write-TLB entry is installed for it.
   */
  readonly dirty: Uint8Array;
  /** The pages marked in `dirty`, in the order they were first marked (markDirty). */
  readonly dirtyList: number[] = [];
  /** Pages ever written (since the bus was made or restored): every other page is all zeros. */
  readonly used: Uint8Array;
  /** Called after a page's decoded code is forgotten (so that patched copies can follow). */
  onCodeInvalidated?: (page: number) => void;
  private readonly loadWatchers: { start: number; end: number; fn: LoadWatcher }[] = [];
  private readonly mappings: Mapping[] = [];
  private readonly writeCaches: WriteCacheOwner[] = [];
  private readonly watchers: { start: number; end: number; fn: StoreWatcher }[] = [];
  /** The high word of the last 8-byte load (load() returns the low word). */
  hi = 0;

  /**
   * RAM of `ramSize` bytes, in a new buffer, or in the first ramSize bytes of `buffer` (whose other
   * pages are the pools of parallel/chunk-bus.ts; the buffer is shared, not cleared).
   */
  constructor(ramSize: number, buffer?: SharedArrayBuffer) {
    if (ramSize <= 0 || ramSize > MAX_RAM || ramSize % PAGE_SIZE !== 0) {
      throw new RangeError(`RAM size must be a multiple of 4 KiB between 4 KiB and 2 GiB (got ${ramSize})`);
    }
    const size = buffer ? buffer.byteLength : ramSize;
    if (size < ramSize || size > MAX_RAM || size % PAGE_SIZE !== 0) {
      throw new RangeError(`a RAM buffer must be a multiple of 4 KiB from the RAM size (${ramSize}) to 2 GiB (got ${size})`);
    }
    this.ramSize = ramSize;
    const buf = buffer ?? new SharedArrayBuffer(ramSize);
    this.ram = new Uint8Array(buf, 0, ramSize);
    this.ram16 = new Int16Array(buf, 0, ramSize >>> 1);
    this.ram32 = new Int32Array(buf, 0, ramSize >>> 2);
    this.ramView = new DataView(buf, 0, ramSize);
    this.mem8 = new Uint8Array(buf);
    this.mem16 = new Int16Array(buf);
    this.mem32 = new Int32Array(buf);
    this.memView = new DataView(buf);
    this.pages = ramSize >>> PAGE_SHIFT;
    this.pageFlags = new Uint8Array(size >>> PAGE_SHIFT);
    this.dirty = new Uint8Array(this.pages);
    this.used = new Uint8Array(this.pages);
    this.code = new Array(size >>> PAGE_SHIFT).fill(undefined);
  }

  /** The buffer that holds RAM (and the pools after it). */
  get buffer(): SharedArrayBuffer {
    return this.mem8.buffer as SharedArrayBuffer;
  }

  /** Map a device at [base, base + size). */
  map(base: number, size: number, device: Device): void {
    const end = base + size;
    for (const m of this.mappings) {
      if (base < m.end && m.base < end) throw new Error(`${device.name} at ${hex(base)} overlaps ${m.device.name}`);
    }
    if (base < this.ramBase + this.ramSize && this.ramBase < end) throw new Error(`${device.name} overlaps RAM`);
    this.mappings.push({ base, end, device });
    this.mappings.sort((a, b) => a.base - b.base);
  }

  addWriteCache(owner: WriteCacheOwner): void {
    this.writeCaches.push(owner);
  }

  /**
   * Call `fn` after every store that touches [paddr, paddr + size) of RAM (HTIF's tohost, debugger
   * watchpoints). Returns a function that removes the watch.
   */
  watchStores(paddr: number, size: number, fn: StoreWatcher): () => void {
    const w = { start: paddr, end: paddr + size, fn };
    this.watchers.push(w);
    this.reflag();
    return () => {
      this.watchers.splice(this.watchers.indexOf(w), 1);
      this.reflag();
    };
  }

  /** Call `fn` before every data load that touches [paddr, paddr + size) of RAM. Returns the remover. */
  watchLoads(paddr: number, size: number, fn: LoadWatcher): () => void {
    const w = { start: paddr, end: paddr + size, fn };
    this.loadWatchers.push(w);
    this.reflag();
    return () => {
      this.loadWatchers.splice(this.loadWatchers.indexOf(w), 1);
      this.reflag();
    };
  }

  /** Recompute the watch flags of every page from the watch lists. */
  private reflag(): void {
    const want = new Map<number, number>();
    const mark = (start: number, end: number, flag: number): void => {
      for (let a = Math.floor(start / PAGE_SIZE) * PAGE_SIZE; a < end; a += PAGE_SIZE) {
        if (this.isRam(a, 1)) {
          const p = (a - this.ramBase) >>> PAGE_SHIFT;
          want.set(p, (want.get(p) ?? 0) | flag);
        }
      }
    };
    for (const w of this.watchers) mark(w.start, w.end, PAGE_WATCHED);
    for (const w of this.loadWatchers) mark(w.start, w.end, PAGE_READ_WATCHED);
    for (let p = 0; p < this.pages; p++) {
      const old = this.pageFlags[p] & (PAGE_WATCHED | PAGE_READ_WATCHED);
      const now = want.get(p) ?? 0;
      if (old === now) continue;
      this.pageFlags[p] = (this.pageFlags[p] & PAGE_CODE) | now;
      for (const w of this.writeCaches) {
        if (now & PAGE_WATCHED) w.dropWritePage(p);
        if (now & PAGE_READ_WATCHED) w.dropReadPage(p);
      }
    }
  }

  /** Tell load watchers of a data load from RAM at [paddr, paddr + size). */
  loaded(paddr: number, size: number): void {
    for (const w of this.loadWatchers) if (paddr < w.end && w.start < paddr + size) w.fn(paddr, size);
  }

  /** Mark RAM page p dirty (and list it, the first time in the interval). */
  markDirty(p: number): void {
    if (this.dirty[p] !== 0) return;
    this.dirty[p] = 1;
    this.dirtyList.push(p);
  }

  /** Start a new dirty-tracking interval: no page is dirty, and no hart holds a fast write entry. */
  clearDirty(): void {
    if (this.dirtyList.length < this.pages >>> 6) for (const p of this.dirtyList) this.dirty[p] = 0;
    else this.dirty.fill(0);
    this.dirtyList.length = 0;
    for (const w of this.writeCaches) w.flushTlb();
  }

  isRam(paddr: number, size: number): boolean {
    return paddr >= this.ramBase && paddr + size <= this.ramBase + this.ramSize;
  }

  /** The RAM page index of a physical address known to be in RAM. */
  pageOf(paddr: number): number {
    return (paddr - this.ramBase) >>> PAGE_SHIFT;
  }

  device(paddr: number): Mapping | undefined {
    for (const m of this.mappings) if (paddr >= m.base && paddr < m.end) return m;
    return undefined;
  }

  /**
   * The buffer page that holds RAM page `page` for reading. Every RAM read outside a hart's TLB fast
   * path asks here (a chunk's bus records the page and answers with its private copy, if any).
   */
  readPage(page: number): number {
    return page;
  }

  /**
   * The buffer page to write RAM page `page` at, or -1 if this write must not happen here (a chunk's
   * bus: the chunk stops before the instruction; `atInstructionStart` says that nothing of the
   * current instruction has been done yet). Every RAM write outside the fast path asks here.
   */
  writePage(page: number, atInstructionStart: boolean): number {
    void atInstructionStart;
    return page;
  }

  /**
   * Whether an access to `paddr` must be left to the machine: never here; a chunk's bus says so for
   * loads and stores outside RAM and stores to watched pages. The page-table walk asks before it sets
   * A/D bits, so that such an access leaves nothing behind.
   */
  needsMachine(paddr: number, access: Access): boolean {
    void paddr;
    void access;
    return false;
  }

  /**
   * Step 7 of a page-table walk: store the low word of the PTE at `pteAddr` (RAM) with its A/D bits
   * set. False if it must not happen here (see writePage); then nothing is written.
   */
  setPte(pteAddr: number, pteLo: number, access: Access, atInstructionStart: boolean): boolean {
    void access;
    const page = this.writePage(this.pageOf(pteAddr), atInstructionStart);
    if (page < 0) return false;
    this.memView.setInt32((page << PAGE_SHIFT) | (pteAddr & (PAGE_SIZE - 1)), pteLo, true);
    this.written(pteAddr, 8);
    return true;
  }

  /** True on a chunk's bus, whose accesses that span two pages check both before changing either. */
  get copyOnWrite(): boolean {
    return false;
  }

  /** The decode cache of a buffer page, created empty (all Op.DECODE) on first use. */
  codePage(page: number): Int32Array {
    let c = this.code[page];
    if (!c) {
      c = new Int32Array(2048 * 4);
      this.code[page] = c;
      this.flagPage(page, PAGE_CODE);
    }
    return c;
  }

  private flagPage(page: number, flag: number): void {
    if ((this.pageFlags[page] & flag) === 0) {
      this.pageFlags[page] |= flag;
      for (const w of this.writeCaches) w.dropWritePage(page);
    }
  }

  /**
   * Called after any write to RAM bytes [paddr, paddr + size) that did not go through a fast
   * write-TLB entry: forgets decoded instructions there and tells watchers.
   */
  written(paddr: number, size: number): void {
    const first = this.pageOf(paddr);
    const last = this.pageOf(paddr + size - 1);
    for (let p = first; p <= last; p++) {
      this.markDirty(p);
      this.used[p] = 1;
      const flags = this.pageFlags[p];
      if (flags === 0) continue;
      if (flags & PAGE_CODE) {
        this.code[p]!.fill(0);
        this.onCodeInvalidated?.(p);
      }
      if (flags & PAGE_WATCHED) {
        for (const w of this.watchers) if (paddr < w.end && w.start < paddr + size) w.fn(paddr, size);
      }
    }
  }

  /** Forget every decoded instruction (after a restore, or a debugger write). */
  invalidateAllCode(): void {
    this.code.forEach((c, p) => {
      if (c) {
        c.fill(0);
        this.onCodeInvalidated?.(p);
      }
    });
  }

  /**
   * Load `size` bytes at a physical address, little-endian, zero-extended. The low 32 bits are
   * returned (as an int32) and the high 32 bits are left in `this.hi`. Returns undefined for an
   * address with nothing behind it (an access fault; on a chunk's bus, any address outside RAM).
   */
  load(paddr: number, size: 1 | 2 | 4 | 8): number | undefined {
    if (this.isRam(paddr, size)) {
      const o = (this.readPage(this.pageOf(paddr)) << PAGE_SHIFT) | (paddr & (PAGE_SIZE - 1));
      const r = this.mem8;
      switch (size) {
        case 1: this.hi = 0; return r[o];
        case 2: this.hi = 0; return r[o] | (r[o + 1] << 8);
        case 4: this.hi = 0; return r[o] | (r[o + 1] << 8) | (r[o + 2] << 16) | (r[o + 3] << 24);
        case 8:
          this.hi = r[o + 4] | (r[o + 5] << 8) | (r[o + 6] << 16) | (r[o + 7] << 24);
          return r[o] | (r[o + 1] << 8) | (r[o + 2] << 16) | (r[o + 3] << 24);
      }
    }
    const m = this.device(paddr);
    if (!m || paddr + size > m.end) return undefined;
    const off = paddr - m.base;
    if (size === 8) {
      if (m.device.read64) {
        const v = m.device.read64(off);
        this.hi = Number((v >> 32n) & 0xffffffffn) | 0;
        return Number(v & 0xffffffffn) | 0;
      }
      const lo = m.device.read(off, 4) | 0;
      this.hi = m.device.read(off + 4, 4) | 0;
      return lo;
    }
    this.hi = 0;
    return m.device.read(off, size as AccessSize) | 0;
  }

  /**
   * Store the low `size` bytes of (hi:lo) at a physical address; false if nothing is there (or the
   * store must be left to the machine: see writePage).
   */
  store(paddr: number, size: 1 | 2 | 4 | 8, lo: number, hi: number): boolean {
    if (this.isRam(paddr, size)) {
      const page = this.writePage(this.pageOf(paddr), false);
      if (page < 0) return false;
      const o = (page << PAGE_SHIFT) | (paddr & (PAGE_SIZE - 1));
      const r = this.mem8;
      r[o] = lo;
      if (size >= 2) r[o + 1] = lo >> 8;
      if (size >= 4) { r[o + 2] = lo >> 16; r[o + 3] = lo >> 24; }
      if (size === 8) { r[o + 4] = hi; r[o + 5] = hi >> 8; r[o + 6] = hi >> 16; r[o + 7] = hi >> 24; }
      this.written(paddr, size);
      return true;
    }
    const m = this.device(paddr);
    if (!m || paddr + size > m.end) return false;
    const off = paddr - m.base;
    if (size === 8) {
      if (m.device.write64) m.device.write64(off, (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0));
      else { m.device.write(off, 4, lo >>> 0); m.device.write(off + 4, 4, hi >>> 0); }
      return true;
    }
    m.device.write(off, size as AccessSize, size === 4 ? lo >>> 0 : lo & ((1 << (size * 8)) - 1));
    return true;
  }

  // DmaMemory: device DMA and loaders.
  readPhys(paddr: number, buf: Uint8Array): boolean {
    if (!this.isRam(paddr, buf.length)) return false;
    const o = paddr - this.ramBase;
    buf.set(this.ram.subarray(o, o + buf.length));
    return true;
  }

  writePhys(paddr: number, data: Uint8Array): boolean {
    if (!this.isRam(paddr, data.length)) return false;
    if (data.length === 0) return true;
    this.ram.set(data, paddr - this.ramBase);
    this.written(paddr, data.length);
    return true;
  }
}

export function hex(n: number | bigint): string {
  return '0x' + n.toString(16);
}
