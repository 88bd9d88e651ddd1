// The value layer on hand-built types: locations assembled from pieces, members through anonymous
// unions, bit fields, elements, pointers, casts. What each gives is C's semantics (C11 6.3, 6.5.2)
// and gdb's: format.ts's tests check the printed text against gdb-multiarch itself.

import { describe, expect, it } from 'vitest';
import { CType, Member } from '../../src/symbols/dwarf/model';
import {
  addressOf, bytesOf, cast, deref, elementOf, floatOf, fromFloat, fromInteger, integerOf, isAvailable, Memory,
  memberOf, membersOf, pointerTo, sizeOf, strip, TypedValue, valueFromLocation,
} from '../../src/symbols/values/value';
import { childCounts, children, preview } from '../../src/symbols/values/children';

let id = 1;
const base = (name: string, size: number, encoding: 'signed' | 'unsigned' | 'float' | 'boolean' | 'signed_char' | 'unsigned_char'): CType =>
  ({ kind: 'base', id: id++, name, size, encoding });
const int = base('int', 4, 'signed');
const uint = base('unsigned int', 4, 'unsigned');
const char = base('char', 1, 'unsigned_char');
const double = base('double', 8, 'float');
const float = base('float', 4, 'float');
const longDouble = base('long double', 16, 'float');
const struct = (kind: 'struct' | 'union', members: Member[], size: number, name?: string): CType =>
  ({ kind, id: id++, name, size, members, incomplete: false });

/** Memory over one block at `at`. */
function memoryOf(at: bigint, bytes: number[]): Memory {
  const block = Uint8Array.from(bytes);
  return {
    read(address, length) {
      const off = address - at;
      if (off < 0n || off + BigInt(length) > BigInt(block.length)) return undefined;
      return block.slice(Number(off), Number(off) + length);
    },
  };
}
const none: Memory = { read: () => undefined };

describe('values', () => {
  it('reads integers by their type\'s size and signedness, through typedefs and qualifiers', () => {
    const mem = memoryOf(0x1000n, [0xfe, 0xff, 0xff, 0xff, 0x41]);
    const s32: CType = { kind: 'typedef', id: id++, name: 's32', target: { kind: 'const', id: id++, target: int } };
    expect(strip(s32)).toBe(int);
    expect(sizeOf(s32)).toBe(4);
    expect(integerOf({ type: s32, address: 0x1000n }, mem)).toBe(-2n);
    expect(integerOf({ type: uint, address: 0x1000n }, mem)).toBe(0xfffffffen);
    expect(integerOf({ type: char, address: 0x1004n }, mem)).toBe(65n);
    expect(() => integerOf({ type: int, address: 0x1002n }, mem)).toThrow('Cannot access memory at address 0x1005');
  });

  it('assembles pieces from registers, memory, stack values and gaps, least significant first', () => {
    const pair = struct('struct', [{ name: 'a', type: int, offset: 0 }, { name: 'b', type: int, offset: 4 }], 8, 'pair');
    const regs = (n: number): bigint | undefined => (n === 10 ? 0x1122334455667788n : undefined);
    const mem = memoryOf(0x2000n, [7, 0, 0, 0]);
    const v = valueFromLocation({ kind: 'pieces', pieces: [
      { location: { kind: 'register', register: 10 }, sizeBits: 32 },
      { location: { kind: 'memory', address: 0x2000n }, sizeBits: 32 },
    ] }, pair, regs, mem);
    expect(integerOf(memberOf(v, 'a'), mem)).toBe(0x55667788n);
    expect(integerOf(memberOf(v, 'b'), mem)).toBe(7n);
    const partial = valueFromLocation({ kind: 'pieces', pieces: [
      { location: { kind: 'value', value: -3n }, sizeBits: 32 },
      { location: { kind: 'undefined' }, sizeBits: 32 },
    ] }, pair, regs, mem);
    expect(isAvailable(partial)).toBe(false);
    expect(integerOf(memberOf(partial, 'a'), mem)).toBe(-3n);
    expect(isAvailable(memberOf(partial, 'b'))).toBe(false);
    expect(() => integerOf(memberOf(partial, 'b'), mem)).toThrow('optimized out');
    // A register the frame does not know, a whole register, a location that is nowhere.
    expect(valueFromLocation({ kind: 'pieces', pieces: [{ location: { kind: 'register', register: 11 } }] }, int, regs, mem).unavailable).toBe('not saved');
    const a0 = valueFromLocation({ kind: 'pieces', pieces: [{ location: { kind: 'register', register: 10 } }] }, int, regs, mem);
    expect(integerOf(a0, none)).toBe(0x55667788n);
    expect(a0.register).toBe(10);
    expect(valueFromLocation({ kind: 'optimized-out' }, int, regs, mem).unavailable).toBe('optimized out');
  });

  it('assembles bit pieces that do not fall on byte boundaries', () => {
    const regs = (n: number): bigint | undefined => BigInt(n);
    // 4 bits of x5 (offset 0), 4 bits of x3 from bit 0, then 8 bits of an implicit value: 0xab35.
    const v = valueFromLocation({ kind: 'pieces', pieces: [
      { location: { kind: 'register', register: 5 }, sizeBits: 4 },
      { location: { kind: 'register', register: 3 }, sizeBits: 4, offsetBits: 0 },
      { location: { kind: 'implicit', bytes: Uint8Array.of(0xab) }, sizeBits: 8 },
    ] }, base('short', 2, 'unsigned'), regs, none);
    expect(integerOf(v, none)).toBe(0xab35n);
  });

  it('finds members through anonymous structs and unions, and extracts signed and unsigned bit fields', () => {
    const inner = struct('union', [{ name: 'u', type: uint, offset: 0 }, { name: 'f', type: float, offset: 0 }], 4);
    const t = struct('struct', [
      { name: 'neg', type: int, offset: 0, bitSize: 3, bitOffset: 0 },
      { name: 'flag', type: uint, offset: 0, bitSize: 5, bitOffset: 3 },
      { name: 'wide', type: uint, offset: 0, bitSize: 12, bitOffset: 6 },
      { type: inner, offset: 4 },
    ], 8, 'bits');
    // neg = -3 (0b101), flag = 0b10110 = 22 overlapping wide on purpose: wide = bits 6..17.
    const word = (0b101 | (0b10110 << 3) | (0xabc << 6)) >>> 0;
    const bytes = [word & 0xff, (word >> 8) & 0xff, (word >> 16) & 0xff, word >>> 24, 0x00, 0x00, 0xc0, 0x3f];
    const mem = memoryOf(0x3000n, bytes);
    const v: TypedValue = { type: t, address: 0x3000n };
    expect(integerOf(memberOf(v, 'neg'), mem)).toBe(BigInt.asIntN(3, BigInt(word & 7)));
    expect(integerOf(memberOf(v, 'flag'), mem)).toBe(BigInt((word >> 3) & 31));
    expect(integerOf(memberOf(v, 'wide'), mem)).toBe(BigInt((word >> 6) & 0xfff));
    expect(floatOf(memberOf(v, 'f'), mem)).toBe(1.5);
    expect(memberOf(v, 'u').address).toBe(0x3004n);
    expect(membersOf(v).map((m) => m.name)).toEqual(['neg', 'flag', 'wide', undefined]);
    expect(() => memberOf(v, 'nope')).toThrow('There is no member named nope.');
    expect(() => addressOf(memberOf(v, 'neg'))).toThrow('not located in memory');
  });

  it('indexes arrays and pointers, dereferences and takes addresses', () => {
    const arr: CType = { kind: 'array', id: id++, element: int, count: 3, lowerBound: 0 };
    const mem = memoryOf(0x4000n, [1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0x00, 0x40, 0, 0, 0, 0, 0, 0]);
    const a: TypedValue = { type: arr, address: 0x4000n };
    expect(sizeOf(arr)).toBe(12);
    expect(integerOf(elementOf(a, 2n, mem), mem)).toBe(3n);
    const p: TypedValue = { type: pointerTo(int), address: 0x400cn };
    expect(pointerTo(int)).toBe(pointerTo(int));
    expect(pointerTo(int).id).toBeLessThan(0);
    expect(integerOf(deref(p, mem), mem)).toBe(1n);
    expect(integerOf(elementOf(p, 1n, mem), mem)).toBe(2n);
    const q = addressOf(elementOf(a, 1n, mem));
    expect(integerOf(q, mem)).toBe(0x4004n);
    expect(integerOf(deref(q, mem), mem)).toBe(2n);
    expect(integerOf(deref(a, mem), mem)).toBe(1n);
    // An rvalue array (in bytes) is bounded.
    const r: TypedValue = { type: arr, bytes: Uint8Array.of(9, 0, 0, 0, 8, 0, 0, 0, 7, 0, 0, 0) };
    expect(integerOf(elementOf(r, 1n, mem), mem)).toBe(8n);
    expect(() => elementOf(r, 3n, mem)).toThrow('no such vector element');
    expect(() => deref(fromInteger(int, 1n), mem)).toThrow('Attempt to take contents of a non-pointer value.');
    expect(() => addressOf(fromInteger(int, 1n))).toThrow('not located in memory');
  });

  it('casts as C converts: truncation, sign extension, float<->int, array to pointer; structs refused', () => {
    const mem = none;
    expect(integerOf(cast(fromInteger(int, -1n), char, mem), mem)).toBe(255n);
    expect(integerOf(cast(fromInteger(char, 255n), int, mem), mem)).toBe(255n);
    expect(integerOf(cast(fromInteger(base('signed char', 1, 'signed_char'), -1n), uint, mem), mem)).toBe(0xffffffffn);
    expect(floatOf(cast(fromInteger(int, -7n), double, mem), mem)).toBe(-7);
    expect(integerOf(cast(fromFloat(double, -7.9), int, mem), mem)).toBe(-7n);
    expect(integerOf(cast(fromInteger(int, 2n), base('_Bool', 1, 'boolean'), mem), mem)).toBe(1n);
    expect(floatOf(cast(fromFloat(double, 0.1), float, mem), mem)).toBe(Math.fround(0.1));
    const arr: CType = { kind: 'array', id: id++, element: int, count: 3, lowerBound: 0 };
    expect(integerOf(cast({ type: arr, address: 0x10n }, pointerTo(int), mem), mem)).toBe(0x10n);
    const s1 = struct('struct', [], 4, 'a');
    const s2 = struct('struct', [], 4, 'b');
    expect(() => cast({ type: s1, address: 0n }, s2, mem)).toThrow('Invalid cast');
  });

  it('keeps long doubles (binary128) exact for every double, and bytes of a value in memory as read', () => {
    for (const x of [0, 1.5, -0.1, 1e300, 5e-324, Infinity]) expect(floatOf(fromFloat(longDouble, x), none)).toBe(x);
    expect(Number.isNaN(floatOf(fromFloat(longDouble, NaN), none))).toBe(true);
    const mem = memoryOf(0x10n, [1, 2, 3]);
    expect([...bytesOf({ type: base('x', 3, 'unsigned'), address: 0x10n }, mem)]).toEqual([1, 2, 3]);
  });

  it('gives the Variables view members (anonymous ones named by kind), paged elements, and a pointer\'s target\'s', () => {
    const inner = struct('union', [{ name: 'u', type: uint, offset: 0 }, { name: 'f', type: float, offset: 0 }], 4);
    const arr: CType = { kind: 'array', id: id++, element: int, count: 3, lowerBound: 0 };
    const t = struct('struct', [{ name: 'a', type: int, offset: 0 }, { type: inner, offset: 4 }, { name: 'v', type: arr, offset: 8 }], 20, 's');
    const bytes = [1, 0, 0, 0, 0, 0, 0xc0, 0x3f, 7, 0, 0, 0, 8, 0, 0, 0, 9, 0, 0, 0, 0x00, 0x50, 0, 0, 0, 0, 0, 0];
    const mem = memoryOf(0x5000n, bytes);
    const s: TypedValue = { type: t, address: 0x5000n };
    expect(children(s, mem).map((c) => c.name)).toEqual(['a', '<anonymous union>', 'v']);
    expect(childCounts(s, mem)).toEqual({ namedCount: 3, indexedCount: 0 });
    const v = memberOf(s, 'v');
    expect(childCounts(v, mem)).toEqual({ namedCount: 0, indexedCount: 3 });
    expect(children(v, mem, 1, 5).map((c) => [c.name, integerOf(c.value, mem)])).toEqual([['[1]', 8n], ['[2]', 9n]]);
    const p: TypedValue = { type: pointerTo(t), address: 0x5014n };
    expect(children(p, mem).map((c) => c.name)).toEqual(['a', '<anonymous union>', 'v']);
    expect(children({ type: pointerTo(int), address: 0x5014n }, mem)).toEqual([]);
    expect(preview(s, mem)).toBe('{a = 1, {u = 1069547520, f = 1.5}, v = {7, 8, 9}}');
    expect(preview(s, mem, 12)).toBe('{a = 1, {...');
    expect(preview({ type: t, address: 0x9000n }, mem)).toBe('<error: Cannot access memory at address 0x9000>');
  });
});
