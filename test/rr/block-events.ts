// A block's events, decoded unchecked, for tests that look inside recordings (the tools read them
// checked, through src/rr/event-log.ts).

import { ByteReader } from '../../src/rr/codec';
import { Block, decodeEvent, Event, inflateBlock } from '../../src/rr/format';

export function decodeEvents(block: Block, name = 'recording'): { start: number; events: Event[] } {
  const r = new ByteReader(inflateBlock(block, name), `${name}: block ${block.sequence}`);
  const start = r.varint();
  const events: Event[] = [];
  while (!r.done) events.push(decodeEvent(r));
  return { start, events };
}
