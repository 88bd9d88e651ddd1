// The console monitor (Ctrl-A c): several recordings in one run, one after another, each of which
// replays with the console output it saw.

import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { exitOf, requireTool, ROOT, SAMSARA, samsara, waitUntil } from './helpers';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-monitor-'));
const CC = 'riscv64-unknown-elf-gcc';
const NO_CC = requireTool(CC, 'the monitor tests build their guest program with it; scripts/setup-debian installs it (gcc-riscv64-unknown-elf)');

/** A bare-metal guest that counts forever, printing a dot now and then: it runs until told to quit. */
function spinner(): string {
  const src = path.join(tmp, 'spin.S');
  const elf = path.join(tmp, 'spin.elf');
  fs.writeFileSync(src, `
    .section .text.init, "ax"
    .globl _start
_start:
    li t0, 0x10000000
1:  addi a0, a0, 1
    slli a1, a0, 44
    bnez a1, 1b
    li a2, '.'
    sb a2, 0(t0)
    j 1b
`);
  const r = spawnSync(CC, ['-march=rv64g', '-mabi=lp64', '-nostdlib', '-nostartfiles', '-T', path.join(ROOT, 'test/isa/link.ld'), '-o', elf, src], { encoding: 'utf8' });
  expect(r.status).toBe(0);
  return elf;
}

describe.skipIf(NO_CC)('the monitor', () => {
  it('record start / record stop twice in one run, info, quit; both recordings replay', async () => {
    const a = path.join(tmp, 'a.rec');
    const b = path.join(tmp, 'b.rec');
    const child = spawn(process.execPath, [SAMSARA, 'run', '--bios', 'none', '--harts', '2', spinner()], { cwd: ROOT });
    let stderr = '';
    const closed = exitOf(child, 'samsara run with the monitor', 50_000, () => stderr);
    closed.catch(() => {}); // (awaited below; a failure before that must not be an unhandled rejection)
    onTestFinished(() => { child.kill('SIGKILL'); });
    child.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
    child.stdout.resume();
    /** Type a monitor command; fails unless the monitor's answer (on stderr) comes within 10 s. */
    const say = async (text: string, waitFor: RegExp): Promise<void> => {
      child.stdin.write(text);
      await waitUntil(`the monitor's answer to ${JSON.stringify(text)} (${waitFor})`, () => waitFor.test(stderr), { timeoutMs: 10_000, child, output: () => stderr });
    };
    await say(`\x01crecord start ${a}\n`, /recording into .*a\.rec from position \d+/);
    await new Promise((r) => setTimeout(r, 100));
    await say('\x01crecord stop\n', /recording stopped at position \d+: \d+ steps/);
    await say(`\x01crecord start ${b}\n`, /recording into .*b\.rec/);
    await say('\x01cinfo\n', /recording since position \d+/);
    await say('\x01cbogus\n', /unknown monitor command 'bogus'/);
    await say('\x01crecord stop\n', /recording stopped[\s\S]*recording stopped/);
    child.stdin.write('\x01cquit\n');
    const code = await closed;
    expect(code).toBe(0);
    expect(stderr).toMatch(/hart 0: pc 0x[0-9a-f]+/);
    const stoppedAt = [...stderr.matchAll(/recording stopped at position (\d+): (\d+) steps/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(stoppedAt).toHaveLength(2);
    [a, b].forEach((f, i) => {
      const r = samsara(['replay', f]);
      expect(r.code, r.stderr).toBe(0);
      // A recording made from the monitor starts where the run was: it holds the steps recorded.
      const m = /replayed (\d+) steps \(positions (\d+)\.\.(\d+)\) to the end \(stopped\)/.exec(r.stderr);
      expect(m, r.stderr).not.toBeNull();
      expect(Number(m![1])).toBe(stoppedAt[i][1]);
      expect(Number(m![3])).toBe(stoppedAt[i][0]);
    });
    const infoA = samsara(['info', a]).stdout;
    expect(infoA).toMatch(/ends: stopped at position \d+/);
  }, 60_000);
});
