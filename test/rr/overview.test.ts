// The timeline view's overview of a recording against the recording's own statistics: every step
// of every hart, and every event, lands in exactly one bucket.

import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseRecording } from '../../src/rr/format';
import { overview } from '../../src/rr/overview';
import { EventStats } from '../../src/rr/stats';
import { sharedRecording } from '../cli/recordings';

describe('recording overview', () => {
  it('buckets hold every hart\'s steps and every interrupt, system call and input of the recording', () => {
    // The demo recording the gdb and debug adapter tests use too (made once per test run).
    const recording = parseRecording(fs.readFileSync(sharedRecording().file));
    const stats = EventStats.of(recording);
    const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
    for (const buckets of [1, 7, 512]) {
      const o = overview(recording, buckets);
      expect(o.steps.length).toBe(2);
      expect(o.interrupts.length).toBeLessThanOrEqual(buckets);
      expect(o.end - o.start).toBe(stats.steps);
      expect(o.steps.map(sum)).toEqual(stats.stepsPerHart);
      expect(sum(o.interrupts)).toBe(stats.interrupts);
      expect(sum(o.syscalls)).toBe(stats.syscalls);
      expect(sum(o.inputs)).toBe(stats.inputEvents + stats.entropyReads + stats.blockReads);
      // No bucket holds more steps than its size.
      for (let b = 0; b < o.interrupts.length; b++) expect(o.steps[0][b] + o.steps[1][b]).toBeLessThanOrEqual(o.bucketSize);
    }
  });
});
