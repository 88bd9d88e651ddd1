/**
 * The soft-float core checked three ways:
 *  1. random operands (subnormals, zeros, infinities, NaNs, values near overflow) for add, sub, mul,
 *     div and sqrt in RNE against the host's IEEE-754 double arithmetic, bit for bit (binary32 via
 *     Math.fround of the double result, which is exact for these operations);
 *  2. in all five rounding modes, against an exact-rational oracle written here from the definitions:
 *     the result must be the correctly rounded neighbour of the exact value (found by binary search
 *     over bit patterns), NX iff inexact, OF and UF (tininess after rounding) as IEEE-754 defines them;
 *  3. hand-written vectors for every RISC-V rule: NaN canonicalisation, invalid operations, signed
 *     zeros, fmin/fmax, comparisons, fclass and each conversion edge.
 */
import { describe, expect, it } from 'vitest';
import * as sf from '../../src/emulator/fpu/softfloat';
import { ExceptionFlag as X, RoundingMode as RM } from '../../src/emulator/fpu/softfloat';

const MODES: [string, RM][] = [
  ['RNE', RM.RNE],
  ['RTZ', RM.RTZ],
  ['RDN', RM.RDN],
  ['RUP', RM.RUP],
  ['RMM', RM.RMM],
];

// ---------------------------------------------------------------------------------------------
// Formats, described independently of the implementation.

interface Fmt {
  readonly name: 'f32' | 'f64';
  readonly expBits: bigint;
  readonly fracBits: bigint;
  readonly p: bigint;
  readonly bias: bigint;
  readonly emin: bigint;
  readonly emax: bigint;
  readonly signBit: bigint;
  readonly inf: bigint; // positive infinity pattern
  readonly maxField: bigint;
}

function fmt(name: 'f32' | 'f64', expBits: bigint, fracBits: bigint): Fmt {
  const bias = (1n << (expBits - 1n)) - 1n;
  const maxField = (1n << expBits) - 1n;
  return {
    name,
    expBits,
    fracBits,
    p: fracBits + 1n,
    bias,
    emin: 1n - bias,
    emax: bias,
    signBit: 1n << (expBits + fracBits),
    inf: maxField << fracBits,
    maxField,
  };
}

const B32 = fmt('f32', 8n, 23n);
const B64 = fmt('f64', 11n, 52n);

function isNaNBits(f: Fmt, bits: bigint): boolean {
  return (bits & ~f.signBit) > f.inf;
}
function isSNaNBits(f: Fmt, bits: bigint): boolean {
  return isNaNBits(f, bits) && (bits & (1n << (f.fracBits - 1n))) === 0n;
}
function isInfBits(f: Fmt, bits: bigint): boolean {
  return (bits & ~f.signBit) === f.inf;
}
function canonicalNaN(f: Fmt): bigint {
  return f === B32 ? BigInt(sf.F32_CANONICAL_NAN) : sf.F64_CANONICAL_NAN;
}

/** Every operation as bigint bits -> bigint bits, so one test body serves both formats. */
interface Ops {
  add(a: bigint, b: bigint, rm: RM): bigint;
  sub(a: bigint, b: bigint, rm: RM): bigint;
  mul(a: bigint, b: bigint, rm: RM): bigint;
  div(a: bigint, b: bigint, rm: RM): bigint;
  sqrt(a: bigint, rm: RM): bigint;
  fma(a: bigint, b: bigint, c: bigint, rm: RM): bigint;
  min(a: bigint, b: bigint): bigint;
  max(a: bigint, b: bigint): bigint;
  eq(a: bigint, b: bigint): boolean;
  lt(a: bigint, b: bigint): boolean;
  le(a: bigint, b: bigint): boolean;
  classify(a: bigint): number;
  toInt(a: bigint, rm: RM, width: 32 | 64, signed: boolean): bigint; // the result as an integer value
  fromInt(v: bigint, rm: RM, width: 32 | 64, signed: boolean): bigint;
}

const N = Number;
const OPS32: Ops = {
  add: (a, b, rm) => BigInt(sf.f32Add(N(a), N(b), rm)),
  sub: (a, b, rm) => BigInt(sf.f32Sub(N(a), N(b), rm)),
  mul: (a, b, rm) => BigInt(sf.f32Mul(N(a), N(b), rm)),
  div: (a, b, rm) => BigInt(sf.f32Div(N(a), N(b), rm)),
  sqrt: (a, rm) => BigInt(sf.f32Sqrt(N(a), rm)),
  fma: (a, b, c, rm) => BigInt(sf.f32MulAdd(N(a), N(b), N(c), rm)),
  min: (a, b) => BigInt(sf.f32Min(N(a), N(b))),
  max: (a, b) => BigInt(sf.f32Max(N(a), N(b))),
  eq: (a, b) => sf.f32Eq(N(a), N(b)),
  lt: (a, b) => sf.f32Lt(N(a), N(b)),
  le: (a, b) => sf.f32Le(N(a), N(b)),
  classify: (a) => sf.f32Classify(N(a)),
  toInt: (a, rm, width, signed) => intResult(a, rm, width, signed, sf.f32ToI32, sf.f32ToU32, sf.f32ToI64, sf.f32ToU64, N),
  fromInt: (v, rm, width, signed) =>
    BigInt(
      width === 32
        ? signed ? sf.i32ToF32(N(v), rm) : sf.u32ToF32(N(v), rm)
        : signed ? sf.i64ToF32(v, rm) : sf.u64ToF32(v, rm),
    ),
};
const OPS64: Ops = {
  add: sf.f64Add,
  sub: sf.f64Sub,
  mul: sf.f64Mul,
  div: sf.f64Div,
  sqrt: sf.f64Sqrt,
  fma: sf.f64MulAdd,
  min: sf.f64Min,
  max: sf.f64Max,
  eq: sf.f64Eq,
  lt: sf.f64Lt,
  le: sf.f64Le,
  classify: sf.f64Classify,
  toInt: (a, rm, width, signed) => intResult(a, rm, width, signed, sf.f64ToI32, sf.f64ToU32, sf.f64ToI64, sf.f64ToU64, (x) => x),
  fromInt: (v, rm, width, signed) =>
    width === 32
      ? signed ? sf.i32ToF64(N(v), rm) : sf.u32ToF64(N(v), rm)
      : signed ? sf.i64ToF64(v, rm) : sf.u64ToF64(v, rm),
};

/** Call a conversion to integer and turn its documented result encoding back into the integer value. */
function intResult<T>(
  a: bigint,
  rm: RM,
  width: 32 | 64,
  signed: boolean,
  toI32: (a: T, rm: RM) => number,
  toU32: (a: T, rm: RM) => number,
  toI64: (a: T, rm: RM) => bigint,
  toU64: (a: T, rm: RM) => bigint,
  arg: (a: bigint) => T,
): bigint {
  if (width === 32) {
    const v = signed ? toI32(arg(a), rm) : toU32(arg(a), rm);
    // The 32-bit pattern as a signed int32 number.
    expect(Number.isInteger(v) && v === (v | 0)).toBe(true);
    return signed ? BigInt(v) : BigInt(v >>> 0);
  }
  const v = signed ? toI64(arg(a), rm) : toU64(arg(a), rm);
  expect(v >= 0n && v < 1n << 64n).toBe(true);
  return signed ? BigInt.asIntN(64, v) : v;
}

const opsOf = (f: Fmt): Ops => (f === B32 ? OPS32 : OPS64);

// ---------------------------------------------------------------------------------------------
// Deterministic random operands.

class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  u32(): number {
    // mulberry32
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  int(n: number): number {
    return this.u32() % n;
  }
  big(bits: bigint): bigint {
    let v = 0n;
    for (let k = 0n; k < bits; k += 32n) v = (v << 32n) | BigInt(this.u32());
    return v & ((1n << bits) - 1n);
  }
  range(lo: bigint, hi: bigint): bigint {
    // inclusive
    return lo + BigInt(this.int(Number(hi - lo + 1n)));
  }
}

function pack(f: Fmt, sign: boolean, field: bigint, frac: bigint): bigint {
  return (sign ? f.signBit : 0n) | (field << f.fracBits) | (frac & ((1n << f.fracBits) - 1n));
}

/** A finite value from a mix of regions where rounding gets interesting. */
function randFinite(f: Fmt, r: Rng): bigint {
  const sign = r.int(2) === 1;
  const fracMask = (1n << f.fracBits) - 1n;
  const frac = r.big(f.fracBits);
  switch (r.int(9)) {
    case 0: return pack(f, sign, r.range(0n, f.maxField - 1n), frac);
    case 1: return pack(f, sign, 0n, frac === 0n ? 1n : frac); // subnormal
    case 2: return pack(f, sign, 0n, r.big(BigInt(1 + r.int(4)))  || 1n); // tiny subnormal
    case 3: return pack(f, sign, f.maxField - 1n - r.range(0n, 2n), r.int(3) === 0 ? fracMask : frac); // near overflow
    case 4: return pack(f, sign, f.bias + r.range(-3n, 3n), frac); // near 1
    case 5: {
      // Few significant bits, so sums and products land on ties.
      const k = BigInt(r.int(5));
      return pack(f, sign, r.range(1n, f.maxField - 1n), (r.big(k) << (f.fracBits - k)) & fracMask);
    }
    case 6: return pack(f, sign, r.range(1n, 3n), frac); // bottom of the normal range
    case 7: return pack(f, sign, r.range(1n, f.maxField - 1n), r.int(2) === 0 ? fracMask : 0n);
    default: return pack(f, sign, f.bias + r.range(-40n, 40n), frac);
  }
}

function randAny(f: Fmt, r: Rng): bigint {
  const sign = r.int(2) === 1 ? f.signBit : 0n;
  switch (r.int(12)) {
    case 0: return sign; // zero
    case 1: return sign | f.inf;
    case 2: return sign | f.inf | (1n << (f.fracBits - 1n)) | r.big(f.fracBits - 1n); // qNaN
    case 3: return sign | f.inf | (r.big(f.fracBits - 1n) || 1n); // sNaN
    case 4: return r.big(f.expBits + f.fracBits + 1n); // any pattern
    default: return randFinite(f, r);
  }
}

function fieldOf(f: Fmt, bits: bigint): bigint {
  return (bits >> f.fracBits) & f.maxField;
}

/** b chosen relative to a so that a op b lands near cancellation, ties, underflow or overflow. */
function partner(f: Fmt, r: Rng, op: 'add' | 'mul' | 'div', a: bigint): bigint {
  const fa = fieldOf(f, a);
  const clampField = (x: bigint) => (x < 1n ? 1n : x > f.maxField - 1n ? f.maxField - 1n : x);
  switch (r.int(4)) {
    case 0: return randFinite(f, r);
    case 1:
      if (op === 'add') {
        // Near -a: massive cancellation.
        const delta = BigInt(r.int(9)) - 4n;
        const m = (a & ~f.signBit) + delta;
        return (m < 0n ? 0n : m >= f.inf ? f.inf - 1n : m) | ((a & f.signBit) ^ (r.int(4) === 0 ? 0n : f.signBit));
      }
      return pack(f, r.int(2) === 1, clampField(op === 'mul' ? 2n * f.bias - fa + f.emin - 1n + r.range(-2n, 1n) : fa - f.emin + 1n + r.range(-1n, 2n)), r.big(f.fracBits));
    case 2:
      if (op === 'add') {
        // p-ish binades apart: the smaller operand's bits straddle the rounding point.
        const d = f.p + r.range(-3n, 3n);
        return pack(f, r.int(2) === 1, clampField(fa - d), r.int(2) ? 0n : r.big(f.fracBits));
      }
      // Product or quotient near the top of the range.
      return pack(f, r.int(2) === 1, clampField(op === 'mul' ? 2n * f.bias - fa + f.emax + r.range(-1n, 1n) - f.bias : fa - f.emax + r.range(-1n, 1n)), r.big(f.fracBits));
    default: return randFinite(f, r);
  }
}

// ---------------------------------------------------------------------------------------------
// 1. Against the host's binary64 arithmetic in RNE.

const buf = new ArrayBuffer(8);
const asF64 = new Float64Array(buf);
const asU64 = new BigUint64Array(buf);
const asF32 = new Float32Array(buf);
const asU32 = new Uint32Array(buf);
function f64Value(bits: bigint): number {
  asU64[0] = bits;
  return asF64[0];
}
function f64Bits(x: number): bigint {
  asF64[0] = x;
  return asU64[0];
}
function f32Value(bits: bigint): number {
  asU32[0] = Number(bits);
  return asF32[0];
}
function f32Bits(x: number): bigint {
  asF32[0] = x;
  return BigInt(asU32[0]);
}

const hostValue = (f: Fmt, bits: bigint): number => (f === B32 ? f32Value(bits) : f64Value(bits));
const hostBits = (f: Fmt, x: number): bigint => (Number.isNaN(x) ? canonicalNaN(f) : f === B32 ? f32Bits(Math.fround(x)) : f64Bits(x));

type BinaryName = 'add' | 'sub' | 'mul' | 'div';
const HOST: Record<BinaryName, (x: number, y: number) => number> = {
  add: (x, y) => x + y,
  sub: (x, y) => x - y,
  mul: (x, y) => x * y,
  div: (x, y) => x / y,
};

describe.each([B32, B64])('$name RNE matches host IEEE-754 arithmetic', (f) => {
  const ops = opsOf(f);
  it.each(['add', 'sub', 'mul', 'div'] as BinaryName[])('%s', (name) => {
    const r = new Rng(name.charCodeAt(0) * 7919 + Number(f.p));
    const pairOp = name === 'sub' ? 'add' : name === 'div' ? 'div' : name === 'mul' ? 'mul' : 'add';
    for (let i = 0; i < 6000; i++) {
      const a = randAny(f, r);
      const b = r.int(2) === 0 ? randAny(f, r) : partner(f, r, pairOp, a);
      const bAdj = name === 'sub' && r.int(2) === 0 ? b ^ f.signBit : b; // for sub, near +a cancels
      sf.takeFlags();
      const got = ops[name](a, bAdj, RM.RNE);
      const flags = sf.takeFlags();
      const exact = HOST[name](hostValue(f, a), hostValue(f, bAdj));
      const want = hostBits(f, exact);
      if (got !== want) expect({ a: a.toString(16), b: bAdj.toString(16), got: got.toString(16) }).toEqual({ a: a.toString(16), b: bAdj.toString(16), got: want.toString(16) });
      // Flags that the host result alone determines.
      const anyNaN = isNaNBits(f, a) || isNaNBits(f, bAdj);
      const wantNV = isSNaNBits(f, a) || isSNaNBits(f, bAdj) || (!anyNaN && Number.isNaN(exact));
      expect((flags & X.NV) !== 0).toBe(wantNV);
      const finiteIn = !anyNaN && !isInfBits(f, a) && !isInfBits(f, bAdj);
      const divByZero = name === 'div' && finiteIn && (a & ~f.signBit) !== 0n && (bAdj & ~f.signBit) === 0n;
      expect((flags & X.DZ) !== 0).toBe(divByZero);
      expect((flags & X.OF) !== 0).toBe(finiteIn && !divByZero && isInfBits(f, want));
    }
  });
  it('sqrt', () => {
    const r = new Rng(4242 + Number(f.p));
    for (let i = 0; i < 6000; i++) {
      const a = randAny(f, r);
      sf.takeFlags();
      const got = ops.sqrt(a, RM.RNE);
      const flags = sf.takeFlags();
      const want = hostBits(f, Math.sqrt(hostValue(f, a)));
      expect(got.toString(16)).toBe(want.toString(16));
      const negative = (a & f.signBit) !== 0n && (a & ~f.signBit) !== 0n;
      expect((flags & X.NV) !== 0).toBe(isSNaNBits(f, a) || (negative && !isNaNBits(f, a)));
      expect(flags & (X.OF | X.UF | X.DZ)).toBe(0);
    }
  });
});

describe('conversions match the host where the host is exact', () => {
  it('i64ToF64 (RNE) equals Number(bigint); f64ToI32/I64 (RTZ) equal Math.trunc in range', () => {
    const r = new Rng(99);
    for (let i = 0; i < 3000; i++) {
      const v = BigInt.asIntN(64, r.big(64n) >> BigInt(r.int(64)));
      expect(sf.i64ToF64(BigInt.asUintN(64, v), RM.RNE)).toBe(f64Bits(Number(v)));
      expect(sf.i32ToF64(Number(BigInt.asIntN(32, v)), RM.RNE)).toBe(f64Bits(Number(BigInt.asIntN(32, v))));
      const x = f64Value(randFinite(B64, r));
      const t = Math.trunc(x);
      if (Math.abs(t) < 2 ** 31) expect(sf.f64ToI32(f64Bits(x), RM.RTZ)).toBe(t | 0);
      if (Math.abs(t) < 2 ** 63) expect(sf.f64ToI64(f64Bits(x), RM.RTZ)).toBe(BigInt.asUintN(64, BigInt(t)));
      expect(sf.f32ToF64(Number(f32Bits(Math.fround(x))))).toBe(f64Bits(Math.fround(x)));
      expect(sf.f64ToF32(f64Bits(x), RM.RNE)).toBe(Number(f32Bits(Math.fround(x))));
    }
  });
});

// ---------------------------------------------------------------------------------------------
// 2. The exact-rational oracle.

/** A rational n/d with d > 0. */
interface Q {
  n: bigint;
  d: bigint;
}
const q = (n: bigint, d = 1n): Q => (d < 0n ? { n: -n, d: -d } : { n, d });
const qAdd = (a: Q, b: Q): Q => q(a.n * b.d + b.n * a.d, a.d * b.d);
const qMul = (a: Q, b: Q): Q => q(a.n * b.n, a.d * b.d);
const qDiv = (a: Q, b: Q): Q => q(a.n * b.d, a.d * b.n);
const qNeg = (a: Q): Q => q(-a.n, a.d);
const qAbs = (a: Q): Q => q(a.n < 0n ? -a.n : a.n, a.d);
const qSign = (a: Q): number => (a.n > 0n ? 1 : a.n < 0n ? -1 : 0);
const qCmp = (a: Q, b: Q): number => qSign(q(a.n * b.d - b.n * a.d, a.d * b.d));
const pow2 = (e: bigint): Q => (e >= 0n ? q(1n << e) : q(1n, 1n << -e));

/** The value of a finite pattern; the +infinity pattern stands for 2^(emax+1), the next binade. */
function decode(f: Fmt, bits: bigint): Q {
  const sign = (bits & f.signBit) !== 0n;
  const field = fieldOf(f, bits);
  const frac = bits & ((1n << f.fracBits) - 1n);
  let v: Q;
  if (field === f.maxField) {
    if (frac !== 0n) throw new Error('decode of NaN');
    v = pow2(f.emax + 1n);
  } else if (field === 0n) {
    v = qMul(q(frac), pow2(f.emin - f.fracBits));
  } else {
    v = qMul(q(frac | (1n << f.fracBits)), pow2(field - f.bias - f.fracBits));
  }
  return sign ? qNeg(v) : v;
}

/**
 * An exact nonzero result, known through `cmpMag(v)` = sign(v - |x|) for v >= 0 (so irrational
 * results such as square roots need no representation).
 */
interface Exact {
  negative: boolean;
  cmpMag(v: Q): number;
}
const exactOf = (x: Q): Exact => ({ negative: x.n < 0n, cmpMag: (v) => qCmp(v, qAbs(x)) });

/** The correctly rounded result and the flags IEEE-754 (with tininess after rounding) requires. */
function oracle(f: Fmt, x: Exact, rm: RM): { bits: bigint; flags: number } {
  const towardZero = rm === RM.RTZ || (rm === RM.RDN && !x.negative) || (rm === RM.RUP && x.negative);
  const awayFromZero = (rm === RM.RUP && !x.negative) || (rm === RM.RDN && x.negative);
  const at = (pattern: bigint) => x.cmpMag(decode(f, pattern));
  let magnitude: bigint;
  let exact = false;
  if (at(f.inf) <= 0) {
    // |x| >= 2^(emax+1): beyond every finite value.
    magnitude = towardZero ? f.inf - 1n : f.inf;
  } else {
    // Largest pattern whose value is <= |x|.
    let lo = 0n;
    let hi = f.inf; // value(hi) > |x|
    while (hi - lo > 1n) {
      const mid = (lo + hi) >> 1n;
      if (at(mid) <= 0) lo = mid;
      else hi = mid;
    }
    exact = at(lo) === 0;
    if (exact) magnitude = lo;
    else if (towardZero) magnitude = lo;
    else if (awayFromZero) magnitude = hi;
    else {
      const c = x.cmpMag(qMul(qAdd(decode(f, lo), decode(f, hi)), q(1n, 2n)));
      if (c > 0) magnitude = lo;
      else if (c < 0) magnitude = hi;
      else if (rm === RM.RMM) magnitude = hi;
      else magnitude = (lo & 1n) === 0n ? lo : hi;
    }
  }
  let flags = 0;
  if (!exact) flags |= X.NX;
  if (magnitude === f.inf || at(f.inf) <= 0) flags |= X.OF;
  if (!exact) {
    // Tiny after rounding: rounded to p bits with an unbounded exponent, |x| is below 2^emin.
    const T = pow2(f.emin);
    const u = pow2(f.emin - f.p); // the p-bit spacing just below 2^emin
    let tiny: boolean;
    if (x.cmpMag(T) <= 0) tiny = false;
    else if (x.cmpMag(qAdd(T, qNeg(u))) >= 0) tiny = true;
    else if (towardZero) tiny = true;
    else if (awayFromZero) tiny = false;
    else tiny = x.cmpMag(qAdd(T, qNeg(qMul(u, q(1n, 2n))))) > 0;
    if (tiny) flags |= X.UF;
  }
  return { bits: (x.negative ? f.signBit : 0n) | magnitude, flags };
}

/** The sign of an exact zero sum of two terms: kept if both agree, else + (- when rounding down). */
function zeroSumBits(f: Fmt, negA: boolean, negB: boolean, rm: RM): bigint {
  const negative = negA === negB ? negA : rm === RM.RDN;
  return negative ? f.signBit : 0n;
}

const hex = (v: bigint) => '0x' + v.toString(16);

function check(f: Fmt, what: string, got: bigint, flags: number, want: { bits: bigint; flags: number }): void {
  if (got !== want.bits || flags !== want.flags) {
    expect({ what, bits: hex(got), flags }).toEqual({ what, bits: hex(want.bits), flags: want.flags });
  }
}

const isNeg = (f: Fmt, bits: bigint) => (bits & f.signBit) !== 0n;
const isZero = (f: Fmt, bits: bigint) => (bits & ~f.signBit) === 0n;

describe.each([B32, B64])('$name: every rounding mode agrees with the exact-rational oracle', (f) => {
  const ops = opsOf(f);
  const COUNT = 400;
  describe.each(MODES)('%s', (modeName, rm) => {
    const seed = (op: string) => op.length * 1000 + op.charCodeAt(0) * 31 + rm * 7 + Number(f.p);

    it.each(['add', 'sub', 'mul', 'div'] as BinaryName[])('%s', (name) => {
      const r = new Rng(seed(name));
      for (let i = 0; i < COUNT; i++) {
        const a = randFinite(f, r);
        let b = partner(f, r, name === 'sub' ? 'add' : name === 'div' ? 'div' : name === 'mul' ? 'mul' : 'add', a);
        if (name === 'sub') b ^= f.signBit;
        if (name === 'div' && isZero(f, b)) b |= 1n;
        sf.takeFlags();
        const got = ops[name](a, b, rm);
        const flags = sf.takeFlags();
        const qa = decode(f, a);
        const qb = decode(f, b);
        const x = name === 'add' ? qAdd(qa, qb) : name === 'sub' ? qAdd(qa, qNeg(qb)) : name === 'mul' ? qMul(qa, qb) : qDiv(qa, qb);
        const what = `${name} ${hex(a)} ${hex(b)}`;
        if (qSign(x) !== 0) check(f, what, got, flags, oracle(f, exactOf(x), rm));
        else if (name === 'mul') check(f, what, got, flags, { bits: (a ^ b) & f.signBit, flags: 0 });
        else if (name === 'div') check(f, what, got, flags, { bits: (a ^ b) & f.signBit, flags: 0 });
        else check(f, what, got, flags, { bits: zeroSumBits(f, isNeg(f, a), isNeg(f, b) !== (name === 'sub'), rm), flags: 0 });
      }
    });

    it('sqrt', () => {
      const r = new Rng(seed('sqrt'));
      for (let i = 0; i < COUNT; i++) {
        let a = randFinite(f, r) & ~f.signBit;
        if (r.int(4) === 0) {
          // A perfect square.
          const s = randFinite(f, r) & ~f.signBit & ~((1n << (f.fracBits / 2n)) - 1n);
          a = ops.mul(s, s, RM.RNE);
          if (isInfBits(f, a)) continue;
        }
        sf.takeFlags();
        const got = ops.sqrt(a, rm);
        const flags = sf.takeFlags();
        const x = decode(f, a);
        if (qSign(x) === 0) {
          check(f, `sqrt ${hex(a)}`, got, flags, { bits: 0n, flags: 0 });
          continue;
        }
        const root: Exact = { negative: false, cmpMag: (v) => qCmp(qMul(v, v), x) };
        check(f, `sqrt ${hex(a)}`, got, flags, oracle(f, root, rm));
      }
    });

    it('fma', () => {
      const r = new Rng(seed('fma'));
      for (let i = 0; i < COUNT; i++) {
        const a = randFinite(f, r);
        const b = partner(f, r, 'mul', a);
        let c: bigint;
        switch (r.int(4)) {
          case 0: c = ops.mul(a, b, r.int(5) as RM) ^ f.signBit; break; // near cancellation
          case 1: c = randFinite(f, r); break;
          case 2: c = pack(f, r.int(2) === 1, 0n, r.big(f.fracBits)); break; // subnormal addend
          default: c = partner(f, r, 'add', a); break;
        }
        if (isInfBits(f, c) || isNaNBits(f, c)) c = 0n;
        sf.takeFlags();
        const got = ops.fma(a, b, c, rm);
        const flags = sf.takeFlags();
        const x = qAdd(qMul(decode(f, a), decode(f, b)), decode(f, c));
        const what = `fma ${hex(a)} ${hex(b)} ${hex(c)}`;
        if (qSign(x) !== 0) check(f, what, got, flags, oracle(f, exactOf(x), rm));
        else check(f, what, got, flags, { bits: zeroSumBits(f, isNeg(f, a) !== isNeg(f, b), isNeg(f, c), rm), flags: 0 });
      }
    });

    it('integer to float', () => {
      const r = new Rng(seed('fromInt'));
      for (let i = 0; i < COUNT; i++) {
        for (const [width, signed] of [[32, true], [32, false], [64, true], [64, false]] as [32 | 64, boolean][]) {
          const w = BigInt(width);
          let v = r.big(w) >> BigInt(r.int(width)); // every magnitude
          if (signed) v = BigInt.asIntN(width, r.int(2) ? v : -v);
          if (r.int(8) === 0) v = signed ? -(1n << (w - 1n)) : (1n << w) - 1n;
          sf.takeFlags();
          const got = ops.fromInt(v, rm, width, signed);
          const flags = sf.takeFlags();
          const want = v === 0n ? { bits: 0n, flags: 0 } : oracle(f, exactOf(q(v)), rm);
          check(f, `fromInt${width}${signed ? 's' : 'u'} ${v}`, got, flags, want);
        }
      }
    });

    it('float to integer', () => {
      const r = new Rng(seed('toInt'));
      for (let i = 0; i < COUNT; i++) {
        // Values around the integer ranges and small values with fractions.
        let a: bigint;
        switch (r.int(3)) {
          case 0: a = randFinite(f, r); break;
          case 1: a = pack(f, r.int(2) === 1, f.bias + r.range(-2n, 8n), r.big(f.fracBits)); break;
          default: a = pack(f, r.int(2) === 1, f.bias + r.range(28n, 66n), r.big(f.fracBits) >> BigInt(r.int(Number(f.fracBits)))); break;
        }
        const x = decode(f, a);
        for (const [width, signed] of [[32, true], [32, false], [64, true], [64, false]] as [32 | 64, boolean][]) {
          sf.takeFlags();
          const got = ops.toInt(a, rm, width, signed);
          const flags = sf.takeFlags();
          // Round x to an integer from the definitions.
          const fl = x.n >= 0n ? x.n / x.d : -((-x.n + x.d - 1n) / x.d);
          const frac = qAdd(x, q(-fl));
          let rounded = fl;
          if (qSign(frac) !== 0) {
            const half = qCmp(frac, q(1n, 2n));
            const up =
              rm === RM.RUP ||
              (rm === RM.RTZ && x.n < 0n) ||
              (rm === RM.RNE && (half > 0 || (half === 0 && (fl & 1n) === 1n))) ||
              (rm === RM.RMM && (half > 0 || (half === 0 && x.n > 0n)));
            if (up) rounded += 1n;
          }
          const w = BigInt(width);
          const min = signed ? -(1n << (w - 1n)) : 0n;
          const max = signed ? (1n << (w - 1n)) - 1n : (1n << w) - 1n;
          const want =
            rounded < min ? { v: min, flags: X.NV } : rounded > max ? { v: max, flags: X.NV } : { v: rounded, flags: qSign(frac) !== 0 ? X.NX : 0 };
          if (got !== want.v || flags !== want.flags) {
            expect({ a: hex(a), width, signed, v: got, flags }).toEqual({ a: hex(a), width, signed, v: want.v, flags: want.flags });
          }
        }
      }
    });

    if (f === B64) {
      it('f64ToF32', () => {
        const r = new Rng(seed('narrow'));
        for (let i = 0; i < COUNT; i++) {
          let a: bigint;
          switch (r.int(3)) {
            case 0: a = randFinite(B64, r); break;
            // Around the binary32 range ends.
            case 1: a = pack(B64, r.int(2) === 1, B64.bias + B32.emax + r.range(-1n, 1n), r.int(2) ? ((1n << 52n) - 1n) - r.big(BigInt(r.int(32))) : r.big(52n)); break;
            default: a = pack(B64, r.int(2) === 1, B64.bias + B32.emin - r.range(-1n, 26n), r.int(3) ? ((1n << 52n) - 1n) - r.big(BigInt(r.int(32))) : r.big(52n)); break;
          }
          sf.takeFlags();
          const got = BigInt(sf.f64ToF32(a, rm));
          const flags = sf.takeFlags();
          const x = decode(B64, a);
          const want = qSign(x) === 0 ? { bits: (a & B64.signBit) >> 32n, flags: 0 } : oracle(B32, exactOf(x), rm);
          check(B32, `f64ToF32 ${hex(a)}`, got, flags, want);
        }
      });
    }
  });
});

// ---------------------------------------------------------------------------------------------
// 3. Hand-written vectors.

const F = (x: number) => Number(f32Bits(Math.fround(x))); // binary32 pattern of a JS number
const D = (x: number) => f64Bits(x); // binary64 pattern of a JS number
const F32_SNAN = 0x7f800001;
const F32_QNAN_PAYLOAD = 0xffc12345;
const F64_SNAN = 0x7ff0000000000001n;
const F64_QNAN_PAYLOAD = 0xfff8000000abcdefn;
const C32 = sf.F32_CANONICAL_NAN;
const C64 = sf.F64_CANONICAL_NAN;
const F32_MAX = 0x7f7fffff;
const F64_MAX = 0x7fefffffffffffffn;
const F32_MIN_SUB = 0x00000001;
const F64_MIN_SUB = 1n;
const F64_MIN_NORMAL = 0x0010000000000000n;

/** Run `fn` on fresh flags and return its result with the flags it raised. */
function withFlags<T>(fn: () => T): [T, number] {
  sf.takeFlags();
  const v = fn();
  return [v, sf.takeFlags()];
}

describe('takeFlags', () => {
  it('accrues across operations and resets', () => {
    sf.takeFlags();
    sf.f64Div(D(1), D(0), RM.RNE);
    sf.f64Add(D(1), D(2 ** -60), RM.RNE);
    expect(sf.takeFlags()).toBe(X.DZ | X.NX);
    expect(sf.takeFlags()).toBe(0);
  });
});

describe('NaNs and invalid operations', () => {
  type V = [string, () => number | bigint, number | bigint, number];
  const vectors: V[] = [
    ['f32 qNaN + 1 -> canonical, no flags', () => sf.f32Add(F32_QNAN_PAYLOAD, F(1), RM.RNE), C32, 0],
    ['f32 sNaN + 1 -> canonical, NV', () => sf.f32Add(F32_SNAN, F(1), RM.RNE), C32, X.NV],
    ['f32 1 - sNaN -> NV', () => sf.f32Sub(F(1), F32_SNAN, RM.RNE), C32, X.NV],
    ['f32 sNaN * 0 -> NV', () => sf.f32Mul(F32_SNAN, F(0), RM.RNE), C32, X.NV],
    ['f32 qNaN / 0 -> no DZ', () => sf.f32Div(F32_QNAN_PAYLOAD, F(0), RM.RNE), C32, 0],
    ['f32 sqrt(sNaN) -> NV', () => sf.f32Sqrt(F32_SNAN, RM.RNE), C32, X.NV],
    ['f32 sqrt(qNaN) -> canonical', () => sf.f32Sqrt(F32_QNAN_PAYLOAD, RM.RNE), C32, 0],
    ['f32 inf - inf -> NV', () => sf.f32Sub(F(Infinity), F(Infinity), RM.RNE), C32, X.NV],
    ['f32 -inf + inf -> NV', () => sf.f32Add(F(-Infinity), F(Infinity), RM.RNE), C32, X.NV],
    ['f32 inf + inf -> inf', () => sf.f32Add(F(Infinity), F(Infinity), RM.RNE), F(Infinity), 0],
    ['f32 0 * inf -> NV', () => sf.f32Mul(F(0), F(-Infinity), RM.RNE), C32, X.NV],
    ['f32 0 / 0 -> NV', () => sf.f32Div(F(-0), F(0), RM.RNE), C32, X.NV],
    ['f32 inf / inf -> NV', () => sf.f32Div(F(Infinity), F(-Infinity), RM.RNE), C32, X.NV],
    ['f32 sqrt(-1) -> NV', () => sf.f32Sqrt(F(-1), RM.RNE), C32, X.NV],
    ['f32 sqrt(-min subnormal) -> NV', () => sf.f32Sqrt(0x80000001, RM.RNE), C32, X.NV],
    ['f32 sqrt(-inf) -> NV', () => sf.f32Sqrt(F(-Infinity), RM.RNE), C32, X.NV],
    ['f32 sqrt(-0) -> -0', () => sf.f32Sqrt(F(-0), RM.RNE), F(-0), 0],
    ['f32 sqrt(+inf) -> +inf', () => sf.f32Sqrt(F(Infinity), RM.RNE), F(Infinity), 0],
    ['f32 1 / 0 -> +inf DZ', () => sf.f32Div(F(1), F(0), RM.RNE), F(Infinity), X.DZ],
    ['f32 -1 / 0 -> -inf DZ', () => sf.f32Div(F(-1), F(0), RM.RTZ), F(-Infinity), X.DZ],
    ['f32 1 / -0 -> -inf DZ', () => sf.f32Div(F(1), F(-0), RM.RNE), F(-Infinity), X.DZ],
    ['f32 inf / 0 -> inf, no DZ', () => sf.f32Div(F(Infinity), F(0), RM.RNE), F(Infinity), 0],
    ['f32 1 / -inf -> -0', () => sf.f32Div(F(1), F(-Infinity), RM.RNE), F(-0), 0],
    ['f32 fma(0, inf, qNaN) -> NV', () => sf.f32MulAdd(F(0), F(Infinity), F32_QNAN_PAYLOAD, RM.RNE), C32, X.NV],
    ['f32 fma(inf, 0, 1) -> NV', () => sf.f32MulAdd(F(Infinity), F(-0), F(1), RM.RNE), C32, X.NV],
    ['f32 fma(qNaN, 0, inf) -> canonical, no NV', () => sf.f32MulAdd(F32_QNAN_PAYLOAD, F(0), F(Infinity), RM.RNE), C32, 0],
    ['f32 fma(qNaN, 1, sNaN) -> NV', () => sf.f32MulAdd(F32_QNAN_PAYLOAD, F(1), F32_SNAN, RM.RNE), C32, X.NV],
    ['f32 fma(1, 1, sNaN) -> NV', () => sf.f32MulAdd(F(1), F(1), F32_SNAN, RM.RNE), C32, X.NV],
    ['f32 fma(1, 1, qNaN) -> canonical', () => sf.f32MulAdd(F(1), F(1), F32_QNAN_PAYLOAD, RM.RNE), C32, 0],
    ['f32 fma(inf, 1, -inf) -> NV', () => sf.f32MulAdd(F(Infinity), F(1), F(-Infinity), RM.RNE), C32, X.NV],
    ['f32 fma(inf, -1, -inf) -> -inf', () => sf.f32MulAdd(F(Infinity), F(-1), F(-Infinity), RM.RNE), F(-Infinity), 0],
    ['f32 fma(max, 2, -inf) -> -inf, no OF', () => sf.f32MulAdd(F32_MAX, F(2), F(-Infinity), RM.RNE), F(-Infinity), 0],
    ['f64 qNaN * 2 -> canonical', () => sf.f64Mul(F64_QNAN_PAYLOAD, D(2), RM.RNE), C64, 0],
    ['f64 sNaN + qNaN -> NV', () => sf.f64Add(F64_QNAN_PAYLOAD, F64_SNAN, RM.RNE), C64, X.NV],
    ['f64 inf - inf -> NV', () => sf.f64Sub(D(-Infinity), D(-Infinity), RM.RNE), C64, X.NV],
    ['f64 inf * 0 -> NV', () => sf.f64Mul(D(Infinity), D(-0), RM.RNE), C64, X.NV],
    ['f64 0 / 0 -> NV', () => sf.f64Div(D(0), D(0), RM.RNE), C64, X.NV],
    ['f64 inf / inf -> NV', () => sf.f64Div(D(Infinity), D(Infinity), RM.RNE), C64, X.NV],
    ['f64 sqrt(-2) -> NV', () => sf.f64Sqrt(D(-2), RM.RNE), C64, X.NV],
    ['f64 sqrt(-0) -> -0', () => sf.f64Sqrt(D(-0), RM.RDN), D(-0), 0],
    ['f64 -5 / -0 -> +inf DZ', () => sf.f64Div(D(-5), D(-0), RM.RNE), D(Infinity), X.DZ],
    ['f64 min subnormal / 0 -> DZ', () => sf.f64Div(F64_MIN_SUB, D(0), RM.RNE), D(Infinity), X.DZ],
    ['f64 fma(0, inf, qNaN) -> NV', () => sf.f64MulAdd(D(-0), D(Infinity), F64_QNAN_PAYLOAD, RM.RNE), C64, X.NV],
    ['f64 fma(inf, 0, sNaN) -> NV', () => sf.f64MulAdd(D(Infinity), D(0), F64_SNAN, RM.RNE), C64, X.NV],
    ['f64 fma(1, inf, -inf) -> NV', () => sf.f64MulAdd(D(1), D(Infinity), D(-Infinity), RM.RNE), C64, X.NV],
    ['f64 fma(2, 3, inf) -> inf', () => sf.f64MulAdd(D(2), D(3), D(Infinity), RM.RNE), D(Infinity), 0],
    ['f64 fma(sNaN, 0, inf) -> NV', () => sf.f64MulAdd(F64_SNAN, D(0), D(Infinity), RM.RNE), C64, X.NV],
  ];
  it.each(vectors)('%s', (_name, fn, want, wantFlags) => {
    const [got, flags] = withFlags(fn);
    expect(got).toBe(want);
    expect(flags).toBe(wantFlags);
  });
});

describe('overflow and underflow', () => {
  type V = [string, () => number | bigint, number | bigint, number];
  const OFNX = X.OF | X.NX;
  const UFNX = X.UF | X.NX;
  const vectors: V[] = [];
  // Overflow: RNE/RMM go to infinity; RTZ to max; RDN/RUP depend on the sign.
  const overflow32: Record<string, [number, number]> = {
    RNE: [F(Infinity), F(-Infinity)],
    RTZ: [F32_MAX, F32_MAX | 0x80000000],
    RDN: [F32_MAX, F(-Infinity)],
    RUP: [F(Infinity), (F32_MAX | 0x80000000) >>> 0],
    RMM: [F(Infinity), F(-Infinity)],
  };
  for (const [name, rm] of MODES) {
    const [pos, neg] = overflow32[name];
    vectors.push([`f32 max * 2 ${name}`, () => sf.f32Mul(F32_MAX, F(2), rm), pos, OFNX]);
    vectors.push([`f32 -max - max ${name}`, () => sf.f32Sub((F32_MAX | 0x80000000) >>> 0, F32_MAX, rm), neg >>> 0, OFNX]);
    const p64 = f64Bits(f32Value(BigInt(pos)));
    const n64 = f64Bits(f32Value(BigInt(neg >>> 0)));
    const wantP = isInfBits(B64, p64) ? p64 : F64_MAX;
    const wantN = isInfBits(B64, n64) ? n64 : F64_MAX | B64.signBit;
    vectors.push([`f64 max + max ${name}`, () => sf.f64Add(F64_MAX, F64_MAX, rm), wantP, OFNX]);
    vectors.push([`f64 max / -0.5 ${name}`, () => sf.f64Div(F64_MAX, D(-0.5), rm), wantN, OFNX]);
    vectors.push([`f64ToF32(f64 max) ${name}`, () => sf.f64ToF32(F64_MAX, rm), pos, OFNX]);
    vectors.push([`f64ToF32(-2^128) ${name}`, () => sf.f64ToF32(D(-(2 ** 128)), rm), neg >>> 0, OFNX]);
  }
  vectors.push(
    // max + half an ulp: a tie, RNE goes to the even neighbour (infinity).
    ['f64 max + ulp/2 RNE -> inf', () => sf.f64Add(F64_MAX, D(2 ** 970), RM.RNE), D(Infinity), OFNX],
    ['f64 max + ulp/2 RTZ -> max, no OF', () => sf.f64Add(F64_MAX, D(2 ** 970), RM.RTZ), F64_MAX, X.NX],
    ['f64 max + ulp/4 RUP -> inf', () => sf.f64Add(F64_MAX, D(2 ** 969), RM.RUP), D(Infinity), OFNX],
    ['f64 max + ulp/4 RNE -> max, no OF', () => sf.f64Add(F64_MAX, D(2 ** 969), RM.RNE), F64_MAX, X.NX],
    ['f32 exact max + 0 -> no flags', () => sf.f32Add(F32_MAX, F(0), RM.RUP), F32_MAX, 0],
    // Underflow.
    ['f32 min subnormal / 2 RNE -> +0 (tie to even)', () => sf.f32Div(F32_MIN_SUB, F(2), RM.RNE), 0, UFNX],
    ['f32 min subnormal / 2 RMM -> min subnormal', () => sf.f32Div(F32_MIN_SUB, F(2), RM.RMM), F32_MIN_SUB, UFNX],
    ['f32 min subnormal / 2 RUP -> min subnormal', () => sf.f32Div(F32_MIN_SUB, F(2), RM.RUP), F32_MIN_SUB, UFNX],
    ['f32 -min subnormal / 2 RUP -> -0', () => sf.f32Div(0x80000001, F(2), RM.RUP), 0x80000000, UFNX],
    ['f32 -min subnormal * 0.75 RDN -> -min subnormal', () => sf.f32Mul(0x80000001, F(0.75), RM.RDN), 0x80000001, UFNX],
    ['f32 3 * min subnormal / 2 RNE -> 2 * min subnormal', () => sf.f32Mul(0x00000003, F(0.5), RM.RNE), 0x00000002, UFNX],
    ['f32 exact subnormal result: no UF', () => sf.f32Mul(0x00000002, F(0.5), RM.RNE), 0x00000001, 0],
    ['f64 exact subnormal sum: no UF', () => sf.f64Add(3n, 5n, RM.RNE), 8n, 0],
    ['f64 min normal - min subnormal: exact subnormal', () => sf.f64Sub(F64_MIN_NORMAL, F64_MIN_SUB, RM.RNE), F64_MIN_NORMAL - 1n, 0],
    // Tininess after rounding: (2^53-1) * 2^-1075 = 2^-1022 - 2^-1075 is exact at 53 bits with an
    // unbounded exponent, so it is tiny, yet it rounds (tie to even) to the smallest normal.
    ['f64 2^-1022 - 2^-1075 RNE -> min normal with UF', () => sf.f64Mul(D(2 - 2 ** -52), D(2 ** -1023), RM.RNE), F64_MIN_NORMAL, UFNX],
    ['f64 2^-1022 - 2^-1075 RTZ -> max subnormal', () => sf.f64Mul(D(2 - 2 ** -52), D(2 ** -1023), RM.RTZ), F64_MIN_NORMAL - 1n, UFNX],
    ['f64 -(2^-1022 - 2^-1075) RDN -> -min normal with UF', () => sf.f64Mul(D(-(2 - 2 ** -52)), D(2 ** -1023), RM.RDN), F64_MIN_NORMAL | B64.signBit, UFNX],
    // 2^-126 - 2^-151 rounds at 24 bits (unbounded exponent) to 2^-126: not tiny, so no UF.
    ['f64ToF32(2^-126 - 2^-151) RNE -> min normal, no UF', () => sf.f64ToF32(D(2 ** -126 - 2 ** -151), RM.RNE), 0x00800000, X.NX],
    ['f64ToF32(2^-126 - 2^-151) RUP -> min normal, no UF', () => sf.f64ToF32(D(2 ** -126 - 2 ** -151), RM.RUP), 0x00800000, X.NX],
    ['f64ToF32(2^-126 - 2^-151) RTZ -> max subnormal, UF', () => sf.f64ToF32(D(2 ** -126 - 2 ** -151), RM.RTZ), 0x007fffff, UFNX],
    ['f64ToF32(2^-126 - 2^-150) RNE -> min normal, UF', () => sf.f64ToF32(D(2 ** -126 - 2 ** -150), RM.RNE), 0x00800000, UFNX],
    ['f64ToF32(2^-126 - 2^-150 - 2^-160) RUP -> min normal, UF', () => sf.f64ToF32(D(2 ** -126 - 2 ** -150 - 2 ** -160), RM.RUP), 0x00800000, UFNX],
    ['f64ToF32(2^-126 - 2^-150 + 2^-160) RUP -> min normal, no UF', () => sf.f64ToF32(D(2 ** -126 - 2 ** -150 + 2 ** -160), RM.RUP), 0x00800000, X.NX],
    ['f64ToF32(f64 min normal) RNE -> +0', () => sf.f64ToF32(F64_MIN_NORMAL, RM.RNE), 0, UFNX],
    ['f64ToF32(f64 min normal) RUP -> f32 min subnormal', () => sf.f64ToF32(F64_MIN_NORMAL, RM.RUP), 1, UFNX],
    ['f64ToF32(-f64 min subnormal) RDN -> -f32 min subnormal', () => sf.f64ToF32(F64_MIN_SUB | B64.signBit, RM.RDN), 0x80000001, UFNX],
    ['f64ToF32(2^-149) exact subnormal, no flags', () => sf.f64ToF32(D(2 ** -149), RM.RNE), 1, 0],
    ['f64ToF32(1 + 2^-24) RNE -> 1 (tie to even)', () => sf.f64ToF32(D(1 + 2 ** -24), RM.RNE), F(1), X.NX],
    ['f64ToF32(1 + 2^-24) RMM -> 1 + 2^-23', () => sf.f64ToF32(D(1 + 2 ** -24), RM.RMM), F(1 + 2 ** -23), X.NX],
    ['f64ToF32(sNaN) -> canonical NV', () => sf.f64ToF32(F64_SNAN, RM.RNE), C32, X.NV],
    ['f64ToF32(qNaN payload) -> canonical', () => sf.f64ToF32(F64_QNAN_PAYLOAD, RM.RNE), C32, 0],
    ['f64ToF32(-inf) -> -inf', () => sf.f64ToF32(D(-Infinity), RM.RTZ), F(-Infinity), 0],
    ['f64ToF32(-0) -> -0', () => sf.f64ToF32(D(-0), RM.RNE), 0x80000000, 0],
    ['f32ToF64(sNaN) -> canonical NV', () => sf.f32ToF64(F32_SNAN), C64, X.NV],
    ['f32ToF64(qNaN payload) -> canonical', () => sf.f32ToF64(F32_QNAN_PAYLOAD), C64, 0],
    ['f32ToF64(min subnormal) exact', () => sf.f32ToF64(F32_MIN_SUB), D(2 ** -149), 0],
    ['f32ToF64(-max) exact', () => sf.f32ToF64((F32_MAX | 0x80000000) >>> 0), D(-f32Value(BigInt(F32_MAX))), 0],
  );
  it.each(vectors)('%s', (_name, fn, want, wantFlags) => {
    const [got, flags] = withFlags(fn);
    expect(got).toBe(want);
    expect(flags).toBe(wantFlags);
  });
});

describe('signed zeros and fma', () => {
  for (const [name, rm] of MODES) {
    const z32 = rm === RM.RDN ? 0x80000000 : 0;
    const z64 = rm === RM.RDN ? B64.signBit : 0n;
    it(`${name}: x + (-x), x - x, +0 + -0, fma cancellations`, () => {
      const cases: [() => number | bigint, number | bigint][] = [
        [() => sf.f32Add(F(1.5), F(-1.5), rm), z32],
        [() => sf.f32Sub(F(3), F(3), rm), z32],
        [() => sf.f32Add(F(0), F(-0), rm), z32],
        [() => sf.f32Sub(F(-0), F(-0), rm), z32],
        [() => sf.f32Add(F(-0), F(-0), rm), 0x80000000],
        [() => sf.f32Sub(F(-0), F(0), rm), 0x80000000],
        [() => sf.f32Add(F(0), F(0), rm), 0],
        [() => sf.f64Add(D(-7), D(7), rm), z64],
        [() => sf.f64Sub(F64_MIN_SUB, F64_MIN_SUB, rm), z64],
        [() => sf.f64Add(D(-0), D(-0), rm), B64.signBit],
        [() => sf.f64Add(D(0), D(-0), rm), z64],
        // fma: exact zero from a nonzero product and addend.
        [() => sf.f32MulAdd(F(2), F(3), F(-6), rm), z32],
        [() => sf.f64MulAdd(D(-2), D(3), D(6), rm), z64],
        // fma: zero product plus zero addend.
        [() => sf.f64MulAdd(D(-0), D(5), D(0), rm), z64], // -0 + +0
        [() => sf.f64MulAdd(D(-0), D(5), D(-0), rm), B64.signBit], // -0 + -0
        [() => sf.f64MulAdd(D(-3), D(-0), D(0), rm), 0n], // +0 + +0
        [() => sf.f32MulAdd(F(0), F(-1), F(-0), rm), 0x80000000],
        // Zero product plus nonzero addend is the addend exactly.
        [() => sf.f64MulAdd(D(0), D(-1), D(2.5), rm), D(2.5)],
        // Products and quotients of zeros: sign is the XOR.
        [() => sf.f64Mul(D(-0), D(3), rm), B64.signBit],
        [() => sf.f32Div(F(-0), F(-3), rm), 0],
      ];
      for (const [fn, want] of cases) {
        const [got, flags] = withFlags(fn);
        expect(got).toBe(want);
        expect(flags).toBe(0);
      }
    });
  }

  it('fma rounds once: a*b + c where a*b alone is inexact', () => {
    // (1 + 2^-52)^2 - (1 + 2^-51) = 2^-104, exactly; a separate multiply would give 0.
    const a = D(1 + 2 ** -52);
    const [r, flags] = withFlags(() => sf.f64MulAdd(a, a, D(-(1 + 2 ** -51)), RM.RNE));
    expect(r).toBe(D(2 ** -104));
    expect(flags).toBe(0);
    const [r32, flags32] = withFlags(() => sf.f32MulAdd(F(1 + 2 ** -23), F(1 + 2 ** -23), F(-(1 + 2 ** -22)), RM.RNE));
    expect(r32).toBe(F(2 ** -46));
    expect(flags32).toBe(0);
    // 0.1 * 10 - 1 = 2^-54 exactly for the binary64 value nearest 0.1.
    const [r2, flags2] = withFlags(() => sf.f64MulAdd(D(0.1), D(10), D(-1), RM.RNE));
    expect(r2).toBe(D(2 ** -54));
    expect(flags2).toBe(0);
  });

  it('fma: inexact sum rounds per mode', () => {
    // 1 * 1 + 2^-60: just above 1.
    const c = D(2 ** -60);
    const results = MODES.map(([, rm]) => withFlags(() => sf.f64MulAdd(D(1), D(1), c, rm)));
    expect(results.map(([v]) => v)).toEqual([D(1), D(1), D(1), D(1 + 2 ** -52), D(1)]);
    expect(results.every(([, fl]) => fl === X.NX)).toBe(true);
  });

  it('fma: product overflow rescued by cancellation is exact', () => {
    // max * 2 - max = max, with no overflow since only the final result is rounded.
    const [r, flags] = withFlags(() => sf.f64MulAdd(F64_MAX, D(2), F64_MAX | B64.signBit, RM.RNE));
    expect(r).toBe(F64_MAX);
    expect(flags).toBe(0);
    const [r32, flags32] = withFlags(() => sf.f32MulAdd(F32_MAX, F(2), (F32_MAX | 0x80000000) >>> 0, RM.RNE));
    expect(r32).toBe(F32_MAX);
    expect(flags32).toBe(0);
  });
});

describe('fmin/fmax', () => {
  type V = [string, () => number | bigint, number | bigint, number];
  const vectors: V[] = [
    ['f32 min(-0, +0) -> -0', () => sf.f32Min(F(-0), F(0)), 0x80000000, 0],
    ['f32 min(+0, -0) -> -0', () => sf.f32Min(F(0), F(-0)), 0x80000000, 0],
    ['f32 max(-0, +0) -> +0', () => sf.f32Max(F(-0), F(0)), 0, 0],
    ['f32 max(+0, -0) -> +0', () => sf.f32Max(F(0), F(-0)), 0, 0],
    ['f32 min(qNaN, 1) -> 1', () => sf.f32Min(F32_QNAN_PAYLOAD, F(1)), F(1), 0],
    ['f32 max(-1, qNaN) -> -1', () => sf.f32Max(F(-1), F32_QNAN_PAYLOAD), F(-1), 0],
    ['f32 min(sNaN, 1) -> 1, NV', () => sf.f32Min(F32_SNAN, F(1)), F(1), X.NV],
    ['f32 max(2, sNaN) -> 2, NV', () => sf.f32Max(F(2), F32_SNAN), F(2), X.NV],
    ['f32 min(qNaN, qNaN) -> canonical', () => sf.f32Min(F32_QNAN_PAYLOAD, 0x7fc00001), C32, 0],
    ['f32 max(sNaN, qNaN) -> canonical, NV', () => sf.f32Max(F32_SNAN, F32_QNAN_PAYLOAD), C32, X.NV],
    ['f32 min(-inf, -max) -> -inf', () => sf.f32Min(F(-Infinity), (F32_MAX | 0x80000000) >>> 0), F(-Infinity), 0],
    ['f32 max(min subnormal, +0) -> min subnormal', () => sf.f32Max(F32_MIN_SUB, 0), F32_MIN_SUB, 0],
    ['f32 min(-3, -2) -> -3', () => sf.f32Min(F(-2), F(-3)), F(-3), 0],
    ['f32 max(-3, -2) -> -2', () => sf.f32Max(F(-3), F(-2)), F(-2), 0],
    ['f64 min(-0, +0) -> -0', () => sf.f64Min(D(0), D(-0)), B64.signBit, 0],
    ['f64 max(-0, +0) -> +0', () => sf.f64Max(D(-0), D(0)), 0n, 0],
    ['f64 min(qNaN, -7) -> -7', () => sf.f64Min(F64_QNAN_PAYLOAD, D(-7)), D(-7), 0],
    ['f64 max(sNaN, 5) -> 5, NV', () => sf.f64Max(F64_SNAN, D(5)), D(5), X.NV],
    ['f64 min(sNaN, sNaN) -> canonical, NV', () => sf.f64Min(F64_SNAN, F64_SNAN | B64.signBit), C64, X.NV],
    ['f64 max(qNaN, qNaN) -> canonical', () => sf.f64Max(F64_QNAN_PAYLOAD, C64), C64, 0],
    ['f64 max(inf, max) -> inf', () => sf.f64Max(F64_MAX, D(Infinity)), D(Infinity), 0],
    ['f64 min(1, 1 + ulp) -> 1', () => sf.f64Min(D(1) + 1n, D(1)), D(1), 0],
  ];
  it.each(vectors)('%s', (_name, fn, want, wantFlags) => {
    const [got, flags] = withFlags(fn);
    expect(got).toBe(want);
    expect(flags).toBe(wantFlags);
  });
});

describe('comparisons', () => {
  type V = [string, () => boolean, boolean, number];
  const vectors: V[] = [
    ['f32 eq(-0, +0)', () => sf.f32Eq(F(-0), F(0)), true, 0],
    ['f32 lt(-0, +0)', () => sf.f32Lt(F(-0), F(0)), false, 0],
    ['f32 le(+0, -0)', () => sf.f32Le(F(0), F(-0)), true, 0],
    ['f32 eq(qNaN, qNaN) quiet', () => sf.f32Eq(C32, C32), false, 0],
    ['f32 eq(sNaN, 1) NV', () => sf.f32Eq(F32_SNAN, F(1)), false, X.NV],
    ['f32 lt(qNaN, 1) signals', () => sf.f32Lt(C32, F(1)), false, X.NV],
    ['f32 le(1, qNaN) signals', () => sf.f32Le(F(1), C32), false, X.NV],
    ['f32 lt(-inf, -max)', () => sf.f32Lt(F(-Infinity), (F32_MAX | 0x80000000) >>> 0), true, 0],
    ['f32 lt(-2, -1)', () => sf.f32Lt(F(-2), F(-1)), true, 0],
    ['f32 lt(-1, -2)', () => sf.f32Lt(F(-1), F(-2)), false, 0],
    ['f32 le(-1, -1)', () => sf.f32Le(F(-1), F(-1)), true, 0],
    ['f32 lt(min subnormal, 1)', () => sf.f32Lt(F32_MIN_SUB, F(1)), true, 0],
    ['f32 eq(inf, inf)', () => sf.f32Eq(F(Infinity), F(Infinity)), true, 0],
    ['f64 eq(-0, +0)', () => sf.f64Eq(D(-0), D(0)), true, 0],
    ['f64 le(-0, +0)', () => sf.f64Le(D(-0), D(0)), true, 0],
    ['f64 lt(+0, -0)', () => sf.f64Lt(D(0), D(-0)), false, 0],
    ['f64 eq(qNaN, 1) quiet', () => sf.f64Eq(F64_QNAN_PAYLOAD, D(1)), false, 0],
    ['f64 eq(1, sNaN) NV', () => sf.f64Eq(D(1), F64_SNAN), false, X.NV],
    ['f64 lt(qNaN, qNaN) signals', () => sf.f64Lt(C64, C64), false, X.NV],
    ['f64 le(sNaN, 1) signals', () => sf.f64Le(F64_SNAN, D(1)), false, X.NV],
    ['f64 lt(-3, 2)', () => sf.f64Lt(D(-3), D(2)), true, 0],
    ['f64 le(2, -3)', () => sf.f64Le(D(2), D(-3)), false, 0],
    ['f64 lt(max, inf)', () => sf.f64Lt(F64_MAX, D(Infinity)), true, 0],
  ];
  it.each(vectors)('%s', (_name, fn, want, wantFlags) => {
    const [got, flags] = withFlags(fn);
    expect(got).toBe(want);
    expect(flags).toBe(wantFlags);
  });

  it('random comparisons agree with the host', () => {
    const r = new Rng(5150);
    for (let i = 0; i < 4000; i++) {
      const f = i & 1 ? B32 : B64;
      const ops = opsOf(f);
      const a = randAny(f, r);
      const b = r.int(4) === 0 ? a ^ (r.int(2) ? f.signBit : 0n) : randAny(f, r);
      const x = hostValue(f, a);
      const y = hostValue(f, b);
      expect(ops.eq(a, b)).toBe(x === y);
      expect(ops.lt(a, b)).toBe(x < y);
      expect(ops.le(a, b)).toBe(x <= y);
    }
  });
});

describe('fclass', () => {
  const classes32: [string, number, number][] = [
    ['-inf', F(-Infinity), 1 << 0],
    ['-normal', F(-1.5), 1 << 1],
    ['-subnormal', 0x807fffff, 1 << 2],
    ['-0', 0x80000000, 1 << 3],
    ['+0', 0, 1 << 4],
    ['+subnormal', F32_MIN_SUB, 1 << 5],
    ['+normal', 0x00800000, 1 << 6],
    ['+inf', F(Infinity), 1 << 7],
    ['sNaN', F32_SNAN, 1 << 8],
    ['-sNaN', 0xffbfffff, 1 << 8],
    ['qNaN', C32, 1 << 9],
    ['-qNaN payload', F32_QNAN_PAYLOAD, 1 << 9],
  ];
  it.each(classes32)('f32 %s', (_n, bits, mask) => {
    const [got, flags] = withFlags(() => sf.f32Classify(bits));
    expect(got).toBe(mask);
    expect(flags).toBe(0);
  });
  const classes64: [string, bigint, number][] = [
    ['-inf', D(-Infinity), 1 << 0],
    ['-normal', D(-Number.MAX_VALUE), 1 << 1],
    ['-subnormal', B64.signBit | 0x000fffffffffffffn, 1 << 2],
    ['-0', B64.signBit, 1 << 3],
    ['+0', 0n, 1 << 4],
    ['+subnormal', F64_MIN_SUB, 1 << 5],
    ['+normal', F64_MIN_NORMAL, 1 << 6],
    ['+inf', D(Infinity), 1 << 7],
    ['sNaN', F64_SNAN, 1 << 8],
    ['qNaN', C64, 1 << 9],
    ['-qNaN payload', F64_QNAN_PAYLOAD, 1 << 9],
  ];
  it.each(classes64)('f64 %s', (_n, bits, mask) => {
    expect(sf.f64Classify(bits)).toBe(mask);
  });
});

describe('conversions to integer', () => {
  // [description, call, expected result encoding, flags]
  type V = [string, () => number | bigint, number | bigint, number];
  const vectors: V[] = [];
  const add = (name: string, fn: () => number | bigint, want: number | bigint, flags: number) => vectors.push([name, fn, want, flags]);
  const I32_MAX = 0x7fffffff;
  const I32_MIN = -0x80000000;
  const U32_MAX = -1; // 0xffffffff as a signed int32 number
  const I64_MAX = (1n << 63n) - 1n;
  const I64_MIN = 1n << 63n; // pattern
  const U64_MAX = (1n << 64n) - 1n;
  for (const [name, rm] of MODES) {
    // NaN, infinities.
    add(`f32ToI32(NaN) ${name}`, () => sf.f32ToI32(C32, rm), I32_MAX, X.NV);
    add(`f32ToI32(-NaN) ${name}`, () => sf.f32ToI32(F32_QNAN_PAYLOAD, rm), I32_MAX, X.NV);
    add(`f32ToU32(NaN) ${name}`, () => sf.f32ToU32(F32_SNAN, rm), U32_MAX, X.NV);
    add(`f64ToI64(NaN) ${name}`, () => sf.f64ToI64(C64, rm), I64_MAX, X.NV);
    add(`f64ToU64(NaN) ${name}`, () => sf.f64ToU64(F64_QNAN_PAYLOAD, rm), U64_MAX, X.NV);
    add(`f64ToI32(+inf) ${name}`, () => sf.f64ToI32(D(Infinity), rm), I32_MAX, X.NV);
    add(`f64ToI32(-inf) ${name}`, () => sf.f64ToI32(D(-Infinity), rm), I32_MIN, X.NV);
    add(`f64ToU32(-inf) ${name}`, () => sf.f64ToU32(D(-Infinity), rm), 0, X.NV);
    add(`f32ToU64(+inf) ${name}`, () => sf.f32ToU64(F(Infinity), rm), U64_MAX, X.NV);
    add(`f32ToI64(-inf) ${name}`, () => sf.f32ToI64(F(-Infinity), rm), I64_MIN, X.NV);
    add(`f32ToU64(-inf) ${name}`, () => sf.f32ToU64(F(-Infinity), rm), 0n, X.NV);
    // Range ends.
    add(`f32ToI32(2^31) ${name}`, () => sf.f32ToI32(F(2 ** 31), rm), I32_MAX, X.NV);
    add(`f32ToI32(-2^31) ${name}`, () => sf.f32ToI32(F(-(2 ** 31)), rm), I32_MIN, 0);
    add(`f64ToI32(2^31 - 1) ${name}`, () => sf.f64ToI32(D(2 ** 31 - 1), rm), I32_MAX, 0);
    add(`f64ToI32(2^31) ${name}`, () => sf.f64ToI32(D(2 ** 31), rm), I32_MAX, X.NV);
    add(`f64ToI32(-2^31 - 1) ${name}`, () => sf.f64ToI32(D(-(2 ** 31) - 1), rm), I32_MIN, X.NV);
    add(`f64ToU32(2^32 - 1) ${name}`, () => sf.f64ToU32(D(2 ** 32 - 1), rm), U32_MAX, 0);
    add(`f64ToU32(2^32) ${name}`, () => sf.f64ToU32(D(2 ** 32), rm), U32_MAX, X.NV);
    add(`f64ToU32(2^31) ${name}`, () => sf.f64ToU32(D(2 ** 31), rm), I32_MIN, 0); // 0x80000000 as int32
    add(`f32ToU32(-1) ${name}`, () => sf.f32ToU32(F(-1), rm), 0, X.NV);
    add(`f32ToI64(2^63) ${name}`, () => sf.f32ToI64(F(2 ** 63), rm), I64_MAX, X.NV);
    add(`f32ToI64(-2^63) ${name}`, () => sf.f32ToI64(F(-(2 ** 63)), rm), I64_MIN, 0);
    add(`f64ToI64(2^63) ${name}`, () => sf.f64ToI64(D(2 ** 63), rm), I64_MAX, X.NV);
    add(`f64ToI64(-2^63) ${name}`, () => sf.f64ToI64(D(-(2 ** 63)), rm), I64_MIN, 0);
    add(`f64ToI64(-2^63 - 2^11) ${name}`, () => sf.f64ToI64(D(-(2 ** 63) - 2 ** 11), rm), I64_MIN, X.NV);
    add(`f64ToI64(2^63 - 2^10) ${name}`, () => sf.f64ToI64(D(2 ** 63 - 2 ** 10), rm), (1n << 63n) - (1n << 10n), 0);
    add(`f64ToU64(2^63) ${name}`, () => sf.f64ToU64(D(2 ** 63), rm), 1n << 63n, 0);
    add(`f64ToU64(2^64) ${name}`, () => sf.f64ToU64(D(2 ** 64), rm), U64_MAX, X.NV);
    add(`f32ToU64(2^64 - 2^40) ${name}`, () => sf.f32ToU64(F(2 ** 64 - 2 ** 40), rm), (1n << 64n) - (1n << 40n), 0);
    add(`f64ToU64(f64 max) ${name}`, () => sf.f64ToU64(F64_MAX, rm), U64_MAX, X.NV);
    add(`f64ToI32(-f64 max) ${name}`, () => sf.f64ToI32(F64_MAX | B64.signBit, rm), I32_MIN, X.NV);
    add(`f64ToU32(-0) ${name}`, () => sf.f64ToU32(D(-0), rm), 0, 0);
    add(`f32ToI64(-0) ${name}`, () => sf.f32ToI64(F(-0), rm), 0n, 0);
    add(`f32ToU32(min subnormal) ${name}`, () => sf.f32ToU32(F32_MIN_SUB, rm), rm === RM.RUP ? 1 : 0, X.NX);
  }
  // -0.5 to unsigned: rounds to 0 (NX only) or to -1 (out of range: NV only).
  const negHalf: Record<string, [number, number]> = {
    RNE: [0, X.NX],
    RTZ: [0, X.NX],
    RDN: [0, X.NV],
    RUP: [0, X.NX],
    RMM: [0, X.NV],
  };
  for (const [name, rm] of MODES) {
    const [v, fl] = negHalf[name];
    add(`f32ToU32(-0.5) ${name}`, () => sf.f32ToU32(F(-0.5), rm), v, fl);
    add(`f64ToU32(-0.5) ${name}`, () => sf.f64ToU32(D(-0.5), rm), v, fl);
    add(`f32ToU64(-0.5) ${name}`, () => sf.f32ToU64(F(-0.5), rm), BigInt(v), fl);
    add(`f64ToU64(-0.5) ${name}`, () => sf.f64ToU64(D(-0.5), rm), BigInt(v), fl);
  }
  // Rounding of halves and near-limits in each mode: [value, RNE, RTZ, RDN, RUP, RMM].
  const halves: [number, number[]][] = [
    [2.5, [2, 2, 2, 3, 3]],
    [-2.5, [-2, -2, -3, -2, -3]],
    [3.5, [4, 3, 3, 4, 4]],
    [-0.5, [0, 0, -1, 0, -1]],
    [0.75, [1, 0, 0, 1, 1]],
    [-1.25, [-1, -1, -2, -1, -1]],
  ];
  for (const [x, wants] of halves) {
    MODES.forEach(([name, rm], k) => {
      add(`f64ToI32(${x}) ${name}`, () => sf.f64ToI32(D(x), rm), wants[k] | 0, X.NX);
      add(`f32ToI64(${x}) ${name}`, () => sf.f32ToI64(F(x), rm), BigInt.asUintN(64, BigInt(wants[k])), X.NX);
    });
  }
  // Near 2^31 and -2^31 - 1: the rounded value decides the range.
  const near: [string, number, (number | null)[]][] = [
    // 2^31 - 0.5: RNE ties to 2^31 (even): out of range; RMM away: out of range.
    ['2^31 - 0.5', 2 ** 31 - 0.5, [null, I32_MAX, I32_MAX, null, null]],
    // -2^31 - 0.5: RNE ties to -2^31 (even): in range; RDN and RMM: out of range.
    ['-2^31 - 0.5', -(2 ** 31) - 0.5, [I32_MIN, I32_MIN, null, I32_MIN, null]],
    ['-2^31 - 0.25', -(2 ** 31) - 0.25, [I32_MIN, I32_MIN, null, I32_MIN, I32_MIN]],
  ];
  for (const [label, x, wants] of near) {
    MODES.forEach(([name, rm], k) => {
      const w = wants[k];
      const want = w ?? (x > 0 ? I32_MAX : I32_MIN);
      add(`f64ToI32(${label}) ${name}`, () => sf.f64ToI32(D(x), rm), want, w === null ? X.NV : X.NX);
    });
  }
  // 2^32 - 0.5 to unsigned 32.
  MODES.forEach(([name, rm], k) => {
    const out = [true, false, false, true, true][k];
    add(`f64ToU32(2^32 - 0.5) ${name}`, () => sf.f64ToU32(D(2 ** 32 - 0.5), rm), U32_MAX, out ? X.NV : X.NX);
  });
  it.each(vectors)('%s', (_name, fn, want, wantFlags) => {
    const [got, flags] = withFlags(fn);
    expect(got).toBe(want);
    expect(flags).toBe(wantFlags);
  });
});

describe('conversions from integer', () => {
  type V = [string, () => number | bigint, number | bigint, number];
  const vectors: V[] = [
    ['i32ToF32(0) RDN -> +0', () => sf.i32ToF32(0, RM.RDN), 0, 0],
    ['i64ToF64(0) RDN -> +0', () => sf.i64ToF64(0n, RM.RDN), 0n, 0],
    ['i32ToF32(-2^31) exact', () => sf.i32ToF32(-0x80000000, RM.RNE), F(-(2 ** 31)), 0],
    ['i32ToF32(2^24 + 1) RNE -> 2^24', () => sf.i32ToF32(2 ** 24 + 1, RM.RNE), F(2 ** 24), X.NX],
    ['i32ToF32(2^24 + 1) RUP -> 2^24 + 2', () => sf.i32ToF32(2 ** 24 + 1, RM.RUP), F(2 ** 24 + 2), X.NX],
    ['i32ToF32(2^24 + 3) RNE -> 2^24 + 4', () => sf.i32ToF32(2 ** 24 + 3, RM.RNE), F(2 ** 24 + 4), X.NX],
    ['i32ToF32(-(2^24 + 1)) RMM -> -(2^24 + 2)', () => sf.i32ToF32(-(2 ** 24 + 1), RM.RMM), F(-(2 ** 24 + 2)), X.NX],
    ['i32ToF32(-(2^24 + 1)) RDN', () => sf.i32ToF32(-(2 ** 24 + 1), RM.RDN), F(-(2 ** 24 + 2)), X.NX],
    ['i32ToF32(2^31 - 1) RTZ', () => sf.i32ToF32(0x7fffffff, RM.RTZ), F(2 ** 31 - 128), X.NX],
    ['u32ToF32(2^32 - 1) RNE -> 2^32', () => sf.u32ToF32(0xffffffff, RM.RNE), F(2 ** 32), X.NX],
    ['u32ToF32(2^32 - 1) RTZ', () => sf.u32ToF32(0xffffffff, RM.RTZ), F(2 ** 32 - 256), X.NX],
    ['u32ToF64(2^32 - 1) exact', () => sf.u32ToF64(0xffffffff, RM.RNE), D(2 ** 32 - 1), 0],
    ['i32ToF64(-2^31) exact', () => sf.i32ToF64(-0x80000000, RM.RNE), D(-(2 ** 31)), 0],
    ['u64ToF32(2^64 - 1) RNE -> 2^64', () => sf.u64ToF32((1n << 64n) - 1n, RM.RNE), F(2 ** 64), X.NX],
    ['u64ToF32(2^64 - 1) RTZ', () => sf.u64ToF32((1n << 64n) - 1n, RM.RTZ), 0x5f7fffff, X.NX],
    ['u64ToF64(2^64 - 1) RNE -> 2^64', () => sf.u64ToF64((1n << 64n) - 1n, RM.RNE), D(2 ** 64), X.NX],
    ['u64ToF64(2^64 - 1) RDN', () => sf.u64ToF64((1n << 64n) - 1n, RM.RDN), D(2 ** 64 - 2 ** 11), X.NX],
    ['i64ToF64(-2^63) exact', () => sf.i64ToF64(-(1n << 63n), RM.RNE), D(-(2 ** 63)), 0],
    ['i64ToF64(2^63 pattern) is -2^63', () => sf.i64ToF64(1n << 63n, RM.RNE), D(-(2 ** 63)), 0],
    ['i64ToF64(2^53 + 1) RNE -> 2^53', () => sf.i64ToF64((1n << 53n) + 1n, RM.RNE), D(2 ** 53), X.NX],
    ['i64ToF64(2^53 + 1) RMM -> 2^53 + 2', () => sf.i64ToF64((1n << 53n) + 1n, RM.RMM), D(2 ** 53 + 2), X.NX],
    ['i64ToF64(-1) exact', () => sf.i64ToF64(-1n, RM.RNE), D(-1), 0],
    ['i64ToF32(-(2^63 - 1)) RUP', () => sf.i64ToF32(-((1n << 63n) - 1n), RM.RUP), F(-(2 ** 63 - 2 ** 39)), X.NX],
    ['i64ToF32(-(2^63 - 1)) RNE', () => sf.i64ToF32(-((1n << 63n) - 1n), RM.RNE), F(-(2 ** 63)), X.NX],
  ];
  it.each(vectors)('%s', (_name, fn, want, wantFlags) => {
    const [got, flags] = withFlags(fn);
    expect(got).toBe(want);
    expect(flags).toBe(wantFlags);
  });
});
