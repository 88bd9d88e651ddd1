// Test helpers: a plain walk of every entry of .debug_info (DWARF 5, 7.5) reporting the attributes
// that hold location expressions or point at location lists, and walkers of .debug_loc (DWARF 2-4,
// 2.6.2) and .debug_loclists (DWARF 5, 7.29) lists. They stand in for the product's variable reader
// so the expression tests can reach every expression of a file the way readelf does.

import { DwarfSections } from '../../src/symbols/dwarf/sections';
import { Reader } from '../../src/symbols/dwarf/reader';

export interface Unit {
  offset: number;
  version: number;
  addressSize: number;
  is64: boolean;
  /** The root entry's DW_AT_low_pc: the base address of its lists (2.6.2). */
  lowPc: bigint;
  loclistsBase?: number;
  addrBase?: number;
}

/** An attribute of an entry, with its form's raw value. */
export interface Attribute {
  unit: Unit;
  /** The offset of the attribute's value in .debug_info (readelf prints it as "<offset>"). */
  offset: number;
  name: number;
  form: number;
  /** For blocks and exprlocs. */
  block?: Uint8Array;
  /** For constants, offsets and indexes. */
  value?: bigint;
}

const DW_AT_low_pc = 0x11;
const DW_AT_addr_base = 0x73;
const DW_AT_loclists_base = 0x8c;

/** Calls `visit` for every attribute of every entry whose name passes `wanted`. */
export function walkInfo(s: DwarfSections, wanted: (name: number) => boolean, visit: (a: Attribute) => void): Unit[] {
  const units: Unit[] = [];
  const info = new Reader(s.info!, '.debug_info');
  while (!info.atEnd) {
    const offset = info.offset;
    const { length, is64 } = info.initialLength();
    const end = info.offset + length;
    const version = info.u16();
    let addressSize: number;
    let abbrevOffset: number;
    if (version >= 5) {
      const type = info.u8();
      addressSize = info.u8();
      abbrevOffset = info.sectionOffset(is64);
      if (type === 2 || type === 6) info.skip(8 + (is64 ? 8 : 4)); // type units: signature, type_offset
      else if (type === 4 || type === 5) info.skip(8); // skeleton and split units: dwo_id
    } else {
      abbrevOffset = info.sectionOffset(is64);
      addressSize = info.u8();
    }
    const unit: Unit = { offset, version, addressSize, is64, lowPc: 0n };
    units.push(unit);
    const abbrevs = readAbbrevs(s.abbrev!, abbrevOffset);
    const r = new Reader(s.info!, '.debug_info', info.offset, end);
    let root = true;
    while (!r.atEnd) {
      const code = r.uleb();
      if (code === 0) continue;
      const abbrev = abbrevs.get(code);
      if (!abbrev) throw r.error(`abbreviation ${code} not found`);
      for (const [name, form, implicit] of abbrev) {
        const at = r.offset;
        const a = readForm(r, unit, form, implicit);
        if (root) {
          if (name === DW_AT_low_pc && a.value !== undefined) unit.lowPc = a.value;
          if (name === DW_AT_loclists_base) unit.loclistsBase = Number(a.value);
          if (name === DW_AT_addr_base) unit.addrBase = Number(a.value);
        }
        if (wanted(name)) visit({ unit, offset: at, name, form: a.form, block: a.block, value: a.value });
      }
      root = false;
    }
    info.offset = end;
  }
  return units;
}

function readAbbrevs(bytes: Uint8Array, offset: number): Map<number, Array<[number, number, bigint]>> {
  const r = new Reader(bytes, '.debug_abbrev', offset);
  const table = new Map<number, Array<[number, number, bigint]>>();
  for (let code = r.uleb(); code !== 0; code = r.uleb()) {
    r.uleb(); // tag
    r.u8(); // children
    const attributes: Array<[number, number, bigint]> = [];
    for (;;) {
      const name = r.uleb();
      const form = r.uleb();
      if (name === 0 && form === 0) break;
      attributes.push([name, form, form === 0x21 ? r.slebBig() : 0n]);
    }
    table.set(code, attributes);
  }
  return table;
}

function readForm(r: Reader, unit: Unit, form: number, implicit: bigint): { form: number; value?: bigint; block?: Uint8Array } {
  const v = (value: bigint) => ({ form, value });
  const b = (block: Uint8Array) => ({ form, block });
  const offset = () => BigInt(r.sectionOffset(unit.is64));
  switch (form) {
    case 0x01: return v(r.address(unit.addressSize));
    case 0x03: return b(r.block(r.u16()));
    case 0x04: return b(r.block(r.u32()));
    case 0x05: case 0x12: return v(BigInt(r.u16()));
    case 0x06: case 0x13: return v(BigInt(r.u32()));
    case 0x07: case 0x14: case 0x20: case 0x24: return v(r.u64());
    case 0x08: r.cstring(); return { form };
    case 0x09: case 0x18: return b(r.block(r.uleb()));
    case 0x0a: return b(r.block(r.u8()));
    case 0x0b: case 0x0c: case 0x11: case 0x25: case 0x29: return v(BigInt(r.u8()));
    case 0x0d: return v(r.slebBig());
    case 0x0f: case 0x15: case 0x1a: case 0x1b: case 0x22: case 0x23: case 0x1f01: case 0x1f02: return v(r.ulebBig());
    case 0x10: return v(unit.version <= 2 ? r.address(unit.addressSize) : offset());
    case 0x0e: case 0x17: case 0x1d: case 0x1f: case 0x1f20: case 0x1f21: return v(offset());
    case 0x16: return readForm(r, unit, r.uleb(), implicit);
    case 0x19: return v(1n);
    case 0x1c: case 0x28: case 0x2c: return v(BigInt(r.u32()));
    case 0x1e: return b(r.block(16));
    case 0x21: return v(implicit);
    case 0x26: case 0x2a: return v(BigInt(r.u16()));
    case 0x27: case 0x2b: return v(BigInt(r.u24()));
    default: throw r.error(`form 0x${form.toString(16)}`);
  }
}

/** One entry of a location list, as readelf prints it: the entry's offset, its range, its expression. */
export interface ListEntry {
  offset: number;
  begin: bigint;
  end: bigint;
  expression: Uint8Array;
}

/** A .debug_loc list (2.6.2, DWARF 4): (begin, end) pairs relative to the base address. */
export function debugLocList(bytes: Uint8Array, offset: number, unit: Unit): ListEntry[] {
  const r = new Reader(bytes, '.debug_loc', offset);
  const size = unit.addressSize;
  const all = (1n << BigInt(size * 8)) - 1n;
  let base = unit.lowPc;
  const out: ListEntry[] = [];
  for (;;) {
    const at = r.offset;
    const begin = r.address(size);
    const end = r.address(size);
    if (begin === 0n && end === 0n) return out;
    if (begin === all) {
      base = end;
      continue;
    }
    out.push({ offset: at, begin: begin + base, end: end + base, expression: r.block(r.u16()) });
  }
}

/** A .debug_loclists list (7.29, DW_LLE_*). */
export function debugLoclistsList(s: DwarfSections, offset: number, unit: Unit): ListEntry[] {
  const r = new Reader(s.loclists!, '.debug_loclists', offset);
  const size = unit.addressSize;
  const addrx = (i: bigint): bigint => new Reader(s.addr!, '.debug_addr', (unit.addrBase ?? 8) + Number(i) * size).address(size);
  let base = unit.lowPc;
  const out: ListEntry[] = [];
  for (;;) {
    const at = r.offset;
    const kind = r.u8();
    let begin: bigint;
    let end: bigint;
    switch (kind) {
      case 0: return out; // DW_LLE_end_of_list
      case 1: base = addrx(r.ulebBig()); continue; // base_addressx
      case 2: begin = addrx(r.ulebBig()); end = addrx(r.ulebBig()); break; // startx_endx
      case 3: begin = addrx(r.ulebBig()); end = begin + r.ulebBig(); break; // startx_length
      case 4: begin = base + r.ulebBig(); end = base + r.ulebBig(); break; // offset_pair
      case 5: begin = 0n; end = 0n; break; // default_location
      case 6: base = r.address(size); continue; // base_address
      case 7: begin = r.address(size); end = r.address(size); break; // start_end
      case 8: begin = r.address(size); end = begin + r.ulebBig(); break; // start_length
      case 9: r.ulebBig(); r.ulebBig(); continue; // view_pair
      default: throw r.error(`DW_LLE 0x${kind.toString(16)}`);
    }
    out.push({ offset: at, begin, end, expression: r.block(r.uleb()) });
  }
}

/** A DW_FORM_loclistx index's list offset (7.29: offsets relative to DW_AT_loclists_base). */
export function loclistxOffset(s: DwarfSections, unit: Unit, index: bigint): number {
  const base = unit.loclistsBase ?? (unit.is64 ? 20 : 12);
  const r = new Reader(s.loclists!, '.debug_loclists', base + Number(index) * (unit.is64 ? 8 : 4));
  return base + r.sectionOffset(unit.is64);
}
