// The ELF reader against binutils' readelf -W -S -l: every section header (name, type, flags,
// address, offset, size, entsize, link) and every program header, on the demo kernel and on the
// Linux guest's vmlinux; and malformed files refused with an ElfError that names the problem.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findLinuxGuest } from '../../src/cli/linux-guest';
import { ElfError, ElfFile, parseElf } from '../../src/elf/elf';
import { requireTool, ROOT } from '../cli/helpers';

const DEMO = path.join(ROOT, 'guests/demo/demo.elf');
const READELF = 'riscv64-unknown-elf-readelf';
const found = findLinuxGuest();
const vmlinux = typeof found === 'string' ? undefined : found.vmlinux;
if (!vmlinux) console.log(`test/elf (vmlinux): skipped: ${found}`);

/** readelf's section types (binutils readelf.c, get_section_type_name; RISC-V psABI for 0x70000003). */
const SECTION_TYPES: Record<number, string> = {
  0: 'NULL', 1: 'PROGBITS', 2: 'SYMTAB', 3: 'STRTAB', 4: 'RELA', 5: 'HASH', 6: 'DYNAMIC', 7: 'NOTE', 8: 'NOBITS', 9: 'REL',
  11: 'DYNSYM', 14: 'INIT_ARRAY', 15: 'FINI_ARRAY', 16: 'PREINIT_ARRAY', 17: 'GROUP', 18: 'SYMTAB SECTION INDICES',
  0x70000003: 'RISCV_ATTRIBUTES',
};
/** readelf's flag letters by sh_flags bit (ELF gABI, "Section Attribute Flags"). */
const SECTION_FLAGS: [bigint, string][] = [
  [0x1n, 'W'], [0x2n, 'A'], [0x4n, 'X'], [0x10n, 'M'], [0x20n, 'S'], [0x40n, 'I'], [0x80n, 'L'], [0x100n, 'O'],
  [0x200n, 'G'], [0x400n, 'T'], [0x800n, 'C'], [0x80000000n, 'E'],
];
/** readelf's program header types, as -W prints them (cut to 14 characters). */
const PROGRAM_TYPES: Record<number, string> = {
  0: 'NULL', 1: 'LOAD', 2: 'DYNAMIC', 3: 'INTERP', 4: 'NOTE', 6: 'PHDR', 7: 'TLS',
  0x6474e550: 'GNU_EH_FRAME', 0x6474e551: 'GNU_STACK', 0x6474e552: 'GNU_RELRO', 0x70000003: 'RISCV_ATTRIBUT',
};

const sorted = (s: string): string => [...s].sort().join('');

/** Our headers, formatted as readelf prints them (one line per header, hex as readelf shows it). */
function ours(elf: ElfFile): { sections: string[]; programs: string[] } {
  const hex = (v: bigint | number): string => v.toString(16);
  return {
    sections: elf.sections.map((s) => {
      const flags = SECTION_FLAGS.filter(([bit]) => (s.flags & bit) !== 0n).map(([, c]) => c).join('');
      const type = SECTION_TYPES[s.type] ?? `unknown type 0x${hex(s.type)}`;
      return `${s.name} ${type} addr=${hex(s.addr)} off=${hex(s.offset)} size=${hex(s.size)} es=${hex(s.entsize)} flags=${sorted(flags)} link=${s.link}`;
    }),
    programs: elf.programs.map((p) => {
      const flags = `${p.flags & 4 ? 'R' : ''}${p.flags & 2 ? 'W' : ''}${p.flags & 1 ? 'E' : ''}`;
      const type = PROGRAM_TYPES[p.type] ?? `unknown type 0x${hex(p.type)}`;
      return `${type} off=${hex(p.offset)} vaddr=${hex(p.vaddr)} paddr=${hex(p.paddr)} filesz=${hex(p.filesz)} memsz=${hex(p.memsz)} flags=${flags}`;
    }),
  };
}

/** readelf -W -S -l, parsed into the same lines. */
function readelf(file: string): { sections: string[]; programs: string[] } {
  const r = spawnSync(READELF, ['-W', '-S', '-l', file], { encoding: 'utf8', maxBuffer: 1 << 26 });
  expect(r.status).toBe(0);
  const hex = (s: string): string => BigInt(`0x${s}`).toString(16);
  const sections: string[] = [];
  // [Nr] Name Type Address Off Size ES Flg Lk Inf Al (Name may be empty, Type may hold a space)
  const SECTION = /^\s*\[\s*\d+\] (.*?)\s+(\S+(?: SECTION INDICES)?)\s+([0-9a-f]{16}) ([0-9a-f]+) ([0-9a-f]+) ([0-9a-f]+)\s+([A-Za-z]*)\s+(\d+)\s+\d+\s+\d+$/;
  const PROGRAM = /^\s+(\S+)\s+0x([0-9a-f]+) 0x([0-9a-f]+) 0x([0-9a-f]+) 0x([0-9a-f]+) 0x([0-9a-f]+) ([RWE ]{3}) 0x[0-9a-f]+$/;
  const programs: string[] = [];
  for (const line of r.stdout.split('\n')) {
    const s = SECTION.exec(line);
    if (s) {
      sections.push(`${s[1].trim()} ${s[2]} addr=${hex(s[3])} off=${hex(s[4])} size=${hex(s[5])} es=${hex(s[6])} flags=${sorted(s[7])} link=${s[8]}`);
      continue;
    }
    const p = PROGRAM.exec(line);
    if (p) programs.push(`${p[1]} off=${hex(p[2])} vaddr=${hex(p[3])} paddr=${hex(p[4])} filesz=${hex(p[5])} memsz=${hex(p[6])} flags=${p[7].replace(/ /g, '')}`);
  }
  return { sections, programs };
}

describe.skipIf(requireTool(READELF, 'the ELF reader is compared with it; scripts/setup-debian installs it (binutils-riscv64-unknown-elf)'))('ELF headers against readelf -W -S -l', () => {
  it('demo.elf: every section and program header', () => {
    const want = readelf(DEMO);
    expect(want.sections).toHaveLength(20);
    expect(want.programs).toHaveLength(2);
    expect(ours(parseElf(fs.readFileSync(DEMO)))).toEqual(want);
  });

  it.skipIf(!vmlinux)('vmlinux: every section and program header, kernel addresses above 2^53 exact', () => {
    const elf = parseElf(fs.readFileSync(vmlinux!));
    const want = readelf(vmlinux!);
    expect(want.sections.length).toBeGreaterThan(20);
    expect(ours(elf)).toEqual(want);
    // Kernel addresses exceed 2^53: the comparison above holds only if every bit was read exactly.
    expect(elf.sections.find((s) => s.name === '.text')!.addr).toBeGreaterThan(2n ** 53n);
  });
});

describe('malformed ELF files: an ElfError naming the problem', () => {
  const demo = fs.readFileSync(DEMO);
  const refused = (data: Uint8Array, message: RegExp): void => {
    let error: unknown;
    try {
      parseElf(data);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ElfError);
    expect((error as Error).message).toMatch(message);
  };

  it('cut off in the header, in the section header table, in a segment', () => {
    refused(demo.subarray(0, 40), /truncated ELF header \(40 bytes, need 64\)/);
    refused(demo.subarray(0, demo.length - 100), /section header table at \d+\+1280 lies beyond the end of the file/);
    refused(demo.subarray(0, 0x2000), /beyond the end of the file/);
  });

  it('a section header offset beyond the file', () => {
    const bad = Buffer.from(demo);
    bad.writeBigUInt64LE(BigInt(demo.length + 8), 40); // e_shoff
    refused(bad, /e_shoff \d+ lies beyond the end of the file/);
    bad.writeBigUInt64LE(0xffffffffffff0000n, 40);
    refused(bad, /e_shoff 18446744073709486080 lies beyond the end of the file/);
  });

  it('a section size or offset beyond 2^53 is printed exactly', () => {
    const bad = Buffer.from(demo);
    const shoff = Number(bad.readBigUInt64LE(40));
    const sh = shoff + 1 * 64; // section 1 (.text), not NOBITS
    bad.writeBigUInt64LE(0xfffffffffffff001n, sh + 32); // sh_size (as a float: 18446744073709547520)
    refused(bad, /section 1 at \d+\+18446744073709547521 lies beyond the end of the file/);
    const off = Buffer.from(demo);
    off.writeBigUInt64LE(2n ** 60n + 3n, sh + 24); // sh_offset
    refused(off, /section 1 at 1152921504606846979\+\d+ lies beyond the end of the file/);
  });

  it('a section name table that is not a string table', () => {
    const bad = Buffer.from(demo);
    bad.writeUInt16LE(7, 62); // e_shstrndx: .riscv.attributes
    refused(bad, /e_shstrndx 7 is not a string table/);
    const past = Buffer.from(demo);
    past.writeUInt16LE(0xfff0, 62); // past the section headers (it used to mean: no section names)
    refused(past, /e_shstrndx 65520 is past the 20 section headers/);
  });

  it('a 32-bit ELF, a big-endian one, another machine', () => {
    const bad = Buffer.from(demo);
    bad[4] = 1; // ELFCLASS32
    refused(bad, /not a 64-bit ELF \(EI_CLASS=1\)/);
    bad[4] = 2;
    bad[5] = 2; // ELFDATA2MSB
    refused(bad, /not a little-endian ELF/);
    bad[5] = 1;
    bad.writeUInt16LE(62, 18); // EM_X86_64
    refused(bad, /not a RISC-V ELF \(e_machine=62, expected 243\)/);
  });
});
