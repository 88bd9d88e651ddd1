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
