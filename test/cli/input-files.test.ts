// Issue 12, items 4, 6 and 10 (--drive DIR): every file a user names is read one way (src/files):
// a device (/dev/zero, /dev/urandom), a FIFO, a directory or a file over the limit for its use is
// refused at once, in one line naming the option and the path, with exit 2; and a file that cannot
// be written (-o /dev/full, --dtb-out /dev/full, a write past the file size limit) ends in one line
// naming the option, exit 2, with the recording written so far a readable prefix.

import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exitOf, PROMPT_MS, ROOT, SAMSARA, samsara, waitUntil } from './helpers';
import { DEMO } from './recordings';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-input-files-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const FIFO = path.join(tmp, 'fifo');
spawnSync('mkfifo', [FIFO]);
const DIR = path.join(tmp, 'dir');
fs.mkdirSync(DIR);
/** Sparse files (no disk used): each just over the limit for its use. */
function sparse(name: string, size: number): string {
  const file = path.join(tmp, name);
  const fd = fs.openSync(file, 'w');
  fs.ftruncateSync(fd, size);
  fs.closeSync(fd);
  return file;
}
const GiB = 2 ** 30;
const OVER_2G = sparse('over-2g', 2 * GiB + 4096);
const OVER_16M = sparse('over-16m', 16 * 2 ** 20 + 1);
const OVER_32M = sparse('over-32m', 32 * 2 ** 20 + 1);
const EMPTY = sparse('empty', 0);

/** `samsara ARGS` exits 2 (within PROMPT_MS: a read of /dev/zero never ends) with one line on stderr matching each pattern; the time taken. */
function refused(args: string[], ...patterns: RegExp[]): number {
  const t0 = Date.now();
  const r = samsara(args, { timeoutMs: 3 * PROMPT_MS });
  const ms = Date.now() - t0;
  expect(r.stderr.trimEnd().split('\n'), r.stderr).toHaveLength(1);
  for (const p of patterns) expect(r.stderr.trimEnd()).toMatch(p);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.code).toBe(2);
  expect(ms).toBeLessThan(PROMPT_MS);
  return ms;
}

const dev = (kind: string) => new RegExp(`: not a regular file \\(a ${kind}\\)$`);
const CHAR = dev('character device');
const IS_FIFO = dev('FIFO');
const IS_DIR = /: is a directory$/;

describe('input files: a device, a FIFO, a directory or an over-limit file is refused at once, naming the option', () => {
  const cases: [string, string[], RegExp][] = [
    ['image /dev/zero', ['run', '/dev/zero'], /^samsara run: image \/dev\/zero: not a regular file \(a character device\)$/],
    ['image /dev/urandom', ['record', '-o', path.join(tmp, 'x.rec'), '/dev/urandom'], /^samsara record: image \/dev\/urandom/],
    ['image FIFO', ['run', FIFO], /^samsara run: image .*fifo/],
    ['image directory', ['run', DIR], /^samsara run: image .*dir/],
    ['image over 2 GiB', ['run', OVER_2G], /^samsara run: image .*over-2g: 2147487744 bytes, more than the 2 GiB limit$/],
    ['--bios /dev/zero', ['run', '--bios', '/dev/zero', DEMO], /^samsara run: --bios \/dev\/zero/],
    ['--bios /dev/urandom', ['run', '--bios', '/dev/urandom', DEMO], /^samsara run: --bios \/dev\/urandom/],
    ['--bios FIFO', ['run', '--bios', FIFO, DEMO], /^samsara run: --bios .*fifo/],
    ['--bios over 16 MiB', ['run', '--bios', OVER_16M, DEMO], /^samsara run: --bios .*over-16m: 16777217 bytes, more than the 16 MiB limit$/],
    ['--initrd /dev/urandom', ['run', '--initrd', '/dev/urandom', DEMO], /^samsara run: --initrd \/dev\/urandom/],
    ['--initrd /dev/zero', ['run', '--initrd', '/dev/zero', DEMO], /^samsara run: --initrd \/dev\/zero/],
    ['--initrd FIFO', ['run', '--initrd', FIFO, DEMO], /^samsara run: --initrd .*fifo/],
    ['--initrd directory', ['run', '--initrd', DIR, DEMO], /^samsara run: --initrd .*dir/],
    ['--initrd larger than RAM', ['run', '--mem', '32M', '--initrd', OVER_32M, DEMO], /^samsara run: --initrd .*over-32m: 33554433 bytes, more than the 32 MiB of RAM \(--mem\)$/],
    ['--drive /dev/zero', ['run', '--drive', '/dev/zero', DEMO], /^samsara run: --drive \/dev\/zero/],
    ['--drive /dev/urandom,rw', ['run', '--drive', '/dev/urandom,rw', DEMO], /^samsara run: --drive \/dev\/urandom/],
    ['--drive FIFO', ['run', '--drive', FIFO, DEMO], /^samsara run: --drive .*fifo/],
    ['--drive DIR (item 10)', ['run', '--drive', DIR, DEMO], /^samsara run: --drive .*dir/],
    ['--drive DIR,rw', ['run', '--drive', `${DIR},rw`, DEMO], /^samsara run: --drive .*dir/],
    ['replay /dev/zero', ['replay', '/dev/zero'], /^samsara replay: recording \/dev\/zero/],
    ['replay /dev/urandom', ['replay', '/dev/urandom'], /^samsara replay: recording \/dev\/urandom/],
    ['replay FIFO', ['replay', FIFO], /^samsara replay: recording .*fifo/],
    ['replay directory', ['replay', DIR], /^samsara replay: recording .*dir/],
    ['info /dev/zero', ['info', '/dev/zero'], /^samsara info: recording \/dev\/zero/],
    ['info FIFO', ['info', FIFO], /^samsara info: recording .*fifo/],
    ['info over 2 GiB', ['info', OVER_2G], /^samsara info: recording .*over-2g: 2147487744 bytes, more than the 2 GiB limit$/],
    ['gdbserver /dev/urandom', ['gdbserver', '--port', '0', '/dev/urandom'], /^samsara gdbserver: recording \/dev\/urandom/],
    ['gdbserver FIFO', ['gdbserver', '--port', '0', FIFO], /^samsara gdbserver: recording .*fifo/],
    ['gdb: recording /dev/zero', ['gdb', '--gdb', process.execPath, '/dev/zero'], /^samsara gdb: recording \/dev\/zero/],
    ['gdb: ELF /dev/zero', ['gdb', '--gdb', process.execPath, DIR, '/dev/zero'], /^samsara gdb: ELF \/dev\/zero/],
    ['gdb: ELF FIFO', ['gdb', '--gdb', process.execPath, DIR, FIFO], /^samsara gdb: ELF .*fifo/],
    ['symbolize /dev/zero', ['symbolize', '/dev/zero', '0'], /^samsara symbolize: ELF file \/dev\/zero/],
    // Files of the kernel: fstat says 0 bytes, and they have content (they were read as empty).
    ['image /proc/self/status', ['run', '/proc/self/status'], /^samsara run: image \/proc\/self\/status/],
    ['--bios /proc/cpuinfo', ['run', '--bios', '/proc/cpuinfo', DEMO], /^samsara run: --bios \/proc\/cpuinfo/],
    ['--initrd /proc/self/status', ['run', '--initrd', '/proc/self/status', DEMO], /^samsara run: --initrd \/proc\/self\/status/],
    ['--drive /proc/self/status', ['run', '--drive', '/proc/self/status', DEMO], /^samsara run: --drive \/proc\/self\/status/],
    ['replay /proc/self/status', ['replay', '/proc/self/status'], /^samsara replay: recording \/proc\/self\/status/],
    ['info /proc/self/stat', ['info', '/proc/self/stat'], /^samsara info: recording \/proc\/self\/stat/],
    ['symbolize /proc/self/maps', ['symbolize', '/proc/self/maps', '0'], /^samsara symbolize: ELF file \/proc\/self\/maps/],
    // An empty firmware was loaded and run (zeros: it never got anywhere).
    ['--bios of 0 bytes (empty)', ['run', '--bios', EMPTY, DEMO], /^samsara run: --bios .*empty: the file is empty \(firmware expected/],
  ];
  const kinds: [RegExp, RegExp][] = [[/\/proc/, /: its size is not known \(it says 0 bytes but has content, as \/proc files do\): copy it to a regular file$/], [/empty/, /is empty/], [/\/dev\/(zero|urandom)/, CHAR], [/FIFO/, IS_FIFO], [/dir/i, IS_DIR], [/over|larger/, /more than/]];
  const times: number[] = [];
  it.each(cases)('%s', (name, args, pattern) => {
    const kind = kinds.find(([k]) => k.test(name))![1];
    times.push(refused(args, pattern, kind));
  });
  afterAll(() => console.log(`input files: ${times.length} refusals, slowest ${Math.max(...times)} ms, median ${times.sort((a, b) => a - b)[times.length >> 1]} ms`));
});

describe('standard input is bounded too', () => {
  it('symbolize < /dev/zero: one line, exit 2, at once (it read all of it before, without end)', () => {
    const zero = fs.openSync('/dev/zero', 'r');
    try {
      const r = spawnSync(process.execPath, [SAMSARA, 'symbolize', DEMO], { cwd: ROOT, encoding: 'utf8', stdio: [zero, 'pipe', 'pipe'], timeout: PROMPT_MS });
      expect(r.error).toBeUndefined();
      expect(r.stderr).toBe('samsara symbolize: standard input: more than 64 MiB\n');
      expect(r.status).toBe(2);
    } finally {
      fs.closeSync(zero);
    }
  });
});

describe('write errors end in one line naming the option, exit 2 (item 6)', () => {
  it('record -o /dev/full', () => {
    refused(['record', '-o', '/dev/full', '--max-insns', '1000', DEMO], /^samsara record: -o \/dev\/full: no space left on the device$/);
  });

  it('--dtb-out /dev/full', () => {
    refused(['run', '--dtb-out', '/dev/full', '--max-insns', '1000', DEMO], /^samsara run: --dtb-out \/dev\/full: no space left on the device$/);
  });

  it('a write past the file size limit in the middle of a recording: one line, exit 2, and the recording so far replays', () => {
    const full = path.join(tmp, 'full.rec');
    expect(samsara(['record', '-o', full, '--clock', 'virtual', DEMO]).code).toBe(0);
    // The limit (ulimit -f, in KiB for bash) cuts the last KiB of the whole recording: past the snapshot, in the events.
    const kib = Math.floor((fs.statSync(full).size - 1) / 1024);
    const cut = path.join(tmp, 'cut.rec');
    // SIGXFSZ ignored (as the shell passes it on), so write(2) fails with EFBIG instead of killing the recorder.
    const r = spawnSync('bash', ['-c', `trap '' XFSZ; ulimit -c 0; ulimit -f ${kib}; exec "$@"`, 'bash', process.execPath, SAMSARA, 'record', '-o', cut, '--clock', 'virtual', DEMO], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr.trimEnd().split('\n'), r.stderr).toHaveLength(1);
    expect(r.stderr.trimEnd()).toMatch(/^samsara record: -o .*cut\.rec: the file is too large/);
    expect(r.status).toBe(2);
    expect(fs.statSync(cut).size).toBe(kib * 1024);
    const replay = samsara(['replay', cut]);
    expect(replay.stderr).toMatch(/cut\.rec is cut off at byte \d+ \(last complete block ends at byte \d+\); replayed up to position [1-9]\d*/);
    expect(replay.stderr).not.toMatch(/\n\s+at /);
  });
});

describe("gdbserver: the recording's kernel path is only read when it is a regular file of the recorded size", () => {
  it('a FIFO where the kernel was does not block the server', async () => {
    const image = path.join(tmp, 'kernel.elf');
    fs.copyFileSync(DEMO, image);
    const rec = path.join(tmp, 'kernel-fifo.rec');
    expect(samsara(['record', '-o', rec, '--clock', 'virtual', '--max-insns', '100000', image]).code).toBe(124);
    fs.rmSync(image);
    spawnSync('mkfifo', [image]);
    const child = spawn(process.execPath, [SAMSARA, 'gdbserver', '--port', '0', rec], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d) => { stderr += d; });
    const exit = exitOf(child, 'samsara gdbserver', 30_000, () => stderr);
    try {
      await waitUntil('the line to start gdb with', () => /start gdb with: gdb-multiarch vmlinux/.test(stderr), { timeoutMs: PROMPT_MS, child, output: () => stderr });
    } finally {
      child.kill('SIGKILL');
      await exit.catch(() => undefined);
    }
  });
});

describe('the monitor: record start on a file that cannot be written', () => {
  it('answers one line naming the command and the file; the run goes on', async () => {
    const child = spawn(process.execPath, [SAMSARA, 'run', '--clock', 'virtual', DEMO], { cwd: ROOT, stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d) => { stderr += d; });
    const exit = exitOf(child, 'samsara run with the monitor', 60_000, () => stderr);
    child.stdin!.write('\x01crecord start /dev/full\n');
    try {
      await waitUntil('the monitor\'s answer', () => /\n?record start \/dev\/full: no space left on the device\n/.test(stderr), { timeoutMs: 20_000, child, output: () => stderr });
      child.stdin!.end();
      expect(await exit).toBe(0); // the demo powers off
      expect(stderr).not.toMatch(/\n\s+at /);
    } finally {
      child.kill('SIGKILL');
      await exit.catch(() => undefined);
    }
  });
});
