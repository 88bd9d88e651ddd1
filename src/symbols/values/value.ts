// Typed values of the program: where a variable's bytes are (memory, registers, the pieces of a
// composite location), and the operations C and gdb apply to them (members, elements, *, &, casts).
// No DWARF is parsed here: types come in as CType objects (dwarf/model.ts), locations as the
// LocationResult the expression evaluator gives. Memory is read lazily, through `Memory`, so a value
// in memory is an address until something needs its bytes.

import { CType, LocationResult, Member, Piece, PointerType, StructType } from '../dwarf/model';

/** The stopped machine's memory (virtual addresses, as the program sees them). */
export interface Memory {
  /** `length` bytes at `address`, or undefined where any of them is not mapped. */
  read(address: bigint, length: number): Uint8Array | undefined;
}

/** A value that cannot be read or an operation C does not allow, in gdb's words. */
export class ValueError extends Error {
  override readonly name = 'ValueError';
}

export interface TypedValue {
  readonly type: CType;
  /** An lvalue in memory: & works, and the Memory view opens here (with `bytes` too once read). */
  readonly address?: bigint;
  /** A bit field: `bitSize` bits from bit `bitOffset` of the bytes at `address` (or of `bytes`). */
  readonly bitOffset?: number;
  readonly bitSize?: number;
  /** The contents when not (only) in memory: registers, stack values, implicit values, results. */
  readonly bytes?: Uint8Array;
  /** With `bytes`: 1 for each byte that is known, 0 for one that is optimized out (a partial location). */
  readonly available?: Uint8Array;
  /** Why the whole value cannot be shown: 'optimized out', 'not available (...)'. */
  readonly unavailable?: string;
  /** The DWARF register number, when the value is a register (for display). */
  readonly register?: number;
  /** A pointer that DW_OP_implicit_pointer describes: it points into the variable of entry `die`. */
  readonly implicitPointer?: { readonly die: number; readonly offset: bigint };
}

/** The value an implicit pointer points to, from the variable whose entry is `die` (the caller knows the scope). */
export type ImplicitPointerResolver = (die: number, offset: bigint, target: CType) => TypedValue;

const MAX_TYPE_DEPTH = 64;

/** `t` without typedefs and qualifiers. */
export function strip(t: CType): CType {
  for (let i = 0; i < MAX_TYPE_DEPTH; i++) {
    if (t.kind !== 'typedef' && t.kind !== 'const' && t.kind !== 'volatile' && t.kind !== 'restrict' && t.kind !== 'atomic') return t;
    t = t.target;
  }
  throw new ValueError(`type 0x${t.id.toString(16)}: typedefs and qualifiers nest deeper than ${MAX_TYPE_DEPTH}`);
}

/** The size of a type in bytes, as sizeof gives it; undefined for void, functions and incomplete types. */
export function sizeOf(t: CType): number | undefined {
  const s = strip(t);
  switch (s.kind) {
    case 'base': case 'pointer': case 'enum': return s.size;
    case 'struct': case 'union': case 'class': return s.incomplete ? undefined : s.size;
    case 'array': {
      if (s.count === undefined) return undefined;
      const element = sizeOf(s.element);
      return element === undefined ? undefined : element * s.count;
    }
    default: return undefined;
  }
}

function sizeOrThrow(t: CType): number {
  const size = sizeOf(t);
  if (size === undefined) throw new ValueError(`Cannot get the size of ${describeKind(t)}.`);
  return size;
}

function describeKind(t: CType): string {
  const s = strip(t);
  return s.kind === 'struct' || s.kind === 'union' || s.kind === 'class' ? `incomplete ${s.kind} ${s.name ?? '{...}'}` : s.kind;
}

export const isPointer = (t: CType): boolean => strip(t).kind === 'pointer';
export const isFloat = (t: CType): boolean => { const s = strip(t); return s.kind === 'base' && s.encoding === 'float'; };
/** Integers in the wide sense C uses for arithmetic: base integers, chars, bools and enums. */
export function isInteger(t: CType): boolean {
  const s = strip(t);
  if (s.kind === 'enum') return true;
  return s.kind === 'base' && s.encoding !== 'float' && s.encoding !== 'complex_float' && s.encoding !== 'other';
}
/** A value that is one number: integer, float or pointer. */
export const isScalar = (t: CType): boolean => isInteger(t) || isFloat(t) || isPointer(t);

/** Whether a type's integers are signed (pointers, bools and unsigned chars are not). */
export function isSigned(t: CType): boolean {
  const s = strip(t);
  if (s.kind === 'enum') return s.signed;
  return s.kind === 'base' && (s.encoding === 'signed' || s.encoding === 'signed_char' || s.encoding === 'float');
}

// ---------------------------------------------------------------------------------------------
// Building values

let nextSyntheticId = -1;
const pointers = new WeakMap<CType, PointerType>();

/** A pointer to `t` (for &): synthesised with a negative id, one per target, 8 bytes (RV64). */
export function pointerTo(t: CType): PointerType {
  let p = pointers.get(t);
  if (!p) {
    p = { kind: 'pointer', id: nextSyntheticId--, size: 8, target: t };
    pointers.set(t, p);
  }
  return p;
}

/** `n` bytes of `v`, little-endian, two's complement (truncated). */
export function littleEndian(v: bigint, n: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = BigInt.asUintN(n * 8, v);
  for (let i = 0; i < n; i++) { out[i] = Number(x & 0xffn); x >>= 8n; }
  return out;
}

/** An rvalue of an integer, enum, bool, char or pointer type holding `v` (truncated to the type's size). */
export function fromInteger(type: CType, v: bigint): TypedValue {
  return { type, bytes: littleEndian(v, sizeOrThrow(type)) };
}

/** An rvalue of a float type (4, 8 or 16 bytes) holding `v`. */
export function fromFloat(type: CType, v: number): TypedValue {
  const size = sizeOrThrow(type);
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  if (size === 4) view.setFloat32(0, v, true);
  else if (size === 8) view.setFloat64(0, v, true);
  else if (size === 16) bytes.set(binary128FromDouble(v));
  else throw new ValueError(`Cannot make a ${size}-byte float.`);
  return { type, bytes };
}

/**
 * The value a location describes (DWARF 5, 2.6.1): one lvalue in memory, one register, or the
 * pieces of a composite location (2.6.1.2) assembled from the least significant bits up. Register
 * pieces take the low bits of the register (RISC-V is little-endian; f0-f31, DWARF 32-63, hold a
 * float NaN-boxed in their low 32 bits). An undefined piece, or a register this frame does not
 * know, leaves its bytes unavailable: the value is partly optimized out.
 */
export function valueFromLocation(
  result: LocationResult, type: CType, registers: (n: number) => bigint | undefined, memory: Memory,
): TypedValue {
  if (result.kind === 'optimized-out') return { type, unavailable: 'optimized out' };
  if (result.kind === 'unavailable') return { type, unavailable: result.reason };
  const pieces = result.pieces;
  if (pieces.length === 1 && pieces[0].sizeBits === undefined) {
    const loc = pieces[0].location;
    switch (loc.kind) {
      case 'memory': return { type, address: loc.address };
      case 'implicit-pointer': return { type, implicitPointer: { die: loc.die, offset: loc.offset } };
      case 'undefined': return { type, unavailable: 'optimized out' };
      case 'register': {
        const r = registers(loc.register);
        if (r === undefined) return { type, unavailable: 'not saved', register: loc.register };
        return { type, bytes: widen(littleEndian(r, 8), sizeOrThrow(type)), register: loc.register };
      }
      case 'value': return { type, bytes: littleEndian(loc.value, sizeOrThrow(type)) };
      case 'implicit': return { type, bytes: widen(loc.bytes, sizeOrThrow(type)) };
    }
  }
  return assemble(pieces, type, registers, memory);
}

/** `bytes` cut or zero-extended to `n` bytes. */
function widen(bytes: Uint8Array, n: number): Uint8Array {
  const out = new Uint8Array(n);
  out.set(bytes.subarray(0, n));
  return out;
}

const MAX_PIECES_BYTES = 1 << 20;

function assemble(pieces: readonly Piece[], type: CType, registers: (n: number) => bigint | undefined, memory: Memory): TypedValue {
  const size = sizeOf(type) ?? Math.ceil(pieces.reduce((n, p) => n + (p.sizeBits ?? 0), 0) / 8);
  if (size > MAX_PIECES_BYTES) throw new ValueError(`a composite location of ${size} bytes`);
  const bytes = new Uint8Array(size);
  const knownBits = new Uint8Array(size);  // a bit mask per byte
  let at = 0;  // bits assembled so far
  for (const piece of pieces) {
    const bits = piece.sizeBits ?? size * 8 - at;
    if (bits < 0 || at + bits > size * 8) throw new ValueError(`composite location: pieces overrun the ${size}-byte ${describeKind(type)}`);
    const offset = piece.offsetBits ?? 0;
    const source = pieceBytes(piece, offset + bits, registers, memory);
    if (source) {
      copyBits(source, offset, bytes, at, bits);
      copyBits(new Uint8Array(source.length).fill(0xff), offset, knownBits, at, bits);
    }
    at += bits;
  }
  const available = knownBits.map((m) => (m === 0xff ? 1 : 0));
  return available.every((a) => a === 1) ? { type, bytes } : { type, bytes, available };
}

/** The bytes a piece holds, covering at least `bits` bits; undefined where they are not known. */
function pieceBytes(piece: Piece, bits: number, registers: (n: number) => bigint | undefined, memory: Memory): Uint8Array | undefined {
  const n = Math.ceil(bits / 8);
  const loc = piece.location;
  switch (loc.kind) {
    case 'memory': {
      const b = memory.read(loc.address, n);
      if (!b) throw new ValueError(`Cannot access memory at address ${hex(loc.address)}`);
      return b;
    }
    case 'register': {
      const r = registers(loc.register);
      return r === undefined ? undefined : widen(littleEndian(r, 8), n);
    }
    case 'value': return widen(littleEndian(loc.value, Math.max(8, n)), n);
    case 'implicit': return widen(loc.bytes, n);
    case 'undefined': case 'implicit-pointer': return undefined;
  }
}

/** Copy `n` bits from bit `from` of `src` to bit `to` of `dst`, least significant bit first. */
function copyBits(src: Uint8Array, from: number, dst: Uint8Array, to: number, n: number): void {
  if (from % 8 === 0 && to % 8 === 0 && n % 8 === 0) {
    dst.set(src.subarray(from / 8, (from + n) / 8), to / 8);
    return;
  }
  for (let i = 0; i < n; i++) {
    const bit = (src[(from + i) >> 3] >> ((from + i) & 7)) & 1;
    const j = to + i;
    dst[j >> 3] = (dst[j >> 3] & ~(1 << (j & 7))) | (bit << (j & 7));
  }
}

export const hex = (v: bigint): string => `0x${v.toString(16)}`;

// ---------------------------------------------------------------------------------------------
// Reading values

/** Whether all of the value's bytes are known (not optimized out, not in an unknown register). */
export function isAvailable(v: TypedValue): boolean {
  return v.unavailable === undefined && v.implicitPointer === undefined && (v.available?.every((a) => a === 1) ?? true);
}

/**
 * The value's bytes: `sizeof` of its type, or for a bit field the bytes that hold its bits. Throws
 * ValueError when they cannot be read: "Cannot access memory at address 0x...", or the value is
 * optimized out.
 */
export function bytesOf(v: TypedValue, memory: Memory): Uint8Array {
  if (v.unavailable !== undefined) throw new ValueError(v.unavailable === 'optimized out' ? 'value has been optimized out' : `value is ${v.unavailable}`);
  if (v.implicitPointer) throw new ValueError('value is a synthetic pointer (DW_OP_implicit_pointer): it has no bits, only a target');
  const n = v.bitSize !== undefined ? Math.ceil(((v.bitOffset ?? 0) + v.bitSize) / 8) : sizeOrThrow(v.type);
  if (v.bytes) {
    if (v.available && !v.available.subarray(0, n).every((a) => a === 1)) throw new ValueError('value has been optimized out');
    if (v.bytes.length < n) throw new ValueError(`value of ${v.bytes.length} bytes read as ${n}`);
    return v.bytes.subarray(0, n);
  }
  if (v.address === undefined) throw new ValueError('value has no contents');
  const read = memory.read(v.address, n);
  if (!read) throw new ValueError(`Cannot access memory at address ${hex(firstUnreadable(memory, v.address, n))}`);
  return read;
}

/** The first address of [address, address+n) that does not read, as gdb names it (a binary search for the readable prefix). */
function firstUnreadable(memory: Memory, address: bigint, n: number): bigint {
  let low = 0;  // a prefix of `low` bytes reads
  let high = n;  // a prefix of `high` bytes does not
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (memory.read(address, mid)) low = mid; else high = mid;
  }
  return address + BigInt(low);
}

/** The value as an integer (enums, bools, chars and pointers too), by its type's signedness; a bit field's bits extracted. */
export function integerOf(v: TypedValue, memory: Memory): bigint {
  const s = strip(v.type);
  if (!isInteger(s) && s.kind !== 'pointer') throw new ValueError(`Value of type ${s.kind} is not an integer.`);
  const bytes = bytesOf(v, memory);
  let x = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) x = (x << 8n) | BigInt(bytes[i]);
  const bits = v.bitSize ?? bytes.length * 8;
  x >>= BigInt(v.bitOffset ?? 0);
  return isSigned(s) ? BigInt.asIntN(bits, x) : BigInt.asUintN(bits, x);
}

/**
 * A float value as a JavaScript number. A 16-byte long double (RISC-V: IEEE binary128) is rounded
 * to the nearest double, so it loses bits beyond 53 of mantissa and its range beyond 1e308: use
 * format.ts's printing, which works from the bits, to show it exactly.
 */
export function floatOf(v: TypedValue, memory: Memory): number {
  const s = strip(v.type);
  if (isInteger(s) || s.kind === 'pointer') return Number(integerOf(v, memory));
  if (!isFloat(s)) throw new ValueError('Value is not a number.');
  const bytes = bytesOf(v, memory);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length === 4) return view.getFloat32(0, true);
  if (bytes.length === 8) return view.getFloat64(0, true);
  if (bytes.length === 16) return doubleFromBinary128(bytes);
  throw new ValueError(`Cannot read a ${bytes.length}-byte float.`);
}

/** IEEE 754 binary128 (little-endian) to the nearest double. */
function doubleFromBinary128(b: Uint8Array): number {
  let bits = 0n;
  for (let i = 15; i >= 0; i--) bits = (bits << 8n) | BigInt(b[i]);
  const sign = (bits >> 127n) & 1n ? -1 : 1;
  const exponent = Number((bits >> 112n) & 0x7fffn);
  const fraction = bits & ((1n << 112n) - 1n);
  if (exponent === 0x7fff) return fraction === 0n ? sign * Infinity : NaN;
  const significand = exponent === 0 ? fraction : fraction | (1n << 112n);
  const e2 = (exponent === 0 ? 1 : exponent) - 16383 - 112;
  // Keep 64 significant bits (enough to round correctly to 53 in nearly every case), then scale.
  const shift = Math.max(0, significand.toString(2).length - 64);
  // Scale in two steps, so that 2^e alone does not underflow where the product is a subnormal double.
  const e = e2 + shift;
  return sign * Number(significand >> BigInt(shift)) * 2 ** Math.ceil(e / 2) * 2 ** Math.floor(e / 2);
}

/** A double as IEEE 754 binary128 (exact: every double is a binary128). */
function binary128FromDouble(v: number): Uint8Array {
  const d = new DataView(new ArrayBuffer(8));
  d.setFloat64(0, v, true);
  const bits = d.getBigUint64(0, true);
  const sign = bits >> 63n;
  const exponent = Number((bits >> 52n) & 0x7ffn);
  let fraction = bits & ((1n << 52n) - 1n);
  let e128: bigint;
  if (exponent === 0x7ff) e128 = 0x7fffn;
  else if (exponent === 0 && fraction === 0n) e128 = 0n;
  else if (exponent === 0) {  // a subnormal double is a normal binary128
    let e = -1022;
    while (!(fraction & (1n << 52n))) { fraction <<= 1n; e--; }
    fraction &= (1n << 52n) - 1n;
    e128 = BigInt(e + 16383);
  } else e128 = BigInt(exponent - 1023 + 16383);
  return littleEndian((sign << 127n) | (e128 << 112n) | (fraction << 60n), 16);
}

// ---------------------------------------------------------------------------------------------
// Operations

/** A part of `v` at `offset` bytes, of `type`: in memory, or a slice of its bytes. */
function part(v: TypedValue, type: CType, offset: number, length: number, bits?: { bitOffset: number; bitSize: number }): TypedValue {
  if (v.unavailable !== undefined) return { type, unavailable: v.unavailable };
  const bitPart = bits ? { bitOffset: bits.bitOffset, bitSize: bits.bitSize } : {};
  if (v.bytes) {
    if (offset + length > v.bytes.length) throw new ValueError(`no such part: bytes ${offset}..${offset + length} of a ${v.bytes.length}-byte value`);
    const available = v.available?.slice(offset, offset + length);
    const known = available && !available.every((a) => a === 1) ? { available } : {};
    const address = v.address === undefined ? {} : { address: v.address + BigInt(offset) };
    return { type, bytes: v.bytes.slice(offset, offset + length), ...address, ...known, ...bitPart };
  }
  if (v.address === undefined) throw new ValueError('value has no contents');
  return { type, address: v.address + BigInt(offset), ...bitPart };
}

export interface NamedMember { readonly name?: string; readonly member: Member; readonly value: TypedValue }

function structOf(v: TypedValue, what: string): StructType {
  const s = strip(v.type);
  if (s.kind === 'pointer') {
    const t = strip(s.target);
    if (t.kind === 'struct' || t.kind === 'union' || t.kind === 'class') {
      throw new ValueError(`The -> operator must be used on a pointer to ${t.kind} (${what}).`);
    }
  }
  if (s.kind !== 'struct' && s.kind !== 'union' && s.kind !== 'class') {
    throw new ValueError(`Attempt to extract a component of a value that is not a structure${what ? ` (${what})` : ''}.`);
  }
  if (s.incomplete) throw new ValueError(`incomplete type: ${s.kind} ${s.name ?? ''} has no members here`);
  return s;
}

/** The value of one member: bit fields get their bit position within the bytes that hold them. */
function memberValue(v: TypedValue, m: Member): TypedValue {
  if (m.bitSize === undefined) return part(v, m.type, m.offset, sizeOf(m.type) ?? 0);
  const bit = m.bitOffset ?? m.offset * 8;
  const first = Math.floor(bit / 8);
  const length = Math.ceil((bit + m.bitSize) / 8) - first;
  return part(v, m.type, first, length, { bitOffset: bit - first * 8, bitSize: m.bitSize });
}

/** The data members of a struct or union value, in declaration order (anonymous ones unnamed). */
export function membersOf(v: TypedValue): NamedMember[] {
  const s = structOf(v, '');
  return s.members.map((member) => ({ name: member.name, member, value: memberValue(v, member) }));
}

/**
 * `v.name`: a member, or a member of an anonymous struct or union member (C11 6.7.2.1p13), searched
 * as gdb does (valops.c search_struct_field: a direct member, else inside each anonymous member).
 */
export function memberOf(v: TypedValue, name: string): TypedValue {
  const found = findMember(v, name, 0);
  if (found) return found;
  throw new ValueError(`There is no member named ${name}.`);
}

function findMember(v: TypedValue, name: string, depth: number): TypedValue | undefined {
  if (depth > MAX_TYPE_DEPTH) throw new ValueError(`anonymous members nest deeper than ${MAX_TYPE_DEPTH}`);
  const s = structOf(v, name);
  for (const m of s.members) if (m.name === name) return memberValue(v, m);
  for (const m of s.members) {
    const t = strip(m.type).kind;
    if (m.name === undefined && (t === 'struct' || t === 'union' || t === 'class')) {
      const inner = findMember(memberValue(v, m), name, depth + 1);
      if (inner) return inner;
    }
  }
  return undefined;
}

/** `v[index]` for an array (from its lower bound) or a pointer. */
export function elementOf(v: TypedValue, index: bigint, memory: Memory): TypedValue {
  const s = strip(v.type);
  if (s.kind === 'array') {
    const size = sizeOrThrow(s.element);
    const i = index - BigInt(s.lowerBound);
    if (v.address !== undefined && v.bytes === undefined) return { type: s.element, address: v.address + i * BigInt(size) };
    if (i < 0n || (s.count !== undefined && i >= BigInt(s.count))) throw new ValueError(`no such vector element`);
    return part(v, s.element, Number(i) * size, size);
  }
  if (s.kind === 'pointer') return deref(add(v, index, memory), memory);
  throw new ValueError('cannot subscript something of type that is not an array or pointer');
}

/** `p + n` for a pointer: n elements of the pointed-to type (void and functions count as 1 byte, as gdb does). */
export function add(p: TypedValue, n: bigint, memory: Memory): TypedValue {
  const s = strip(p.type);
  if (s.kind !== 'pointer') throw new ValueError('Argument to arithmetic operation not a number or boolean.');
  const target = strip(s.target);
  const size = target.kind === 'void' || target.kind === 'function' ? 1 : sizeOrThrow(target);
  return fromInteger(p.type, integerOf(p, memory) + n * BigInt(size));
}

/** `*v`: the object a pointer points to (an implicit pointer's through `resolve`), or an array's first element. */
export function deref(v: TypedValue, memory: Memory, resolve?: ImplicitPointerResolver): TypedValue {
  const s = strip(v.type);
  if (s.kind === 'array') return elementOf(v, BigInt(s.lowerBound), memory);
  if (s.kind !== 'pointer') throw new ValueError('Attempt to take contents of a non-pointer value.');
  const target = strip(s.target);
  if (target.kind === 'void') throw new ValueError('Attempt to dereference a generic pointer.');
  if (v.implicitPointer) {
    if (!resolve) throw new ValueError('Attempt to take contents of a synthetic pointer whose target is not known here.');
    const whole = resolve(v.implicitPointer.die, v.implicitPointer.offset, s.target);
    return v.implicitPointer.offset === 0n ? whole : part(whole, s.target, Number(v.implicitPointer.offset), sizeOf(s.target) ?? 0);
  }
  return { type: s.target, address: BigInt.asUintN(64, integerOf(v, memory)) };
}

/** `&v`: only for a value in memory (not a register, not a bit field). */
export function addressOf(v: TypedValue): TypedValue {
  if (v.bitSize !== undefined) throw new ValueError('Attempt to take address of value not located in memory.');
  if (v.address === undefined) {
    throw new ValueError(v.register !== undefined
      ? `Address requested for a value which is in register $${registerName(v.register)}`
      : 'Attempt to take address of value not located in memory.');
  }
  return fromInteger(pointerTo(v.type), v.address);
}

const ABI = ['zero', 'ra', 'sp', 'gp', 'tp', 't0', 't1', 't2', 's0', 's1', 'a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7',
  's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9', 's10', 's11', 't3', 't4', 't5', 't6'];
/** A DWARF register number's ABI name (psABI: 0-31 x0-x31, 32-63 f0-f31). */
export function registerName(n: number): string {
  return n < 32 ? ABI[n] : n < 64 ? `f${n - 32}` : `dwarf${n}`;
}

/**
 * `(type) v`: integer and pointer conversions truncate or extend (C11 6.3.1.3), integer<->float
 * converts the number, an array or function becomes a pointer to it; a struct or union casts only
 * to its own type.
 */
export function cast(v: TypedValue, type: CType, memory: Memory): TypedValue {
  const to = strip(type);
  const from = strip(v.type);
  if (to.kind === 'void') return { type, bytes: new Uint8Array(0) };
  if (to.id === from.id) return { ...v, type };
  if ((from.kind === 'array' || from.kind === 'function') && (to.kind === 'pointer' || isInteger(to))) {
    const address = from.kind === 'array' ? addressOf(v) : v.address;
    if (address === undefined) throw new ValueError('Attempt to take address of value not located in memory.');
    return fromInteger(type, typeof address === 'bigint' ? address : integerOf(address, memory));
  }
  if (to.kind === 'pointer' || isInteger(to)) {
    if (isFloat(from)) return fromInteger(type, truncate(floatOf(v, memory)));
    if (isInteger(from) || from.kind === 'pointer') {
      if (to.kind === 'base' && to.encoding === 'boolean') return fromInteger(type, integerOf(v, memory) === 0n ? 0n : 1n);
      return fromInteger(type, integerOf(v, memory));
    }
  }
  if (isFloat(to) && (isFloat(from) || isInteger(from))) return fromFloat(type, floatOf(v, memory));
  if (to.kind === 'struct' || to.kind === 'union' || to.kind === 'class' || to.kind === 'array') {
    throw new ValueError(`Invalid cast: a ${from.kind} cannot become a different ${to.kind}.`);
  }
  throw new ValueError('Invalid cast.');
}

function truncate(x: number): bigint {
  if (!Number.isFinite(x)) throw new ValueError('Cannot convert a non-finite float to an integer.');
  return BigInt(Math.trunc(x));
}
