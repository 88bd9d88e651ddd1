// Our ISA test programs (test/isa/src), one per instruction class and privileged feature, built
// with the spec's strict expectations (STRICT=1) and run as the riscv-tests are:
// `samsara run --bios none --htif --max-insns 50000000 PROGRAM` must exit 0. And the HTIF
// convention itself: a failing test must not exit 0, and a store of tohost's low word alone does
// not end the run.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireTool, samsara } from '../cli/helpers';

const HERE = path.resolve(__dirname);
const OUT = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-isa-'));
const PROGRAMS = fs.readdirSync(path.join(HERE, 'src')).filter((f) => f.endsWith('.S')).map((f) => f.slice(0, -2)).sort();
const CC = 'riscv64-unknown-elf-gcc';
const NO_CC = requireTool(CC, 'the ISA tests assemble their programs with it; scripts/setup-debian installs it (gcc-riscv64-unknown-elf)');

describe.skipIf(NO_CC)('ISA test programs', () => {
  beforeAll(() => {
    const r = spawnSync('make', ['-s', '-C', HERE, `OUT=${OUT}`, 'STRICT=1', '-j2'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  }, 120_000);

  it('has programs for every class', () => {
    expect(PROGRAMS).toEqual(expect.arrayContaining(['rv64i_alu', 'rv64i_mem', 'rv64i_ctrl', 'rv64m', 'rv64a', 'rv64c', 'rv64f', 'rv64d', 'zicsr', 'priv_trap', 'priv_deleg', 'priv_irq', 'priv_mstatus', 'vm_sv39', 'vm_sv48', 'fence_i']));
  });

  it.each(PROGRAMS)('%s passes', (name) => {
    const r = samsara(['run', '--bios', 'none', '--htif', '--max-insns', '50000000', path.join(OUT, `${name}.elf`)]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});

/** Assemble a tiny bare-metal HTIF program. */
function htifProgram(name: string, body: string): string {
  const src = path.join(OUT, `${name}.S`);
  const elf = path.join(OUT, `${name}.elf`);
  fs.writeFileSync(src, `
    .section .text.init, "ax"
    .globl _start
_start:
${body}
1:  j 1b
    .section .tohost, "aw", @progbits
    .align 6
    .globl tohost
tohost: .dword 0
    .align 6
    .globl fromhost
fromhost: .dword 0
`);
  const r = spawnSync(CC, ['-march=rv64g', '-mabi=lp64', '-nostdlib', '-nostartfiles', '-T', path.join(HERE, 'link.ld'), '-o', elf, src], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  return elf;
}

describe.skipIf(NO_CC)('the HTIF convention', () => {
  it('a failing test exits with its case number, never 0', () => {
    const elf = htifProgram('fail7', '    la t0, tohost\n    li t1, (7 << 1) | 1\n    sd t1, 0(t0)');
    const r = samsara(['run', '--bios', 'none', '--htif', '--max-insns', '1000000', elf]);
    expect(r.code).toBe(7);
  });

  it('a store of the low word alone does not end the run; the high word does', () => {
    const lowOnly = htifProgram('low', '    la t0, tohost\n    li t1, 1\n    sw t1, 0(t0)');
    expect(samsara(['run', '--bios', 'none', '--htif', '--max-insns', '100000', lowOnly]).code).toBe(124);
    const both = htifProgram('both', '    la t0, tohost\n    li t1, 1\n    sw t1, 0(t0)\n    sw zero, 4(t0)');
    expect(samsara(['run', '--bios', 'none', '--htif', '--max-insns', '100000', both]).code).toBe(0);
  });

  it('a store through a virtual address reaches tohost, and device 1 prints', () => {
    // Sv39 with a 1 GiB identity page for RAM, entered in S-mode; print "ok" then pass.
    const elf = htifProgram('virt', `
    la t0, 2f
    csrw mtvec, t0
    la t0, root
    srli t0, t0, 12
    li t1, 8 << 60
    or t0, t0, t1
    csrw satp, t0
    li t0, 1 << 11
    csrs mstatus, t0
    la t0, 3f
    csrw mepc, t0
    mret
2:  li t1, 99 << 1 | 1
    la t0, tohost
    sd t1, 0(t0)
3:  la t0, tohost
    li t1, (1 << 56) | (1 << 48) | 'o'
    sd t1, 0(t0)
    li t1, (1 << 56) | (1 << 48) | 'k'
    sd t1, 0(t0)
    li t1, 1
    sd t1, 0(t0)
    .align 12
root:
    .dword 0
    .dword 0
    .dword (0x80000000 >> 12 << 10) | 0xcf
    .fill 509, 8, 0`);
    const r = samsara(['run', '--bios', 'none', '--htif', '--max-insns', '1000000', elf]);
    expect(r.stdout).toBe('ok');
    expect(r.code).toBe(0);
  });
});
