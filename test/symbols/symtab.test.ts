// The ELF symbol table as the kernel prints symbols: checked against the demo kernel's own oops
// (its backtrace prints %pS-style "name+0xoff/0xsize" from its own symbol lookup) and against nm.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseElf } from '../../src/symbols/elf';
import { formatSymbol, SymbolTable } from '../../src/symbols/symtab';
import { requireTool, ROOT } from '../cli/helpers';
import { sharedRecording } from '../cli/recordings';

const DEMO = path.join(ROOT, 'guests/demo/demo.elf');
const table = new SymbolTable(parseElf(fs.readFileSync(DEMO)).symbols());

describe('SymbolTable', () => {
  it('names every frame of the demo kernel\'s own oops backtrace as the kernel printed it', () => {
    // seed 5 with the virtual clock: the race hits and the kernel oopses. The console of the run
    // recorded for the gdb and debug adapter tests (made once per test run).
    const r = sharedRecording();
    const frames = [...r.stdout.matchAll(/\[<([0-9a-f]{16})>\] (\S+)/g)];
    expect(frames.length).toBeGreaterThanOrEqual(4);
    for (const [, address, printed] of frames) {
      const hit = table.lookup(BigInt(`0x${address}`))!;
      expect(formatSymbol(hit)).toBe(printed);
      expect(table.resolve(printed)).toBe(BigInt(`0x${address}`));
    }
  });

  it.skipIf(requireTool('riscv64-unknown-elf-nm', 'the symbol table test compares with nm; scripts/setup-debian installs it (binutils-riscv64-unknown-elf)'))('agrees with nm: an address belongs to the nearest text symbol at or below it, as kallsyms says', () => {
    const nm = spawnSync('riscv64-unknown-elf-nm', ['-S', '-n', '--defined-only', DEMO], { encoding: 'utf8' }).stdout;
    const text = [...nm.matchAll(/^([0-9a-f]{16}) (?:([0-9a-f]{16}) )?[tT] (\S+)$/gm)]
      .map((m) => ({ start: BigInt(`0x${m[1]}`), size: m[2] ? BigInt(`0x${m[2]}`) : 0n, name: m[3] }))
      .filter((x) => !x.name.startsWith('.L') && !x.name.startsWith('$'));
    let checked = 0;
    for (const [i, sym] of text.entries()) {
      const next = text.slice(i + 1).find((x) => x.start > sym.start);
      const end = next ? next.start : sym.start + sym.size;
      if (end <= sym.start || text.some((x, j) => j !== i && x.start === sym.start)) continue; // aliases: the table keeps one
      for (const a of [sym.start, (sym.start + end) / 2n, end - 1n]) {
        if (sym.size > 0n && a >= sym.start + sym.size) continue;
        expect(table.lookup(a)?.name, `0x${a.toString(16)}`).toBe(sym.name);
        checked++;
      }
      expect(table.address(sym.name)).toBe(sym.start);
    }
    expect(checked).toBeGreaterThan(150);
  });

  it('refuses an offset past a sized symbol and unknown names', () => {
    const put = table.address('obj_put')!;
    const size = table.lookup(put)!.size;
    expect(table.resolve(`obj_put+0x${size.toString(16)}`)).toBeUndefined();
    expect(table.resolve('no_such_function+0x4')).toBeUndefined();
    expect(table.resolve('obj_put')).toBe(put);
    expect(table.lookup(0n)).toBeUndefined();
  });
});
