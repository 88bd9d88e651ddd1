// The C expression parser (src/symbols/values/cexpr/parser.ts) on a table of expressions, each
// shown fully parenthesised, that pins C11 6.5's precedence and associativity, casts against
// parenthesised expressions (which depend on the names that are types in scope), abstract
// declarators (6.7.7), literals of every form, and errors that name the problem and the column.

import { describe, expect, it } from 'vitest';
import { Derivation, Expression, TypeName } from '../../src/symbols/values/cexpr/ast';
import { ExpressionError } from '../../src/symbols/values/cexpr/lexer';
import { parse, parseTypeName } from '../../src/symbols/values/cexpr/parser';

const TYPEDEFS = new Set(['u64', 'size_t', 'T']);
const context = { isTypeName: (n: string) => TYPEDEFS.has(n) };

/** A type name in C's own spelling, built back from its derivations (the inverse of the parser's). */
export function showType(t: TypeName): string {
  const s = t.specifier;
  const base = [...t.qualifiers, s.kind === 'base' ? s.name : s.kind === 'void' ? 'void' : s.kind === 'tag' ? `${s.tag} ${s.name}` : s.name].join(' ');
  // From the outermost type inwards: pointers are prefixes, arrays and functions suffixes, which
  // bind tighter, so a suffix after a pointer needs parentheses.
  let decl = '';
  let last: Derivation['kind'] | undefined;
  for (const d of [...t.derivations].reverse()) {
    if (d.kind === 'pointer') {
      decl = `*${d.qualifiers.map((q) => q + ' ').join('')}${decl}`;
    } else {
      if (last === 'pointer') decl = `(${decl})`;
      decl += d.kind === 'array' ? `[${d.count ?? ''}]` : `(${d.params.map(showType).join(', ')}${d.variadic ? ', ...' : ''})`;
    }
    last = d.kind;
  }
  return decl ? `${base} ${decl}` : base;
}

function show(e: Expression): string {
  switch (e.kind) {
    case 'identifier': return e.name;
    case 'register': return `$${e.name}`;
    case 'integer': return `${e.value}${e.suffix.unsigned ? 'u' : ''}${'l'.repeat(e.suffix.long)}`;
    case 'float': return `${e.value}${e.suffix}`;
    case 'char': return `'${e.value}'`;
    case 'string': return JSON.stringify(Buffer.from(e.bytes).toString('latin1'));
    case 'unary': return `(${e.operator}${show(e.operand)})`;
    case 'sizeof': return `sizeof(${e.operand.kind === 'type-name' ? showType(e.operand) : show(e.operand)})`;
    case 'cast': return `((${showType(e.type)})${show(e.operand)})`;
    case 'binary': return `(${show(e.left)} ${e.operator} ${show(e.right)})`;
    case 'conditional': return `(${show(e.condition)} ? ${show(e.whenTrue)} : ${show(e.whenFalse)})`;
    case 'index': return `${show(e.array)}[${show(e.index)}]`;
    case 'member': return `${show(e.object)}${e.arrow ? '->' : '.'}${e.member}`;
  }
}

const TABLE: Array<[string, string]> = [
  // Precedence and associativity (6.5.5-6.5.17).
  ['1 + 2 * 3', '(1 + (2 * 3))'],
  ['1 * 2 + 3', '((1 * 2) + 3)'],
  ['1 - 2 - 3', '((1 - 2) - 3)'],
  ['8 / 4 / 2', '((8 / 4) / 2)'],
  ['7 % 3 * 2', '((7 % 3) * 2)'],
  ['1 << 2 + 3', '(1 << (2 + 3))'],
  ['1 << 2 << 3', '((1 << 2) << 3)'],
  ['a < b == c > d', '((a < b) == (c > d))'],
  ['a == b != c', '((a == b) != c)'],
  ['a & b == c', '(a & (b == c))'],
  ['a | b ^ c & d', '(a | (b ^ (c & d)))'],
  ['a || b && c', '(a || (b && c))'],
  ['a && b || c && d', '((a && b) || (c && d))'],
  ['a ? b : c ? d : e', '(a ? b : (c ? d : e))'],
  ['a ? b ? c : d : e', '(a ? (b ? c : d) : e)'],
  ['a || b ? c : d', '((a || b) ? c : d)'],
  ['a ? b, c : d', '(a ? (b , c) : d)'],
  ['a, b, c', '((a , b) , c)'],
  ['a >> 1 >= b << 2', '((a >> 1) >= (b << 2))'],
  ['-a * -b', '((-a) * (-b))'],
  ['- -a', '(-(-a))'],
  ['!~a', '(!(~a))'],
  ['*p++', ''],
  ['*p->q', '(*p->q)'],
  ['&a.b[1]', '(&a.b[1])'],
  ['*a[1]', '(*a[1])'],
  ['(*a)[1]', '(*a)[1]'],
  ['a.b.c->d[2].e', 'a.b.c->d[2].e'],
  ['a[1][2]', 'a[1][2]'],
  ['a[b[c]]', 'a[b[c]]'],
  ['p && p->x', '(p && p->x)'],
  ['dfd == -100 && how->flags & 0100', '((dfd == (-100)) && (how->flags & 64))'],
  // sizeof (6.5.3.4).
  ['sizeof a + 1', '(sizeof(a) + 1)'],
  ['sizeof (a) + 1', '(sizeof(a) + 1)'],
  ['sizeof (int) + 1', '(sizeof(int) + 1)'],
  ['sizeof (u64) * 2', '(sizeof(u64) * 2)'],
  ['sizeof -1', 'sizeof((-1))'],
  ['sizeof *p', 'sizeof((*p))'],
  ['sizeof sizeof a', 'sizeof(sizeof(a))'],
  ['sizeof (struct task_struct)', 'sizeof(struct task_struct)'],
  ['sizeof(char[16])', 'sizeof(char [16])'],
  // Casts (6.5.4) and parenthesised expressions: `(x)` is a cast only when x is a type here.
  ['(int)x', '((int)x)'],
  ['(x)y', ''],
  ['(x)', 'x'],
  ['(x) - 1', '(x - 1)'],
  ['(u64) - 1', '((u64)(-1))'],
  ['(T)*p', '((T)(*p))'],
  ['(x)*p', '(x * p)'],
  ['(x)&y', '(x & y)'],
  ['(T)&y', '((T)(&y))'],
  ['(unsigned char)300 + (short)-5 * 3u', '(((unsigned char)300) + (((short)(-5)) * 3u))'],
  ['(char)(short)1', '((char)((short)1))'],
  ['(long)a.b', '((long)a.b)'],
  ['(long)a[1]', '((long)a[1])'],
  ['(struct file *)$a0', '((struct file *)$a0)'],
  ['((struct file *)$a0)->f_pos', '((struct file *)$a0)->f_pos'],
  ['(union u *)p', '((union u *)p)'],
  ['(enum e)1', '((enum e)1)'],
  ['(const char *)p', '((const char *)p)'],
  ['(char const *)p', '((const char *)p)'],
  ['(char *const)p', '((char *const )p)'],
  ['(volatile unsigned int *)0x1000', '((volatile unsigned int *)4096)'],
  ['(int (*)(int))x', '((int (*)(int))x)'],
  ['(char (*)[16])p', '((char (*)[16])p)'],
  ['(int *(*)[3])p', '((int *(*)[3])p)'],
  ['(void (*)(void))0', '((void (*)())0)'],
  ['(int (*)(int, char *, ...))0', '((int (*)(int, char *, ...))0)'],
  ['(int (*(*)(void))[4])0', '((int (*(*)())[4])0)'],
  ['(int **)0', '((int **)0)'],
  // Every C spelling of the base types (6.7.2 paragraph 2) comes out as gdb names it.
  ['(unsigned long)1', '((unsigned long)1)'],
  ['(long unsigned int)1', '((unsigned long)1)'],
  ['(unsigned long int)1', '((unsigned long)1)'],
  ['(int long unsigned)1', '((unsigned long)1)'],
  ['(long long unsigned)1', '((unsigned long long)1)'],
  ['(long int long)1', '((long long)1)'],
  ['(signed)1', '((int)1)'],
  ['(unsigned)1', '((unsigned int)1)'],
  ['(short unsigned)1', '((unsigned short)1)'],
  ['(short int)1', '((short)1)'],
  ['(signed short int)1', '((short)1)'],
  ['(signed char)1', '((signed char)1)'],
  ['(char signed)1', '((signed char)1)'],
  ['(unsigned char)1', '((unsigned char)1)'],
  ['(char)1', '((char)1)'],
  ['(_Bool)1', '((_Bool)1)'],
  ['(long double)1', '((long double)1)'],
  ['(float)1', '((float)1)'],
  ['(__signed__ char)1', '((signed char)1)'],
  // Literals (6.4.4).
  ['0x1F', '31'], ['0X1f', '31'], ['017', '15'], ['0', '0'], ['0b101', '5'], ['1u', '1u'], ['1U', '1u'],
  ['1l', '1l'], ['1ul', '1ul'], ['1lu', '1ul'], ['1LL', '1ll'], ['1ull', '1ull'], ['1llu', '1ull'],
  ['18446744073709551615', '18446744073709551615'], ['0xffffffffffffffffUL', '18446744073709551615ul'],
  ['1.5', '1.5'], ['1.', '1'], ['.5', '0.5'], ['1e3', '1000'], ['1E-2', '0.01'], ['2.5e+1', '25'], ['1.5f', '1.5f'], ['1.5L', '1.5l'],
  ['0x1p4', '16'], ['0x1.8p1', '3'], ['0x.8p0', '0.5'], ['0x1P-2f', '0.25f'],
  ['0xe+5', '(14 + 5)'], ['1e+5', '100000'],
  ["'a'", "'97'"], ["'\\n'", "'10'"], ["'\\0'", "'0'"], ["'\\377'", "'255'"], ["'\\x41'", "'65'"], ["'\\''", "'39'"],
  ["'\\\\'", "'92'"], ["'\\e'", "'27'"], ["'\"'", "'34'"],
  ['"ab\\tc"', '"ab\\tc"'], ['"a" "b"', '"ab"'],
  ['$a0', '$a0'], ['$pc + 4', '($pc + 4)'], ['$sstatus & 2', '($sstatus & 2)'], ['$x5', '$x5'], ['$fa0', '$fa0'],
  ['  a  +  b  ', '(a + b)'],
];

const ERRORS: Array<[string, string]> = [
  ['(1 + 2', "expected ')', found the end at column 7"],
  ['f(1)', 'function calls are not supported: a recording cannot run the program at column 2'],
  ['a = 1', "'=' is not supported: the recording is read-only at column 3"],
  ['a += 1', "'+=' is not supported: the recording is read-only at column 3"],
  ['a++', "'++' is not supported: the recording is read-only at column 2"],
  ['--a', "'--' is not supported: the recording is read-only at column 1"],
  ['1 +', 'expected an expression, found the end at column 4'],
  ['1 + )', "expected an expression, found ')' at column 5"],
  ['a b', "unexpected 'b' at column 3"],
  ['a ? b', "expected ':', found the end at column 6"],
  ['a.', 'expected a member name after \'.\', found the end at column 3'],
  ['p->1', "expected a member name after '->', found a number at column 4"],
  ['a[1', "expected ']', found the end at column 4"],
  ['09', "invalid integer constant '09' at column 1"],
  ['0x', "invalid integer constant '0x' at column 1"],
  ['1uu', "invalid integer constant '1uu' at column 1"],
  ['1.5e', "invalid floating constant '1.5e' at column 1"],
  ['18446744073709551616', "integer constant '18446744073709551616' is too large for 64 bits at column 1"],
  ["'ab'", 'character constant with more than one character at column 1'],
  ["''", 'empty character constant at column 1'],
  ["'a", 'unterminated character constant at column 1'],
  ['"abc', 'unterminated string literal at column 1'],
  ["'\\q'", "unknown escape sequence '\\q' at column 2"],
  ["'\\x'", '\\x used with no following hex digits at column 2'],
  ['a @ b', "unexpected character '@' at column 3"],
  ['(int', "expected ')', found the end at column 5"],
  ['(unsigned signed)1', "both 'signed' and 'unsigned' at column 2"],
  ['(short long)1', "both 'short' and 'long' at column 2"],
  ['(int char)1', "two or more data types ('char', 'int') at column 2"],
  ['(long long long)1', "duplicate 'long' at column 12"],
  ['(struct)p', "expected a struct tag name, found ')' at column 8"],
  ['(struct s {int a;})p', 'struct definitions are not supported at column 11'],
  ['(u64 int)1', "'int' after a complete type at column 6"],
  ['(int[x])p', "expected an array size, found 'x' at column 6"],
  ['int', "'int' is a type, not a value at column 1"],
  ['u64 + 1', "'u64' is a type, not a value at column 1"],
  ['(_Complex double)1', 'complex types are not supported at column 2'],
  ['(int){1}', 'compound literals are not supported at column 6'],
  ['hwo->flags +', 'expected an expression, found the end at column 13'],
    ['(' .repeat(300) + '1' + ')'.repeat(300), 'expression nested more than 200 deep at column 201'],
  // Left-associative chains are parsed by loops but evaluated recursively: their length is bounded too.
  ['1' + '+1'.repeat(600), 'more than 500 operators in one expression at column 1002'],
  ['a' + '[0]'.repeat(600), 'more than 500 operators in one expression at column 1502'],
];

describe('C expression parser', () => {
  it.each(TABLE)('%s', (text, expected) => {
    if (!expected) {
      expect(() => parse(text, context)).toThrow(/ at column \d+$/);
      return;
    }
    expect(show(parse(text, context))).toBe(expected);
  });

  it.each(ERRORS)('refuses %s', (text, message) => {
    let error: unknown;
    try {
      parse(text, context);
    } catch (e) {
      error = e;
    }
    expect((error as Error)?.name, String(error)).toBe('ExpressionError');
    expect((error as ExpressionError).message).toBe(message);
  });

  it('reads a long ?: chain without recursing', () => {
    const e = parse('a ? 1 : '.repeat(5000) + '0', context);
    expect(e.kind === 'conditional' && e.whenFalse.kind === 'conditional' && e.whenFalse.start).toBe(8);
  });

  it('records each node\'s source range', () => {
    const e = parse('a + (b * c)', context);
    expect(e.kind === 'binary' && [e.start, e.end, e.right.start, e.right.end]).toEqual([0, 10, 5, 10]);
    const c = parse('(struct file *)$a0', context);
    expect(c.kind === 'cast' && [c.type.start, c.type.end, c.operand.start]).toEqual([1, 14, 15]);
  });

  it('parses type names alone, for ptype and whatis', () => {
    expect(showType(parseTypeName('u64', context))).toBe('u64');
    expect(showType(parseTypeName('int (*[4])(void)'))).toBe('int (*[4])()');
    expect(showType(parseTypeName('char * const *'))).toBe('char *const *');
  });

  it('never throws anything but ExpressionError, and never hangs, on random text', () => {
    let seed = 12345;
    const random = (n: number): number => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) % n;
    const alphabet = ['a', 'u64', 'int', 'struct', 's', '(', ')', '[', ']', '*', '&', '-', '->', '.', '1', '0x', "'", '"', '?', ':', ',',
      '<<', '>', '=', '+', 'sizeof', ' ', '$a0', '...', '\\', 'e', 'p', 'l', 'u', '9', '{'];
    for (let n = 0; n < 20_000; n++) {
      const text = Array.from({ length: 1 + random(12) }, () => alphabet[random(alphabet.length)]).join('');
      try {
        parse(text, context);
      } catch (e) {
        if (!(e instanceof Error) || e.name !== 'ExpressionError') throw new Error(`${JSON.stringify(text)}: ${String(e)}`);
        expect((e as ExpressionError).position).toBeGreaterThanOrEqual(0);
        expect((e as ExpressionError).position).toBeLessThanOrEqual(text.length);
      }
    }
  });
});
