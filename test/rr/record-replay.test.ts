// Record and replay through the command line, as a user does: recordings of the racy demo replay
// with identical console output; cut-off, corrupt and future-version recordings give clear errors.

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, SAMSARA, samsara, samsaraAsync } from '../cli/helpers';
import { FORMAT_VERSION, MAGIC, parseRecording } from '../../src/rr/format';
import { Replayer, ReplayEnd } from '../../src/rr/replayer';

const DEMO = path.join(ROOT, 'guests/demo/demo.elf');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-rr-'));

function record(name: string, extra: string[] = []): { file: string; stdout: string; code: number | null } {
  const file = path.join(tmp, name);
  const r = samsara(['record', '-o', file, '--harts', '2', ...extra, DEMO]);
  return { file, stdout: r.stdout, code: r.code };
}

/** A replay in this process, with the compiled Replayer (as `samsara replay` runs it, without its process). */
function replayHere(file: string): { console: string; ended: ReplayEnd | undefined } {
  const out: Buffer[] = [];
  const replayer = new Replayer(parseRecording(fs.readFileSync(file)), { write: (b) => { out.push(Buffer.from(b)); } }, file);
  replayer.runTo();
  return { console: Buffer.concat(out).toString('utf8'), ended: replayer.ended };
}

describe('record and replay the demo guest', () => {
  it('20 recordings on 2 harts, some hitting the race: each replays 3 times identically (with samsara replay for every 4th, otherwise in this process)', async () => {
    // Each recording is made by `samsara record` with the host's clock and entropy from virtio-rng,
    // so the interleavings differ from one to the next. Every 4th is replayed once by `samsara
    // replay` (the command line's path); all the other replays run here, with the compiled Replayer:
    // a fresh process costs more than the replay itself (process start, and the interpreter's JIT
    // warming up each time). With 32 MiB of RAM (the demo uses a few), a replay sets its memory up
    // quickly. Two recordings are on their way in child processes while this process replays.
    const N = 20;
    const CLI_EVERY = 4;
    const t0 = Date.now();
    let hereMs = 0;
    let hereCpuMs = 0;
    let cliReplays = 0;
    const viaCli = async (i: number): Promise<{ file: string; stdout: string; code: number | null; steps: number }> => {
      const file = path.join(tmp, `demo${i}.rec`);
      const rec = await samsaraAsync(['record', '-o', file, '--harts', '2', '--mem', '32M', DEMO]);
      const wrote = /samsara record: wrote .*: (\d+) steps/.exec(rec.stderr);
      expect(wrote, `samsara record ${i}: ${rec.stderr}`).not.toBeNull();
      const steps = Number(wrote![1]);
      if (i % CLI_EVERY === 0) {
        const rep = await samsaraAsync(['replay', file]);
        // Replay exits as record did: with the guest's power-off code (1 after the oops).
        expect(rep.code, rep.stderr).toBe(rec.code);
        expect(rep.stdout, `recording ${i}, samsara replay: the console differs`).toBe(rec.stdout);
        expect(rep.stderr).toContain(`replayed ${steps} steps to the end (poweroff, code ${rec.code})`);
        cliReplays++;
      }
      return { file, stdout: rec.stdout, code: rec.code, steps };
    };
    const started = new Map<number, ReturnType<typeof viaCli>>();
    const start = (i: number): void => {
      if (i >= N || started.has(i)) return;
      const p = viaCli(i);
      p.catch(() => {}); // awaited in its turn
      started.set(i, p);
    };
    let races = 0;
    for (let i = 0; i < N; i++) {
      start(i);
      start(i + 1);
      const rec = await started.get(i)!;
      start(i + 2);
      if (rec.stdout.includes('kernel BUG')) races++;
      for (let k = i % CLI_EVERY === 0 ? 1 : 0; k < 3; k++) {
        const t = Date.now();
        const cpu = process.cpuUsage();
        const here = replayHere(rec.file);
        const used = process.cpuUsage(cpu);
        hereMs += Date.now() - t;
        hereCpuMs += (used.user + used.system) / 1000;
        expect(here.console, `recording ${i}, replay ${k + 1} (in this process): the console differs`).toBe(rec.stdout);
        expect(here.ended, `recording ${i}, replay ${k + 1} (in this process)`).toEqual({ reason: 'poweroff', code: rec.code, position: rec.steps });
      }
    }
    console.log(`record/replay: ${races} of ${N} recordings hit the race; ${Date.now() - t0} ms in all; ${cliReplays} replays by samsara replay, ${3 * N - cliReplays} here (${hereMs} ms, ${Math.round(hereCpuMs)} ms of CPU)`);
    expect(cliReplays).toBe(N / CLI_EVERY);
    expect(races).toBeGreaterThan(0);
    expect(races).toBeLessThan(N);
  }, 600_000);

  it('samsara info prints the header and the event statistics', () => {
    const rec = record('info.rec');
    const r = samsara(['info', rec.file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('machine: 2 hart(s), 256 MiB RAM, built-in SBI');
    expect(r.stdout).toMatch(/kernel: .*demo\.elf \(\d+ bytes, sha256 [0-9a-f]{64}\)/);
    for (const row of ['instructions (steps)', 'hart 0', 'hart 1', 'chunks (hart turns)', 'interrupts', 'supervisor timer', 'exceptions', 'syscalls (ecall from U)', 'SBI calls (ecall from S)', 'entropy reads', 'console input', 'block reads (DMA)', 'log size', 'bytes per million steps']) {
      expect(r.stdout).toContain(row);
    }
    expect(r.stdout).toMatch(/ends: poweroff \(code [01]\) at position \d+/);
    // Each hart's steps, in how many chunks, and their mean length; the chunks add up to the total.
    const perHart = [...r.stdout.matchAll(/hart (\d) +(\d+) in (\d+) chunks \(mean (\d+) steps\)/g)];
    expect(perHart.map((m) => m[1])).toEqual(['0', '1']);
    for (const m of perHart) expect(Number(m[4])).toBe(Math.round(Number(m[2]) / Number(m[3])));
    expect(perHart.reduce((n, m) => n + Number(m[3]), 0)).toBe(Number(/chunks \(hart turns\) +(\d+)/.exec(r.stdout)![1]));
  });
});

describe('damaged recordings', () => {
  const good = record('good.rec', ['--clock', 'virtual', '--append', 'seed=1']);
  const data = fs.readFileSync(good.file);
  const blocks = parseRecording(data).blocks;

  it('a recording cut off at any byte replays up to its last complete block and says where it ends', () => {
    const cuts = [blocks[1].offset + 5, blocks[Math.floor(blocks.length / 2)].offset + 100, data.length - 3];
    for (const cut of cuts) {
      const f = path.join(tmp, `cut-${cut}.rec`);
      fs.writeFileSync(f, data.subarray(0, cut));
      const r = samsara(['replay', f]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/is cut off at byte \d+ \(last complete block ends at byte \d+\); replayed up to position \d+/);
      expect(good.stdout.startsWith(r.stdout)).toBe(true);
    }
  });

  it('a recording killed with SIGKILL at random moments replays up to its last complete block (10 trials)', async () => {
    for (let trial = 0; trial < 10; trial++) {
      const f = path.join(tmp, `killed-${trial}.rec`);
      const child = spawn(process.execPath, [SAMSARA, 'record', '-o', f, '--harts', '2', DEMO], { stdio: ['pipe', 'pipe', 'pipe'] });
      const closed = new Promise((r) => child.on('close', r));
      let out = '';
      child.stdout.on('data', (d) => { out += d; });
      await new Promise((r) => setTimeout(r, 60 + trial * 40));
      child.kill('SIGKILL');
      await closed;
      if (!fs.existsSync(f) || fs.statSync(f).size === 0) continue;
      const rep = samsara(['replay', f]);
      // Either the recording finished before the kill, or it is cut off and says so; never a crash.
      expect(rep.code, rep.stderr).toBe(rep.stderr.includes('no initial snapshot') ? 2 : 0);
      if (rep.code === 0) expect(rep.stderr).toMatch(/cut off|to the end/);
      expect(out.startsWith(rep.stdout) || rep.stdout.startsWith(out)).toBe(true);
    }
  }, 120_000);

  it('a byte flipped in the middle gives an error naming the block, never a crash or a wrong replay', () => {
    const mid = blocks[Math.floor(blocks.length / 2)];
    for (const at of [mid.offset + 30, mid.offset + 2, mid.offset + 10]) {
      const bad = Buffer.from(data);
      bad[at] ^= 0x40;
      const f = path.join(tmp, `flip-${at}.rec`);
      fs.writeFileSync(f, bad);
      const r = samsara(['replay', f]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(new RegExp(`block ${mid.sequence} at byte ${mid.offset} is (corrupt|out of order)`));
      // info still shows the header and the statistics of the blocks before the damage.
      const info = samsara(['info', f]);
      expect(info.code).toBe(2);
      expect(info.stdout).toMatch(/Samsara Replay recording, format version \d+/);
      expect(info.stdout).toContain(`blocks: ${mid.sequence}`);
      expect(info.stdout).toContain('ends: no end event (the recording is damaged)');
      expect(info.stderr).toMatch(new RegExp(`block ${mid.sequence} at byte ${mid.offset} is (corrupt|out of order).*; the statistics are those of the blocks before it`));
    }
  });

  it('a future format version gives an error naming both versions', () => {
    const bad = Buffer.from(data);
    bad.writeUInt32LE(FORMAT_VERSION + 1, MAGIC.length);
    const f = path.join(tmp, 'future.rec');
    fs.writeFileSync(f, bad);
    const r = samsara(['replay', f]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`samsara replay: ${f}: recording format version ${FORMAT_VERSION + 1}, but this samsara reads version ${FORMAT_VERSION}`);
  });

  it('not a recording at all', () => {
    const r = samsara(['replay', DEMO]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not a Samsara Replay recording \(bad magic\)/);
  });
});
