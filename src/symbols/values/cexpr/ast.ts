// The parsed form of a C expression (C11 6.5) and of a type name (6.7.7), with the source offsets
// of each node so that an evaluation error can name the column it is about.

import { IntegerSuffix } from './lexer';

interface Node {
  /** Offsets into the expression's text: [start, end). */
  readonly start: number;
  readonly end: number;
}

export type BinaryOperator =
  | '*' | '/' | '%' | '+' | '-' | '<<' | '>>' | '<' | '>' | '<=' | '>=' | '==' | '!=' | '&' | '^' | '|' | '&&' | '||' | ',';

export type UnaryOperator = '+' | '-' | '!' | '~' | '*' | '&';

export type Expression =
  | (Node & { readonly kind: 'identifier'; readonly name: string })
  /** `$a0`, `$pc`, `$sstatus`: the name without the `$`. */
  | (Node & { readonly kind: 'register'; readonly name: string })
  | (Node & { readonly kind: 'integer'; readonly value: bigint; readonly decimal: boolean; readonly suffix: IntegerSuffix })
  | (Node & { readonly kind: 'float'; readonly value: number; readonly suffix: '' | 'f' | 'l' })
  /** A character constant's byte (6.4.4.4): an int whose value is that of a `char` holding it. */
  | (Node & { readonly kind: 'char'; readonly value: number })
  | (Node & { readonly kind: 'string'; readonly bytes: Uint8Array })
  | (Node & { readonly kind: 'unary'; readonly operator: UnaryOperator; readonly operand: Expression })
  | (Node & { readonly kind: 'sizeof'; readonly operand: Expression | TypeName })
  | (Node & { readonly kind: 'cast'; readonly type: TypeName; readonly operand: Expression })
  | (Node & { readonly kind: 'binary'; readonly operator: BinaryOperator; readonly left: Expression; readonly right: Expression })
  | (Node & { readonly kind: 'conditional'; readonly condition: Expression; readonly whenTrue: Expression; readonly whenFalse: Expression })
  | (Node & { readonly kind: 'index'; readonly array: Expression; readonly index: Expression })
  | (Node & { readonly kind: 'member'; readonly object: Expression; readonly member: string; readonly arrow: boolean });

export type Qualifier = 'const' | 'volatile' | 'restrict' | 'atomic';

/**
 * The type specifiers of a type name (6.7.2): a base type by its canonical spelling ("unsigned
 * long", as gdb names it, whatever order the words came in), a tag, a typedef name, or void.
 */
export type TypeSpecifier =
  | { readonly kind: 'base'; readonly name: string }
  | { readonly kind: 'void' }
  | { readonly kind: 'tag'; readonly tag: 'struct' | 'union' | 'enum'; readonly name: string }
  | { readonly kind: 'typedef'; readonly name: string };

/**
 * One step of an abstract declarator (6.7.6), applied to the type built so far: `int *[3]` is
 * int, then pointer, then array of 3.
 */
export type Derivation =
  | { readonly kind: 'pointer'; readonly qualifiers: readonly Qualifier[] }
  | { readonly kind: 'array'; readonly count?: number }
  | { readonly kind: 'function'; readonly params: readonly TypeName[]; readonly variadic: boolean; readonly prototyped: boolean };

export interface TypeName extends Node {
  readonly kind: 'type-name';
  readonly specifier: TypeSpecifier;
  readonly qualifiers: readonly Qualifier[];
  readonly derivations: readonly Derivation[];
}
