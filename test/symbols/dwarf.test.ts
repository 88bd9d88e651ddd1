// DWARF line tables and inlined-call chains against binutils' addr2line, on the demo kernel and on
// the Linux guest's vmlinux; and corrupt DWARF reported as such.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { KernelSymbols } from '../../src/symbols';
import { parseElf } from '../../src/elf/elf';
import { DebugInfo } from '../../src/symbols/dwarf/info';
import { LineTable, parseAllLinePrograms } from '../../src/symbols/dwarf/line';
import { dwarfSections, DwarfSections } from '../../src/symbols/dwarf/sections';
import { requireLinuxGuest, requireTool, ROOT } from '../cli/helpers';

const DEMO = path.join(ROOT, 'guests/demo/demo.elf');
const ADDR2LINE = 'riscv64-unknown-elf-addr2line';
const NO_ADDR2LINE = requireTool(ADDR2LINE, 'the DWARF tests compare with addr2line -f -i; scripts/setup-debian installs it (binutils-riscv64-unknown-elf)');
const vmlinux = NO_ADDR2LINE ? undefined : requireLinuxGuest('the DWARF test on vmlinux compares 3000 addresses with addr2line')?.vmlinux;

interface Frame { function: string; file: string; line: number }

/** addr2line -a -f -i for many addresses at once: for each, its frames innermost first. */
function addr2line(file: string, addresses: bigint[]): Frame[][] {
  const input = addresses.map((a) => `0x${a.toString(16)}\n`).join('');
  const r = spawnSync(ADDR2LINE, ['-a', '-f', '-i', '-e', file], { input, encoding: 'utf8', maxBuffer: 1 << 28 });
  const out: Frame[][] = [];
  const lines = r.stdout.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (/^0x[0-9a-f]+$/.test(lines[i])) {
      out.push([]); // -a: the address heads each answer
      continue;
    }
    if (lines[i] === '' || i + 1 >= lines.length) continue;
    const m = /^(.*):(\d+|\?)(?: \(discriminator \d+\))?$/.exec(lines[i + 1])!;
    out[out.length - 1].push({ function: lines[i], file: m[1], line: m[2] === '?' ? 0 : Number(m[2]) });
    i++;
  }
  return out;
}

function compare(symbols: KernelSymbols, file: string, addresses: bigint[]): { checked: number; mismatches: string[] } {
  const expected = addr2line(file, addresses);
  expect(expected.length).toBe(addresses.length);
  const mismatches: string[] = [];
  let checked = 0;
  addresses.forEach((a, i) => {
    const want = expected[i].filter((f) => f.line !== 0 || f.function !== '??');
    if (want.length === 0 || want[0].file === '??') return;
    const got = symbols.locate(a).frames.map((f) => `${f.function} ${f.file}:${f.line}`);
    const exp = want.map((f) => `${f.function} ${f.file}:${f.line}`);
    checked++;
    if (got.join(' | ') !== exp.join(' | ')) mismatches.push(`0x${a.toString(16)}: got ${got.join(' | ')}; addr2line ${exp.join(' | ')}`);
  });
  return { checked, mismatches };
}

describe.skipIf(NO_ADDR2LINE)('DWARF against addr2line -f -i', () => {
  it('demo.elf: every instruction address of .text', () => {
    const symbols = KernelSymbols.open(DEMO);
    const text = symbols.elf.sections.find((s) => s.name === '.text')!;
    const addresses: bigint[] = [];
    for (let a = text.addr; a < text.addr + BigInt(text.size); a += 2n) addresses.push(a);
    const { checked, mismatches } = compare(symbols, DEMO, addresses);
    expect(mismatches.slice(0, 10)).toEqual([]);
    expect(checked).toBeGreaterThan(3000);
  });

  it.skipIf(!vmlinux)('vmlinux: 3000 addresses inside kernel functions, with their inlined calls', () => {
    const symbols = KernelSymbols.open(vmlinux!);
    const funcs = symbols.elf.symbols().filter((s) => s.type === 2 && s.size > 0n).sort((a, b) => (a.value < b.value ? -1 : 1));
    const addresses: bigint[] = [];
    let seed = 1;
    for (let i = 0; i < 3000; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      const f = funcs[seed % funcs.length];
      addresses.push(f.value + ((BigInt(seed >>> 8) % f.size) & ~1n));
    }
    const { checked, mismatches } = compare(symbols, vmlinux!, addresses);
    expect(mismatches.slice(0, 10)).toEqual([]);
    expect(checked).toBeGreaterThan(2500);
  }, 120_000);
});

describe('corrupt DWARF', () => {
  const elf = parseElf(fs.readFileSync(DEMO));
  const good = dwarfSections(elf);
  const attempt = (s: DwarfSections): unknown => {
    try {
      const table = new LineTable(parseAllLinePrograms(s));
      const info = DebugInfo.fromSections(s);
      for (const a of [0xffffffff802025b6n, 0xffffffff802027e6n, 0xffffffff80200000n]) {
        table.lookup(a);
        info.functionAt(a);
      }
      return undefined;
    } catch (e) {
      return e;
    }
  };

  it('a .debug_line or .debug_info cut short names the section and what ran out', () => {
    for (const key of ['line', 'info', 'abbrev'] as const) {
      for (const fraction of [0.001, 0.3, 0.7]) {
        const bytes = good[key]!;
        const e = attempt({ ...good, [key]: bytes.subarray(0, Math.floor(bytes.length * fraction)) });
        expect((e as Error).name, `${key} at ${fraction}: ${e}`).toBe('DwarfError');
        expect((e as Error).message).toMatch(/^\.debug_(line|info|abbrev)\+0x[0-9a-f]+: /);
      }
    }
  });

  it('a bogus version and an unknown form are named', () => {
    const line = Uint8Array.from(good.line!);
    line[4] = 9; // version of the first line program
    expect(String(attempt({ ...good, line }))).toMatch(/unsupported line table version 9/);
    const info = Uint8Array.from(good.info!);
    info[4] = 7;
    expect(() => DebugInfo.fromSections({ ...good, info }).units()).toThrow(/^\.debug_info\+0x4: unsupported unit version 7/);
    const abbrev = Uint8Array.from(good.abbrev!);
    expect([abbrev[0], abbrev[1], abbrev[3]]).toEqual([1, 0x11, 0x10]); // code 1: DW_TAG_compile_unit, DW_AT_stmt_list first
    abbrev[4] = 0x7f; // its form
    expect(() => DebugInfo.fromSections({ ...good, abbrev }).units()).toThrow(/^\.debug_info\+0x[0-9a-f]+: unknown attribute form 0x7f/);
  });

  it('3000 random byte flips: only DwarfError escapes', () => {
    let seed = 99;
    const next = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    let errors = 0;
    for (let i = 0; i < 3000; i++) {
      const key = (['line', 'info', 'abbrev'] as const)[next() % 3];
      const bytes = Uint8Array.from(good[key]!);
      for (let k = 0; k < 4; k++) bytes[next() % bytes.length] = next() & 0xff;
      const e = attempt({ ...good, [key]: bytes });
      if (e !== undefined) {
        if ((e as Error).name !== 'DwarfError') throw e;
        errors++;
      }
    }
    expect(errors).toBeGreaterThan(0);
  });
});
