// The differential test's own tools (gdb-values.ts), against gdb: rebuilding gdb's text for a struct,
// union or array from its parts must give what gdb's `print` prints (nested structs, anonymous
// unions and structs, bit fields, char arrays, runs of repeats, the 200-element limit, arrays of
// structs, two dimensions), on a C program's initialised globals, which gdb reads from the ELF
// without running it. And the parse of `info args`/`info locals` on text gdb printed.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireTool } from '../cli/helpers';
import { arrayText, DapVariable, gdbText, parseInfoVariables, parsePrinted, parseWhen, plainName } from './gdb-values';

const GCC = 'riscv64-unknown-elf-gcc';
const NO_TOOLS = requireTool('gdb-multiarch', 'the checks of the differential test\'s tools ask it; scripts/setup-debian installs it')
  || requireTool(GCC, 'the checks of the differential test\'s tools compile a C fixture with it; scripts/setup-debian installs it (gcc-riscv64-unknown-elf)');

const range = (n: number, f: (i: number) => number | string): string => Array.from({ length: n }, (_, i) => f(i)).join(', ');

const SOURCE = `
struct inner { int c; short d; };
enum color { RED, GREEN, BLUE };
struct outer {
  int a;
  struct inner b;
  union { int u; unsigned char raw[4]; };
  struct { char x; char y; };
  unsigned flag : 3;
  int bits : 5;
  char name[16];
  int arr[4];
  enum color color;
  _Bool ok;
  struct inner *next;
  double ratio;
};
int small[3] = { 1, 2, 3 };
int zeros[64];
int runs[40] = { [0 ... 14] = 7, [15 ... 20] = 1, [21 ... 39] = 9 };
int exactly_ten[12] = { 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 6, 6 };
int eleven[11] = { 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4 };
long many[250] = { ${range(250, (i) => i * 3)} };
long tail_run[230] = { ${range(230, (i) => (i < 195 ? i : 1))} };
struct inner inners[12] = { ${range(12, () => '{ 1, 2 }')} };
struct inner pair[2] = { { 1, 2 }, { 3, -4 } };
int matrix[3][4] = { { 1, 2, 3, 4 }, { 0, 0, 0, 0 }, { 9, 8, 7, 6 } };
char text[32] = "hello";
struct outer o = { 1, { 2, 3 }, { .u = 0x41424344 }, { 'x', 'y' }, 5, -3, "name", { 1, 0, 0, 1 }, BLUE, 1, &pair[1], 0.5 };
struct outer os[2] = { { .a = 1, .name = "first" }, { .a = 2, .flag = 7, .bits = -16 } };
struct outer *po = &o;
int main(void) { return 0; }
`;
const GLOBALS = ['small', 'zeros', 'runs', 'exactly_ten', 'eleven', 'many', 'tail_run', 'inners', 'pair', 'matrix', 'text', 'o', 'os', '*po'];

interface Tree { name: string; value: string; children: Tree[] }

describe.skipIf(NO_TOOLS)('gdb-values: gdb\'s text rebuilt from the parts of a value', () => {
  for (const dwarf of ['-gdwarf-4', '-gdwarf-5']) {
    it(`gives what gdb's print prints (${dwarf})`, async () => {
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-gdb-values-'));
      fs.writeFileSync(path.join(tmp, 'values.c'), SOURCE);
      const elf = path.join(tmp, 'values.elf');
      const cc = spawnSync(GCC, [dwarf, '-O0', '-nostdlib', '-ffreestanding', '-Wl,-Ttext=0x80000000', '-Wl,-e,main', '-o', elf, path.join(tmp, 'values.c')], { encoding: 'utf8' });
      expect(cc.stderr + cc.stdout).toBe('');
      const output = path.join(tmp, 'values.jsonl');
      const script = path.join(tmp, 'script.gdb');
      fs.writeFileSync(script, [
        `python OUTPUT = ${JSON.stringify(output)}`,
        `python GLOBALS = ${JSON.stringify(GLOBALS)}`,
        `source ${path.join(__dirname, 'gdb-values-print.py')}`,
      ].join('\n') + '\n');
      const g = spawnSync('sh', ['-c', 'ulimit -c 0; exec "$@"', 'sh', 'gdb-multiarch', '-nx', '-batch', '-x', script, elf], { cwd: tmp, encoding: 'utf8', timeout: 60_000 });
      expect(g.status, g.stderr).toBe(0);
      const rows = fs.readFileSync(output, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { name: string; print: string; tree: Tree });
      expect(rows.map((r) => r.name)).toEqual(GLOBALS);
      // The adapter's variablesReference: an index into the nodes with children.
      const nodes: Tree[] = [];
      const dap = (t: Tree): DapVariable => ({ name: t.name, value: t.value, variablesReference: t.children.length > 0 ? nodes.push(t) : 0 });
      const children = async (v: DapVariable): Promise<DapVariable[]> => nodes[v.variablesReference - 1].children.map(dap);
      for (const r of rows) expect(await gdbText(dap(r.tree), children), r.name).toBe(parsePrinted(r.print));
      // What is covered: gdb used its repeats and its limit here.
      const printed = rows.map((r) => parsePrinted(r.print)).join('\n');
      expect(printed).toMatch(/<repeats 15 times>/);
      expect(printed).toMatch(/\{c = 1, d = 2\} <repeats 12 times>/);
      expect(printed).toMatch(/597\.\.\.\}/);
      expect(printed).toMatch(/b = \{c = 2, d = 3\}, \{u = 1094861636, raw = "DCBA"\}, \{x = 120 'x', y = 121 'y'\}, flag = 5, bits = -3/);
      fs.rmSync(tmp, { recursive: true, force: true });
    }, 60_000);
  }
});

describe('gdb-values: the parse of what gdb prints', () => {
  it('info args / info locals: one variable a line, in order, shadowed names repeated; nothing for "No locals."', () => {
    const text = 'nd = {path = {mnt = 0x0, dentry = 0x0}, last = {{{hash = 2148815520, len = 4294967295}, hash_len = 18446744071563399840}, name = 0x8 <error: Cannot access memory at address 0x8>}}\n'
      + 'flags = <optimized out>\nx = 1\nx = 2\n';
    expect(parseInfoVariables(text)).toEqual([
      { name: 'nd', value: '{path = {mnt = 0x0, dentry = 0x0}, last = {{{hash = 2148815520, len = 4294967295}, hash_len = 18446744071563399840}, name = 0x8 <error: Cannot access memory at address 0x8>}}' },
      { name: 'flags', value: '<optimized out>' },
      { name: 'x', value: '1' },
      { name: 'x', value: '2' },
    ]);
    expect(parseInfoVariables('No locals.\n')).toEqual([]);
    expect(parseInfoVariables('No arguments.\n')).toEqual([]);
    expect(() => parseInfoVariables('something else\n')).toThrow(/no variable/);
  });

  it('print, monitor when, and the mark on a shadowed name', () => {
    expect(parsePrinted('$12 = {a = 1, b = "x = 2"}\n')).toBe('{a = 1, b = "x = 2"}');
    expect(() => parsePrinted('Cannot access memory at address 0x0')).toThrow();
    expect(parseWhen('position 92707 (of 0..113671448)\n')).toBe(92707);
    expect(plainName('x (shadowed)')).toBe('x');
    expect(plainName('x')).toBe('x');
  });

  it('arrays as gdb prints them: more than 10 equal in a row are one repeat, and the limit counts a repeat as 10', () => {
    expect(arrayText(['1', '2', '3'])).toBe('{1, 2, 3}');
    expect(arrayText(Array(10).fill('0'))).toBe('{0, 0, 0, 0, 0, 0, 0, 0, 0, 0}');
    expect(arrayText(Array(11).fill('0'))).toBe('{0 <repeats 11 times>}');
  });
});
