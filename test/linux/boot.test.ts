// The real-world guest: Linux 6.1 (Debian's linux-source-6.1, built by guests/linux/build.sh) with
// our /init (guests/linux/init.c), booted on `samsara run` on 1 and 2 harts. The kernel is not in the
// repository; these tests find it through the manifest that build.sh writes and are skipped, with a
// message saying how to build it, when it is not there.

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exitOf, requireLinuxGuest, requireTool } from '../cli/helpers';

const ROOT = path.resolve(__dirname, '../..');
const SAMSARA = path.join(ROOT, 'bin/samsara.js');

const OPENSBI = '/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf';

/** Wall-clock limit for one boot (a boot takes 2-5 s on the development VM). */
const BOOT_TIMEOUT_MS = 300_000;


const guest = requireLinuxGuest('the Linux boot tests boot it');
const NO_OPENSBI = !!guest && requireTool('OpenSBI', `the Linux boot test over OpenSBI runs ${OPENSBI}; scripts/setup-debian installs it (opensbi)`, fs.existsSync(OPENSBI));

interface Boot {
  code: number | null;
  signal: NodeJS.Signals | null;
  console: string;
  stderr: string;
  seconds: number;
}

function boot(args: string[]): Promise<Boot> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, [SAMSARA, 'run', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    // A boot that does not end in time fails naming the command and the console so far.
    exitOf(child, `samsara run ${args.join(' ')}`, BOOT_TIMEOUT_MS, () => Buffer.concat(out).toString('utf8')).catch(reject);
    child.on('close', (code, signal) => {
      resolve({
        code,
        signal,
        console: Buffer.concat(out).toString('utf8').replace(/\r\n/g, '\n'),
        stderr: Buffer.concat(err).toString('utf8'),
        seconds: Number(process.hrtime.bigint() - t0) / 1e9,
      });
    });
  });
}

/** The lines our /init printed, without the prefix. */
function initLines(consoleText: string): string[] {
  return consoleText
    .split('\n')
    .filter((l) => l.startsWith('samsara-init: '))
    .map((l) => l.slice('samsara-init: '.length));
}

function checkBoot(b: Boot, harts: number): void {
  const tail = b.console.split('\n').slice(-25).join('\n');
  const context = `exit ${b.code}${b.signal ? ` (${b.signal})` : ''} after ${b.seconds.toFixed(1)} s; stderr: ${b.stderr.trim() || '(none)'}; console ends:\n${tail}`;
  expect(b.console, context).toContain('Linux version 6.1');
  expect(b.console, context).toContain('Run /init as init process');
  const lines = initLines(b.console);
  expect(lines[0], context).toMatch(/^hello from init \(Linux 6\.1\.\d+ riscv64\)$/);
  expect(lines, context).toContain('mounted devtmpfs on /dev');
  expect(lines, context).toContain('mounted proc on /proc');
  expect(lines, context).toContain(`cpus: ${harts} online`);
  const race = lines.find((l) => l.startsWith('race: '));
  expect(race, context).toBeDefined();
  const m = /^race: racy=(\d+) of 2000000 \(lost (\d+)\), locked=(\d+) of 200000$/.exec(race!);
  expect(m, `${race}\n${context}`).not.toBeNull();
  expect(Number(m![1])).toBeGreaterThan(0);
  expect(Number(m![1])).toBeLessThanOrEqual(2_000_000);
  expect(Number(m![3]), 'the locked counter loses nothing').toBe(200_000);
  expect(lines, context).toContain('motd: Samsara Replay test guest: this line is /etc/motd, read from the initramfs.');
  expect(lines, context).toContain('disk: read 512 bytes from /dev/vda: "SAMSARA-DISK-MARKER: sector 0 of the Samsara Replay test disk"');
  expect(lines.find((l) => l.startsWith('random: ')), context).toMatch(/^random: [0-9a-f]{32}$/);
  expect(lines[lines.length - 1], context).toBe('done');
  expect(b.code, context).toBe(0);
}

describe.skipIf(!guest)(`Linux 6.1 guest on samsara run${guest ? '' : ' (skipped: not built; run guests/linux/build.sh)'}`, () => {
  const g = guest!;
  it.each([1, 2])(
    'boots on %i hart(s) with the built-in SBI, runs /init and powers off with 0',
    async (harts) => {
      const b = await boot(['--harts', String(harts), '--append', 'console=ttyS0 earlycon=sbi', '--drive', g.disk, g.image]);
      checkBoot(b, harts);
    },
    BOOT_TIMEOUT_MS + 10_000,
  );
  it.skipIf(NO_OPENSBI)(
    `boots on 2 harts over Debian's OpenSBI fw_jump.elf${NO_OPENSBI ? ` (skipped: no ${OPENSBI}; apt-get install opensbi)` : ''}`,
    async () => {
      const b = await boot(['--harts', '2', '--bios', OPENSBI, '--append', 'console=ttyS0 earlycon', '--drive', g.disk, g.image]);
      checkBoot(b, 2);
      expect(b.console).toContain('OpenSBI v');
    },
    BOOT_TIMEOUT_MS + 10_000,
  );
});
