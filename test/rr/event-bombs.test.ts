// Events blocks that inflate to millions of events (issue 12): a block may declare up to 64 MiB, and
// 60 MiB of one event repeated deflates to tens of KB. The timeline used to keep a number pair per
// chunk and an object per trap, so such a file of a few hundred KB took a gdbserver or a debug
// adapter to gigabytes and an out-of-memory abort. Each tool runs here in a child process with a
// bounded heap (--max-old-space-size=512): a file that cannot be a recording gives one line naming
// the block, the byte and the field (exit 2); a consistent one (turns of one step, 42 million of
// them) is served, and its positions and steps are answered right. Files in fixtures/, made by
// fixtures/generate.ts.

import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RspClient } from '../../src/gdbstub/client';
import { DapClient } from '../debug-adapter/client';
import { ROOT, SAMSARA } from '../cli/helpers';
import { memoryDigestStorm } from './fixtures/generate';

const FIXTURES = path.join(__dirname, 'fixtures');
const fixture = (name: string): string => path.relative(ROOT, path.join(FIXTURES, `${name}.samsara`));
const HEAP = '--max-old-space-size=512';

/** `samsara ARGS` with a bounded heap, and its peak RSS in bytes (GNU time's %M). */
function bounded(args: string[]): { code: number | null; stderr: string; peakRss: number } {
  const r = spawnSync('/usr/bin/time', ['-f', 'peak-rss-kb %M', process.execPath, HEAP, SAMSARA, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  const m = /(?:Command (?:exited with non-zero status \d+|terminated by signal \d+)\n)?peak-rss-kb (\d+)\n?$/.exec(r.stderr);
  return { code: r.status, stderr: m ? r.stderr.slice(0, m.index) : r.stderr, peakRss: Number(m?.[1] ?? 0) * 1024 };
}

/** The bombs that are no recording, and the one line each gives. */
const REFUSED: [string, RegExp][] = [
  // 12.5 million traps at position 0 and no chunk: three meet at a position at most.
  ['trap-bomb', /block 1, byte 41: a trap event, but 8 traps are at position 0 already/],
  // 2 x 21 million chunks of no steps: the recorder never writes an empty turn.
  ['empty-turn-bomb', /block 1, byte 1: the chunk event's steps is 0: must be at least 1/],
  // 65,537 one-byte entropy reads waiting for one turn (the replayer holds a turn's reads until it runs).
  ['entropy-bomb', /block 1, byte 262145: an entropy event, but its turn has made 65536 device reads already/],
  // 15 million of them at one position: a step notifies one queue, of at most 256 requests.
  ['read-storm', /block 1, byte 4097: an entropy event, but 1024 device reads are at position 0 already/],
  // Millions of events the recorder logs once at a position, between turns.
  ['digest-storm', /block 1, byte 7: a digest event, but the block has one at position 0 already/],
  ['clock-storm', /block 1, byte 4: a clock event, but the block has one at position 0 already/],
  ['input-storm', /block 1, byte 5: an input event, but the block has one at position 0 already/],
];

describe('events blocks of millions of events, in bounded memory', () => {
  it.each(REFUSED)('%s: info, replay and gdbserver give one line naming the event, exit 2, under 512 MB', (name, line) => {
    for (const command of [['info'], ['replay'], ['gdbserver', '--port', '0']]) {
      const r = bounded([...command, fixture(name)]);
      expect(r.stderr).not.toMatch(/\n\s+at |heap out of memory|Last few GCs/);
      expect(r.stderr.trimEnd().split('\n'), r.stderr).toHaveLength(1);
      expect(r.stderr).toContain(`samsara ${command[0]}: ${fixture(name)}: `);
      expect(r.stderr).toMatch(line);
      expect(r.code, r.stderr).toBe(2);
      expect(r.peakRss).toBeLessThan(512 * 2 ** 20);
    }
  }, 300_000);

  it('20,000 right digests of 256 MiB of memory at one position, a block each: replay checks the state once and reaches the end', () => {
    // Each used to hash all of RAM again. (A block that runs no turn must carry console input.)
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-storm-')), 'memory-digest-storm.samsara');
    fs.writeFileSync(file, memoryDigestStorm(20_000));
    const r = spawnSync(process.execPath, [HEAP, SAMSARA, 'replay', file], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(r.error, 'replay did not end within 60 s').toBeUndefined();
    expect(r.stderr).toContain('replayed 0 steps to the end (poweroff, code 0)');
    expect(r.status).toBe(0);
  }, 120_000);

  it('the debug adapter answers a launch on each with one sentence', async () => {
    const saved = process.env.NODE_OPTIONS;
    process.env.NODE_OPTIONS = HEAP;
    const c = new DapClient();
    process.env.NODE_OPTIONS = saved;
    try {
      await c.request('initialize', { adapterID: 'samsara' });
      for (const [name, line] of REFUSED) {
        const r = await c.send('launch', { recording: path.join(FIXTURES, `${name}.samsara`) });
        expect(r.success, name).toBe(false);
        expect(r.message, name).toMatch(line);
        expect(r.message).not.toContain('\n');
      }
      expect(c.stderr).not.toMatch(/\n\s+at |heap out of memory/);
    } finally {
      await c.close();
    }
  }, 300_000);

  it('42 million turns of one step: gdbserver serves it under 512 MB and steps each hart back right', async () => {
    // fixtures/generate.ts oneStepTurns(2): two blocks of 10,485,760 pairs of turns, hart 0 then hart 1.
    const end = 2 * 2 * 10_485_760;
    const child = spawn(process.execPath, [HEAP, SAMSARA, 'gdbserver', '--port', '0', fixture('one-step-turns')], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const port = await new Promise<number>((resolve, reject) => {
      child.stderr!.setEncoding('utf8').on('data', (d) => {
        err += d;
        const m = /on 127\.0\.0\.1:(\d+)/.exec(err);
        if (m) resolve(Number(m[1]));
      });
      void exited.then(() => reject(new Error(`gdbserver exited before it listened: ${err}`)));
    });
    try {
      const client = await RspClient.connect(port);
      try {
        expect(await client.monitor('when', 60_000)).toContain(`position 0 (of 0..${end})`);
        // Hart p mod 2 takes the step at p: from 1001 (hart 1's turn begins), hart 1 (thread 2)
        // last stepped at 999, hart 0 (thread 1) at 1000.
        for (const [thread, back] of [[2, 999], [1, 1000]]) {
          expect(await client.monitor('seek 1001', 60_000)).toContain('position 1001');
          // gdb's reverse-stepi on a selected thread: Hg, Hc0, bs.
          expect(await client.request(`Hg${thread}`, 60_000)).toBe('OK');
          expect(await client.request('Hc0', 60_000)).toBe('OK');
          expect(await client.request('bs', 60_000)).toMatch(/^T05/);
          expect(await client.monitor('when', 60_000)).toContain(`position ${back} (of`);
        }
      } finally {
        client.close();
      }
      // Its peak RSS so far (VmHWM).
      const hwm = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      expect(err).not.toMatch(/\n\s+at |heap out of memory/);
      expect(Number(hwm?.[1]) * 1024).toBeGreaterThan(0);
      expect(Number(hwm?.[1]) * 1024).toBeLessThan(512 * 2 ** 20);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  }, 300_000);
});
