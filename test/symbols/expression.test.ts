// The DWARF expression evaluator (DWARF 5, 2.5 and 2.6) on hand-built expressions, one group of
// operations at a time, with the results the spec's text gives; a frame's context (frame-context.ts);
// and fuzzing: random bytes and mutated real expressions of the demo kernel give a LocationResult or
// a DwarfError, never another exception, never a hang.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseElf } from '../../src/elf/elf';
import { evaluateLocation, EvaluateOptions, locationValue } from '../../src/symbols/dwarf/expression';
import { expressionValue, frameBaseOf, frameContext } from '../../src/symbols/dwarf/frame-context';
import { BaseEncoding, ExpressionContext, LocationResult } from '../../src/symbols/dwarf/model';
import { dwarfSections } from '../../src/symbols/dwarf/sections';
import { ROOT } from '../cli/helpers';
import { expr, le, random, sleb, uleb } from './dwarf-bytes';
import { debugLocList, walkInfo } from './dwarf-walk';

const DW_OP = {
  addr: 0x03, deref: 0x06, const1u: 0x08, const1s: 0x09, const2u: 0x0a, const2s: 0x0b, const4u: 0x0c, const4s: 0x0d, const8u: 0x0e,
  const8s: 0x0f, constu: 0x10, consts: 0x11, dup: 0x12, drop: 0x13, over: 0x14, pick: 0x15, swap: 0x16, rot: 0x17, xderef: 0x18,
  abs: 0x19, and: 0x1a, div: 0x1b, minus: 0x1c, mod: 0x1d, mul: 0x1e, neg: 0x1f, not: 0x20, or: 0x21, plus: 0x22, plus_uconst: 0x23,
  shl: 0x24, shr: 0x25, shra: 0x26, xor: 0x27, bra: 0x28, eq: 0x29, ge: 0x2a, gt: 0x2b, le: 0x2c, lt: 0x2d, ne: 0x2e, skip: 0x2f,
  lit0: 0x30, reg0: 0x50, breg0: 0x70, regx: 0x90, fbreg: 0x91, bregx: 0x92, piece: 0x93, deref_size: 0x94, xderef_size: 0x95,
  nop: 0x96, push_object_address: 0x97, call2: 0x98, call4: 0x99, call_ref: 0x9a, form_tls_address: 0x9b, call_frame_cfa: 0x9c,
  bit_piece: 0x9d, implicit_value: 0x9e, stack_value: 0x9f, implicit_pointer: 0xa0, addrx: 0xa1, constx: 0xa2, entry_value: 0xa3,
  const_type: 0xa4, regval_type: 0xa5, deref_type: 0xa6, xderef_type: 0xa7, convert: 0xa8, reinterpret: 0xa9,
  GNU_push_tls_address: 0xe0, GNU_uninit: 0xf0, GNU_implicit_pointer: 0xf2, GNU_entry_value: 0xf3, GNU_const_type: 0xf4,
  GNU_regval_type: 0xf5, GNU_deref_type: 0xf6, GNU_convert: 0xf7, GNU_reinterpret: 0xf9, GNU_parameter_ref: 0xfa,
  GNU_addr_index: 0xfb, GNU_variable_value: 0xfd,
} as const;
const lit = (n: number) => DW_OP.lit0 + n;
const reg = (n: number) => DW_OP.reg0 + n;
const breg = (n: number, offset: number | bigint) => [DW_OP.breg0 + n, ...sleb(offset)];
const consts = (v: number | bigint) => [DW_OP.consts, ...sleb(v)];
const constu = (v: number | bigint) => [DW_OP.constu, ...uleb(v)];

// Base types at unit offset 0x100 + these offsets: int, unsigned int, long, double, float, __int128.
const CU = 0x100;
const TYPES: Record<number, { size: number; encoding: BaseEncoding }> = {
  0x10: { size: 4, encoding: 'signed' }, 0x20: { size: 4, encoding: 'unsigned' }, 0x30: { size: 8, encoding: 'signed' },
  0x40: { size: 8, encoding: 'float' }, 0x50: { size: 4, encoding: 'float' }, 0x60: { size: 16, encoding: 'signed' },
};

/** A machine: registers x1..x31 hold 0x1000 * n, memory holds its address + 1 (one page unmapped). */
function machine(overrides: Partial<ExpressionContext> = {}): ExpressionContext {
  return {
    addressSize: 8,
    register: (n) => (n === 9 ? undefined : BigInt(n) * 0x1000n),
    memory: (address, size) => (address >= 0xdead000n && address < 0xdeae000n ? undefined : BigInt.asUintN(size * 8, address + 1n)),
    frameBase: () => 0x8000n,
    cfa: () => 0x9000n,
    entryValue: () => undefined,
    addrx: (i) => 0x80200000n + BigInt(i) * 8n,
    baseType: (die) => TYPES[die - CU],
    ...overrides,
  };
}

const OPTIONS: EvaluateOptions = { cuOffset: CU, origin: '.debug_loc+0x40' };
const run = (bytes: Uint8Array, context = machine(), options = OPTIONS): LocationResult => evaluateLocation(bytes, context, options);
/** The value of an expression that ends in DW_OP_stack_value. */
function value(...ops: Array<number | number[]>): bigint {
  const r = run(expr(...ops, DW_OP.stack_value));
  if (r.kind !== 'pieces' || r.pieces[0].location.kind !== 'value') throw new Error(`not a value: ${JSON.stringify(r, (_, v) => (typeof v === 'bigint' ? v.toString() : v))}`);
  return r.pieces[0].location.value;
}
const error = (...ops: Array<number | number[]>) => () => run(expr(...ops));
const M64 = (1n << 64n) - 1n;

describe('DWARF expression evaluation (2.5, 2.6)', () => {
  it('literals and constants (2.5.1.1) are 64-bit unsigned; signed ones sign-extended', () => {
    expect(value(lit(31))).toBe(31n);
    expect(value([DW_OP.addr, ...le(0xffffffff80200000n, 8)])).toBe(0xffffffff80200000n);
    expect(value([DW_OP.const1u, 0xff])).toBe(255n);
    expect(value([DW_OP.const1s, 0xff])).toBe(M64);
    expect(value([DW_OP.const2s, ...le(-2, 2)])).toBe(M64 - 1n);
    expect(value([DW_OP.const4u, ...le(0xfffffffe, 4)])).toBe(0xfffffffen);
    expect(value([DW_OP.const8s, ...le(-3n, 8)])).toBe(M64 - 2n);
    expect(value(consts(-1))).toBe(M64);
    expect(value(constu(1n << 63n))).toBe(1n << 63n);
    expect(value([DW_OP.addrx, ...uleb(2)])).toBe(0x80200010n);
    expect(value([DW_OP.constx, ...uleb(1)])).toBe(0x80200008n);
    expect(value([DW_OP.GNU_addr_index, ...uleb(0)])).toBe(0x80200000n);
  });

  it('register values (2.5.1.2): breg, bregx, fbreg; an unknown register is unavailable', () => {
    expect(value(breg(2, -16))).toBe(0x2000n - 16n);
    expect(value([DW_OP.bregx, ...uleb(40), ...sleb(8)])).toBe(40n * 0x1000n + 8n);
    expect(value([DW_OP.fbreg, ...sleb(-24)])).toBe(0x8000n - 24n);
    expect(run(expr(breg(9, 0)))).toEqual({ kind: 'unavailable', reason: 'DW_OP_breg9: register s1 is not known in this frame' });
    expect(run(expr([DW_OP.fbreg, 0]), machine({ frameBase: undefined })).kind).toBe('unavailable');
    expect(run(expr(DW_OP.call_frame_cfa))).toEqual({ kind: 'pieces', pieces: [{ location: { kind: 'memory', address: 0x9000n } }] });
  });

  it('stack operations (2.5.1.3): dup, drop, over, pick, swap, rot, deref, deref_size, xderef', () => {
    expect(value(lit(1), lit(2), DW_OP.dup, DW_OP.plus, DW_OP.plus)).toBe(5n);
    expect(value(lit(1), lit(2), DW_OP.drop)).toBe(1n);
    expect(value(lit(1), lit(2), DW_OP.over, DW_OP.minus)).toBe(1n); // 2 - 1
    expect(value(lit(7), lit(8), lit(9), [DW_OP.pick, 2])).toBe(7n);
    expect(value(lit(3), lit(10), DW_OP.swap, DW_OP.minus)).toBe(7n); // 10 - 3
    // rot: the top three (a, b, c with c on top) become (c, a, b).
    expect(value(lit(1), lit(2), lit(3), DW_OP.rot, DW_OP.drop, DW_OP.drop)).toBe(3n);
    expect(value(lit(1), lit(2), lit(3), DW_OP.rot)).toBe(2n);
    expect(value(constu(0x5000), DW_OP.deref)).toBe(0x5001n);
    expect(value(constu(0x50ff), [DW_OP.deref_size, 1])).toBe(0x00n); // 0x5100 truncated to a byte
    expect(value(lit(0), constu(0x6000), [DW_OP.xderef_size, 2])).toBe(0x6001n);
    expect(value(lit(0), constu(0x6000), DW_OP.xderef)).toBe(0x6001n);
    expect(run(expr(lit(1), constu(0x6000), DW_OP.xderef, DW_OP.stack_value)).kind).toBe('unavailable');
    expect(run(expr(constu(0xdead010), DW_OP.deref))).toEqual({ kind: 'unavailable', reason: 'DW_OP_deref: memory at 0xdead010 is not readable' });
    expect(error(lit(1), [DW_OP.pick, 1])).toThrow(/\.debug_loc\+0x40, expression\+0x1: DW_OP_pick: stack underflow/);
    expect(error(constu(0x5000), [DW_OP.deref_size, 9])).toThrow(/expression\+0x4: DW_OP_deref_size: size 9 is not 1 to 8/);
    expect(error(DW_OP.drop)).toThrow(/stack underflow/);
  });

  it('arithmetic and logic (2.5.1.4): wrapping, signed div and shra, unsigned mod and shr, division by zero', () => {
    expect(value(consts(-5), DW_OP.abs)).toBe(5n);
    expect(value(lit(6), lit(3), DW_OP.and)).toBe(2n);
    expect(value(consts(-7), lit(2), DW_OP.div)).toBe(M64 - 2n); // -3: signed, truncating
    expect(value(lit(7), consts(-2), DW_OP.div)).toBe(M64 - 2n);
    expect(value(consts(-1), lit(2), DW_OP.mod)).toBe(1n); // (2^64 - 1) mod 2: unsigned, as gdb
    expect(value(lit(0), lit(1), DW_OP.minus)).toBe(M64);
    expect(value(constu(1n << 62n), lit(4), DW_OP.mul)).toBe(0n);
    expect(value(lit(1), DW_OP.neg)).toBe(M64);
    expect(value(lit(0), DW_OP.not)).toBe(M64);
    expect(value(lit(4), lit(3), DW_OP.or)).toBe(7n);
    expect(value(consts(-1), lit(1), DW_OP.plus)).toBe(0n);
    expect(value(lit(1), [DW_OP.plus_uconst, ...uleb(1000)])).toBe(1001n);
    expect(value(lit(1), constu(63), DW_OP.shl)).toBe(1n << 63n);
    expect(value(lit(1), constu(64), DW_OP.shl)).toBe(0n);
    expect(value(consts(-16), lit(2), DW_OP.shr)).toBe((M64 - 15n) >> 2n);
    expect(value(consts(-16), lit(2), DW_OP.shra)).toBe(M64 - 3n); // -4
    expect(value(consts(-16), constu(200), DW_OP.shra)).toBe(M64);
    expect(value(lit(5), lit(3), DW_OP.xor)).toBe(6n);
    expect(error(lit(1), lit(0), DW_OP.div)).toThrow(/DW_OP_div: division by zero/);
    expect(error(lit(1), lit(0), DW_OP.mod)).toThrow(/division by zero/);
  });

  it('relational operators (2.5.1.5) compare signed generic values', () => {
    const cmp = (op: number, a: number, b: number) => value(consts(a), consts(b), op);
    expect([cmp(DW_OP.eq, 3, 3), cmp(DW_OP.ne, 3, 3), cmp(DW_OP.lt, -1, 0), cmp(DW_OP.gt, -1, 0), cmp(DW_OP.le, 2, 2), cmp(DW_OP.ge, 1, 2)])
      .toEqual([1n, 0n, 1n, 0n, 1n, 0n]);
  });

  it('control flow (2.5.1.5): skip and bra; a loop is stopped by the step budget; a branch out is an error', () => {
    // if (1) push 10 else push 20
    expect(value(lit(1), [DW_OP.bra, ...le(4, 2)], lit(20), [DW_OP.skip, ...le(1, 2)], lit(10))).toBe(10n);
    expect(value(lit(0), [DW_OP.bra, ...le(4, 2)], lit(20), [DW_OP.skip, ...le(1, 2)], lit(10))).toBe(20n);
    // Sum 1..10 with a counted loop: [sum, i] -> while (i) { sum += i; i-- }.
    const loop = expr(lit(0), lit(10), DW_OP.dup, [DW_OP.bra, ...le(4, 2)], DW_OP.drop, [DW_OP.skip, ...le(9, 2)],
      DW_OP.dup, DW_OP.rot, DW_OP.plus, DW_OP.swap, lit(1), DW_OP.minus, [DW_OP.skip, ...le(-17, 2)], DW_OP.stack_value);
    expect(run(loop)).toEqual({ kind: 'pieces', pieces: [{ location: { kind: 'value', value: 55n } }] });
    expect(() => run(expr([DW_OP.skip, ...le(-3, 2)]))).toThrow(/more than 10000 operations executed/);
    expect(() => run(expr(lit(1), [DW_OP.bra, ...le(-5, 2)]))).toThrow(/expression\+0x1: DW_OP_bra: branch to -1, outside the expression/);
    expect(() => run(expr([DW_OP.skip, ...le(2, 2)]))).toThrow(/outside the expression/);
  });

  it('locations: memory, register (alone), an empty expression, and what a register location must end', () => {
    expect(run(expr(breg(8, -136)))).toEqual({ kind: 'pieces', pieces: [{ location: { kind: 'memory', address: 0x8000n - 136n } }] });
    expect(run(expr(reg(10)))).toEqual({ kind: 'pieces', pieces: [{ location: { kind: 'register', register: 10 } }] });
    expect(run(expr([DW_OP.regx, ...uleb(47)]))).toEqual({ kind: 'pieces', pieces: [{ location: { kind: 'register', register: 47 } }] });
    expect(run(expr(reg(9), DW_OP.GNU_uninit))).toEqual({ kind: 'pieces', pieces: [{ location: { kind: 'register', register: 9 } }] });
    expect(run(new Uint8Array(0))).toEqual({ kind: 'optimized-out' });
    expect(error(reg(10), lit(1))).toThrow(/DW_OP_lit1: follows a register location/);
    expect(error(DW_OP.GNU_uninit, lit(1))).toThrow(/must be the last operation/);
    expect(error(DW_OP.nop)).toThrow(/leaves nothing on the stack/);
  });

  it('composite locations (2.6.1.2): pieces, empty pieces, bit pieces, values and implicit values in pieces', () => {
    expect(run(expr(reg(10), [DW_OP.piece, 8], breg(8, -136), [DW_OP.piece, 8]))).toEqual({ kind: 'pieces', pieces: [
      { location: { kind: 'register', register: 10 }, sizeBits: 64 },
      { location: { kind: 'memory', address: 0x8000n - 136n }, sizeBits: 64 },
    ] });
    expect(run(expr([DW_OP.piece, 8], reg(21), [DW_OP.piece, 4]))).toEqual({ kind: 'pieces', pieces: [
      { location: { kind: 'undefined' }, sizeBits: 64 },
      { location: { kind: 'register', register: 21 }, sizeBits: 32 },
    ] });
    expect(run(expr(lit(3), DW_OP.stack_value, [DW_OP.bit_piece, ...uleb(5), ...uleb(0)], reg(11), [DW_OP.bit_piece, ...uleb(3), ...uleb(8)])))
      .toEqual({ kind: 'pieces', pieces: [
        { location: { kind: 'value', value: 3n }, sizeBits: 5, offsetBits: 0 },
        { location: { kind: 'register', register: 11 }, sizeBits: 3, offsetBits: 8 },
      ] });
    expect(run(expr([DW_OP.implicit_value, ...uleb(2), 0x34, 0x12], [DW_OP.piece, 2], [DW_OP.piece, 2]))).toEqual({ kind: 'pieces', pieces: [
      { location: { kind: 'implicit', bytes: Uint8Array.from([0x34, 0x12]) }, sizeBits: 16 },
      { location: { kind: 'undefined' }, sizeBits: 16 },
    ] });
    expect(error(reg(10), [DW_OP.piece, 8], lit(1))).toThrow(/operations after the last DW_OP_piece/);
  });

  it('implicit locations (2.6.1.1.4): stack_value, implicit_value, implicit_pointer and its GNU form', () => {
    expect(run(expr([DW_OP.implicit_value, ...uleb(4), 0xf3, 0xbe, 0xad, 0xde]))).toEqual({ kind: 'pieces', pieces: [{ location: { kind: 'implicit', bytes: Uint8Array.from([0xf3, 0xbe, 0xad, 0xde]) } }] });
    expect(run(expr([DW_OP.implicit_pointer, ...le(0x452dc, 4), ...sleb(-8)]))).toEqual({ kind: 'pieces', pieces: [{ location: { kind: 'implicit-pointer', die: 0x452dc, offset: -8n } }] });
    expect(run(expr([DW_OP.GNU_implicit_pointer, ...le(0x10, 8), ...sleb(4)]), machine(), { offsetSize: 8 })).toEqual({ kind: 'pieces', pieces: [{ location: { kind: 'implicit-pointer', die: 0x10, offset: 4n } }] });
    expect(error(DW_OP.stack_value)).toThrow(/stack underflow/);
  });

  it('entry values (2.5.1.7): through the context, else unavailable; calls, TLS and parameter refs are unavailable', () => {
    const entry = expr([DW_OP.GNU_entry_value, 1, reg(10)], DW_OP.stack_value);
    expect(run(entry)).toEqual({ kind: 'unavailable', reason: 'DW_OP_GNU_entry_value: the entry value is not known (no call site value in the caller)' });
    expect(run(entry, machine({ entryValue: undefined })).kind).toBe('unavailable');
    const seen: Uint8Array[] = [];
    expect(run(expr([DW_OP.entry_value, 1, reg(11)], lit(4), DW_OP.plus, DW_OP.stack_value), machine({ entryValue: (e) => (seen.push(e), 0x40n) })))
      .toEqual({ kind: 'pieces', pieces: [{ location: { kind: 'value', value: 0x44n } }] });
    expect(seen).toEqual([Uint8Array.from([reg(11)])]);
    for (const o of [[DW_OP.call2, 0, 0], [DW_OP.call4, 0, 0, 0, 0], [DW_OP.call_ref, 0, 0, 0, 0], [lit(0), DW_OP.form_tls_address],
      [lit(0), DW_OP.GNU_push_tls_address], [DW_OP.GNU_parameter_ref, 1, 0, 0, 0], [DW_OP.GNU_variable_value, 0, 0, 0, 0], [DW_OP.push_object_address]]) {
      expect(run(expr(o, DW_OP.stack_value)).kind, o.join(' ')).toBe('unavailable');
    }
  });

  it('typed values (2.5.1.6): convert, const_type, regval_type, deref_type, reinterpret, signed and float arithmetic', () => {
    // (int)0xfffffffe / (int)2 = -1, back to the generic type: 2^64 - 1.
    expect(value(constu(0xfffffffe), [DW_OP.convert, 0x10], lit(2), [DW_OP.convert, 0x10], DW_OP.div, [DW_OP.convert, 0])).toBe(M64);
    // As unsigned int: 0x7fffffff.
    expect(value(constu(0xfffffffe), [DW_OP.GNU_convert, 0x20], lit(2), [DW_OP.GNU_convert, 0x20], DW_OP.div, [DW_OP.GNU_convert, 0])).toBe(0x7fffffffn);
    // (double)r / 3.0 with r = 10 (as GCC describes `double d = (double)r / 3.0`).
    const d = value(lit(10), [DW_OP.convert, 0x30], [DW_OP.convert, 0x40], [DW_OP.const_type, 0x40, 8, ...le(0x4008000000000000n, 8)], DW_OP.div);
    expect(new Float64Array(BigUint64Array.of(d).buffer)[0]).toBeCloseTo(10 / 3, 12);
    expect(value([DW_OP.GNU_const_type, 0x50, 4, ...le(0x3fc00000, 4)], [DW_OP.GNU_convert, 0x30], [DW_OP.convert, 0])).toBe(1n); // (long)1.5f
    expect(value([DW_OP.regval_type, 3, 0x20])).toBe(0x3000n);
    expect(value(constu(0x7000), [DW_OP.deref_type, 4, 0x10])).toBe(0x7001n);
    expect(value(constu(0x7000), [DW_OP.GNU_deref_type, 2, 0x20])).toBe(0x7001n);
    expect(value([DW_OP.const_type, 0x10, 4, ...le(-1, 4)], [DW_OP.reinterpret, 0x20], lit(1), [DW_OP.convert, 0x20], DW_OP.plus)).toBe(0n);
    expect(value([DW_OP.const_type, 0x10, 4, ...le(-1, 4)], [DW_OP.const_type, 0x10, 4, ...le(1, 4)], DW_OP.lt)).toBe(1n);
    expect(value([DW_OP.const_type, 0x20, 4, ...le(-1, 4)], [DW_OP.const_type, 0x20, 4, ...le(1, 4)], DW_OP.lt)).toBe(0n);
    expect(error([DW_OP.const_type, 0x10, 4, 1, 0, 0, 0], lit(1), DW_OP.plus)).toThrow(/operands of different types/);
    expect(error(lit(1), [DW_OP.reinterpret, 0x10])).toThrow(/sizes differ/);
    expect(error(lit(1), [DW_OP.convert, 0x11])).toThrow(/no base type at \.debug_info\+0x111/);
    expect(run(expr(lit(1), [DW_OP.convert, 0x60], DW_OP.stack_value)).kind).toBe('unavailable'); // __int128
    expect(run(expr(lit(1), [DW_OP.convert, 0x10], DW_OP.stack_value), machine({ baseType: undefined })).kind).toBe('unavailable');
  });

  it('corrupt expressions are DwarfErrors naming where the expression is and the operation', () => {
    expect(error(0xff)).toThrow('.debug_loc+0x40, expression+0x0: unknown operation 0xff');
    expect(error(lit(1), 0x01)).toThrow('.debug_loc+0x40, expression+0x1: unknown operation 0x1');
    expect(error([DW_OP.const4u, 1, 2])).toThrow(/\.debug_loc\+0x40, expression\+0x1: unexpected end of data/);
    expect(error([DW_OP.implicit_value, 10, 1])).toThrow(/expression\+0x2: unexpected end of data/);
    expect(error([DW_OP.regx, ...uleb(1n << 40n)])).toThrow(/out of range/);
  });

  it('32-bit addresses wrap the generic type to 32 bits', () => {
    const r = run(expr(lit(0), lit(1), DW_OP.minus, DW_OP.stack_value), machine({ addressSize: 4 }));
    expect(r).toEqual({ kind: 'pieces', pieces: [{ location: { kind: 'value', value: 0xffffffffn } }] });
  });
});

describe('a frame\'s expression context', () => {
  const registers = new Map<number, bigint>([[2, 0x8000_1000n], [8, 0x8000_2000n], [10, 42n], [42, 0x4000000000000000n]]);
  const memory = (address: bigint, size: number) => (address === 0x8000_0ff8n && size === 8 ? 0x1234n : undefined);

  it('reads registers (x0 is 0, unknown ones unavailable), memory, the CFA and the frame base', () => {
    const context = frameContext({ registers, memory, cfa: 0x8000_1010n, frameBase: () => 0x8000_1010n });
    expect(run(expr(breg(2, -8), DW_OP.deref, DW_OP.stack_value), context)).toEqual({ kind: 'pieces', pieces: [{ location: { kind: 'value', value: 0x1234n } }] });
    expect(expressionValue(expr(breg(0, 5)), context)).toBe(5n);
    expect(run(expr(breg(11, 0)), context).kind).toBe('unavailable');
    expect(expressionValue(expr([DW_OP.fbreg, ...sleb(-16)]), context)).toBe(0x8000_1000n);
    expect(expressionValue(expr(DW_OP.call_frame_cfa), context)).toBe(0x8000_1010n);
    expect(expressionValue(expr(reg(10)), context)).toBe(42n);
    expect(expressionValue(expr([DW_OP.regx, 42]), context)).toBe(0x4000000000000000n);
  });

  it('evaluates DW_AT_frame_base: an expression, or the entry of a list at the pc', () => {
    const context = frameContext({ registers, memory, cfa: 0x8000_1010n });
    expect(frameBaseOf({ kind: 'expression', expression: expr(DW_OP.call_frame_cfa) }, 0n, context)).toBe(0x8000_1010n);
    expect(frameBaseOf({ kind: 'expression', expression: expr(reg(8)) }, 0n, context)).toBe(0x8000_2000n);
    const list = { kind: 'list' as const, entries: [{ start: 0x100n, end: 0x104n, expression: expr(breg(2, 0)) }, { start: 0x104n, end: 0x200n, expression: expr(breg(8, 16)) }] };
    expect(frameBaseOf(list, 0x102n, context)).toBe(0x8000_1000n);
    expect(frameBaseOf(list, 0x180n, context)).toBe(0x8000_2010n);
    expect(frameBaseOf(list, 0x300n, context)).toBeUndefined();
  });

  it('resolves DW_OP_entry_value(DW_OP_regN) only through the caller\'s call site value for that register', () => {
    const asked: number[] = [];
    const callSiteValue = (register: number) => (asked.push(register), register === 10 ? 0x77n : undefined);
    const context = frameContext({ registers, memory, callSiteValue });
    const entry = (inner: Array<number | number[]>) => expr([DW_OP.entry_value, ...uleb(expr(...inner).length), ...expr(...inner)], DW_OP.stack_value);
    expect(run(entry([reg(10)]), context)).toEqual({ kind: 'pieces', pieces: [{ location: { kind: 'value', value: 0x77n } }] });
    expect(run(entry([DW_OP.regx, 11]), context).kind).toBe('unavailable');
    expect(run(entry([breg(10, 0), DW_OP.deref]), context).kind).toBe('unavailable'); // not a register: not resolved
    expect(run(entry([0xff]), context).kind).toBe('unavailable');
    expect(asked).toEqual([10, 11]);
    // Without call site information the frame's own a0 (42) is not used: it is not the entry value.
    expect(run(entry([reg(10)]), frameContext({ registers, memory })).kind).toBe('unavailable');
    // The caller evaluates the call site's DW_AT_call_value (DW_OP_breg8 (s0): 0) in its own frame.
    const caller = frameContext({ registers: new Map([[8, 0x9000n]]), memory });
    const callee = frameContext({ registers, memory, callSiteValue: (r) => (r === 10 ? expressionValue(expr(breg(8, 0)), caller) : undefined) });
    expect(locationValue(run(entry([reg(10)]), callee), callee)).toBe(0x9000n);
  });
});

describe('fuzzing the evaluator', () => {
  // A context that answers everything, so evaluation goes as deep as the bytes allow.
  const everything = machine({ entryValue: () => 7n, objectAddress: () => 0x100n, register: (n) => BigInt(n) + 1n, memory: (a, s) => BigInt.asUintN(s * 8, a * 3n) });
  /** The result's kind, or 'error' for a DwarfError; anything else fails. */
  const check = (bytes: Uint8Array, seed: number): string => {
    try {
      const r = evaluateLocation(bytes, everything, { cuOffset: CU, maxSteps: 2000 });
      expect(['pieces', 'optimized-out', 'unavailable']).toContain(r.kind);
      return r.kind;
    } catch (e) {
      // (out/ is CommonJS loaded beside this module's import: compare names, as the other DWARF tests do)
      if ((e as Error).name !== 'DwarfError') throw new Error(`seed ${seed}, bytes ${Buffer.from(bytes).toString('hex')}: ${(e as Error).stack}`);
      return 'error';
    }
  };
  const tally = (kinds: string[]) => kinds.reduce<Record<string, number>>((t, k) => ((t[k] = (t[k] ?? 0) + 1), t), {});

  it('random byte strings: a LocationResult or a DwarfError, within the step budget', () => {
    const rand = random(11);
    const started = Date.now();
    const kinds: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const bytes = Uint8Array.from({ length: 1 + Math.floor(rand() * 24) }, () => {
        // Bias towards real opcodes and small operands.
        const x = rand();
        return x < 0.5 ? 0x03 + Math.floor(rand() * 0xa7) : x < 0.6 ? 0xf0 + Math.floor(rand() * 14) : Math.floor(rand() * 256);
      });
      kinds.push(check(bytes, i));
    }
    expect(Date.now() - started).toBeLessThan(20_000);
    // The bytes reach evaluation, not only the decoder's errors.
    const t = tally(kinds);
    expect(t.pieces + t.unavailable, JSON.stringify(t)).toBeGreaterThan(1500); // measured 1875
  });

  it('mutated real expressions of the demo kernel', () => {
    const s = dwarfSections(parseElf(fs.readFileSync(path.join(ROOT, 'guests/demo/demo.elf'))));
    const real: Uint8Array[] = [];
    walkInfo(s, (name) => name === 0x02 || name === 0x40, (a) => {
      if (a.block) real.push(a.block);
      else if (a.form === 0x17 && a.value !== undefined) real.push(...debugLocList(s.loc!, Number(a.value), a.unit).map((e) => e.expression));
    });
    expect(real.length).toBeGreaterThan(300);
    const rand = random(12);
    const kinds: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const bytes = Uint8Array.from(real[Math.floor(rand() * real.length)]);
      const changes = 1 + Math.floor(rand() * 3);
      for (let k = 0; k < changes; k++) bytes[Math.floor(rand() * bytes.length)] = Math.floor(rand() * 256);
      kinds.push(check(rand() < 0.2 ? bytes.subarray(0, Math.floor(rand() * bytes.length)) : bytes, i));
    }
    const t = tally(kinds);
    expect(t.pieces, JSON.stringify(t)).toBeGreaterThan(4000); // measured 4511
    expect(t.error, JSON.stringify(t)).toBeGreaterThan(1000);
  });
});
