// Address translation: Sv39 and Sv48 page-table walks with hardware A/D updates, following the
// privileged spec's "Virtual Address Translation Process" (section 4.3.2) step by step, and the
// filling of the hart's software TLBs. Translation caches are never part of any saved state.

import { PAGE_READ_WATCHED, PAGE_SHIFT, PAGE_SIZE } from '../bus';
import { Hart, TLB_SIZE } from './hart';
import * as S from './status';
import { Cause, Priv } from './trap';

export const enum Access {
  Fetch = 0,
  Load = 1,
  Store = 2,
}

const PTE_V = 1;
const PTE_R = 2;
const PTE_W = 4;
const PTE_X = 8;
const PTE_U = 16;
const PTE_A = 64;
const PTE_D = 128;

export const SATP_MODE_BARE = 0;
export const SATP_MODE_SV39 = 8;
export const SATP_MODE_SV48 = 9;

const PAGE_FAULT = [Cause.InstructionPageFault, Cause.LoadPageFault, Cause.StorePageFault];
const ACCESS_FAULT = [Cause.InstructionAccessFault, Cause.LoadAccessFault, Cause.StoreAccessFault];

/** Physical addresses are at most 56 bits wide; beyond 2^53 nothing is mapped, so fault early. */
const PHYS_LIMIT_HI = 1 << 21;

/** The privilege mode that loads and stores are checked against (MPRV selects MPP). */
export function effectivePriv(h: Hart, access: Access): Priv {
  if (access !== Access.Fetch && (h.mstatus & S.MPRV) !== 0) return ((h.mstatus & S.MPP) >>> S.MPP_SHIFT) as Priv;
  return h.priv;
}

/**
 * Translate the virtual address (hi:lo) for `access`. Returns the physical address, or -1 after
 * raising the page fault or access fault (with the faulting address as tval). A `peek` (for a
 * debugger) changes nothing: no A/D bits are set and no trap is raised.
 */
export function translate(h: Hart, lo: number, hi: number, access: Access, peek = false): number {
  if (peek) {
    const saved = [h.trapCause, h.trapTvalLo, h.trapTvalHi] as const;
    const pa = walk(h, lo, hi, access, true, false);
    [h.trapCause, h.trapTvalLo, h.trapTvalHi] = saved;
    return pa;
  }
  return walk(h, lo, hi, access, false, false);
}

/**
 * The walk. `atInstructionStart`: nothing of the current instruction has been done yet (the fetch
 * of a new page), so a chunk's bus may refuse to copy a page for an A bit here (parallel/).
 */
function walk(h: Hart, lo: number, hi: number, access: Access, peek: boolean, atInstructionStart: boolean): number {
  const priv = effectivePriv(h, access);
  const mode = h.satpHi >>> 28;
  if (priv === Priv.M || mode === SATP_MODE_BARE) {
    if (hi < 0 || hi >= PHYS_LIMIT_HI) return fault(h, ACCESS_FAULT[access], lo, hi);
    return hi * 4294967296 + (lo >>> 0);
  }
  const levels = mode === SATP_MODE_SV39 ? 3 : 4;
  // The address must be canonical: bits 63..(VA bits) equal to bit (VA bits - 1).
  if (levels === 3) {
    const top = (hi << 25) >> 25; // sign-extend from bit 38 (bit 6 of hi)
    if (top !== hi) return fault(h, PAGE_FAULT[access], lo, hi);
  } else {
    const top = (hi << 16) >> 16; // from bit 47
    if (top !== hi) return fault(h, PAGE_FAULT[access], lo, hi);
  }
  const bus = h.bus;
  const mem = bus.memView;
  // Step 1: a = satp.ppn × PAGESIZE, and i = LEVELS − 1.
  let a = ((h.satpHi & 0xfff) * 4294967296 + (h.satpLo >>> 0)) * PAGE_SIZE;
  let i = levels - 1;
  let pteLo = 0;
  let pteHi = 0;
  let pteAddr = 0;
  for (;;) {
    // Step 2: pte = the PTE at a + va.vpn[i] × PTESIZE; a PMA or PMP violation is an access fault.
    pteAddr = a + vpn(lo, hi, i) * 8;
    if (!bus.isRam(pteAddr, 8)) return fault(h, ACCESS_FAULT[access], lo, hi);
    const o = (bus.readPage(bus.pageOf(pteAddr)) << PAGE_SHIFT) | (pteAddr & (PAGE_SIZE - 1));
    pteLo = mem.getInt32(o, true);
    pteHi = mem.getInt32(o + 4, true);
    // Step 3: if pte.v = 0, or pte.r = 0 and pte.w = 1, or a reserved bit is set: page fault.
    // Bits 63:54 are reserved without Svnapot and Svpbmt.
    if ((pteLo & PTE_V) === 0 || (pteLo & (PTE_R | PTE_W)) === PTE_W || (pteHi >>> 22) !== 0) {
      return fault(h, PAGE_FAULT[access], lo, hi);
    }
    // Step 4: a leaf if pte.r = 1 or pte.x = 1; otherwise descend.
    if ((pteLo & (PTE_R | PTE_X)) !== 0) break;
    i--;
    if (i < 0) return fault(h, PAGE_FAULT[access], lo, hi);
    a = ppn(pteLo, pteHi) * PAGE_SIZE;
  }
  // Step 5: the leaf's permissions against the access, the privilege mode, SUM and MXR. A debugger's
  // peek skips them: it may read any mapped page (user pages from a kernel, say), as QEMU's stub does.
  if (peek) {
    // nothing to check
  } else if (priv === Priv.U) {
    if ((pteLo & PTE_U) === 0) return fault(h, PAGE_FAULT[access], lo, hi);
  } else if ((pteLo & PTE_U) !== 0) {
    if (access === Access.Fetch || (h.mstatus & S.SUM) === 0) return fault(h, PAGE_FAULT[access], lo, hi);
  }
  let allowed: boolean;
  if (peek) allowed = true;
  else if (access === Access.Fetch) allowed = (pteLo & PTE_X) !== 0;
  else if (access === Access.Load) allowed = (pteLo & PTE_R) !== 0 || ((h.mstatus & S.MXR) !== 0 && (pteLo & PTE_X) !== 0);
  else allowed = (pteLo & PTE_W) !== 0;
  if (!allowed) return fault(h, PAGE_FAULT[access], lo, hi);
  // Step 6: a superpage whose low PPN fields are not zero is misaligned: page fault.
  const leafPpn = ppn(pteLo, pteHi);
  const span = 2 ** (9 * i); // pages covered by this leaf
  if (leafPpn % span !== 0) return fault(h, PAGE_FAULT[access], lo, hi);
  // Step 8, computed ahead of step 7: the physical address; for a superpage the low PPN bits come
  // from the virtual address. A chunk (parallel/) stops here, before any A/D update, if the access
  // needs the machine; the trap raised for it is not taken (the chunk's host defers it).
  const vaPage = ((hi & 0x7fff) * 1048576 + (lo >>> 12)) % span;
  const pa = (leafPpn + vaPage) * PAGE_SIZE + (lo & 0xfff);
  if (peek) return pa;
  if (bus.needsMachine(pa, access)) return fault(h, ACCESS_FAULT[access], lo, hi);
  // Step 7: set A, and D for a store, in the PTE (hardware A/D updating).
  const want = PTE_A | (access === Access.Store ? PTE_D : 0);
  if ((pteLo & want) !== want && !bus.setPte(pteAddr, pteLo | want, access, atInstructionStart)) {
    return fault(h, ACCESS_FAULT[access], lo, hi);
  }
  return pa;
}

/** va.vpn[i]: 9 bits at bit 12 + 9i. */
function vpn(lo: number, hi: number, i: number): number {
  switch (i) {
    case 0: return (lo >>> 12) & 511;
    case 1: return (lo >>> 21) & 511;
    case 2: return ((lo >>> 30) | (hi << 2)) & 511;
    default: return (hi >>> 7) & 511;
  }
}

function ppn(pteLo: number, pteHi: number): number {
  return (pteHi & 0x3fffff) * 4194304 + (pteLo >>> 10);
}

function fault(h: Hart, cause: Cause, lo: number, hi: number): number {
  h.raise(cause, lo, hi);
  return -1;
}

/**
 * Translate for a load or store and, if the page is RAM (and, for a store, holds no code and is not
 * watched), install a TLB entry so that later accesses to the page take the fast path.
 */
export function translateAndFill(h: Hart, lo: number, hi: number, access: Access.Load | Access.Store): number {
  const pa = translate(h, lo, hi, access);
  if (pa < 0) return pa;
  const bus = h.bus;
  const pageBase = pa - (pa % PAGE_SIZE);
  if (!bus.isRam(pageBase, PAGE_SIZE)) return pa;
  const idx = (lo >>> 12) & (TLB_SIZE - 1);
  const tag = lo & ~0xfff;
  const page = bus.pageOf(pageBase);
  // TLB entries map buffer pages: RAM's, or a chunk's private copy (parallel/chunk-bus.ts).
  if (access === Access.Load) {
    const bp = bus.readPage(page);
    if ((bus.pageFlags[bp] & PAGE_READ_WATCHED) === 0) {
      h.rTagLo[idx] = tag;
      h.rTagHi[idx] = hi;
      h.rDelta[idx] = ((bp << PAGE_SHIFT) - tag) | 0;
      h.rPage[idx] = bp;
    }
  } else {
    const bp = bus.writePage(page, false);
    if (bp >= 0 && bus.pageFlags[bp] === 0) {
      h.wTagLo[idx] = tag;
      h.wTagHi[idx] = hi;
      h.wDelta[idx] = ((bp << PAGE_SHIFT) - tag) | 0;
      h.wPage[idx] = bp;
      bus.markDirty(page); // the fast path will write it without telling the bus
      bus.used[page] = 1;
    }
    // A store also proves the page readable in this mode only if R is set; do not fill the read TLB.
  }
  return pa;
}

/**
 * The decode cache for the page holding the pc, via the fetch TLB; null after raising a fault.
 * Code must be in RAM (there is no ROM on this machine). The entry's fPage is the buffer page that
 * holds the code (a chunk's private copy has a decode cache of its own).
 */
export function fetchPage(h: Hart, lo: number, hi: number): Int32Array | null {
  const idx = (lo >>> 12) & (TLB_SIZE - 1);
  const tag = lo & ~0xfff;
  if (h.fTagLo[idx] === tag && h.fTagHi[idx] === hi) return h.fCode[idx];
  const pa = walk(h, lo, hi, Access.Fetch, false, true);
  if (pa < 0) return null;
  const bus = h.bus;
  if (!bus.isRam(pa, 2)) {
    h.raise(Cause.InstructionAccessFault, lo, hi);
    return null;
  }
  const page = bus.readPage(bus.pageOf(pa));
  let code = bus.codePage(page);
  const bp = h.host.breakpoints;
  if (bp && bp.active) code = bp.codeFor(hi * 1048576 + (lo >>> 12), page, code);
  h.fTagLo[idx] = tag;
  h.fTagHi[idx] = hi;
  h.fCode[idx] = code;
  h.fPage[idx] = page;
  return code;
}
