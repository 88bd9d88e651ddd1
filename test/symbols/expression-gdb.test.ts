// Evaluation end to end against gdb: gdb-multiarch's `info scope` describes each variable's location
// in words ("a variable in $a0", "the constant 3", "a variable at address 0x...", "[8-byte piece]"),
// range by range for location lists. For every such description of the demo kernel and of a C fixture
// (GCC -O2, DWARF 4 and 5), the same list entry (or expression), evaluated with a symbolic context
// (register n holds n << 32), must give that register, value or address, piece by piece.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseElf } from '../../src/elf/elf';
import { evaluateLocation } from '../../src/symbols/dwarf/expression';
import { ExpressionContext, LocationResult } from '../../src/symbols/dwarf/model';
import { dwarfSections } from '../../src/symbols/dwarf/sections';
import { F_ABI_NAMES, X_ABI_NAMES } from '../../src/symbols/registers';
import { requireTool, ROOT } from '../cli/helpers';
import { debugLocList, debugLoclistsList, loclistxOffset, walkInfo } from './dwarf-walk';

const GDB = 'gdb-multiarch';
const GCC = 'riscv64-unknown-elf-gcc';
const NO_GDB = requireTool(GDB, 'the expression test compares with gdb\'s info scope; scripts/setup-debian installs it (gdb-multiarch)');
const NO_GCC = requireTool(GCC, 'the expression test compiles a fixture with it; scripts/setup-debian installs it (gcc-riscv64-unknown-elf)');

const REGISTERS = new Map<string, number>([...X_ABI_NAMES.map((n, i) => [n, i] as const), ['fp', 8], ...F_ABI_NAMES.map((n, i) => [n, 32 + i] as const)]);

/** A symbolic machine: register n holds n << 32; memory and everything else is unknown. */
const symbolic: ExpressionContext = { addressSize: 8, register: (n) => BigInt(n) << 32n, memory: () => undefined };

/** gdb's words for one piece, as our evaluation would say them; undefined where gdb's are not simple. */
function ourWords(r: LocationResult): string | undefined {
  if (r.kind !== 'pieces') return undefined;
  const words = r.pieces.map((p) => {
    const l = p.location;
    let w: string | undefined;
    if (l.kind === 'register') w = `a variable in $${[...REGISTERS].find(([, n]) => n === l.register)?.[0] ?? `r${l.register}`}`;
    else if (l.kind === 'value') w = `the constant ${BigInt.asIntN(64, l.value)}`;
    else if (l.kind === 'memory' && l.address >> 32n > 0n && l.address >> 32n < 64n) {
      // A breg: the register is the high half.
      const n = Number(l.address >> 32n);
      const name = [...REGISTERS].find(([, k]) => k === n)?.[0];
      w = `a variable at offset ${BigInt.asIntN(32, l.address & 0xffffffffn)} from base reg $${name}`;
    } else if (l.kind === 'memory') w = `a variable at address 0x${l.address.toString(16)}`;
    else if (l.kind === 'undefined') w = 'an empty piece';
    if (w === undefined) return undefined;
    return p.sizeBits === undefined ? w : `${w} [${p.sizeBits / 8}-byte piece]`;
  });
  return words.includes(undefined) ? undefined : words.join(', and ');
}

const SIMPLE = /^(?:(?:a variable in \$\w+|the constant -?\d+|a variable at address 0x[0-9a-f]+|a variable at offset -?\d+ from base reg \$\w+)(?: \[\d+-byte piece\])?(?:, and |$))+$/;

interface Described { symbol: string; range?: [bigint, bigint]; words: string }

/** The simple descriptions in gdb's `info scope` output. */
function gdbDescriptions(file: string, scopes: string[]): Described[] {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-expr-gdb-'));
  try {
    const r = spawnSync('sh', ['-c', `ulimit -c 0; exec ${GDB} -nx -batch ${scopes.map((s) => `-ex 'info scope ${s}'`).join(' ')} '${file}'`],
      { cwd: tmp, encoding: 'utf8', maxBuffer: 1 << 26, timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const out: Described[] = [];
    let symbol = '';
    for (const line of r.stdout.split('\n')) {
      let m: RegExpExecArray | null;
      if ((m = /^Symbol (\S+) is (.*?)(?:, length \d+\.)?$/.exec(line))) {
        symbol = m[1];
        if (SIMPLE.test(m[2])) out.push({ symbol, words: m[2] });
      } else if ((m = /^ {2}Range 0x([0-9a-f]+)-0x([0-9a-f]+): (.*)$/.exec(line)) && SIMPLE.test(m[3])) {
        out.push({ symbol, range: [BigInt(`0x${m[1]}`), BigInt(`0x${m[2]}`)], words: m[3] });
      }
    }
    return out;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** Our words for every DW_AT_location expression and list entry of the file. */
function ourDescriptions(file: string): { exprlocs: Set<string>; ranges: Map<string, Set<string>> } {
  const s = dwarfSections(parseElf(fs.readFileSync(file)));
  const exprlocs = new Set<string>();
  const ranges = new Map<string, Set<string>>();
  walkInfo(s, (name) => name === 0x02, (a) => {
    const options = { cuOffset: a.unit.offset, version: a.unit.version };
    if (a.block) {
      const w = ourWords(evaluateLocation(a.block, symbolic, options));
      if (w) exprlocs.add(w);
      return;
    }
    if (a.value === undefined) return;
    const entries = a.unit.version >= 5
      ? debugLoclistsList(s, a.form === 0x22 ? loclistxOffset(s, a.unit, a.value) : Number(a.value), a.unit)
      : debugLocList(s.loc!, Number(a.value), a.unit);
    for (const e of entries) {
      const w = ourWords(evaluateLocation(e.expression, symbolic, options));
      const key = `${e.begin.toString(16)}-${e.end.toString(16)}`;
      if (w) ranges.set(key, (ranges.get(key) ?? new Set()).add(w));
    }
  });
  return { exprlocs, ranges };
}

function expectSameDescriptions(file: string, scopes: string[], atLeast: number): void {
  const theirs = gdbDescriptions(file, scopes);
  const ours = ourDescriptions(file);
  const missing = theirs.filter((d) => !(d.range ? ours.ranges.get(`${d.range[0].toString(16)}-${d.range[1].toString(16)}`) : ours.exprlocs)?.has(d.words));
  expect(missing.map((d) => `${d.symbol} ${d.range ? `0x${d.range[0].toString(16)}-0x${d.range[1].toString(16)}` : ''}: gdb says ${d.words}`)).toEqual([]);
  expect(theirs.length).toBeGreaterThanOrEqual(atLeast);
}

const FIXTURE = `
struct pair { long a; long b; };
extern long ext(long);
extern void use(void *);
long gl = 5;
static inline long helper(struct pair p, long k) { long s = p.a * k + p.b; use(&s); return s; }
long f(long x, long y, int *q) {
  struct pair p = { x, y };
  long r = helper(p, 3);
  for (int i = 0; i < x; i++) r += ext(i) + q[i] + gl;
  return r;
}
long g(long a, long b, long c, long d) { long t = a * b; use(&t); return t + c * d + ext(a - d); }
long ext(long x) { return x * 7; }
void use(void *p) { (void)p; }
void _start(void) { int q[4] = { 1, 2, 3, 4 }; f(3, 4, q); g(1, 2, 3, 4); }
`;

describe.skipIf(NO_GDB)('location evaluation against gdb\'s info scope', () => {
  it('the demo kernel: every function\'s variables', () => {
    const demo = path.join(ROOT, 'guests/demo/demo.elf');
    const r = spawnSync('sh', ['-c', `ulimit -c 0; exec ${GDB} -nx -batch -ex 'info functions' '${demo}'`], { encoding: 'utf8', cwd: os.tmpdir() });
    const functions = [...r.stdout.matchAll(/^\d+:\s+(?:static )?[\w ]+?\**\b(\w+)\(/gm)].map((m) => m[1]);
    expect(functions.length).toBeGreaterThan(10);
    expectSameDescriptions(demo, functions, 300); // measured 342, 315 of them list entries
  });

  it.skipIf(NO_GCC)('a fixture at -O2, DWARF 4 and 5', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-expr-gdb-'));
    try {
      fs.writeFileSync(path.join(tmp, 'f.c'), FIXTURE);
      for (const dwarf of ['-gdwarf-4', '-gdwarf-5']) {
        const elf = path.join(tmp, `f${dwarf}.elf`);
        const c = spawnSync(GCC, ['-O2', dwarf, '-mcmodel=medany', '-nostdlib', '-ffreestanding', '-Wl,-Ttext=0x80000000', path.join(tmp, 'f.c'), '-o', elf], { encoding: 'utf8' });
        expect(c.status, c.stderr).toBe(0);
        expectSameDescriptions(elf, ['f', 'g', 'ext', '_start', 'helper', '*0x80000010', '*0x80000020'], 20); // measured 24
      }
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
