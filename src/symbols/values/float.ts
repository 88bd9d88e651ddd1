// IEEE 754 floats printed as gdb prints them: printf's %g with the digits that make the value
// round-trip (gdb's floatformat_printf_format: %.9g for binary32, %.17g for binary64, %.36Lg for
// binary128, RISC-V's long double), computed exactly from the bits with BigInt, so a long double
// prints as the target holds it, not as the nearest double.

interface Format { exponentBits: number; fractionBits: number; digits: number }

const FORMATS: Record<number, Format> = {
  4: { exponentBits: 8, fractionBits: 23, digits: 9 },
  8: { exponentBits: 11, fractionBits: 52, digits: 17 },
  16: { exponentBits: 15, fractionBits: 112, digits: 36 },
};

/** A little-endian IEEE float of 4, 8 or 16 bytes as gdb prints it: `1.5`, `0.10000000000000001`, `-0`, `inf`, `nan(0x8000000000000)`. */
export function formatFloatBits(bytes: Uint8Array): string {
  const f = FORMATS[bytes.length];
  if (!f) return `<${bytes.length}-byte float>`;
  let bits = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) bits = (bits << 8n) | BigInt(bytes[i]);
  const sign = (bits >> BigInt(f.exponentBits + f.fractionBits)) & 1n ? '-' : '';
  const exponent = Number((bits >> BigInt(f.fractionBits)) & ((1n << BigInt(f.exponentBits)) - 1n));
  const fraction = bits & ((1n << BigInt(f.fractionBits)) - 1n);
  const bias = (1 << (f.exponentBits - 1)) - 1;
  if (exponent === (1 << f.exponentBits) - 1) return fraction === 0n ? `${sign}inf` : `${sign}nan(0x${fraction.toString(16)})`;
  const significand = exponent === 0 ? fraction : fraction | (1n << BigInt(f.fractionBits));
  const e2 = (exponent === 0 ? 1 : exponent) - bias - f.fractionBits;
  return sign + formatG(significand, e2, f.digits);
}

/** significand * 2^e2 (non-negative) as C's `%.{precision}g`, rounded to nearest, ties to even (as glibc). */
export function formatG(significand: bigint, e2: number, precision: number): string {
  if (significand === 0n) return '0';
  // Exactly: significand * 2^e2 = digits * 10^e10.
  let digits: string;
  let e10: number;
  if (e2 >= 0) { digits = (significand << BigInt(e2)).toString(); e10 = 0; } else { digits = (significand * 5n ** BigInt(-e2)).toString(); e10 = e2; }
  // Round to `precision` significant digits.
  if (digits.length > precision) {
    const cut = digits.length - precision;
    const kept = BigInt(digits.slice(0, precision));
    const rest = digits.slice(precision);
    const half = '5' + '0'.repeat(cut - 1);
    const up = rest > half || (rest === half && (kept & 1n) === 1n);
    digits = (kept + (up ? 1n : 0n)).toString();
    e10 += cut;
    if (digits.length > precision) { digits = digits.slice(0, precision); e10 += 1; }
  }
  const exponent = e10 + digits.length - 1;  // of the first digit
  const trimmed = digits.replace(/0+$/, '') || '0';
  if (exponent < -4 || exponent >= precision) {
    const mantissa = trimmed.length > 1 ? `${trimmed[0]}.${trimmed.slice(1)}` : trimmed;
    const sign = exponent < 0 ? '-' : '+';
    return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  if (exponent < 0) return `0.${'0'.repeat(-exponent - 1)}${trimmed}`;
  if (trimmed.length <= exponent + 1) return trimmed + '0'.repeat(exponent + 1 - trimmed.length);
  return `${trimmed.slice(0, exponent + 1)}.${trimmed.slice(exponent + 1)}`;
}
