// What the VS Code Variables view shows of a value: a one-line preview (gdb's text, cut), and its
// children when expanded: a struct's members (anonymous ones named as gdb's MI names them), an
// array's elements in pages, and through a pointer the pointed-to struct's, union's or array's.

import { formatValue, FormatOptions } from './format';
import { deref, elementOf, membersOf, Memory, strip, TypedValue, ValueError } from './value';

export interface Child { readonly name: string; readonly value: TypedValue }

/** gdb's text for the value, cut at maxChars with "...". */
export function preview(v: TypedValue, memory: Memory, maxChars = 200, options: FormatOptions = {}): string {
  const text = formatValue(v, memory, options);
  return text.length > maxChars ? `${text.slice(0, Math.max(0, maxChars - 3))}...` : text;
}

/** The value whose children an expanded `v` shows: itself, or what a pointer to a struct, union or array points to. */
function expandable(v: TypedValue, memory: Memory): TypedValue | undefined {
  const s = strip(v.type);
  if (s.kind === 'struct' || s.kind === 'union' || s.kind === 'class' || s.kind === 'array') return v;
  if (s.kind !== 'pointer' || v.unavailable !== undefined) return undefined;
  const target = strip(s.target);
  if (target.kind !== 'struct' && target.kind !== 'union' && target.kind !== 'class' && target.kind !== 'array') return undefined;
  try {
    return deref(v, memory);
  } catch (e) {
    if (e instanceof ValueError) return undefined;
    throw e;
  }
}

/** How many children `v` has: members (named) and elements (indexed), for DAP's paging. */
export function childCounts(v: TypedValue, memory: Memory): { namedCount: number; indexedCount: number } {
  const e = expandable(v, memory);
  if (!e) return { namedCount: 0, indexedCount: 0 };
  const s = strip(e.type);
  if (s.kind === 'array') return { namedCount: 0, indexedCount: s.count ?? 0 };
  if (s.kind === 'struct' || s.kind === 'union' || s.kind === 'class') return { namedCount: s.incomplete ? 0 : s.members.length, indexedCount: 0 };
  return { namedCount: 0, indexedCount: 0 };
}

/** The children of `v`: members, or elements `[start]` to `[start + count - 1]` of an array. */
export function children(v: TypedValue, memory: Memory, start = 0, count?: number): Child[] {
  const e = expandable(v, memory);
  if (!e) return [];
  const s = strip(e.type);
  if (s.kind === 'array') {
    const total = s.count ?? 0;
    const end = Math.min(total, count === undefined ? total : start + count);
    const out: Child[] = [];
    for (let i = start; i < end; i++) out.push({ name: `[${i + s.lowerBound}]`, value: elementOf(e, BigInt(i + s.lowerBound), memory) });
    return out;
  }
  if (s.kind !== 'struct' && s.kind !== 'union' && s.kind !== 'class') return [];
  if (s.incomplete) return [];
  const members = membersOf(e);
  const end = Math.min(members.length, count === undefined ? members.length : start + count);
  return members.slice(start, end).map(({ name, value }) => {
    const kind = strip(value.type).kind;
    return { name: name ?? `<anonymous ${kind === 'class' ? 'struct' : kind}>`, value };
  });
}
