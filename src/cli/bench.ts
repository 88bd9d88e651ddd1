// `samsara bench`: speed figures for the machine, beside QEMU's time for the same work. Benchmarks
// are not tests: they print numbers and assert nothing.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Bios, boot } from '../emulator/loader/boot';
import { Machine, RunResult } from '../emulator/machine';
import { LinearClock } from '../emulator/clock';

export const BENCH_HELP = `usage: samsara bench [--runs N]

Print guest instructions per second (wall and per CPU-second) for each guest present in guests/,
and the same programs' wall time on qemu-system-riscv64 as a ratio, median of N runs (default 3).
`;

const ROOT = path.resolve(__dirname, '../..');

interface Guest {
  name: string;
  image: string;
  bios: Bios;
  harts: number;
  /** The same run on QEMU, if QEMU can do the same work. */
  qemu?: string[];
}

function guests(): Guest[] {
  const list: Guest[] = [];
  const loop = path.join(ROOT, 'guests/bench/loop.elf');
  if (fs.existsSync(loop)) {
    list.push({ name: 'loop (CPU-bound, 1 hart)', image: loop, bios: { kind: 'none' }, harts: 1, qemu: ['-M', 'virt', '-bios', 'none', '-nographic', '-kernel', loop] });
  }
  const demo = path.join(ROOT, 'guests/demo/demo.elf');
  if (fs.existsSync(demo)) {
    list.push({ name: 'demo kernel (2 harts)', image: demo, bios: { kind: 'builtin' }, harts: 2 });
  }
  return list;
}

interface Measurement {
  instructions: number;
  wall: number;
  cpu: number;
  rss: number;
}

function measure(g: Guest): Measurement {
  const clock = new LinearClock();
  const out: Uint8Array[] = [];
  const machine = new Machine({ harts: g.harts, memSize: 256 << 20, clock, console: { write: (b) => out.push(b.slice()) }, builtinSbi: g.bios.kind === 'builtin' });
  boot(machine, { kernel: fs.readFileSync(g.image), kernelName: g.image, bios: g.bios, bootargs: '' });
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (;;) {
    const r = machine.run(50_000_000);
    if (r === RunResult.Finished) break;
    if (r === RunResult.Idle) {
      const d = machine.nextTimerDeadline();
      if (d === Infinity) break;
      clock.set(machine.virtualTime, d);
    }
  }
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(cpu0);
  return { instructions: machine.steps, wall, cpu: (c.user + c.system) / 1e6, rss: process.memoryUsage().rss };
}

function qemuSeconds(args: string[]): number | undefined {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('qemu-system-riscv64', args, { stdio: ['ignore', 'ignore', 'ignore'], timeout: 300_000 });
  if (r.error || r.status !== 0) return undefined;
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function benchCommand(args: string[]): Promise<number> {
  const runsArg = args.indexOf('--runs');
  const runs = runsArg >= 0 ? Math.max(1, Number(args[runsArg + 1]) || 3) : 3;
  console.log(`samsara bench: median of ${runs} runs; node ${process.version}`);
  for (const g of guests()) {
    const ms: Measurement[] = [];
    for (let i = 0; i < runs; i++) ms.push(measure(g));
    const insns = ms[0].instructions;
    const wall = median(ms.map((m) => m.wall));
    const cpu = median(ms.map((m) => m.cpu));
    const rssMb = Math.max(...ms.map((m) => m.rss)) / 2 ** 20;
    let line = `${g.name}: ${(insns / 1e6).toFixed(1)} M instructions, ${wall.toFixed(3)} s wall, ` +
      `${(insns / wall / 1e6).toFixed(1)} MIPS, ${(insns / cpu / 1e6).toFixed(1)} MIPS per CPU-second, RSS ${rssMb.toFixed(0)} MB (guest RAM 256 MB, mostly untouched)`;
    if (g.qemu) {
      const qs = [];
      for (let i = 0; i < runs; i++) {
        const s = qemuSeconds(g.qemu);
        if (s !== undefined) qs.push(s);
      }
      line += qs.length ? `; qemu-system-riscv64 (TCG) ${median(qs).toFixed(3)} s wall, ours/QEMU = ${(wall / median(qs)).toFixed(1)}x` : '; QEMU not available';
    }
    console.log(line);
  }
  return 0;
}
