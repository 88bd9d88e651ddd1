// A recording's snapshot, read and checked whole against the machine it is restored into before
// anything is changed (issue 12: a recording is a stranger's file). The layout (snapshot.ts):
//   varint n, n bytes of JSON { machine: MachineState, clock: { base, baseTime } }
//   varint count, then count times: varint page, PAGE_SIZE bytes
// The machine's state is checked by the emulator (Machine.checkState, beside each state's own
// fields); a problem becomes a FormatError naming the snapshot and the path to the field. Our own
// checkpoints are never checked: only a recording's snapshot comes from outside.

import { PAGE_SIZE } from '../emulator/bus';
import { LinearClock } from '../emulator/clock';
import { Machine, MachineState } from '../emulator/machine';
import { StateError } from '../emulator/state-check';
import { ByteReader, decodeJson, FormatError } from './codec';

/** A snapshot that passed every check: the states and where each RAM page's bytes are in the payload. */
export interface CheckedSnapshot {
  readonly machine: MachineState;
  readonly clock: { readonly base: number; readonly baseTime: number };
  /** Pages in increasing order, each with the offset of its PAGE_SIZE bytes in the payload. */
  readonly pages: readonly { readonly page: number; readonly offset: number }[];
}

/**
 * Read and check a snapshot's payload for `machine`: the JSON (its decoding, its fields, the hart
 * count, every device), the clock, then the RAM pages (numbers below the machine's page count, in
 * increasing order so that none comes twice, each whole) and nothing after them. Throws FormatError
 * `${name}: <path>: <problem>`; changes nothing.
 */
export function checkSnapshot(payload: Uint8Array, machine: Machine, name: string): CheckedSnapshot {
  const r = new ByteReader(payload, name);
  if (payload.length === 0) throw new FormatError(`${name}: empty`);
  const json = r.bytes();
  let s: unknown;
  try {
    s = decodeJson(new TextDecoder('utf-8', { fatal: true }).decode(json));
  } catch (e) {
    // JSON.parse's SyntaxError, a bad $big or $i32, invalid UTF-8, or nesting deeper than the stack.
    throw new FormatError(`${name}: the machine state is not valid (${oneLine(e)})`);
  }
  try {
    if (typeof s !== 'object' || s === null || Array.isArray(s)) throw new StateError(`expected an object, got ${Array.isArray(s) ? 'an array' : String(s)}`);
    const top = s as Record<string, unknown>;
    for (const k of Object.keys(top)) if (k !== 'machine' && k !== 'clock') throw new StateError(`${k}: not a field of a snapshot`);
    if (!('machine' in top)) throw new StateError('machine: missing');
    machine.checkState(top.machine);
    if (!('clock' in top)) throw new StateError('clock: missing');
    LinearClock.checkState(top.clock, 'clock');
    const pages = pageList(r, payload.length, machine.bus.pages, name);
    return { machine: top.machine, clock: top.clock, pages };
  } catch (e) {
    if (e instanceof StateError) throw new FormatError(`${name}: ${e.message}`);
    throw e;
  }
}

/** The RAM pages' numbers and offsets, checked; the payload must end with the last page. */
function pageList(r: ByteReader, end: number, pages: number, name: string): CheckedSnapshot['pages'] {
  const at = r.pos;
  const count = r.varint();
  const left = end - r.pos;
  // Each page takes at least PAGE_SIZE + 1 bytes: a count beyond that, or beyond RAM, is a lie.
  if (count > pages || count * (PAGE_SIZE + 1) > left) {
    throw new FormatError(`${name}: page count ${count} at byte ${at}: RAM has ${pages} pages and ${left} bytes follow`);
  }
  const out: { page: number; offset: number }[] = [];
  let last = -1;
  for (let i = 0; i < count; i++) {
    const where = r.pos;
    const page = r.varint();
    if (page >= pages) throw new FormatError(`${name}: page ${page} at byte ${where} lies beyond RAM (${pages} pages)`);
    if (page <= last) throw new FormatError(`${name}: page ${page} at byte ${where} is out of order (after page ${last})`);
    if (r.pos + PAGE_SIZE > end) throw new FormatError(`${name}: cut off inside RAM page ${page} (byte ${r.pos})`);
    out.push({ page, offset: r.pos });
    r.pos += PAGE_SIZE;
    last = page;
  }
  if (!r.done) throw new FormatError(`${name}: ${end - r.pos} bytes after the last RAM page (byte ${r.pos})`);
  return out;
}

function oneLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  // The parser's message may quote the input: keep it to one printable line.
  const line = text.split('\n')[0].replace(/[^\x20-\x7e]/g, '?');
  return line.length > 120 ? `${line.slice(0, 120)}...` : line;
}
