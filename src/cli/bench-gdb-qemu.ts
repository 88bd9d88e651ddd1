// QEMU's gdb stub on the same kernel, for `samsara bench`: the figures of bench-gdb.ts measured on
// qemu-system-riscv64 replaying its own recording (-icount rr=record/replay), with the same packets.
//
// QEMU 7.2 records one hart only ("Record/replay feature is not supported for 'smp'"), so this is
// the 1-hart Linux guest. Its reverse execution loads the snapshot taken when recording began
// (rrsnapshot) and replays forward, so the disk must be a qcow2 file that holds that snapshot: a
// fresh overlay over the guest's raw disk, behind blkreplay, as docs/devel/replay.rst describes.
// QEMU 7.2 also hangs on some reverse steps (../shared/research/linux-guest.md, "Failures"): every
// request has a time limit, and a hung QEMU is killed and counted.

import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { RspClient, RspTimeout } from '../gdbstub/client';
import { describeGdb, GdbFigures, measureSpan, positions, seconds, Span } from './bench-gdb';
import { LinuxGuest } from './linux-guest';

/** Time limits: a reverse step takes QEMU 1-2 s, a continue across the whole boot 2-3 s. */
const STEP_LIMIT_MS = 20_000;
const CONTINUE_LIMIT_MS = 60_000;
/** Fresh QEMU processes for reverse-stepi, one per position (QEMU 7.2 hangs going forward after a reverse step). */
const STEP_POSITIONS = 9;

interface Files {
  dir: string;
  disk: string;
  empty: string;
}

function machineArgs(g: LinuxGuest, append: string, files: Files, mode: 'record' | 'replay'): string[] {
  return [
    '-M', 'virt', '-smp', '1', '-m', '256M', '-nographic', '-bios', 'default', '-net', 'none',
    '-kernel', g.image, '-append', append,
    '-drive', `file=${files.disk},if=none,id=img-direct`,
    '-drive', 'driver=blkreplay,if=none,image=img-direct,id=img-blkreplay',
    '-device', 'virtio-blk-device,drive=img-blkreplay',
    '-drive', `file=${files.empty},if=none,id=rr`,
    '-icount', `shift=auto,rr=${mode},rrfile=${path.join(files.dir, 'replay.bin')},rrsnapshot=init`,
  ];
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

class QemuReplay {
  private constructor(readonly client: RspClient, private readonly child: ChildProcess) {}

  /** Start a replay stopped at its first instruction, on copies of the recorded qcow2 files. */
  static async start(g: LinuxGuest, append: string, recorded: Files, n: number): Promise<QemuReplay> {
    const files = { dir: recorded.dir, disk: path.join(recorded.dir, `disk-${n}.qcow2`), empty: path.join(recorded.dir, `empty-${n}.qcow2`) };
    fs.copyFileSync(recorded.disk, files.disk);
    fs.copyFileSync(recorded.empty, files.empty);
    const port = await freePort();
    const child = spawn('qemu-system-riscv64', [...machineArgs(g, append, files, 'replay'), '-gdb', `tcp:127.0.0.1:${port}`, '-S'], { stdio: 'ignore' });
    try {
      return new QemuReplay(await RspClient.connect(port, '127.0.0.1', 10_000), child);
    } catch (e) {
      child.kill('SIGKILL');
      throw e;
    }
  }

  /** QEMU's position: the instruction count of `info replay`. */
  async icount(): Promise<number> {
    const text = await this.client.monitor('info replay', STEP_LIMIT_MS);
    const m = /instruction count = (\d+)/.exec(text);
    if (!m) throw new Error(`unexpected "info replay" output: ${JSON.stringify(text)}`);
    return Number(m[1]);
  }

  stop(): void {
    this.client.close();
    this.child.kill('SIGKILL');
  }
}

/** Record the 1-hart guest from boot to power-off on QEMU. Returns the recording's files, or why not. */
function record(g: LinuxGuest, append: string): Files | string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-bench-qemu-'));
  const files = { dir, disk: path.join(dir, 'disk.qcow2'), empty: path.join(dir, 'empty.qcow2') };
  for (const args of [['-f', 'qcow2', '-b', path.resolve(g.disk), '-F', 'raw', files.disk], ['-f', 'qcow2', files.empty, '1M']]) {
    const r = spawnSync('qemu-img', ['create', '-q', ...args], { encoding: 'utf8' });
    if (r.error) return 'qemu-img not found (Debian package qemu-utils)';
    if (r.status !== 0) return `qemu-img create failed: ${r.stderr.trim()}`;
  }
  const r = spawnSync('qemu-system-riscv64', machineArgs(g, append, files, 'record'), { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', timeout: 300_000 });
  if (r.error) return `qemu-system-riscv64 failed to start: ${r.error.message}`;
  if (r.status !== 0) return `the recording run exited with status ${r.status}: ${r.stderr.trim()}`;
  return files;
}

export async function benchGdbQemu(g: LinuxGuest, append: string, spans: Span[]): Promise<void> {
  const version = /version ([\d.]+)/.exec(spawnSync('qemu-system-riscv64', ['--version'], { encoding: 'utf8' }).stdout ?? '')?.[1];
  const name = `Linux (1 hart) gdb stub of QEMU ${version ?? '(not installed)'} (-icount rr=replay, one snapshot at the start)`;
  if (!version) {
    console.log(`${name}: not measured`);
    return;
  }
  const files = record(g, append);
  if (typeof files === 'string') {
    console.log(`${name}: not measured: ${files}`);
    return;
  }
  const figures: GdbFigures = { reverseStepi: [], hung: 0, spans: [] };
  let n = 0;
  let end = 0;
  try {
    // Each span in a fresh QEMU: after a reverse-continue, QEMU 7.2 hangs going forward.
    for (const span of spans) {
      const q = await QemuReplay.start(g, append, files, n++);
      try {
        const f = await measureSpan(q.client, span, () => q.icount(), CONTINUE_LIMIT_MS);
        figures.spans.push(f);
        end = Math.max(end, f.to ?? 0);
      } finally {
        q.stop();
      }
    }
    // reverse-stepi at positions spread over the recording (up to the last span's end, power-off),
    // each in a fresh QEMU.
    for (const p of end ? positions(STEP_POSITIONS, 1, end, 7) : []) {
      const r = await QemuReplay.start(g, append, files, n++);
      try {
        await r.client.monitor(`replay_break ${p}`, STEP_LIMIT_MS);
        await r.client.request('c', CONTINUE_LIMIT_MS);
        const t0 = process.hrtime.bigint();
        await r.client.request('bs', STEP_LIMIT_MS);
        await r.client.request('g', STEP_LIMIT_MS);
        figures.reverseStepi.push(seconds(t0) * 1000);
      } catch (e) {
        if (!(e instanceof RspTimeout)) throw e;
        figures.hung++;
      } finally {
        r.stop();
      }
    }
  } finally {
    fs.rmSync(files.dir, { recursive: true, force: true });
  }
  console.log(describeGdb(name, figures));
}
