// The timeline on recordings that replay to a divergence (issue 12): the shared demo recording with
// one chunk of a later block given to the other hart, or its final memory digest changed, every
// checksum right. Where replay diverges, the timeline ends at the last state the recording vouches
// for: checkpoints past it are gone, every motion that would go past it stops there, and motions
// within the good prefix land on exactly the states a clean replay reaches.

import * as fs from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Machine } from '../../src/emulator/machine';
import { EventKind, parseRecording, ParsedRecording } from '../../src/rr/format';
import { decodeEvents } from './block-events';
import { hartsDigest, memoryDigest } from '../../src/rr/snapshot';
import { Timeline } from '../../src/rr/timeline';
import { sharedRecording } from '../cli/recordings';
import { changeEvent, Diverging, swapChunkHart } from './diverging';

/** The events block whose middle chunk goes to the other hart (of 26, about 18 million steps in). */
const BLOCK = 10;

let clean: ParsedRecording;
let swapped: Diverging;
let endLie: Diverging;
/** The position of the last harts' digest before the final one (the recording's last two blocks begin there). */
let digestBeforeEnd = 0;

function state(m: Machine): string {
  return `${hartsDigest(m)}:${memoryDigest(m)}`;
}

/** A timeline that takes checkpoints often (every 500,000 steps), so that some lie past the limit. */
const timeline = (r: ParsedRecording): Timeline => new Timeline(r, { write: () => {} }, { interval: 500_000 }, 'diverging.rec');

beforeAll(() => {
  const data = fs.readFileSync(sharedRecording().file);
  clean = parseRecording(data);
  swapped = swapChunkHart(data, BLOCK);
  const last = clean.blocks.length - 1;
  endLie = changeEvent(data, last, (events) => {
    const end = events.find((e) => e.kind === EventKind.End);
    if (end?.kind !== EventKind.End) throw new Error('the last block has no End event');
    end.memoryDigest ^= 1;
    return 'the End event\'s memory digest';
  });
  // The recorder ends each block with a digest: the block before the last one begins at the last digest
  // before the end's (the last block holds only the end's digest and the End event, at the end).
  digestBeforeEnd = decodeEvents(clean.blocks[last - 1]).start;
}, 120_000);

describe('a timeline whose replay diverges', () => {
  it('ends at the start of the changed block: checkpoints past it are dropped, and continue, step and seek stop there', () => {
    const tl = timeline(parseRecording(swapped.bytes));
    const limit = swapped.blockStart;
    // Into the changed block, before its changed chunk: checkpoints are taken past the limit.
    tl.seek(limit + 600_000);
    expect(tl.divergence).toBeUndefined();
    expect(tl.checkpointPositions().some((p) => p > limit), `checkpoints ${tl.checkpointPositions().join(' ')}`).toBe(true);

    const r = tl.continueForward();
    expect(r.kind).toBe('diverged');
    const d = tl.divergence!;
    expect(d.limit).toBe(limit);
    expect(d.position).toBeGreaterThan(limit);
    expect(d.message).toMatch(new RegExp(`^diverging\\.rec: replay diverged at position ${d.position} \\(.*\\): .*; replay stops at position ${limit}, the last state the recording vouches for$`));
    expect(tl.position).toBe(limit);
    expect(tl.checkpointPositions().every((p) => p <= limit), `checkpoints ${tl.checkpointPositions().join(' ')}`).toBe(true);

    // At the limit: the state a clean replay has there (the turn that begins there not entered).
    const ref = timeline(clean);
    ref.seek(limit, false);
    expect(state(tl.machine)).toBe(state(ref.machine));

    // Every motion past it stops there, and says why.
    expect(tl.continueForward().kind).toBe('diverged');
    expect(tl.stepForward(0).kind).toBe('diverged');
    expect(tl.stepForward(1).kind).toBe('diverged');
    tl.seek(tl.end);
    expect(tl.position).toBe(limit);
    tl.seek(d.position + 10);
    expect(tl.position).toBe(limit);
    expect(tl.checkpointPositions().every((p) => p <= limit)).toBe(true);
    expect(state(tl.machine)).toBe(state(ref.machine));
  });

  it('within the good prefix, motions work and land on the states of a clean replay', () => {
    const tl = timeline(parseRecording(swapped.bytes));
    const ref = timeline(clean);
    const limit = swapped.blockStart;
    tl.seek(tl.end);
    expect(tl.divergence?.limit).toBe(limit);
    // Backward from the limit: a step of each hart, as a clean replay has it.
    for (const h of [0, 1]) {
      tl.seek(limit, false);
      ref.seek(limit, false);
      expect(tl.stepBackward(h)).toEqual(ref.stepBackward(h));
      expect(tl.position).toBe(ref.position);
      expect(state(tl.machine)).toBe(state(ref.machine));
    }
    for (const p of [limit - 1, limit - 777_777, Math.floor(limit / 3), tl.start]) {
      tl.seek(p);
      ref.seek(p);
      expect(tl.position).toBe(p);
      expect(state(tl.machine), `position ${p}`).toBe(state(ref.machine));
    }
    // Forward again from inside the prefix: a continue stops at the limit, not past it.
    tl.seek(limit - 1_000_000);
    expect(tl.continueForward()).toMatchObject({ kind: 'diverged', divergence: { limit } });
    expect(tl.position).toBe(limit);
    // A backward continue from the limit to the start.
    expect(tl.continueBackward().kind).toBe('start');
    expect(tl.position).toBe(tl.start);
  });

  it('a check that fails where the last digest matched (the end\'s memory digest) ends it at the digest before', () => {
    const tl = timeline(parseRecording(endLie.bytes));
    expect(tl.continueForward().kind).toBe('diverged');
    // The harts' digest at the end matched, but memory there is wrong: the end is not vouched for.
    expect(tl.divergence!.position).toBe(tl.end);
    expect(tl.divergence!.limit).toBe(digestBeforeEnd);
    expect(digestBeforeEnd).toBeLessThan(tl.end);
    expect(tl.position).toBe(digestBeforeEnd);
    expect(tl.checkpointPositions().every((p) => p <= digestBeforeEnd)).toBe(true);
    expect(tl.stepForward(0).kind).toBe('diverged');
    expect(tl.position).toBe(digestBeforeEnd);
  });
});
