// Values as gdb 13 prints them (gdb/valprint.c, c-valprint.c, c-lang.c with the default settings:
// print elements 200, print repeats 10, print symbol on, print null-stop off), so that the debug
// adapter's Variables agree with `info locals` and `print` (test/symbols/values-format.test.ts
// compares the two on vmlinux and on compiled fixtures).
//
// A value is read whole before it is printed, as gdb fetches a lazy value (value_fetch_lazy): an
// unreadable struct is one error, not a struct of errors; a pointer's string is read afterwards,
// and an unreadable one prints as `<error: ...>` after the pointer.

import { CType, EnumType, StructType } from '../dwarf/model';
import {
  bytesOf, hex, integerOf, isAvailable, membersOf, Memory, sizeOf, strip, TypedValue, ValueError,
} from './value';
import { formatFloatBits } from './float';
import { printString } from './strings';
import { Symbolize } from './symbolic';
import { typeName } from './type-name';

export { gdbSymbolizer } from './symbolic';
export type { FunctionAt, Symbolize } from './symbolic';

export interface FormatOptions {
  /** The symbol an address is in, as `<name+offset>` shows it (gdbSymbolizer; SymbolTable.lookup fits). */
  symbolize?: Symbolize;
  /** `set print elements`: 200. */
  elements?: number;
  /** `set print repeats`: 10. */
  repeats?: number;
}

/** gdb's max-value-size: a value larger than this is not read. */
const MAX_VALUE_SIZE = 65536;
const MAX_DEPTH = 64;

interface Context {
  memory: Memory;
  symbolize: FormatOptions['symbolize'];
  elements: number;
  repeats: number;
}

function contextOf(memory: Memory, options: FormatOptions): Context {
  return { memory, symbolize: options.symbolize, elements: options.elements ?? 200, repeats: options.repeats ?? 10 };
}

/** What gdb prints after `name = ` in `info locals` and `info args`; an unreadable value is `<error: ...>`. */
export function formatValue(v: TypedValue, memory: Memory, options: FormatOptions = {}): string {
  try {
    return format(load(v, memory), contextOf(memory, options), 0);
  } catch (e) {
    if (e instanceof ValueError) return `<error: ${e.message}>`;
    throw e;
  }
}

/**
 * What gdb's `print` shows after `$1 = `: a top-level pointer with its type in parentheses (not for
 * a plain `char *`, c-valprint.c c_value_print), a function as `{type} address <name>`. Throws
 * ValueError with gdb's message when the value cannot be read.
 */
export function formatPrint(v: TypedValue, memory: Memory, options: FormatOptions = {}): string {
  const loaded = load(v, memory);
  const text = format(loaded, contextOf(memory, options), 0);
  const s = strip(v.type);
  if (s.kind === 'pointer' && isAvailable(loaded) && !loaded.implicitPointer) {
    const target = v.type.kind === 'pointer' ? unqualified(s.target) : undefined;
    const plainChar = target?.kind === 'base' && target.name === 'char';
    if (!plainChar) return `(${typeName(v.type)}) ${text}`;
  }
  return text;
}

function unqualified(t: CType): CType {
  while (t.kind === 'const' || t.kind === 'volatile' || t.kind === 'restrict' || t.kind === 'atomic') t = t.target;
  return t;
}

/** The value with its bytes read, when it is in memory (functions stay addresses). */
function load(v: TypedValue, memory: Memory): TypedValue {
  if (v.bytes || v.unavailable !== undefined || v.implicitPointer || v.address === undefined) return v;
  const s = strip(v.type);
  if (s.kind === 'function' || s.kind === 'void') return v;
  const size = sizeOf(v.type);
  if (size === undefined) {
    if (s.kind === 'array') return v;  // an unknown bound: printed by address
    throw new ValueError(`Cannot print a value of incomplete type ${typeName(v.type)}.`);
  }
  if (size > MAX_VALUE_SIZE) throw new ValueError(`value requires ${size} bytes, which is more than max-value-size`);
  const n = v.bitSize !== undefined ? Math.ceil(((v.bitOffset ?? 0) + v.bitSize) / 8) : size;
  return { ...v, bytes: bytesOf({ ...v, bitSize: undefined, bitOffset: undefined, type: sized(n) }, memory) };
}

/** A type of n bytes, only to read n bytes. */
function sized(n: number): CType {
  return { kind: 'base', id: -1, name: 'bytes', size: n, encoding: 'unsigned' };
}

function unavailableText(v: TypedValue): string {
  // gdb says <optimized out> for every value it cannot know; bad DWARF says what is wrong, where.
  if (v.unavailable?.startsWith('bad DWARF')) return `<${v.unavailable}>`;
  return v.unavailable === 'not saved' ? '<not saved>' : '<optimized out>';
}

function format(v: TypedValue, c: Context, depth: number): string {
  if (depth > MAX_DEPTH) throw new ValueError(`types nest deeper than ${MAX_DEPTH}`);
  if (v.unavailable !== undefined) return unavailableText(v);
  if (v.implicitPointer) return '<synthetic pointer>';
  const s = strip(v.type);
  switch (s.kind) {
    case 'struct': case 'union': case 'class': return formatStruct(v, s, c, depth);
    case 'array': return formatArray(v, c, depth);
    case 'function': return formatFunction(v, c);
    case 'void': return 'void';
    case 'unspecified': return `<${s.name}>`;
    default: break;
  }
  if (v.available && !isAvailable(v)) return '<optimized out>';
  const memory = c.memory;
  switch (s.kind) {
    case 'enum': return formatEnum(integerOf(v, memory), s);
    case 'pointer': return formatPointer(v, c);
    case 'base': {
      if (s.encoding === 'float') return formatFloatBits(bytesOf(v, memory));
      if (s.encoding === 'complex_float') {
        const b = bytesOf(v, memory);
        return `${formatFloatBits(b.subarray(0, b.length / 2))} + ${formatFloatBits(b.subarray(b.length / 2))}i`;
      }
      const n = integerOf(v, memory);
      if (s.encoding === 'boolean') return n === 0n ? 'false' : n === 1n ? 'true' : n.toString();
      if (isCharType(s)) return `${n} ${charLiteral(Number(BigInt.asUintN(8, n)), "'")}`;
      return n.toString();
    }
    default: return '?';
  }
}

/** gdb's TYPE_CODE_CHAR: DW_ATE_signed_char and DW_ATE_unsigned_char (char, signed char, unsigned char, and typedefs such as u8). */
function isCharType(t: CType): boolean {
  const s = strip(t);
  return s.kind === 'base' && (s.encoding === 'signed_char' || s.encoding === 'unsigned_char') && s.size === 1;
}

const ESCAPES: Record<number, string> = { 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r', 92: '\\\\' };

/** One byte as gdb prints it between `quote`s: C escapes, `\ooo` for the rest of what is not printable ASCII. */
function escapeChar(byte: number, quote: string): string {
  if (ESCAPES[byte]) return ESCAPES[byte];
  const ch = String.fromCharCode(byte);
  if (ch === quote) return `\\${quote}`;
  if (byte >= 0x20 && byte < 0x7f) return ch;
  return `\\${byte.toString(8).padStart(3, '0')}`;
}

function charLiteral(byte: number, quote: string): string {
  return `${quote}${escapeChar(byte, quote)}${quote}`;
}

/** A string of bytes as gdb's generic_printstr prints it (strings.ts). */
function formatString(bytes: Uint8Array, forceEllipses: boolean, c: Context): string {
  return printString(bytes, forceEllipses, c.elements, c.repeats);
}

function formatEnum(n: bigint, t: EnumType): string {
  const exact = t.enumerators.find((e) => e.value === n);
  if (exact) return exact.name;
  if (!isFlagEnum(t)) return n.toString();
  // gdb's generic_val_print_enum_1: each enumerator whose bits are all set, then what is left.
  const names: string[] = [];
  let rest = BigInt.asUintN(t.size * 8, n);
  for (const e of t.enumerators) {
    if (e.value !== 0n && (rest & e.value) === e.value) {
      names.push(e.name);
      rest &= ~e.value;
    }
  }
  if (rest !== 0n) names.push(`unknown: 0x${rest.toString(16)}`);
  return names.length === 0 ? '0' : `(${names.join(' | ')})`;
}

/** A "flag enum" as gdb 13's DWARF reader decides it (process_enumeration_scope): every enumerator 0 or one bit. */
function isFlagEnum(t: EnumType): boolean {
  return t.enumerators.every((e) => e.value >= 0n && (e.value & (e.value - 1n)) === 0n);
}

function symbolText(address: bigint, c: Context): string {
  const hit = c.symbolize?.(address);
  if (!hit) return '';
  // printcmd.c print_address_symbolic: the offset as `%+d`.
  return hit.offset === 0n ? ` <${hit.name}>` : ` <${hit.name}${hit.offset > 0n ? '+' : ''}${hit.offset}>`;
}

function formatPointer(v: TypedValue, c: Context): string {
  const address = BigInt.asUintN(64, integerOf(v, c.memory));
  const s = strip(v.type);
  const text = `${hex(address)}${symbolText(address, c)}`;
  if (s.kind !== 'pointer' || !isCharType(s.target) || address === 0n) return text;
  return `${text} ${readString(address, c)}`;
}

/** The NUL-terminated string at `address`, as gdb's val_print_string: at most `elements` characters. */
function readString(address: bigint, c: Context): string {
  const bytes: number[] = [];
  let found = false;
  for (let i = 0; i < c.elements; i++) {
    const b = c.memory.read(address + BigInt(i), 1);
    if (!b) {
      const before = bytes.length > 0 ? formatString(Uint8Array.from(bytes), false, c) : '';
      return `${before}<error: Cannot access memory at address ${hex(address + BigInt(i))}>`;
    }
    if (b[0] === 0) { found = true; break; }
    bytes.push(b[0]);
  }
  const next = found ? undefined : c.memory.read(address + BigInt(bytes.length), 1);
  const more = !found && next !== undefined && next[0] !== 0;
  return formatString(Uint8Array.from(bytes), more, c);
}

function formatFunction(v: TypedValue, c: Context): string {
  const address = v.address ?? 0n;
  return `{${typeName(v.type)}} ${hex(address)}${symbolText(address, c)}`;
}

function formatStruct(v: TypedValue, s: StructType, c: Context, depth: number): string {
  if (s.incomplete) return '<incomplete type>';
  const members = membersOf(v);
  if (members.length === 0) return '{<No data fields>}';
  const texts = members.map(({ name, value }) => {
    const text = format(value, c, depth + 1);
    return name === undefined ? text : `${name} = ${text}`;
  });
  return `{${texts.join(', ')}}`;
}

function formatArray(v: TypedValue, c: Context, depth: number): string {
  const s = strip(v.type);
  if (s.kind !== 'array') throw new ValueError('not an array');
  const size = sizeOf(s.element);
  // c-valprint.c c_value_print_array: an array of no length (an unknown bound, a flexible array
  // member, GCC's `[0]`) prints "like pointer to first elt" (print_unpacked_pointer): its address
  // and symbol, and for chars the string there.
  if (s.count === undefined || s.count === 0 || size === 0 || !v.bytes) {
    if (v.address === undefined) return '{}';
    const text = `${hex(v.address)}${symbolText(v.address, c)}`;
    return isCharType(s.element) && v.address !== 0n ? `${text} ${readString(v.address, c)}` : text;
  }
  if (size === undefined) throw new ValueError(`array of ${typeName(s.element)}: elements of unknown size`);
  const count = s.count;
  if (isCharType(s.element) && isAvailable(v)) {
    // c_value_print_array: a string; a last NUL is the terminator and not printed (generic_printstr).
    const length = count > 0 && v.bytes[count - 1] === 0 ? count - 1 : count;
    return formatString(v.bytes.subarray(0, length), false, c);
  }
  const element = (i: number): TypedValue => {
    const available = v.available?.slice(i * size, (i + 1) * size);
    return { type: s.element, bytes: v.bytes!.subarray(i * size, (i + 1) * size), ...(available ? { available } : {}) };
  };
  const same = (i: number, j: number): boolean => {
    for (let k = 0; k < size; k++) {
      if (v.bytes![i * size + k] !== v.bytes![j * size + k]) return false;
      if (v.available && v.available[i * size + k] !== v.available[j * size + k]) return false;
    }
    return true;
  };
  // valprint.c value_print_array_elements: runs longer than `repeats` collapse, and count as
  // `repeats` elements toward the `elements` limit.
  const parts: string[] = [];
  let printed = 0;
  let i = 0;
  for (; i < count && printed < c.elements; i++) {
    let reps = 1;
    while (i + reps < count && same(i, i + reps)) reps++;
    const text = format(element(i), c, depth + 1);
    if (reps > c.repeats) {
      parts.push(`${text} <repeats ${reps} times>`);
      i += reps - 1;
      printed += c.repeats;
    } else {
      parts.push(text);
      printed++;
    }
  }
  return `{${parts.join(', ')}${i < count ? '...' : ''}}`;
}
