// `samsara run` as a user meets it: exit codes, one-line errors for bad input, the console, and
// the same program's output on QEMU.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireTool, ROOT, samsara } from './helpers';

const LOOP = path.join(ROOT, 'guests/bench/loop-small.elf');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-run-'));

function oneLineError(r: { code: number | null; stderr: string; stdout: string }, pattern: RegExp): void {
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
}

describe('samsara run: bad input gives one line and exit 2', () => {
  it('a missing file', () => {
    oneLineError(samsara(['run', path.join(tmp, 'nope.elf')]), /nope\.elf: no such file/);
  });
  it('an ELF for another machine (the node binary)', () => {
    oneLineError(samsara(['run', process.execPath]), /not a RISC-V ELF/);
  });
  it('a truncated ELF', () => {
    const data = fs.readFileSync(LOOP);
    const cut = path.join(tmp, 'cut.elf');
    fs.writeFileSync(cut, data.subarray(0, 200));
    oneLineError(samsara(['run', '--bios', 'none', cut]), /truncated|beyond the end/);
  });
  it('a file that is neither ELF nor Image', () => {
    const junk = path.join(tmp, 'junk.bin');
    fs.writeFileSync(junk, 'hello, world\n'.repeat(10));
    oneLineError(samsara(['run', junk]), /not an ELF file or a RISC-V Linux Image/);
  });
  it.each([
    [['--harts', '9'], /--harts must be 1 to 8/],
    [['--harts', 'two'], /--harts needs a whole number/],
    [['--mem', '3G'], /--mem must be between 1M and 2G/],
    [['--mem', 'lots'], /--mem: cannot read size/],
    [['--clock', 'sundial'], /--clock must be 'host' or 'virtual'/],
    [['--max-insns', '0'], /--max-insns must be at least 1/],
    [['--frobnicate'], /Unknown option '--frobnicate'/],
    [['--drive', 'x.img,wat'], /--drive: unknown flag 'wat'/],
    [['--bios', '/no/such/firmware'], /--bios \/no\/such\/firmware: no such file/],
  ])('impossible option %j', (args, pattern) => {
    oneLineError(samsara(['run', ...(args as string[]), LOOP]), pattern as RegExp);
  });
  it('no image', () => {
    oneLineError(samsara(['run']), /no image given/);
  });
  it('an ELF outside RAM with --bios none', () => {
    // The loop linked at 0x40000000, below RAM.
    const elf = path.join(tmp, 'low.elf');
    const data = Buffer.from(fs.readFileSync(LOOP));
    // Patch every PT_LOAD's p_paddr and p_vaddr down by 0x40000000.
    const phoff = Number(data.readBigUInt64LE(32));
    const phnum = data.readUInt16LE(56);
    for (let i = 0; i < phnum; i++) {
      const o = phoff + i * 56;
      if (data.readUInt32LE(o) !== 1) continue;
      data.writeBigUInt64LE(data.readBigUInt64LE(o + 16) - 0x40000000n, o + 16);
      data.writeBigUInt64LE(data.readBigUInt64LE(o + 24) - 0x40000000n, o + 24);
    }
    fs.writeFileSync(elf, data);
    oneLineError(samsara(['run', '--bios', 'none', elf]), /outside RAM/);
  });
});

describe('samsara run: running guests', () => {
  it('--help lists the options; samsara --help lists the subcommands', () => {
    const top = samsara(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/^\s+run\s+/m);
    const run = samsara(['run', '--help']);
    expect(run.code).toBe(0);
    for (const opt of ['--harts', '--mem', '--append', '--initrd', '--drive', '--max-insns', '--dtb-out', '--clock', '--bios', '--htif']) {
      expect(run.stdout).toContain(opt);
    }
  });

  it('runs the bench loop to a clean power-off with its checksum on the console', () => {
    const r = samsara(['run', '--bios', 'none', LOOP]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^([0-9a-f]{16} ){6}\n$/);
  });

  it('--max-insns stops a run with exit 124 and says so', () => {
    const r = samsara(['run', '--bios', 'none', '--max-insns', '100000', LOOP]);
    expect(r.code).toBe(124);
    expect(r.stderr).toMatch(/stopped after 100000 instructions/);
  });

  it('--clock virtual gives identical runs', () => {
    const a = samsara(['run', '--bios', 'none', '--clock', 'virtual', '--harts', '2', LOOP]);
    const b = samsara(['run', '--bios', 'none', '--clock', 'virtual', '--harts', '2', LOOP]);
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
  });

  it.skipIf(requireTool('dtc', 'the --dtb-out test decompiles the blob with it; scripts/setup-debian installs it (device-tree-compiler)'))('--dtb-out writes a device tree that dtc decompiles cleanly', () => {
    const out = path.join(tmp, 'machine.dtb');
    const r = samsara(['run', '--bios', 'none', '--harts', '3', '--append', 'console=ttyS0', '--dtb-out', out, LOOP]);
    expect(r.code).toBe(0);
    const dtc = spawnSync('dtc', ['-I', 'dtb', '-O', 'dts', out], { encoding: 'utf8' });
    expect(dtc.status).toBe(0);
    expect(dtc.stderr).toBe('');
    expect(dtc.stdout).toContain('cpu@2');
    expect(dtc.stdout).toContain('bootargs = "console=ttyS0"');
  });
});

describe.skipIf(requireTool('qemu-system-riscv64', 'the differential test runs the same program on QEMU; scripts/setup-debian installs it (qemu-system-misc)'))('differential: the same bare-metal program on QEMU and on our machine', () => {
  it('prints the same checksums (registers and memory after 2 million instructions)', () => {
    const q = spawnSync('qemu-system-riscv64', ['-M', 'virt', '-bios', 'none', '-nographic', '-kernel', LOOP], { encoding: 'utf8', timeout: 60_000 });
    expect(q.status).toBe(0);
    const ours = samsara(['run', '--bios', 'none', LOOP]);
    expect(ours.code).toBe(0);
    expect(ours.stdout).toBe(q.stdout);
  });
});
