// The guest of `samsara bench --only chunks` (bench-chunks.ts): the Linux test guest on one hart
// with its CPU-bound /init (cpuwork), booted with a virtual clock, idle time skipped and a fixed
// entropy stream, so that every run of the bench measures the same instructions.

import * as fs from 'node:fs';
import { LinearClock } from '../emulator/clock';
import { boot } from '../emulator/loader/boot';
import { Machine, RunResult } from '../emulator/machine';
import { FileDisk } from './host-ports';

/** Steps booted before measuring: well into /init's CPU-bound thread. */
export const BOOT_STEPS = 100_000_000;
/** The parallel engine's largest chunk (EngineOptions.chunkSteps' default). */
export const CHUNK_STEPS = 40_000;

/** What a thread of the bench is made with (its workerData): its own copy of the booted machine. */
export interface ChunkBenchInit {
  mode: 'plain' | 'chunks';
  /** RAM, then the copy-on-write pools (Machine with `parallel`). */
  buffer: SharedArrayBuffer;
  ramSize: number;
  pool: { first: number; count: number };
  /** The hart's image (hart-image.ts). */
  hart: SharedArrayBuffer;
  /** The time the `time` CSR reads (nothing moves it). */
  mtime: number;
}

/** The guest booted to BOOT_STEPS (with copy-on-write pools, as the parallel recorder makes it). */
export function bootChunkGuest(kernel: string, disk: string): Machine {
  const clock = new LinearClock();
  let seed = 0x9e3779b9;
  const m = new Machine({
    harts: 1,
    memSize: 256 << 20,
    clock,
    parallel: true,
    builtinSbi: true,
    console: { write: () => {} },
    entropy: { fill: (b) => { for (let i = 0; i < b.length; i++) { seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5; b[i] = seed & 0xff; } } },
    drive: new FileDisk(disk, false),
  });
  boot(m, { kernel: fs.readFileSync(kernel), kernelName: kernel, bios: { kind: 'builtin' }, bootargs: 'console=ttyS0 cpuwork=100000' });
  runSteps(m, BOOT_STEPS);
  return m;
}

/** Run the machine `steps` steps (skipping idle time); returns the steps run. */
export function runSteps(m: Machine, steps: number): number {
  const end = m.steps + steps;
  while (m.steps < end) {
    const r = m.run(Math.min(2_000_000, end - m.steps));
    if (r === RunResult.Finished) throw new Error(`the guest stopped at step ${m.steps}: ${JSON.stringify(m.finished)}`);
    if (r !== RunResult.Idle) continue;
    const deadline = m.nextTimerDeadline();
    if (deadline === Infinity) throw new Error(`the guest waits for nothing at step ${m.steps}`);
    const clock = m.config.clock;
    if (!(clock instanceof LinearClock)) throw new Error('the bench guest runs on a LinearClock');
    clock.set(m.virtualTime, deadline);
  }
  return steps;
}
