// `samsara bench`: speed figures for the machine, beside QEMU's time for the same work. Benchmarks
// are not tests: they print numbers and assert nothing.

import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Bios, boot } from '../emulator/loader/boot';
import { Machine, RunResult } from '../emulator/machine';
import { LinearClock } from '../emulator/clock';
import { parseElf } from '../elf/elf';
import { benchChunks } from './bench-chunks';
import { benchDap } from './bench-dap';
import { benchVarsDistro } from './bench-vars-distro';
import { benchVars, recordFile } from './bench-vars';
import { benchGdb, median, Span } from './bench-gdb';
import { benchGdbQemu } from './bench-gdb-qemu';
import { benchParallel, ParallelWorkload } from './bench-parallel';
import { benchRecordReplay, recordGuest } from './bench-rr';
import { findLinuxGuest as linuxGuest, LinuxGuest } from './linux-guest';
import { FileDisk, HostEntropy, HostTime } from './host-ports';

export const BENCH_HELP = `usage: samsara bench [--runs N] [--only SECTION]...

Print speed figures, median of N runs (default 3), beside QEMU's for the same work where QEMU can
do it. Sections (all by default; --only may be given more than once):
  cpu    guest instructions per second (wall and per CPU-second) for each guest in guests/, and
         the same programs' wall time on qemu-system-riscv64 as a ratio
  linux  boot the Linux test guest on 1 and 2 harts, here and on QEMU: instructions and wall time
         to /init's banner and to power-off
  rr     recording overhead, replay speed, log size, seek and step-back latency (demo and Linux)
  parallel  record the same 2-hart workloads with --serial and with --parallel: wall time, the
         conflict rate, log size per million steps (the demo; the Linux boot; Linux with /init
         running a CPU-bound thread per hart, cpuwork=20)
  chunks what running a hart in chunks (as the parallel recorder's workers do) costs the
         interpreter, against plain turns, on the same instructions (the Linux guest's CPU-bound
         /init, no interrupts): each way in a thread of its own, taking turns, N+1 rounds of
         10M steps, the first not counted (at least 3)
  gdb    the gdb stub on Linux recordings: reverse-stepi latency over the remote protocol and
         through gdb-multiarch with vmlinux, and
         reverse-continues back to start_kernel from kernel_power_off and from console_on_rootfs,
         against continues across the same spans; on 1 hart also QEMU's stub replaying its own
         recording (-icount rr=..., which needs qemu-img from Debian's qemu-utils)
  dap    the debug adapter on Linux recordings with vmlinux: Step Over and Step Back (by source
         line) at stops spread over the recording
  vars   the program's data: \`samsara dap\` (a child process, over DAP) on a Linux recording (2
         harts) with vmlinux, from spawn to the first stop in do_sys_openat2 with its Arguments and
         Locals; scopes + variables at 100 stops over the recording, new unit and cached unit; the
         adapter's RSS; beside gdb-multiarch's \`info line\`, and its break + continue + info locals
         through \`samsara gdbserver\` on the same recording
  vars-distro  the same on Debian's distribution kernel (DWARF 5 vmlinux) booting a busybox
         initramfs; skipped unless scripts/fetch-distro-kernel has fetched and prepared it
The Linux sections need the guest built by guests/linux/build.sh (its manifest is
\${SAMSARA_CACHE:-~/.cache/samsara}/linux/latest.env).
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


function benchGuests(runs: number): void {
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
}

// ---- the Linux guest ----

/** The kernel command line for both machines (plain earlycon finds the UART through stdout-path). */
const LINUX_APPEND = 'console=ttyS0 earlycon';
/** The first line /init prints (guests/linux/init.c). */
const LINUX_BANNER = 'samsara-init: hello';
/** Steps between re-basing mtime to the host's clock, as `samsara run` (src/cli/run.ts). */
const LINUX_SLICE = 2_000_000;
/** Give up on a boot after this long (a boot takes 2-5 s here). */
const LINUX_TIMEOUT_S = 300;

/** Instructions (all harts) and seconds since the start, at the banner and at power-off. */
interface LinuxMeasurement {
  bannerSteps: number;
  bannerWall: number;
  steps: number;
  wall: number;
  rss: number;
}

/** Watches console output for a string that may be split across writes. */
class Watch {
  private tail = '';
  constructor(private readonly text: string) {}
  /** Whether the text has appeared, counting these bytes. */
  feed(bytes: Uint8Array): boolean {
    this.tail = (this.tail + Buffer.from(bytes).toString('latin1')).slice(-(this.text.length + 256));
    return this.tail.includes(this.text);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Boot the Linux guest in this process as `samsara run` does with its default host clock: mtime is
 * linear in execution and moved up to the host's time between slices and while every hart is idle
 * (src/cli/run.ts drive()), so the guest's timeouts behave as in a real run. Console output is
 * watched, not printed.
 */
async function measureLinux(g: LinuxGuest, harts: number): Promise<LinuxMeasurement | string> {
  const kernel = fs.readFileSync(g.image);
  const disk = new FileDisk(g.disk, false);
  const t0 = process.hrtime.bigint();
  const seconds = (): number => Number(process.hrtime.bigint() - t0) / 1e9;
  const host = new HostTime();
  const clock = new LinearClock();
  const watch = new Watch(LINUX_BANNER);
  let banner: { steps: number; wall: number } | undefined;
  const machine: Machine = new Machine({
    harts,
    memSize: 256 << 20,
    clock,
    console: {
      write: (b) => {
        if (!banner && watch.feed(b)) banner = { steps: machine.position, wall: seconds() };
      },
    },
    entropy: new HostEntropy(),
    drive: disk,
    builtinSbi: true,
  });
  try {
    boot(machine, { kernel, kernelName: g.image, bios: { kind: 'builtin' }, bootargs: LINUX_APPEND });
    for (;;) {
      clock.set(machine.virtualTime, host.ticks());
      const r = machine.run(LINUX_SLICE);
      if (r === RunResult.Finished) break;
      if (seconds() > LINUX_TIMEOUT_S) return `no power-off after ${LINUX_TIMEOUT_S} s (${machine.steps} instructions)`;
      if (r === RunResult.Idle) {
        const d = machine.nextTimerDeadline();
        await sleep(d === Infinity ? 50 : Math.min(50, Math.max(0, (d - host.ticks()) / 10_000)));
      } else {
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  } finally {
    disk.close();
  }
  const wall = seconds();
  const f = machine.finished!;
  if (f.kind !== 'poweroff' || f.code !== 0) return `the guest stopped with ${f.kind === 'poweroff' ? `power-off code ${f.code}` : f.kind === 'fatal' ? `a fatal error: ${f.message}` : 'a reset'}`;
  if (!banner) return `no "${LINUX_BANNER}" on the console before power-off`;
  return { bannerSteps: banner.steps, bannerWall: banner.wall, steps: machine.steps, wall, rss: process.memoryUsage().rss };
}

function qemuLinuxArgs(g: LinuxGuest, harts: number): string[] {
  return [
    '-M', 'virt', '-smp', String(harts), '-m', '256M', '-nographic', '-bios', 'default',
    '-kernel', g.image, '-append', LINUX_APPEND,
    '-drive', `file=${g.disk},format=raw,if=none,id=d0,readonly=on`,
    '-device', 'virtio-blk-device,drive=d0', '-device', 'virtio-rng-device',
    '-global', 'virtio-mmio.force-legacy=false', // version 2 virtio-mmio, as ours
  ];
}

/** QEMU's wall time from spawning it to the banner on its console, and to its exit (status 0). */
function qemuLinux(g: LinuxGuest, harts: number): Promise<{ banner: number; exit: number } | undefined> {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const seconds = (): number => Number(process.hrtime.bigint() - t0) / 1e9;
    const watch = new Watch(LINUX_BANNER);
    let banner: number | undefined;
    const child = spawn('qemu-system-riscv64', qemuLinuxArgs(g, harts), { stdio: ['ignore', 'pipe', 'ignore'] });
    child.stdout.on('data', (b: Buffer) => {
      if (banner === undefined && watch.feed(b)) banner = seconds();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), LINUX_TIMEOUT_S * 1000);
    child.on('error', () => {
      clearTimeout(timer);
      resolve(undefined);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const exit = seconds();
      resolve(code === 0 && banner !== undefined ? { banner, exit } : undefined);
    });
  });
}

const millions = (n: number): string => `${(n / 1e6).toFixed(1)} M`;
const range = (xs: number[]): string => {
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  return millions(lo) === millions(hi) ? `${xs.length} run${xs.length > 1 ? 's' : ''} alike` : `${millions(lo)} to ${millions(hi)}`;
};

async function benchLinux(runs: number): Promise<void> {
  const g = linuxGuest();
  if (typeof g === 'string') {
    console.log(`linux guest: not measured (${g})`);
    return;
  }
  console.log(`linux guest (${g.manifest}), command line "${LINUX_APPEND}", host clock; times from machine creation (ours, in-process) or from spawning QEMU:`);
  for (const harts of [1, 2]) {
    const ms: LinuxMeasurement[] = [];
    let failure: string | undefined;
    for (let i = 0; i < runs && !failure; i++) {
      const m = await measureLinux(g, harts);
      if (typeof m === 'string') failure = m;
      else ms.push(m);
    }
    const label = `  linux, ${harts} hart${harts > 1 ? 's' : ''}`;
    if (failure) {
      console.log(`${label}: ours failed: ${failure}`);
      continue;
    }
    const bannerWall = median(ms.map((m) => m.bannerWall));
    const wall = median(ms.map((m) => m.wall));
    const bannerSteps = median(ms.map((m) => m.bannerSteps));
    const steps = median(ms.map((m) => m.steps));
    const rssMb = Math.max(...ms.map((m) => m.rss)) / 2 ** 20;
    console.log(
      `${label}, ours (built-in SBI): to the banner ${millions(bannerSteps)} instructions (${range(ms.map((m) => m.bannerSteps))}), ${bannerWall.toFixed(3)} s; ` +
      `to power-off ${millions(steps)} instructions (${range(ms.map((m) => m.steps))}), ${wall.toFixed(3)} s, ${(steps / wall / 1e6).toFixed(1)} MIPS; RSS ${rssMb.toFixed(0)} MB`,
    );
    const qs: { banner: number; exit: number }[] = [];
    for (let i = 0; i < runs; i++) {
      const q = await qemuLinux(g, harts);
      if (q) qs.push(q);
    }
    if (qs.length === 0) {
      console.log(`${label}, qemu-system-riscv64: not available (not installed, or the boot failed)`);
      continue;
    }
    const qBanner = median(qs.map((q) => q.banner));
    const qExit = median(qs.map((q) => q.exit));
    console.log(
      `${label}, qemu-system-riscv64 (TCG, OpenSBI): to the banner ${qBanner.toFixed(3)} s, to exit ${qExit.toFixed(3)} s; ` +
      `ours/QEMU = ${(bannerWall / qBanner).toFixed(1)}x to the banner, ${(wall / qExit).toFixed(1)}x to power-off`,
    );
  }
  console.log(
    '  QEMU\'s instruction count: not measured here: Debian\'s QEMU ships no instruction-counting TCG plugin (libinsn.so). ' +
    'For scale, ../shared/research/linux-guest.md counted about 107-114 M to power-off on 1 hart and 159-170 M on 2 with its own ' +
    'TB-granular plugin, including about 12 M (1 hart) and 38 M (2 harts) of OpenSBI that our built-in SBI does not run.',
  );
}

/**
 * The gdb benchmarks' reverse-continues, each from a kernel function reached once back to
 * start_kernel: from power-off (the whole boot), and from console_on_rootfs (the end of the
 * initcalls, before /init), a span that QEMU 7.2's reverse debugging completes on this guest.
 */
function linuxSpans(g: LinuxGuest): Span[] {
  const elf = parseElf(fs.readFileSync(g.vmlinux));
  const at = (name: string): { name: string; address: bigint } => {
    const s = elf.symbol(name);
    if (!s) throw new Error(`${g.vmlinux}: no symbol ${name}`);
    return { name, address: s.value };
  };
  return [
    { from: at('start_kernel'), to: at('kernel_power_off') },
    { from: at('start_kernel'), to: at('console_on_rootfs') },
  ];
}

/** The vars section on the Linux guest, 2 harts, recorded as the differential test of the variables records it. */
async function benchLinuxVars(g: LinuxGuest): Promise<void> {
  const r = recordFile('linux-2-harts', ['--harts', '2', '--append', LINUX_APPEND, '--drive', g.disk], g.image);
  if (typeof r === 'string') {
    console.log(`program's data: no recording: ${r}`);
    return;
  }
  try {
    await benchVars({ name: 'Linux (2 harts)', recording: r.file, vmlinux: g.vmlinux, breakAt: 'do_sys_openat2', stops: 100, profileDir: process.env.SAMSARA_BENCH_PROFILE });
  } finally {
    fs.rmSync(path.dirname(r.file), { recursive: true, force: true });
  }
}

const SECTIONS = ['cpu', 'linux', 'rr', 'parallel', 'chunks', 'gdb', 'dap', 'vars', 'vars-distro'] as const;
type Section = (typeof SECTIONS)[number];

export async function benchCommand(args: string[]): Promise<number> {
  let runs = 3;
  const only = new Set<Section>();
  for (let i = 0; i < args.length; i++) {
    const value = args[i + 1];
    if (args[i] === '--runs' && value !== undefined && /^[1-9]\d*$/.test(value)) runs = Number(args[++i]);
    else if (args[i] === '--only' && (SECTIONS as readonly string[]).includes(value)) only.add(args[++i] as Section);
    else {
      console.error(`samsara bench: bad argument ${JSON.stringify(args[i])}${value === undefined ? '' : ` ${JSON.stringify(value)}`}\n\n${BENCH_HELP}`);
      return 2;
    }
  }
  const want = (s: Section): boolean => only.size === 0 || only.has(s);
  console.log(`samsara bench: median of ${runs} runs; node ${process.version}`);
  if (want('cpu')) benchGuests(runs);
  if (want('linux')) await benchLinux(runs);
  const demo = path.join(ROOT, 'guests/demo/demo.elf');
  if (want('rr') && fs.existsSync(demo)) benchRecordReplay({ name: 'demo (2 harts)', kernel: demo, harts: 2, bootargs: 'seed=1' }, runs);
  if (want('parallel')) {
    const workloads: ParallelWorkload[] = [{ name: 'demo (seed=1)', args: ['--harts', '2', '--append', 'seed=1', demo] }];
    const g = linuxGuest();
    if (typeof g !== 'string') {
      const linux = ['--harts', '2', '--drive', g.disk];
      workloads.push({ name: 'Linux boot to power-off', args: [...linux, '--append', LINUX_APPEND, g.image] });
      workloads.push({ name: 'Linux, /init runs a CPU-bound thread per hart (cpuwork=20)', args: [...linux, '--append', `${LINUX_APPEND} cpuwork=20`, g.image] });
    } else console.log(`Parallel recording of the Linux guest: skipped (${g})`);
    benchParallel(workloads, runs);
  }
  if (want('chunks')) {
    const g = linuxGuest();
    if (typeof g === 'string') console.log(`Chunks against plain turns: skipped (${g})`);
    else await benchChunks(g, Math.max(runs, 3));
  }
  if (want('vars-distro')) await benchVarsDistro();
  if (!want('rr') && !want('gdb') && !want('dap') && !want('vars')) return 0;
  const linux = linuxGuest();
  if (typeof linux === 'string') {
    console.log(`Linux record/replay, gdb stub and debug adapter: skipped (${linux})`);
    return 0;
  }
  if (want('vars')) await benchLinuxVars(linux);
  if (!want('rr') && !want('gdb') && !want('dap')) return 0;
  const spans = linuxSpans(linux);
  for (const harts of [1, 2]) {
    const g = { name: `Linux (${harts} hart${harts > 1 ? 's' : ''})`, kernel: linux.image, harts, bootargs: LINUX_APPEND, drive: fs.readFileSync(linux.disk) };
    const recording = want('rr') ? benchRecordReplay(g, runs) : recordGuest(g);
    if (want('dap')) await benchDap(g.name, recording, linux.vmlinux);
    if (!want('gdb')) continue;
    await benchGdb(g.name, recording, spans, linux.vmlinux);
    if (harts === 1) await benchGdbQemu(linux, LINUX_APPEND, spans);
  }
  return 0;
}
