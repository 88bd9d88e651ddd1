// The Linux 6.1 guest on QEMU and on our machine, console against console. Both boot the same Image,
// disk and kernel command line; QEMU runs OpenSBI (`-bios default`), we run the built-in SBI. After
// the normalisations in RULES below (each says why the difference is legitimate), every line the
// kernel and /init print must be the same, in the same order. A line that differs otherwise is a
// difference in how the machine behaves, which is what this test is for.
//
// The kernel is not in the repository: the test finds it through guests/linux/build.sh's manifest
// and is skipped, saying why, when the kernel or qemu-system-riscv64 is missing.

import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { exitOf, requireLinuxGuest, requireTool, samsaraAsync } from '../cli/helpers';
import { LinuxGuest } from '../../src/cli/linux-guest';

const QEMU = 'qemu-system-riscv64';

/** Wall-clock limit for one boot (QEMU takes about 0.6 s, our machine 2-5 s on the development VM). */
const BOOT_TIMEOUT_MS = 300_000;

/**
 * The same on both machines, so that the command line itself is not a difference: plain `earlycon`
 * finds the UART through /chosen/stdout-path on QEMU's device tree and on ours.
 */
const APPEND = 'console=ttyS0 earlycon';


const guest = requireLinuxGuest('the QEMU comparison boots it on QEMU and on our machine');
const why = !guest ? 'the Linux guest is not built'
  : requireTool(QEMU, 'the QEMU comparison boots the Linux guest on it; scripts/setup-debian installs it (qemu-system-misc)') ? `${QEMU} not found` : '';

/** QEMU's `virt` board as close to ours as its options allow. */
function qemuArgs(g: LinuxGuest, harts: number): string[] {
  return [
    '-M', 'virt', '-smp', String(harts), '-m', '256M', '-nographic',
    '-bios', 'default', // QEMU's own OpenSBI 1.1 (fw_dynamic); ours is the built-in SBI
    '-kernel', g.image,
    '-append', APPEND,
    '-drive', `file=${g.disk},format=raw,if=none,id=d0,readonly=on`,
    // Created in the same order as ours (block, then entropy): QEMU fills the virtio-mmio slots from
    // the last (0x10008000) down, as we do, so the kernel finds them at the same addresses.
    '-device', 'virtio-blk-device,drive=d0',
    '-device', 'virtio-rng-device',
    // QEMU 7.2's virtio-mmio is the legacy version 1 unless told otherwise; ours is version 2.
    '-global', 'virtio-mmio.force-legacy=false',
  ];
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function qemu(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(QEMU, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
    exitOf(child, `${QEMU} ${args.join(' ')}`, BOOT_TIMEOUT_MS, () => stdout).then((code) => resolve({ code, stdout, stderr }), reject);
  });
}

interface Rule {
  /** Matched against a line after its timestamp is gone. */
  match: RegExp;
  /** What the line becomes; null drops it (and counts it, so that its presence is still checked). */
  replace: string | null;
}

/**
 * Everything that may differ, line by line. The list is meant to stay short: a new entry needs a
 * reason that is about firmware, the machine's description or timing, not about behaviour.
 * (Checked on QEMU 7.2.22 by also booting QEMU with our device tree, `-dtb`, and both machines over
 * the same fw_jump.elf: the entries marked "description" then disappear or move as stated.)
 */
const RULES: Rule[] = [
  // Firmware: OpenSBI 1.1 implements SBI 1.0; the built-in SBI implements 2.0 (it has DBCN).
  { match: /^SBI specification v\d+\.\d+ detected$/, replace: 'SBI specification v<version> detected' },
  // Firmware: the implementation id names the firmware (1 = OpenSBI; 0x5341 = ours) and its version.
  { match: /^SBI implementation ID=0x[0-9a-f]+ Version=0x[0-9a-f]+$/, replace: 'SBI implementation ID=<id> Version=<version>' },
  // Description: the kernel reads single-letter extensions from the device tree's riscv,isa; QEMU's
  // harts have H (acdfhim), ours do not (acdfim). The "ELF capabilities" line after it, what user
  // space is told, is not normalised and must match.
  { match: /^riscv: base ISA extensions [a-z]+$/, replace: 'riscv: base ISA extensions <isa>' },
  // Description: QEMU's riscv,isa lists Sstc, so the kernel programs stimecmp itself; our harts do not
  // implement Sstc and the kernel uses SBI set_timer, which it does not announce.
  { match: /^riscv-timer: Timer interrupt in S-mode is available via sstc extension$/, replace: null },
  // Description: the pages reserved before the page allocator starts (16 KiB more on QEMU) depend on
  // the device tree the kernel is given (QEMU's is 5.7 KB, two pages, after OpenSBI's fix-ups and
  // has more nodes to unflatten; ours is 3.2 KB: QEMU booted with our tree reserves 4 KiB less) and
  // on the paging mode: QEMU 7.2's harts have Sv57, which the kernel takes (satp mode 10, seen with
  // gdb), ours Sv48, so its page tables have one more level (with the same tree and the same
  // fw_jump.elf on both machines, 8 KiB remain). The total and the kernel's sections must match.
  {
    match: /^Memory: \d+K\/(\d+K) available \((.*), \d+K reserved, (.*)\)$/,
    replace: 'Memory: <avail>/$1 available ($2, <reserved> reserved, $3)',
  },
  // Description: the device tree's riscv,ndev. QEMU 7.2 writes 96 (its source count including the
  // reserved source 0); ours writes 95, the sources that exist (1..95), as QEMU 8 and later do.
  { match: /^(plic: \S+: mapped )\d+( interrupts with \d+ handlers for \d+ contexts\.)$/, replace: '$1<ndev>$2' },
  // Description: satp's ASID field: QEMU implements 16 bits, ours none (ASIDLEN = 0 is allowed).
  { match: /^ASID allocator (using \d+ bits \(\d+ entries\)|disabled \(\d+ bits\))$/, replace: 'ASID allocator <asid bits>' },
  // Timing: printed when the CRNG is first seeded, by the virtio-rng hwrng thread, concurrently with
  // device probing; where it falls among the probe messages varies between runs of QEMU alone.
  { match: /^random: crng init done$/, replace: null },
  // Timing: the unlocked counter races by design (README); the locked one must still be 200000.
  {
    match: /^samsara-init: race: racy=\d+ of 2000000 \(lost \d+\), (locked=\d+ of 200000)$/,
    replace: 'samsara-init: race: racy=<n> of 2000000 (lost <m>), $1',
  },
  // Firmware: the boot hart. OpenSBI's lottery lets whichever hart comes first boot the kernel (on
  // QEMU with 2 harts, hart 0 on some runs and hart 1 on others); the built-in SBI always starts hart
  // 0, which the test checks apart.
  {
    match: /^(riscv-timer: riscv_timer_init_dt: Registering clocksource cpuid \[0\] hartid )\[\d+\]$/,
    replace: '$1[<boot hart>]',
  },
  // Host randomness: getrandom() output, seeded from the entropy device's host bytes.
  { match: /^samsara-init: random: [0-9a-f]{32}$/, replace: 'samsara-init: random: <32 hex digits>' },
];

interface Normalised {
  /** What came before the kernel's first line: the firmware's banner. */
  firmware: string[];
  lines: string[];
  /** How many lines each rule that drops lines dropped, by rule index. */
  dropped: Map<number, number>;
}

function normalise(consoleText: string): Normalised {
  // The UART driver and OpenSBI end lines with CR LF on both machines; compare the text only.
  const all = consoleText.replace(/\r\n/g, '\n').split('\n');
  while (all.length > 0 && all[all.length - 1] === '') all.pop();
  // The firmware's banner: OpenSBI prints its logo and platform description before the kernel's
  // first line on QEMU; the built-in SBI prints nothing. The test checks each side's banner apart.
  const start = all.findIndex((l) => /^\[\s*\d+\.\d{6}\] Linux version /.test(l));
  const firmware = start < 0 ? all : all.slice(0, start);
  const lines: string[] = [];
  const dropped = new Map<number, number>();
  for (const raw of start < 0 ? [] : all.slice(start)) {
    // Timing: printk's timestamps ("[    1.234567] ") are the guest's clock; each machine runs at
    // its own speed.
    const line = raw.replace(/^\[\s*\d+\.\d{6}\] /, '');
    const i = RULES.findIndex((r) => r.match.test(line));
    if (i < 0) lines.push(line);
    else if (RULES[i].replace === null) dropped.set(i, (dropped.get(i) ?? 0) + 1);
    else lines.push(line.replace(RULES[i].match, RULES[i].replace!));
  }
  return { firmware, lines, dropped };
}

describe.skipIf(why !== '')(`Linux 6.1 guest: our console against QEMU's${why ? ` (skipped: ${why})` : ''}`, () => {
  const g = guest!;
  it.each([1, 2])(
    'prints the same console on %i hart(s) as QEMU (OpenSBI) once firmware, description and timing are normalised',
    async (harts) => {
      const q = await qemu(qemuArgs(g, harts));
      const o = await samsaraAsync(['run', '--harts', String(harts), '--append', APPEND, '--drive', g.disk, g.image], { timeoutMs: BOOT_TIMEOUT_MS });
      expect(q.code, `QEMU exit status; stderr: ${q.stderr.trim() || '(none)'}; console ends:\n${q.stdout.slice(-2000)}`).toBe(0);
      expect(o.code, `our exit status; stderr: ${o.stderr.trim() || '(none)'}; console ends:\n${o.stdout.slice(-2000)}`).toBe(0);
      const qn = normalise(q.stdout);
      const on = normalise(o.stdout);

      expect(qn.firmware.join('\n'), 'QEMU boots through OpenSBI, whose banner comes first').toContain('OpenSBI v');
      expect(on.firmware.filter((l) => l !== ''), 'the built-in SBI prints nothing before the kernel').toEqual([]);

      // The dropped timing line must still be there, once, on both.
      const crng = RULES.findIndex((r) => r.match.source.includes('crng init done'));
      expect(qn.dropped.get(crng), 'QEMU: "random: crng init done" once').toBe(1);
      expect(on.dropped.get(crng), 'ours: "random: crng init done" once').toBe(1);

      expect(on.lines[0]).toMatch(/^Linux version 6\.1\./);
      expect(on.lines[on.lines.length - 1]).toBe('reboot: Power down');
      expect(on.lines).toContain(`samsara-init: cpus: ${harts} online`);
      expect(o.stdout, 'the built-in SBI boots the kernel on hart 0').toContain('Registering clocksource cpuid [0] hartid [0]');
      const first = on.lines.findIndex((l, i) => l !== qn.lines[i]);
      expect(
        on.lines,
        first < 0 ? 'same lines' : `first difference at normalised line ${first + 1}: ours ${JSON.stringify(on.lines[first])}, QEMU ${JSON.stringify(qn.lines[first])}`,
      ).toEqual(qn.lines);
    },
    2 * BOOT_TIMEOUT_MS + 10_000,
  );
});
