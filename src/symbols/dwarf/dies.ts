// The debugging information entries of .debug_info (DWARF 5, sections 2.1-2.3, 7.5): unit headers,
// one entry at an offset with its attributes decoded by form (7.5.6), the children of an entry,
// references followed to their entry (in this unit or another), and the attribute classes that
// need another section to be read (strings, addresses, range lists).
//
// Every loop here moves forward through the section and stops at the end of its unit, so corrupt
// input ends in a DwarfError naming the section and offset, never in a hang.

import { DwarfSections } from './sections';
import { DwarfError, hex, Reader, stringAt } from './reader';

// Tags (7.5.3) and attributes (7.5.4) used here.
const DW_TAG_compile_unit = 0x11;
const DW_TAG_partial_unit = 0x3c;
const DW_TAG_skeleton_unit = 0x4a;
const DW_AT_sibling = 0x01;
const DW_AT_name = 0x03;
const DW_AT_stmt_list = 0x10;
const DW_AT_low_pc = 0x11;
const DW_AT_high_pc = 0x12;
const DW_AT_comp_dir = 0x1b;
const DW_AT_ranges = 0x55;
const DW_AT_str_offsets_base = 0x72;
const DW_AT_addr_base = 0x73;
const DW_AT_rnglists_base = 0x74;
const DW_AT_loclists_base = 0x8c;
// Unit types (7.5.1).
const DW_UT_type = 0x02;
const DW_UT_skeleton = 0x04;
const DW_UT_split_compile = 0x05;
const DW_UT_split_type = 0x06;
// Range list entries (7.25).
const DW_RLE_end_of_list = 0;
const DW_RLE_base_addressx = 1;
const DW_RLE_startx_endx = 2;
const DW_RLE_startx_length = 3;
const DW_RLE_offset_pair = 4;
const DW_RLE_base_address = 5;
const DW_RLE_start_end = 6;
const DW_RLE_start_length = 7;

/**
 * A decoded attribute value: references as absolute .debug_info offsets, strings as text. A
 * constant of a fixed-size form (DW_FORM_data1-8) says its size in bytes, so that a reader that
 * knows the value is signed can sign-extend it (7.5.5: those forms carry no signedness).
 */
export type Value =
  | { kind: 'constant'; value: bigint; size?: number }
  | { kind: 'address' | 'offset' | 'ref' | 'sig8' | 'strx' | 'addrx' | 'rnglistx' | 'loclistx'; value: bigint }
  | { kind: 'string'; value: string }
  | { kind: 'block'; value: Uint8Array }
  | { kind: 'flag'; value: boolean };

export interface CompileUnit {
  offset: number;
  version: number;
  addressSize: number;
  is64: boolean;
  name?: string;
  compDir?: string;
  /** DW_AT_stmt_list: the unit's line program in .debug_line. */
  lineOffset?: number;
  ranges: Array<[bigint, bigint]>;
  /** @internal */
  abbrevOffset: number;
  /** @internal offset of the root entry, and the end of the unit. */
  dieStart: number;
  end: number;
  strOffsetsBase: number;
  addrBase: number;
  rnglistsBase: number;
  /** DW_AT_loclists_base (DWARF 5): where the unit's DW_FORM_loclistx offsets start. */
  loclistsBase: number;
  /** The base address of range and location lists: the root entry's DW_AT_low_pc (2.17.3). */
  base: bigint;
  /** A type unit (7.5.1.2): its signature and the offset of the type entry it describes. */
  typeSignature?: bigint;
  typeOffset?: number;
}

/** One entry; tag 0 is a null entry, which ends a list of siblings (7.5.2). */
export interface Die {
  offset: number;
  tag: number;
  hasChildren: boolean;
  attributes: Map<number, Value>;
  /** Where the entry's attributes end: its first child, or its next sibling. */
  end: number;
}

interface Abbrev {
  tag: number;
  hasChildren: boolean;
  attributes: Array<[number, number, bigint]>; // name, form, implicit_const value
}


export class Dies {
  private unitList?: CompileUnit[];
  /** Every unit, compile and type, by offset (for finding the owner of a reference). */
  private allUnits: CompileUnit[] = [];
  private readonly signatures = new Map<bigint, number>();
  private readonly abbrevCache = new Map<number, Map<number, Abbrev>>();
  private readonly entryCache = new Map<number, Die>();

  constructor(readonly s: DwarfSections) {
    if (!s.info) throw new DwarfError('.debug_info: no such section');
    if (!s.abbrev) throw new DwarfError('.debug_abbrev: no such section');
  }

  /** Every compile (and partial) unit's header and root entry (7.5.1). */
  units(): CompileUnit[] {
    if (this.unitList) return this.unitList;
    const list: CompileUnit[] = [];
    const all: CompileUnit[] = [];
    const r = new Reader(this.s.info!, '.debug_info');
    while (!r.atEnd) {
      const offset = r.offset;
      const { length, is64 } = r.initialLength();
      if (length > r.remaining) throw r.error(`unit_length ${length} runs past the end of the section`);
      const end = r.offset + length;
      const version = r.u16();
      if (version < 2 || version > 5) throw r.error(`unsupported unit version ${version}`, r.offset - 2);
      let unitType = 0;
      let abbrevOffset: number;
      let addressSize: number;
      let typeSignature: bigint | undefined;
      let typeOffset: number | undefined;
      if (version >= 5) {
        unitType = r.u8();
        addressSize = r.u8();
        abbrevOffset = r.sectionOffset(is64);
        if (unitType === DW_UT_skeleton || unitType === DW_UT_split_compile) r.skip(8);
        else if (unitType === DW_UT_type || unitType === DW_UT_split_type) {
          typeSignature = r.u64();
          typeOffset = offset + r.sectionOffset(is64);
        }
      } else {
        abbrevOffset = r.sectionOffset(is64);
        addressSize = r.u8();
      }
      if (addressSize !== 4 && addressSize !== 8) throw r.error(`unit at ${hex(offset)}: address_size ${addressSize}`);
      const unit: CompileUnit = { offset, version, addressSize, is64, ranges: [], abbrevOffset, dieStart: r.offset, end, strOffsetsBase: 8, addrBase: 8, rnglistsBase: 0, loclistsBase: 0, base: 0n, typeSignature, typeOffset };
      r.offset = end;
      all.push(unit);
      if (typeSignature !== undefined) {
        if (typeOffset! < unit.dieStart || typeOffset! >= end) throw new DwarfError(`.debug_info+${hex(offset)}: type_offset outside its unit`);
        this.signatures.set(typeSignature, typeOffset!);
      }
      const root = this.read(unit, unit.dieStart);
      if (root.tag !== DW_TAG_compile_unit && root.tag !== DW_TAG_partial_unit && root.tag !== DW_TAG_skeleton_unit && typeSignature === undefined) continue;
      const num = (at: number): number | undefined => {
        const v = root.attributes.get(at);
        return v && typeof v.value === 'bigint' ? Number(v.value) : undefined;
      };
      unit.strOffsetsBase = num(DW_AT_str_offsets_base) ?? unit.strOffsetsBase;
      unit.addrBase = num(DW_AT_addr_base) ?? unit.addrBase;
      unit.rnglistsBase = num(DW_AT_rnglists_base) ?? 0;
      unit.loclistsBase = num(DW_AT_loclists_base) ?? 0;
      if (typeSignature !== undefined) continue;
      unit.name = this.text(unit, root.attributes.get(DW_AT_name));
      unit.compDir = this.text(unit, root.attributes.get(DW_AT_comp_dir));
      unit.lineOffset = num(DW_AT_stmt_list);
      unit.base = this.address(unit, root.attributes.get(DW_AT_low_pc)) ?? 0n;
      unit.ranges = this.ranges(unit, root);
      list.push(unit);
    }
    this.allUnits = all;
    return (this.unitList = list);
  }

  /** The unit (compile or type) that holds a .debug_info offset: a binary search on unit offsets. */
  unitOf(offset: number): CompileUnit {
    this.units();
    const all = this.allUnits;
    let lo = 0;
    let hi = all.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (all[mid].offset > offset) hi = mid - 1;
      else lo = mid + 1;
    }
    const u = all[hi];
    if (!u || offset < u.dieStart || offset >= u.end) throw new DwarfError(`.debug_info+${hex(offset)}: no unit holds this offset`);
    return u;
  }

  /** The entry at an offset, cached: what a stop reads again is read once. */
  entry(unit: CompileUnit, offset: number): Die {
    let die = this.entryCache.get(offset);
    if (!die) {
      die = this.read(unit, offset);
      this.entryCache.set(offset, die);
    }
    return die;
  }

  /** The entry at an offset of a unit, uncached (7.5.2, 7.5.3). */
  read(unit: CompileUnit, offset: number): Die {
    if (offset < unit.dieStart || offset >= unit.end) throw new DwarfError(`.debug_info+${hex(offset)}: entry outside its unit (${hex(unit.offset)}..${hex(unit.end)})`);
    const r = new Reader(this.s.info!, '.debug_info', offset, unit.end);
    const code = r.uleb();
    if (code === 0) return { offset, tag: 0, hasChildren: false, attributes: new Map(), end: r.offset };
    const abbrev = this.abbrevs(unit).get(code);
    if (!abbrev) throw r.error(`abbreviation code ${code} is not in the unit's table (.debug_abbrev+${hex(unit.abbrevOffset)})`, offset);
    const attributes = new Map<number, Value>();
    for (const [name, form, implicit] of abbrev.attributes) attributes.set(name, this.form(r, unit, form, implicit));
    return { offset, tag: abbrev.tag, hasChildren: abbrev.hasChildren, attributes, end: r.offset };
  }

  /** The offset of the entry after `die` and all its descendants: its next sibling (or the null entry). */
  after(unit: CompileUnit, die: Die, cache = true): number {
    if (!die.hasChildren) return die.end;
    const sibling = die.attributes.get(DW_AT_sibling);
    // DW_AT_sibling (2.3) skips the subtree; it must point forward, or the walk could loop.
    if (sibling?.kind === 'ref' && sibling.value > BigInt(die.offset) && sibling.value < BigInt(unit.end)) return Number(sibling.value);
    let depth = 1;
    let offset = die.end;
    while (depth > 0) {
      const e = cache ? this.entry(unit, offset) : this.read(unit, offset);
      offset = e.end;
      if (e.tag === 0) depth--;
      else if (e.hasChildren) depth++;
    }
    return offset;
  }

  /** The children of an entry, in order (2.3). */
  children(unit: CompileUnit, die: Die): Die[] {
    const out: Die[] = [];
    if (!die.hasChildren) return out;
    for (let offset = die.end; ;) {
      const child = this.entry(unit, offset);
      if (child.tag === 0) return out;
      out.push(child);
      offset = this.after(unit, child);
    }
  }

  /** The entry an attribute refers to (DW_FORM_ref*, ref_addr, ref_sig8), with its unit. */
  ref(die: Die, attribute: number): { unit: CompileUnit; die: Die } | undefined {
    const v = die.attributes.get(attribute);
    if (!v) return undefined;
    let target: number;
    if (v.kind === 'ref') target = Number(v.value);
    else if (v.kind === 'sig8') {
      // A type unit's signature (7.5.1.2): DWARF 5 type units in .debug_info.
      this.units();
      const t = this.signatures.get(v.value);
      if (t === undefined) throw new DwarfError(`.debug_info+${hex(die.offset)}: no type unit has signature ${hex(v.value)}`);
      target = t;
    } else return undefined;
    const unit = this.unitOf(target);
    return { unit, die: this.entry(unit, target) };
  }

  abbrevs(unit: CompileUnit): Map<number, Abbrev> {
    const cached = this.abbrevCache.get(unit.abbrevOffset);
    if (cached) return cached;
    const table = new Map<number, Abbrev>();
    const r = new Reader(this.s.abbrev!, '.debug_abbrev', unit.abbrevOffset);
    for (let code = r.uleb(); code !== 0; code = r.uleb()) {
      const tag = r.uleb();
      const hasChildren = r.u8() !== 0;
      const attributes: Array<[number, number, bigint]> = [];
      for (;;) {
        const name = r.uleb();
        const form = r.uleb();
        if (name === 0 && form === 0) break;
        attributes.push([name, form, form === 0x21 ? r.slebBig() : 0n]); // DW_FORM_implicit_const
      }
      table.set(code, { tag, hasChildren, attributes });
    }
    this.abbrevCache.set(unit.abbrevOffset, table);
    return table;
  }

  /** One attribute value by its form (7.5.6). */
  private form(r: Reader, unit: CompileUnit, form: number, implicit: bigint, depth = 0): Value {
    const c = (value: bigint, kind: 'offset' | 'ref' | 'strx' | 'addrx' | 'rnglistx' | 'loclistx'): Value => ({ kind, value });
    const data = (value: bigint, size?: number): Value => ({ kind: 'constant', value, size });
    const ref = (v: bigint): Value => c(v + BigInt(unit.offset), 'ref');
    const str = (section: Uint8Array | undefined, name: string): Value => {
      const at = r.offset;
      const o = r.sectionOffset(unit.is64);
      if (!section) throw r.error(`a string in ${name}, which is missing`, at);
      return { kind: 'string', value: stringAt(section, name, o) };
    };
    switch (form) {
      case 0x01: return { kind: 'address', value: r.address(unit.addressSize) }; // addr
      case 0x03: return { kind: 'block', value: r.block(r.u16()) }; // block2
      case 0x04: return { kind: 'block', value: r.block(r.u32()) }; // block4
      case 0x05: return data(BigInt(r.u16()), 2); // data2
      case 0x06: return data(BigInt(r.u32()), 4); // data4
      case 0x07: return data(r.u64(), 8); // data8
      case 0x08: return { kind: 'string', value: r.cstring() }; // string
      case 0x09: return { kind: 'block', value: r.block(r.uleb()) }; // block
      case 0x0a: return { kind: 'block', value: r.block(r.u8()) }; // block1
      case 0x0b: return data(BigInt(r.u8()), 1); // data1
      case 0x0c: return { kind: 'flag', value: r.u8() !== 0 }; // flag
      case 0x0d: return data(r.slebBig()); // sdata
      case 0x0e: return str(this.s.str, '.debug_str'); // strp
      case 0x0f: return data(r.ulebBig()); // udata
      case 0x10: return c(unit.version <= 2 ? r.address(unit.addressSize) : BigInt(r.sectionOffset(unit.is64)), 'ref'); // ref_addr
      case 0x11: return ref(BigInt(r.u8())); // ref1
      case 0x12: return ref(BigInt(r.u16())); // ref2
      case 0x13: return ref(BigInt(r.u32())); // ref4
      case 0x14: return ref(r.u64()); // ref8
      case 0x15: return ref(r.ulebBig()); // ref_udata
      case 0x16: { // indirect: the form is in the data (once; an indirect indirect is corrupt)
        const at = r.offset;
        const inner = r.uleb();
        if (inner === 0x16 || depth > 0) throw r.error('DW_FORM_indirect of DW_FORM_indirect', at);
        return this.form(r, unit, inner, implicit, depth + 1);
      }
      case 0x17: return c(BigInt(r.sectionOffset(unit.is64)), 'offset'); // sec_offset
      case 0x18: return { kind: 'block', value: r.block(r.uleb()) }; // exprloc
      case 0x19: return { kind: 'flag', value: true }; // flag_present
      case 0x1a: return c(r.ulebBig(), 'strx');
      case 0x1b: return c(r.ulebBig(), 'addrx');
      case 0x1c: return c(BigInt(r.u32()), 'offset'); // ref_sup4
      case 0x1d: r.sectionOffset(unit.is64); return { kind: 'string', value: '' }; // strp_sup
      case 0x1e: return { kind: 'block', value: r.block(16) }; // data16
      case 0x1f: return str(this.s.lineStr, '.debug_line_str'); // line_strp
      case 0x20: return { kind: 'sig8', value: r.u64() }; // ref_sig8
      case 0x21: return data(implicit); // implicit_const
      case 0x22: return c(r.ulebBig(), 'loclistx');
      case 0x23: return c(r.ulebBig(), 'rnglistx');
      case 0x24: return c(r.u64(), 'offset'); // ref_sup8
      case 0x25: return c(BigInt(r.u8()), 'strx');
      case 0x26: return c(BigInt(r.u16()), 'strx');
      case 0x27: return c(BigInt(r.u24()), 'strx');
      case 0x28: return c(BigInt(r.u32()), 'strx');
      case 0x29: return c(BigInt(r.u8()), 'addrx');
      case 0x2a: return c(BigInt(r.u16()), 'addrx');
      case 0x2b: return c(BigInt(r.u24()), 'addrx');
      case 0x2c: return c(BigInt(r.u32()), 'addrx');
      case 0x1f01: return c(r.ulebBig(), 'addrx'); // GNU_addr_index
      case 0x1f02: return c(r.ulebBig(), 'strx'); // GNU_str_index
      case 0x1f20: return c(BigInt(r.sectionOffset(unit.is64)), 'offset'); // GNU_ref_alt
      case 0x1f21: r.sectionOffset(unit.is64); return { kind: 'string', value: '' }; // GNU_strp_alt
      default: throw r.error(`unknown attribute form ${hex(form)}`);
    }
  }

  /** A string-class value (7.5.5): inline, in .debug_str, or by index through .debug_str_offsets. */
  text(unit: CompileUnit, v: Value | undefined): string | undefined {
    if (!v) return undefined;
    if (v.kind === 'string') return v.value;
    if (v.kind === 'strx') {
      if (!this.s.strOffsets || !this.s.str) throw new DwarfError('DW_FORM_strx without .debug_str_offsets');
      const size = unit.is64 ? 8 : 4;
      const r = new Reader(this.s.strOffsets, '.debug_str_offsets', unit.strOffsetsBase + Number(v.value) * size);
      return stringAt(this.s.str, '.debug_str', r.sectionOffset(unit.is64));
    }
    return undefined;
  }

  /** An address-class value: inline, or by index into .debug_addr (7.5.5). */
  address(unit: CompileUnit, v: Value | undefined): bigint | undefined {
    if (!v) return undefined;
    if (v.kind === 'address') return v.value;
    if (v.kind === 'addrx') return this.addrx(unit, Number(v.value));
    return undefined;
  }

  /** Entry `index` of the unit's .debug_addr table (DW_FORM_addrx, DW_OP_addrx, DW_LLE_*x). */
  addrx(unit: CompileUnit, index: number): bigint {
    if (!this.s.addr) throw new DwarfError('DW_FORM_addrx without .debug_addr');
    return new Reader(this.s.addr, '.debug_addr', unit.addrBase + index * unit.addressSize).address(unit.addressSize);
  }

  /** A DIE's code ranges: low_pc/high_pc, or DW_AT_ranges (2.17). */
  ranges(unit: CompileUnit, die: Die): Array<[bigint, bigint]> {
    const low = this.address(unit, die.attributes.get(DW_AT_low_pc));
    const high = die.attributes.get(DW_AT_high_pc);
    if (low !== undefined && high) {
      // A constant-class high_pc is an offset from low_pc (2.17.2).
      const end = high.kind === 'constant' ? low + high.value : this.address(unit, high);
      return end !== undefined && end > low ? [[low, end]] : [];
    }
    const r = die.attributes.get(DW_AT_ranges);
    if (!r || typeof r.value !== 'bigint') return [];
    return unit.version >= 5 ? this.rnglist(unit, r, unit.base) : this.rangeList(unit, Number(r.value), unit.base);
  }

  /** A .debug_ranges list (DWARF 4, 2.17.3): pairs, base address selections, and (0, 0) at the end. */
  private rangeList(unit: CompileUnit, offset: number, base: bigint): Array<[bigint, bigint]> {
    if (!this.s.ranges) throw new DwarfError('DW_AT_ranges without a .debug_ranges section');
    const r = new Reader(this.s.ranges, '.debug_ranges', offset);
    const max = unit.addressSize === 8 ? 0xffffffffffffffffn : 0xffffffffn;
    const out: Array<[bigint, bigint]> = [];
    for (;;) {
      const a = r.address(unit.addressSize);
      const b = r.address(unit.addressSize);
      if (a === 0n && b === 0n) return out;
      if (a === max) base = b;
      else if (b > a) out.push([base + a, base + b]);
    }
  }

  /** A .debug_rnglists list (DWARF 5, 2.17.3 and 7.25). */
  private rnglist(unit: CompileUnit, v: Value, base: bigint): Array<[bigint, bigint]> {
    if (!this.s.rnglists) throw new DwarfError('DW_AT_ranges without a .debug_rnglists section');
    let offset = Number(v.value);
    if (v.kind === 'rnglistx') {
      const size = unit.is64 ? 8 : 4;
      offset = unit.rnglistsBase + new Reader(this.s.rnglists, '.debug_rnglists', unit.rnglistsBase + offset * size).sectionOffset(unit.is64);
    }
    const r = new Reader(this.s.rnglists, '.debug_rnglists', offset);
    const addrx = (): bigint => this.addrx(unit, r.uleb());
    const out: Array<[bigint, bigint]> = [];
    for (;;) {
      const kind = r.u8();
      switch (kind) {
        case DW_RLE_end_of_list: return out;
        case DW_RLE_base_addressx: base = addrx(); break;
        case DW_RLE_startx_endx: { const a = addrx(); out.push([a, addrx()]); break; }
        case DW_RLE_startx_length: { const a = addrx(); out.push([a, a + r.ulebBig()]); break; }
        case DW_RLE_offset_pair: { const a = r.ulebBig(); out.push([base + a, base + r.ulebBig()]); break; }
        case DW_RLE_base_address: base = r.address(unit.addressSize); break;
        case DW_RLE_start_end: { const a = r.address(unit.addressSize); out.push([a, r.address(unit.addressSize)]); break; }
        case DW_RLE_start_length: { const a = r.address(unit.addressSize); out.push([a, a + r.ulebBig()]); break; }
        default: throw r.error(`unknown range list entry kind ${kind}`, r.offset - 1);
      }
    }
  }
}
