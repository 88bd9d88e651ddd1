// Call sites (DWARF 5, 3.4): the DW_TAG_call_site entries a compiler writes inside a subprogram (and
// its lexical blocks and inlined subroutines) for each call it made, with the address the call
// returns to, the function called, and per argument register the value the caller passed
// (DW_TAG_call_site_parameter, 3.4.2). A callee's DW_OP_entry_value(DW_OP_regN) (2.5.1.7) is
// resolved through them, as gdb does: the caller's call site at the callee's return address, its
// parameter for register N, its DW_AT_call_value evaluated in the caller's frame.
//
// GCC's DWARF 4 extension is read too: DW_TAG_GNU_call_site, whose DW_AT_low_pc is the return
// address, with DW_AT_abstract_origin for the callee and DW_AT_GNU_call_site_value.
//
// A unit's call sites are read on first use, skipping every subtree that cannot hold one (types,
// variables), and kept by return address.

import { CompileUnit, Die, Dies, Value } from './dies';
import { DwarfError, hex, Reader } from './reader';

// Tags (7.5.3).
const DW_TAG_lexical_block = 0x0b;
const DW_TAG_inlined_subroutine = 0x1d;
const DW_TAG_subprogram = 0x2e;
const DW_TAG_call_site = 0x48;
const DW_TAG_call_site_parameter = 0x49;
const DW_TAG_GNU_call_site = 0x4109;
const DW_TAG_GNU_call_site_parameter = 0x410a;
// Attributes (7.5.4), with their GNU forms.
const DW_AT_location = 0x02;
const DW_AT_name = 0x03;
const DW_AT_low_pc = 0x11;
const DW_AT_abstract_origin = 0x31;
const DW_AT_declaration = 0x3c;
const DW_AT_specification = 0x47;
const DW_AT_ranges = 0x55;
const DW_AT_linkage_name = 0x6e;
const DW_AT_call_all_calls = 0x7a;
const DW_AT_call_all_tail_calls = 0x7c;
const DW_AT_call_return_pc = 0x7d;
const DW_AT_call_value = 0x7e;
const DW_AT_call_origin = 0x7f;
const DW_AT_call_tail_call = 0x82;
const DW_AT_call_target = 0x83;
const DW_AT_call_data_value = 0x86;
const DW_AT_MIPS_linkage_name = 0x2007;
const DW_AT_GNU_call_site_value = 0x2111;
const DW_AT_GNU_call_site_data_value = 0x2112;
const DW_AT_GNU_call_site_target = 0x2113;
const DW_AT_GNU_tail_call = 0x2115;
const DW_AT_GNU_all_tail_call_sites = 0x2116;
const DW_AT_GNU_all_call_sites = 0x2117;
// Operations (7.7.1).
const DW_OP_reg0 = 0x50;
const DW_OP_reg31 = 0x6f;
const DW_OP_regx = 0x90;


/** One DW_TAG_call_site (or DW_TAG_GNU_call_site) entry (3.4.1). */
export interface CallSite {
  /** The entry's .debug_info offset. */
  readonly offset: number;
  /** DW_AT_call_return_pc (GNU: DW_AT_low_pc): the address the call returns to. */
  readonly returnPc: bigint;
  /** DW_AT_call_tail_call: a jump that does not return here. */
  readonly tailCall: boolean;
  /**
   * The subprogram holding the call (its .debug_info offset), and whether it says that all its
   * tail calls are described (DW_AT_call_all_calls, DW_AT_call_all_tail_calls or their GNU forms,
   * 3.3.1.3), as gdb requires of a function it follows tail calls through.
   */
  readonly subprogram: number;
  readonly allTailCalls: boolean;
  /**
   * What was called: DW_AT_call_target (GNU_call_site_target), a DWARF expression for an indirect
   * call evaluated in the caller's frame; or the entry of the function called, DW_AT_call_origin
   * (GNU: DW_AT_abstract_origin), a .debug_info offset. gdb prefers the former when both are given.
   */
  readonly target?: Uint8Array;
  readonly origin?: number;
  /** DW_AT_call_value of each DW_TAG_call_site_parameter whose DW_AT_location is a register, by DWARF register. */
  readonly parameters: ReadonlyMap<number, Uint8Array>;
  /** DW_AT_call_data_value by register: the value of the object the register pointed to at the call. */
  readonly dataValues: ReadonlyMap<number, Uint8Array>;
}

/** Where a call went, as far as the DWARF says (gdb's call_site_target kinds). */
export type CallTarget =
  /** The called function's entry addresses (its DW_AT_low_pc, or each of its DW_AT_ranges' starts). */
  | { readonly kind: 'addresses'; readonly addresses: readonly bigint[] }
  /** A declaration: the function's linkage name, to be found in the symbol table. */
  | { readonly kind: 'name'; readonly name: string }
  /** An indirect call: DW_AT_call_target, to be evaluated in the caller's frame. */
  | { readonly kind: 'expression'; readonly expression: Uint8Array }
  | { readonly kind: 'unknown'; readonly reason: string };

interface UnitCallSites {
  readonly list: readonly CallSite[];
  readonly byReturnPc: ReadonlyMap<bigint, CallSite>;
}

export class CallSiteReader {
  private readonly units = new Map<number, UnitCallSites>();
  private readonly entries = new Map<number, Map<bigint, number>>();
  private readonly tailCallLists = new Map<number, CallSite[]>();

  constructor(private readonly dies: Dies) {}

  /** The call site of a unit that returns to `returnPc`. */
  at(unit: CompileUnit, returnPc: bigint): CallSite | undefined {
    return this.read(unit).byReturnPc.get(returnPc);
  }

  /** Every call site of a unit, in the order of its entries. */
  unitCallSites(unit: CompileUnit): readonly CallSite[] {
    return this.read(unit).list;
  }

  /**
   * The tail calls of the unit's top-level subprogram that starts at `entry` (DW_AT_low_pc, or its
   * first range), read from its own subtree only; undefined when no subprogram of the unit starts there.
   */
  tailCallsAt(unit: CompileUnit, entry: bigint): CallSite[] | undefined {
    const offset = this.functionEntries(unit).get(entry);
    if (offset === undefined) return undefined;
    let list = this.tailCallLists.get(offset);
    if (!list) {
      const die = this.dies.read(unit, offset);
      list = this.walk(unit, die).filter((s) => s.tailCall);
      this.tailCallLists.set(offset, list);
    }
    return list;
  }

  /** The unit's top-level subprograms with code, by entry address: its root's children, each subtree skipped. */
  private functionEntries(unit: CompileUnit): Map<bigint, number> {
    let map = this.entries.get(unit.offset);
    if (map) return map;
    map = new Map();
    const root = this.dies.read(unit, unit.dieStart);
    for (let offset = root.hasChildren ? root.end : unit.end; offset < unit.end;) {
      const die = this.dies.read(unit, offset);
      if (die.tag === 0) break;
      if (die.tag === DW_TAG_subprogram) {
        const start = this.dies.address(unit, die.attributes.get(DW_AT_low_pc)) ?? (die.attributes.has(DW_AT_ranges) ? this.dies.ranges(unit, die)[0]?.[0] : undefined);
        if (start !== undefined && !map.has(start)) map.set(start, die.offset);
      }
      offset = this.dies.after(unit, die, false);
    }
    this.entries.set(unit.offset, map);
    return map;
  }

  /** Where a call site's call went, from its DW_AT_call_target or the entry of its DW_AT_call_origin. */
  target(site: CallSite): CallTarget {
    if (site.target) return { kind: 'expression', expression: site.target };
    if (site.origin === undefined) return { kind: 'unknown', reason: `the call site at ${hex(site.offset)} names no callee` };
    const unit = this.dies.unitOf(site.origin);
    const die = this.dies.entry(unit, site.origin);
    if (die.attributes.get(DW_AT_declaration)?.value === true && !die.attributes.has(DW_AT_specification)) {
      const name = this.dies.text(unit, die.attributes.get(DW_AT_linkage_name) ?? die.attributes.get(DW_AT_MIPS_linkage_name) ?? die.attributes.get(DW_AT_name));
      return name === undefined ? { kind: 'unknown', reason: `the callee's declaration at ${hex(die.offset)} has no name` } : { kind: 'name', name };
    }
    if (die.attributes.has(DW_AT_ranges) && !die.attributes.has(DW_AT_low_pc)) {
      const addresses = this.dies.ranges(unit, die).map(([start]) => start);
      if (addresses.length) return { kind: 'addresses', addresses };
    }
    const low = this.dies.address(unit, die.attributes.get(DW_AT_low_pc));
    if (low === undefined) return { kind: 'unknown', reason: `the callee's entry at ${hex(die.offset)} has no address` };
    return { kind: 'addresses', addresses: [low] };
  }

  private read(unit: CompileUnit): UnitCallSites {
    const cached = this.units.get(unit.offset);
    if (cached) return cached;
    const list = this.walk(unit, this.dies.read(unit, unit.dieStart));
    const byReturnPc = new Map<bigint, CallSite>();
    for (const site of list) if (!byReturnPc.has(site.returnPc)) byReturnPc.set(site.returnPc, site);
    const out = { list, byReturnPc };
    this.units.set(unit.offset, out);
    return out;
  }

  /**
   * The call sites under an entry (the unit's root, or a subprogram): a walk of its tree that enters
   * only subprograms, lexical blocks and inlined subroutines, where call sites are (3.4), and skips
   * every other subtree (by DW_AT_sibling where there is one). Every step moves forward and the
   * walk stops at the unit's end.
   */
  private walk(unit: CompileUnit, from: Die): CallSite[] {
    const out: CallSite[] = [];
    if (!from.hasChildren) return out;
    // Per open level: the enclosing subprogram (-1 outside one) and whether it describes all its tail calls.
    const levels: Array<{ subprogram: number; allTailCalls: boolean }> = [from.tag === DW_TAG_subprogram ? this.level(from) : { subprogram: -1, allTailCalls: false }];
    let offset = from.end;
    while (levels.length > 0 && offset < unit.end) {
      const die = this.dies.read(unit, offset);
      if (die.tag === 0) {
        levels.pop();
        offset = die.end;
        continue;
      }
      const level = levels[levels.length - 1];
      if (die.tag === DW_TAG_call_site || die.tag === DW_TAG_GNU_call_site) {
        const site = level.subprogram >= 0 ? this.callSite(unit, die, level.subprogram, level.allTailCalls) : undefined;
        if (site) out.push(site);
        offset = this.dies.after(unit, die, false);
      } else if (die.hasChildren && (die.tag === DW_TAG_subprogram || die.tag === DW_TAG_lexical_block || die.tag === DW_TAG_inlined_subroutine)) {
        levels.push(die.tag === DW_TAG_subprogram ? this.level(die) : level);
        offset = die.end;
      } else {
        offset = this.dies.after(unit, die, false);
      }
    }
    return out;
  }

  /** A subprogram as the call sites inside it see it: its offset, and whether it describes all its tail calls (3.3.1.3). */
  private level(die: Die): { subprogram: number; allTailCalls: boolean } {
    const a = die.attributes;
    return { subprogram: die.offset, allTailCalls: [DW_AT_call_all_calls, DW_AT_call_all_tail_calls, DW_AT_GNU_all_call_sites, DW_AT_GNU_all_tail_call_sites].some((at) => a.get(at)?.value === true) };
  }

  /** A call site entry and its parameters (3.4.1, 3.4.2); undefined when it has no return address. */
  private callSite(unit: CompileUnit, die: Die, subprogram: number, allTailCalls: boolean): CallSite | undefined {
    const a = die.attributes;
    // DW_AT_low_pc is the GNU extension's (pre-DWARF 5) name for DW_AT_call_return_pc; gdb skips a site with neither.
    const returnPc = this.dies.address(unit, a.get(DW_AT_call_return_pc) ?? a.get(DW_AT_low_pc));
    if (returnPc === undefined) return undefined;
    const flag = (at: number): boolean => a.get(at)?.value === true;
    const block = (v: Value | undefined, what: string): Uint8Array | undefined => {
      if (!v) return undefined;
      if (v.kind !== 'block') throw new DwarfError(`.debug_info+${hex(die.offset)}: ${what} of form class ${v.kind}, not an expression`);
      return v.value;
    };
    const target = block(a.get(DW_AT_call_target) ?? a.get(DW_AT_GNU_call_site_target), 'DW_AT_call_target');
    const originValue = a.get(DW_AT_call_origin) ?? a.get(DW_AT_abstract_origin);
    const origin = originValue?.kind === 'ref' ? Number(originValue.value) : undefined;
    const parameters = new Map<number, Uint8Array>();
    const dataValues = new Map<number, Uint8Array>();
    for (const child of this.children(unit, die)) {
      if (child.tag !== DW_TAG_call_site_parameter && child.tag !== DW_TAG_GNU_call_site_parameter) continue;
      const c = child.attributes;
      const location = c.get(DW_AT_location);
      const register = location?.kind === 'block' ? registerOf(location.value, child.offset) : undefined;
      if (register === undefined) continue; // a parameter passed on the stack (DW_OP_fbreg), or by DW_AT_call_parameter
      const value = block(c.get(DW_AT_call_value) ?? c.get(DW_AT_GNU_call_site_value), 'DW_AT_call_value');
      const dataValue = block(c.get(DW_AT_call_data_value) ?? c.get(DW_AT_GNU_call_site_data_value), 'DW_AT_call_data_value');
      if (value && !parameters.has(register)) parameters.set(register, value);
      if (dataValue && !dataValues.has(register)) dataValues.set(register, dataValue);
    }
    return {
      offset: die.offset, returnPc, tailCall: flag(DW_AT_call_tail_call) || flag(DW_AT_GNU_tail_call), subprogram, allTailCalls,
      ...(target ? { target } : {}), ...(origin !== undefined ? { origin } : {}), parameters, dataValues,
    };
  }

  /** The children of an entry, read without caching (a unit's call sites are kept in their own shape). */
  private children(unit: CompileUnit, die: Die): Die[] {
    const out: Die[] = [];
    if (!die.hasChildren) return out;
    for (let offset = die.end; offset < unit.end;) {
      const child = this.dies.read(unit, offset);
      if (child.tag === 0) break;
      out.push(child);
      offset = this.dies.after(unit, child, false);
    }
    return out;
  }
}

/** The register of a parameter's DW_AT_location, when it is exactly DW_OP_regN or DW_OP_regx N. */
function registerOf(expression: Uint8Array, offset: number): number | undefined {
  if (expression.length === 1 && expression[0] >= DW_OP_reg0 && expression[0] <= DW_OP_reg31) return expression[0] - DW_OP_reg0;
  if (expression.length < 2 || expression[0] !== DW_OP_regx) return undefined;
  const r = new Reader(expression, `DW_TAG_call_site_parameter at .debug_info+${hex(offset)}`, 1);
  const n = r.uleb();
  return r.atEnd ? n : undefined;
}
