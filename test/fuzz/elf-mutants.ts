// Structure-aware mutants of a RISC-V ELF with DWARF, each a list of byte patches over the base file
// (small to pass to the driver; a patch at or past the end appends): the ELF header's table fields,
// section headers (offsets, sizes, counts, link/info, entsize, name offsets), program headers, symbol
// table entries, and the DWARF sections: random bytes inside them, unit lengths set huge,
// abbreviation codes that name nothing, DIE references in cycles (found with readelf), and a unit
// nested 100,000 entries deep put before .debug_info's units, with its abbreviations.

import { spawnSync } from 'node:child_process';
import { parseElf, SectionHeader } from '../../src/elf/elf';
import { Dice } from './seed';

export interface Patch { at: number; bytes: number[] }
export interface ElfMutant { cls: string; what: string; patches: Patch[] }

/** What the mutations need to know of the base, read once. */
export interface ElfBase {
  data: Uint8Array;
  shoff: number;
  phoff: number;
  phnum: number;
  sections: SectionHeader[];
  /** Offsets in .debug_info of DIE references of 4 bytes (DW_FORM_ref4): where the reference is, its DIE, its unit. */
  refs: { at: number; die: number; unit: number; target: number }[];
}

const le = (v: bigint | number, n: number): number[] => {
  let x = BigInt(v);
  const out: number[] = [];
  for (let i = 0; i < n; i++) { out.push(Number(x & 0xffn)); x >>= 8n; }
  return out;
};

const uleb = (v: number): number[] => {
  const out: number[] = [];
  do { let b = v & 0x7f; v = Math.floor(v / 128); if (v) b |= 0x80; out.push(b); } while (v);
  return out;
};

/**
 * The base's layout; `readelf` (binutils) lists the DIE references of .debug_info, with the offsets
 * of the attributes, so that references can be pointed in cycles.
 */
export function readBase(data: Uint8Array, readelf: string, file: string): ElfBase {
  const elf = parseElf(data);
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const info = elf.sections.find((s) => s.name === '.debug_info');
  const refs: ElfBase['refs'] = [];
  const r = spawnSync(readelf, ['--debug-dump=info', '-W', file], { encoding: 'utf8', maxBuffer: 256 * 2 ** 20 });
  if (info && r.status === 0) {
    let unit = 0;
    let die = 0;
    for (const line of r.stdout.split('\n')) {
      let m = /Compilation Unit @ offset (0x[0-9a-f]+|\d+)/.exec(line);
      if (m) { unit = Number(m[1]); continue; }
      m = /^\s*<\d+><([0-9a-f]+)>/.exec(line);
      if (m) { die = parseInt(m[1], 16); continue; }
      m = /^\s*<([0-9a-f]+)>\s+DW_AT_(type|abstract_origin|specification|sibling)\s*:\s*\(ref4\)\s*<0x([0-9a-f]+)>/.exec(line);
      if (m) refs.push({ at: info.offset + parseInt(m[1], 16), die, unit, target: parseInt(m[3], 16) });
    }
  }
  return { data, shoff: Number(dv.getBigUint64(40, true)), phoff: Number(dv.getBigUint64(32, true)), phnum: dv.getUint16(56, true), sections: elf.sections, refs };
}

const DWARF = ['.debug_info', '.debug_abbrev', '.debug_line', '.debug_str', '.debug_loc', '.debug_loclists', '.debug_frame', '.debug_rnglists', '.debug_ranges', '.debug_aranges', '.debug_line_str', '.debug_addr', '.debug_str_offsets'];

export const ELF_CLASSES = ['none', 'elf-header', 'section-header', 'program-header', 'symbol', 'dwarf-bytes', 'dwarf-length', 'abbrev-code', 'ref-cycle', 'deep-nesting', 'cut'] as const;
export type ElfClass = (typeof ELF_CLASSES)[number];
const WEIGHTS: Record<ElfClass, number> = {
  none: 1, 'elf-header': 6, 'section-header': 18, 'program-header': 5, symbol: 10, 'dwarf-bytes': 30, 'dwarf-length': 12,
  'abbrev-code': 6, 'ref-cycle': 9, 'deep-nesting': 0, cut: 3, // deep-nesting: once a run (2 MB of patch)
};

export function drawElfClass(d: Dice): ElfClass {
  let n = d.below(100);
  for (const c of ELF_CLASSES) { if (n < WEIGHTS[c]) return c; n -= WEIGHTS[c]; }
  return 'dwarf-bytes';
}

const HUGE64 = [0n, 1n, 0xffffffffn, 0x100000000n, 0x7fffffffffffffffn, 0xffffffffffffffffn, 2n ** 53n];

function hugeOr(d: Dice, v: number, n: number): bigint {
  const sized = HUGE64.map((x) => x & ((1n << BigInt(8 * n)) - 1n));
  return d.chance(0.6) ? d.pick(sized) : BigInt(Math.max(0, v + d.pick([-1, 1, -8, 8, 4096, -4096]))) & ((1n << BigInt(8 * n)) - 1n);
}

export function mutateElf(d: Dice, base: ElfBase, cls: ElfClass): ElfMutant {
  const data = base.data;
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const field = (at: number, n: number, what: string): ElfMutant => {
    const old = n === 8 ? Number(dv.getBigUint64(at, true)) : n === 4 ? dv.getUint32(at, true) : n === 2 ? dv.getUint16(at, true) : data[at];
    const v = hugeOr(d, old, n);
    return { cls, what: `${what} ${old} -> ${v}`, patches: [{ at, bytes: le(v, n) }] };
  };
  const dwarf = base.sections.filter((s) => DWARF.includes(s.name) && s.size > 0);
  switch (cls) {
    case 'none': return { cls, what: 'unchanged', patches: [] };
    case 'elf-header': {
      const [at, n, name] = d.pick([[24, 8, 'e_entry'], [32, 8, 'e_phoff'], [40, 8, 'e_shoff'], [54, 2, 'e_phentsize'], [56, 2, 'e_phnum'], [58, 2, 'e_shentsize'], [60, 2, 'e_shnum'], [62, 2, 'e_shstrndx']] as const);
      return field(at, n, name);
    }
    case 'section-header': {
      const i = d.below(base.sections.length);
      const [off, n, name] = d.pick([[0, 4, 'sh_name'], [4, 4, 'sh_type'], [8, 8, 'sh_flags'], [16, 8, 'sh_addr'], [24, 8, 'sh_offset'], [32, 8, 'sh_size'], [40, 4, 'sh_link'], [44, 4, 'sh_info'], [48, 8, 'sh_addralign'], [56, 8, 'sh_entsize']] as const);
      return field(base.shoff + 64 * i + off, n, `section ${i} (${base.sections[i].name || 'null'}) ${name}`);
    }
    case 'program-header': {
      const i = d.below(base.phnum);
      const [off, n, name] = d.pick([[0, 4, 'p_type'], [8, 8, 'p_offset'], [16, 8, 'p_vaddr'], [24, 8, 'p_paddr'], [32, 8, 'p_filesz'], [40, 8, 'p_memsz']] as const);
      return field(base.phoff + 56 * i + off, n, `program header ${i} ${name}`);
    }
    case 'symbol': {
      const symtab = base.sections.find((s) => s.name === '.symtab')!;
      const i = d.below(symtab.size / 24);
      const [off, n, name] = d.pick([[0, 4, 'st_name'], [4, 1, 'st_info'], [6, 2, 'st_shndx'], [8, 8, 'st_value'], [16, 8, 'st_size']] as const);
      return field(symtab.offset + 24 * i + off, n, `symbol ${i} ${name}`);
    }
    case 'dwarf-bytes': {
      const s = d.pick(dwarf);
      const n = 1 + d.below(8);
      const patches: Patch[] = [];
      for (let i = 0; i < n; i++) patches.push({ at: s.offset + d.below(s.size), bytes: [d.pick([0, 0xff, 0x80, 0x7f, d.below(256)])] });
      return { cls, what: `${s.name}: ${n} bytes changed at ${patches.map((p) => `+0x${(p.at - s.offset).toString(16)}`).join(',')}`, patches };
    }
    case 'dwarf-length': {
      // A unit's (or CIE's, FDE's) initial length: walk the section's units and set one's huge.
      const s = d.pick(dwarf.filter((x) => ['.debug_info', '.debug_line', '.debug_aranges', '.debug_frame', '.debug_rnglists', '.debug_loclists', '.debug_str_offsets', '.debug_addr'].includes(x.name)));
      const starts: number[] = [];
      for (let at = 0; at + 4 <= s.size && starts.length < 10_000;) {
        starts.push(at);
        const len = dv.getUint32(s.offset + at, true);
        if (len === 0 || len >= 0xfffffff0) break;
        at += 4 + len;
      }
      const at = d.pick(starts);
      const old = dv.getUint32(s.offset + at, true);
      const c = d.below(3);
      if (c === 0) return { cls, what: `${s.name}+0x${at.toString(16)}: 64-bit DWARF with length 2^63`, patches: [{ at: s.offset + at, bytes: [...le(0xffffffff, 4), ...le(0x7fffffffffffffffn, 8)] }] };
      const v = c === 1 ? d.pick([0xfffffff0, 0xfffffffe, 0x7fffffff, old + 1, old + 1000]) : d.pick([0, 1, 2, old - 1]);
      return { cls, what: `${s.name}+0x${at.toString(16)}: length ${old} -> ${v}`, patches: [{ at: s.offset + at, bytes: le(v >>> 0, 4) }] };
    }
    case 'abbrev-code': {
      // The first DIE's abbreviation code (right after a unit's header), or a random DIE's, made one no table has.
      const info = base.sections.find((s) => s.name === '.debug_info')!;
      const version = dv.getUint16(info.offset + 4, true);
      const target = d.chance(0.5) || base.refs.length === 0 ? info.offset + (version >= 5 ? 12 : 11) : d.pick(base.refs).die + info.offset;
      const code = d.pick([0x7f, 0x7e, 0x70]);
      return { cls, what: `.debug_info+0x${(target - info.offset).toString(16)}: abbreviation code -> ${code}`, patches: [{ at: target, bytes: [code] }] };
    }
    case 'ref-cycle': {
      if (base.refs.length < 2) return { cls, what: 'no references to point (readelf missing)', patches: [] };
      const a = d.pick(base.refs);
      if (d.chance(0.4)) return { cls, what: `.debug_info+0x${(a.die).toString(16)}: a reference to itself`, patches: [{ at: a.at, bytes: le(a.die - a.unit, 4) }] };
      // A's reference to B, and one of B's references back to A.
      const back = base.refs.find((r) => r.die === a.target && r.unit === a.unit);
      if (!back) return { cls, what: `.debug_info+0x${a.die.toString(16)}: reference to the unit's first entry`, patches: [{ at: a.at, bytes: le(d.pick([0, 11, 0xffffff]), 4) }] };
      return { cls, what: `.debug_info: 0x${a.die.toString(16)} -> 0x${back.die.toString(16)} -> back (a cycle of two)`, patches: [{ at: back.at, bytes: le(a.die - a.unit, 4) }] };
    }
    case 'deep-nesting': return deepUnit(base, 100_000);
    case 'cut': {
      const at = d.below(data.length);
      return { cls, what: `file cut at byte ${at}`, patches: [{ at: -at, bytes: [] }] };
    }
  }
}

/**
 * A unit put first in .debug_info: a compile unit holding a subprogram holding `depth` nested lexical
 * blocks, every one over the whole of .text, with its abbreviations appended to .debug_abbrev; both
 * sections' headers are moved to the copies at the end of the file.
 */
function deepUnit(base: ElfBase, depth: number): ElfMutant {
  const data = base.data;
  const info = base.sections.find((s) => s.name === '.debug_info')!;
  const abbrev = base.sections.find((s) => s.name === '.debug_abbrev')!;
  const text = base.sections.find((s) => s.name === '.text')!;
  const infoIndex = base.sections.indexOf(info);
  const abbrevIndex = base.sections.indexOf(abbrev);
  const DW_FORM_addr = 0x01;
  const DW_FORM_data8 = 0x07;
  const lowHigh = [0x11, DW_FORM_addr, 0x12, DW_FORM_data8];
  const table = [
    1, 0x11, 1, ...lowHigh, 0, 0, // compile_unit, children
    2, 0x2e, 1, ...lowHigh, 0, 0, // subprogram, children
    3, 0x0b, 1, ...lowHigh, 0, 0, // lexical_block, children
    0,
  ];
  const span = [...le(text.addr, 8), ...le(text.size, 8)];
  const body: number[] = [...uleb(1), ...span, ...uleb(2), ...span];
  const dies = new Uint8Array(body.length + depth * 17 + depth + 2);
  dies.set(body);
  let at = body.length;
  const block = Uint8Array.from([3, ...span]);
  for (let i = 0; i < depth; i++) { dies.set(block, at); at += block.length; }
  at += depth + 2; // the zeros that end every level's children
  const header = [...le(7 + dies.length, 4), ...le(4, 2), ...le(abbrev.size, 4), 8];
  const unit = [...header, ...dies];
  // New copies: [unit][info bytes] (first, so that lookups meet it before the real units), then
  // [abbrev bytes][table], at the end of the file.
  const newInfo = data.length;
  const newAbbrev = newInfo + info.size + unit.length;
  const patches: Patch[] = [
    { at: newInfo, bytes: unit },
    { at: newInfo + unit.length, bytes: Array.from(data.subarray(info.offset, info.offset + info.size)) },
    { at: newAbbrev, bytes: [...Array.from(data.subarray(abbrev.offset, abbrev.offset + abbrev.size)), ...table] },
    { at: base.shoff + 64 * infoIndex + 24, bytes: [...le(newInfo, 8), ...le(info.size + unit.length, 8)] },
    { at: base.shoff + 64 * abbrevIndex + 24, bytes: [...le(newAbbrev, 8), ...le(abbrev.size + table.length, 8)] },
  ];
  return { cls: 'deep-nesting', what: `a unit nested ${depth} entries deep put first in .debug_info`, patches };
}

/** The mutant's bytes: patches applied to a copy (a negative `at` with no bytes cuts the file there). */
export function applyPatches(data: Uint8Array, patches: Patch[]): Uint8Array {
  const cut = patches.find((p) => p.at < 0 || (p.at === 0 && p.bytes.length === 0));
  if (cut) return data.slice(0, -cut.at);
  const end = Math.max(data.length, ...patches.map((p) => p.at + p.bytes.length));
  const out = new Uint8Array(end);
  out.set(data);
  for (const p of patches) out.set(p.bytes, p.at);
  return out;
}
