// Checks of a saved state that comes from outside (a recording's snapshot), before it is restored.
// restore() trusts its input, which is right for our own checkpoints; a recording is a stranger's
// file, so every field of the state it holds is checked first: its type, its size and its range,
// against the machine it goes into. Each state's shape is checked beside the state (Hart, each
// device, the machine) with these helpers; a violation is a StateError whose message names the path
// to the field: `harts[1].scalars.pcLo: expected an int32, got "x"`.
//
// The checks never allocate from a number they read and never recurse on the input's structure.

export class StateError extends Error {
  override name = 'StateError';
}

/** What a value is, in a few words, for an error message (strings are quoted and shortened). */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v.length > 24 ? `${v.slice(0, 24)}...` : v);
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v instanceof Int32Array) return `an Int32Array of ${v.length}`;
  if (v instanceof Uint8Array) return `a Uint8Array of ${v.length}`;
  if (Array.isArray(v)) return `an array of ${v.length}`;
  return typeof v === 'object' ? 'an object' : typeof v;
}

export function fail(path: string, expected: string, got: unknown): never {
  throw new StateError(`${path}: expected ${expected}, got ${describeValue(got)}`);
}

/** A plain object with exactly these fields (none missing, none unknown). */
export function fields(v: unknown, path: string, names: readonly string[]): Readonly<Record<string, unknown>> {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || ArrayBuffer.isView(v)) fail(path, 'an object', v);
  const o = v as Record<string, unknown>;
  for (const k of names) if (!Object.prototype.hasOwnProperty.call(o, k)) throw new StateError(`${path}.${k}: missing`);
  if (Object.keys(o).length !== names.length) {
    const extra = Object.keys(o).find((k) => !names.includes(k));
    throw new StateError(`${path}.${extra}: not a field of this state`);
  }
  return o;
}

/** An array of exactly `length` elements, or (with `max`) of at most `max`. */
export function array(v: unknown, path: string, length: number | { max: number }): readonly unknown[] {
  if (!Array.isArray(v)) fail(path, 'an array', v);
  if (typeof length === 'number' ? v.length !== length : v.length > length.max) {
    fail(path, typeof length === 'number' ? `an array of ${length}` : `an array of at most ${length.max}`, v);
  }
  return v;
}

/** An integer in [min, max]. */
export function integer(v: unknown, path: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(path, `an integer in ${min}..${max}`, v);
  return v;
}

export function int32(v: unknown, path: string): number {
  if (typeof v !== 'number' || (v | 0) !== v || Object.is(v, -0)) fail(path, 'an int32', v);
  return v;
}

export function uint32(v: unknown, path: string): number {
  if (typeof v !== 'number' || v >>> 0 !== v || Object.is(v, -0)) fail(path, 'a uint32', v);
  return v;
}

/** An int32 with no bits set outside `mask` (a WARL register holds only what a write can leave). */
export function bitsWithin(v: unknown, path: string, mask: number): number {
  const n = int32(v, path);
  if ((n & ~mask) !== 0) fail(path, `bits within 0x${(mask >>> 0).toString(16)}`, `0x${(n >>> 0).toString(16)}`);
  return n;
}

export function oneOf<T>(v: unknown, path: string, values: readonly T[]): T {
  if (!values.includes(v as T)) fail(path, `one of ${values.join(', ')}`, v);
  return v as T;
}

export function bool(v: unknown, path: string): boolean {
  if (typeof v !== 'boolean') fail(path, 'a boolean', v);
  return v;
}

export const U64_MAX = (1n << 64n) - 1n;

/** A bigint in [min, max]. */
export function bigint(v: unknown, path: string, min = 0n, max = U64_MAX): bigint {
  if (typeof v !== 'bigint' || v < min || v > max) fail(path, `a bigint in ${min}..${max}`, v);
  return v;
}

/** An Int32Array of exactly `length` elements (its elements are int32 by construction). */
export function int32Array(v: unknown, path: string, length: number): Int32Array {
  if (!(v instanceof Int32Array) || v.length !== length) fail(path, `an Int32Array of ${length}`, v);
  return v;
}

/** Every element of an array passes `ok`; the first that does not is named by its index. */
export function every(v: readonly unknown[], path: string, expected: string, ok: (e: unknown) => boolean): void {
  for (let i = 0; i < v.length; i++) if (!ok(v[i])) fail(`${path}[${i}]`, expected, v[i]);
}

/** Predicates for every(). */
export const isByte = (e: unknown): boolean => typeof e === 'number' && (e & 0xff) === e && !Object.is(e, -0);
export const isUint32 = (e: unknown): boolean => typeof e === 'number' && e >>> 0 === e && !Object.is(e, -0);
export const isBool = (e: unknown): boolean => typeof e === 'boolean';
