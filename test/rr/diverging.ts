// Recordings that replay to a divergence: a real recording with one event of a later block changed
// and every checksum recomputed (test/fuzz/recording-mutants.ts takes the file apart and puts it
// together), so that the file is well formed and the lie is found only by replaying it.

import { ByteReader, ByteWriter } from '../../src/rr/codec';
import { BlockKind, decodeEvent, encodeEvent, Event, EventKind } from '../../src/rr/format';
import { putTogether, takeApart } from '../fuzz/recording-mutants';

export interface Diverging {
  bytes: Uint8Array;
  /** The changed block's start position: where the last digest before the change matched. */
  blockStart: number;
  /** What was changed, in words. */
  what: string;
}

/**
 * `data` with one event of events block `block` (its index among the file's blocks; 0 is the
 * snapshot) changed by `change`, which gets the block's events and returns the index it changed and
 * how (or throws if the block has nothing for it to change).
 */
export function changeEvent(data: Uint8Array, block: number, change: (events: Event[]) => string): Diverging {
  const parts = takeApart(data);
  const b = parts.blocks[block];
  if (!b || b.kind !== BlockKind.Events) throw new Error(`block ${block} is not an events block`);
  const r = new ByteReader(b.payload, `block ${block}`);
  const blockStart = r.varint();
  const events: Event[] = [];
  while (!r.done) events.push(decodeEvent(r));
  const what = change(events);
  const w = new ByteWriter();
  w.varint(blockStart);
  for (const e of events) encodeEvent(w, e);
  parts.blocks[block] = { kind: b.kind, payload: w.take() };
  return { bytes: putTogether(parts), blockStart, what };
}

/** The middle chunk of events block `block` given to the other hart (of two): the harts' states part there. */
export function swapChunkHart(data: Uint8Array, block: number): Diverging {
  return changeEvent(data, block, (events) => {
    const chunks = events.flatMap((e, i) => (e.kind === EventKind.Chunk && e.steps > 0 ? [i] : []));
    const i = chunks[chunks.length >> 1];
    const e = events[i];
    if (i === undefined || e.kind !== EventKind.Chunk) throw new Error(`block ${block} has no chunk`);
    e.hart ^= 1;
    return `chunk ${i} of block ${block} (${e.steps} steps) given to hart ${e.hart}`;
  });
}
