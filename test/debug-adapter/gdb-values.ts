// Reading what gdb prints for variables (`info args`, `info locals`, `print`), and rebuilding the same
// text from the adapter's expandable variables, for the differential test against gdb
// (variables-vs-gdb.test.ts). Only formatting is normalised: whitespace, and the marks the adapter
// puts on a shadowed name.

/** A variable as gdb lists it: its name and the text after "name = ". */
export interface Named {
  name: string;
  value: string;
}

/** What `info args` / `info locals` say when there is nothing to list. */
const NOTHING = /^(No arguments\.|No locals\.|No symbol table info available\.)$/;

/** An entry of `info args` / `info locals`: "name = value" at the start of a line. */
const ENTRY = /^([A-Za-z_$][\w$]*) = /;

/**
 * The variables gdb listed, in its order (`info locals`: innermost block first; a shadowed outer
 * variable comes again, later, with the same name). With `set print pretty off` and `set width 0`
 * gdb prints each on one line (a line break in a string is escaped): a line that starts no entry,
 * and is not "No locals." or the like, is an error here, so that the parse is never half right.
 */
export function parseInfoVariables(text: string): Named[] {
  const out: Named[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '' || NOTHING.test(line.trim())) continue;
    const m = ENTRY.exec(line);
    if (!m) throw new Error(`gdb printed a line that is no variable: ${JSON.stringify(line)} in:\n${text}`);
    out.push({ name: m[1], value: line.slice(m[0].length) });
  }
  return out;
}

/** The value `print` printed ("$12 = {a = 1}" gives "{a = 1}"); throws on anything else. */
export function parsePrinted(text: string): string {
  const m = /^\$\d+ = ([^]*)$/.exec(text.trim());
  if (!m) throw new Error(`gdb's print gave no "$N = value": ${JSON.stringify(text)}`);
  return m[1];
}

/** The position `monitor when` printed ("position 92707 (of 0..113671448)"). */
export function parseWhen(text: string): number {
  const m = /^position (\d+) \(of \d+\.\.\d+\)/.exec(text.trim());
  if (!m) throw new Error(`monitor when printed no position: ${JSON.stringify(text)}`);
  return Number(m[1]);
}

/** Formatting only: runs of whitespace as one space, none at the ends. */
export function normalise(value: string): string {
  return value.replace(/\s+/g, ' ').trim();
}

/** The adapter's name for a variable without the mark on a shadowed one ("x (shadowed)" is "x"). */
export function plainName(name: string): string {
  return name.replace(/\s*\([^()]*\)\s*$/, '');
}

/** A variable of the adapter (DAP Variable), as much of it as the rebuild needs. */
export interface DapVariable {
  name: string;
  value: string;
  variablesReference: number;
  indexedVariables?: number;
}

/** The children of an expandable variable (DAP `variables`), fetched by the caller. */
export type Children = (v: DapVariable) => Promise<DapVariable[]>;

/** gdb's defaults the test sets (gdb-stops.py): `set print elements 200`, `set print repeats 10`. */
export const PRINT_ELEMENTS = 200;
export const PRINT_REPEATS = 10;

/** An anonymous member ("<anonymous union>", "<anonymous struct>", "<anonymous>"): gdb prints its value with no "name = ". */
const ANONYMOUS = /^<anonymous[^>]*>$/;
/** An array element ("[3]"). */
const ELEMENT = /^\[\d+\]$/;
/** A page of array elements ("[0..99]", "[100..199]"), when the adapter pages a long array. */
const PAGE = /^\[\d+\s*\.\.\s*\d+\]$/;

/**
 * The text gdb prints for this variable, rebuilt from the adapter's tree: a struct, union or array
 * (its value starts with "{" and it expands) from its children, recursively, as gdb prints them
 * (`{a = 1, b = {c = 2}}`, `{1, 2, 3}`, `{0 <repeats 16 times>}`, ` ...` past 200 elements); anything
 * else (scalars, pointers, strings, the function prefix "{int (int)} 0x...") as the adapter's value.
 * `depth` bounds the recursion (a cycle in what the adapter returns must end the test, not hang it).
 */
export async function gdbText(v: DapVariable, children: Children, depth = 0): Promise<string> {
  if (v.variablesReference <= 0 || !v.value.startsWith('{') || /^\{[^{}]*\} 0x/.test(v.value)) return v.value;
  if (depth > 40) throw new Error(`the adapter's variables nest deeper than 40 levels under ${v.name}`);
  const kids = await flatten(await children(v), children);
  if (kids.length > 0 && kids.every((k) => ELEMENT.test(k.name))) {
    return arrayText(await Promise.all(kids.map((k) => gdbText(k, children, depth + 1))));
  }
  const parts: string[] = [];
  for (const k of kids) {
    const text = await gdbText(k, children, depth + 1);
    parts.push(ANONYMOUS.test(k.name) ? text : `${k.name} = ${text}`);
  }
  return `{${parts.join(', ')}}`;
}

/** Children with the pages of a paged array ("[0..99]") replaced by their elements. */
async function flatten(kids: DapVariable[], children: Children): Promise<DapVariable[]> {
  const out: DapVariable[] = [];
  for (const k of kids) {
    if (PAGE.test(k.name) && k.variablesReference > 0) out.push(...(await flatten(await children(k), children)));
    else out.push(k);
  }
  return out;
}

/**
 * An array's elements as gdb prints them (valprint.c, value_print_array_elements): a run of more
 * than `print repeats` equal elements is printed once with " <repeats N times>" and counts as
 * `print repeats` elements towards `print elements`; once that many are printed, "..." follows.
 */
export function arrayText(elements: string[]): string {
  const parts: string[] = [];
  let printed = 0;
  let i = 0;
  for (; i < elements.length && printed < PRINT_ELEMENTS; i++) {
    let next = i + 1;
    while (next < elements.length && elements[next] === elements[i]) next++;
    const reps = next - i;
    if (reps > PRINT_REPEATS) {
      parts.push(`${elements[i]} <repeats ${reps} times>`);
      i = next - 1;
      printed += PRINT_REPEATS;
    }
    else {
      parts.push(elements[i]);
      printed++;
    }
  }
  return `{${parts.join(', ')}${i < elements.length ? '...' : ''}}`;
}
