// A recursive-descent parser of C expressions (C11 6.5) as a debugger's watch, hover, console and
// breakpoint conditions take them, with type names (6.7.7) for casts and sizeof. Whether `(x)y`
// is a cast depends on whether `x` names a type where the expression is evaluated (a typedef name
// is context-dependent, as in C), so the parser asks its caller.
//
// What would change the program or run it (assignment, ++, --, function calls) is refused with
// the reason, at the operator's column.

import { BinaryOperator, Derivation, Expression, Qualifier, TypeName, TypeSpecifier, UnaryOperator } from './ast';
import { ExpressionError, Token, tokenize } from './lexer';

export interface ParseContext {
  /** Whether an identifier names a typedef (or base type name) where the expression is evaluated. */
  isTypeName(name: string): boolean;
}

const NO_TYPEDEFS: ParseContext = { isTypeName: () => false };

/** Parses one C expression; throws ExpressionError naming the problem and its column. */
export function parse(text: string, context: ParseContext = NO_TYPEDEFS): Expression {
  const parser = new Parser(tokenize(text), context);
  const e = parser.expression();
  parser.expectEnd();
  return e;
}

/** Parses a type name alone, as `ptype`/`whatis` and casts take it. */
export function parseTypeName(text: string, context: ParseContext = NO_TYPEDEFS): TypeName {
  const parser = new Parser(tokenize(text), context);
  const t = parser.typeName();
  parser.expectEnd();
  return t;
}

// Binary operators by precedence, loosest first (6.5.5 to 6.5.14; `,` is 6.5.17).
const BINARY_LEVELS: ReadonlyArray<readonly BinaryOperator[]> = [
  ['||'], ['&&'], ['|'], ['^'], ['&'], ['==', '!='], ['<', '>', '<=', '>='], ['<<', '>>'], ['+', '-'], ['*', '/', '%'],
];

const ASSIGNMENT = new Set(['=', '*=', '/=', '%=', '+=', '-=', '<<=', '>>=', '&=', '^=', '|=']);

const BASE_WORDS = new Set(['void', 'char', 'short', 'int', 'long', 'float', 'double', 'signed', 'unsigned', '_Bool', '_Complex',
  '__signed__', '__signed', '__unsigned__']);
const QUALIFIER_WORDS: Record<string, Qualifier> = {
  const: 'const', __const: 'const', __const__: 'const', volatile: 'volatile', __volatile: 'volatile', __volatile__: 'volatile',
  restrict: 'restrict', __restrict: 'restrict', __restrict__: 'restrict', _Atomic: 'atomic',
};
const TAG_WORDS = new Set(['struct', 'union', 'enum']);

/** Unary operators, parentheses and declarators nested deeper than this are refused, so that a hostile expression cannot exhaust the stack. */
const MAX_DEPTH = 200;
/**
 * Binary and postfix operators in one expression, at most: a left-associative chain (`1+1+...`,
 * `a[0][0]...`) is parsed by a loop but makes a tree as deep as it is long, which evaluation walks
 * recursively.
 */
const MAX_OPERATORS = 500;

class Parser {
  private i = 0;
  private depth = 0;
  private operators = 0;

  constructor(private readonly tokens: Token[], private readonly context: ParseContext) {}

  private get token(): Token {
    return this.tokens[this.i];
  }

  private peek(n = 1): Token {
    return this.tokens[Math.min(this.i + n, this.tokens.length - 1)];
  }

  private isPunctuator(text: string, t: Token = this.token): boolean {
    return t.kind === 'punctuator' && t.text === text;
  }

  private accept(text: string): boolean {
    if (!this.isPunctuator(text)) return false;
    this.i++;
    return true;
  }

  private expect(text: string): Token {
    const t = this.token;
    if (!this.isPunctuator(text)) throw new ExpressionError(`expected '${text}'${found(t)}`, t.start);
    this.i++;
    return t;
  }

  expectEnd(): void {
    const t = this.token;
    if (t.kind === 'end') return;
    if (t.kind === 'punctuator' && ASSIGNMENT.has(t.text)) throw readOnly(t);
    throw new ExpressionError(`unexpected ${describe(t)}`, t.start);
  }

  /** One more binary or postfix operator, at `at`. */
  private operator(at: Token): void {
    if (++this.operators > MAX_OPERATORS) throw new ExpressionError(`more than ${MAX_OPERATORS} operators in one expression`, at.start);
  }

  private nest<T>(at: Token, f: () => T): T {
    if (++this.depth > MAX_DEPTH) throw new ExpressionError(`expression nested more than ${MAX_DEPTH} deep`, at.start);
    try {
      return f();
    } finally {
      this.depth--;
    }
  }

  /** expression: assignment-expression (`,` assignment-expression)* (6.5.17) */
  expression(): Expression {
    let left = this.conditional();
    while (this.isPunctuator(',')) {
      this.operator(this.token);
      this.i++;
      const right = this.conditional();
      left = { kind: 'binary', operator: ',', left, right, start: left.start, end: right.end };
    }
    return left;
  }

  /**
   * conditional-expression (6.5.15), right-associative: `a ? b : c ? d : e` is read as a chain
   * and folded from the right, so that a long chain does not recurse. An assignment in its place
   * is refused (6.5.16).
   */
  private conditional(): Expression {
    const arms: Array<[Expression, Expression]> = [];
    for (;;) {
      const condition = this.binary(0);
      if (this.token.kind === 'punctuator' && ASSIGNMENT.has(this.token.text)) throw readOnly(this.token);
      if (!this.accept('?')) {
        return arms.reduceRight<Expression>((whenFalse, [c, whenTrue]) =>
          ({ kind: 'conditional', condition: c, whenTrue, whenFalse, start: c.start, end: whenFalse.end }), condition);
      }
      const whenTrue = this.expression();
      this.expect(':');
      arms.push([condition, whenTrue]);
    }
  }

  /** The binary operators by precedence climbing; all are left-associative (6.5.5-6.5.14). */
  private binary(level: number): Expression {
    if (level === BINARY_LEVELS.length) return this.unary();
    let left = this.binary(level + 1);
    for (;;) {
      const t = this.token;
      const op = t.kind === 'punctuator' ? BINARY_LEVELS[level].find((o) => o === t.text) : undefined;
      if (!op) return left;
      this.operator(t);
      this.i++;
      const right = this.binary(level + 1);
      left = { kind: 'binary', operator: op, left, right, start: left.start, end: right.end };
    }
  }

  /** unary-expression and cast-expression (6.5.3, 6.5.4). */
  private unary(): Expression {
    const t = this.token;
    return this.nest(t, (): Expression => {
      if (t.kind === 'punctuator') {
        if (t.text === '++' || t.text === '--') throw readOnly(t);
        if (['+', '-', '!', '~', '*', '&'].includes(t.text)) {
          this.i++;
          const operand = this.unary();
          return { kind: 'unary', operator: t.text as UnaryOperator, operand, start: t.start, end: operand.end };
        }
        if (t.text === '(' && this.startsTypeName(this.peek())) {
          this.i++;
          const type = this.typeName();
          this.expect(')');
          if (this.isPunctuator('{')) throw new ExpressionError('compound literals are not supported', this.token.start);
          const operand = this.unary();
          return { kind: 'cast', type, operand, start: t.start, end: operand.end };
        }
      }
      if (t.kind === 'identifier' && (t.name === 'sizeof' || t.name === '_Alignof' || t.name === 'alignof')) {
        if (t.name !== 'sizeof') throw new ExpressionError(`'${t.name}' is not supported`, t.start);
        this.i++;
        if (this.isPunctuator('(') && this.startsTypeName(this.peek())) {
          this.i++;
          const type = this.typeName();
          const close = this.expect(')');
          return { kind: 'sizeof', operand: type, start: t.start, end: close.end };
        }
        const operand = this.unary();
        return { kind: 'sizeof', operand, start: t.start, end: operand.end };
      }
      return this.postfix();
    });
  }

  /** postfix-expression (6.5.2): [] . -> ; calls, ++ and -- refused. */
  private postfix(): Expression {
    let e = this.primary();
    for (;;) {
      const t = this.token;
      if (this.isPunctuator('[') || this.isPunctuator('.') || this.isPunctuator('->')) this.operator(t);
      if (this.accept('[')) {
        const index = this.expression();
        const close = this.expect(']');
        e = { kind: 'index', array: e, index, start: e.start, end: close.end };
      } else if (this.isPunctuator('.') || this.isPunctuator('->')) {
        this.i++;
        const name = this.token;
        if (name.kind !== 'identifier') throw new ExpressionError(`expected a member name after '${t.kind === 'punctuator' ? t.text : ''}'${found(name)}`, name.start);
        this.i++;
        e = { kind: 'member', object: e, member: name.name, arrow: this.isPunctuator('->', t), start: e.start, end: name.end };
      } else if (this.isPunctuator('(')) {
        throw new ExpressionError('function calls are not supported: a recording cannot run the program', t.start);
      } else if (this.isPunctuator('++') || this.isPunctuator('--')) {
        throw readOnly(t);
      } else {
        return e;
      }
    }
  }

  /** primary-expression (6.5.1). */
  private primary(): Expression {
    const t = this.token;
    switch (t.kind) {
      case 'identifier':
        if (this.startsTypeName(t)) throw new ExpressionError(`'${t.name}' is a type, not a value`, t.start);
        if (t.name === 'sizeof') throw new ExpressionError(`unexpected 'sizeof'`, t.start);
        this.i++;
        return { kind: 'identifier', name: t.name, start: t.start, end: t.end };
      case 'dollar':
        this.i++;
        return { kind: 'register', name: t.name, start: t.start, end: t.end };
      case 'integer':
        this.i++;
        return { kind: 'integer', value: t.value, decimal: t.decimal, suffix: t.suffix, start: t.start, end: t.end };
      case 'float':
        this.i++;
        return { kind: 'float', value: t.value, suffix: t.suffix, start: t.start, end: t.end };
      case 'char':
        this.i++;
        return { kind: 'char', value: t.value, start: t.start, end: t.end };
      case 'string': {
        // Adjacent string literals are concatenated (translation phase 6, 5.1.1.2).
        const parts: Uint8Array[] = [];
        let end = t.end;
        while (this.token.kind === 'string') {
          parts.push(this.token.bytes);
          end = this.token.end;
          this.i++;
        }
        const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
        parts.reduce((at, p) => (bytes.set(p, at), at + p.length), 0);
        return { kind: 'string', bytes, start: t.start, end };
      }
      case 'punctuator':
        if (t.text === '(') {
          this.i++;
          const inner = this.expression();
          this.expect(')');
          return inner;
        }
        throw new ExpressionError(`expected an expression${found(t)}`, t.start);
      case 'end':
        throw new ExpressionError('expected an expression, found the end', t.start);
    }
  }

  /** Whether `t` starts a type name: a type keyword, a qualifier, a tag, or a typedef name in scope. */
  private startsTypeName(t: Token): boolean {
    if (t.kind !== 'identifier') return false;
    return BASE_WORDS.has(t.name) || t.name in QUALIFIER_WORDS || TAG_WORDS.has(t.name) || this.context.isTypeName(t.name);
  }

  /** type-name: specifier-qualifier-list abstract-declarator? (6.7.7) */
  typeName(): TypeName {
    const first = this.token;
    const qualifiers: Qualifier[] = [];
    const words: Token[] = [];
    let specifier: TypeSpecifier | undefined;
    for (;;) {
      const t = this.token;
      if (t.kind !== 'identifier') break;
      if (t.name in QUALIFIER_WORDS) {
        qualifiers.push(QUALIFIER_WORDS[t.name]);
      } else if (BASE_WORDS.has(t.name)) {
        if (specifier) throw new ExpressionError(`'${t.name}' after a complete type`, t.start);
        words.push(t);
      } else if (TAG_WORDS.has(t.name)) {
        if (specifier || words.length) throw new ExpressionError(`'${t.name}' after a type`, t.start);
        const name = this.peek();
        if (name.kind !== 'identifier') throw new ExpressionError(`expected a ${t.name} tag name${found(name)}`, name.start);
        if (this.isPunctuator('{', this.peek(2))) throw new ExpressionError(`${t.name} definitions are not supported`, this.peek(2).start);
        specifier = { kind: 'tag', tag: t.name as 'struct' | 'union' | 'enum', name: name.name };
        this.i++;
      } else if (!specifier && !words.length && this.context.isTypeName(t.name)) {
        specifier = { kind: 'typedef', name: t.name };
      } else {
        break;
      }
      this.i++;
    }
    if (words.length) specifier = baseSpecifier(words);
    if (!specifier) throw new ExpressionError(`expected a type name${found(this.token)}`, this.token.start);
    const derivations = this.nest(first, () => this.abstractDeclarator());
    return { kind: 'type-name', specifier, qualifiers, derivations, start: first.start, end: this.tokens[this.i - 1].end };
  }

  /**
   * abstract-declarator (6.7.7): pointer* direct-abstract-declarator?, returned as the steps that
   * build its type from the specifiers' type: first the pointers, then the suffixes right to left
   * (`[2][3]` is an array of 2 arrays of 3), then what the parenthesised inner declarator adds.
   */
  private abstractDeclarator(): Derivation[] {
    const pointers: Derivation[] = [];
    while (this.accept('*')) {
      const qualifiers: Qualifier[] = [];
      while (this.token.kind === 'identifier' && this.token.name in QUALIFIER_WORDS) {
        qualifiers.push(QUALIFIER_WORDS[this.token.name]);
        this.i++;
      }
      pointers.push({ kind: 'pointer', qualifiers });
    }
    let inner: Derivation[] = [];
    const next = this.peek();
    if (this.isPunctuator('(') && (this.isPunctuator('*', next) || this.isPunctuator('(', next) || this.isPunctuator('[', next))) {
      const open = this.token;
      this.i++;
      inner = this.nest(open, () => this.abstractDeclarator());
      this.expect(')');
    }
    const suffixes: Derivation[] = [];
    for (;;) {
      if (this.accept('[')) {
        const t = this.token;
        if (this.accept(']')) {
          suffixes.push({ kind: 'array' });
          continue;
        }
        if (t.kind !== 'integer') throw new ExpressionError(`expected an array size${found(t)}`, t.start);
        if (t.value > BigInt(Number.MAX_SAFE_INTEGER)) throw new ExpressionError('array size too large', t.start);
        this.i++;
        this.expect(']');
        suffixes.push({ kind: 'array', count: Number(t.value) });
      } else if (this.isPunctuator('(') && (this.isPunctuator(')', this.peek()) || this.startsTypeName(this.peek()) || this.isPunctuator('...', this.peek()))) {
        this.i++;
        suffixes.push(this.parameters());
      } else {
        break;
      }
    }
    return [...pointers, ...suffixes.reverse(), ...inner];
  }

  /** parameter-type-list (6.7.6.3), after its `(`; `(void)` is no parameters, prototyped. */
  private parameters(): Derivation {
    if (this.accept(')')) return { kind: 'function', params: [], variadic: false, prototyped: false };
    const params: TypeName[] = [];
    let variadic = false;
    for (;;) {
      if (this.accept('...')) {
        variadic = true;
        break;
      }
      params.push(this.typeName());
      if (!this.accept(',')) break;
    }
    this.expect(')');
    if (params.length === 1 && !variadic && params[0].specifier.kind === 'void' && !params[0].derivations.length) params.length = 0;
    return { kind: 'function', params, variadic, prototyped: true };
  }
}

/** The canonical spelling of a list of base type words (6.7.2 paragraph 2's multisets), as gdb prints it. */
function baseSpecifier(words: Token[]): TypeSpecifier {
  const count = new Map<string, number>();
  for (const w of words) {
    if (w.kind !== 'identifier') continue;
    const name = w.name.replace(/^__(signed|unsigned)_*$/, '$1');
    if (name === '_Complex') throw new ExpressionError('complex types are not supported', w.start);
    count.set(name, (count.get(name) ?? 0) + 1);
    const n = count.get(name)!;
    if (n > (name === 'long' ? 2 : 1)) throw new ExpressionError(`duplicate '${name}'`, w.start);
  }
  const has = (w: string): boolean => count.has(w);
  const at = words[0].start;
  if (has('signed') && has('unsigned')) throw new ExpressionError("both 'signed' and 'unsigned'", at);
  const cores = ['void', 'char', 'int', 'float', 'double', '_Bool'].filter(has);
  if (cores.length > 1) throw new ExpressionError(`two or more data types ('${cores.join("', '")}')`, at);
  const core = cores[0];
  const longs = count.get('long') ?? 0;
  const sign = has('signed') || has('unsigned');
  const invalid = (): ExpressionError => new ExpressionError(`invalid type '${words.map((w) => (w.kind === 'identifier' ? w.name : '')).join(' ')}'`, at);
  if (core === 'void') {
    if (count.size > 1) throw invalid();
    return { kind: 'void' };
  }
  if (core === '_Bool' || core === 'float') {
    if (count.size > 1) throw invalid();
    return { kind: 'base', name: core };
  }
  if (core === 'double') {
    if (sign || has('short') || longs > 1) throw invalid();
    return { kind: 'base', name: longs ? 'long double' : 'double' };
  }
  const u = has('unsigned') ? 'unsigned ' : '';
  if (core === 'char') {
    if (has('short') || longs) throw invalid();
    return { kind: 'base', name: has('signed') ? 'signed char' : `${u}char` };
  }
  if (has('short') && longs) throw new ExpressionError("both 'short' and 'long'", at);
  if (has('short')) return { kind: 'base', name: `${u}short` };
  if (longs === 2) return { kind: 'base', name: `${u}long long` };
  if (longs === 1) return { kind: 'base', name: `${u}long` };
  return { kind: 'base', name: `${u}int` };
}

function describe(t: Token): string {
  switch (t.kind) {
    case 'end': return 'the end';
    case 'punctuator': return `'${t.text}'`;
    case 'identifier': return `'${t.name}'`;
    case 'dollar': return `'$${t.name}'`;
    default: return t.kind === 'char' ? 'a character constant' : t.kind === 'string' ? 'a string' : 'a number';
  }
}

function found(t: Token): string {
  return `, found ${describe(t)}`;
}

function readOnly(t: Token): ExpressionError {
  return new ExpressionError(`'${t.kind === 'punctuator' ? t.text : ''}' is not supported: the recording is read-only`, t.start);
}
