// The C types an expression names or produces: the standard base types (synthesised, named as gdb
// names them, when the program has none of that name), type names resolved against the scope
// (6.7.7), the integer conversion ranks of 6.3.1.1 for LP64 (RISC-V psABI: int 4, long 8,
// pointers 8, char unsigned), and C's spelling of a type for whatis/ptype.

import { typeName } from '../../dwarf/types';
import { ArrayType, BaseEncoding, BaseType, CType, FunctionType, QualifiedType, VoidType } from '../../dwarf/model';
import { pointerTo, strip } from '../value';
import { TypeName } from './ast';
import { ExpressionError } from './lexer';

/** What the evaluator needs to know of the program's types. */
export interface TypeScope {
  /** A tag (with `kind`) or a typedef or base type name. */
  type(name: string, kind?: 'struct' | 'union' | 'enum'): CType | undefined;
}

// Synthesised types get negative ids from this range, away from value.ts's pointerTo ids (-1 down).
let nextId = -(2 ** 40);
const syntheticId = (): number => nextId--;

const base = (name: string, size: number, encoding: BaseEncoding): BaseType => ({ kind: 'base', id: syntheticId(), name, size, encoding });

/** The standard base types by gdb's names (gdb's c-lang.c builtin types for LP64). */
const STANDARD: ReadonlyMap<string, BaseType> = new Map([
  base('char', 1, 'unsigned_char'), base('signed char', 1, 'signed_char'), base('unsigned char', 1, 'unsigned_char'),
  base('short', 2, 'signed'), base('unsigned short', 2, 'unsigned'),
  base('int', 4, 'signed'), base('unsigned int', 4, 'unsigned'),
  base('long', 8, 'signed'), base('unsigned long', 8, 'unsigned'),
  base('long long', 8, 'signed'), base('unsigned long long', 8, 'unsigned'),
  base('_Bool', 1, 'boolean'), base('float', 4, 'float'), base('double', 8, 'float'), base('long double', 16, 'float'),
].map((t) => [t.name, t]));

export const VOID: VoidType = { kind: 'void', id: syntheticId() };

/** A standard base type by its canonical name: the program's own if it has one so named, else synthesised. */
export function standardType(name: string, scope: TypeScope): CType {
  const own = scope.type(name);
  if (own && strip(own).kind === 'base') return own;
  const t = STANDARD.get(name);
  if (!t) throw new Error(`not a standard type: ${name}`);
  return t;
}

/** The type a type name denotes in `scope` (6.7.7); unknown names are ExpressionErrors at the name. */
export function resolveTypeName(t: TypeName, scope: TypeScope): CType {
  const s = t.specifier;
  let type: CType;
  switch (s.kind) {
    case 'void': type = VOID; break;
    case 'base': type = standardType(s.name, scope); break;
    case 'tag': {
      const found = scope.type(s.name, s.tag);
      if (!found) throw new ExpressionError(`no ${s.tag} named '${s.name}'`, t.start);
      type = found;
      break;
    }
    case 'typedef': {
      const found = scope.type(s.name);
      if (!found) throw new ExpressionError(`unknown type '${s.name}'`, t.start);
      type = found;
      break;
    }
  }
  type = qualify(type, t.qualifiers);
  for (const d of t.derivations) {
    switch (d.kind) {
      case 'pointer':
        type = qualify(pointerTo(type), d.qualifiers);
        break;
      case 'array': {
        const kind = strip(type).kind;
        if (kind === 'function' || kind === 'void') throw new ExpressionError(`array of ${kind === 'void' ? 'void' : 'functions'}`, t.start);
        type = { kind: 'array', id: syntheticId(), element: type, count: d.count, lowerBound: 0 } satisfies ArrayType;
        break;
      }
      case 'function': {
        const kind = strip(type).kind;
        if (kind === 'function' || kind === 'array') throw new ExpressionError(`function returning ${kind === 'array' ? 'an array' : 'a function'}`, t.start);
        type = { kind: 'function', id: syntheticId(), returns: type, params: d.params.map((p) => resolveTypeName(p, scope)),
          variadic: d.variadic, prototyped: d.prototyped } satisfies FunctionType;
        break;
      }
    }
  }
  return type;
}

/** An array of `count` elements (a string literal's type). */
export function arrayOf(element: CType, count: number): ArrayType {
  return { kind: 'array', id: syntheticId(), element, count, lowerBound: 0 };
}

function qualify(t: CType, qualifiers: readonly QualifiedType['kind'][]): CType {
  for (const q of new Set(qualifiers)) t = { kind: q, id: syntheticId(), target: t } satisfies QualifiedType;
  return t;
}

// ---------------------------------------------------------------------------------------------
// Integer conversion rank (6.3.1.1) and the usual arithmetic conversions (6.3.1.8)

/** An integer type's place in 6.3.1.1: rank (bool 1 < char 2 < short 3 < int 4 < long 5 < long long 6), size, sign. */
export interface IntegerKind { readonly rank: number; readonly size: number; readonly signed: boolean }

/** The rank, size and signedness of an integer, enum, bool or char type; a bit field of fewer bits than int promotes as one narrower. */
export function integerKind(t: CType): IntegerKind | undefined {
  const s = strip(t);
  if (s.kind === 'enum') return { rank: rankOfSize(s.size, false), size: s.size, signed: s.signed };
  if (s.kind !== 'base') return undefined;
  switch (s.encoding) {
    case 'boolean': return { rank: 1, size: s.size, signed: false };
    case 'signed_char': case 'unsigned_char': return { rank: 2, size: s.size, signed: s.encoding === 'signed_char' };
    case 'signed': case 'unsigned': case 'UTF':
      return { rank: rankOfSize(s.size, /long long/.test(s.name)), size: s.size, signed: s.encoding === 'signed' };
    default: return undefined;
  }
}

function rankOfSize(size: number, longLong: boolean): number {
  return size <= 1 ? 2 : size === 2 ? 3 : size === 4 ? 4 : longLong ? 6 : size === 8 ? 5 : 7;
}

/** The standard type of a rank and sign, after promotion (rank 4 and up). */
export function integerTypeOf(k: IntegerKind, scope: TypeScope): CType {
  const name = k.rank <= 4 ? 'int' : k.rank === 5 ? 'long' : 'long long';
  return standardType(k.signed ? name : `unsigned ${name}`, scope);
}

/** Integer promotion (6.3.1.1p2): what is narrower than int becomes int (all its values fit). */
export function promote(k: IntegerKind, bitSize?: number): IntegerKind {
  if (k.rank < 4 || (bitSize !== undefined && bitSize < 32)) return { rank: 4, size: 4, signed: true };
  return k;
}

/** The common type of two promoted integer kinds (6.3.1.8p1, "Otherwise, the integer promotions ..."). */
export function commonInteger(a: IntegerKind, b: IntegerKind): IntegerKind {
  if (a.signed === b.signed) return a.rank >= b.rank ? a : b;
  const [u, s] = a.signed ? [b, a] : [a, b];
  if (u.rank >= s.rank) return u;
  if (s.size > u.size) return s;
  return { ...s, signed: false };
}

// C's spelling of a type, as gdb's whatis prints it: the one printer of dwarf/types.ts.

/** `t` as C (and gdb's whatis) spells it: "unsigned long", "struct file *", "char (*)[16]", "int (*)(int)". */
export function typeToString(t: CType): string {
  return typeName(t);
}
