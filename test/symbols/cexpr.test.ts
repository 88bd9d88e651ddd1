// The C expression evaluator (src/symbols/values/cexpr) against gdb-multiarch, which evaluates C
// expressions with no process: ~600 seeded random constant expressions over literals of every
// form, casts to every standard type, unary and binary operators, ?: and pointer arithmetic, whose
// values and types must agree with gdb's (where gdb departs from C, the table below says how and
// the test follows C); then the evaluator over hand-built types and a Memory over a byte array:
// lvalues, members (anonymous ones too), arrays, pointers, short-circuit evaluation, and errors.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BaseType, CType, EnumType, Member, PointerType, StructType, TypedefType } from '../../src/symbols/dwarf/model';
import { evaluateText, ExpressionScope, typeToString } from '../../src/symbols/values/cexpr';
import { floatOf, fromInteger, integerOf, isFloat, Memory, pointerTo, strip, TypedValue } from '../../src/symbols/values/value';
import { requireTool } from '../cli/helpers';

const GDB = 'gdb-multiarch';
const NO_GDB = requireTool(GDB, 'the C expression tests compare with gdb\'s evaluation; scripts/setup-debian installs it (gdb-multiarch)');

/** A byte array at `base` as the machine's memory; reads outside it are unmapped. */
function arrayMemory(base: bigint, bytes: Uint8Array): Memory & { reads: bigint[] } {
  const reads: bigint[] = [];
  return {
    reads,
    read(address, length) {
      reads.push(address);
      const at = Number(address - base);
      if (address < base || at + length > bytes.length) return undefined;
      return bytes.slice(at, at + length);
    },
  };
}

function scopeOf(memory: Memory, variables: Record<string, TypedValue> = {}, types: Record<string, CType> = {}, registers: Record<string, TypedValue> = {}): ExpressionScope {
  return {
    variable: (n) => variables[n],
    type: (n, kind) => types[kind ? `${kind} ${n}` : n],
    register: (n) => registers[n],
    memory,
    pointerSize: 8,
  };
}

/** A result as text to compare: integers and pointers as numbers, floats by their value. */
function show(v: TypedValue, memory: Memory): string {
  if (isFloat(v.type)) {
    const x = floatOf(v, memory);
    return Number.isNaN(x) ? 'nan' : String(x);
  }
  return String(integerOf(v, memory));
}

// ---------------------------------------------------------------------------------------------
// Random constant expressions, against gdb

const INTEGER_TYPES = ['char', 'signed char', 'unsigned char', 'short', 'unsigned short', 'int', 'unsigned int', 'long',
  'unsigned long', 'long long', 'unsigned long long'];
const SPELLINGS: Record<string, string[]> = {
  'unsigned long': ['unsigned long', 'long unsigned int', 'unsigned long int'], 'short': ['short', 'short int', 'signed short'],
  'unsigned short': ['unsigned short', 'short unsigned int'], 'unsigned int': ['unsigned int', 'unsigned'],
  'long long': ['long long', 'long long int'], 'unsigned long long': ['unsigned long long', 'long long unsigned int'],
  'long': ['long', 'long int', 'signed long'],
};
const INTERESTING = [0n, 1n, 2n, 3n, 5n, 7n, 10n, 100n, 127n, 128n, 255n, 256n, 1000n, 32767n, 32768n, 65535n, 65536n, 2147483647n,
  2147483648n, 4294967295n, 4294967296n, 9223372036854775807n, 9223372036854775808n, 18446744073709551615n];
const BINARY = ['*', '/', '%', '+', '-', '<<', '>>', '<', '>', '<=', '>=', '==', '!=', '&', '^', '|', '&&', '||'];

function generator(seed: number) {
  const random = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return Math.floor((seed / 2147483648) * n);
  };
  const pick = <T>(xs: readonly T[]): T => xs[random(xs.length)];
  const spell = (t: string): string => pick(SPELLINGS[t] ?? [t]);
  const integer = (): string => {
    const v = random(3) === 0 ? BigInt(random(40)) : pick(INTERESTING);
    const suffix = pick(['', '', '', 'u', 'l', 'ul', 'll', 'ull', 'U', 'L']);
    if (v >= 1n << 63n && !/u/i.test(suffix) && random(2)) return `${v}`;  // decimal: unsigned long, as gdb
    switch (random(4)) {
      case 0: return `0x${v.toString(16)}${suffix}`;
      case 1: return v === 0n ? '0' : `0${v.toString(8)}${suffix}`;
      default: return `${v}${suffix}`;
    }
  };
  const char = (): string => pick(["'a'", "'\\n'", "'\\0'", "'\\377'", "'\\x7f'", "'\\200'", "'Z'", "'\\''", "'\\\\'"]);
  const float = (): string => pick(['0.5', '1.5', '2.0', '0.1', '3.25f', '1e3', '1.5e-3', '7.0f', '0x1p4', '100.0', '.25']);
  /** A divisor that is never -1 (gdb 13 itself dies of SIGFPE on LONG_MIN / -1). */
  const divisor = (): string => `${random(3) === 0 ? '-' : ''}${pick(['0', '2', '3', '7', '10', '1000', '65536', '3u', '7l', '5ul', '0x10'])}`;
  // gdb types a character constant as char, C as int (6.4.4.4p10): they are generated only where
  // either is promoted to int, never as the value of the whole or of a `,`.
  const leaf = (bare: boolean): string => {
    const r = random(10);
    return r < 6 ? integer() : r < 8 && !bare ? char() : r < 9 ? float() : integer();
  };
  // gdb does not convert ?:'s arms to a common type (6.5.15p5): arms of int's rank or more agree.
  const WIDE = INTEGER_TYPES.filter((t) => !/char|short/.test(t));
  const pointer = (depth: number): string => {
    const t = pick(['char', 'short', 'int', 'long', 'unsigned long']);
    const p = (): string => `(${t} *)${random(1000) * 8}`;
    return pick([`(${p()} + ${expression(depth - 1)})`, `(${p()} - ${random(50)})`]);
  };
  const expression = (depth: number, bare = false): string => {
    if (depth === 0) return leaf(bare);
    const r = random(20);
    if (r < 4) return `(${spell(pick(INTEGER_TYPES))})${expression(depth - 1)}`;
    if (r < 5) return `(${pick(['float', 'double'])})${expression(depth - 1)}`;
    if (r < 7) return `${pick(['-', '~', '!', '+'])}${expression(depth - 1)}`;
    if (r < 8) {
      const t = spell(pick(WIDE));
      return `(${expression(depth - 1)} ? (${t})${expression(depth - 1)} : (${t})${expression(depth - 1)})`;
    }
    if (r < 9) {
      // Pointer values, as the whole (gdb converts pointers to floats, C does not: 6.5.4p4) or as integers.
      const t = pick(['char', 'short', 'int', 'long', 'unsigned long']);
      const p = (): string => `(${t} *)${random(1000) * 8}`;
      return bare && random(2) ? pointer(depth)
        : pick([`(unsigned long)${pointer(depth)}`, `(${p()} - ${p()})`, `(${p()} ${pick(['<', '==', '>=', '!='])} ${p()})`, `!${p()}`]);
    }
    if (r < 10) return `(${expression(depth - 1)}, ${expression(depth - 1, true)})`;
    const op = pick(BINARY);
    const right = op === '/' || op === '%' ? divisor() : op === '<<' || op === '>>' ? pick(['0', '1', '3', '8', '31', '32', '63', '64', '-1', `${random(40)}`]) : expression(depth - 1);
    return `(${expression(depth - 1)} ${op} ${right})`;
  };
  return (): string => expression(1 + random(4), true);
}

interface GdbResult { value?: string; type?: string; error?: string }

/** gdb's value and type of each expression, through its Python API (one gdb for all). */
function gdbEvaluate(expressions: string[]): GdbResult[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cexpr-'));
  try {
    fs.writeFileSync(path.join(dir, 'in.json'), JSON.stringify(expressions));
    fs.writeFileSync(path.join(dir, 'eval.py'), [
      'import gdb, json',
      `for e in json.load(open(${JSON.stringify(path.join(dir, 'in.json'))})):`,
      '    try:',
      '        v = gdb.parse_and_eval(e)',
      "        print('@@' + json.dumps({'value': str(v), 'type': str(v.type)}))",
      '    except gdb.error as x:',
      "        print('@@' + json.dumps({'error': str(x)}))",
    ].join('\n'));
    const r = spawnSync('sh', ['-c', `ulimit -c 0; exec ${GDB} -nx -batch -ex 'set architecture riscv:rv64' -x eval.py`],
      { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 26 });
    const results = r.stdout.split('\n').filter((l) => l.startsWith('@@')).map((l) => JSON.parse(l.slice(2)) as GdbResult);
    expect(results.length, r.stderr).toBe(expressions.length);
    return results;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** gdb's printed value as the same text `show` makes. */
function gdbNumber(text: string, type: string): string {
  if (/nan/.test(text)) return 'nan';
  if (text === 'inf' || text === '-inf') return text === 'inf' ? 'Infinity' : '-Infinity';
  if (type === 'float') return String(Math.fround(Number(text)));
  if (type === 'double') return String(Number(text));
  const m = /^0x[0-9a-f]+|^-?\d+/.exec(text);
  return m ? String(BigInt(m[0])) : text;
}

/**
 * Where gdb 13 departs from C, and this evaluator follows C: gdb types the binary operators'
 * results by size alone (`1ll + 1` is long there, long long in C 6.3.1.8).
 */
const normaliseType = (t: string): string => t.replace(/\blong long\b/, 'long');

describe.skipIf(NO_GDB)('C expressions against gdb-multiarch', () => {
  it('agrees with gdb on 600 random constant expressions', () => {
    const next = generator(Number(process.env.CEXPR_SEED ?? 20240611));
    const expressions = Array.from({ length: Number(process.env.CEXPR_COUNT ?? 600) }, next);
    const gdb = gdbEvaluate(expressions);
    const memory = arrayMemory(0n, new Uint8Array(0));
    const scope = scopeOf(memory);
    const disagreements: string[] = [];
    let errors = 0;
    const types = new Set<string>();
    expressions.forEach((text, i) => {
      const theirs = gdb[i];
      let ours: { value?: string; type?: string; error?: string };
      try {
        const v = evaluateText(text, scope);
        ours = { value: show(v, memory), type: typeToString(v.type) };
      } catch (e) {
        if ((e as Error).name !== 'ExpressionError') throw e;
        ours = { error: (e as Error).message };
      }
      if (theirs.error !== undefined || ours.error !== undefined) {
        if (theirs.error === undefined || ours.error === undefined) disagreements.push(`${text}: gdb ${JSON.stringify(theirs)}, ours ${JSON.stringify(ours)}`);
        errors++;
        return;
      }
      types.add(theirs.type!);
      const value = gdbNumber(theirs.value!, theirs.type!);
      if (value !== ours.value || normaliseType(theirs.type!) !== normaliseType(ours.type!)) {
        disagreements.push(`${text}: gdb ${theirs.value} (${theirs.type}), ours ${ours.value} (${ours.type})`);
      }
    });
    expect(disagreements).toEqual([]);
    // Errors (division by zero, ~ of a float) are a part, not most, of the table.
    expect(errors).toBeLessThan(expressions.length / 5);
    // The results cover the standard types and pointers.
    expect([...types].sort()).toEqual(expect.arrayContaining(['char', 'double', 'float', 'int', 'long', 'unsigned char', 'unsigned int', 'unsigned long', 'int *']));
    console.log(`${expressions.length} expressions, ${errors} errors in both, result types: ${[...types].sort().join(', ')}`);
  });
});

// ---------------------------------------------------------------------------------------------
// Over hand-built types and a Memory over a byte array

describe('C expressions over typed memory', () => {
  let id = 1;
  const base = (name: string, size: number, encoding: BaseType['encoding']): BaseType => ({ kind: 'base', id: id++, name, size, encoding });
  const int = base('int', 4, 'signed');
  const uint = base('unsigned int', 4, 'unsigned');
  const char = base('char', 1, 'unsigned_char');
  const ulong = base('long unsigned int', 8, 'unsigned');
  const u64: TypedefType = { kind: 'typedef', id: id++, name: 'u64', target: ulong };
  const member = (name: string | undefined, type: CType, offset: number, bits?: [number, number]): Member =>
    ({ name, type, offset, ...(bits ? { bitOffset: bits[0], bitSize: bits[1] } : {}) });
  // struct inner { int x; union { int u; char c; }; unsigned int flag : 3; };  (12 bytes)
  const anonymous: StructType = { kind: 'union', id: id++, size: 4, members: [member('u', int, 0), member('c', char, 0)], incomplete: false };
  const inner: StructType = { kind: 'struct', id: id++, name: 'inner', size: 12,
    members: [member('x', int, 0), member(undefined, anonymous, 4), member('flag', uint, 8, [64, 3])], incomplete: false };
  // struct node { u64 value; struct node *next; struct inner in; char name[8]; };  (40 bytes)
  const node: StructType = { kind: 'struct', id: id++, name: 'node', size: 40, members: [], incomplete: false };
  const nodePointer: PointerType = { kind: 'pointer', id: id++, size: 8, target: node };
  (node as unknown as { members: Member[] }).members = [member('value', u64, 0), member('next', nodePointer, 8), member('in', inner, 16),
    member('name', { kind: 'array', id: id++, element: char, count: 8, lowerBound: 0 }, 32)];
  const color: EnumType = { kind: 'enum', id: id++, name: 'color', size: 4, signed: false, enumerators: [{ name: 'RED', value: 0n }, { name: 'BLUE', value: 2n }] };
  const voidPointer: PointerType = { kind: 'pointer', id: id++, size: 8, target: { kind: 'void', id: id++ } };

  // Two nodes at 0x1000 and 0x1028, a list: a -> b -> NULL.
  const BASE = 0x1000n;
  const bytes = new Uint8Array(0x100);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(0, 0x1122334455667788n, true);
  view.setBigUint64(8, 0x1028n, true);
  view.setInt32(16, -7, true);
  view.setInt32(20, 0x41, true);
  view.setUint32(24, 0b101, true);
  bytes.set(Buffer.from('alpha\0'), 32);
  view.setBigUint64(40, 5n, true);
  view.setBigUint64(48, 0n, true);
  bytes.set(Buffer.from('beta\0'), 72);
  view.setInt32(0x80, 10, true);  // int numbers[4] = {10, 20, 30, 40} at 0x1080
  view.setInt32(0x84, 20, true);
  view.setInt32(0x88, 30, true);
  view.setInt32(0x8c, 40, true);
  const memory = arrayMemory(BASE, bytes);
  const numbers: TypedValue = { type: { kind: 'array', id: id++, element: int, count: 4, lowerBound: 0 }, address: 0x1080n };
  const scope = scopeOf(memory, {
    a: { type: node, address: 0x1000n },
    p: fromInteger(nodePointer, 0x1000n),
    q: fromInteger(nodePointer, 0n),
    bad: fromInteger(nodePointer, 0xdead0000n),
    numbers,
    count: { type: int, address: 0x1080n },
    c: fromInteger(color, 2n),
    vp: fromInteger(voidPointer, 0x1000n),
    dfd: fromInteger(int, -100n),
    how: fromInteger(pointerTo(inner), 0x1010n),
  }, { u64, 'struct node': node, 'struct inner': inner, 'enum color': color, int }, {
    a0: { type: ulong, bytes: bytes.slice(0, 8), register: 10 },
    pc: fromInteger(ulong, 0x80200000n),
  });
  const value = (text: string): string => show(evaluateText(text, scope), memory);
  const type = (text: string): string => typeToString(evaluateText(text, scope).type);
  const error = (text: string): string => {
    try {
      evaluateText(text, scope);
    } catch (e) {
      if ((e as Error).name === 'ExpressionError') return (e as Error).message;
      throw e;
    }
    return 'no error';
  };

  it('the longest chains the parser allows evaluate without exhausting the stack', () => {
    expect(value('1' + '+1'.repeat(500))).toBe('501');
    expect(value('numbers[0]' + '+numbers[1]'.repeat(249))).toBe(String(10 + 249 * 20));
  });

  it.each([
    ['a.value', '1234605616436508552', 'u64'],
    ['a.value & 0xff', '136', 'unsigned long'],
    ['p->next->value', '5', 'u64'],
    ['(*p).next', '4136', 'struct node *'],
    ['a.in.x', '-7', 'int'],
    ['a.in.u', '65', 'int'],         // through the anonymous union
    ['a.in.c', '65', 'char'],
    ['a.in.flag', '5', 'unsigned int'],
    ['a.in.flag - 6', '-1', 'int'],  // a 3-bit field promotes to int (6.3.1.1p2)
    ['a.name[1]', '108', 'char'],
    ['*a.name', '97', 'char'],
    ['p->next->name[0]', '98', 'char'],
    ['numbers[2]', '30', 'int'],
    ['2[numbers]', '30', 'int'],
    ['*(numbers + 3)', '40', 'int'],
    ['&numbers[3] - &numbers[1]', '2', 'long'],
    ['&numbers[1]', '4228', 'int *'],
    ['&numbers', '4224', 'int (*)[4]'],
    ['sizeof numbers', '16', 'unsigned long'],
    ['sizeof numbers / sizeof numbers[0]', '4', 'unsigned long'],
    ['sizeof(struct node)', '40', 'unsigned long'],
    ['sizeof a.in', '12', 'unsigned long'],
    ['sizeof *q', '40', 'unsigned long'],           // not evaluated: q is NULL
    ['sizeof q->next->value', '8', 'unsigned long'],
    ['sizeof(u64)', '8', 'unsigned long'],
    ["sizeof 'a'", '4', 'unsigned long'],            // a character constant is an int (6.4.4.4p10)
    ["'a'", '97', 'int'],
    ['(char)1 ? (char)2 : (char)3', '2', 'int'],     // 6.5.15p5: the usual arithmetic conversions
    ['p + 1', '4136', 'struct node *'],
    ['(p + 1)->value', '5', 'u64'],
    ['(char *)p + 1', '4097', 'char *'],
    ['(u64)p', '4096', 'u64'],
    ['(struct inner *)0x1010', '4112', 'struct inner *'],
    ['((struct inner *)0x1010)->x', '-7', 'int'],
    ['(unsigned long)&p->next', '4104', 'unsigned long'],
    ['&a.in', '4112', 'struct inner *'],
    ['p == &a', '1', 'int'],
    ['p != 0 && p->next != 0', '1', 'int'],
    ['q && q->value', '0', 'int'],                   // q->value is not read
    ['!q || q->value', '1', 'int'],
    ['q ? q->value : 7', '7', 'unsigned long'],
    ['c', '2', 'enum color'],
    ['c + 1', '3', 'unsigned int'],
    ['dfd == -100 && how->flag & 4', '1', 'int'],
    // The program's "long unsigned int", named as gdb names it.
    ['$a0', '1234605616436508552', 'unsigned long'],
    ['$pc + 4', '2149580804', 'unsigned long'],
    ['(int (*)(int))$pc', '2149580800', 'int (*)(int)'],
    ['(char (*)[16])p', '4096', 'char (*)[16]'],
    ['*(char (*)[16])p', '', 'char [16]'],
    ['(unsigned long)-1', '18446744073709551615', 'unsigned long'],
    ['(long unsigned int)1', '1', 'unsigned long'],
    ['count', '10', 'int'],
    ['-count', '-10', 'int'],
  ])('%s = %s (%s)', (text, expected, expectedType) => {
    if (expected) expect(value(text)).toBe(expected);
    expect(type(text)).toBe(expectedType);
  });

  it('never reads the arm or operand that is not evaluated', () => {
    memory.reads.length = 0;
    expect(value('q && bad->value')).toBe('0');
    expect(value('0 ? bad->value : 1')).toBe('1');
    expect(value('sizeof bad->value')).toBe('8');
    expect(memory.reads).toEqual([]);
    expect(value('q != 0 && bad->value || 1')).toBe('1');
    expect(value('1 || bad->value')).toBe('1');
    expect(memory.reads).toEqual([]);
  });

  it.each([
    ['hwo->flags', "unknown identifier 'hwo' at column 1"],
    ['p->nothing', "'struct node' has no member named 'nothing' at column 4"],
    ['a->value', "'->' needs a pointer to a struct or union, not 'struct node' at column 1"],
    ['p.value', "'.' needs a struct or union, not 'struct node *' (a pointer: use '->') at column 1"],
    ['*vp', "cannot dereference 'void *': cast it to a pointer to the type it points to at column 1"],
    ['*count', "cannot dereference a value of type 'int', which is not a pointer at column 1"],
    ['&$a0', 'cannot take the address of a register: it is not in memory at column 1'],
    ['&(count + 1)', 'cannot take the address of a computed value: it is not in memory at column 1'],
    ['count / (count - 10)', 'division by zero at column 1'],
    ['1 + count % 0', 'division by zero at column 5'],
    ['1 + bad->value', 'Cannot access memory at address 0xdead0000 at column 5'],
    ['p->next->next->value', 'no error'],  // an lvalue: its bytes are read when it is shown
    ['p->next->next->value + 1', 'Cannot access memory at address 0x0 at column 1'],
    ['$nothing', "unknown register '$nothing' at column 1"],
    ['(struct nothing *)p', "no struct named 'nothing' at column 2"],
    ['p - (char *)0', "cannot subtract pointers to different types ('struct node *' and 'char *') at column 1"],
    ['p * 2', "'*' cannot take a pointer at column 1"],
    ['a + 1', "a value of type 'struct node' where a number or pointer is needed at column 1"],
    ['count[1]', "cannot subscript a value of type 'int' at column 1"],
    ['~1.5', "'~' needs an integer, not a floating value at column 1"],
    ['1.5 % 2', "'%' needs integers, not floating values at column 1"],
    ['p->next = 0', "'=' is not supported: the recording is read-only at column 9"],
  ])('refuses %s', (text, message) => {
    expect(error(text)).toBe(message);
  });

  it('reads typedef names as types only where the scope says so: (u64)-1 is a cast, (count)-1 a subtraction', () => {
    expect(value('(u64)-1')).toBe('18446744073709551615');
    expect(value('(count)-1')).toBe('9');
  });

  it('synthesises the standard types the program does not name, and uses the program\'s own when it does', () => {
    expect(evaluateText('(int)1', scope).type).toBe(int);
    expect(strip(evaluateText('(long long)1', scope).type)).toMatchObject({ kind: 'base', name: 'long long', size: 8, encoding: 'signed' });
    expect(strip(evaluateText('(short unsigned)1', scope).type)).toMatchObject({ kind: 'base', name: 'unsigned short', size: 2 });
  });
});
