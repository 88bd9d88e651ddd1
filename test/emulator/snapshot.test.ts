// A machine restored from a snapshot (state plus RAM) continues exactly as the original did.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LinearClock } from '../../src/emulator/clock';
import { boot } from '../../src/emulator/loader/boot';
import { Machine, RunResult } from '../../src/emulator/machine';

const DEMO = path.resolve(__dirname, '../../guests/demo/demo.elf');

function demoMachine(out: number[]): { machine: Machine; clock: LinearClock } {
  const clock = new LinearClock();
  const machine = new Machine({
    harts: 2, memSize: 64 << 20, clock, builtinSbi: true,
    console: { write: (b) => out.push(...b) },
    entropy: { fill: (buf) => buf.fill(7) },
  });
  boot(machine, { kernel: fs.readFileSync(DEMO), kernelName: 'demo.elf', bios: { kind: 'builtin' }, bootargs: '' });
  return { machine, clock };
}

/** Run to a position, skipping idle time as a virtual clock does. */
function runFor(m: Machine, clock: LinearClock, steps: number): void {
  const end = m.steps + steps;
  while (m.steps < end) {
    const r = m.run(end - m.steps);
    if (r === RunResult.Finished) return;
    if (r === RunResult.Idle) clock.set(m.virtualTime, m.nextTimerDeadline());
  }
}

function fingerprint(m: Machine): string {
  return JSON.stringify(m.snapshotState(), (_k, v) => (typeof v === 'bigint' ? `${v}n` : ArrayBuffer.isView(v) ? Array.from(v as Int32Array) : v));
}

describe('machine snapshots', () => {
  it('a restored machine repeats the original run: console output, state and RAM', () => {
    const outA: number[] = [];
    const a = demoMachine(outA);
    runFor(a.machine, a.clock, 1_000_000);
    const state = a.machine.snapshotState();
    const ram = a.machine.bus.ram.slice();
    const clockState = a.clock.snapshot();
    const mark = outA.length;
    runFor(a.machine, a.clock, 80_000_000);
    const tailA = outA.slice(mark);

    const outB: number[] = [];
    const b = demoMachine(outB);
    b.machine.restoreState(structuredClone(state));
    b.machine.bus.ram.set(ram);
    b.clock.restore(clockState);
    runFor(b.machine, b.clock, 80_000_000);

    expect(tailA.length).toBeGreaterThan(0);
    expect(Buffer.from(outB).toString()).toBe(Buffer.from(tailA).toString());
    expect(fingerprint(b.machine)).toBe(fingerprint(a.machine));
    expect(Buffer.compare(Buffer.from(b.machine.bus.ram), Buffer.from(a.machine.bus.ram))).toBe(0);
  });
});
