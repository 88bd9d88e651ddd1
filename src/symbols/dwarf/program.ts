// The program's data as a stop needs it: the scopes and variables at a pc, the globals of its unit,
// and variables, functions and types by name, over the DWARF readers of this folder. A stop reads
// the unit that holds its pc (its tree once, then cached) and the types it reaches; lookups by name
// build the program-wide index on first use.

import { CallSite, CallSiteReader, CallTarget } from './call-sites';
import { DebugInfo } from './info';
import { CompileUnit, Die } from './dies';
import { FunctionType, CType, LocationDescription, Variable, VariableScope } from './model';
import { NameIndex, TypeKind } from './names';
import { sizeOf, TypeReader } from './types';
import { FileName, LocationAt, locationAt, VariableReader } from './variables';
import { DwarfSections } from './sections';

export type { LocationAt } from './variables';
export type { TypeKind, IndexStats } from './names';
export type { CallSite, CallTarget } from './call-sites';

/** How many functions gdb's search for a function calling itself through tail calls may visit here. */
const MAX_TAIL_CALL_FUNCTIONS = 256;

/** What evaluating a unit's location expressions needs to know of it. */
export interface UnitInfo {
  readonly offset: number;
  readonly version: number;
  readonly addressSize: 4 | 8;
  /** DW_AT_addr_base: where the unit's .debug_addr entries start (DW_OP_addrx, DW_OP_constx). */
  readonly addrBase: number;
  readonly name?: string;
}

/** How many definitions of one name findVariable weighs (a name defined more often is corrupt or odd). */
const MAX_DEFINITIONS = 16;

export class ProgramData {
  readonly types: TypeReader;
  private readonly variables: VariableReader;
  private nameIndex?: NameIndex;
  private readonly callSites: CallSiteReader;
  private readonly tailCallReasons = new Map<bigint, string | undefined>();
  private readonly unitIndexes = new Map<number, NameIndex>();

  constructor(private readonly info: DebugInfo, sections: DwarfSections, fileName?: FileName) {
    this.types = new TypeReader(info.dies, (kind, name) => NameIndex.pick(this.index().types.get(`${kind} ${name}`)));
    this.variables = new VariableReader(info.dies, sections, this.types, fileName);
    this.callSites = new CallSiteReader(info.dies);
  }

  static fromSections(sections: DwarfSections, fileName?: FileName): ProgramData {
    return new ProgramData(DebugInfo.fromSections(sections), sections, fileName);
  }

  /** The program-wide index of names, built on first use. */
  index(): NameIndex {
    return (this.nameIndex ??= new NameIndex(this.info.dies));
  }

  /** One unit's index of its own top-level names, built on first use. */
  private unitIndex(unit: CompileUnit): NameIndex {
    let index = this.unitIndexes.get(unit.offset);
    if (!index) this.unitIndexes.set(unit.offset, (index = new NameIndex(this.info.dies, [unit])));
    return index;
  }

  /** The scopes holding pc, innermost first: blocks, inlined calls, then the function. */
  scopesAt(pc: bigint): VariableScope[] {
    const unit = this.info.unitAt(pc);
    return unit ? this.variables.scopesAt(unit, pc) : [];
  }

  /** The file-level variables of the unit holding pc. */
  unitGlobals(pc: bigint): Variable[] {
    const unit = this.info.unitAt(pc);
    return unit ? this.variables.unitGlobals(unit) : [];
  }

  /** A variable by name as C sees it at pc: a local (innermost first), a global of pc's unit, then any unit's. */
  findVariable(name: string, pc?: bigint): Variable | undefined {
    const unit = pc === undefined ? undefined : this.info.unitAt(pc);
    if (unit && pc !== undefined) {
      for (const scope of this.variables.scopesAt(unit, pc)) {
        const v = scope.variables.find((x) => x.name === name);
        if (v) return v;
      }
    }
    const index = this.index();
    return this.bestDefinition(index.externals.get(name), unit) ?? this.bestDefinition(index.statics.get(name), unit);
  }

  /**
   * Of a name's definitions, the one gdb prints: pc's unit first, and one with a location and a
   * complete type before one without. (An extern `const char linux_banner[]` can be defined twice
   * at one address: by a DW_AT_specification entry whose type is the declaration's unsized
   * `const char []`, and by one that gives the sized type; only the sized one prints the string.)
   */
  private bestDefinition(offsets: number[] | undefined, unit: CompileUnit | undefined): Variable | undefined {
    if (!offsets?.length) return undefined;
    const inUnit = (o: number): boolean => unit !== undefined && o >= unit.offset && o < unit.end;
    const ordered = [...offsets.filter(inUnit), ...offsets.filter((o) => !inUnit(o))].slice(0, MAX_DEFINITIONS);
    let first: Variable | undefined;
    let located: Variable | undefined;
    for (const offset of ordered) {
      const { unit: u, die } = this.entry(offset);
      const v = this.variables.variable(u, die);
      first ??= v;
      if (v.location.kind === 'none') continue;
      located ??= v;
      if (sizeOf(v.type) !== undefined) return v;
    }
    return located ?? first;
  }

  /** A function with code, by name: its entry address and type. */
  findFunction(name: string, pc?: bigint): { address: bigint; type: FunctionType } | undefined {
    const unit = pc === undefined ? undefined : this.info.unitAt(pc);
    const offset = NameIndex.pick(this.index().functions.get(name), unit);
    if (offset === undefined) return undefined;
    const { unit: u, die } = this.entry(offset);
    const ranges = this.info.dies.ranges(u, die);
    if (!ranges.length) return undefined;
    // The entry pc is DW_AT_low_pc, or the first range's start (DW_AT_entry_pc aside, 3.3.3).
    return { address: ranges[0][0], type: this.types.functionType(u, die) };
  }

  /**
   * The function whose code holds pc as gdb's find_pc_sect_function finds it: the subprogram (not
   * an inlined call) named through DW_AT_abstract_origin or DW_AT_specification (3.3.8.3), and
   * its entry pc as gdb's BLOCK_ENTRY_PC takes it: DW_AT_low_pc, or the start of the first range
   * of DW_AT_ranges (2.17.3).
   */
  functionAt(pc: bigint): { name: string; entryPc: bigint } | undefined {
    const found = this.info.functionAt(pc);
    const first = found?.fn.ranges[0];
    return found && first && found.fn.name !== '??' ? { name: found.fn.name, entryPc: first[0] } : undefined;
  }

  /**
   * A type by name, of one kind or the first kind that has it (typedef, struct, union, enum, base):
   * as gdb looks a name up, the definitions of the unit holding pc first (from that unit's own
   * index, so that a stop does not build the program-wide one), then any unit's.
   */
  findType(name: string, kind?: TypeKind, pc?: bigint): CType | undefined {
    const unit = pc === undefined ? undefined : this.info.unitAt(pc);
    const kinds: TypeKind[] = kind ? [kind] : ['typedef', 'struct', 'union', 'enum', 'base', 'class'];
    if (unit) {
      for (const k of kinds) {
        const offset = this.unitIndex(unit).types.get(`${k} ${name}`)?.[0];
        if (offset !== undefined) return this.types.typeAt(offset);
      }
    }
    for (const k of kinds) {
      const offset = NameIndex.pick(this.index().types.get(`${k} ${name}`), unit);
      if (offset !== undefined) return this.types.typeAt(offset);
    }
    return undefined;
  }

  /** The location at pc of a variable (the list entry that covers pc), or none: "optimized out". */
  locationAt(desc: LocationDescription, pc: bigint): LocationAt {
    return locationAt(desc, pc);
  }

  /** The unit holding pc, as an expression evaluator needs it. */
  unitOf(pc: bigint): UnitInfo | undefined {
    const u = this.info.unitAt(pc);
    return u && { offset: u.offset, version: u.version, addressSize: u.addressSize as 4 | 8, addrBase: u.addrBase, ...(u.name !== undefined ? { name: u.name } : {}) };
  }

  /**
   * The call site (3.4.1) that returns to `returnPc`: a caller frame's pc. Its unit is the one
   * holding the byte before it (a call that ends a function returns past the function's end).
   */
  callSiteAt(returnPc: bigint): CallSite | undefined {
    const unit = this.info.unitAt(returnPc - 1n);
    return unit && this.callSites.at(unit, returnPc);
  }

  /** Every call site of the unit holding pc, in the order of its entries. */
  unitCallSites(pc: bigint): readonly CallSite[] {
    const unit = this.info.unitAt(pc);
    return unit ? this.callSites.unitCallSites(unit) : [];
  }

  /** Where a call site's call went, as far as the DWARF says. */
  callTarget(site: CallSite): CallTarget {
    return this.callSites.target(site);
  }

  /**
   * Why entry values of the function that starts at `entry` cannot be trusted, as gdb's
   * func_verify_no_selftailcall decides: it may call itself through a chain of tail calls (then a
   * caller's call site may describe an earlier activation), or a tail call on the way cannot be
   * followed (an indirect one, or a callee gdb cannot find). Only functions that describe all
   * their tail calls (DW_AT_call_all_calls and kin) are followed. Undefined when there is no such reason.
   */
  selfTailCallReason(entry: bigint, addressOf: (name: string) => bigint | undefined): string | undefined {
    if (this.tailCallReasons.has(entry)) return this.tailCallReasons.get(entry);
    const reason = this.searchTailCalls(entry, addressOf);
    this.tailCallReasons.set(entry, reason);
    return reason;
  }

  private searchTailCalls(entry: bigint, addressOf: (name: string) => bigint | undefined): string | undefined {
    const seen = new Set<bigint>([entry]);
    const todo = [entry];
    while (todo.length) {
      const from = todo.pop()!;
      const calls = this.tailCallsFrom(from);
      if (!calls) return `no function with DWARF starts at 0x${from.toString(16)}, reached through tail calls`;
      for (const site of calls) {
        const target = this.callTarget(site);
        let addresses: readonly bigint[];
        if (target.kind === 'addresses') addresses = target.addresses;
        else if (target.kind === 'name') {
          const a = addressOf(target.name);
          if (a === undefined) return `the tail call at 0x${site.returnPc.toString(16)} goes to ${target.name}, which has no symbol`;
          addresses = [a];
        } else return `the tail call at 0x${site.returnPc.toString(16)} has no known target`;
        for (const a of addresses) {
          if (a === entry) return `the function at 0x${entry.toString(16)} can call itself via tail calls`;
          if (seen.has(a)) continue;
          if (seen.size >= MAX_TAIL_CALL_FUNCTIONS) return `more than ${MAX_TAIL_CALL_FUNCTIONS} functions reached through tail calls`;
          seen.add(a);
          todo.push(a);
        }
      }
    }
    return undefined;
  }

  /**
   * The tail calls of the function that starts at `entry`, if it says that all are described
   * (gdb's TYPE_TAIL_CALL_LIST); undefined when no function of the DWARF starts there.
   */
  private tailCallsFrom(entry: bigint): CallSite[] | undefined {
    const unit = this.info.unitAt(entry);
    const calls = unit && this.callSites.tailCallsAt(unit, entry);
    return calls?.filter((s) => s.allTailCalls);
  }

  private entry(offset: number): { unit: CompileUnit; die: Die } {
    const unit = this.info.dies.unitOf(offset);
    return { unit, die: this.info.dies.entry(unit, offset) };
  }
}
