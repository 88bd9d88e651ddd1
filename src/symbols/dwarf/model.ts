// The program's types and variables as the DWARF describes them (DWARF 5, sections 2.5-2.6, 4 and
// 5), in the shape the value layer (src/symbols/values) and the debug adapter use. This file holds
// only the shapes: dwarf/types.ts and dwarf/variables.ts build them from .debug_info, lazily (a
// type's members and targets are getters that read their entries on first use), and
// dwarf/expression.ts evaluates the locations.
//
// Types form cycles (struct list_head points to itself), so they are compared by `id` (the
// .debug_info offset of the entry that defines them), never by structure.

/** DW_ATE_* base type encodings (7.8), by the spec's names without the prefix. */
export type BaseEncoding =
  | 'address' | 'boolean' | 'complex_float' | 'float' | 'signed' | 'signed_char' | 'unsigned' | 'unsigned_char'
  | 'UTF' | 'other';

interface TypeCommon {
  /** The .debug_info offset of the defining entry: a type's identity (synthesised types use negative ids). */
  readonly id: number;
}

export interface VoidType extends TypeCommon { readonly kind: 'void' }

export interface BaseType extends TypeCommon {
  readonly kind: 'base';
  readonly name: string;
  /** In bytes. */
  readonly size: number;
  readonly encoding: BaseEncoding;
  /** DW_AT_bit_size of a base type, when it uses fewer bits than its bytes (rare: _BitInt). */
  readonly bitSize?: number;
}

/** A pointer, or a C++ reference (`reference`: & or &&). */
export interface PointerType extends TypeCommon {
  readonly kind: 'pointer';
  readonly size: number;
  readonly target: CType;
  readonly reference?: 'lvalue' | 'rvalue';
}

export interface Member {
  /** Undefined for an anonymous struct or union member. */
  readonly name?: string;
  readonly type: CType;
  /** Offset in bytes from the start of the enclosing struct (DW_AT_data_member_location). */
  readonly offset: number;
  /**
   * For a bit field: its width, and its first bit counted from the start of the enclosing struct
   * (DW_AT_data_bit_offset; the DWARF 2-3 DW_AT_bit_offset form, which counts from the storage
   * unit's most significant bit, is converted to this little-endian form).
   */
  readonly bitSize?: number;
  readonly bitOffset?: number;
}

export interface StructType extends TypeCommon {
  readonly kind: 'struct' | 'union' | 'class';
  /** Undefined for an anonymous struct. */
  readonly name?: string;
  /** In bytes; undefined while the type is only declared (and no unit defines it). */
  readonly size?: number;
  /** Data members in declaration order (static members left out). */
  readonly members: readonly Member[];
  /** A declaration (DW_AT_declaration) that no unit completes. */
  readonly incomplete: boolean;
}

/**
 * An array of `count` elements; several dimensions are arrays of arrays, outermost first, as C
 * declares them. `count` is undefined when the bound is unknown (a flexible array member, `extern
 * int a[]`); 0 for a zero-length array.
 */
export interface ArrayType extends TypeCommon {
  readonly kind: 'array';
  readonly element: CType;
  readonly count?: number;
  /** DW_AT_lower_bound, 0 in C. */
  readonly lowerBound: number;
}

export interface Enumerator { readonly name: string; readonly value: bigint }

export interface EnumType extends TypeCommon {
  readonly kind: 'enum';
  readonly name?: string;
  readonly size: number;
  /** The underlying type's signedness (DW_AT_type of the enumeration, else by the enumerators' forms). */
  readonly signed: boolean;
  readonly enumerators: readonly Enumerator[];
  /** DW_AT_enum_class, or no size known. */
  readonly incomplete?: boolean;
}

export interface TypedefType extends TypeCommon {
  readonly kind: 'typedef';
  readonly name: string;
  readonly target: CType;
}

/** const, volatile, restrict and _Atomic (DW_TAG_{const,volatile,restrict,atomic}_type). */
export interface QualifiedType extends TypeCommon {
  readonly kind: 'const' | 'volatile' | 'restrict' | 'atomic';
  readonly target: CType;
}

/** A subroutine type (DW_TAG_subroutine_type), or a function's own type. */
export interface FunctionType extends TypeCommon {
  readonly kind: 'function';
  readonly returns: CType;
  readonly params: readonly CType[];
  /** DW_TAG_unspecified_parameters: `...`. */
  readonly variadic: boolean;
  /** DW_AT_prototyped: `int f(void)` rather than `int f()`. */
  readonly prototyped: boolean;
}

/** DW_TAG_unspecified_type (C++ nullptr_t, and what a producer could not describe). */
export interface UnspecifiedType extends TypeCommon {
  readonly kind: 'unspecified';
  readonly name: string;
}

export type CType =
  | VoidType | BaseType | PointerType | StructType | ArrayType | EnumType | TypedefType | QualifiedType | FunctionType
  | UnspecifiedType;

/**
 * Where a variable lives, as its entry says (DWARF 5, 2.6): one location expression for its whole
 * scope, a list of them by pc range, a constant, or none (optimized out everywhere).
 */
export type LocationDescription =
  | { readonly kind: 'expression'; readonly expression: Uint8Array }
  | { readonly kind: 'list'; readonly entries: readonly LocationListEntry[] }
  | { readonly kind: 'constant'; readonly value: bigint | Uint8Array }
  | { readonly kind: 'none' }
  /** The entry's location could not be read (bad DWARF): that variable's value says why. */
  | { readonly kind: 'error'; readonly message: string };

/** One entry of a location list (2.6.2): valid for pcs in [start, end). */
export interface LocationListEntry {
  readonly start: bigint;
  readonly end: bigint;
  readonly expression: Uint8Array;
  /** DW_LLE_default_location (DWARF 5): used at the pcs no other entry covers; start and end are 0. */
  readonly isDefault?: boolean;
}

export interface Variable {
  readonly name: string;
  readonly type: CType;
  readonly location: LocationDescription;
  /** A formal parameter (DW_TAG_formal_parameter). */
  readonly parameter: boolean;
  /** The .debug_info offset of the entry (after following abstract_origin, the concrete one). */
  readonly id: number;
  readonly declFile?: string;
  readonly declLine?: number;
  /** DW_AT_external: visible outside its unit. */
  readonly external?: boolean;
}

/** A scope that holds variables: a function, an inlined call or a lexical block (3.3, 3.4, 3.5). */
export interface VariableScope {
  readonly kind: 'subprogram' | 'inlined' | 'block';
  /** The function's name, for a subprogram or an inlined call. */
  readonly name?: string;
  readonly ranges: ReadonlyArray<readonly [bigint, bigint]>;
  readonly variables: readonly Variable[];
  /** DW_AT_frame_base of a subprogram (an inlined call uses its containing subprogram's). */
  readonly frameBase?: LocationDescription;
}

/**
 * What evaluating a location expression (2.5, 2.6) gives: one piece for a simple location, or
 * the pieces of a composite location (DW_OP_piece, DW_OP_bit_piece), in order from the value's
 * least significant bits. A piece with no `sizeBits` is the whole value.
 */
export type PieceLocation =
  | { readonly kind: 'memory'; readonly address: bigint }
  | { readonly kind: 'register'; readonly register: number }
  /** DW_OP_stack_value: the value itself, not where it is. */
  | { readonly kind: 'value'; readonly value: bigint }
  /** DW_OP_implicit_value. */
  | { readonly kind: 'implicit'; readonly bytes: Uint8Array }
  /** DW_OP_implicit_pointer: a pointer to (part of) the variable whose entry is `die`. */
  | { readonly kind: 'implicit-pointer'; readonly die: number; readonly offset: bigint }
  /** An empty piece: that part of the value is optimized out. */
  | { readonly kind: 'undefined' };

export interface Piece {
  readonly location: PieceLocation;
  readonly sizeBits?: number;
  /** DW_OP_bit_piece's offset within the location. */
  readonly offsetBits?: number;
}

export type LocationResult =
  | { readonly kind: 'pieces'; readonly pieces: readonly Piece[] }
  /** No location at this pc: "optimized out". */
  | { readonly kind: 'optimized-out' }
  /** Known to be unavailable: a DW_OP_entry_value whose caller's registers are not known, say. */
  | { readonly kind: 'unavailable'; readonly reason: string };

/**
 * What a location expression may ask of the stopped machine. Registers are by DWARF number for
 * RISC-V (psABI "DWARF Register Numbers": 0-31 x0-x31, 32-63 f0-f31); undefined means not known in
 * this frame (a callee did not save it).
 */
export interface ExpressionContext {
  readonly addressSize: 4 | 8;
  register(n: number): bigint | undefined;
  /** `size` bytes (1 to 8) at an address, little-endian; undefined where memory is not mapped. */
  memory(address: bigint, size: number): bigint | undefined;
  /** The frame's DW_AT_frame_base, evaluated (for DW_OP_fbreg). */
  frameBase?(): bigint | undefined;
  /** The canonical frame address of the frame, from the CFI (for DW_OP_call_frame_cfa). */
  cfa?(): bigint | undefined;
  /**
   * DW_OP_entry_value: the value the expression had on entry to the function, computed in the
   * caller's frame; undefined when the caller's registers are not known.
   */
  entryValue?(expression: Uint8Array): bigint | undefined;
  /** An entry of .debug_addr by index (DW_OP_addrx, DW_OP_constx). */
  addrx?(index: number): bigint;
  /** The address of the object a DW_OP_push_object_address refers to. */
  objectAddress?(): bigint | undefined;
  /**
   * The base type entry at a .debug_info offset, for the typed operations (DW_OP_convert,
   * DW_OP_const_type, DW_OP_regval_type, DW_OP_deref_type and their GNU forms; 2.5.1.6);
   * undefined when the entry there is not a base type.
   */
  baseType?(die: number): { readonly size: number; readonly encoding: BaseEncoding } | undefined;
}
