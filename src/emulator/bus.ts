// The physical address space: RAM plus memory-mapped devices at half-open ranges. Guest RAM lives in
// one SharedArrayBuffer (so that later harts on worker threads can share it), seen through several
// typed-array views. The bus also owns the per-page bookkeeping that keeps the harts' fast paths
// exact: which RAM pages hold decoded code (stores to them must invalidate it) and which are watched.

import { AccessSize, Device, DmaMemory } from './devices/device';
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

/** Something that caches translations to RAM pages and must drop entries for a page. */
export interface WriteCacheOwner {
  dropWritePage(page: number): void;
  dropReadPage(page: number): void;
  /** Drop every cached translation (write entries above all), e.g. after dirty bits are cleared. */
  flushTlb(): void;
}

export type StoreWatcher = (paddr: number, size: number) => void;
export type LoadWatcher = (paddr: number, size: number) => void;

export class Bus implements DmaMemory {
  readonly ramBase = DRAM_BASE;
  readonly ramSize: number;
  readonly ram: Uint8Array;
  readonly ram16: Int16Array;
  readonly ram32: Int32Array;
  readonly ramView: DataView;
  readonly pages: number;
  /** PAGE_* flags per RAM page. */
  readonly pageFlags: Uint8Array;
  /** Decode caches of RAM pages that have been executed from (see hart/op.ts for the slot layout). */
  readonly code: (Int32Array | undefined)[];
  /**
   * Pages written since dirty tracking was last cleared (clearDirty): every slow-path write marks
   * its pages, and a page is marked when a fast write-TLB entry is installed for it.
   */
  readonly dirty: Uint8Array;
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

  constructor(ramSize: number) {
    if (ramSize <= 0 || ramSize > MAX_RAM || ramSize % PAGE_SIZE !== 0) {
      throw new RangeError(`RAM size must be a multiple of 4 KiB between 4 KiB and 2 GiB (got ${ramSize})`);
    }
    this.ramSize = ramSize;
    const buf = new SharedArrayBuffer(ramSize);
    this.ram = new Uint8Array(buf);
    this.ram16 = new Int16Array(buf);
    this.ram32 = new Int32Array(buf);
    this.ramView = new DataView(buf);
    this.pages = ramSize >>> PAGE_SHIFT;
    this.pageFlags = new Uint8Array(this.pages);
    this.dirty = new Uint8Array(this.pages);
    this.used = new Uint8Array(this.pages);
    this.code = new Array(this.pages).fill(undefined);
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

  /** Start a new dirty-tracking interval: no page is dirty, and no hart holds a fast write entry. */
  clearDirty(): void {
    this.dirty.fill(0);
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

  /** The decode cache of a RAM page, created empty (all Op.DECODE) on first use. */
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
      this.dirty[p] = 1;
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
   * address with nothing behind it (an access fault).
   */
  load(paddr: number, size: 1 | 2 | 4 | 8): number | undefined {
    if (this.isRam(paddr, size)) {
      const o = paddr - this.ramBase;
      const r = this.ram;
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

  /** Store the low `size` bytes of (hi:lo) at a physical address; false if nothing is there. */
  store(paddr: number, size: 1 | 2 | 4 | 8, lo: number, hi: number): boolean {
    if (this.isRam(paddr, size)) {
      const o = paddr - this.ramBase;
      const r = this.ram;
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
