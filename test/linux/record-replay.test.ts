// The Linux guest recorded from boot to power-off, with a line typed on the console during the run,
// then replayed: the console output is identical, byte for byte. On 2 harts with the serial recorder
// and with the parallel one (every hart on its own worker thread), and on 4 harts with the parallel
// one; the replayer is the same serial one for all.

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { exitOf, requireLinuxGuest, ROOT, SAMSARA, samsara, samsaraAsync, waitUntil } from '../cli/helpers';

const guest = requireLinuxGuest('the Linux record and replay test records it');

describe.skipIf(!guest)('Linux: record and replay', () => {
  // The 2-hart parallel recording runs every slice in parallel; the 4-hart one as the engine
  // chooses (slices that do not pay in parallel run in turns).
  it.each([
    [2, '--serial', {}],
    [2, '--parallel', { SAMSARA_PARALLEL_ALWAYS: '1' }],
    [4, '--parallel', {}],
  ])('%i harts, %s, boot to power-off, a line typed on the console: the replay is identical', async (harts, mode, env) => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-linux-rr-')), 'linux.rec');
    const child = spawn(process.execPath, [SAMSARA, 'record', mode, '-o', file, '--harts', String(harts), '--append', 'console=ttyS0 earlycon=sbi', '--drive', guest!.disk, guest!.image], { cwd: ROOT, env: { ...process.env, ...env } });
    let stdout = '';
    const closed = exitOf(child, 'samsara record of the Linux guest', 280_000, () => stdout);
    closed.catch(() => {}); // (awaited below; a failure before that must not be an unhandled rejection)
    onTestFinished(() => { child.kill('SIGKILL'); });
    child.stdout.setEncoding('utf8').on('data', (d) => { stdout += d; });
    // Type a line once the kernel is up.
    await waitUntil('"Run /init" on the console of the Linux guest being recorded', () => stdout.includes('Run /init'), { timeoutMs: 120_000, child, output: () => stdout });
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
