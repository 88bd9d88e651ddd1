// Control and status registers as rows of one table: {number, name, read, write}, with WARL masks in
// the writers (as QEMU's target/riscv/csr.c). The lowest privilege that may access a CSR and whether
// it is read-only come from the CSR number itself (privileged spec, "CSR Address Mapping
// Conventions"): bits 9:8 give the privilege and bits 11:10 = 3 mean read-only.

import { Hart } from './hart';
import * as S from './status';
import { Cause, Irq, Priv } from './trap';
import { SATP_MODE_BARE, SATP_MODE_SV39, SATP_MODE_SV48 } from './mmu';

/** A 64-bit CSR value as two int32 words. */
export interface Value {
  lo: number;
  hi: number;
}

interface Row {
  readonly num: number;
  readonly name: string;
  /** An extra access check beyond privilege and read-only bits; returns false to make it illegal. */
  readonly allowed?: (h: Hart) => boolean;
  read(h: Hart, out: Value): void;
  /** Absent for read-only (and read-only-zero) CSRs. */
  write?(h: Hart, lo: number, hi: number): void;
}

/** misa: MXL = 2 (RV64) and the extensions A, C, D, F, I, M, S, U. */
export const MISA_LO = ['A', 'C', 'D', 'F', 'I', 'M', 'S', 'U'].reduce((m, c) => m | (1 << (c.charCodeAt(0) - 65)), 0);
export const MISA_HI = 0x80000000 | 0;

/** Interrupts that S-mode may be delegated; exceptions that medeleg may delegate. */
export const MIDELEG_WRITABLE = Irq.SSIP | Irq.STIP | Irq.SEIP;
export const MEDELEG_WRITABLE = 0xb3ff; // all but 10, 11 (ecall from M), 14, and 16 up
export const MIE_WRITABLE = 0xaaa;
export const MIP_WRITABLE = Irq.SSIP | Irq.STIP | Irq.SEIP;

const rows = new Map<number, Row>();
const def = (row: Row): void => {
  if (rows.has(row.num)) throw new Error(`CSR ${row.name} defined twice`);
  rows.set(row.num, row);
};
const set = (out: Value, lo: number, hi: number): void => {
  out.lo = lo | 0;
  out.hi = hi | 0;
};
const zero = (num: number, name: string): void => def({ num, name, read: (_h, o) => set(o, 0, 0), write: () => {} });
const constant = (num: number, name: string, lo: (h: Hart) => number): void => def({ num, name, read: (h, o) => set(o, lo(h), 0) });

/** A 64-bit scratch-like register kept in two fields of the hart. */
type Field = 'mscratch' | 'sscratch' | 'mepc' | 'sepc' | 'mcause' | 'scause' | 'mtval' | 'stval';
const plain = (num: number, name: Field, mask = -1): void =>
  def({
    num,
    name,
    read: (h, o) => set(o, h[`${name}Lo`], h[`${name}Hi`]),
    write: (h, lo, hi) => {
      h[`${name}Lo`] = lo & mask;
      h[`${name}Hi`] = hi;
    },
  });

const fsOn = (h: Hart): boolean => (h.mstatus & S.FS) !== 0;
const dirtyFs = (h: Hart): void => {
  h.mstatus |= S.FS_DIRTY;
};

// Floating-point CSRs (unprivileged spec, "Floating-Point Control and Status Register").
def({ num: 0x001, name: 'fflags', allowed: fsOn, read: (h, o) => set(o, h.fcsr & 0x1f, 0), write: (h, lo) => { h.fcsr = (h.fcsr & ~0x1f) | (lo & 0x1f); dirtyFs(h); } });
def({ num: 0x002, name: 'frm', allowed: fsOn, read: (h, o) => set(o, (h.fcsr >>> 5) & 7, 0), write: (h, lo) => { h.fcsr = (h.fcsr & 0x1f) | ((lo & 7) << 5); dirtyFs(h); } });
def({ num: 0x003, name: 'fcsr', allowed: fsOn, read: (h, o) => set(o, h.fcsr & 0xff, 0), write: (h, lo) => { h.fcsr = lo & 0xff; dirtyFs(h); } });

// Counters (Zicntr): cycle, time, instret and the M-mode mcycle and minstret. hpmcounters read zero.
const counterAllowed = (index: number) => (h: Hart): boolean => {
  if (h.priv === Priv.M) return true;
  if (((h.mcounteren >>> index) & 1) === 0) return false;
  return h.priv === Priv.S || ((h.scounteren >>> index) & 1) !== 0;
};
const split = (v: bigint, o: Value): void => {
  const u = BigInt.asUintN(64, v);
  set(o, Number(u & 0xffffffffn), Number(u >> 32n));
};
const joined = (lo: number, hi: number): bigint => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
const readCycle = (h: Hart, o: Value): void => split(BigInt(h.instret) + h.cycleOffset, o);
const readInstret = (h: Hart, o: Value): void => split(BigInt(h.instret) + h.instretOffset, o);
const readTime = (h: Hart, o: Value): void => split(BigInt(h.host.mtime()), o);
def({ num: 0xc00, name: 'cycle', allowed: counterAllowed(0), read: readCycle });
def({ num: 0xc01, name: 'time', allowed: counterAllowed(1), read: readTime });
def({ num: 0xc02, name: 'instret', allowed: counterAllowed(2), read: readInstret });
for (let i = 3; i < 32; i++) def({ num: 0xc00 + i, name: `hpmcounter${i}`, allowed: counterAllowed(i), read: (_h, o) => set(o, 0, 0) });
// A write to mcycle or minstret makes the next read return the written value: the writing instruction
// itself retires after the write, hence the - 1.
def({ num: 0xb00, name: 'mcycle', read: readCycle, write: (h, lo, hi) => { h.cycleOffset = joined(lo, hi) - BigInt(h.instret) - 1n; } });
def({ num: 0xb02, name: 'minstret', read: readInstret, write: (h, lo, hi) => { h.instretOffset = joined(lo, hi) - BigInt(h.instret) - 1n; } });
for (let i = 3; i < 32; i++) {
  zero(0xb00 + i, `mhpmcounter${i}`);
  zero(0x320 + i, `mhpmevent${i}`);
}
zero(0x320, 'mcountinhibit');

// Supervisor CSRs (privileged spec, chapter "Supervisor-Level ISA").
const readStatus = (h: Hart, mask: number, o: Value): void => {
  const s = h.mstatus & mask;
  const sd = (h.mstatus & S.FS) === S.FS_DIRTY ? S.SD_HI : 0;
  set(o, s, (mask === -1 ? S.MSTATUS_HI : 0x2 /* UXL */) | sd);
};
def({
  num: 0x100, name: 'sstatus',
  read: (h, o) => readStatus(h, S.SSTATUS_VISIBLE, o),
  write: (h, lo) => { writeStatus(h, (h.mstatus & ~S.SSTATUS_WRITABLE) | (lo & S.SSTATUS_WRITABLE)); },
});
def({ num: 0x104, name: 'sie', read: (h, o) => set(o, h.mie & h.mideleg, 0), write: (h, lo) => { h.mie = (h.mie & ~h.mideleg) | (lo & h.mideleg & MIE_WRITABLE); } });
def({
  num: 0x105, name: 'stvec',
  read: (h, o) => set(o, h.stvecLo, h.stvecHi),
  write: (h, lo, hi) => { h.stvecLo = lo & ~2; h.stvecHi = hi; },
});
def({ num: 0x106, name: 'scounteren', read: (h, o) => set(o, h.scounteren, 0), write: (h, lo) => { h.scounteren = lo; } });
zero(0x10a, 'senvcfg');
plain(0x140, 'sscratch');
plain(0x141, 'sepc', ~1);
plain(0x142, 'scause');
plain(0x143, 'stval');
def({
  num: 0x144, name: 'sip',
  read: (h, o) => set(o, (h.mipSw | h.mipHw) & h.mideleg, 0),
  write: (h, lo) => { const m = h.mideleg & Irq.SSIP; h.mipSw = (h.mipSw & ~m) | (lo & m); },
});
const tvmAllowed = (h: Hart): boolean => !(h.priv === Priv.S && (h.mstatus & S.TVM) !== 0);
def({
  num: 0x180, name: 'satp', allowed: tvmAllowed,
  read: (h, o) => set(o, h.satpLo, h.satpHi),
  write: (h, lo, hi) => {
    const mode = hi >>> 28;
    // An unsupported MODE makes the whole write have no effect. ASID is not implemented (zero).
    if (mode !== SATP_MODE_BARE && mode !== SATP_MODE_SV39 && mode !== SATP_MODE_SV48) return;
    h.satpLo = mode === SATP_MODE_BARE ? 0 : lo;
    h.satpHi = mode === SATP_MODE_BARE ? 0 : (hi & 0xf0000fff);
    h.flushTlb();
  },
});

// Machine CSRs (privileged spec, chapter "Machine-Level ISA").
constant(0xf11, 'mvendorid', () => 0);
constant(0xf12, 'marchid', () => 0);
constant(0xf13, 'mimpid', () => 0);
constant(0xf14, 'mhartid', (h) => h.id);
constant(0xf15, 'mconfigptr', () => 0);
def({ num: 0x300, name: 'mstatus', read: (h, o) => readStatus(h, -1, o), write: (h, lo) => { writeStatus(h, lo); } });
def({ num: 0x301, name: 'misa', read: (_h, o) => set(o, MISA_LO, MISA_HI), write: () => {} });
def({ num: 0x302, name: 'medeleg', read: (h, o) => set(o, h.medeleg, 0), write: (h, lo) => { h.medeleg = lo & MEDELEG_WRITABLE; } });
def({ num: 0x303, name: 'mideleg', read: (h, o) => set(o, h.mideleg, 0), write: (h, lo) => { h.mideleg = lo & MIDELEG_WRITABLE; } });
def({ num: 0x304, name: 'mie', read: (h, o) => set(o, h.mie, 0), write: (h, lo) => { h.mie = lo & MIE_WRITABLE; } });
def({
  num: 0x305, name: 'mtvec',
  read: (h, o) => set(o, h.mtvecLo, h.mtvecHi),
  write: (h, lo, hi) => { h.mtvecLo = lo & ~2; h.mtvecHi = hi; },
});
def({ num: 0x306, name: 'mcounteren', read: (h, o) => set(o, h.mcounteren, 0), write: (h, lo) => { h.mcounteren = lo; } });
zero(0x30a, 'menvcfg');
plain(0x340, 'mscratch');
plain(0x341, 'mepc', ~1);
plain(0x342, 'mcause');
plain(0x343, 'mtval');
def({
  num: 0x344, name: 'mip',
  read: (h, o) => set(o, h.mipSw | h.mipHw, 0),
  write: (h, lo) => { h.mipSw = lo & MIP_WRITABLE; },
});
// Physical memory protection: present, WARL, not enforced (every access is allowed).
for (let i = 0; i < 16; i += 2) {
  def({
    num: 0x3a0 + i, name: `pmpcfg${i}`,
    read: (h, o) => set(o, h.pmpcfg[2 * i], h.pmpcfg[2 * i + 1]),
    write: (h, lo, hi) => { h.pmpcfg[2 * i] = lo & 0x9f9f9f9f; h.pmpcfg[2 * i + 1] = hi & 0x9f9f9f9f; },
  });
}
for (let i = 0; i < 64; i++) {
  def({
    num: 0x3b0 + i, name: `pmpaddr${i}`,
    read: (h, o) => set(o, h.pmpaddr[2 * i], h.pmpaddr[2 * i + 1]),
    write: (h, lo, hi) => { h.pmpaddr[2 * i] = lo; h.pmpaddr[2 * i + 1] = hi & 0x3fffff; }, // 54 bits
  });
}
// Debug triggers: none. tselect reads 0 and tdata1 reads 0 (type 0: no trigger), as the debug spec
// allows; tinfo says only type 0 exists.
zero(0x7a0, 'tselect');
zero(0x7a1, 'tdata1');
zero(0x7a2, 'tdata2');
zero(0x7a3, 'tdata3');
constant(0x7a4, 'tinfo', () => 1);

function writeStatus(h: Hart, lo: number): void {
  const old = h.mstatus;
  let s = (old & ~S.MSTATUS_WRITABLE) | (lo & S.MSTATUS_WRITABLE);
  // MPP is WARL over {U, S, M}: the reserved value 2 is not kept.
  if (((s & S.MPP) >>> S.MPP_SHIFT) === 2) s = (s & ~S.MPP) | (old & S.MPP);
  h.mstatus = s;
  const translationBits = S.MPRV | S.MPP | S.SUM | S.MXR;
  if ((old ^ s) & translationBits) h.flushTlb();
}

export function csrName(num: number): string | undefined {
  return rows.get(num)?.name;
}

/** Every implemented CSR, for debuggers (gdb's target description, DAP register views). */
export function csrList(): { num: number; name: string }[] {
  return [...rows.values()].map((r) => ({ num: r.num, name: r.name }));
}

const scratch: Value = { lo: 0, hi: 0 };

/** Read a CSR as a debugger would (no privilege checks, no side effects); undefined if unknown. */
export function peekCsr(h: Hart, num: number): bigint | undefined {
  const row = rows.get(num);
  if (!row) return undefined;
  row.read(h, scratch);
  return joined(scratch.lo, scratch.hi);
}

/**
 * Execute a Zicsr instruction (CSRRW, CSRRS, CSRRC and the immediate forms). Returns false after
 * raising an illegal-instruction exception whose tval is the instruction.
 */
export function csrInstruction(h: Hart, insn: number): boolean {
  const num = insn >>> 20;
  const funct3 = (insn >>> 12) & 7;
  const rd = (insn >>> 7) & 31;
  const rs1 = (insn >>> 15) & 31;
  const row = rows.get(num);
  const illegal = (): boolean => h.raise(Cause.IllegalInstruction, insn, 0);
  if (!row) return illegal();
  if (h.priv < ((num >>> 8) & 3)) return illegal();
  if (row.allowed && !row.allowed(h)) return illegal();
  const op = funct3 & 3; // 1 = RW, 2 = RS, 3 = RC
  const immediate = funct3 >= 5;
  // CSRRW always writes; CSRRS and CSRRC write only when rs1 (or the immediate) is not zero.
  const writes = op === 1 || rs1 !== 0;
  if (writes && ((num >>> 10) === 3 || !row.write)) return illegal();
  let srcLo: number;
  let srcHi: number;
  if (immediate) {
    srcLo = rs1;
    srcHi = 0;
  } else {
    srcLo = h.x[2 * rs1];
    srcHi = h.x[2 * rs1 + 1];
  }
  // CSRRW with rd = x0 does not read the CSR.
  const reads = !(op === 1 && rd === 0);
  let oldLo = 0;
  let oldHi = 0;
  if (reads || op !== 1) {
    row.read(h, scratch);
    oldLo = scratch.lo;
    oldHi = scratch.hi;
  }
  if (writes) {
    let nLo = srcLo;
    let nHi = srcHi;
    if (op === 2) { nLo = oldLo | srcLo; nHi = oldHi | srcHi; }
    else if (op === 3) { nLo = oldLo & ~srcLo; nHi = oldHi & ~srcHi; }
    // mip's read-modify-write uses the software-writable SEIP, not the ORed external one.
    if (num === 0x344 && op !== 1) nLo = (nLo & ~Irq.SEIP) | ((op === 2 ? h.mipSw | srcLo : h.mipSw & ~srcLo) & Irq.SEIP);
    row.write!(h, nLo, nHi);
  }
  if (rd !== 0) {
    h.x[2 * rd] = oldLo;
    h.x[2 * rd + 1] = oldHi;
  }
  return true;
}
