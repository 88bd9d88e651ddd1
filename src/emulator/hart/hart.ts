// One RISC-V hart's architectural state, and the one place where traps are taken.
//
// 64-bit values are pairs of Int32 (lo, hi), never BigInt on a hot path (research/perf.md). The
// integer register file is an Int32Array of 33 registers (x0..x31 and a sink that absorbs writes to
// x0); register r's low word is x[2r] and its high word x[2r+1]. Floating-point registers hold raw
// IEEE bit patterns the same way, so that NaN-boxing and NaN payloads are exact.

import { Bus, WriteCacheOwner } from '../bus';
import * as C from '../state-check';
import { MEDELEG_WRITABLE, MIDELEG_WRITABLE, MIE_WRITABLE, MIP_WRITABLE } from './csr';
import { SATP_MODE_BARE, SATP_MODE_SV39, SATP_MODE_SV48 } from './mmu';
import { Cause, Priv } from './trap';
import * as S from './status';

/** What a hart needs from the machine around it. */
export interface HartHost {
  readonly bus: Bus;
  /** The current mtime, for the `time` CSR. */
  mtime(): number;
  /**
   * A trap to M-mode that no M-mode software is there to handle, when the machine provides the SBI
   * itself. Returns true if the host handled it (an SBI call); the hart then resumes at mepc + 4.
   */
  machineTrap?(hart: Hart, cause: number): boolean;
  /** Set when the machine must stop (power-off, a fatal error): the hart leaves its loop promptly. */
  readonly stopRequested: boolean;
  /** Told of every trap taken (for statistics and recordings), before the hart moves to the handler. */
  onTrap?(hart: Hart, cause: number, interrupt: boolean): void;
  /**
   * A chunk's host (parallel/chunk.ts): whether an exception must not be taken here, because the
   * instruction that raised it needs the machine (an SBI call, a device, a watched page). Then
   * takeTrap() changes nothing and returns false. `delegated`: the trap would go to S-mode.
   */
  deferTrap?(hart: Hart, cause: number, delegated: boolean): boolean;
  /** Debugger breakpoints: patched decode pages for the pages that hold one. */
  readonly breakpoints?: BreakpointTable;
}

/** Chooses the slot array a hart executes a virtual page from (see breakpoints.ts). */
export interface BreakpointTable {
  readonly active: boolean;
  codeFor(vaKey: number, page: number, code: Int32Array): Int32Array;
}

export const TLB_SIZE = 256;
/** A TLB tag lo word that no address matches (the low 12 bits of a real tag are alignment bits). */
export const TLB_INVALID = 0xfff;

export class Hart implements WriteCacheOwner {
  readonly x = new Int32Array(66);
  readonly f = new Int32Array(64);
  pcLo = 0;
  pcHi = 0;
  priv: Priv = Priv.M;

  // Machine- and supervisor-level CSR state (privileged spec, chapters 3 and 4).
  /** mstatus bits 31:0; bits 63:32 are constant (UXL = SXL = 2) except SD, derived from FS. */
  mstatus = 0;
  medeleg = 0;
  mideleg = 0;
  mie = 0;
  /** The software-writable bits of mip (SSIP, STIP, SEIP). */
  mipSw = 0;
  /** The bits of mip driven by devices (MSIP, MTIP, MEIP, SEIP from the PLIC; STIP from the SBI timer). */
  mipHw = 0;
  mtvecLo = 0; mtvecHi = 0;
  stvecLo = 0; stvecHi = 0;
  mepcLo = 0; mepcHi = 0;
  sepcLo = 0; sepcHi = 0;
  mcauseLo = 0; mcauseHi = 0;
  scauseLo = 0; scauseHi = 0;
  mtvalLo = 0; mtvalHi = 0;
  stvalLo = 0; stvalHi = 0;
  mscratchLo = 0; mscratchHi = 0;
  sscratchLo = 0; sscratchHi = 0;
  satpLo = 0; satpHi = 0;
  mcounteren = 0;
  scounteren = 0;
  /** fcsr: frm in bits 7:5, fflags in bits 4:0. */
  fcsr = 0;
  readonly pmpcfg = new Int32Array(32); // pmpcfg0..15, lo/hi (only the even ones exist on RV64)
  readonly pmpaddr = new Int32Array(128); // pmpaddr0..63, lo/hi

  /** Instructions retired. */
  instret = 0;
  /** Steps: instructions retired plus exceptions raised (the unit of positions in a recording). */
  steps = 0;
  /** minstret - instret and mcycle - instret, as written by software (bigint: rare, cold). */
  instretOffset = 0n;
  cycleOffset = 0n;

  /** LR reservation: physical address, or -1. */
  reservation = -1;
  /** Stopped in WFI until an interrupt is pending. */
  wfi = false;
  /** Not started (SBI HSM STOPPED state): the hart does not run. */
  stopped = false;

  // Debugging: a breakpoint stops the hart before the instruction at it (breakpointHit is set and
  // run() returns); arming stepOver makes it execute the instruction at (stepOverHi:stepOverLo) once.
  breakpointHit = false;
  stepOverArmed = false;
  stepOverLo = 0;
  stepOverHi = 0;

  // The trap being raised by a cold path: taken by the interpreter through takeTrap().
  trapCause = 0;
  trapTvalLo = 0;
  trapTvalHi = 0;

  // Software TLBs: direct-mapped, indexed by virtual page number bits 7:0 (research/perf.md). A tag is
  // the virtual page (lo word with the alignment bits clear, and hi word); delta turns a virtual
  // address into a RAM offset: (va_lo + delta) | 0. Entries map RAM pages only.
  readonly rTagLo = new Int32Array(TLB_SIZE).fill(TLB_INVALID);
  readonly rTagHi = new Int32Array(TLB_SIZE);
  readonly rDelta = new Int32Array(TLB_SIZE);
  readonly rPage = new Int32Array(TLB_SIZE);
  readonly wTagLo = new Int32Array(TLB_SIZE).fill(TLB_INVALID);
  readonly wTagHi = new Int32Array(TLB_SIZE);
  readonly wDelta = new Int32Array(TLB_SIZE);
  readonly wPage = new Int32Array(TLB_SIZE);
  readonly fTagLo = new Int32Array(TLB_SIZE).fill(TLB_INVALID);
  readonly fTagHi = new Int32Array(TLB_SIZE);
  readonly fCode: (Int32Array | null)[] = new Array(TLB_SIZE).fill(null);
  readonly fPage = new Int32Array(TLB_SIZE);

  // Results of cold paths, to avoid allocating: a loaded value, or a CSR value.
  ldLo = 0;
  ldHi = 0;

  constructor(readonly id: number, readonly host: HartHost) {
    host.bus.addWriteCache(this);
  }

  /** The architectural state (no caches), structured-clonable, for checkpoints and recordings. */
  snapshot(): HartState {
    const scalars: Record<string, number | bigint | boolean> = {};
    for (const k of SCALAR_NAMES) scalars[k] = this[k];
    return { scalars, x: this.x.slice(), f: this.f.slice(), pmpcfg: this.pmpcfg.slice(), pmpaddr: this.pmpaddr.slice() };
  }

  restore(s: HartState): void {
    for (const k of SCALAR_NAMES) {
      if (!(k in s.scalars)) throw new Error(`hart ${this.id}: snapshot lacks ${k}`);
      (this as unknown as Record<string, unknown>)[k] = s.scalars[k];
    }
    this.x.set(s.x);
    this.f.set(s.f);
    this.pmpcfg.set(s.pmpcfg);
    this.pmpaddr.set(s.pmpaddr);
    this.flushTlb();
  }

  get bus(): Bus {
    return this.host.bus;
  }

  /** Reset to the state the privileged spec gives at reset (section "Reset"): M-mode, MIE = 0. */
  reset(pc: number): void {
    this.x.fill(0);
    this.f.fill(0);
    this.setPc(pc);
    this.priv = Priv.M;
    this.mstatus = 0;
    this.medeleg = this.mideleg = this.mie = this.mipSw = this.mipHw = 0;
    this.mcounteren = this.scounteren = 0;
    this.satpLo = this.satpHi = 0;
    this.fcsr = 0;
    this.instret = 0;
    this.steps = 0;
    this.instretOffset = this.cycleOffset = 0n;
    this.reservation = -1;
    this.wfi = false;
    this.flushTlb();
  }

  setPc(pc: number): void {
    this.pcLo = pc | 0;
    this.pcHi = Math.floor(pc / 4294967296) | 0;
  }

  /** The pc as a Number (exact for canonical addresses: high kernel addresses come out negative). */
  get pc(): number {
    return this.pcHi * 4294967296 + (this.pcLo >>> 0);
  }

  reg(r: number): bigint {
    return BigInt.asUintN(64, (BigInt(this.x[2 * r + 1]) << 32n) | BigInt(this.x[2 * r] >>> 0));
  }

  setReg(r: number, v: bigint | number): void {
    if (r === 0) return;
    const b = BigInt.asUintN(64, BigInt(v));
    this.x[2 * r] = Number(b & 0xffffffffn) | 0;
    this.x[2 * r + 1] = Number(b >> 32n) | 0;
  }

  // --- Software TLB -------------------------------------------------------------------------------

  flushTlb(): void {
    this.rTagLo.fill(TLB_INVALID);
    this.wTagLo.fill(TLB_INVALID);
    this.fTagLo.fill(TLB_INVALID);
    this.fCode.fill(null);
  }

  dropWritePage(page: number): void {
    for (let i = 0; i < TLB_SIZE; i++) if (this.wPage[i] === page) this.wTagLo[i] = TLB_INVALID;
  }

  dropReadPage(page: number): void {
    for (let i = 0; i < TLB_SIZE; i++) if (this.rPage[i] === page) this.rTagLo[i] = TLB_INVALID;
  }

  dropFetchPage(page: number): void {
    for (let i = 0; i < TLB_SIZE; i++) {
      if (this.fPage[i] === page) {
        this.fTagLo[i] = TLB_INVALID;
        this.fCode[i] = null;
      }
    }
  }

  // --- Traps and interrupts -------------------------------------------------------------------------

  /** Raise an exception from a cold path; the interpreter takes it with takeTrap(). */
  raise(cause: Cause, tvalLo = 0, tvalHi = 0): false {
    this.trapCause = cause;
    this.trapTvalLo = tvalLo;
    this.trapTvalHi = tvalHi;
    return false;
  }

  /**
   * Take the trap in trapCause (an exception at the current pc, or an interrupt if `interrupt`), as
   * the privileged spec's "Machine Trap Delegation Registers" and "Trap-Vector Base-Address Register"
   * sections say: delegate to S-mode if the trap comes from S or U and medeleg/mideleg says so, save
   * the pc, cause and tval, push the interrupt-enable stack, and go to the vector. Returns false,
   * with nothing changed, if the host defers the exception (HartHost.deferTrap).
   */
  takeTrap(interrupt: boolean): boolean {
    const cause = this.trapCause;
    const bit = 1 << cause;
    const delegated = this.priv <= Priv.S && ((interrupt ? this.mideleg : this.medeleg) & bit) !== 0;
    if (!interrupt && this.host.deferTrap && this.host.deferTrap(this, cause, delegated)) return false;
    this.host.onTrap?.(this, cause, interrupt);
    const causeHi = interrupt ? 0x80000000 | 0 : 0;
    if (delegated) {
      this.scauseLo = cause;
      this.scauseHi = causeHi;
      this.sepcLo = this.pcLo;
      this.sepcHi = this.pcHi;
      this.stvalLo = interrupt ? 0 : this.trapTvalLo;
      this.stvalHi = interrupt ? 0 : this.trapTvalHi;
      let s = this.mstatus & ~(S.SPP | S.SPIE | S.SIE);
      if (this.priv === Priv.S) s |= S.SPP;
      if (this.mstatus & S.SIE) s |= S.SPIE;
      this.mstatus = s;
      this.setPriv(Priv.S);
      this.vector(this.stvecLo, this.stvecHi, interrupt, cause);
      return true;
    }
    if (!interrupt && this.host.machineTrap && this.host.machineTrap(this, cause)) return true;
    this.mcauseLo = cause;
    this.mcauseHi = causeHi;
    this.mepcLo = this.pcLo;
    this.mepcHi = this.pcHi;
    this.mtvalLo = interrupt ? 0 : this.trapTvalLo;
    this.mtvalHi = interrupt ? 0 : this.trapTvalHi;
    let s = this.mstatus & ~(S.MPP | S.MPIE | S.MIE);
    s |= this.priv << S.MPP_SHIFT;
    if (this.mstatus & S.MIE) s |= S.MPIE;
    this.mstatus = s;
    this.setPriv(Priv.M);
    this.vector(this.mtvecLo, this.mtvecHi, interrupt, cause);
    return true;
  }

  private vector(lo: number, hi: number, interrupt: boolean, cause: number): void {
    const mode = lo & 3;
    let base = lo & ~3;
    if (interrupt && mode === 1) {
      const t = (base >>> 0) + 4 * cause;
      base = t | 0;
      if (t > 0xffffffff) hi = (hi + 1) | 0;
    }
    this.pcLo = base;
    this.pcHi = hi;
  }

  setPriv(p: Priv): void {
    if (p !== this.priv) {
      this.priv = p;
      this.flushTlb();
    }
  }

  /**
   * The interrupt to take now, or -1. Interrupts destined for M-mode come before those for S-mode;
   * within a mode the order is MEI, MSI, MTI, SEI, SSI, STI (privileged spec, "Machine Interrupt
   * Registers").
   */
  pendingInterrupt(): number {
    const pending = (this.mipSw | this.mipHw) & this.mie;
    if (pending === 0) return -1;
    const toM = pending & ~this.mideleg;
    if (toM !== 0 && (this.priv < Priv.M || (this.mstatus & S.MIE) !== 0)) return highest(toM);
    const toS = pending & this.mideleg;
    if (toS !== 0 && (this.priv < Priv.S || (this.priv === Priv.S && (this.mstatus & S.SIE) !== 0))) {
      return highest(toS);
    }
    return -1;
  }

  /** Take a pending, enabled interrupt if there is one. */
  checkInterrupts(): boolean {
    const i = this.pendingInterrupt();
    if (i < 0) return false;
    this.wfi = false;
    this.trapCause = i;
    this.takeTrap(true);
    return true;
  }

  /** Whether WFI may stop waiting: any interrupt pending and enabled in mie, whatever the global enables. */
  get interruptWaiting(): boolean {
    return ((this.mipSw | this.mipHw) & this.mie) !== 0;
  }

  setMipHw(bit: number, level: boolean): void {
    if (level) this.mipHw |= bit;
    else this.mipHw &= ~bit;
  }
}

/**
 * The hart's scalar architectural state, everything snapshot() saves besides the register files, each
 * with the check of a saved value from outside (checkHartState): what a CSR write, a trap or the SBI
 * can leave in the field. A new field goes here, with its check.
 */
const SCALARS = {
  pcLo: C.int32, pcHi: C.int32,
  priv: (v: unknown, p: string) => C.oneOf(v, p, [Priv.U, Priv.S, Priv.M]),
  // MPP is WARL over {U, S, M} (csr.ts writeStatus).
  mstatus: (v: unknown, p: string) => {
    const n = C.bitsWithin(v, p, S.MSTATUS_WRITABLE);
    if (((n & S.MPP) >>> S.MPP_SHIFT) === 2) C.fail(p, 'MPP in U, S or M', 'MPP 2');
  },
  medeleg: (v: unknown, p: string) => C.bitsWithin(v, p, MEDELEG_WRITABLE),
  mideleg: (v: unknown, p: string) => C.bitsWithin(v, p, MIDELEG_WRITABLE),
  mie: (v: unknown, p: string) => C.bitsWithin(v, p, MIE_WRITABLE),
  mipSw: (v: unknown, p: string) => C.bitsWithin(v, p, MIP_WRITABLE),
  mipHw: (v: unknown, p: string) => C.bitsWithin(v, p, MIE_WRITABLE),
  mtvecLo: (v: unknown, p: string) => C.bitsWithin(v, p, ~2), mtvecHi: C.int32,
  stvecLo: (v: unknown, p: string) => C.bitsWithin(v, p, ~2), stvecHi: C.int32,
  mepcLo: C.int32, mepcHi: C.int32, sepcLo: C.int32, sepcHi: C.int32,
  mcauseLo: C.int32, mcauseHi: C.int32, scauseLo: C.int32, scauseHi: C.int32,
  mtvalLo: C.int32, mtvalHi: C.int32, stvalLo: C.int32, stvalHi: C.int32,
  mscratchLo: C.int32, mscratchHi: C.int32, sscratchLo: C.int32, sscratchHi: C.int32,
  satpLo: C.int32,
  // MODE is Bare, Sv39 or Sv48 (a write of another has no effect); ASID is not implemented (zero).
  satpHi: (v: unknown, p: string) => {
    const n = C.bitsWithin(v, p, 0xf0000fff | 0);
    C.oneOf(n >>> 28, `${p} (MODE)`, [SATP_MODE_BARE, SATP_MODE_SV39, SATP_MODE_SV48]);
  },
  mcounteren: C.int32, scounteren: C.int32,
  fcsr: (v: unknown, p: string) => C.integer(v, p, 0, 0xff),
  instret: (v: unknown, p: string) => C.integer(v, p, 0, Number.MAX_SAFE_INTEGER),
  steps: (v: unknown, p: string) => C.integer(v, p, 0, Number.MAX_SAFE_INTEGER),
  instretOffset: (v: unknown, p: string) => C.bigint(v, p, -C.U64_MAX, C.U64_MAX),
  cycleOffset: (v: unknown, p: string) => C.bigint(v, p, -C.U64_MAX, C.U64_MAX),
  // A physical address, or -1 for none.
  reservation: (v: unknown, p: string) => C.integer(v, p, -1, Number.MAX_SAFE_INTEGER),
  wfi: C.bool, stopped: C.bool,
} satisfies Record<string, (v: unknown, path: string) => unknown>;

const SCALAR_NAMES = Object.keys(SCALARS) as (keyof typeof SCALARS)[];

/** The names of the hart's scalar architectural state, in a fixed order (for flat images of it). */
export const HART_SCALARS: readonly (keyof typeof SCALARS)[] = SCALAR_NAMES;

export interface HartState {
  readonly scalars: Readonly<Record<string, number | bigint | boolean>>;
  readonly x: Int32Array;
  readonly f: Int32Array;
  readonly pmpcfg: Int32Array;
  readonly pmpaddr: Int32Array;
}

const HART_STATE_FIELDS = ['scalars', 'x', 'f', 'pmpcfg', 'pmpaddr'];

/**
 * Check a hart's state from outside before it is restored: every field present, of its type and
 * range, the register files of their lengths, x0 zero. Throws StateError naming the field.
 */
export function checkHartState(v: unknown, path: string): void {
  const s = C.fields(v, path, HART_STATE_FIELDS);
  const scalars = C.fields(s.scalars, `${path}.scalars`, SCALAR_NAMES);
  for (const k of SCALAR_NAMES) SCALARS[k](scalars[k], `${path}.scalars.${k}`);
  const x = C.int32Array(s.x, `${path}.x`, 66);
  if (x[0] !== 0 || x[1] !== 0) C.fail(`${path}.x`, 'x0 = 0', `x0 = 0x${(x[1] >>> 0).toString(16)}_${(x[0] >>> 0).toString(16)}`);
  C.int32Array(s.f, `${path}.f`, 64);
  C.int32Array(s.pmpcfg, `${path}.pmpcfg`, 32);
  C.int32Array(s.pmpaddr, `${path}.pmpaddr`, 128);
}

const PRIORITY = [Cause.MEI, Cause.MSI, Cause.MTI, Cause.SEI, Cause.SSI, Cause.STI];

function highest(bits: number): number {
  for (const c of PRIORITY) if (bits & (1 << c)) return c;
  return -1;
}
