// Record/replay figures for `samsara bench`: recording overhead against a plain run of the same
// work, replay speed, log size, and seek and step-back latency at random positions.

import * as fs from 'node:fs';
import { LinearClock } from '../emulator/clock';
import { boot } from '../emulator/loader/boot';
import { Machine, RunResult } from '../emulator/machine';
import { parseRecording, ParsedRecording } from '../rr/format';
import { RecordingTaps } from '../rr/recorder';
import { Replayer } from '../rr/replayer';
import { Session } from '../rr/session';
import { Timeline } from '../rr/timeline';
import { median, p99 } from './bench-gdb';

export interface RrGuest {
  name: string;
  kernel: string;
  harts: number;
  bootargs: string;
  drive?: Uint8Array;
}

/**
 * Run the guest to its end with a virtual clock (so that a plain run and a recording do the same
 * work: the entropy is fixed too), recording or not. Returns the seconds taken and the recording.
 */
function runOnce(g: RrGuest, record: boolean): { seconds: number; steps: number; recording?: Uint8Array } {
  const clock = new LinearClock();
  const taps = new RecordingTaps();
  const disk = g.drive;
  const machine = new Machine({
    harts: g.harts, memSize: 256 << 20, clock, builtinSbi: true, console: { write: () => {} },
    entropy: taps.entropy({ fill: (b) => b.fill(0x5a) }),
    drive: disk && taps.block({ size: disk.length, readOnly: true, read: (off, buf) => buf.set(disk.subarray(off, off + buf.length)), write: () => {} }),
  });
  boot(machine, { kernel: fs.readFileSync(g.kernel), kernelName: g.kernel, bios: { kind: 'builtin' }, bootargs: g.bootargs });
  const session = new Session(machine, clock, taps);
  const chunks: Uint8Array[] = [];
  const t0 = process.hrtime.bigint();
  if (record) {
    session.startRecording({ write: (b) => chunks.push(b.slice()) }, {
      samsara: 'bench', created: '', command: 'bench', bootargs: g.bootargs, images: [],
      machine: { harts: g.harts, memSize: 256 << 20, builtinSbi: true, entropy: true, drive: disk && { size: disk.length, readOnly: true } },
    });
  }
  for (;;) {
    const r = session.run(2_000_000);
    if (r === RunResult.Finished) break;
    if (r === RunResult.Idle) {
      const d = machine.nextTimerDeadline();
      if (d === Infinity) break;
      session.setClock(d);
    }
  }
  session.stopRecording('poweroff');
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { seconds, steps: machine.steps, recording: record ? Buffer.concat(chunks) : undefined };
}

const ms = (s: number): string => `${(s * 1000).toFixed(1)} ms`;

function time(fn: () => void): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

/** Record the guest once, for benchmarks of what reads recordings. */
export function recordGuest(g: RrGuest): ParsedRecording {
  return parseRecording(runOnce(g, true).recording!);
}

/** Returns the last recording made, for further benchmarks. */
export function benchRecordReplay(g: RrGuest, runs: number): ParsedRecording {
  const plain: number[] = [];
  const rec: number[] = [];
  let recording: Uint8Array | undefined;
  let steps = 0;
  for (let i = 0; i < runs; i++) {
    plain.push(runOnce(g, false).seconds);
    const r = runOnce(g, true);
    rec.push(r.seconds);
    recording = r.recording;
    steps = r.steps;
  }
  const parsed: ParsedRecording = parseRecording(recording!);
  const replay: number[] = [];
  for (let i = 0; i < runs; i++) replay.push(time(() => new Replayer(parsed, { write: () => {} }).runTo()));
  const recordS = median(rec);
  console.log(`${g.name} record/replay: ${(steps / 1e6).toFixed(1)} M steps; run ${median(plain).toFixed(3)} s, record ${recordS.toFixed(3)} s ` +
    `(record/run = ${(recordS / median(plain)).toFixed(2)}, target <= 1.10), replay ${median(replay).toFixed(3)} s (replay/record = ${(median(replay) / recordS).toFixed(2)}); ` +
    `log ${recording!.length} bytes = ${(recording!.length / (steps / 1e6)).toFixed(0)} bytes per million instructions`);

  // Seek and step-back latency at random positions, after one pass has laid down checkpoints.
  const tl = new Timeline(parsed);
  tl.seek(tl.end);
  let seed = 42;
  const random = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const seeks: number[] = [];
  const backs: number[] = [];
  for (let i = 0; i < 100; i++) {
    const p = tl.start + 1 + Math.floor(random() * (tl.end - tl.start - 1));
    seeks.push(time(() => tl.seek(p)));
    const hart = tl.hartAt(p - 1) ?? 0;
    backs.push(time(() => tl.stepBackward(hart)));
  }
  console.log(`${g.name} timeline: seek median ${ms(median(seeks))}, p99 ${ms(p99(seeks))}; ` +
    `step back median ${ms(median(backs))}, p99 ${ms(p99(backs))} (target p99 < 100 ms); ` +
    `${tl.checkpointCount} checkpoints, ${(tl.checkpointBytes / 2 ** 20).toFixed(0)} MiB`);
  return parsed;
}
