// Address <-> name through an ELF symbol table, as the kernel's own backtraces print it
// ("obj_put+0x2c/0x2e": symbol, offset, size), for files with or without DWARF.

import { ElfSymbol, SectionHeader } from '../elf/elf';
import { lastWhere } from './search';

const STT_NOTYPE = 0;
const STT_OBJECT = 1;
const STT_FUNC = 2;
const STB_GLOBAL = 1;
const STB_WEAK = 2;
const SHN_UNDEF = 0;
/** Reserved section indexes (SHN_ABS, SHN_COMMON, SHN_XINDEX, ...) name no section header. */
const SHN_LORESERVE = 0xff00;
const SHF_ALLOC = 0x2n;

export interface SymbolHit {
  name: string;
  /** The symbol's address and size: st_size, or for an unsized label its extent (see lookup). */
  address: bigint;
  size: bigint;
  /** address - symbol start. */
  offset: bigint;
}

/** "name+0xoff/0xsize", the kernel's %pS format (kernel/kallsyms.c, __sprint_symbol). */
export function formatSymbol(hit: SymbolHit): string {
  return `${hit.name}+0x${hit.offset.toString(16)}/0x${hit.size.toString(16)}`;
}

/** Prefer a global over a weak over a local name at the same address; then a sized one; then the first. */
function rank(s: ElfSymbol): number {
  const bind = s.bind === STB_GLOBAL ? 0 : s.bind === STB_WEAK ? 1 : 2;
  return bind * 2 + (s.size > 0n ? 0 : 1);
}

/**
 * The assembler's local labels, which name no object a reader knows: `.L*` (GCC's `.LFB3`, `.LASF12`,
 * `.Ldebug_info0`, ...), and the RISC-V psABI's mapping symbols `$x`, `$x<isa>` and `$d` (ELF psABI,
 * "Mapping Symbol"); also under a prefix that `objcopy --prefix-symbols` added, as the kernel's EFI stub
 * does (`__efistub_.Ldebug_info0`, `__efistub_$x`).
 */
export function isLocalLabel(name: string): boolean {
  return /^\w*(?:\.L|\$[xd])/.test(name);
}

/** A symbol that can describe an address, with the end of what it describes. */
interface Placed {
  symbol: ElfSymbol;
  /** Exclusive: value + st_size if sized; else the next symbol's start or the end of its section. */
  end: bigint;
  /** Exclusive: the end of the symbol's section (sh_addr + sh_size). */
  sectionEnd: bigint;
}

export class SymbolTable {
  /** Code and data symbols of allocated sections, sorted by address, one per address. */
  private readonly sorted: Placed[];
  private readonly byName = new Map<string, ElfSymbol>();

  /**
   * `sections` are the file's section headers (symbols' st_shndx index them): only a symbol of a
   * section that occupies memory (SHF_ALLOC, ELF gABI "Sections") describes an address, so that
   * labels in .debug_info or .comment, whose values are offsets in the file, never name a pointer.
   */
  constructor(symbols: ElfSymbol[], sections: readonly SectionHeader[]) {
    const allocated = (s: ElfSymbol): SectionHeader | undefined => {
      if (s.shndx === SHN_UNDEF || s.shndx >= SHN_LORESERVE) return undefined;
      const section = sections[s.shndx];
      return section && (section.flags & SHF_ALLOC) !== 0n ? section : undefined;
    };
    // Functions, objects, and untyped labels (assembly entry points), but not local labels.
    const useful = symbols.filter((s) => s.name !== '' && !isLocalLabel(s.name) &&
      (s.type === STT_FUNC || s.type === STT_OBJECT || s.type === STT_NOTYPE) && allocated(s));
    useful.sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : rank(a) - rank(b)));
    const unique = useful.filter((s, i) => i === 0 || useful[i - 1].value !== s.value);
    this.sorted = unique.map((symbol, i) => {
      const section = allocated(symbol)!;
      const sectionEnd = section.addr + BigInt(section.size);
      if (symbol.size > 0n) return { symbol, end: symbol.value + symbol.size, sectionEnd };
      const next = unique[i + 1]?.value;
      const end = next !== undefined && next < sectionEnd ? next : sectionEnd;
      return { symbol, end: end > symbol.value ? end : symbol.value, sectionEnd };
    });
    for (const s of symbols) {
      const known = this.byName.get(s.name);
      if (s.name !== '' && s.shndx !== SHN_UNDEF && (!known || rank(s) < rank(known))) this.byName.set(s.name, s);
    }
  }

  get size(): number {
    return this.sorted.length;
  }

  /**
   * The symbol that contains `address`, to describe it (a register, a pointer, a branch target): the
   * nearest at or below it, if the address is before its end (st_size if sized; else the next
   * symbol or the end of its section). An address in the padding after a sized function, or past
   * the last label of a section, has none, as in gdb's minimal symbols (minsyms.c: a sized symbol
   * does not cover a pc beyond it). The size reported is st_size, or for an unsized symbol its
   * extent up to that end, as kallsyms computes sizes.
   */
  lookup(address: bigint): SymbolHit | undefined {
    const placed = this.below(address);
    if (!placed) return undefined;
    const { symbol: s, end } = placed;
    // A label with nothing after it in its section (such as _end) still names its own address.
    if (address >= end && !(end === s.value && address === s.value)) return undefined;
    return { name: s.name, address: s.value, size: end - s.value, offset: address - s.value };
  }

  /**
   * The function an address is in as a backtrace names it (kallsyms, and addr2line -f without
   * DWARF): the nearest symbol at or below it in the same section, even past a sized symbol's end
   * (alignment padding after a function is still "in" it for them). The offset may exceed the size.
   */
  nearest(address: bigint): SymbolHit | undefined {
    const placed = this.below(address);
    if (!placed || address >= placed.sectionEnd) return undefined;
    const { symbol: s, end } = placed;
    return { name: s.name, address: s.value, size: end - s.value, offset: address - s.value };
  }

  private below(address: bigint): Placed | undefined {
    const found = lastWhere(0, this.sorted.length - 1, (i) => this.sorted[i].symbol.value <= address);
    return found < 0 ? undefined : this.sorted[found];
  }

  /** The address of a symbol by name. */
  address(name: string): bigint | undefined {
    return this.byName.get(name)?.value;
  }

  /** "name+0xoff" (or "name+0xoff/0xsize" as the kernel prints it) -> address, if the name is known and the offset fits. */
  resolve(text: string): bigint | undefined {
    const m = /^([A-Za-z_.$][\w.$]*)(?:\+0x([0-9a-f]+)(?:\/0x([0-9a-f]+))?)?$/i.exec(text.trim());
    if (!m) return undefined;
    const s = this.byName.get(m[1]);
    if (!s) return undefined;
    const offset = m[2] ? BigInt(`0x${m[2]}`) : 0n;
    if (s.size > 0n && offset >= s.size) return undefined;
    return s.value + offset;
  }
}
