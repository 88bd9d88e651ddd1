// 64-bit multiply and divide on (lo, hi) Int32 pairs: the M extension's harder cases, kept out of
// the interpreter's loop. Results are left in `out` (lo at 0, hi at 1), so nothing allocates.

export const out = new Int32Array(2);

/** Low 64 bits of a × b (research/perf.md, pitfall 5: exact). */
export function mul(aLo: number, aHi: number, bLo: number, bHi: number): void {
  const lo = Math.imul(aLo, bLo);
  const carry = Math.round(((aLo >>> 0) * (bLo >>> 0) - (lo >>> 0)) * 2.3283064365386963e-10);
  out[0] = lo;
  out[1] = (carry + Math.imul(aLo, bHi) + Math.imul(aHi, bLo)) | 0;
}

const limbsA = new Uint32Array(4);
const limbsB = new Uint32Array(4);
const prod = new Float64Array(8);

/** High 64 bits of the unsigned 128-bit product a × b. */
function mulhuInto(aLo: number, aHi: number, bLo: number, bHi: number): void {
  limbsA[0] = aLo & 0xffff; limbsA[1] = aLo >>> 16; limbsA[2] = aHi & 0xffff; limbsA[3] = aHi >>> 16;
  limbsB[0] = bLo & 0xffff; limbsB[1] = bLo >>> 16; limbsB[2] = bHi & 0xffff; limbsB[3] = bHi >>> 16;
  prod.fill(0);
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 4; j++) prod[i + j] += limbsA[i] * limbsB[j];
  }
  // Carry-propagate in 16-bit limbs (each partial sum < 2^35, exact in a double).
  let carry = 0;
  for (let k = 0; k < 8; k++) {
    const v = prod[k] + carry;
    const limb = v % 65536;
    prod[k] = limb;
    carry = (v - limb) / 65536;
  }
  out[0] = (prod[4] + prod[5] * 65536) | 0;
  out[1] = (prod[6] + prod[7] * 65536) | 0;
}

export function mulhu(aLo: number, aHi: number, bLo: number, bHi: number): void {
  mulhuInto(aLo, aHi, bLo, bHi);
}

/** High 64 bits of signed × signed: the unsigned product corrected by subtracting b if a < 0, a if b < 0. */
export function mulh(aLo: number, aHi: number, bLo: number, bHi: number): void {
  mulhuInto(aLo, aHi, bLo, bHi);
  if (aHi < 0) sub64(bLo, bHi);
  if (bHi < 0) sub64(aLo, aHi);
}

/** High 64 bits of signed a × unsigned b. */
export function mulhsu(aLo: number, aHi: number, bLo: number, bHi: number): void {
  mulhuInto(aLo, aHi, bLo, bHi);
  if (aHi < 0) sub64(bLo, bHi);
}

function sub64(lo: number, hi: number): void {
  const rLo = (out[0] - lo) | 0;
  out[1] = (out[1] - hi - ((out[0] >>> 0) < (lo >>> 0) ? 1 : 0)) | 0;
  out[0] = rLo;
}

const TWO32 = 4294967296;
/** Values whose magnitude is below 2^53 divide exactly in doubles (trunc(a / b) cannot round up). */
const fitsDouble = (hi: number): boolean => hi >= -0x200000 && hi < 0x200000;
const fitsDoubleUnsigned = (hi: number): boolean => hi >>> 0 < 0x200000;

function setNumber(v: number): void {
  out[0] = v | 0; // ToInt32 wraps modulo 2^32 exactly for integers below 2^53
  out[1] = Math.floor(v / TWO32) | 0;
}

function setBig(v: bigint): void {
  const u = BigInt.asUintN(64, v);
  out[0] = Number(u & 0xffffffffn) | 0;
  out[1] = Number(u >> 32n) | 0;
}

const big = (lo: number, hi: number): bigint => (BigInt(hi) << 32n) | BigInt(lo >>> 0);
const bigU = (lo: number, hi: number): bigint => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);

/**
 * Signed division or remainder (unprivileged spec, "Division Operations"): x / 0 = -1 and x % 0 = x;
 * the overflow case -2^63 / -1 = -2^63 with remainder 0.
 */
export function div(aLo: number, aHi: number, bLo: number, bHi: number, remainder: boolean): void {
  if ((bLo | bHi) === 0) {
    if (remainder) { out[0] = aLo; out[1] = aHi; } else { out[0] = -1; out[1] = -1; }
    return;
  }
  if (fitsDouble(aHi) && fitsDouble(bHi)) {
    const a = aHi * TWO32 + (aLo >>> 0);
    const b = bHi * TWO32 + (bLo >>> 0);
    const q = Math.trunc(a / b);
    setNumber(remainder ? a - q * b : q);
    return;
  }
  if (aLo === 0 && aHi === (0x80000000 | 0) && bLo === -1 && bHi === -1) {
    if (remainder) { out[0] = 0; out[1] = 0; } else { out[0] = aLo; out[1] = aHi; }
    return;
  }
  const a = big(aLo, aHi);
  const b = big(bLo, bHi);
  setBig(remainder ? a % b : a / b);
}

/** Unsigned division or remainder: x / 0 = 2^64 - 1 and x % 0 = x. */
export function divu(aLo: number, aHi: number, bLo: number, bHi: number, remainder: boolean): void {
  if ((bLo | bHi) === 0) {
    if (remainder) { out[0] = aLo; out[1] = aHi; } else { out[0] = -1; out[1] = -1; }
    return;
  }
  if (fitsDoubleUnsigned(aHi) && fitsDoubleUnsigned(bHi)) {
    const a = (aHi >>> 0) * TWO32 + (aLo >>> 0);
    const b = (bHi >>> 0) * TWO32 + (bLo >>> 0);
    const q = Math.floor(a / b);
    setNumber(remainder ? a - q * b : q);
    return;
  }
  const a = bigU(aLo, aHi);
  const b = bigU(bLo, bHi);
  setBig(remainder ? a % b : a / b);
}

/** 32-bit signed division or remainder (DIVW, REMW): the result is sign-extended. */
export function divw(a: number, b: number, remainder: boolean): number {
  if (b === 0) return remainder ? a : -1;
  if (a === (0x80000000 | 0) && b === -1) return remainder ? 0 : a;
  return remainder ? a % b | 0 : (a / b) | 0;
}

/** 32-bit unsigned division or remainder (DIVUW, REMUW): the 32-bit result is sign-extended. */
export function divuw(a: number, b: number, remainder: boolean): number {
  const ua = a >>> 0;
  const ub = b >>> 0;
  if (ub === 0) return remainder ? a : -1;
  return remainder ? ua % ub | 0 : Math.floor(ua / ub) | 0;
}
