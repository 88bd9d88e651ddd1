// The ELF symbol table as the kernel prints symbols: checked against the demo kernel's own oops
// (its backtrace prints %pS-style "name+0xoff/0xsize" from its own symbol lookup) and against nm.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findLinuxGuest } from '../../src/cli/linux-guest';
import { ElfSymbol, parseElf, SectionHeader } from '../../src/elf/elf';
import { formatSymbol, isLocalLabel, SymbolHit, SymbolTable } from '../../src/symbols/symtab';
import { requireTool, ROOT } from '../cli/helpers';
import { sharedRecording } from '../cli/recordings';

const DEMO = path.join(ROOT, 'guests/demo/demo.elf');
const found = findLinuxGuest();
const vmlinux = typeof found === 'string' ? undefined : found.vmlinux;
if (!vmlinux) console.log(`test/symbols/symtab (vmlinux): skipped: ${found}`);
const demoElf = parseElf(fs.readFileSync(DEMO));
const table = new SymbolTable(demoElf.symbols(), demoElf.sections);

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

describe('SymbolTable: which symbols describe an address', () => {
  const SHF_ALLOC = 0x2n;
  const SHF_EXECINSTR = 0x4n;
  const section = (name: string, flags: bigint, addr: bigint, size: number): SectionHeader =>
    ({ name, type: 1, flags, addr, offset: 0, size, link: 0, entsize: 0 });
  const sections = [
    section('', 0n, 0n, 0),
    section('.text', SHF_ALLOC | SHF_EXECINSTR, 0x1000n, 0x100), // 1
    section('.data', SHF_ALLOC | 0x1n, 0x2000n, 0x40), // 2
    section('.debug_info', 0n, 0n, 0x5000), // 3: not allocated; values are file offsets
    section('.debug_str', 0n, 0n, 0x400), // 4
  ];
  const FUNC = 2;
  const OBJECT = 1;
  const NOTYPE = 0;
  const LOCAL = 0;
  const GLOBAL = 1;
  const sym = (name: string, value: number, size: number, type: number, shndx: number, bind = GLOBAL): ElfSymbol =>
    ({ name, value: BigInt(value), size: BigInt(size), type, bind, shndx });
  const table = new SymbolTable([
    sym('$xrv64i2p1_m2p0', 0x1000, 0, NOTYPE, 1, LOCAL), // mapping symbols (psABI)
    sym('f', 0x1000, 0x20, FUNC, 1), // sized; 4 bytes of padding after it
    sym('.L3', 0x1010, 0, NOTYPE, 1, LOCAL), // a branch target inside f
    sym('$d', 0x1018, 0, NOTYPE, 1, LOCAL),
    sym('g', 0x1024, 0x10, FUNC, 1),
    sym('label', 0x1040, 0, NOTYPE, 1), // unsized: up to h
    sym('debug_thing', 0x1050, 0, NOTYPE, 3, LOCAL), // between label and h, but in .debug_info
    sym('__efistub_.Ldebug_info0', 0x1060, 0, NOTYPE, 3, LOCAL),
    sym('h', 0x1080, 0, NOTYPE, 1), // unsized: up to the end of .text
    sym('_etext', 0x1100, 0, NOTYPE, 1), // at the end of .text: names only its own address
    sym('__efistub_.LASF1869', 0x1b7, 0, NOTYPE, 4, LOCAL),
    sym('obj', 0x2000, 8, OBJECT, 2),
    sym('absolute', 0x2010, 0, NOTYPE, 0xfff1), // SHN_ABS: no section
  ], sections);
  const show = (hit: SymbolHit | undefined): string | undefined => hit && formatSymbol(hit);

  it('takes only symbols of allocated sections, never local labels or mapping symbols', () => {
    expect(table.size).toBe(6); // f g label h _etext obj
    expect(show(table.lookup(0x1bbn))).toBeUndefined(); // .debug_str's label at 0x1b7
    expect(show(table.lookup(0x1064n))).toBe('label+0x24/0x40'); // not debug_thing, not the .L label
    expect(show(table.lookup(0x1010n))).toBe('f+0x10/0x20'); // not .L3
    expect(show(table.lookup(0x101an))).toBe('f+0x1a/0x20'); // not $d
    expect(show(table.lookup(0x2010n))).toBeUndefined();
    for (const name of ['.L3', '.LASF1869', '.Ldebug_info0', '__efistub_.Ldebug_info0', '__efistub_.LASF1869', '$x', '$d', '$xrv64i2p1_m2p0', '__efistub_$x']) {
      expect(isLocalLabel(name), name).toBe(true);
    }
    for (const name of ['f', 'obj_put', '__efistub_memcpy', 'foo.constprop.0', 'foo.localalias', 'handle_exception', '_etext']) {
      expect(isLocalLabel(name), name).toBe(false);
    }
  });

  it('describes an address only up to the symbol\'s end: st_size, else the next symbol or the end of its section', () => {
    expect(show(table.lookup(0x1000n))).toBe('f+0x0/0x20');
    expect(show(table.lookup(0x101fn))).toBe('f+0x1f/0x20');
    expect(table.lookup(0x1020n)).toBeUndefined(); // f's padding
    expect(show(table.lookup(0x1033n))).toBe('g+0xf/0x10');
    expect(table.lookup(0x1034n)).toBeUndefined();
    expect(show(table.lookup(0x107fn))).toBe('label+0x3f/0x40');
    expect(show(table.lookup(0x10ffn))).toBe('h+0x7f/0x80');
    expect(show(table.lookup(0x1100n))).toBe('_etext+0x0/0x0');
    expect(table.lookup(0x1101n)).toBeUndefined();
    expect(show(table.lookup(0x2007n))).toBe('obj+0x7/0x8');
    expect(table.lookup(0x2008n)).toBeUndefined();
    expect(table.lookup(0xfffn)).toBeUndefined();
  });

  it('names the function of padding for backtraces (nearest), within the section', () => {
    expect(show(table.nearest(0x1020n))).toBe('f+0x20/0x20');
    expect(show(table.nearest(0x1034n))).toBe('g+0x10/0x10');
    expect(table.nearest(0x1101n)).toBeUndefined(); // beyond .text
    expect(show(table.nearest(0x2020n))).toBe('obj+0x20/0x8');
    expect(table.nearest(0x2040n)).toBeUndefined();
  });
});

describe.skipIf(!vmlinux)('SymbolTable on vmlinux', () => {
  it('gives no symbol to a stack address or a small number; a kernel function address keeps its name', () => {
    const elf = parseElf(fs.readFileSync(vmlinux!));
    const kernel = new SymbolTable(elf.symbols(), elf.sections);
    // Both were described by labels of .debug_info and .debug_str (__efistub_.Ldebug_info0,
    // __efistub_.LASF1869) whose values are file offsets.
    expect(kernel.lookup(0xffffaf800061be90n)).toBeUndefined();
    expect(kernel.lookup(0x1c0n)).toBeUndefined();
    const open = kernel.address('do_sys_openat2')!;
    expect(open).toBeGreaterThan(0xffffffff80000000n);
    expect(kernel.lookup(open + 4n)).toMatchObject({ name: 'do_sys_openat2', offset: 4n });
    const nm = spawnSync('riscv64-unknown-elf-nm', ['-S', vmlinux!], { encoding: 'utf8', maxBuffer: 1 << 28 }).stdout;
    const size = new RegExp(`^[0-9a-f]{16} ([0-9a-f]{16}) [tT] do_sys_openat2$`, 'm').exec(nm);
    expect(size).not.toBeNull();
    expect(kernel.lookup(open)!.size).toBe(BigInt(`0x${size![1]}`));
  });
});
