// The tokens of a C expression (C11 6.4: identifiers 6.4.2, constants 6.4.4, string literals 6.4.5,
// punctuators 6.4.6), plus the debugger's `$name` for registers and CSRs, as gdb spells them.
// Positions are offsets into the text; errors give 1-based columns.

export class ExpressionError extends Error {
  override readonly name = 'ExpressionError';
  /** 0-based offset into the expression's text of where the problem is. */
  readonly position: number;

  constructor(problem: string, position: number) {
    super(`${problem} at column ${position + 1}`);
    this.position = position;
  }
}

/** The length modifiers and `u` of an integer constant's suffix (6.4.4.1). */
export interface IntegerSuffix {
  readonly unsigned: boolean;
  /** 0: none, 1: `l`, 2: `ll`. */
  readonly long: 0 | 1 | 2;
}

export type Token =
  | { readonly kind: 'identifier'; readonly name: string; readonly start: number; readonly end: number }
  | { readonly kind: 'dollar'; readonly name: string; readonly start: number; readonly end: number }
  | { readonly kind: 'integer'; readonly value: bigint; readonly decimal: boolean; readonly suffix: IntegerSuffix; readonly start: number; readonly end: number }
  | { readonly kind: 'float'; readonly value: number; readonly suffix: '' | 'f' | 'l'; readonly start: number; readonly end: number }
  | { readonly kind: 'char'; readonly value: number; readonly start: number; readonly end: number }
  | { readonly kind: 'string'; readonly bytes: Uint8Array; readonly start: number; readonly end: number }
  | { readonly kind: 'punctuator'; readonly text: string; readonly start: number; readonly end: number }
  | { readonly kind: 'end'; readonly start: number; readonly end: number };

// Longest first, so that `<<=` is not read as `<<` `=` (6.4 paragraph 4, "maximal munch").
const PUNCTUATORS = [
  '<<=', '>>=', '...',
  '->', '++', '--', '<<', '>>', '<=', '>=', '==', '!=', '&&', '||', '*=', '/=', '%=', '+=', '-=', '&=', '^=', '|=',
  '[', ']', '(', ')', '{', '}', '.', '&', '*', '+', '-', '~', '!', '/', '%', '<', '>', '^', '|', '?', ':', ';', '=', ',',
];

const MAX_U64 = (1n << 64n) - 1n;

/** Splits `text` into tokens, ending with an `end` token. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (/[A-Za-z_]/.test(c) || (c === '$' && /[A-Za-z_0-9]/.test(text[i + 1] ?? ''))) {
      i++;
      while (i < text.length && /[A-Za-z_0-9]/.test(text[i])) i++;
      tokens.push(c === '$'
        ? { kind: 'dollar', name: text.slice(start + 1, i), start, end: i }
        : { kind: 'identifier', name: text.slice(start, i), start, end: i });
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(text[i + 1] ?? ''))) {
      while (i < text.length && /[A-Za-z0-9_.]/.test(text[i]) || ((text[i] === '+' || text[i] === '-') && /[eEpP]/.test(text[i - 1]) && isFloatExponentSign(text, start, i))) i++;
      tokens.push(number(text.slice(start, i), start));
    } else if (c === "'") {
      const [bytes, end] = quoted(text, i, "'");
      if (bytes.length !== 1) throw new ExpressionError(bytes.length === 0 ? 'empty character constant' : 'character constant with more than one character', start);
      tokens.push({ kind: 'char', value: bytes[0], start, end });
      i = end;
    } else if (c === '"') {
      const [bytes, end] = quoted(text, i, '"');
      tokens.push({ kind: 'string', bytes, start, end });
      i = end;
    } else {
      const p = PUNCTUATORS.find((q) => text.startsWith(q, i));
      if (!p) throw new ExpressionError(`unexpected character '${c}'`, i);
      i += p.length;
      tokens.push({ kind: 'punctuator', text: p, start, end: i });
    }
  }
  tokens.push({ kind: 'end', start: text.length, end: text.length });
  return tokens;
}

/** In `1e+5` or `0x1p-3` the sign belongs to the number; in `0xe+5` it does not (6.4.8, pp-number). */
function isFloatExponentSign(text: string, start: number, i: number): boolean {
  const soFar = text.slice(start, i);
  return /^0[xX]/.test(soFar) ? /[pP]$/.test(soFar) : /[eE]$/.test(soFar);
}

/** An integer (6.4.4.1) or floating (6.4.4.2) constant, from its pp-number text. */
function number(s: string, at: number): Token {
  const end = at + s.length;
  const hex = /^0[xX]/.test(s);
  const isFloat = hex ? /[.pP]/.test(s) : /[.eE]/.test(s);
  if (isFloat) {
    const m = hex
      ? /^0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?[pP]([+-]?[0-9]+)([fFlL]?)$/.exec(s)
      : /^([0-9]*(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?)([fFlL]?)$/.exec(s);
    if (!m || (hex && !(m[1] || m[2]))) throw new ExpressionError(`invalid floating constant '${s}'`, at);
    let value: number;
    let suffix: string;
    if (hex) {
      const digits = (m[1] ?? '') + (m[2] ?? '');
      value = Number(BigInt('0x' + (digits || '0'))) * 2 ** (Number(m[3]) - 4 * (m[2] ?? '').length);
      suffix = m[4];
    } else {
      value = Number(m[1]);
      suffix = m[2];
    }
    const kind = suffix.toLowerCase() as '' | 'f' | 'l';
    return { kind: 'float', value: kind === 'f' ? Math.fround(value) : value, suffix: kind, start: at, end };
  }
  const m = /^(0[xX][0-9a-fA-F]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)([uU]?)(l|L|ll|LL)?([uU]?)$/.exec(s);
  if (!m || (m[2] && m[4])) throw new ExpressionError(`invalid integer constant '${s}'`, at);
  const digits = m[1];
  const value = /^0[0-7]+$/.test(digits) ? BigInt('0o' + digits.slice(1)) : BigInt(digits);
  if (value > MAX_U64) throw new ExpressionError(`integer constant '${s}' is too large for 64 bits`, at);
  const long = m[3] ? (m[3].length as 1 | 2) : 0;
  return { kind: 'integer', value, decimal: /^[1-9]/.test(digits) || digits === '0', suffix: { unsigned: !!(m[2] || m[4]), long }, start: at, end };
}

const SIMPLE_ESCAPES: Record<string, number> = {
  "'": 0x27, '"': 0x22, '?': 0x3f, '\\': 0x5c, a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, e: 27,
};

/** The bytes of a character constant or string literal opening at `i`, and where it ends (6.4.4.4, 6.4.5). */
function quoted(text: string, i: number, quote: string): [Uint8Array, number] {
  const open = i;
  const bytes: number[] = [];
  i++;
  for (;;) {
    if (i >= text.length) throw new ExpressionError(`unterminated ${quote === "'" ? 'character constant' : 'string literal'}`, open);
    const c = text[i];
    if (c === quote) return [Uint8Array.from(bytes), i + 1];
    if (c !== '\\') {
      const code = text.codePointAt(i)!;
      bytes.push(...new TextEncoder().encode(String.fromCodePoint(code)));
      i += code > 0xffff ? 2 : 1;
      continue;
    }
    const e = text[i + 1] ?? '';
    if (e in SIMPLE_ESCAPES) {
      bytes.push(SIMPLE_ESCAPES[e]);
      i += 2;
    } else if (/[0-7]/.test(e)) {
      const m = /^[0-7]{1,3}/.exec(text.slice(i + 1))![0];
      const v = parseInt(m, 8);
      if (v > 0xff) throw new ExpressionError(`octal escape '\\${m}' out of range`, i);
      bytes.push(v);
      i += 1 + m.length;
    } else if (e === 'x') {
      const m = /^[0-9a-fA-F]+/.exec(text.slice(i + 2))?.[0];
      if (!m) throw new ExpressionError('\\x used with no following hex digits', i);
      const v = parseInt(m, 16);
      if (m.length > 2 && v > 0xff) throw new ExpressionError(`hex escape '\\x${m}' out of range`, i);
      bytes.push(v);
      i += 2 + m.length;
    } else {
      throw new ExpressionError(`unknown escape sequence '\\${e}'`, i);
    }
  }
}
