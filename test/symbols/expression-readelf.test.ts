// The DWARF expression decoder against GNU readelf, which prints every expression it meets: every
// entry of every location list of vmlinux's .debug_loc, of the demo kernel, and of C fixtures built
// with both GCCs at -O0 and -O2 for DWARF 4 and 5 (.debug_loclists); every expression-valued
// attribute of .debug_info (readelf --debug-dump=info); and every operation with its operand forms,
// and every register number readelf names, through .cfi_escape'd DW_CFA_val_expression rules
// (readelf --debug-dump=frames).

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseElf } from '../../src/elf/elf';
import { disassembleExpression } from '../../src/symbols/dwarf/expression';
import { DwarfSections, dwarfSections } from '../../src/symbols/dwarf/sections';
import { requireLinuxGuest, requireTool, ROOT } from '../cli/helpers';
import { expr, le, sleb, uleb } from './dwarf-bytes';
import { Attribute, debugLocList, debugLoclistsList, ListEntry, loclistxOffset, Unit, walkInfo } from './dwarf-walk';

const READELF = 'riscv64-unknown-elf-readelf';
const DEMO = path.join(ROOT, 'guests/demo/demo.elf');
const NO_READELF = requireTool(READELF, 'the expression tests compare with readelf --debug-dump; scripts/setup-debian installs it (binutils-riscv64-unknown-elf)');
const COMPILERS = ['riscv64-unknown-elf-gcc', 'riscv64-linux-gnu-gcc'];
const NO_GCC = COMPILERS.some((c) => requireTool(c, 'the expression tests compile C fixtures with it; scripts/setup-debian installs it'));
const vmlinux = NO_READELF ? undefined : requireLinuxGuest('the expression test disassembles every location list entry of vmlinux')?.vmlinux;

function readelf(args: string[]): string {
  const r = spawnSync(READELF, args, { encoding: 'utf8', maxBuffer: 1 << 30 });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

// Attributes whose lists and expressions are locations (7.5.4: class loclist or exprloc).
const LOCATION_ATTRIBUTES = new Set([0x02, 0x19, 0x2a, 0x38, 0x40, 0x46, 0x48, 0x4a, 0x4d]);
const LIST_FORMS = new Set([0x06, 0x07, 0x17, 0x22]); // data4, data8 (DWARF 2-3), sec_offset, loclistx

interface TextEntry { begin: bigint; end: bigint; text: string }

/** readelf --debug-dump=loc, by entry offset and section. */
function readelfLoc(file: string): Map<string, TextEntry> {
  const out = new Map<string, TextEntry>();
  let section = '';
  for (const line of readelf(['--debug-dump=loc', file]).split('\n')) {
    let m: RegExpExecArray | null;
    if ((m = /^Contents of the (\S+) section:/.exec(line))) section = m[1];
    else if ((m = /^ {4}([0-9a-f]{8}) ([0-9a-f]{16}) ([0-9a-f]{16}) \((.*?)\)( \[without DW_AT_frame_base\])?( \(start == end\))?$/.exec(line))) {
      out.set(`${section}+${parseInt(m[1], 16)}`, { begin: BigInt(`0x${m[2]}`), end: BigInt(`0x${m[3]}`), text: m[4] });
    }
  }
  return out;
}

interface Comparison { compared: number; mismatches: string[] }

function compare(c: Comparison, what: string, ours: string, theirs: string): void {
  c.compared++;
  if (ours !== theirs && c.mismatches.length < 20) c.mismatches.push(`${what}:\n  ours:    ${ours}\n  readelf: ${theirs}`);
  else if (ours !== theirs) c.mismatches.push('');
}

function disassemble(bytes: Uint8Array, unit: Unit, origin: string): string {
  try {
    return disassembleExpression(bytes, unit.addressSize, { cuOffset: unit.offset, offsetSize: unit.is64 ? 8 : 4, version: unit.version, origin });
  } catch (e) {
    return `error: ${(e as Error).message}`;
  }
}

/** Every list entry the units reference, disassembled and compared with readelf's line at its offset. */
function compareLists(file: string, s: DwarfSections): Comparison {
  const theirs = readelfLoc(file);
  const lists = new Map<string, { unit: Unit; offset: number; section: string }>();
  walkInfo(s, (name) => LOCATION_ATTRIBUTES.has(name), (a: Attribute) => {
    if (!LIST_FORMS.has(a.form) || a.value === undefined) return;
    if (a.unit.version >= 5) {
      const offset = a.form === 0x22 ? loclistxOffset(s, a.unit, a.value) : Number(a.value);
      lists.set(`.debug_loclists+${offset}`, { unit: a.unit, offset, section: '.debug_loclists' });
    } else {
      lists.set(`.debug_loc+${a.value}`, { unit: a.unit, offset: Number(a.value), section: '.debug_loc' });
    }
  });
  const c: Comparison = { compared: 0, mismatches: [] };
  for (const { unit, offset, section } of lists.values()) {
    const entries: ListEntry[] = section === '.debug_loc' ? debugLocList(s.loc!, offset, unit) : debugLoclistsList(s, offset, unit);
    for (const e of entries) {
      const key = `${section}+${e.offset}`;
      const t = theirs.get(key);
      const ours = disassemble(e.expression, unit, `${section}+0x${e.offset.toString(16)}`);
      compare(c, `${key} (list 0x${offset.toString(16)})`, `${e.begin.toString(16)} ${e.end.toString(16)} ${ours}`,
        t ? `${t.begin.toString(16)} ${t.end.toString(16)} ${t.text}` : '(no such entry)');
      theirs.delete(key);
    }
  }
  // Every entry readelf printed was one of ours.
  expect([...theirs.keys()].slice(0, 10)).toEqual([]);
  return c;
}

/** Every expression readelf decodes in --debug-dump=info, against our decoding of the same attribute. */
function compareInfo(file: string, s: DwarfSections): Comparison {
  const blocks = new Map<number, Attribute>();
  walkInfo(s, () => true, (a) => { if (a.block) blocks.set(a.offset, a); });
  const c: Comparison = { compared: 0, mismatches: [] };
  for (const line of readelf(['--debug-dump=info', file]).split('\n')) {
    const m = /^ {4}<([0-9a-f]+)> +(DW_AT_\w+) *: \d+ byte block: [0-9a-f ]*\t\((.*)\)$/.exec(line);
    if (!m) continue;
    const a = blocks.get(parseInt(m[1], 16));
    compare(c, `.debug_info+0x${m[1]} ${m[2]}`, a ? disassemble(a.block!, a.unit, `.debug_info+0x${m[1]}`) : '(no block here)', m[3]);
  }
  return c;
}

function expectAgreement(c: Comparison, atLeast: number): void {
  expect(c.mismatches.filter(Boolean).slice(0, 20).join('\n') || `${c.mismatches.length} mismatches`).toBe(`0 mismatches`);
  expect(c.compared).toBeGreaterThanOrEqual(atLeast);
}

const FIXTURE = `
struct pair { long a; long b; };
struct bits { unsigned lo : 3; unsigned mid : 7; int hi : 5; };
extern long ext(long);
extern void use(void *);
extern double dext(double);
static inline long helper(struct pair p, long k) { long s = p.a * k + p.b; use(&s); return s; }
static inline int scale(int v, int d) { int q = v / d; int r = v % d; return q * 3 + r; }
long f(long x, long y, int *q, struct bits b) {
  struct pair p = { x, y };
  long r = helper(p, 3);
  unsigned long u = (unsigned long)x >> 3;
  for (int i = 0; i < x; i++) r += ext(i) + q[i] + scale(q[i], (int)y);
  double d = (double)r / 3.0;
  float g = (float)d * 2.5f;
  int h = b.hi + b.mid;
  r += (long)dext(d) + (long)g + h + (long)u;
  return r + (long)d;
}
long ext(long x) { return x * 7; }
void use(void *p) { (void)p; }
double dext(double v) { return v + 1; }
void _start(void) { int q[4] = { 1, 2, 3, 4 }; struct bits b = { 1, 2, -3 }; f(3, 4, q, b); }
`;

describe.skipIf(NO_READELF)('DWARF expressions printed as readelf prints them', () => {
  it('every list entry and .debug_info expression of the demo kernel', () => {
    const s = dwarfSections(parseElf(fs.readFileSync(DEMO)));
    expectAgreement(compareLists(DEMO, s), 100);
    expectAgreement(compareInfo(DEMO, s), 50);
  });

  it.skipIf(NO_GCC)('every list entry and .debug_info expression of fixtures from both GCCs, DWARF 4 and 5, -O0 and -O2', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-expr-'));
    try {
      fs.writeFileSync(path.join(tmp, 'f.c'), FIXTURE);
      let lists = 0;
      for (const gcc of COMPILERS) {
        for (const dwarf of ['-gdwarf-4', '-gdwarf-5']) {
          for (const opt of ['-O0', '-O2']) {
            const elf = path.join(tmp, `f${gcc.length}${dwarf}${opt}.elf`);
            const r = spawnSync(gcc, [opt, dwarf, '-mcmodel=medany', '-nostdlib', '-ffreestanding', '-static', '-Wl,-Ttext=0x80000000', path.join(tmp, 'f.c'), '-o', elf], { encoding: 'utf8' });
            expect(r.status, r.stderr).toBe(0);
            const s = dwarfSections(parseElf(fs.readFileSync(elf)));
            const c = compareLists(elf, s);
            expectAgreement(c, 0);
            lists += c.compared;
            expectAgreement(compareInfo(elf, s), 5);
          }
        }
      }
      expect(lists).toBeGreaterThan(80);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it.skipIf(!vmlinux)('every entry of every location list of vmlinux (.debug_loc, DWARF 4)', () => {
    const s = dwarfSections(parseElf(fs.readFileSync(vmlinux!)));
    expectAgreement(compareLists(vmlinux!, s), 200_000);
  }, 120_000);

  it.skipIf(requireTool('riscv64-unknown-elf-as', 'the expression test assembles .cfi_escape rules; scripts/setup-debian installs it (binutils-riscv64-unknown-elf)'))(
    'every operation and operand form, and every register name, as readelf --debug-dump=frames prints them', () => {
      const ops: Uint8Array[] = [];
      // Each operation with extreme operands (readelf's frames decoding has no unit: DIE offsets print as is).
      ops.push(expr([0x03, ...le(0xffffffff80200000n, 8)], [0x08, 0xff], [0x09, 0x80], [0x0a, ...le(0xffff, 2)], [0x0b, ...le(-2, 2)],
        [0x0c, ...le(0xffffffff, 4)], [0x0d, ...le(-5, 4)], [0x0e, ...le(-1n, 8)], [0x0f, ...le(-1n << 63n, 8)],
        [0x10, ...uleb((1n << 64n) - 1n)], [0x11, ...sleb(-(1n << 63n))], [0x11, ...sleb(0)]));
      const operands: Record<number, number[]> = { 0x15: [3], 0x23: uleb(300), 0x28: le(-3, 2), 0x2f: le(0x7fff, 2) };
      ops.push(expr(...Array.from({ length: 0x2f - 0x12 + 1 }, (_, i) => [0x12 + i, ...(operands[0x12 + i] ?? [])])));
      for (let n = 0; n < 32; n++) ops.push(expr(0x30 + n, 0x50 + n, [0x70 + n, ...sleb(n * 77 - 1000)]));
      ops.push(expr([0x91, ...sleb(-56)], [0x92, ...uleb(40), ...sleb(-8)], [0x93, ...uleb(8)], [0x94, 4], [0x95, 2], 0x96, 0x97,
        [0x98, ...le(0x1234, 2)], [0x99, ...le(0x12345678, 4)], 0x9b, 0x9c, [0x9d, ...uleb(12), ...uleb(3)], 0x9f,
        [0xa1, ...uleb(5)], [0x9e, ...uleb(3), 1, 0x20, 0xff]));
      ops.push(expr([0xa3, ...uleb(2), 0x70 + 10, 0], [0xf3, ...uleb(1), 0x5b], [0xa3, ...uleb(4), 0xf3, 2, 0x90, 42], 0x9f));
      ops.push(expr([0xa4, ...uleb(0x2e), 4, 0, 0, 0x80, 0x3f], [0xf4, ...uleb(0x30), 2, 1, 2], [0xa5, ...uleb(47), ...uleb(0x34)],
        [0xf5, ...uleb(10), ...uleb(0)], [0xa6, 4, ...uleb(0x2e)], [0xf6, 8, ...uleb(0x99)], [0xa8, ...uleb(0)], [0xa8, ...uleb(0x2e)],
        [0xf7, ...uleb(0x2e)], [0xa9, ...uleb(0x2e)], [0xf9, ...uleb(0)], [0xfa, ...le(0x1234, 4)], [0xfb, ...uleb(7)], [0xfc, ...uleb(0)],
        0xf0, 0xe0));
      // Every register name: the integer, floating-point and vector registers, the gaps, and every CSR.
      for (let n = 0; n < 8192; n += n < 200 ? 1 : n < 4096 ? 977 : 1) ops.push(expr([0x90, ...uleb(n)], [0x92, ...uleb(n), ...sleb(-n)], [0xa5, ...uleb(n), ...uleb(1)]));

      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-expr-'));
      try {
        const lines = ['\t.text', '_start:', '\t.cfi_startproc', '\tnop'];
        for (const bytes of ops) lines.push(`\t.cfi_escape 0x16, 0x01, ${[...uleb(bytes.length), ...bytes].map((b) => `0x${b.toString(16)}`).join(', ')}`);
        lines.push('\tnop', '\t.cfi_endproc', '');
        fs.writeFileSync(path.join(tmp, 'ops.s'), lines.join('\n'));
        const a = spawnSync('riscv64-unknown-elf-as', [path.join(tmp, 'ops.s'), '-o', path.join(tmp, 'ops.o')], { encoding: 'utf8' });
        expect(a.status, a.stderr).toBe(0);
        const texts = readelf(['--debug-dump=frames', path.join(tmp, 'ops.o')]).split('\n')
          .map((l) => /^ {2}DW_CFA_val_expression: r1 \(ra\) \((.*)\)$/.exec(l)?.[1]).filter((t): t is string => t !== undefined);
        expect(texts.length).toBe(ops.length);
        const c: Comparison = { compared: 0, mismatches: [] };
        ops.forEach((bytes, i) => compare(c, `expression ${i}`, disassembleExpression(bytes, 8), texts[i]));
        expectAgreement(c, ops.length);
      } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
      }
    });
});
