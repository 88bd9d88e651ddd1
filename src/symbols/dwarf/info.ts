// The DWARF debugging information entries (DWARF 5, section 7.5; DWARF 2-4 unit headers): compile
// units, and the function and inlined calls at an address (section 3.3.8), as addr2line -f -i
// reports them. Units are read lazily: their headers and root entries first, a unit's tree of
// entries only when an address in it is asked about.

import { DwarfSections } from './sections';
import { DwarfError, Reader, stringAt } from './reader';

// Tags (7.5.3) and attributes (7.5.4) used here.
const DW_TAG_compile_unit = 0x11;
const DW_TAG_partial_unit = 0x3c;
const DW_TAG_skeleton_unit = 0x4a;
const DW_TAG_subprogram = 0x2e;
const DW_TAG_inlined_subroutine = 0x1d;
const DW_AT_name = 0x03;
const DW_AT_stmt_list = 0x10;
const DW_AT_low_pc = 0x11;
const DW_AT_high_pc = 0x12;
const DW_AT_comp_dir = 0x1b;
const DW_AT_abstract_origin = 0x31;
const DW_AT_specification = 0x47;
const DW_AT_ranges = 0x55;
const DW_AT_call_column = 0x57;
const DW_AT_call_file = 0x58;
const DW_AT_call_line = 0x59;
const DW_AT_linkage_name = 0x6e;
const DW_AT_MIPS_linkage_name = 0x2007;
const DW_AT_str_offsets_base = 0x72;
const DW_AT_addr_base = 0x73;
const DW_AT_rnglists_base = 0x74;
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

/** A decoded attribute value: references as absolute .debug_info offsets, strings as text. */
export type Value =
  | { kind: 'address' | 'constant' | 'offset' | 'ref' | 'index' | 'strx' | 'addrx' | 'rnglistx' | 'loclistx'; value: bigint }
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
  /** The base address of range lists: the root entry's DW_AT_low_pc (2.17.3). */
  base: bigint;
}

export interface InlinedCall {
  name: string;
  ranges: Array<[bigint, bigint]>;
  callFile: number;
  callLine: number;
  callColumn: number;
}

export interface FunctionInfo {
  name: string;
  ranges: Array<[bigint, bigint]>;
  unit: CompileUnit;
  dieOffset: number;
}

interface Abbrev {
  tag: number;
  hasChildren: boolean;
  attributes: Array<[number, number, bigint]>; // name, form, implicit_const value
}

interface Die {
  offset: number;
  tag: number;
  hasChildren: boolean;
  attributes: Map<number, Value>;
}

/** A code scope of a unit: a subprogram or inlined call with addresses, and its enclosing scope. */
interface Scope {
  die: Die;
  ranges: Array<[bigint, bigint]>;
  parent: number;
}

const contains = (ranges: Array<[bigint, bigint]>, a: bigint): boolean => ranges.some(([lo, hi]) => lo <= a && a < hi);

export class DebugInfo {
  private unitList?: CompileUnit[];
  private readonly abbrevCache = new Map<number, Map<number, Abbrev>>();
  private readonly scopeCache = new Map<number, Scope[]>();

  private constructor(private readonly s: DwarfSections) {}

  static fromSections(s: DwarfSections): DebugInfo {
    if (!s.info) throw new DwarfError('.debug_info: no such section');
    if (!s.abbrev) throw new DwarfError('.debug_abbrev: no such section');
    return new DebugInfo(s);
  }

  /** Every unit's header and root entry (7.5.1). */
  units(): CompileUnit[] {
    if (this.unitList) return this.unitList;
    const list: CompileUnit[] = [];
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
      if (version >= 5) {
        unitType = r.u8();
        addressSize = r.u8();
        abbrevOffset = r.sectionOffset(is64);
        if (unitType === DW_UT_skeleton || unitType === DW_UT_split_compile) r.skip(8);
        else if (unitType === DW_UT_type || unitType === DW_UT_split_type) r.skip(8 + (is64 ? 8 : 4));
      } else {
        abbrevOffset = r.sectionOffset(is64);
        addressSize = r.u8();
      }
      if (addressSize !== 4 && addressSize !== 8) throw r.error(`unit at 0x${offset.toString(16)}: address_size ${addressSize}`);
      const unit: CompileUnit = { offset, version, addressSize, is64, ranges: [], abbrevOffset, dieStart: r.offset, end, strOffsetsBase: 8, addrBase: 8, rnglistsBase: 0, base: 0n };
      r.offset = end;
      if (unitType === DW_UT_type || unitType === DW_UT_split_type) continue;
      const root = this.readDie(unit, unit.dieStart);
      if (!root || (root.tag !== DW_TAG_compile_unit && root.tag !== DW_TAG_partial_unit && root.tag !== DW_TAG_skeleton_unit)) continue;
      const num = (at: number): number | undefined => {
        const v = root.attributes.get(at);
        return v && typeof v.value === 'bigint' ? Number(v.value) : undefined;
      };
      unit.strOffsetsBase = num(DW_AT_str_offsets_base) ?? unit.strOffsetsBase;
      unit.addrBase = num(DW_AT_addr_base) ?? unit.addrBase;
      unit.rnglistsBase = num(DW_AT_rnglists_base) ?? 0;
      // Re-read with the bases known, so that strx and addrx forms resolve.
      const full = this.readDie(unit, unit.dieStart)!;
      unit.name = this.text(unit, full.attributes.get(DW_AT_name));
      unit.compDir = this.text(unit, full.attributes.get(DW_AT_comp_dir));
      unit.lineOffset = num(DW_AT_stmt_list);
      unit.base = this.address(unit, full.attributes.get(DW_AT_low_pc)) ?? 0n;
      unit.ranges = this.ranges(unit, full);
      list.push(unit);
    }
    return (this.unitList = list);
  }

  /** The unit whose ranges hold an address. */
  unitAt(address: bigint): CompileUnit | undefined {
    return this.units().find((u) => contains(u.ranges, address));
  }

  /** The function whose code holds `address`, and the inlined calls around it, outermost first. */
  functionAt(address: bigint): { fn: FunctionInfo; inlineChain: InlinedCall[] } | undefined {
    const unit = this.unitAt(address);
    if (!unit) return undefined;
    const scopes = this.scopes(unit);
    // The innermost scope holding the address; its parents give the chain.
    let inner = -1;
    for (let i = 0; i < scopes.length; i++) if (contains(scopes[i].ranges, address)) inner = i;
    if (inner < 0) return undefined;
    const chain: Scope[] = [];
    for (let i = inner; i >= 0; i = scopes[i].parent) chain.unshift(scopes[i]);
    const top = chain.findIndex((x) => x.die.tag === DW_TAG_subprogram);
    if (top < 0) return undefined;
    const fnScope = chain[top];
    const inlineChain = chain.slice(top + 1).filter((x) => x.die.tag === DW_TAG_inlined_subroutine).map((x) => {
      const n = (at: number): number => Number((x.die.attributes.get(at)?.value as bigint | undefined) ?? 0n);
      return { name: this.nameOf(unit, x.die) ?? '??', ranges: x.ranges, callFile: n(DW_AT_call_file), callLine: n(DW_AT_call_line), callColumn: n(DW_AT_call_column) };
    });
    return { fn: { name: this.nameOf(unit, fnScope.die) ?? '??', ranges: fnScope.ranges, unit, dieOffset: fnScope.die.offset }, inlineChain };
  }

  /** The subprograms and inlined calls of a unit, in DIE order (parents first). */
  private scopes(unit: CompileUnit): Scope[] {
    const cached = this.scopeCache.get(unit.offset);
    if (cached) return cached;
    const scopes: Scope[] = [];
    // Walk the tree: a stack of (scope index of the enclosing code scope) per open level.
    const stack: number[] = [];
    let offset = unit.dieStart;
    let enclosing = -1;
    while (offset < unit.end) {
      const die = this.readDie(unit, offset);
      if (!die) {
        // A null entry ends a list of siblings (7.5.2).
        offset += this.nullLength;
        if (stack.length === 0) break;
        enclosing = stack.pop()!;
        continue;
      }
      offset = this.nextOffset;
      let here = enclosing;
      if (die.tag === DW_TAG_subprogram || die.tag === DW_TAG_inlined_subroutine) {
        // Kept even without ranges: an inlined call whose own range list is empty (the compiler
        // dropped it) still encloses the calls inlined into it, as addr2line reports them.
        scopes.push({ die, ranges: this.ranges(unit, die), parent: enclosing });
        here = scopes.length - 1;
      }
      if (die.hasChildren) {
        stack.push(enclosing);
        enclosing = here;
      }
    }
    this.scopeCache.set(unit.offset, scopes);
    return scopes;
  }

  /** DW_AT_name, through DW_AT_abstract_origin and DW_AT_specification (3.3.8.1, 2.13.2). */
  private nameOf(unit: CompileUnit, die: Die): string | undefined {
    let u = unit;
    let d: Die | undefined = die;
    for (let hops = 0; d && hops < 16; hops++) {
      const name = this.text(u, d.attributes.get(DW_AT_name)) ?? this.text(u, d.attributes.get(DW_AT_linkage_name) ?? d.attributes.get(DW_AT_MIPS_linkage_name));
      if (name !== undefined) return name;
      const ref = d.attributes.get(DW_AT_abstract_origin) ?? d.attributes.get(DW_AT_specification);
      if (!ref || ref.kind !== 'ref') return undefined;
      const target = Number(ref.value);
      const owner = target >= u.offset && target < u.end ? u : this.units().find((x) => target >= x.offset && target < x.end);
      if (!owner) throw new DwarfError(`.debug_info+0x${d.offset.toString(16)}: reference 0x${target.toString(16)} outside every unit`);
      u = owner;
      d = this.readDie(u, target);
    }
    return undefined;
  }

  private text(unit: CompileUnit, v: Value | undefined): string | undefined {
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

  private address(unit: CompileUnit, v: Value | undefined): bigint | undefined {
    if (!v) return undefined;
    if (v.kind === 'address') return v.value;
    if (v.kind === 'addrx') {
      if (!this.s.addr) throw new DwarfError('DW_FORM_addrx without .debug_addr');
      return new Reader(this.s.addr, '.debug_addr', unit.addrBase + Number(v.value) * unit.addressSize).address(unit.addressSize);
    }
    return undefined;
  }

  /** A DIE's code ranges: low_pc/high_pc, or DW_AT_ranges (2.17). */
  private ranges(unit: CompileUnit, die: Die): Array<[bigint, bigint]> {
    const low = this.address(unit, die.attributes.get(DW_AT_low_pc));
    const high = die.attributes.get(DW_AT_high_pc);
    if (low !== undefined && high) {
      // A constant-class high_pc is an offset from low_pc (2.17.2).
      const end = high.kind === 'constant' ? low + (high.value as bigint) : this.address(unit, high);
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
    const addrx = (): bigint => this.address(unit, { kind: 'addrx', value: BigInt(r.uleb()) })!;
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

  private abbrevs(unit: CompileUnit): Map<number, Abbrev> {
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

  /** Set by readDie: where the next entry starts, and the length of a null entry. */
  private nextOffset = 0;
  private nullLength = 0;

  /** The entry at `offset` of a unit, or undefined for a null entry (7.5.2, 7.5.3). */
  private readDie(unit: CompileUnit, offset: number): Die | undefined {
    if (offset < unit.dieStart || offset >= unit.end) throw new DwarfError(`.debug_info+0x${offset.toString(16)}: entry outside its unit (0x${unit.offset.toString(16)}..0x${unit.end.toString(16)})`);
    const r = new Reader(this.s.info!, '.debug_info', offset, unit.end);
    const code = r.uleb();
    if (code === 0) {
      this.nullLength = r.offset - offset;
      return undefined;
    }
    const abbrev = this.abbrevs(unit).get(code);
    if (!abbrev) throw r.error(`abbreviation code ${code} is not in the unit's table (.debug_abbrev+0x${unit.abbrevOffset.toString(16)})`, offset);
    const attributes = new Map<number, Value>();
    for (const [name, form, implicit] of abbrev.attributes) attributes.set(name, this.form(r, unit, form, implicit));
    this.nextOffset = r.offset;
    return { offset, tag: abbrev.tag, hasChildren: abbrev.hasChildren, attributes };
  }

  /** One attribute value by its form (7.5.6). */
  private form(r: Reader, unit: CompileUnit, form: number, implicit: bigint): Value {
    const c = (value: bigint, kind: 'constant' | 'offset' | 'ref' | 'strx' | 'addrx' | 'rnglistx' | 'loclistx' = 'constant'): Value => ({ kind, value });
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
      case 0x05: return c(BigInt(r.u16())); // data2
      case 0x06: return c(BigInt(r.u32())); // data4
      case 0x07: return c(r.u64()); // data8
      case 0x08: return { kind: 'string', value: r.cstring() }; // string
      case 0x09: return { kind: 'block', value: r.block(r.uleb()) }; // block
      case 0x0a: return { kind: 'block', value: r.block(r.u8()) }; // block1
      case 0x0b: return c(BigInt(r.u8())); // data1
      case 0x0c: return { kind: 'flag', value: r.u8() !== 0 }; // flag
      case 0x0d: return c(r.slebBig()); // sdata
      case 0x0e: return str(this.s.str, '.debug_str'); // strp
      case 0x0f: return c(r.ulebBig()); // udata
      case 0x10: return c(unit.version <= 2 ? r.address(unit.addressSize) : BigInt(r.sectionOffset(unit.is64)), 'ref'); // ref_addr
      case 0x11: return ref(BigInt(r.u8())); // ref1
      case 0x12: return ref(BigInt(r.u16())); // ref2
      case 0x13: return ref(BigInt(r.u32())); // ref4
      case 0x14: return ref(r.u64()); // ref8
      case 0x15: return ref(r.ulebBig()); // ref_udata
      case 0x16: return this.form(r, unit, r.uleb(), implicit); // indirect
      case 0x17: return c(BigInt(r.sectionOffset(unit.is64)), 'offset'); // sec_offset
      case 0x18: return { kind: 'block', value: r.block(r.uleb()) }; // exprloc
      case 0x19: return { kind: 'flag', value: true }; // flag_present
      case 0x1a: return c(r.ulebBig(), 'strx');
      case 0x1b: return c(r.ulebBig(), 'addrx');
      case 0x1c: return c(BigInt(r.u32()), 'offset'); // ref_sup4
      case 0x1d: r.sectionOffset(unit.is64); return { kind: 'string', value: '' }; // strp_sup
      case 0x1e: return { kind: 'block', value: r.block(16) }; // data16
      case 0x1f: return str(this.s.lineStr, '.debug_line_str'); // line_strp
      case 0x20: return c(r.u64(), 'offset'); // ref_sig8
      case 0x21: return c(implicit); // implicit_const
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
      default: throw r.error(`unknown attribute form 0x${form.toString(16)}`);
    }
  }
}
