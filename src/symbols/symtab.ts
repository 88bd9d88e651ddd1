// Address <-> name through an ELF symbol table, as the kernel's own backtraces print it
// ("obj_put+0x2c/0x2e": symbol, offset, size), for files with or without DWARF.

import { ElfSymbol } from './elf';
import { lastWhere } from './search';

const STT_NOTYPE = 0;
const STT_OBJECT = 1;
const STT_FUNC = 2;
const STB_GLOBAL = 1;
const STB_WEAK = 2;
const SHN_UNDEF = 0;
const SHN_ABS = 0xfff1;

export interface SymbolHit {
  name: string;
  /** The symbol's address and size (0 if the symbol table gives none). */
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

export class SymbolTable {
  /** Code and data symbols sorted by address, one per address. */
  private readonly sorted: ElfSymbol[];
  private readonly byName = new Map<string, ElfSymbol>();

  constructor(symbols: ElfSymbol[]) {
    // Functions, objects, and untyped labels (assembly entry points), but not the assembler's local
    // labels (.L*) or mapping symbols ($x, $d).
    const useful = symbols.filter((s) => s.name !== '' && s.shndx !== SHN_UNDEF && s.shndx !== SHN_ABS &&
      (s.type === STT_FUNC || s.type === STT_OBJECT || (s.type === STT_NOTYPE && !s.name.startsWith('.L') && !s.name.startsWith('$'))));
    useful.sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : rank(a) - rank(b)));
    this.sorted = useful.filter((s, i) => i === 0 || useful[i - 1].value !== s.value);
    for (const s of symbols) {
      const known = this.byName.get(s.name);
      if (s.name !== '' && s.shndx !== SHN_UNDEF && (!known || rank(s) < rank(known))) this.byName.set(s.name, s);
    }
  }

  get size(): number {
    return this.sorted.length;
  }

  /** The nearest symbol at or below `address`. */
  lookup(address: bigint): SymbolHit | undefined {
    const found = lastWhere(0, this.sorted.length - 1, (i) => this.sorted[i].value <= address);
    if (found < 0) return undefined;
    const s = this.sorted[found];
    const offset = address - s.value;
    const next = this.sorted[found + 1];
    const size = s.size > 0n ? s.size : next ? next.value - s.value : 0n;
    // Past the end of a sized symbol (padding, or a label the assembler did not size) the address
    // still belongs to it, as addr2line and kallsyms say.
    return { name: s.name, address: s.value, size, offset };
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
