// Exact IEEE-754 binary32/binary64 arithmetic with RISC-V semantics (unprivileged spec, chapters
// "F" and "D" Standard Extensions), over the generic BigInt core in ./ieee. Values are bit patterns:
// binary32 as an unsigned number 0..2^32-1, binary64 as a bigint 0..2^64-1. Exception flags accrue
// in module state and are collected with takeFlags().

import * as core from './ieee';
import { BINARY32 as F32, BINARY64 as F64, RoundingMode } from './ieee';

export { ExceptionFlag, RoundingMode, takeFlags } from './ieee';

export const F32_CANONICAL_NAN = 0x7fc00000;
export const F64_CANONICAL_NAN = 0x7ff8000000000000n;

const in32 = (a: number): bigint => BigInt(a >>> 0);
const in64 = (a: bigint): bigint => BigInt.asUintN(64, a);
const out32 = (bits: bigint): number => Number(bits);

// binary32 arithmetic

export function f32Add(a: number, b: number, rm: RoundingMode): number {
  return out32(core.add(F32, in32(a), in32(b), rm, false));
}
export function f32Sub(a: number, b: number, rm: RoundingMode): number {
  return out32(core.add(F32, in32(a), in32(b), rm, true));
}
export function f32Mul(a: number, b: number, rm: RoundingMode): number {
  return out32(core.mul(F32, in32(a), in32(b), rm));
}
export function f32Div(a: number, b: number, rm: RoundingMode): number {
  return out32(core.div(F32, in32(a), in32(b), rm));
}
export function f32Sqrt(a: number, rm: RoundingMode): number {
  return out32(core.sqrt(F32, in32(a), rm));
}
/** Fused a * b + c, rounded once. */
export function f32MulAdd(a: number, b: number, c: number, rm: RoundingMode): number {
  return out32(core.mulAdd(F32, in32(a), in32(b), in32(c), rm));
}
export function f32Min(a: number, b: number): number {
  return out32(core.minMax(F32, in32(a), in32(b), false));
}
export function f32Max(a: number, b: number): number {
  return out32(core.minMax(F32, in32(a), in32(b), true));
}
export function f32Eq(a: number, b: number): boolean {
  return core.compare(F32, in32(a), in32(b), 'eq');
}
export function f32Lt(a: number, b: number): boolean {
  return core.compare(F32, in32(a), in32(b), 'lt');
}
export function f32Le(a: number, b: number): boolean {
  return core.compare(F32, in32(a), in32(b), 'le');
}
export function f32Classify(a: number): number {
  return core.classify(F32, in32(a));
}

// binary64 arithmetic

export function f64Add(a: bigint, b: bigint, rm: RoundingMode): bigint {
  return core.add(F64, in64(a), in64(b), rm, false);
}
export function f64Sub(a: bigint, b: bigint, rm: RoundingMode): bigint {
  return core.add(F64, in64(a), in64(b), rm, true);
}
export function f64Mul(a: bigint, b: bigint, rm: RoundingMode): bigint {
  return core.mul(F64, in64(a), in64(b), rm);
}
export function f64Div(a: bigint, b: bigint, rm: RoundingMode): bigint {
  return core.div(F64, in64(a), in64(b), rm);
}
export function f64Sqrt(a: bigint, rm: RoundingMode): bigint {
  return core.sqrt(F64, in64(a), rm);
}
/** Fused a * b + c, rounded once. */
export function f64MulAdd(a: bigint, b: bigint, c: bigint, rm: RoundingMode): bigint {
  return core.mulAdd(F64, in64(a), in64(b), in64(c), rm);
}
export function f64Min(a: bigint, b: bigint): bigint {
  return core.minMax(F64, in64(a), in64(b), false);
}
export function f64Max(a: bigint, b: bigint): bigint {
  return core.minMax(F64, in64(a), in64(b), true);
}
export function f64Eq(a: bigint, b: bigint): boolean {
  return core.compare(F64, in64(a), in64(b), 'eq');
}
export function f64Lt(a: bigint, b: bigint): boolean {
  return core.compare(F64, in64(a), in64(b), 'lt');
}
export function f64Le(a: bigint, b: bigint): boolean {
  return core.compare(F64, in64(a), in64(b), 'le');
}
export function f64Classify(a: bigint): number {
  return core.classify(F64, in64(a));
}

// Conversions to integers. 32-bit results are the result pattern as a signed int32 number (fcvt.wu
// sign-extends it; the caller does that); 64-bit results are the pattern as an unsigned bigint.

export function f32ToI32(a: number, rm: RoundingMode): number {
  return Number(core.toInt(F32, in32(a), rm, 32n, true)) | 0;
}
export function f32ToU32(a: number, rm: RoundingMode): number {
  return Number(core.toInt(F32, in32(a), rm, 32n, false)) | 0;
}
export function f32ToI64(a: number, rm: RoundingMode): bigint {
  return BigInt.asUintN(64, core.toInt(F32, in32(a), rm, 64n, true));
}
export function f32ToU64(a: number, rm: RoundingMode): bigint {
  return core.toInt(F32, in32(a), rm, 64n, false);
}
export function f64ToI32(a: bigint, rm: RoundingMode): number {
  return Number(core.toInt(F64, in64(a), rm, 32n, true)) | 0;
}
export function f64ToU32(a: bigint, rm: RoundingMode): number {
  return Number(core.toInt(F64, in64(a), rm, 32n, false)) | 0;
}
export function f64ToI64(a: bigint, rm: RoundingMode): bigint {
  return BigInt.asUintN(64, core.toInt(F64, in64(a), rm, 64n, true));
}
export function f64ToU64(a: bigint, rm: RoundingMode): bigint {
  return core.toInt(F64, in64(a), rm, 64n, false);
}

// Conversions from integers.

export function i32ToF32(v: number, rm: RoundingMode): number {
  return out32(core.fromInt(F32, BigInt(v | 0), rm));
}
export function u32ToF32(v: number, rm: RoundingMode): number {
  return out32(core.fromInt(F32, BigInt(v >>> 0), rm));
}
export function i64ToF32(v: bigint, rm: RoundingMode): number {
  return out32(core.fromInt(F32, BigInt.asIntN(64, v), rm));
}
export function u64ToF32(v: bigint, rm: RoundingMode): number {
  return out32(core.fromInt(F32, BigInt.asUintN(64, v), rm));
}
export function i32ToF64(v: number, rm: RoundingMode): bigint {
  return core.fromInt(F64, BigInt(v | 0), rm);
}
export function u32ToF64(v: number, rm: RoundingMode): bigint {
  return core.fromInt(F64, BigInt(v >>> 0), rm);
}
export function i64ToF64(v: bigint, rm: RoundingMode): bigint {
  return core.fromInt(F64, BigInt.asIntN(64, v), rm);
}
export function u64ToF64(v: bigint, rm: RoundingMode): bigint {
  return core.fromInt(F64, BigInt.asUintN(64, v), rm);
}

// Conversions between formats.

/** fcvt.d.s: exact for every non-NaN value. */
export function f32ToF64(a: number): bigint {
  return core.convert(F32, F64, in32(a), RoundingMode.RNE);
}
export function f64ToF32(a: bigint, rm: RoundingMode): number {
  return out32(core.convert(F64, F32, in64(a), rm));
}
