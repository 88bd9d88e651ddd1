// The event checks that bound a turn's events by its steps (src/rr/validate.ts, issue 12): a turn
// takes at least one step, and at most one trap per step besides an interrupt as it begins.

import { describe, expect, it } from 'vitest';
import { Event, EventKind, RecordingHeader } from '../../src/rr/format';
import { EventChecker } from '../../src/rr/validate';

const HEADER: RecordingHeader = {
  samsara: 'test', created: '', command: 'test', bootargs: '', images: [],
  machine: { harts: 2, memSize: 2 ** 20, builtinSbi: true, entropy: false, drive: { size: 2 ** 20, readOnly: true } },
};

const trap = (position: number, hart = 0, interrupt = false): Event => ({ kind: EventKind.Trap, position, hart, cause: interrupt ? 5 : 8, interrupt });
const chunk = (steps: number, hart = 0): Event => ({ kind: EventKind.Chunk, hart, steps });
const input = (position: number): Event => ({ kind: EventKind.Input, position, data: Uint8Array.of(0x61) });
const digest = (position: number): Event => ({ kind: EventKind.Digest, position, digest: 1 });
const read = (position: number, bytes = 1): Event => ({ kind: EventKind.BlockRead, position, offset: 0, data: new Uint8Array(bytes) });
const conflicts = (position: number, hart: number): Event => ({ kind: EventKind.Conflicts, position, hart, discarded: 1, reexecuted: 10 });

/** Check the events as one block starting at position 100; the error's message, if any. */
function check(events: Event[]): string | undefined {
  const c = new EventChecker(HEADER, 'rec', 100);
  try {
    c.beginBlock(1, 100);
    events.forEach((e, i) => c.check(e, i));
    c.endBlock();
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

describe('a turn is bounded by its steps', () => {
  it('takes an interrupt as it begins and one trap per step: steps + 1 traps pass', () => {
    expect(check([trap(100, 0, true), trap(100), trap(101), chunk(2), trap(102, 1, true), chunk(1, 1)])).toBeUndefined();
  });

  it('refuses steps + 2 traps in a turn, naming the chunk', () => {
    expect(check([trap(100, 0, true), trap(100), trap(101), trap(101), chunk(2)]))
      .toBe('rec: block 1, byte 4: the chunk event\'s steps is 2: must be at least 3: the turn took 4 traps, at most one per step and one as it began');
  });

  it('refuses a chunk of no steps', () => {
    expect(check([chunk(1), chunk(0, 1)])).toBe('rec: block 1, byte 1: the chunk event\'s steps is 0: must be at least 1: a turn takes a step (the recorder writes no empty turn)');
  });

  it('refuses the trap past the most a turn can take (2^20 + 1), before any chunk', () => {
    const events = Array.from({ length: 2 ** 20 + 2 }, (_, i) => trap(100 + (i >> 1)));
    expect(check(events)).toMatch(/^rec: block 1, byte 1048577: a trap event, but its turn has taken 1048577 traps already/);
  });

  it('refuses a ninth trap at one position', () => {
    expect(check(Array.from({ length: 9 }, () => trap(100)))).toBe('rec: block 1, byte 8: a trap event, but 8 traps are at position 100 already: steps there take three at most');
  });

  it('counts a turn\'s traps across blocks', () => {
    const c = new EventChecker(HEADER, 'rec', 0);
    c.beginBlock(1, 0);
    // A block's events lie within its turns: the ones after its last chunk at its end. (A block
    // that runs no turn carries console input.)
    for (const e of [input(0), trap(0, 0, true), trap(0), trap(0)]) c.check(e, 0);
    c.endBlock();
    c.beginBlock(2, 0);
    c.check(trap(1), 7);
    expect(() => c.check(chunk(2), 8)).toThrow(/block 2, byte 8: the chunk event's steps is 2: must be at least 3: the turn took 4 traps/);
  });
});

// What a block holds at one position is bounded too, so that no event a reader decodes is free of a
// step, a turn, or a block of its own (issue 12: storms of cheap events at one position).
describe('a position is bounded in what it holds', () => {
  it('takes one of each event logged between turns, in a block, and one conflicts event a hart', () => {
    expect(check([input(100), digest(100), conflicts(100, 0), conflicts(100, 1), chunk(1), input(101), digest(101), chunk(1)])).toBeUndefined();
    expect(check([input(100), digest(100), digest(100), chunk(1)])).toBe('rec: block 1, byte 2: a digest event, but the block has one at position 100 already: the recorder logs one at most');
    expect(check([input(100), input(100), chunk(1)])).toBe('rec: block 1, byte 1: an input event, but the block has one at position 100 already: the recorder logs one at most');
    expect(check([conflicts(100, 1), conflicts(100, 1), chunk(1)])).toBe('rec: block 1, byte 1: a conflicts event, but the block has one for hart 1 at position 100 already: the recorder logs one at most');
  });

  it('counts them again in the next block (idle blocks that carry input)', () => {
    const c = new EventChecker(HEADER, 'rec', 0);
    for (const sequence of [1, 2, 3]) {
      c.beginBlock(sequence, 0);
      c.check(input(0), 0);
      c.check(digest(0), 1);
      c.endBlock();
    }
  });

  it('refuses a block that runs no turn and carries no input', () => {
    const c = new EventChecker(HEADER, 'rec', 0);
    c.beginBlock(1, 0);
    c.check({ kind: EventKind.Clock, position: 0, mtime: 10 }, 0);
    c.check(digest(0), 1);
    expect(() => c.endBlock()).toThrow('rec: block 1: the block runs no turn and carries no console input: the recorder writes no such block');
  });

  it('takes 1,024 device reads at a position, not 1,025, and no read of no bytes', () => {
    const reads = Array.from({ length: 1024 }, () => read(100));
    expect(check([...reads, chunk(1)])).toBeUndefined();
    expect(check([...reads, read(100)])).toBe('rec: block 1, byte 1024: a block read event, but 1024 device reads are at position 100 already: more than a step can make');
    expect(check([...reads, read(101), chunk(2)])).toBeUndefined();
    expect(check([read(100, 0), chunk(1)])).toBe('rec: block 1, byte 0: a block read event, but it carries no bytes: the recorder logs no empty read');
  });
});
