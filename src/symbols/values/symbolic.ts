// The `<name+offset>` gdb 13 prints after an address (`print symbol on`): printcmd.c
// build_address_symbolic, with prefer_sym_over_minsym false as print_address_symbolic calls it.
//
// Two candidates name an address: the DWARF function whose code holds it (find_pc_sect_function:
// the subprogram, not an inlined call, named through its abstract origin, so the clone
// `__put_mountpoint.part.0` is `__put_mountpoint`), and the ELF symbol at or before it (the
// "minimal symbol"). The function wins unless the ELF symbol starts exactly at the address and
// the function's entry does not. A minimal symbol's name is as gdb prints it: gdb's Ada support
// decodes every plain-looking name (ada-lang.c ada_decode), which drops a compiler's `.N`
// suffix: the static `msg_buf.1` prints as `msg_buf`, `foo.constprop.0` as `foo.constprop`, while
// `CSWTCH.184` (capitals) and `__func__.0` (a leading `_`) stay as they are.

import { ElfSymbol, SectionHeader } from '../../elf/elf';
import { SymbolTable } from '../symtab';

/** The symbol an address is in, as `<name+offset>` shows it (offset may be negative: gdb's `%+d`). */
export type Symbolize = (address: bigint) => { name: string; offset: bigint } | undefined;

/** The DWARF function whose code holds an address and its entry pc (ProgramData.functionAt fits). */
export interface FunctionAt {
  functionAt(pc: bigint): { name: string; entryPc: bigint } | undefined;
}

const SHF_EXECINSTR = 0x4n;

/**
 * Symbolize as gdb's build_address_symbolic: `program` gives the DWARF functions (without it, only
 * ELF symbols name addresses); an unsized ELF symbol outside code (a linker script's
 * `__start_init_task`) names nothing, as gdb drops a zero-sized minimal symbol that is not text.
 */
export function gdbSymbolizer(table: SymbolTable, symbols: readonly ElfSymbol[], sections: readonly SectionHeader[], program?: FunctionAt): Symbolize {
  const unsizedData = new Set<string>();
  for (const s of symbols) {
    const section = sections[s.shndx];
    if (s.size === 0n && section && (section.flags & SHF_EXECINSTR) === 0n) unsizedData.add(`${s.name}@${s.value}`);
  }
  return (address) => {
    const found = table.lookup(address);
    const minimal = found && !unsizedData.has(`${found.name}@${found.address}`) ? found : undefined;
    const fn = program?.functionAt(address);
    if (fn && !(minimal && minimal.address === address && fn.entryPc !== address)) {
      return { name: fn.name, offset: address - fn.entryPc };
    }
    if (!minimal) return undefined;
    return { name: adaDecode(minimal.name) ?? minimal.name, offset: minimal.offset };
  };
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isLower = (c: string | undefined): boolean => c !== undefined && c >= 'a' && c <= 'z';
const isUpper = (c: string | undefined): boolean => c !== undefined && c >= 'A' && c <= 'Z';
const isAlpha = (c: string | undefined): boolean => isLower(c) || isUpper(c);
const isAlnum = (c: string | undefined): boolean => isAlpha(c) || isDigit(c);

/**
 * gdb's ada_decode of a linkage name, when it changes it (gdb then takes the symbol for Ada and
 * prints the decoded name); undefined when the name is left alone. GNAT's operator names (`Oadd`
 * for "+") are not decoded here: no C symbol of the kernel takes that form.
 */
export function adaDecode(encoded: string): string | undefined {
  let e = encoded;
  if (e.startsWith('.')) e = e.slice(1);
  if (e.startsWith('_ada_')) e = e.slice(5);
  if (e.startsWith('___ghost_')) e = e.slice(9);
  if (e === '' || e[0] === '_' || e[0] === '<') return undefined;
  let len = e.length;
  // ada_remove_trailing_digits: .N, $N, ___N, __N.
  if (len > 1 && isDigit(e[len - 1])) {
    let i = len - 2;
    while (i > 0 && isDigit(e[i])) i--;
    if (i >= 0 && (e[i] === '.' || e[i] === '$')) len = i;
    else if (i >= 2 && e.startsWith('___', i - 2)) len = i - 2;
    else if (i >= 1 && e.startsWith('__', i - 1)) len = i - 1;
  }
  // ada_remove_po_subprogram_suffix: a trailing N after a digit or lowercase letter.
  if (len > 1 && e[len - 1] === 'N' && (isDigit(e[len - 2]) || isLower(e[len - 2]))) len--;
  const triple = e.indexOf('___');
  if (triple >= 0 && triple < len - 3) {
    if (e[triple + 3] !== 'X') return undefined;
    len = triple;
  }
  if (len > 3 && e.startsWith('TKB', len - 3)) len -= 3;
  if (len > 2 && e.startsWith('TB', len - 2)) len -= 2;
  if (len > 1 && e.startsWith('B', len - 1)) len -= 1;
  // A trailing __{digit}+ or ${digit}+.
  if (len > 1 && isDigit(e[len - 1])) {
    let i = len - 2;
    while ((i >= 0 && isDigit(e[i])) || (i >= 1 && e[i] === '_' && isDigit(e[i - 1]))) i--;
    if (i > 1 && e[i] === '_' && e[i - 1] === '_') len = i - 1;
    else if (i >= 0 && e[i] === '$') len = i;
  }
  let out = '';
  let i = 0;
  for (; i < len && !isAlpha(e[i]); i++) out += e[i];
  while (i < len) {
    if (i < len - 4 && e.startsWith('TK__', i)) i += 2;
    // __B_{digits}__: an anonymous block.
    if (len - i > 5 && e.startsWith('__B_', i) && isDigit(e[i + 4])) {
      let k = i + 5;
      while (k < len && isDigit(e[k])) k++;
      if (len - k > 2 && e.startsWith('__', k)) i = k;
    }
    // _E{digits}[sb]: entry bodies and barriers.
    if (len - i > 3 && e[i] === '_' && e[i + 1] === 'E' && isDigit(e[i + 2])) {
      let k = i + 3;
      while (k < len && isDigit(e[k])) k++;
      if (k < len && (e[k] === 'b' || e[k] === 's')) {
        k++;
        if (k === len || e[k] === '_') i = k;
      }
    }
    // [a-z0-9]+N__: the N of protected object subprograms.
    if (e[i] === 'N' && e[i + 1] === '_' && e[i + 2] === '_') {
      let p = i - 1;
      while (p >= 0 && (isDigit(e[p]) || isLower(e[p]))) p--;
      if (p < 0 || (p > 0 && e[p] === '_' && e[p - 1] === '_')) i++;
    }
    if (e[i] === 'X' && i !== 0 && isAlnum(e[i - 1])) {
      do i++; while (i < len && (e[i] === 'b' || e[i] === 'n'));
      if (i < len) return undefined;
    } else if (i < len - 2 && e[i] === '_' && e[i + 1] === '_') {
      out += '.';
      i += 2;
    } else {
      out += e[i] ?? '';
      i++;
    }
  }
  if (/[A-Z ]/.test(out)) return undefined;
  return out === encoded ? undefined : out;
}
