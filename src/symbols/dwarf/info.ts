// The DWARF debugging information entries (DWARF 5, section 7.5; DWARF 2-4 unit headers): compile
// units, and the function and inlined calls at an address (section 3.3.8), as addr2line -f -i
// reports them. Units are read lazily: their headers and root entries first, a unit's tree of
// entries only when an address in it is asked about.

import { DwarfSections } from './sections';
import { CompileUnit, Die, Dies } from './dies';

export type { CompileUnit, Value } from './dies';

// Tags (7.5.3) and attributes (7.5.4) used here.
const DW_TAG_subprogram = 0x2e;
const DW_TAG_inlined_subroutine = 0x1d;
const DW_AT_name = 0x03;
const DW_AT_abstract_origin = 0x31;
const DW_AT_specification = 0x47;
const DW_AT_entry_pc = 0x52;
const DW_AT_call_column = 0x57;
const DW_AT_call_file = 0x58;
const DW_AT_call_line = 0x59;
const DW_AT_linkage_name = 0x6e;
const DW_AT_MIPS_linkage_name = 0x2007;

export interface InlinedCall {
  name: string;
  ranges: Array<[bigint, bigint]>;
  /** DW_AT_entry_pc (3.3.8.3), when the producer gave one. */
  entryPc?: bigint;
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

/** A code scope of a unit: a subprogram or inlined call with addresses, and its enclosing scope. */
interface Scope {
  die: Die;
  ranges: Array<[bigint, bigint]>;
  parent: number;
}

const contains = (ranges: Array<[bigint, bigint]>, a: bigint): boolean => ranges.some(([lo, hi]) => lo <= a && a < hi);

export class DebugInfo {
  private readonly scopeCache = new Map<number, Scope[]>();

  private constructor(readonly dies: Dies) {}

  static fromSections(s: DwarfSections): DebugInfo {
    return new DebugInfo(new Dies(s));
  }

  /** Every unit's header and root entry (7.5.1). */
  units(): CompileUnit[] {
    return this.dies.units();
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
      const entry = x.die.attributes.get(DW_AT_entry_pc);
      const entryPc = entry?.kind === 'address' || entry?.kind === 'addrx' ? this.dies.address(unit, entry) : undefined;
      return { name: this.nameOf(unit, x.die) ?? '??', ranges: x.ranges, entryPc, callFile: n(DW_AT_call_file), callLine: n(DW_AT_call_line), callColumn: n(DW_AT_call_column) };
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
      const die = this.dies.read(unit, offset);
      if (die.tag === 0) {
        // A null entry ends a list of siblings (7.5.2).
        offset = die.end;
        if (stack.length === 0) break;
        enclosing = stack.pop()!;
        continue;
      }
      offset = die.end;
      let here = enclosing;
      if (die.tag === DW_TAG_subprogram || die.tag === DW_TAG_inlined_subroutine) {
        // Kept even without ranges: an inlined call whose own range list is empty (the compiler
        // dropped it) still encloses the calls inlined into it, as addr2line reports them.
        scopes.push({ die, ranges: this.dies.ranges(unit, die), parent: enclosing });
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
    let d: Die = die;
    for (let hops = 0; hops < 16; hops++) {
      const name = this.dies.text(u, d.attributes.get(DW_AT_name)) ?? this.dies.text(u, d.attributes.get(DW_AT_linkage_name) ?? d.attributes.get(DW_AT_MIPS_linkage_name));
      if (name !== undefined) return name;
      const ref = d.attributes.get(DW_AT_abstract_origin) ?? d.attributes.get(DW_AT_specification);
      if (!ref || ref.kind !== 'ref') return undefined;
      const target = Number(ref.value);
      u = target >= u.dieStart && target < u.end ? u : this.dies.unitOf(target);
      d = this.dies.read(u, target);
    }
    return undefined;
  }
}
