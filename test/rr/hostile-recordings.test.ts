// Recordings whose checksums are right and whose content is hostile (issue 12, items 1, 2, 3 and 9),
// through the real command line and the debug adapter: each gives one line that names the field
// (or the block, the byte and the field), exit 2, never a stack trace, and bounded memory. The files
// are committed in fixtures/ (made by fixtures/generate.ts); valid.samsara is the one each of the
// others changes in one thing, and it replays.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DapClient } from '../debug-adapter/client';
import { ROOT, samsara, SAMSARA } from '../cli/helpers';

const FIXTURES = path.join(__dirname, 'fixtures');
const fixture = (name: string): string => path.relative(ROOT, path.join(FIXTURES, `${name}.samsara`));

/** Each hostile file, and what its one line of error must say. */
const HOSTILE: [string, RegExp][] = [
  ['header-null', /the file header is null: must be an object/],
  ['header-array', /the file header is an array: must be an object/],
  ['header-string', /the file header is "a recording": must be an object/],
  ['header-deep', /the file header nests objects or arrays more than 16 deep/],
  ['header-length', /the file header is 4294967280 bytes long: at most 1048576/],
  ['bootargs-object', /the file header's bootargs is an object: must be a string/],
  ['machine-null', /the file header's machine is null: must be an object/],
  ['memsize-2p40', /the file header's machine\.memSize is 1099511627776: must be a multiple of 4096 from 1048576 \(1 MiB\) to 2147483648 \(2 GiB\)/],
  ['memsize-negative', /the file header's machine\.memSize is -4096: must be/],
  ['memsize-string', /the file header's machine\.memSize is "256M": must be/],
  ['memsize-unaligned', /the file header's machine\.memSize is 1048577: must be a multiple of 4096/],
  ['harts-9', /the file header's machine\.harts is 9: must be an integer from 1 to 8/],
  ['harts-minus-1', /the file header's machine\.harts is -1: must be an integer from 1 to 8/],
  ['harts-1e9', /the file header's machine\.harts is 1000000000: must be an integer from 1 to 8/],
  ['htif-outside-ram', /the file header's machine\.htif\.tohost is 4096: must be an address in RAM/],
  ['htif-string', /the file header's machine\.htif is "tohost": must be an object, or absent/],
  ['drive-negative', /the file header's machine\.drive\.size is -1: must be an integer from 0/],
  ['images-object', /the file header's images is an object: must be an array/],
  ['second-snapshot', /block 1 at byte \d+ is a snapshot block/],
  ['not-deflate', /block 1 at byte \d+ is corrupt \(cannot decompress\)/],
  ['bomb', /block 1 at byte \d+ declares a raw length of 1073741824 bytes: at most 67108864 are allowed/],
  ['bomb-hidden', /block 1 at byte \d+ is corrupt \(it inflates to more than the 4194304 bytes it declares\)/],
  ['event-unknown-kind', /block 1, byte 1: unknown event kind 200/],
  ['event-varint-long', /block 1, byte 3: a number \(varint\) longer than 8 bytes/],
  ['event-varint-2p53', /block 1, byte 2: a number of 2\^53 or more/],
  ['event-chunk-hart', /block 1, byte 1: the chunk event's hart is 5: must be below 1/],
  ['event-trap-hart', /block 1, byte 1: the trap event's hart is 200: must be below 1/],
  ['event-chunk-2p50', /block 1, byte 1: the chunk event's steps is 1125899906842624: must be at most 1048576/],
  ['event-position-back', /block 1, byte 5: the input event's position is 5: must be at least 10/],
  ['event-beyond-turn', /block 1, byte 6: the chunk event's steps is 10: must be at least 50/],
  ['event-end-reason', /block 1, byte 1: the End event's reason is 9/],
  ['event-after-end', /block 1, byte 15: a chunk event, but it comes after the End event/],
  ['event-block-read-no-drive', /block 1, byte 1: a block read event, but the header's machine has no drive/],
  ['block-after-end', /block 2 comes after the recording's End event/],
  ['block-start-gap', /block 2 starts at position 20, but the blocks before it end at position 0/],
];

/** Check a one-line error: `samsara CMD: FILE: ...` matching `field`, and no stack trace anywhere. */
function expectOneLine(r: { code: number | null; stdout: string; stderr: string }, command: string, name: string, field: RegExp): void {
  expect(r.stderr + r.stdout).not.toMatch(/\n\s+at /);
  expect(r.stderr.trimEnd().split('\n'), r.stderr).toHaveLength(1);
  expect(r.stderr).toContain(`samsara ${command}: ${fixture(name)}: `);
  expect(r.stderr).toMatch(field);
  expect(r.code, r.stderr).toBe(2);
}

/** `samsara ARGS` and its peak RSS in bytes: GNU time's %M (the child's maxrss), or VmHWM polled from /proc. */
function measured(args: string[]): { code: number | null; stdout: string; stderr: string; peakRss: number; how: string } {
  if (fs.existsSync('/usr/bin/time')) {
    const r = spawnSync('/usr/bin/time', ['-f', 'peak-rss-kb %M', process.execPath, SAMSARA, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    // GNU time adds a line of its own for a non-zero exit status.
    const m = /(?:Command exited with non-zero status \d+\n)?peak-rss-kb (\d+)\n?$/.exec(r.stderr);
    if (!m) throw new Error(`no peak RSS from /usr/bin/time: ${r.stderr}`);
    return { code: r.status, stdout: r.stdout, stderr: r.stderr.slice(0, m.index), peakRss: Number(m[1]) * 1024, how: '/usr/bin/time -f %M' };
  }
  // Without GNU time: a shell that polls the child's VmHWM until it ends.
  const script = `"$@" 2>"$ERR" & p=$!; hwm=0; while kill -0 $p 2>/dev/null; do v=$(awk '/VmHWM/{print $2}' /proc/$p/status 2>/dev/null); [ -n "$v" ] && [ "$v" -gt "$hwm" ] && hwm=$v; sleep 0.01; done; wait $p; c=$?; echo "peak-rss-kb $hwm" >&2; exit $c`;
  const err = path.join(fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'samsara-rss-')), 'stderr');
  const r = spawnSync('sh', ['-c', script, 'sh', process.execPath, SAMSARA, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000, env: { ...process.env, ERR: err } });
  const m = /peak-rss-kb (\d+)/.exec(r.stderr);
  return { code: r.status, stdout: r.stdout, stderr: fs.readFileSync(err, 'utf8'), peakRss: Number(m?.[1] ?? 0) * 1024, how: 'VmHWM from /proc, polled every 10 ms' };
}

describe('hostile recordings (checksums right, content hostile)', () => {
  it('the valid recording they are made from replays to its end, and info reads it', () => {
    const replay = samsara(['replay', fixture('valid')]);
    expect(replay.stderr).toBe('samsara replay: replayed 0 steps to the end (poweroff, code 0)\n');
    expect(replay.code).toBe(0);
    const info = samsara(['info', fixture('valid')]);
    expect(info.stderr).toBe('');
    expect(info.stdout).toMatch(/machine: 1 hart\(s\), 1 MiB RAM, built-in SBI/);
    expect(info.code).toBe(0);
  });

  it.each(HOSTILE)('%s: info and replay give one line naming the problem, exit 2', (name, field) => {
    expectOneLine(samsara(['info', fixture(name)], { timeoutMs: 60_000 }), 'info', name, field);
    expectOneLine(samsara(['replay', fixture(name)], { timeoutMs: 60_000 }), 'replay', name, field);
  });

  it('harts 1e9 allocates nothing from the header: info ends at once', () => {
    const r = measured(['info', fixture('harts-1e9')]);
    expectOneLine(r, 'info', 'harts-1e9', /machine\.harts is 1000000000/);
    expect(r.peakRss).toBeLessThan(256 * 2 ** 20);
  });

  it('the decompression bombs (1 GiB of zeros, declared or hidden behind 4 MiB) stay under 512 MB', () => {
    const sizes: string[] = [];
    for (const name of ['bomb', 'bomb-hidden']) {
      expect(fs.statSync(path.join(FIXTURES, `${name}.samsara`)).size).toBeLessThan(1.1 * 2 ** 20);
      for (const command of ['info', 'replay']) {
        const r = measured([command, fixture(name)]);
        expectOneLine(r, command, name, HOSTILE.find(([n]) => n === name)![1]);
        expect(r.peakRss).toBeLessThan(512 * 2 ** 20);
        sizes.push(`${command} ${name}: ${(r.peakRss / 2 ** 20).toFixed(0)} MiB (${r.how})`);
      }
    }
    console.log(`peak RSS: ${sizes.join('; ')}`);
  });

  it('gdbserver refuses a hostile recording with one line before it listens', () => {
    expectOneLine(samsara(['gdbserver', '--port', '0', fixture('event-chunk-hart')], { timeoutMs: 30_000 }), 'gdbserver', 'event-chunk-hart', /the chunk event's hart is 5/);
  });

  it('the debug adapter answers a launch on a hostile recording with one sentence, no stack', async () => {
    const c = new DapClient();
    try {
      await c.request('initialize', { adapterID: 'samsara' });
      // Found at open (the header), and found as the timeline reads the events (late: the dispatcher's path).
      for (const [name, field] of HOSTILE.filter(([n]) => ['harts-1e9', 'header-deep', 'event-chunk-hart', 'event-unknown-kind', 'bomb-hidden', 'block-start-gap'].includes(n))) {
        const r = await c.send('launch', { recording: path.join(FIXTURES, `${name}.samsara`) });
        expect(r.success).toBe(false);
        expect(r.message, name).toMatch(field);
        expect(r.message).not.toContain('\n');
        expect(r.message).not.toMatch(/\bat .*\.js:\d+/);
        expect((r as { body?: { error?: { id: number } } }).body?.error?.id, name).toBe(1002); // ErrorCode.BadInput
      }
      expect(c.stderr).not.toMatch(/\n\s+at /);
    } finally {
      await c.close();
    }
  });
});
