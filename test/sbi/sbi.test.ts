// The built-in SBI against real firmware: one S-mode program that makes the calls a kernel makes
// (base probes, legacy console, DBCN, TIME with a timer interrupt, IPI, HSM start/stop/status,
// SRST) must print the same lines on our built-in SBI, on Debian's OpenSBI running on our machine,
// and on OpenSBI running on QEMU.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireTool, samsara } from '../cli/helpers';

const CC = 'riscv64-unknown-elf-gcc';
const FW_JUMP = '/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf';
const dir = path.resolve(__dirname);
const elf = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-sbi-')), 'sbi-test.elf');

const NO_CC = requireTool(CC, 'the SBI tests build their S-mode program with it; scripts/setup-debian installs it (gcc-riscv64-unknown-elf)');
const NO_FW_JUMP = !NO_CC && requireTool('OpenSBI', `the SBI test on OpenSBI runs ${FW_JUMP}; scripts/setup-debian installs it (opensbi)`, fs.existsSync(FW_JUMP));
const NO_QEMU = !NO_CC && requireTool('qemu-system-riscv64', 'the SBI test on QEMU runs it; scripts/setup-debian installs it (qemu-system-misc)');

const EXPECTED = `sbi-test: start
spec version >= 1.0: 1
probe TIME: 1
probe IPI: 1
probe HSM: 1
probe SRST: 1
probe unknown: 0
unknown extension error: -2
dbcn: write through the debug console
timer interrupt: 1
time advanced at least 1 ms: 1
ipi to self: 1
other hart stopped before start: 1
hart_start: 0
secondary ran with opaque: 42
other hart stopped again: 1
hart_start of a bad hart: -3
sbi-test: done
`;

/** The program's own lines (firmware banners come before them). */
// OpenSBI's console turns \n into \r\n.
const ownLines = (out: string): string => out.slice(Math.max(0, out.indexOf('sbi-test: start'))).replace(/\r\n/g, '\n');

describe.skipIf(NO_CC)('SBI calls from an S-mode program', () => {
  beforeAll(() => {
    const r = spawnSync(CC, ['-O2', '-march=rv64imac_zicsr', '-mabi=lp64', '-mcmodel=medany', '-ffreestanding', '-nostdlib',
      '-T', path.join(dir, 'link.ld'), '-o', elf, path.join(dir, 'start.S'), path.join(dir, 'sbi-test.c')], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('on the built-in SBI', () => {
    const r = samsara(['run', '--harts', '2', elf]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(EXPECTED);
  });

  it('on the built-in SBI with a virtual clock', () => {
    const r = samsara(['run', '--harts', '2', '--clock', 'virtual', elf]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(EXPECTED);
  });

  it.skipIf(NO_FW_JUMP)('on OpenSBI (fw_jump) running on our machine', () => {
    const r = samsara(['run', '--harts', '2', '--bios', FW_JUMP, elf]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('OpenSBI');
    expect(ownLines(r.stdout)).toBe(EXPECTED);
  });

  it.skipIf(NO_QEMU)('on OpenSBI running on QEMU', () => {
    const q = spawnSync('qemu-system-riscv64', ['-M', 'virt', '-smp', '2', '-nographic', '-bios', 'default', '-kernel', elf], { encoding: 'utf8', timeout: 60_000 });
    expect(q.status).toBe(0);
    expect(ownLines(q.stdout)).toBe(EXPECTED);
  });
});
