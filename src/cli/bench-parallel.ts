// The parallel recording section of `samsara bench`: the same 2-hart workloads recorded with
// `--serial` and with `--parallel`, side by side in one run: wall-clock time, the conflict rate, and
// the log's size per million steps. Each recording is made by the CLI as a user makes it, in a child
// process, and read back with `samsara info`.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseRecording } from '../rr/format';
import { EventStats } from '../rr/stats';
import { median } from './bench-gdb';

export interface ParallelWorkload {
  name: string;
  /** `samsara record` arguments, without -o, --serial or --parallel. */
  args: string[];
}

interface Figures {
  seconds: number;
  steps: number;
  bytes: number;
  chunks: number;
  discarded: number;
  reexecuted: number;
}

const SAMSARA = path.resolve(__dirname, '../../bin/samsara.js');

function recordOnce(w: ParallelWorkload, mode: '--serial' | '--parallel', dir: string): Figures | string {
  const file = path.join(dir, `bench-${mode.slice(2)}.rec`);
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [SAMSARA, 'record', mode, '-o', file, ...w.args], { encoding: 'utf8', timeout: 600_000, maxBuffer: 64 << 20 });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  // (The guest's exit status is its own: the demo's oops powers off with 1.)
  if (!/samsara record: wrote /.test(r.stderr ?? '')) return `samsara record ${mode} failed (${r.status ?? r.signal}): ${(r.stderr ?? '').trim().split('\n').pop()}`;
  const data = fs.readFileSync(file);
  fs.rmSync(file);
  const stats = EventStats.of(parseRecording(data, file), file);
  const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
  return { seconds, steps: stats.steps, bytes: data.length, chunks: stats.chunks, discarded: sum(stats.discardedPerHart), reexecuted: sum(stats.reexecutedPerHart) };
}

/** Print the section: one block per workload. */
export function benchParallel(workloads: ParallelWorkload[], runs: number): void {
  console.log(`\nParallel recording (2 harts; ${os.availableParallelism()} host CPUs): samsara record --serial against --parallel, median of ${runs}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-bench-parallel-'));
  try {
    for (const w of workloads) {
      const got: Record<string, Figures[]> = { '--serial': [], '--parallel': [] };
      let failed: string | undefined;
      for (let i = 0; i < runs && !failed; i++) {
        for (const mode of ['--serial', '--parallel'] as const) {
          const f = recordOnce(w, mode, dir);
          if (typeof f === 'string') failed = f;
          else got[mode].push(f);
        }
      }
      if (failed) {
        console.log(`  ${w.name}: ${failed}`);
        continue;
      }
      const s = got['--serial'];
      const p = got['--parallel'];
      const perMillion = (fs: Figures[]): number => median(fs.map((f) => f.bytes / (f.steps / 1e6)));
      const serialS = median(s.map((f) => f.seconds));
      const parallelS = median(p.map((f) => f.seconds));
      const discarded = p.reduce((a, f) => a + f.discarded, 0);
      const tried = p.reduce((a, f) => a + f.chunks + f.discarded, 0);
      const rerun = p.reduce((a, f) => a + f.reexecuted, 0) / p.reduce((a, f) => a + f.steps, 0);
      console.log(`  ${w.name}`);
      console.log(`    wall time     serial ${serialS.toFixed(2)} s, parallel ${parallelS.toFixed(2)} s: parallel is ${(serialS / parallelS).toFixed(2)}x the serial speed`);
      console.log(`    conflicts     ${discarded} of ${tried} chunks discarded (${((100 * discarded) / Math.max(1, tried)).toFixed(2)}%), ${(100 * rerun).toFixed(2)}% of steps run again`);
      console.log(`    log size      serial ${perMillion(s).toFixed(0)} B, parallel ${perMillion(p).toFixed(0)} B per million steps (${(perMillion(p) / perMillion(s)).toFixed(2)}x)`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
