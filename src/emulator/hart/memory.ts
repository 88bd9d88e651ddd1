// The slow paths of data memory access: TLB misses, MMIO, misaligned accesses (which complete, as
// QEMU's do, and are never visible as traps), and the atomic memory operations.

import { PAGE_READ_WATCHED, PAGE_SHIFT, PAGE_SIZE } from '../bus';
import { Hart } from './hart';
import { Access, translate, translateAndFill } from './mmu';
import { Cause } from './trap';

export type Size = 1 | 2 | 4 | 8;

/** Result codes of storeSlow. */
export const enum StoreResult {
  Ok = 0,
  Trap = 1,
}

/**
 * Load `size` bytes at virtual (hi:lo); on success true, with the zero-extended value in
 * h.ldLo/h.ldHi. On failure false, with the trap raised.
 */
export function loadSlow(h: Hart, lo: number, hi: number, size: Size): boolean {
  const off = lo & 0xfff;
  if (off + size > 0x1000) return loadCrossing(h, lo, hi, size);
  const pa = translateAndFill(h, lo, hi, Access.Load);
  if (pa < 0) return false;
  const bus = h.bus;
  if ((lo & (size - 1)) !== 0 && !bus.isRam(pa, size)) {
    // A misaligned MMIO access: byte by byte.
    return loadBytes(h, [pa], lo, size);
  }
  const v = bus.load(pa, size);
  if (v === undefined) return h.raise(Cause.LoadAccessFault, lo, hi);
  h.ldLo = v;
  h.ldHi = bus.hi;
  if (bus.isRam(pa, 1) && bus.pageFlags[bus.pageOf(pa)] & PAGE_READ_WATCHED) bus.loaded(pa, size);
  return true;
}

function loadCrossing(h: Hart, lo: number, hi: number, size: Size): boolean {
  const lo2 = ((lo & ~0xfff) + 0x1000) | 0;
  const hi2 = lo2 === 0 ? (hi + 1) | 0 : hi;
  if (crossingNeedsMachine(h, lo, hi, lo2, hi2, Access.Load)) return h.raise(Cause.LoadAccessFault, lo, hi);
  const pa1 = translate(h, lo, hi, Access.Load);
  if (pa1 < 0) return false;
  const pa2 = translate(h, lo2, hi2, Access.Load);
  if (pa2 < 0) return false;
  return loadBytes(h, [pa1, pa2], lo, size);
}

function loadBytes(h: Hart, pages: number[], lo: number, size: Size): boolean {
  const bus = h.bus;
  let rlo = 0;
  let rhi = 0;
  const first = 0x1000 - (lo & 0xfff);
  for (let i = 0; i < size; i++) {
    const pa = i < first ? pages[0] + i : pages[1] + (i - first);
    const b = bus.load(pa, 1);
    if (b === undefined) return h.raise(Cause.LoadAccessFault, (lo + i) | 0, 0);
    if (bus.isRam(pa, 1) && bus.pageFlags[bus.pageOf(pa)] & PAGE_READ_WATCHED) bus.loaded(pa, 1);
    if (i < 4) rlo |= b << (8 * i);
    else rhi |= b << (8 * (i - 4));
  }
  h.ldLo = rlo;
  h.ldHi = rhi;
  return true;
}

/** Store the low `size` bytes of (vhi:vlo) at virtual (hi:lo). */
export function storeSlow(h: Hart, lo: number, hi: number, size: Size, vlo: number, vhi: number): StoreResult {
  const off = lo & 0xfff;
  const bus = h.bus;
  if (off + size > 0x1000) {
    const lo2 = ((lo & ~0xfff) + 0x1000) | 0;
    const hi2 = lo2 === 0 ? (hi + 1) | 0 : hi;
    if (crossingNeedsMachine(h, lo, hi, lo2, hi2, Access.Store)) {
      h.raise(Cause.StoreAccessFault, lo, hi);
      return StoreResult.Trap;
    }
    const pa1 = translate(h, lo, hi, Access.Store);
    if (pa1 < 0) return StoreResult.Trap;
    const pa2 = translate(h, lo2, hi2, Access.Store);
    if (pa2 < 0) return StoreResult.Trap;
    return storeBytes(h, [pa1, pa2], lo, size, vlo, vhi);
  }
  const pa = translateAndFill(h, lo, hi, Access.Store);
  if (pa < 0) return StoreResult.Trap;
  if ((lo & (size - 1)) !== 0 && !bus.isRam(pa, size)) return storeBytes(h, [pa], lo, size, vlo, vhi);
  if (!bus.store(pa, size, vlo, vhi)) {
    h.raise(Cause.StoreAccessFault, lo, hi);
    return StoreResult.Trap;
  }
  return StoreResult.Ok;
}

/**
 * On a chunk's bus (parallel/), whether either page of an access that spans two needs the machine:
 * then the chunk stops before the access, which must not set the first page's A/D bits. The pages
 * are looked up without side effects (a peek): a fault there is left to the real walks.
 */
function crossingNeedsMachine(h: Hart, lo: number, hi: number, lo2: number, hi2: number, access: Access): boolean {
  const bus = h.bus;
  if (!bus.copyOnWrite) return false;
  const pa1 = translate(h, lo, hi, access, true);
  if (pa1 >= 0 && bus.needsMachine(pa1, access)) return true;
  const pa2 = translate(h, lo2, hi2, access, true);
  return pa2 >= 0 && bus.needsMachine(pa2, access);
}

function storeBytes(h: Hart, pages: number[], lo: number, size: Size, vlo: number, vhi: number): StoreResult {
  const bus = h.bus;
  const first = 0x1000 - (lo & 0xfff);
  const pa = (i: number): number => (i < first ? pages[0] + i : pages[1] + (i - first));
  // Check every byte first, so that a fault (or a chunk's stop) leaves memory unchanged.
  for (let i = 0; i < size; i++) {
    if (bus.needsMachine(pa(i), Access.Store) || (!bus.isRam(pa(i), 1) && !bus.device(pa(i)))) {
      h.raise(Cause.StoreAccessFault, (lo + i) | 0, 0);
      return StoreResult.Trap;
    }
  }
  for (let i = 0; i < size; i++) {
    const b = i < 4 ? vlo >>> (8 * i) : vhi >>> (8 * (i - 4));
    bus.store(pa(i), 1, b & 0xff, 0);
  }
  return StoreResult.Ok;
}

// --- A extension ------------------------------------------------------------------------------------

const enum AmoFunct {
  ADD = 0x00,
  SWAP = 0x01,
  LR = 0x02,
  SC = 0x03,
  XOR = 0x04,
  OR = 0x08,
  AND = 0x0c,
  MIN = 0x10,
  MAX = 0x14,
  MINU = 0x18,
  MAXU = 0x1c,
}

/**
 * Execute an LR, SC or AMO (unprivileged spec, "A" extension). Returns false after raising a trap.
 * Misaligned addresses raise address-misaligned exceptions; only RAM supports atomics (MMIO gives an
 * access fault). The hart runs alone while it executes, so every AMO is atomic.
 */
export function amo(h: Hart, insn: number): boolean {
  const funct5 = insn >>> 27;
  const wide = ((insn >>> 12) & 7) === 3;
  const size = wide ? 8 : 4;
  const rd = (insn >>> 7) & 31;
  const rs1 = (insn >>> 15) & 31;
  const rs2 = (insn >>> 20) & 31;
  const x = h.x;
  const lo = x[2 * rs1];
  const hi = x[2 * rs1 + 1];
  const isLoad = funct5 === AmoFunct.LR;
  if ((lo & (size - 1)) !== 0) {
    return h.raise(isLoad ? Cause.LoadMisaligned : Cause.StoreMisaligned, lo, hi);
  }
  const pa = translate(h, lo, hi, isLoad ? Access.Load : Access.Store);
  if (pa < 0) return false;
  const bus = h.bus;
  if (!bus.isRam(pa, size)) return h.raise(isLoad ? Cause.LoadAccessFault : Cause.StoreAccessFault, lo, hi);
  // The buffer page to access: a write's is asked for before anything changes (a chunk may stop here).
  const page = bus.pageOf(pa);
  const writes = !isLoad && (funct5 !== AmoFunct.SC || h.reservation === pa);
  const bp = writes ? bus.writePage(page, false) : bus.readPage(page);
  if (bp < 0) return h.raise(Cause.StoreAccessFault, lo, hi);
  const o = (bp << PAGE_SHIFT) | (pa & (PAGE_SIZE - 1));
  const view = bus.memView;
  if (bus.pageFlags[page] & PAGE_READ_WATCHED) bus.loaded(pa, size);
  const oldLo = view.getInt32(o, true);
  const oldHi = wide ? view.getInt32(o + 4, true) : oldLo >> 31;
  const write = (nlo: number, nhi: number): void => {
    view.setInt32(o, nlo, true);
    if (wide) view.setInt32(o + 4, nhi, true);
    bus.written(pa, size);
  };
  let rdLo = oldLo;
  let rdHi = oldHi;
  if (funct5 === AmoFunct.LR) {
    h.reservation = pa;
  } else if (funct5 === AmoFunct.SC) {
    const ok = h.reservation === pa;
    h.reservation = -1;
    if (ok) write(x[2 * rs2], x[2 * rs2 + 1]);
    rdLo = ok ? 0 : 1;
    rdHi = 0;
  } else {
    const bLo = x[2 * rs2];
    const bHi = wide ? x[2 * rs2 + 1] : bLo >> 31;
    let nLo: number;
    let nHi: number;
    switch (funct5) {
      case AmoFunct.SWAP: nLo = bLo; nHi = bHi; break;
      case AmoFunct.ADD: {
        nLo = (oldLo + bLo) | 0;
        nHi = (oldHi + bHi + ((oldLo >>> 0) + (bLo >>> 0) > 0xffffffff ? 1 : 0)) | 0;
        break;
      }
      case AmoFunct.XOR: nLo = oldLo ^ bLo; nHi = oldHi ^ bHi; break;
      case AmoFunct.OR: nLo = oldLo | bLo; nHi = oldHi | bHi; break;
      case AmoFunct.AND: nLo = oldLo & bLo; nHi = oldHi & bHi; break;
      case AmoFunct.MIN: case AmoFunct.MAX: case AmoFunct.MINU: case AmoFunct.MAXU: {
        const unsigned = funct5 === AmoFunct.MINU || funct5 === AmoFunct.MAXU;
        const less = unsigned
          ? (oldHi >>> 0) < (bHi >>> 0) || (oldHi === bHi && (oldLo >>> 0) < (bLo >>> 0))
          : oldHi < bHi || (oldHi === bHi && (oldLo >>> 0) < (bLo >>> 0));
        const takeOld = funct5 === AmoFunct.MIN || funct5 === AmoFunct.MINU ? less : !less;
        nLo = takeOld ? oldLo : bLo;
        nHi = takeOld ? oldHi : bHi;
        break;
      }
      default:
        return h.raise(Cause.IllegalInstruction, insn, 0);
    }
    write(nLo, nHi);
  }
  if (rd !== 0) {
    x[2 * rd] = rdLo;
    x[2 * rd + 1] = rdHi;
  }
  return true;
}
