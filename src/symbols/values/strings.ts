// Strings of `char` as gdb 13 prints them with the default charsets in a UTF-8 locale (host
// charset UTF-8, target charset "auto", so UTF-8 too): valprint.c generic_printstr,
// count_next_character and print_converted_chars_to_obstack over charset.c's wchar_iterator,
// whose iconv is glibc's UTF-8 decoder (iconv/gconv_simple.c utf8_internal_loop).
//
// The bytes are cut into characters: a valid UTF-8 sequence is one character, printed as itself
// when the locale calls it printable (`М`) and as the octal escapes of its bytes when not
// (`\302\205`); a byte that starts no valid sequence is "invalid" and prints as its octal escape;
// a sequence cut short by the end of the bytes is "incomplete" and ends the string as
// `<incomplete sequence \NNN>`. Runs of one character longer than `repeats` print as
// `'c' <repeats N times>`; the `elements` limit counts characters, a run counting whole.

type Result = 'ok' | 'invalid' | 'incomplete' | 'eof';

/** One step of the iterator: a character (ok), or the bytes of an invalid or incomplete one. */
interface Converted {
  readonly result: Result;
  /** The code point, when ok. */
  readonly codePoint: number;
  /** The bytes it came from. */
  readonly bytes: Uint8Array;
  /** How many times it repeats from here (0 for the look-ahead gdb keeps after the last run). */
  repeat: number;
  /** Bytes taken from the input, when more than `bytes` (a character iconv converted and gdb dropped). */
  readonly consumed?: number;
}

const isContinuation = (b: number): boolean => (b & 0xc0) === 0x80;

/** glibc's UTF-8 to UCS-4 for one character at `at`, as gdb's wchar_iterator::iterate asks for it. */
function decode(bytes: Uint8Array, at: number): Converted {
  const end = bytes.length;
  if (at >= end) return { result: 'eof', codePoint: -1, bytes: bytes.subarray(at, at), repeat: 0 };
  const c = decodeOne(bytes, at);
  // gdb asks iconv for one character from here to the end; glibc converts through UCS-4 in two
  // steps, and when the character after this one is an incomplete sequence iconv reports EINVAL
  // (incomplete) though it has converted this one, so gdb drops it: "ab\320" prints as
  // `"a", <incomplete sequence \320>`.
  if (c.result === 'ok' && at + c.bytes.length < end) {
    const after = decodeOne(bytes, at + c.bytes.length);
    if (after.result === 'incomplete') return { ...after, bytes: after.bytes, consumed: end - at };
  }
  return c;
}

/** One character at `at` as glibc's UTF-8 decoder sees it. */
function decodeOne(bytes: Uint8Array, at: number): Converted {
  const end = bytes.length;
  const invalid = (): Converted => ({ result: 'invalid', codePoint: -1, bytes: bytes.subarray(at, at + 1), repeat: 0 });
  const lead = bytes[at];
  if (lead < 0x80) return { result: 'ok', codePoint: lead, bytes: bytes.subarray(at, at + 1), repeat: 0 };
  let count: number;
  let cp: number;
  if (lead >= 0xc2 && lead < 0xe0) { count = 2; cp = lead & 0x1f; }
  else if ((lead & 0xf0) === 0xe0) { count = 3; cp = lead & 0x0f; }
  else if ((lead & 0xf8) === 0xf0) { count = 4; cp = lead & 0x07; }
  else return invalid();
  if (at + count > end) {
    // Not enough input: incomplete (iconv's EINVAL) if what there is could still be valid.
    for (let i = at + 1; i < end; i++) if (!isContinuation(bytes[i])) return invalid();
    return { result: 'incomplete', codePoint: -1, bytes: bytes.subarray(at, end), repeat: 0 };
  }
  for (let i = 1; i < count; i++) {
    const b = bytes[at + i];
    if (!isContinuation(b)) return invalid();
    cp = (cp << 6) | (b & 0x3f);
  }
  // Overlong forms, UTF-16 surrogates and code points beyond Unicode are illegal (EILSEQ).
  if ((count > 2 && cp >> (5 * count - 4) === 0) || cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000)) return invalid();
  return { result: 'ok', codePoint: cp, bytes: bytes.subarray(at, at + count), repeat: 0 };
}

/** The same character for count_next_character: equal code points, or equal bytes of invalid ones. */
function same(a: Converted, b: Converted): boolean {
  if (a.result !== b.result) return false;
  if (a.result === 'ok') return a.codePoint === b.codePoint;
  if (a.result === 'eof') return false;
  return a.bytes.length === b.bytes.length && a.bytes.every((x, i) => x === b.bytes[i]);
}

const NOT_PRINTABLE = /[\p{Cc}\p{Cn}\p{Cs}\p{Zl}\p{Zp}]/u;

/** iswprint in glibc's C.UTF-8: ASCII 0x20-0x7e, and every assigned character but controls and line/paragraph separators. */
function printable(cp: number): boolean {
  if (cp < 0x80) return cp >= 0x20 && cp < 0x7f;
  return !NOT_PRINTABLE.test(String.fromCodePoint(cp));
}

const ESCAPES: Record<number, string> = { 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r' };

const octal = (bytes: Uint8Array): string => Array.from(bytes, (b) => `\\${b.toString(8).padStart(3, '0')}`).join('');

/**
 * valprint.c print_wchar: a C escape, the character (a backslash before `quote` and `\`), or its
 * bytes in octal. (gdb 13 escapes a digit after a numeric escape only after a hex one, which
 * one-byte chars never need: `"\00123"`.)
 */
function printWchar(c: Converted, quote: string): string {
  if (c.result === 'ok') {
    const escape = ESCAPES[c.codePoint];
    if (escape) return escape;
    if (printable(c.codePoint)) {
      const ch = String.fromCodePoint(c.codePoint);
      return ch === quote || ch === '\\' ? `\\${ch}` : ch;
    }
  }
  return octal(c.bytes);
}

/**
 * The bytes as gdb's generic_printstr prints them (the caller has already dropped a C string's
 * terminating NUL): `""` when empty, `...` after when cut by `elements` or when `forceEllipses`
 * says the string goes on past what was read.
 */
export function printString(bytes: Uint8Array, forceEllipses: boolean, elements: number, repeats: number): string {
  if (bytes.length === 0) return '""';  // gdb returns before any `...`
  // count_next_character: each call takes the run at the back of `chars` and pushes the
  // character after it (the look-ahead), until `elements` characters are counted or the end.
  let at = 0;
  const next = (): Converted => {
    const c = decode(bytes, at);
    at += c.consumed ?? c.bytes.length;
    return c;
  };
  const chars: Converted[] = [];
  for (let counted = 0; counted < elements;) {
    if (chars.length === 0) chars.push(next());
    const current = chars[chars.length - 1];
    current.repeat = 1;
    if (current.result === 'eof') break;
    let d = next();
    while (same(d, current)) { current.repeat++; d = next(); }
    chars.push(d);
    counted += current.repeat;
  }
  // gdb marks the look-ahead as the end ("Ensure that CONVERTED_CHARS is terminated"): it is not printed.
  const finished = chars[chars.length - 1].result === 'eof';
  return printConverted(chars.slice(0, -1), repeats) + (forceEllipses || !finished ? '...' : '');
}

/**
 * print_converted_chars_to_obstack's states: SINGLE characters inside one pair of double quotes,
 * a REPEAT as `'c' <repeats N times>`, an INCOMPLETE sequence as `<incomplete sequence ...>` that
 * ends the text.
 */
function printConverted(chars: readonly Converted[], repeats: number): string {
  let out = '';
  let last: 'start' | 'single' | 'repeat' = 'start';
  for (const c of chars) {
    if (c.result === 'eof') break;
    if (c.result === 'incomplete') {
      if (last === 'single') out += '"';
      if (last !== 'start') out += ', ';
      out += `<incomplete sequence ${printWchar(c, '')}>`;
      return out;
    }
    if (c.repeat > repeats) {
      if (last === 'single') out += '"';
      if (last !== 'start') out += ', ';
      out += `'${printWchar(c, '"')}' <repeats ${c.repeat} times>`;
      last = 'repeat';
    } else {
      if (last !== 'single') out += `${last !== 'start' ? ', ' : ''}"`;
      for (let j = 0; j < c.repeat; j++) out += printWchar(c, '"');
      last = 'single';
    }
  }
  if (last === 'single') out += '"';
  return out;
}
