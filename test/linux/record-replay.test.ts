// The Linux guest recorded from boot to power-off on 2 harts, with a line typed on the console
// during the run, then replayed: the console output is identical, byte for byte.

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, SAMSARA, samsara, samsaraAsync } from '../cli/helpers';

function manifest(): Record<string, string> | undefined {
  const file = path.join(process.env.SAMSARA_CACHE || path.join(os.homedir(), '.cache/samsara'), 'linux', 'latest.env');
  if (!fs.existsSync(file)) return undefined;
  const env: Record<string, string> = {};
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)='?(.*?)'?$/.exec(line.trim());
    if (m) env[m[1]] = m[2];
  }
  return fs.existsSync(env.SAMSARA_LINUX_IMAGE ?? '') && fs.existsSync(env.SAMSARA_LINUX_DISK ?? '') ? env : undefined;
}

const env = manifest();
if (!env) console.log('test/linux/record-replay: skipped: no built kernel (run guests/linux/build.sh)');

describe.skipIf(!env)('Linux: record and replay', () => {
  it('2 harts, boot to power-off, a line typed on the console: the replay is identical', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-linux-rr-')), 'linux.rec');
    const child = spawn(process.execPath, [SAMSARA, 'record', '-o', file, '--harts', '2', '--append', 'console=ttyS0 earlycon=sbi', '--drive', env!.SAMSARA_LINUX_DISK, env!.SAMSARA_LINUX_IMAGE], { cwd: ROOT });
    const closed = new Promise<number | null>((r) => child.on('close', r));
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d) => { stdout += d; });
    // Type a line once the kernel is up.
    for (let i = 0; i < 500 && !stdout.includes('Run /init'); i++) await new Promise((r) => setTimeout(r, 20));
    child.stdin.write('typed during the recording\n');
    expect(await closed).toBe(0);
    expect(stdout).toContain('samsara-init: done');

    const replay = await samsaraAsync(['replay', file]);
    expect(replay.code, replay.stderr).toBe(0);
    expect(replay.stdout).toBe(stdout);
    expect(replay.stderr).toMatch(/replayed \d+ steps to the end \(poweroff, code 0\)/);

    const info = samsara(['info', file]).stdout;
    expect(info).toMatch(/console input\s+1 \(27 bytes\)/);
    expect(info).toMatch(/block reads \(DMA\)\s+\d+ \([1-9]\d* bytes\)/);
    expect(info).toMatch(/syscalls \(ecall from U\)\s+[1-9]\d*/);
  }, 300_000);
});
