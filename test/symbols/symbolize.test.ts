// `samsara symbolize`: the demo kernel's real oops decoded into source lines (checked against
// addr2line), addresses and symbol+offset looked up one by one, and bad input refused clearly.

import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireTool, ROOT, samsara } from '../cli/helpers';
import { sharedRecording } from '../cli/recordings';

const DEMO = path.join(ROOT, 'guests/demo/demo.elf');
const ADDR2LINE = 'riscv64-unknown-elf-addr2line';

function addr2line(address: bigint): string {
  const r = spawnSync(ADDR2LINE, ['-e', DEMO, `0x${address.toString(16)}`], { encoding: 'utf8' });
  return r.stdout.trim().replace(/ \(discriminator \d+\)$/, '');
}

describe('samsara symbolize', () => {
  it.skipIf(requireTool(ADDR2LINE, 'the symbolize test compares with addr2line; scripts/setup-debian installs it (binutils-riscv64-unknown-elf)'))('decodes the demo kernel\'s oops: every call trace frame gets its source line (return addresses one byte back)', () => {
    // seed 5 with the virtual clock: the race hits and the kernel oopses. The console of the run
    // recorded for the gdb and debug adapter tests (made once per test run).
    const run = sharedRecording();
    expect(run.stdout).toContain('Call Trace:');
    const r = samsara(['symbolize', DEMO], { input: run.stdout });
    expect(r.code).toBe(0);
    const frames = [...r.stdout.matchAll(/\[<([0-9a-f]{16})>\] \S+ (\S+:\d+)$/gm)];
    expect(frames.length).toBe([...run.stdout.matchAll(/\[<[0-9a-f]{16}>\]/g)].length);
    frames.forEach(([, address, where], i) => {
      const a = BigInt(`0x${address}`);
      expect(where).toBe(addr2line(i === 0 ? a : a - 1n));
    });
    expect(frames[0][2]).toBe('guests/demo/objects.c:125'); // the BUG_ON in obj_put
    // Lines without addresses pass through unchanged.
    expect(r.stdout).toContain('Kernel panic - not syncing: Fatal exception');
  });

  it('looks up addresses and symbol+offset names', () => {
    const r = samsara(['symbolize', DEMO, 'obj_put+0x2c/0x2e', 'obj_put']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^0xffffffff[0-9a-f]{8} obj_put\+0x2c\/0x2e: obj_put guests\/demo\/objects\.c:125$/m);
    expect(r.stdout).toMatch(/obj_put\+0x0\/0x2e: obj_put guests\/demo\/objects\.c:\d+$/m);
  });

  it('names the problem with bad input', () => {
    const unknown = samsara(['symbolize', DEMO, 'no_such_function+0x4']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no_such_function+0x4: no such symbol');
    const missing = samsara(['symbolize', path.join(ROOT, 'no-such-vmlinux')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no-such-vmlinux/);
    const notElf = samsara(['symbolize', path.join(ROOT, 'package.json'), '0x10']);
    expect(notElf.code).toBe(2);
    expect(notElf.stderr).toContain('not an ELF file');
    expect(samsara(['symbolize']).code).toBe(2);
  });
});
