// F and D computation: operand fetch with NaN-boxing, rounding-mode selection, the call into the
// exact IEEE-754 arithmetic of ../fpu/softfloat, fflags accrual and mstatus.FS (unprivileged spec,
// chapters "F" and "D" Standard Extensions).

import * as sf from '../fpu/softfloat';
import { Hart } from './hart';
import { FpOp } from './op';
import * as S from './status';
import { Cause } from './trap';

const SIGN32 = 0x80000000;
const SIGN64 = 1n << 63n;
const CANONICAL_NAN_32 = 0x7fc00000;

/** An f32 operand: a register whose upper 32 bits are not all ones reads as the canonical NaN. */
function f32(h: Hart, r: number): number {
  return h.f[2 * r + 1] === -1 ? h.f[2 * r] >>> 0 : CANONICAL_NAN_32;
}

function f64(h: Hart, r: number): bigint {
  return (BigInt(h.f[2 * r + 1] >>> 0) << 32n) | BigInt(h.f[2 * r] >>> 0);
}

function setF32(h: Hart, r: number, v: number): void {
  h.f[2 * r] = v | 0;
  h.f[2 * r + 1] = -1;
}

function setF64(h: Hart, r: number, v: bigint): void {
  h.f[2 * r] = Number(v & 0xffffffffn) | 0;
  h.f[2 * r + 1] = Number((v >> 32n) & 0xffffffffn) | 0;
}

function setX(h: Hart, r: number, lo: number, hi: number): void {
  if (r === 0) return;
  h.x[2 * r] = lo | 0;
  h.x[2 * r + 1] = hi | 0;
}

function setX64(h: Hart, r: number, v: bigint): void {
  setX(h, r, Number(v & 0xffffffffn), Number((v >> 32n) & 0xffffffffn));
}

function xSigned(h: Hart, r: number): bigint {
  return (BigInt(h.x[2 * r + 1]) << 32n) | BigInt(h.x[2 * r] >>> 0);
}

function xUnsigned(h: Hart, r: number): bigint {
  return (BigInt(h.x[2 * r + 1] >>> 0) << 32n) | BigInt(h.x[2 * r] >>> 0);
}

/** Execute one F/D computational instruction; false after raising illegal-instruction. */
export function fpInstruction(h: Hart, insn: number, op: FpOp): boolean {
  if ((h.mstatus & S.FS) === 0) return h.raise(Cause.IllegalInstruction, insn, 0);
  const rd = (insn >>> 7) & 31;
  const rs1 = (insn >>> 15) & 31;
  const rs2 = (insn >>> 20) & 31;
  const rs3 = insn >>> 27;
  let rm = (insn >>> 12) & 7;
  if (rm === 7) rm = (h.fcsr >>> 5) & 7;
  const needsRm = usesRoundingMode(op);
  if (needsRm && rm > 4) return h.raise(Cause.IllegalInstruction, insn, 0);
  const mode = rm as sf.RoundingMode;
  sf.takeFlags();

  switch (op) {
    case FpOp.FADD_S: setF32(h, rd, sf.f32Add(f32(h, rs1), f32(h, rs2), mode)); break;
    case FpOp.FSUB_S: setF32(h, rd, sf.f32Sub(f32(h, rs1), f32(h, rs2), mode)); break;
    case FpOp.FMUL_S: setF32(h, rd, sf.f32Mul(f32(h, rs1), f32(h, rs2), mode)); break;
    case FpOp.FDIV_S: setF32(h, rd, sf.f32Div(f32(h, rs1), f32(h, rs2), mode)); break;
    case FpOp.FSQRT_S: setF32(h, rd, sf.f32Sqrt(f32(h, rs1), mode)); break;
    case FpOp.FSGNJ_S: case FpOp.FSGNJN_S: case FpOp.FSGNJX_S: {
      const a = f32(h, rs1);
      const b = f32(h, rs2);
      const sign = op === FpOp.FSGNJ_S ? b & SIGN32 : op === FpOp.FSGNJN_S ? ~b & SIGN32 : (a ^ b) & SIGN32;
      setF32(h, rd, ((a & ~SIGN32) | sign) >>> 0);
      break;
    }
    case FpOp.FMIN_S: setF32(h, rd, sf.f32Min(f32(h, rs1), f32(h, rs2))); break;
    case FpOp.FMAX_S: setF32(h, rd, sf.f32Max(f32(h, rs1), f32(h, rs2))); break;
    case FpOp.FCVT_W_S: { const v = sf.f32ToI32(f32(h, rs1), mode); setX(h, rd, v, v >> 31); break; }
    case FpOp.FCVT_WU_S: { const v = sf.f32ToU32(f32(h, rs1), mode) | 0; setX(h, rd, v, v >> 31); break; }
    case FpOp.FCVT_L_S: setX64(h, rd, sf.f32ToI64(f32(h, rs1), mode)); break;
    case FpOp.FCVT_LU_S: setX64(h, rd, sf.f32ToU64(f32(h, rs1), mode)); break;
    case FpOp.FMV_X_W: { const v = h.f[2 * rs1]; setX(h, rd, v, v >> 31); break; }
    case FpOp.FCLASS_S: setX(h, rd, sf.f32Classify(f32(h, rs1)), 0); break;
    case FpOp.FEQ_S: setX(h, rd, sf.f32Eq(f32(h, rs1), f32(h, rs2)) ? 1 : 0, 0); break;
    case FpOp.FLT_S: setX(h, rd, sf.f32Lt(f32(h, rs1), f32(h, rs2)) ? 1 : 0, 0); break;
    case FpOp.FLE_S: setX(h, rd, sf.f32Le(f32(h, rs1), f32(h, rs2)) ? 1 : 0, 0); break;
    case FpOp.FCVT_S_W: setF32(h, rd, sf.i32ToF32(h.x[2 * rs1], mode)); break;
    case FpOp.FCVT_S_WU: setF32(h, rd, sf.u32ToF32(h.x[2 * rs1] >>> 0, mode)); break;
    case FpOp.FCVT_S_L: setF32(h, rd, sf.i64ToF32(xSigned(h, rs1), mode)); break;
    case FpOp.FCVT_S_LU: setF32(h, rd, sf.u64ToF32(xUnsigned(h, rs1), mode)); break;
    case FpOp.FMV_W_X: setF32(h, rd, h.x[2 * rs1] >>> 0); break;
    case FpOp.FMADD_S: case FpOp.FMSUB_S: case FpOp.FNMSUB_S: case FpOp.FNMADD_S: {
      let a = f32(h, rs1);
      let c = f32(h, rs3);
      if (op === FpOp.FNMSUB_S || op === FpOp.FNMADD_S) a = (a ^ SIGN32) >>> 0;
      if (op === FpOp.FMSUB_S || op === FpOp.FNMADD_S) c = (c ^ SIGN32) >>> 0;
      setF32(h, rd, sf.f32MulAdd(a, f32(h, rs2), c, mode));
      break;
    }

    case FpOp.FADD_D: setF64(h, rd, sf.f64Add(f64(h, rs1), f64(h, rs2), mode)); break;
    case FpOp.FSUB_D: setF64(h, rd, sf.f64Sub(f64(h, rs1), f64(h, rs2), mode)); break;
    case FpOp.FMUL_D: setF64(h, rd, sf.f64Mul(f64(h, rs1), f64(h, rs2), mode)); break;
    case FpOp.FDIV_D: setF64(h, rd, sf.f64Div(f64(h, rs1), f64(h, rs2), mode)); break;
    case FpOp.FSQRT_D: setF64(h, rd, sf.f64Sqrt(f64(h, rs1), mode)); break;
    case FpOp.FSGNJ_D: case FpOp.FSGNJN_D: case FpOp.FSGNJX_D: {
      const a = f64(h, rs1);
      const b = f64(h, rs2);
      const sign = op === FpOp.FSGNJ_D ? b & SIGN64 : op === FpOp.FSGNJN_D ? ~b & SIGN64 : (a ^ b) & SIGN64;
      setF64(h, rd, (a & ~SIGN64) | sign);
      break;
    }
    case FpOp.FMIN_D: setF64(h, rd, sf.f64Min(f64(h, rs1), f64(h, rs2))); break;
    case FpOp.FMAX_D: setF64(h, rd, sf.f64Max(f64(h, rs1), f64(h, rs2))); break;
    case FpOp.FCVT_W_D: { const v = sf.f64ToI32(f64(h, rs1), mode); setX(h, rd, v, v >> 31); break; }
    case FpOp.FCVT_WU_D: { const v = sf.f64ToU32(f64(h, rs1), mode) | 0; setX(h, rd, v, v >> 31); break; }
    case FpOp.FCVT_L_D: setX64(h, rd, sf.f64ToI64(f64(h, rs1), mode)); break;
    case FpOp.FCVT_LU_D: setX64(h, rd, sf.f64ToU64(f64(h, rs1), mode)); break;
    case FpOp.FMV_X_D: setX(h, rd, h.f[2 * rs1], h.f[2 * rs1 + 1]); break;
    case FpOp.FCLASS_D: setX(h, rd, sf.f64Classify(f64(h, rs1)), 0); break;
    case FpOp.FEQ_D: setX(h, rd, sf.f64Eq(f64(h, rs1), f64(h, rs2)) ? 1 : 0, 0); break;
    case FpOp.FLT_D: setX(h, rd, sf.f64Lt(f64(h, rs1), f64(h, rs2)) ? 1 : 0, 0); break;
    case FpOp.FLE_D: setX(h, rd, sf.f64Le(f64(h, rs1), f64(h, rs2)) ? 1 : 0, 0); break;
    case FpOp.FCVT_D_W: setF64(h, rd, sf.i32ToF64(h.x[2 * rs1], mode)); break;
    case FpOp.FCVT_D_WU: setF64(h, rd, sf.u32ToF64(h.x[2 * rs1] >>> 0, mode)); break;
    case FpOp.FCVT_D_L: setF64(h, rd, sf.i64ToF64(xSigned(h, rs1), mode)); break;
    case FpOp.FCVT_D_LU: setF64(h, rd, sf.u64ToF64(xUnsigned(h, rs1), mode)); break;
    case FpOp.FMV_D_X: h.f[2 * rd] = h.x[2 * rs1]; h.f[2 * rd + 1] = h.x[2 * rs1 + 1]; break;
    case FpOp.FMADD_D: case FpOp.FMSUB_D: case FpOp.FNMSUB_D: case FpOp.FNMADD_D: {
      let a = f64(h, rs1);
      let c = f64(h, rs3);
      if (op === FpOp.FNMSUB_D || op === FpOp.FNMADD_D) a ^= SIGN64;
      if (op === FpOp.FMSUB_D || op === FpOp.FNMADD_D) c ^= SIGN64;
      setF64(h, rd, sf.f64MulAdd(a, f64(h, rs2), c, mode));
      break;
    }
    case FpOp.FCVT_S_D: setF32(h, rd, sf.f64ToF32(f64(h, rs1), mode)); break;
    case FpOp.FCVT_D_S: setF64(h, rd, sf.f32ToF64(f32(h, rs1))); break;
    default:
      return h.raise(Cause.IllegalInstruction, insn, 0);
  }
  h.fcsr |= sf.takeFlags();
  h.mstatus |= S.FS_DIRTY;
  return true;
}

/** Whether the instruction's rm field selects a rounding mode (and so must be a valid one). */
function usesRoundingMode(op: FpOp): boolean {
  switch (op) {
    case FpOp.FSGNJ_S: case FpOp.FSGNJN_S: case FpOp.FSGNJX_S: case FpOp.FMIN_S: case FpOp.FMAX_S:
    case FpOp.FMV_X_W: case FpOp.FCLASS_S: case FpOp.FEQ_S: case FpOp.FLT_S: case FpOp.FLE_S: case FpOp.FMV_W_X:
    case FpOp.FSGNJ_D: case FpOp.FSGNJN_D: case FpOp.FSGNJX_D: case FpOp.FMIN_D: case FpOp.FMAX_D:
    case FpOp.FMV_X_D: case FpOp.FCLASS_D: case FpOp.FEQ_D: case FpOp.FLT_D: case FpOp.FLE_D: case FpOp.FMV_D_X:
      return false;
    default:
      return true;
  }
}
