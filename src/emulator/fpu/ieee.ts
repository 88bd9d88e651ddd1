// The exact IEEE-754 core behind ./softfloat: one binary interchange format is a `Format`; every
// operation unpacks its operands to sign/exponent/significand, computes the exact result with BigInt
// and rounds it once in `roundPack`. RISC-V choices (unprivileged spec, "F" Standard Extension):
// every NaN result is the canonical NaN, tininess is detected after rounding, and conversions to
// integer saturate with NV (table "domains of float-to-integer conversion").

export const enum RoundingMode {
  RNE = 0,
  RTZ = 1,
  RDN = 2,
  RUP = 3,
  RMM = 4,
}

/** The fflags bits. */
export const enum ExceptionFlag {
  NX = 1,
  UF = 2,
  OF = 4,
  DZ = 8,
  NV = 16,
}

let accrued = 0;

export function raise(flags: number): void {
  accrued |= flags;
}

/** The flags accrued since the last call; they are reset to 0. */
export function takeFlags(): number {
  const flags = accrued;
  accrued = 0;
  return flags;
}

/** A binary interchange format; a value's bits are an unsigned bigint of `width` bits. */
export interface Format {
  readonly width: bigint;
  /** Precision p: significand bits including the hidden bit. */
  readonly p: bigint;
  readonly emin: bigint;
  readonly emax: bigint;
  readonly signBit: bigint;
  /** The all-ones biased exponent field. */
  readonly expField: bigint;
  readonly fracMask: bigint;
  readonly quietBit: bigint;
  readonly infinity: bigint;
  readonly canonicalNaN: bigint;
}

function format(expBits: bigint, p: bigint): Format {
  const emax = (1n << (expBits - 1n)) - 1n;
  const fracBits = p - 1n;
  const expField = (1n << expBits) - 1n;
  return {
    width: expBits + p,
    p,
    emin: 1n - emax,
    emax,
    signBit: 1n << (expBits + fracBits),
    expField,
    fracMask: (1n << fracBits) - 1n,
    quietBit: 1n << (fracBits - 1n),
    infinity: expField << fracBits,
    canonicalNaN: (expField << fracBits) | (1n << (fracBits - 1n)),
  };
}

export const BINARY32 = format(8n, 24n);
export const BINARY64 = format(11n, 53n);

export const enum Kind {
  Zero,
  Finite,
  Inf,
  QNaN,
  SNaN,
}

/** A decoded value; for `Finite` it is (-1)^sign * m * 2^e with m > 0, otherwise m = 0. */
export interface Unpacked {
  readonly kind: Kind;
  readonly sign: boolean;
  readonly m: bigint;
  readonly e: bigint;
}

export function unpack(f: Format, bits: bigint): Unpacked {
  const sign = (bits & f.signBit) !== 0n;
  const field = (bits >> (f.p - 1n)) & f.expField;
  const frac = bits & f.fracMask;
  if (field === f.expField) {
    const kind = frac === 0n ? Kind.Inf : (frac & f.quietBit) !== 0n ? Kind.QNaN : Kind.SNaN;
    return { kind, sign, m: 0n, e: 0n };
  }
  if (field === 0n) {
    // Subnormal: no hidden bit, exponent emin.
    if (frac === 0n) return { kind: Kind.Zero, sign, m: 0n, e: 0n };
    return { kind: Kind.Finite, sign, m: frac, e: f.emin - (f.p - 1n) };
  }
  return { kind: Kind.Finite, sign, m: frac | (1n << (f.p - 1n)), e: field - f.emax - (f.p - 1n) };
}

function isNaN(x: Unpacked): boolean {
  return x.kind === Kind.QNaN || x.kind === Kind.SNaN;
}

/** The canonical NaN, with NV if any operand is a signaling NaN. */
function nanResult(f: Format, ...operands: Unpacked[]): bigint {
  if (operands.some((x) => x.kind === Kind.SNaN)) raise(ExceptionFlag.NV);
  return f.canonicalNaN;
}

function invalid(f: Format): bigint {
  raise(ExceptionFlag.NV);
  return f.canonicalNaN;
}

function signed(f: Format, sign: boolean, magnitude: bigint): bigint {
  return sign ? f.signBit | magnitude : magnitude;
}

export function bitLength(m: bigint): bigint {
  return m === 0n ? 0n : BigInt(m.toString(2).length);
}

/**
 * Round (m + δ) * 2^-shift to an integer in mode `rm`, where δ = 0 unless `sticky`, in which case
 * 0 < δ < 1; `negative` is the sign of the value being rounded. Returns the rounded magnitude and
 * whether it is inexact.
 */
export function roundShift(m: bigint, shift: bigint, sticky: boolean, rm: RoundingMode, negative: boolean): [bigint, boolean] {
  if (shift <= 0n) {
    if (sticky) throw new Error('softfloat: sticky bits without guard bits');
    return [m << -shift, false];
  }
  const r = m >> shift;
  const rem = m & ((1n << shift) - 1n);
  if (rem === 0n && !sticky) return [r, false];
  const half = 1n << (shift - 1n);
  let up: boolean;
  switch (rm) {
    case RoundingMode.RNE: up = rem > half || (rem === half && (sticky || (r & 1n) === 1n)); break;
    case RoundingMode.RMM: up = rem >= half; break;
    case RoundingMode.RTZ: up = false; break;
    case RoundingMode.RDN: up = negative; break;
    case RoundingMode.RUP: up = !negative; break;
    default: throw new RangeError(`softfloat: invalid rounding mode ${rm as number}`);
  }
  return [up ? r + 1n : r, true];
}

/**
 * The one rounding step: the value (-1)^sign * (m + δ) * 2^e, where δ = 0 unless `sticky`, in which
 * case 0 < δ < 1 and m carries at least two bits below the result's last place. Raises NX, UF
 * (tiny after rounding and inexact) and OF; returns the bits of the rounded result.
 */
export function roundPack(f: Format, sign: boolean, m: bigint, e: bigint, sticky: boolean, rm: RoundingMode): bigint {
  if (m === 0n && !sticky) return signed(f, sign, 0n);
  const p = f.p;
  // The value lies in [2^E, 2^(E+1)); its last place is 2^q, coarser only in the subnormal range.
  const E = e + bitLength(m) - 1n;
  const qmin = f.emin - (p - 1n);
  let q = E > f.emin ? E - (p - 1n) : qmin;
  let [r, inexact] = roundShift(m, q - e, sticky, rm, sign);
  if (r === 1n << p) {
    r >>= 1n;
    q += 1n;
  }
  if (q + (p - 1n) > f.emax) {
    raise(ExceptionFlag.OF | ExceptionFlag.NX);
    const toInfinity =
      rm === RoundingMode.RNE ||
      rm === RoundingMode.RMM ||
      (rm === RoundingMode.RDN && sign) ||
      (rm === RoundingMode.RUP && !sign);
    return signed(f, sign, toInfinity ? f.infinity : f.infinity - 1n);
  }
  if (inexact) {
    raise(ExceptionFlag.NX);
    // Tiny after rounding: the result rounded to p bits with an unbounded exponent is below 2^emin.
    let tiny = E < f.emin;
    if (E === f.emin - 1n) {
      const [unbounded] = roundShift(m, E - (p - 1n) - e, sticky, rm, sign);
      tiny = unbounded !== 1n << p;
    }
    if (tiny) raise(ExceptionFlag.UF);
  }
  // r < 2^(p-1) only in the subnormal range (q = qmin), where the biased exponent field is 0; a
  // carry into bit p-1 there yields the smallest normal.
  return signed(f, sign, ((q - qmin) << (p - 1n)) + r);
}

/** (-1)^sa * ma * 2^ea + (-1)^sb * mb * 2^eb, exactly, then rounded; m = 0 stands for a zero. */
function sum(f: Format, sa: boolean, ma: bigint, ea: bigint, sb: boolean, mb: bigint, eb: bigint, rm: RoundingMode): bigint {
  const e = ma === 0n ? eb : mb === 0n ? ea : ea < eb ? ea : eb;
  const va = ma << (ea - e);
  const vb = mb << (eb - e);
  const s = (sa ? -va : va) + (sb ? -vb : vb);
  if (s === 0n) {
    // An exact zero sum of opposite-signed operands is +0, except -0 when rounding down.
    return signed(f, sa === sb ? sa : rm === RoundingMode.RDN, 0n);
  }
  return s < 0n ? roundPack(f, true, -s, e, false, rm) : roundPack(f, false, s, e, false, rm);
}

export function add(f: Format, a: bigint, b: bigint, rm: RoundingMode, subtract: boolean): bigint {
  const x = unpack(f, a);
  const y = unpack(f, b);
  if (isNaN(x) || isNaN(y)) return nanResult(f, x, y);
  const sy = y.sign !== subtract;
  if (x.kind === Kind.Inf) {
    if (y.kind === Kind.Inf && x.sign !== sy) return invalid(f);
    return signed(f, x.sign, f.infinity);
  }
  if (y.kind === Kind.Inf) return signed(f, sy, f.infinity);
  return sum(f, x.sign, x.m, x.e, sy, y.m, y.e, rm);
}

export function mul(f: Format, a: bigint, b: bigint, rm: RoundingMode): bigint {
  const x = unpack(f, a);
  const y = unpack(f, b);
  if (isNaN(x) || isNaN(y)) return nanResult(f, x, y);
  const sign = x.sign !== y.sign;
  if (x.kind === Kind.Inf || y.kind === Kind.Inf) {
    if (x.kind === Kind.Zero || y.kind === Kind.Zero) return invalid(f);
    return signed(f, sign, f.infinity);
  }
  if (x.kind === Kind.Zero || y.kind === Kind.Zero) return signed(f, sign, 0n);
  return roundPack(f, sign, x.m * y.m, x.e + y.e, false, rm);
}

export function div(f: Format, a: bigint, b: bigint, rm: RoundingMode): bigint {
  const x = unpack(f, a);
  const y = unpack(f, b);
  if (isNaN(x) || isNaN(y)) return nanResult(f, x, y);
  const sign = x.sign !== y.sign;
  if (x.kind === Kind.Inf) return y.kind === Kind.Inf ? invalid(f) : signed(f, sign, f.infinity);
  if (y.kind === Kind.Inf) return signed(f, sign, 0n);
  if (y.kind === Kind.Zero) {
    if (x.kind === Kind.Zero) return invalid(f);
    raise(ExceptionFlag.DZ);
    return signed(f, sign, f.infinity);
  }
  if (x.kind === Kind.Zero) return signed(f, sign, 0n);
  // Scale the dividend so the quotient has at least p+3 bits; the remainder becomes the sticky bit.
  let k = f.p + 3n + bitLength(y.m) - bitLength(x.m);
  if (k < 0n) k = 0n;
  const n = x.m << k;
  const quotient = n / y.m;
  return roundPack(f, sign, quotient, x.e - y.e - k, quotient * y.m !== n, rm);
}

/** floor(sqrt(n)) by Newton's iteration from above. */
function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = 1n << ((bitLength(n) + 1n) >> 1n);
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

export function sqrt(f: Format, a: bigint, rm: RoundingMode): bigint {
  const x = unpack(f, a);
  if (isNaN(x)) return nanResult(f, x);
  if (x.kind === Kind.Zero) return a; // sqrt(-0) = -0
  if (x.sign) return invalid(f);
  if (x.kind === Kind.Inf) return a;
  // Scale by an even power of two so the root has at least p+3 bits.
  let t = 2n * f.p + 6n - bitLength(x.m);
  if (t < 0n) t = 0n;
  if (((x.e - t) & 1n) !== 0n) t += 1n;
  const n = x.m << t;
  const root = isqrt(n);
  return roundPack(f, false, root, (x.e - t) >> 1n, root * root !== n, rm);
}

/** a * b + c with a single rounding. */
export function mulAdd(f: Format, a: bigint, b: bigint, c: bigint, rm: RoundingMode): bigint {
  const x = unpack(f, a);
  const y = unpack(f, b);
  const z = unpack(f, c);
  if (isNaN(x) || isNaN(y)) return nanResult(f, x, y, z);
  // 0 * inf is invalid even when c is a quiet NaN.
  if ((x.kind === Kind.Inf && y.kind === Kind.Zero) || (x.kind === Kind.Zero && y.kind === Kind.Inf)) return invalid(f);
  if (isNaN(z)) return nanResult(f, z);
  const sp = x.sign !== y.sign;
  if (x.kind === Kind.Inf || y.kind === Kind.Inf) {
    if (z.kind === Kind.Inf && z.sign !== sp) return invalid(f);
    return signed(f, sp, f.infinity);
  }
  if (z.kind === Kind.Inf) return signed(f, z.sign, f.infinity);
  return sum(f, sp, x.m * y.m, x.e + y.e, z.sign, z.m, z.e, rm);
}

/** Order key with -0 = +0 (for comparisons); meaningful for non-NaN values only. */
function numericKey(f: Format, bits: bigint): bigint {
  const magnitude = bits & ~f.signBit;
  return (bits & f.signBit) !== 0n ? -magnitude : magnitude;
}

/** Order key with -0 < +0 (for fmin/fmax). */
function totalKey(f: Format, bits: bigint): bigint {
  const magnitude = bits & ~f.signBit;
  return (bits & f.signBit) !== 0n ? -magnitude - 1n : magnitude;
}

/** fmin/fmax (spec 2.2 and later): a single NaN operand yields the other operand. */
export function minMax(f: Format, a: bigint, b: bigint, max: boolean): bigint {
  const x = unpack(f, a);
  const y = unpack(f, b);
  if (x.kind === Kind.SNaN || y.kind === Kind.SNaN) raise(ExceptionFlag.NV);
  if (isNaN(x)) return isNaN(y) ? f.canonicalNaN : b;
  if (isNaN(y)) return a;
  const aFirst = totalKey(f, a) < totalKey(f, b);
  return aFirst !== max ? a : b;
}

/** feq is quiet (NV only for signaling NaNs); flt and fle are signaling (NV for any NaN). */
export function compare(f: Format, a: bigint, b: bigint, relation: 'eq' | 'lt' | 'le'): boolean {
  const x = unpack(f, a);
  const y = unpack(f, b);
  if (isNaN(x) || isNaN(y)) {
    if (relation !== 'eq' || x.kind === Kind.SNaN || y.kind === Kind.SNaN) raise(ExceptionFlag.NV);
    return false;
  }
  const ka = numericKey(f, a);
  const kb = numericKey(f, b);
  return relation === 'eq' ? ka === kb : relation === 'lt' ? ka < kb : ka <= kb;
}

/** fclass: exactly one of the ten bits is set. */
export function classify(f: Format, a: bigint): number {
  const x = unpack(f, a);
  switch (x.kind) {
    case Kind.Inf: return x.sign ? 1 << 0 : 1 << 7;
    case Kind.Zero: return x.sign ? 1 << 3 : 1 << 4;
    case Kind.SNaN: return 1 << 8;
    case Kind.QNaN: return 1 << 9;
    default: {
      const subnormal = x.m < 1n << (f.p - 1n);
      if (x.sign) return subnormal ? 1 << 2 : 1 << 1;
      return subnormal ? 1 << 5 : 1 << 6;
    }
  }
}

/**
 * Conversion to a `width`-bit integer: NaN and +inf give the largest value, -inf the smallest,
 * and a rounded result outside the range saturates, each with NV only; otherwise NX if inexact.
 * Returns the integer value (negative for signed results).
 */
export function toInt(f: Format, a: bigint, rm: RoundingMode, width: bigint, isSigned: boolean): bigint {
  const x = unpack(f, a);
  const min = isSigned ? -(1n << (width - 1n)) : 0n;
  const max = isSigned ? (1n << (width - 1n)) - 1n : (1n << width) - 1n;
  switch (x.kind) {
    case Kind.QNaN:
    case Kind.SNaN:
      raise(ExceptionFlag.NV);
      return max;
    case Kind.Inf:
      raise(ExceptionFlag.NV);
      return x.sign ? min : max;
    case Kind.Zero:
      return 0n;
    default:
      break;
  }
  if (x.e > width) {
    // |value| >= 2^width: out of range whatever the rounding.
    raise(ExceptionFlag.NV);
    return x.sign ? min : max;
  }
  const [r, inexact] = roundShift(x.m, -x.e, false, rm, x.sign);
  const v = x.sign ? -r : r;
  if (v < min || v > max) {
    raise(ExceptionFlag.NV);
    return v < min ? min : max;
  }
  if (inexact) raise(ExceptionFlag.NX);
  return v;
}

/** Conversion of an integer value; zero converts to +0. */
export function fromInt(f: Format, v: bigint, rm: RoundingMode): bigint {
  return v < 0n ? roundPack(f, true, -v, 0n, false, rm) : roundPack(f, false, v, 0n, false, rm);
}

/** Conversion between formats: NaNs become the canonical NaN (NV for a signaling NaN). */
export function convert(from: Format, to: Format, a: bigint, rm: RoundingMode): bigint {
  const x = unpack(from, a);
  switch (x.kind) {
    case Kind.QNaN:
    case Kind.SNaN:
      return nanResult(to, x);
    case Kind.Inf:
      return signed(to, x.sign, to.infinity);
    case Kind.Zero:
      return signed(to, x.sign, 0n);
    default:
      return roundPack(to, x.sign, x.m, x.e, false, rm);
  }
}
