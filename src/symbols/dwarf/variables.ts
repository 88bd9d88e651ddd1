// The program's variables from .debug_info: at a pc, the scopes that hold it, innermost first
// (lexical blocks 3.5, inlined subroutines 3.3.8, the subprogram 3.3), each with its parameters and
// variables (4.1); the file-level variables of a unit; and where each variable lives (2.6): one
// location expression, a location list (.debug_loc, DWARF 2-4; .debug_loclists, DWARF 5), a
// constant (DW_AT_const_value) or nothing.
//
// A unit's tree of scopes is walked once, when a pc in it is first asked about, and kept.

import { CompileUnit, Die, Dies } from './dies';
import { DwarfSections } from './sections';
import { DwarfError, hex, Reader } from './reader';
import { TypeReader } from './types';
import { LocationDescription, LocationListEntry, Variable, VariableScope } from './model';

// Tags (7.5.3).
const DW_TAG_formal_parameter = 0x05;
const DW_TAG_lexical_block = 0x0b;
const DW_TAG_inlined_subroutine = 0x1d;
const DW_TAG_subprogram = 0x2e;
const DW_TAG_variable = 0x34;
// Attributes (7.5.4).
const DW_AT_location = 0x02;
const DW_AT_name = 0x03;
const DW_AT_const_value = 0x1c;
const DW_AT_abstract_origin = 0x31;
const DW_AT_decl_file = 0x3a;
const DW_AT_decl_line = 0x3b;
const DW_AT_declaration = 0x3c;
const DW_AT_external = 0x3f;
const DW_AT_frame_base = 0x40;
const DW_AT_specification = 0x47;
const DW_AT_type = 0x49;
// Location list entries (7.29).
const DW_LLE_end_of_list = 0x00;
const DW_LLE_base_addressx = 0x01;
const DW_LLE_startx_endx = 0x02;
const DW_LLE_startx_length = 0x03;
const DW_LLE_offset_pair = 0x04;
const DW_LLE_default_location = 0x05;
const DW_LLE_base_address = 0x06;
const DW_LLE_start_end = 0x07;
const DW_LLE_start_length = 0x08;
/** GCC's DW_LLE_GNU_view_pair: two view numbers (ULEB128) for the next entry. */
const DW_LLE_GNU_view_pair = 0x09;

/** How many DW_AT_abstract_origin / DW_AT_specification links a variable may follow. */
const MAX_HOPS = 8;
const contains = (ranges: ReadonlyArray<readonly [bigint, bigint]>, a: bigint): boolean => ranges.some(([lo, hi]) => lo <= a && a < hi);

/** A scope of a unit's tree: a subprogram, an inlined call or a lexical block with addresses. */
interface ScopeNode {
  die: Die;
  ranges: Array<[bigint, bigint]>;
  parent: number;
  /** Its variable and parameter entries, with those of blocks without addresses inside it. */
  variables: Die[];
  /** The abstract entries its children complete (their DW_AT_abstract_origin). */
  origins: Set<number>;
}

/** The source file of a unit's file number (DW_AT_decl_file), from its line program. */
export type FileName = (unit: CompileUnit, index: number) => string | undefined;

export class VariableReader {
  private readonly trees = new Map<number, ScopeNode[]>();

  constructor(private readonly dies: Dies, private readonly s: DwarfSections, private readonly types: TypeReader, private readonly fileName?: FileName) {}

  /** The scopes holding pc in a unit, innermost first, out to the subprogram. */
  scopesAt(unit: CompileUnit, pc: bigint): VariableScope[] {
    const nodes = this.tree(unit);
    let inner = -1;
    for (let i = 0; i < nodes.length; i++) if (contains(nodes[i].ranges, pc)) inner = i;
    const out: VariableScope[] = [];
    for (let i = inner; i >= 0; i = nodes[i].parent) {
      const node = nodes[i];
      const kind = node.die.tag === DW_TAG_subprogram ? 'subprogram' : node.die.tag === DW_TAG_inlined_subroutine ? 'inlined' : 'block';
      const name = kind === 'block' ? undefined : this.origin(unit, node.die).name;
      const frameBase = kind === 'subprogram' ? node.die.attributes.get(DW_AT_frame_base) : undefined;
      out.push({
        kind,
        ...(name !== undefined ? { name } : {}),
        ranges: node.ranges,
        variables: this.scopeVariables(unit, node),
        ...(frameBase ? { frameBase: this.location(unit, node.die, DW_AT_frame_base) } : {}),
      });
      if (kind === 'subprogram') break;
    }
    return out;
  }

  /** The unit's file-level variables (4.1): definitions, named through DW_AT_specification. */
  unitGlobals(unit: CompileUnit): Variable[] {
    const root = this.dies.entry(unit, unit.dieStart);
    return this.dies.children(unit, root)
      .filter((d) => d.tag === DW_TAG_variable && !d.attributes.get(DW_AT_declaration))
      .map((d) => this.variable(unit, d))
      .filter((v) => v.name !== '');
  }

  /** A variable from its (concrete) entry: name, type and declaration from its origin, location from itself. */
  variable(unit: CompileUnit, die: Die): Variable {
    const o = this.origin(unit, die);
    const declFile = o.declFile !== undefined ? this.fileName?.(o.unit, o.declFile) : undefined;
    return {
      name: o.name ?? '',
      type: o.typeDie ? this.types.typeOf(o.typeDie) : this.types.typeOf(die),
      location: this.locationOrError(unit, die),
      parameter: die.tag === DW_TAG_formal_parameter,
      id: die.offset,
      ...(declFile !== undefined ? { declFile } : {}),
      ...(o.declLine !== undefined ? { declLine: o.declLine } : {}),
      ...(o.external ? { external: true } : {}),
    };
  }

  /** Name, type entry and declaration of an entry, following DW_AT_abstract_origin and DW_AT_specification. */
  private origin(unit: CompileUnit, die: Die): { name?: string; typeDie?: Die; declFile?: number; declLine?: number; external: boolean; unit: CompileUnit } {
    const out: { name?: string; typeDie?: Die; declFile?: number; declLine?: number; external: boolean; unit: CompileUnit } = { external: false, unit };
    let u = unit;
    let d = die;
    for (let hops = 0; ; hops++) {
      const a = d.attributes;
      out.name ??= this.dies.text(u, a.get(DW_AT_name));
      if (!out.typeDie && a.has(DW_AT_type)) out.typeDie = d;
      const file = a.get(DW_AT_decl_file);
      if (out.declFile === undefined && file?.kind === 'constant') {
        out.declFile = Number(file.value);
        out.unit = u;
        const line = a.get(DW_AT_decl_line);
        if (line?.kind === 'constant') out.declLine = Number(line.value);
      }
      if (a.get(DW_AT_external)?.value === true) out.external = true;
      const next = this.dies.ref(d, DW_AT_abstract_origin) ?? this.dies.ref(d, DW_AT_specification);
      if (!next) return out;
      if (hops >= MAX_HOPS) throw new DwarfError(`.debug_info+${hex(die.offset)}: more than ${MAX_HOPS} abstract_origin/specification links (a cycle?)`);
      u = next.unit;
      d = next.die;
    }
  }

  /**
   * A scope's variables: its own entries, then those of its abstract origin that no entry of its
   * own completes (gdb's inherit_abstract_dies), which have no location: "optimized out". An
   * abstract lexical block that nothing completes has no addresses, so its variables are the
   * scope's too (as gdb reads a block without addresses).
   */
  private scopeVariables(unit: CompileUnit, node: ScopeNode): Variable[] {
    const own = node.variables.map((d) => this.variable(unit, d));
    const abstract = this.dies.ref(node.die, DW_AT_abstract_origin);
    if (!abstract) return own;
    const inherited: Variable[] = [];
    const inherit = (u: CompileUnit, parent: Die, depth: number): void => {
      if (depth > MAX_HOPS * 8) throw new DwarfError(`.debug_info+${hex(parent.offset)}: lexical blocks nested too deep`);
      for (const d of this.dies.children(u, parent)) {
        if (node.origins.has(d.offset)) continue;
        if ((d.tag === DW_TAG_formal_parameter || d.tag === DW_TAG_variable) && !d.attributes.get(DW_AT_declaration)) {
          inherited.push({ ...this.variable(u, d), location: { kind: 'none' } });
        } else if (d.tag === DW_TAG_lexical_block && this.dies.ranges(u, d).length === 0) inherit(u, d, depth + 1);
      }
    };
    inherit(abstract.unit, abstract.die, 0);
    return [...own, ...inherited];
  }

  /** The scopes of a unit with their variables, walked once (parents before children). */
  private tree(unit: CompileUnit): ScopeNode[] {
    const cached = this.trees.get(unit.offset);
    if (cached) return cached;
    const nodes: ScopeNode[] = [];
    // Per open level: the scope that encloses it, and the scope that collects its variables (-1
    // where the parent is not a scope, e.g. the parameters of a subroutine type).
    const stack: Array<[number, number]> = [];
    let enclosing = -1;
    let collect = -1;
    let offset = unit.dieStart;
    while (offset < unit.end) {
      const die = this.dies.read(unit, offset);
      offset = die.end;
      if (die.tag === 0) {
        if (stack.length === 0) break;
        [enclosing, collect] = stack.pop()!;
        continue;
      }
      let here = enclosing;
      let gather = -1;
      const origin = die.attributes.get(DW_AT_abstract_origin);
      if (collect >= 0 && origin?.kind === 'ref') nodes[collect].origins.add(Number(origin.value));
      if (die.tag === DW_TAG_subprogram || die.tag === DW_TAG_inlined_subroutine || die.tag === DW_TAG_lexical_block) {
        const ranges = this.dies.ranges(unit, die);
        if (die.tag === DW_TAG_lexical_block && ranges.length === 0) {
          // A block without addresses: its variables belong to the enclosing scope (as gdb reads it).
          gather = collect;
        } else {
          nodes.push({ die, ranges, parent: enclosing, variables: [], origins: new Set() });
          here = gather = nodes.length - 1;
        }
      } else if ((die.tag === DW_TAG_variable || die.tag === DW_TAG_formal_parameter) && collect >= 0 && !die.attributes.get(DW_AT_declaration)) {
        nodes[collect].variables.push(die);
      }
      const isScope = die.tag === DW_TAG_subprogram || die.tag === DW_TAG_inlined_subroutine || die.tag === DW_TAG_lexical_block;
      if (die.hasChildren && !isScope && die.offset !== unit.dieStart) {
        // Types, and the parameters of subroutine types, hold no scopes: skip them (by DW_AT_sibling where present).
        offset = this.dies.after(unit, die, false);
        continue;
      }
      if (die.hasChildren) {
        stack.push([enclosing, collect]);
        enclosing = here;
        collect = gather;
      }
    }
    this.trees.set(unit.offset, nodes);
    return nodes;
  }

  /** An entry's location, or the error that reading it gave: one bad list costs one variable. */
  private locationOrError(unit: CompileUnit, die: Die): LocationDescription {
    try {
      return this.location(unit, die, DW_AT_location);
    } catch (e) {
      if (e instanceof DwarfError) return { kind: 'error', message: e.message };
      throw e;
    }
  }

  /** Where an entry's DW_AT_location (or DW_AT_frame_base) says its value is (2.6). */
  location(unit: CompileUnit, die: Die, attribute: number): LocationDescription {
    const v = die.attributes.get(attribute);
    if (!v) {
      const c = attribute === DW_AT_location ? die.attributes.get(DW_AT_const_value) : undefined;
      if (c?.kind === 'constant') return { kind: 'constant', value: c.value };
      if (c?.kind === 'block') return { kind: 'constant', value: c.value };
      if (c?.kind === 'string') return { kind: 'constant', value: Buffer.from(`${c.value}\0`, 'utf8') };
      return { kind: 'none' };
    }
    if (v.kind === 'block') return v.value.length === 0 ? { kind: 'none' } : { kind: 'expression', expression: v.value };
    // A location list: DW_FORM_sec_offset, DW_FORM_loclistx, or a DWARF 2-3 data4/data8 loclistptr.
    const isList = v.kind === 'offset' || v.kind === 'loclistx' || (v.kind === 'constant' && unit.version <= 3 && (v.size === 4 || v.size === 8));
    if (!isList) throw new DwarfError(`.debug_info+${hex(die.offset)}: a location of class ${v.kind}`);
    const entries = unit.version >= 5 ? this.loclist(unit, v.kind === 'loclistx', Number(v.value)) : this.locList(unit, Number(v.value));
    return { kind: 'list', entries };
  }

  /** A .debug_loc list (DWARF 4, 2.6.2): address pairs with 2-byte-length expressions, base selections, (0, 0) at the end. */
  private locList(unit: CompileUnit, offset: number): LocationListEntry[] {
    if (!this.s.loc) throw new DwarfError(`.debug_loc: missing, but a location list at 0x${offset.toString(16)} is asked for`);
    const r = new Reader(this.s.loc, '.debug_loc', offset);
    const max = unit.addressSize === 8 ? 0xffffffffffffffffn : 0xffffffffn;
    let base = unit.base;
    const out: LocationListEntry[] = [];
    for (;;) {
      const start = r.address(unit.addressSize);
      const end = r.address(unit.addressSize);
      if (start === 0n && end === 0n) return out;
      if (start === max) {
        base = end; // a base address selection entry
        continue;
      }
      const expression = r.block(r.u16());
      // Empty ranges (start = end) are kept, as gdb lists them; they cover no pc.
      if (end >= start) out.push({ start: base + start, end: base + end, expression });
    }
  }

  /** A .debug_loclists list (DWARF 5, 2.6.2 and 7.29), by offset or by DW_FORM_loclistx index. */
  private loclist(unit: CompileUnit, indexed: boolean, value: number): LocationListEntry[] {
    const s = this.s.loclists;
    if (!s) throw new DwarfError(`.debug_loclists: missing, but location list ${value} is asked for`);
    let offset = value;
    if (indexed) {
      // DW_FORM_loclistx: an index into the offsets after the list table's header, relative to DW_AT_loclists_base.
      const size = unit.is64 ? 8 : 4;
      offset = unit.loclistsBase + new Reader(s, '.debug_loclists', unit.loclistsBase + value * size).sectionOffset(unit.is64);
    }
    const r = new Reader(s, '.debug_loclists', offset);
    const addrx = (): bigint => this.dies.addrx(unit, r.uleb());
    const counted = (): Uint8Array => r.block(r.uleb());
    let base = unit.base;
    const out: LocationListEntry[] = [];
    const push = (start: bigint, end: bigint, expression: Uint8Array): void => {
      if (end >= start) out.push({ start, end, expression });
    };
    for (;;) {
      const at = r.offset;
      const kind = r.u8();
      switch (kind) {
        case DW_LLE_end_of_list: return out;
        case DW_LLE_base_addressx: base = addrx(); break;
        case DW_LLE_startx_endx: { const a = addrx(); const b = addrx(); push(a, b, counted()); break; }
        case DW_LLE_startx_length: { const a = addrx(); const n = r.ulebBig(); push(a, a + n, counted()); break; }
        case DW_LLE_offset_pair: { const a = r.ulebBig(); const b = r.ulebBig(); push(base + a, base + b, counted()); break; }
        case DW_LLE_default_location: out.push({ start: 0n, end: 0n, expression: counted(), isDefault: true }); break;
        case DW_LLE_base_address: base = r.address(unit.addressSize); break;
        case DW_LLE_start_end: { const a = r.address(unit.addressSize); const b = r.address(unit.addressSize); push(a, b, counted()); break; }
        case DW_LLE_start_length: { const a = r.address(unit.addressSize); const n = r.ulebBig(); push(a, a + n, counted()); break; }
        case DW_LLE_GNU_view_pair: r.uleb(); r.uleb(); break;
        default: throw r.error(`unknown location list entry kind ${kind}`, at);
      }
    }
  }
}

/** What a location description gives at a pc: the expression of the list entry that covers it (2.6.2). */
export type LocationAt =
  | { readonly kind: 'expression'; readonly expression: Uint8Array }
  | { readonly kind: 'constant'; readonly value: bigint | Uint8Array }
  | { readonly kind: 'none' }
  | { readonly kind: 'error'; readonly message: string };

export function locationAt(desc: LocationDescription, pc: bigint): LocationAt {
  if (desc.kind !== 'list') return desc;
  let fallback: Uint8Array | undefined;
  for (const e of desc.entries) {
    if (e.isDefault) fallback ??= e.expression;
    else if (e.start <= pc && pc < e.end) return e.expression.length ? { kind: 'expression', expression: e.expression } : { kind: 'none' };
  }
  return fallback?.length ? { kind: 'expression', expression: fallback } : { kind: 'none' };
}
