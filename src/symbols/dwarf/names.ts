// A program-wide index of names from the top-level entries of every unit (DWARF 5, 3.1: a unit's
// children): global and file-static variables, functions with code, and named types by kind. It is
// built on first use, skipping every subtree by DW_AT_sibling (2.3) where the producer wrote one,
// and keeps only offsets, so that a stop pays for it once and a vmlinux's 20 MB of entries are not
// held in memory.

import { CompileUnit, Die, Dies } from './dies';

const DW_TAG_class_type = 0x02;
const DW_TAG_enumeration_type = 0x04;
const DW_TAG_structure_type = 0x13;
const DW_TAG_typedef = 0x16;
const DW_TAG_union_type = 0x17;
const DW_TAG_base_type = 0x24;
const DW_TAG_subprogram = 0x2e;
const DW_TAG_variable = 0x34;
const DW_AT_name = 0x03;
const DW_AT_low_pc = 0x11;
const DW_AT_abstract_origin = 0x31;
const DW_AT_declaration = 0x3c;
const DW_AT_external = 0x3f;
const DW_AT_specification = 0x47;
const DW_AT_ranges = 0x55;

export type TypeKind = 'struct' | 'union' | 'class' | 'enum' | 'typedef' | 'base';

const TYPE_KINDS: Record<number, TypeKind> = {
  [DW_TAG_structure_type]: 'struct', [DW_TAG_union_type]: 'union', [DW_TAG_class_type]: 'class',
  [DW_TAG_enumeration_type]: 'enum', [DW_TAG_typedef]: 'typedef', [DW_TAG_base_type]: 'base',
};

export interface IndexStats {
  units: number;
  entries: number;
  milliseconds: number;
  heapBytes: number;
}

export class NameIndex {
  /** Definitions of external variables, and of file-static ones, by name: entry offsets. */
  readonly externals = new Map<string, number[]>();
  readonly statics = new Map<string, number[]>();
  /** Subprograms with code (DW_AT_low_pc or DW_AT_ranges), by name. */
  readonly functions = new Map<string, number[]>();
  /** Complete type definitions by "kind name" ("struct file", "typedef size_t", "base int"). */
  readonly types = new Map<string, number[]>();
  readonly stats: IndexStats;

  /** `units`: the units to index (default: all; one unit's own index answers a stop in it). */
  constructor(private readonly dies: Dies, units: CompileUnit[] = dies.units()) {
    const t0 = performance.now();
    const heap0 = process.memoryUsage().heapUsed;
    let entries = 0;
    for (const unit of units) {
      const root = dies.read(unit, unit.dieStart);
      if (!root.hasChildren) continue;
      for (let offset = root.end; ;) {
        const die = dies.read(unit, offset);
        if (die.tag === 0) break;
        entries++;
        this.add(unit, die);
        offset = dies.after(unit, die, false);
      }
    }
    this.stats = { units: units.length, entries, milliseconds: performance.now() - t0, heapBytes: process.memoryUsage().heapUsed - heap0 };
  }

  private add(unit: CompileUnit, die: Die): void {
    const a = die.attributes;
    const kind = TYPE_KINDS[die.tag];
    if (kind) {
      if (a.get(DW_AT_declaration)) return;
      const name = this.dies.text(unit, a.get(DW_AT_name));
      if (name !== undefined) push(this.types, `${kind} ${name}`, die.offset);
    } else if (die.tag === DW_TAG_variable) {
      // Definitions, with or without a location (a static the compiler folded away is "optimized out").
      if (a.get(DW_AT_declaration)) return;
      const named = this.named(unit, die);
      if (named) push(named.external ? this.externals : this.statics, named.name, die.offset);
    } else if (die.tag === DW_TAG_subprogram) {
      if (!a.has(DW_AT_low_pc) && !a.has(DW_AT_ranges)) return;
      const named = this.named(unit, die);
      if (named) push(this.functions, named.name, die.offset);
    }
  }

  /** DW_AT_name and DW_AT_external, on the entry or on the declaration it completes (one link). */
  private named(unit: CompileUnit, die: Die): { name: string; external: boolean } | undefined {
    let name = this.dies.text(unit, die.attributes.get(DW_AT_name));
    let external = die.attributes.get(DW_AT_external)?.value === true;
    if (name === undefined) {
      const link = die.attributes.get(DW_AT_specification) ?? die.attributes.get(DW_AT_abstract_origin);
      if (link?.kind !== 'ref') return undefined;
      const u = this.dies.unitOf(Number(link.value));
      const d = this.dies.read(u, Number(link.value));
      name = this.dies.text(u, d.attributes.get(DW_AT_name));
      external ||= d.attributes.get(DW_AT_external)?.value === true;
    }
    return name === undefined ? undefined : { name, external };
  }

  /** Of several entries, the one in the unit that holds `prefer` (a unit offset), else the first. */
  static pick(offsets: number[] | undefined, prefer?: CompileUnit): number | undefined {
    if (!offsets?.length) return undefined;
    if (prefer) for (const o of offsets) if (o >= prefer.offset && o < prefer.end) return o;
    return offsets[0];
  }
}

function push(map: Map<string, number[]>, key: string, offset: number): void {
  const list = map.get(key);
  if (list) list.push(offset);
  else map.set(key, [offset]);
}
