// The interpreter's cold operations: CSR access, atomics, floating-point computation and the
// privileged instructions. Each returns true with h.pc set to the next instruction, or false after
// raising an exception (h.pc still at the instruction).

import { csrInstruction } from './csr';
import { fpInstruction } from './fpu';
import { Hart } from './hart';
import { amo } from './memory';
import { Op } from './op';
import * as S from './status';
import { Cause, Priv } from './trap';

export function coldOp(h: Hart, op: Op, insn: number, imm: number, len: number): boolean {
  switch (op) {
    case Op.CSR:
      if (!csrInstruction(h, insn)) return false;
      return advance(h, len);
    case Op.AMO:
      if (!amo(h, insn)) return false;
      return advance(h, len);
    case Op.FP:
      if (!fpInstruction(h, insn, imm)) return false;
      return advance(h, len);
    case Op.ECALL:
      return h.raise(h.priv === Priv.U ? Cause.EcallFromU : h.priv === Priv.S ? Cause.EcallFromS : Cause.EcallFromM);
    case Op.EBREAK:
      // tval may be the pc or 0 (privileged spec, "Machine Trap Value Register"); 0 as QEMU.
      return h.raise(Cause.Breakpoint);
    case Op.MRET:
      return mret(h, insn);
    case Op.SRET:
      return sret(h, insn);
    case Op.WFI:
      // WFI traps in U-mode, and in S-mode when mstatus.TW = 1 (privileged spec, "Wait for Interrupt").
      if (h.priv === Priv.U || (h.priv === Priv.S && (h.mstatus & S.TW) !== 0)) {
        return h.raise(Cause.IllegalInstruction, insn, 0);
      }
      advance(h, len);
      if (!h.interruptWaiting) h.wfi = true;
      return true;
    case Op.SFENCE_VMA:
      if (h.priv === Priv.U || (h.priv === Priv.S && (h.mstatus & S.TVM) !== 0)) {
        return h.raise(Cause.IllegalInstruction, insn, 0);
      }
      h.flushTlb();
      return advance(h, len);
    default:
      return h.raise(Cause.IllegalInstruction, insn, 0);
  }
}

function advance(h: Hart, len: number): true {
  const lo = (h.pcLo + len) | 0;
  if ((lo >>> 0) < (h.pcLo >>> 0)) h.pcHi = (h.pcHi + 1) | 0;
  h.pcLo = lo;
  return true;
}

/** MRET (privileged spec, "Trap-Return Instructions"). */
function mret(h: Hart, insn: number): boolean {
  if (h.priv !== Priv.M) return h.raise(Cause.IllegalInstruction, insn, 0);
  const s = h.mstatus;
  const mpp = ((s & S.MPP) >>> S.MPP_SHIFT) as Priv;
  let n = s & ~(S.MIE | S.MPP);
  if (s & S.MPIE) n |= S.MIE;
  n |= S.MPIE;
  if (mpp !== Priv.M) n &= ~S.MPRV;
  h.mstatus = n;
  h.pcLo = h.mepcLo;
  h.pcHi = h.mepcHi;
  h.setPriv(mpp);
  if ((s ^ n) & S.MPRV) h.flushTlb();
  return true;
}

/** SRET: legal in S-mode (unless mstatus.TSR = 1) and in M-mode. */
function sret(h: Hart, insn: number): boolean {
  if (h.priv === Priv.U || (h.priv === Priv.S && (h.mstatus & S.TSR) !== 0)) {
    return h.raise(Cause.IllegalInstruction, insn, 0);
  }
  const s = h.mstatus;
  const spp = (s & S.SPP) !== 0 ? Priv.S : Priv.U;
  let n = s & ~(S.SIE | S.SPP);
  if (s & S.SPIE) n |= S.SIE;
  n |= S.SPIE;
  n &= ~S.MPRV; // the new mode is below M
  h.mstatus = n;
  h.pcLo = h.sepcLo;
  h.pcHi = h.sepcHi;
  h.setPriv(spp);
  if ((s ^ n) & S.MPRV) h.flushTlb();
  return true;
}
