// The event checks that bound a turn's events by its steps (src/rr/validate.ts, issue 12): a turn
// takes at least one step, and at most one trap per step besides an interrupt as it begins.

import { describe, expect, it } from 'vitest';
import { Event, EventKind, RecordingHeader } from '../../src/rr/format';
import { EventChecker } from '../../src/rr/validate';

const HEADER: RecordingHeader = {
  samsara: 'test', created: '', command: 'test', bootargs: '', images: [],
  machine: { harts: 2, memSize: 2 ** 20, builtinSbi: true, entropy: false },
};

const trap = (position: number, hart = 0, interrupt = false): Event => ({ kind: EventKind.Trap, position, hart, cause: interrupt ? 5 : 8, interrupt });
const chunk = (steps: number, hart = 0): Event => ({ kind: EventKind.Chunk, hart, steps });

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
    const events = Array.from({ length: 2 ** 20 + 2 }, () => trap(100));
    expect(check(events)).toMatch(/^rec: block 1, byte 1048577: a trap event, but its turn has taken 1048577 traps already/);
  });

  it('counts a turn\'s traps across blocks', () => {
    const c = new EventChecker(HEADER, 'rec', 0);
    c.beginBlock(1, 0);
    // A block's events lie within its turns: the ones after its last chunk at its end.
    for (const e of [trap(0, 0, true), trap(0), trap(0)]) c.check(e, 0);
    c.endBlock();
    c.beginBlock(2, 0);
    c.check(trap(1), 7);
    expect(() => c.check(chunk(2), 8)).toThrow(/block 2, byte 8: the chunk event's steps is 2: must be at least 3: the turn took 4 traps/);
  });
});
