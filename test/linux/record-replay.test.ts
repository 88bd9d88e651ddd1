// The Linux guest recorded from boot to power-off on 2 harts, with a line typed on the console
// during the run, then replayed: the console output is identical, byte for byte.

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findLinuxGuest } from '../../src/cli/linux-guest';
import { describe, expect, it } from 'vitest';
import { ROOT, SAMSARA, samsara, samsaraAsync } from '../cli/helpers';

const found = findLinuxGuest();
const guest = typeof found === 'string' ? undefined : found;
if (!guest) console.log(`test/linux/record-replay: skipped: ${found}`);

describe.skipIf(!guest)('Linux: record and replay', () => {
  it('2 harts, boot to power-off, a line typed on the console: the replay is identical', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-linux-rr-')), 'linux.rec');
    const child = spawn(process.execPath, [SAMSARA, 'record', '-o', file, '--harts', '2', '--append', 'console=ttyS0 earlycon=sbi', '--drive', guest!.disk, guest!.image], { cwd: ROOT });
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
