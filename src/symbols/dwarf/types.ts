// The program's types from .debug_info (DWARF 5, section 5: type entries), as the CType shapes of
// model.ts. A type is read when it is first asked for and memoised by the offset of its entry; the
// parts that lead to other types (a pointer's target, a struct's members, an array's element) are
// getters that read on first use, so that cyclic types (struct list_head) are finite objects and a
// stop reads only the types it reaches.
//
// typeName spells a type as gdb's C type printer does (gdb/c-typeprint.c: a base part, then the
// declarator's prefix and suffix), so that it can be compared with `whatis` and `ptype`.

import { CompileUnit, Die, Dies, Value } from './dies';
import { DwarfError, hex } from './reader';
import { ArrayType, BaseEncoding, CType, EnumType, Enumerator, FunctionType, Member, StructType, VoidType } from './model';

// Tags (7.5.3).
const DW_TAG_array_type = 0x01;
const DW_TAG_class_type = 0x02;
const DW_TAG_enumeration_type = 0x04;
const DW_TAG_formal_parameter = 0x05;
const DW_TAG_member = 0x0d;
const DW_TAG_pointer_type = 0x0f;
const DW_TAG_reference_type = 0x10;
const DW_TAG_structure_type = 0x13;
const DW_TAG_subroutine_type = 0x15;
const DW_TAG_typedef = 0x16;
const DW_TAG_union_type = 0x17;
const DW_TAG_unspecified_parameters = 0x18;
const DW_TAG_subrange_type = 0x21;
const DW_TAG_base_type = 0x24;
const DW_TAG_const_type = 0x26;
const DW_TAG_enumerator = 0x28;
const DW_TAG_subprogram = 0x2e;
const DW_TAG_volatile_type = 0x35;
const DW_TAG_restrict_type = 0x37;
const DW_TAG_unspecified_type = 0x3b;
const DW_TAG_rvalue_reference_type = 0x42;
const DW_TAG_atomic_type = 0x47;
/** Type tags that C does not use: read as an unspecified type, by name. */
const OTHER_TYPE_TAGS = new Set([0x12, 0x1f, 0x20, 0x29, 0x2d, 0x40, 0x44, 0x46, 0x4b]);
// Attributes (7.5.4).
const DW_AT_name = 0x03;
const DW_AT_byte_size = 0x0b;
const DW_AT_bit_offset = 0x0c;
const DW_AT_bit_size = 0x0d;
const DW_AT_const_value = 0x1c;
const DW_AT_lower_bound = 0x22;
const DW_AT_prototyped = 0x27;
const DW_AT_upper_bound = 0x2f;
const DW_AT_count = 0x37;
const DW_AT_data_member_location = 0x38;
const DW_AT_declaration = 0x3c;
const DW_AT_encoding = 0x3e;
const DW_AT_external = 0x3f;
const DW_AT_type = 0x49;
const DW_AT_data_bit_offset = 0x6b;
const DW_OP_plus_uconst = 0x23;

/** DW_ATE_* (7.8) by code. */
const ENCODINGS: Record<number, BaseEncoding> = {
  0x01: 'address', 0x02: 'boolean', 0x03: 'complex_float', 0x04: 'float', 0x05: 'signed', 0x06: 'signed_char',
  0x07: 'unsigned', 0x08: 'unsigned_char', 0x10: 'UTF',
};

/** No array has more elements than this; a bound above it is corrupt. */
const MAX_ELEMENTS = 2 ** 31;
/** How deep typeName and sizeOf follow targets before calling a chain a cycle. */
const MAX_DEPTH = 100;


/** `void`: a missing DW_AT_type (5.2, 5.7.1). */
export const VOID: VoidType = { kind: 'void', id: -1 };

/** Where a struct, union or enum declared in one unit is defined: the definition's entry offset. */
export type CompleteType = (kind: 'struct' | 'union' | 'class' | 'enum', name: string) => number | undefined;

/** Define `key` of `obj` as a getter that computes the value once and then keeps it. */
function lazy<T extends object, K extends string>(obj: T, key: K, get: () => unknown): void {
  Object.defineProperty(obj, key, {
    configurable: true,
    enumerable: true,
    get() {
      const value = get();
      Object.defineProperty(obj, key, { value, enumerable: true });
      return value;
    },
  });
}

const num = (v: Value | undefined): bigint | undefined => (v?.kind === 'constant' ? v.value : undefined);

/** A fixed-size constant sign-extended from its form's width (7.5.5: DW_FORM_dataN are untyped). */
const signedValue = (v: Value | undefined): bigint | undefined =>
  v?.kind === 'constant' ? (v.size ? BigInt.asIntN(v.size * 8, v.value) : v.value) : undefined;

/**
 * An array bound as gdb reads it (dwarf2/read.c read_subrange_type): the constant as a 64-bit
 * LONGEST (DW_FORM_data1-4 unsigned, data8 its 64 bits, sdata signed), then, because GCC writes
 * negative bounds in the untyped DW_FORM_dataN (7.5.5), sign-extended from the index type's width
 * when that type is signed. So a data1 249 is 249, and GCC's zero-length `[0]` (upper bound
 * 0xffffffffffffffff in data8, or -1 in the index type's width) is -1.
 */
function boundValue(v: Value | undefined, index: { signed: boolean; size: number }): bigint | undefined {
  if (v?.kind !== 'constant') return undefined;
  let x = v.size === 8 ? BigInt.asIntN(64, v.value) : v.value;
  const bits = BigInt(Math.min(Math.max(index.size, 1), 8) * 8);
  if (index.signed && bits < 64n && (BigInt.asUintN(64, x) >> (bits - 1n)) & 1n) x = BigInt.asIntN(64, x | -(1n << (bits - 1n)));
  return x;
}

export class TypeReader {
  private readonly memo = new Map<number, CType>();

  constructor(private readonly dies: Dies, private readonly complete?: CompleteType) {}

  /** The type of an entry's DW_AT_type, or void where it has none. */
  typeOf(die: Die): CType {
    const v = die.attributes.get(DW_AT_type);
    if (!v) return VOID;
    if (v.kind === 'sig8') return this.typeAt(this.dies.ref(die, DW_AT_type)!.die.offset);
    if (v.kind !== 'ref') throw new DwarfError(`.debug_info+${hex(die.offset)}: DW_AT_type is not a reference`);
    return this.typeAt(Number(v.value));
  }

  /** The type whose entry is at a .debug_info offset. */
  typeAt(offset: number): CType {
    const known = this.memo.get(offset);
    if (known) return known;
    const unit = this.dies.unitOf(offset);
    const t = this.read(unit, this.dies.entry(unit, offset));
    this.memo.set(offset, t);
    return t;
  }

  private name(unit: CompileUnit, die: Die): string | undefined {
    return this.dies.text(unit, die.attributes.get(DW_AT_name));
  }

  private read(unit: CompileUnit, die: Die): CType {
    const id = die.offset;
    const at = `.debug_info+${hex(id)}`;
    const size = num(die.attributes.get(DW_AT_byte_size));
    const target = (t: object): void => lazy(t, 'target', () => this.typeOf(die));
    switch (die.tag) {
      case DW_TAG_base_type: {
        const bits = num(die.attributes.get(DW_AT_bit_size));
        const code = Number(num(die.attributes.get(DW_AT_encoding)) ?? 0n);
        return { kind: 'base', id, name: this.name(unit, die) ?? '?', size: Number(size ?? 0n), encoding: ENCODINGS[code] ?? 'other', ...(bits !== undefined ? { bitSize: Number(bits) } : {}) };
      }
      case DW_TAG_pointer_type: case DW_TAG_reference_type: case DW_TAG_rvalue_reference_type: {
        const reference = die.tag === DW_TAG_reference_type ? 'lvalue' : die.tag === DW_TAG_rvalue_reference_type ? 'rvalue' : undefined;
        const t = { kind: 'pointer', id, size: Number(size ?? BigInt(unit.addressSize)), ...(reference ? { reference } : {}) };
        target(t);
        return t as CType;
      }
      case DW_TAG_const_type: case DW_TAG_volatile_type: case DW_TAG_restrict_type: case DW_TAG_atomic_type: {
        const kind = die.tag === DW_TAG_const_type ? 'const' : die.tag === DW_TAG_volatile_type ? 'volatile' : die.tag === DW_TAG_restrict_type ? 'restrict' : 'atomic';
        const t = { kind, id };
        target(t);
        return t as CType;
      }
      case DW_TAG_typedef: {
        const t = { kind: 'typedef', id, name: this.name(unit, die) ?? '?' };
        target(t);
        return t as CType;
      }
      case DW_TAG_structure_type: case DW_TAG_union_type: case DW_TAG_class_type:
        return this.struct(unit, die);
      case DW_TAG_enumeration_type:
        return this.enumeration(unit, die);
      case DW_TAG_array_type:
        return this.array(unit, die);
      case DW_TAG_subroutine_type: case DW_TAG_subprogram:
        return this.functionType(unit, die);
      case DW_TAG_unspecified_type:
        return { kind: 'unspecified', id, name: this.name(unit, die) ?? 'void' };
      default:
        if (OTHER_TYPE_TAGS.has(die.tag)) return { kind: 'unspecified', id, name: this.name(unit, die) ?? `<type tag ${hex(die.tag)}>` };
        throw new DwarfError(`${at}: tag ${hex(die.tag)} is not a type`);
    }
  }

  /** A declaration's definition in some unit (a `struct file;` completed elsewhere), if any. */
  private definition(die: Die, kind: 'struct' | 'union' | 'class' | 'enum', name: string | undefined): CType | undefined {
    if (!die.attributes.get(DW_AT_declaration) || name === undefined || !this.complete) return undefined;
    const offset = this.complete(kind, name);
    if (offset === undefined || offset === die.offset) return undefined;
    const t = this.typeAt(offset);
    return t.kind === kind ? t : undefined;
  }

  /** A structure, union or class (5.7) and its data members (5.7.6). */
  private struct(unit: CompileUnit, die: Die): StructType {
    const kind = die.tag === DW_TAG_structure_type ? 'struct' : die.tag === DW_TAG_union_type ? 'union' : 'class';
    const name = this.name(unit, die);
    const t = { kind, ...(name !== undefined ? { name } : {}) } as { -readonly [K in keyof StructType]: StructType[K] };
    if (die.attributes.get(DW_AT_declaration)) {
      // Completed elsewhere: the definition's identity and layout, found when first asked for.
      let found: StructType | null | undefined;
      const def = (): StructType | undefined => (found === undefined ? (found = (this.definition(die, kind, name) as StructType | undefined) ?? null) : found) ?? undefined;
      lazy(t, 'id', () => def()?.id ?? die.offset);
      lazy(t, 'size', () => def()?.size);
      lazy(t, 'members', () => def()?.members ?? []);
      lazy(t, 'incomplete', () => def()?.incomplete ?? true);
      return t;
    }
    t.id = die.offset;
    const size = num(die.attributes.get(DW_AT_byte_size));
    if (size !== undefined) t.size = Number(size);
    t.incomplete = false;
    lazy(t, 'members', () => this.members(unit, die));
    return t;
  }

  private members(unit: CompileUnit, die: Die): Member[] {
    const out: Member[] = [];
    for (const m of this.dies.children(unit, die)) {
      // Static data members are declarations (DW_AT_external / DW_AT_declaration): not in the layout.
      if (m.tag !== DW_TAG_member || m.attributes.get(DW_AT_external) || m.attributes.get(DW_AT_declaration)) continue;
      const at = `.debug_info+${hex(m.offset)}`;
      const name = this.name(unit, m);
      const type = this.typeOf(m);
      const location = m.attributes.get(DW_AT_data_member_location);
      let offset = 0;
      if (location?.kind === 'constant') offset = Number(location.value);
      else if (location?.kind === 'block') {
        // DWARF 2 form: an expression that adds the offset to the struct's address (DW_OP_plus_uconst).
        const b = location.value;
        if (b[0] !== DW_OP_plus_uconst) throw new DwarfError(`${at}: DW_AT_data_member_location is not a constant offset`);
        offset = uleb(b, 1, at);
      } else if (location) throw new DwarfError(`${at}: DW_AT_data_member_location of class ${location.kind}`);
      const bitSize = num(m.attributes.get(DW_AT_bit_size));
      const member: { -readonly [K in keyof Member]: Member[K] } = { type, offset };
      if (name !== undefined) member.name = name;
      if (bitSize !== undefined) {
        const dataBitOffset = num(m.attributes.get(DW_AT_data_bit_offset));
        const oldBitOffset = signedValue(m.attributes.get(DW_AT_bit_offset));
        let bitOffset = offset * 8;
        if (dataBitOffset !== undefined) bitOffset = Number(dataBitOffset);
        else if (oldBitOffset !== undefined) {
          // DWARF 2-3 (5.7.6 of DWARF 3): bit_offset counts from the most significant bit of a
          // storage unit of DW_AT_byte_size bytes; on a little-endian target the field's first
          // bit is byte_size*8 - bit_offset - bit_size above the storage unit's start.
          const storage = num(m.attributes.get(DW_AT_byte_size)) ?? BigInt(sizeOf(type) ?? 0);
          bitOffset = offset * 8 + Number(storage) * 8 - Number(oldBitOffset) - Number(bitSize);
        }
        member.bitSize = Number(bitSize);
        member.bitOffset = bitOffset;
        member.offset = Math.floor(bitOffset / 8);
      }
      out.push(member);
    }
    return out;
  }

  /** An enumeration (5.11): its enumerators, signed as its underlying type is. */
  private enumeration(unit: CompileUnit, die: Die): EnumType {
    const name = this.name(unit, die);
    const t = { kind: 'enum', ...(name !== undefined ? { name } : {}) } as { -readonly [K in keyof EnumType]: EnumType[K] };
    if (die.attributes.get(DW_AT_declaration)) {
      let found: EnumType | null | undefined;
      const def = (): EnumType | undefined => (found === undefined ? (found = (this.definition(die, 'enum', name) as EnumType | undefined) ?? null) : found) ?? undefined;
      lazy(t, 'id', () => def()?.id ?? die.offset);
      lazy(t, 'size', () => def()?.size ?? 0);
      lazy(t, 'signed', () => def()?.signed ?? false);
      lazy(t, 'enumerators', () => def()?.enumerators ?? []);
      lazy(t, 'incomplete', () => def()?.incomplete ?? true);
      return t;
    }
    t.id = die.offset;
    const size = num(die.attributes.get(DW_AT_byte_size));
    t.size = Number(size ?? 0n);
    if (size === undefined) t.incomplete = true;
    const children = this.dies.children(unit, die).filter((c) => c.tag === DW_TAG_enumerator);
    // Signed as the underlying type (DW_AT_type, 5.11), else if any enumerator is negative in a signed form.
    let signed: boolean;
    if (die.attributes.get(DW_AT_type)) {
      const e = strip(this.typeOf(die));
      signed = e.kind === 'base' && (e.encoding === 'signed' || e.encoding === 'signed_char');
    } else signed = children.some((c) => { const v = c.attributes.get(DW_AT_const_value); return v?.kind === 'constant' && v.size === undefined && v.value < 0n; });
    t.signed = signed;
    t.enumerators = children.map((c): Enumerator => {
      const v = c.attributes.get(DW_AT_const_value);
      const value = (signed ? signedValue(v) : num(v)) ?? 0n;
      return { name: this.name(unit, c) ?? '?', value: signed ? value : BigInt.asUintN(64, value) };
    });
    return t;
  }

  /** An array (5.5): each DW_TAG_subrange_type child one dimension, outermost first. */
  private array(unit: CompileUnit, die: Die): ArrayType {
    const dims = this.dies.children(unit, die).filter((c) => c.tag === DW_TAG_subrange_type || c.tag === DW_TAG_enumeration_type);
    const bound = (d: Die): { count?: number; lowerBound: number } => {
      const at = `.debug_info+${hex(d.offset)}`;
      const indexSigned = this.subrangeIndexSigned(d);
      const lower = boundValue(d.attributes.get(DW_AT_lower_bound), indexSigned) ?? 0n;
      let count: bigint | undefined = num(d.attributes.get(DW_AT_count));
      const upper = boundValue(d.attributes.get(DW_AT_upper_bound), indexSigned);
      if (count === undefined && upper !== undefined) count = upper - lower + 1n;
      if (count !== undefined && (count < 0n || count > BigInt(MAX_ELEMENTS))) throw new DwarfError(`${at}: absurd array bound (${count} elements)`);
      return { ...(count !== undefined ? { count: Number(count) } : {}), lowerBound: Number(lower) };
    };
    const make = (i: number): ArrayType => {
      const d = dims[i];
      const t = { kind: 'array', id: i === 0 ? die.offset : -d.offset, ...(d ? bound(d) : { lowerBound: 0 }) };
      lazy(t, 'element', () => (i + 1 < dims.length ? make(i + 1) : this.typeOf(die)));
      return t as ArrayType;
    };
    return make(0);
  }

  /**
   * The subrange's index type (its DW_AT_type, 5.13.1) as gdb reads it (read_subrange_index_type):
   * { signed, size }; with no DW_AT_type, a signed integer the size of an address (DWARF 2's rule).
   */
  private subrangeIndexSigned(d: Die): { signed: boolean; size: number } {
    const t = d.attributes.get(DW_AT_type) ? strip(this.typeOf(d)) : undefined;
    if (t?.kind === 'base') return { signed: t.encoding === 'signed' || t.encoding === 'signed_char', size: t.size };
    if (t?.kind === 'enum') return { signed: t.signed, size: t.size };
    return { signed: true, size: 8 };
  }

  /** A subroutine type (5.7.7) or a subprogram's own type (3.3): return type and parameters. */
  functionType(unit: CompileUnit, die: Die): FunctionType {
    const t = { kind: 'function', id: die.offset, prototyped: Boolean(die.attributes.get(DW_AT_prototyped)?.value) };
    lazy(t, 'returns', () => this.typeOf(die));
    let children: Die[] | undefined;
    const kids = (): Die[] => (children ??= this.dies.children(unit, die));
    lazy(t, 'params', () => kids().filter((c) => c.tag === DW_TAG_formal_parameter).map((c) => this.typeOf(c)));
    lazy(t, 'variadic', () => kids().some((c) => c.tag === DW_TAG_unspecified_parameters));
    return t as FunctionType;
  }
}

function uleb(b: Uint8Array, i: number, at: string): number {
  let v = 0;
  for (let shift = 0; ; shift += 7, i++) {
    if (i >= b.length || shift > 49) throw new DwarfError(`${at}: bad LEB128 in DW_OP_plus_uconst`);
    v += (b[i] & 0x7f) * 2 ** shift;
    if ((b[i] & 0x80) === 0) return v;
  }
}

/** A type without its typedefs and qualifiers (gdb's check_typedef). */
export function strip(t: CType): CType {
  for (let i = 0; i < MAX_DEPTH; i++) {
    if (t.kind !== 'typedef' && t.kind !== 'const' && t.kind !== 'volatile' && t.kind !== 'restrict' && t.kind !== 'atomic') return t;
    t = t.target;
  }
  throw new DwarfError(`.debug_info+${hex(t.id)}: a cycle of typedefs or qualifiers`);
}

/** The size in bytes of a value of the type (undefined for void, functions and unknown bounds). */
export function sizeOf(t: CType, depth = 0): number | undefined {
  if (depth > MAX_DEPTH) throw new DwarfError(`.debug_info+${hex(t.id)}: a cycle of types`);
  switch (t.kind) {
    case 'base': case 'pointer': case 'enum': return t.size;
    case 'struct': case 'union': case 'class': return t.size;
    case 'typedef': case 'const': case 'volatile': case 'restrict': case 'atomic': return sizeOf(t.target, depth + 1);
    case 'array': {
      if (t.count === undefined) return undefined;
      const e = sizeOf(t.element, depth + 1);
      if (e === undefined) return undefined;
      const size = t.count * e;
      if (size > Number.MAX_SAFE_INTEGER) throw new DwarfError(`.debug_info+${hex(Math.abs(t.id))}: array size overflows (${t.count} elements of ${e} bytes)`);
      return size;
    }
    default: return undefined;
  }
}

/** The type's name as gdb spells it (`whatis`): "const char *", "int (*)(int, char *)", "char [16]". */
export function typeName(t: CType): string {
  return spell(t, '', 0);
}

/** A declaration of `name` with the type, as gdb's ptype prints a member: "char *argv[4]", "void (*fn)(int)". */
export function declaration(t: CType, name: string): string {
  return spell(t, name, 0);
}

/**
 * C's integer type names as gdb prints them: GCC's "long unsigned int" is gdb's "unsigned long"
 * (gdb puts the names in the canonical form of its C parser).
 */
export function canonicalName(name: string): string {
  const words = name.split(' ');
  if (!words.every((w) => ['signed', 'unsigned', 'char', 'short', 'int', 'long'].includes(w))) return name;
  const has = (w: string): boolean => words.includes(w);
  const longs = words.filter((w) => w === 'long').length;
  const core = has('char') ? 'char' : has('short') ? 'short' : longs === 2 ? 'long long' : longs === 1 ? 'long' : 'int';
  const sign = has('unsigned') ? 'unsigned ' : has('signed') && core === 'char' ? 'signed ' : '';
  return sign + core;
}

/** gdb's c_print_type: the base part, then the declarator (prefix stars, suffix brackets and parameters). */
function spell(t: CType, declarator: string, depth: number): string {
  if (depth > MAX_DEPTH) throw new DwarfError(`.debug_info+${hex(Math.abs(t.id))}: a cycle of types`);
  const quals: string[] = [];
  while (t.kind === 'const' || t.kind === 'volatile' || t.kind === 'restrict' || t.kind === 'atomic') {
    const q = t.kind === 'atomic' ? '_Atomic' : t.kind;
    if (!quals.includes(q)) quals.push(q);
    t = t.target;
    if (++depth > MAX_DEPTH) throw new DwarfError(`.debug_info+${hex(Math.abs(t.id))}: a cycle of qualifiers`);
  }
  // gdb prints qualifiers in the order const, volatile, restrict, _Atomic (c_type_print_modifier).
  const order = ['const', 'volatile', 'restrict', '_Atomic'];
  const q = quals.sort((a, b) => order.indexOf(a) - order.indexOf(b)).join(' ');
  const paren = (d: string): string => (d.startsWith('*') ? `(${d})` : d);
  switch (t.kind) {
    case 'pointer': {
      const star = t.reference === 'lvalue' ? '&' : t.reference === 'rvalue' ? '&&' : '*';
      return spell(t.target, star + (q ? ` ${q}` : '') + (q && declarator ? ' ' : '') + declarator, depth + 1);
    }
    case 'array':
      return spell(t.element, `${paren(declarator)}[${t.count ?? ''}]`, depth + 1);
    case 'function': {
      const params = t.params.map((p) => spell(p, '', depth + 1));
      // gdb's c_type_print_args: "..." only after a parameter; `int f()` (unprototyped) has none to print.
      if (t.variadic && params.length) params.push('...');
      const list = params.length ? params.join(', ') : t.prototyped ? 'void' : '';
      return spell(t.returns, `${paren(declarator)}(${list})`, depth + 1);
    }
    default: {
      const base = (q ? `${q} ` : '') + baseName(t);
      return declarator ? `${base} ${declarator}` : base;
    }
  }
}

function baseName(t: CType): string {
  switch (t.kind) {
    case 'void': return 'void';
    case 'base': return canonicalName(t.name);
    case 'typedef': case 'unspecified': return t.name;
    case 'struct': case 'union': case 'class': case 'enum': return `${t.kind} ${t.name ?? '{...}'}`;
    default: return '?';
  }
}
