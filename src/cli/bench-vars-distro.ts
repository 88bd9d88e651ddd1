// The program's data at scale for `samsara bench --only vars-distro`: Debian's distribution kernel
// and its debug vmlinux (DWARF 5), booting a busybox initramfs, as scripts/fetch-distro-kernel
// fetched and prepared them (its manifest names the files). Not for CI: the download is 1.1 GB.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { benchVars, recordFile } from './bench-vars';

export interface DistroKernel {
  /** The kernel as the bootloader loads it (the riscv64 Image, from the package's /boot/vmlinux-*). */
  image: string;
  /** The debug ELF (the -dbg package's /usr/lib/debug/boot/vmlinux-*). */
  vmlinux: string;
  initrd: string;
  manifest: string;
}

/** The command line: the initramfs's /init (scripts/fetch-distro-kernel) powers off when done. */
export const DISTRO_APPEND = 'console=ttyS0 earlycon rdinit=/init';

export function distroManifestPath(): string {
  return path.join(process.env.SAMSARA_CACHE || path.join(os.homedir(), '.cache/samsara'), 'distro', 'latest.env');
}

/** The kernel named by scripts/fetch-distro-kernel's manifest, or why there is none. */
export function findDistroKernel(): DistroKernel | string {
  const manifest = distroManifestPath();
  if (!fs.existsSync(manifest)) return `no ${manifest}; run scripts/fetch-distro-kernel (a 1.1 GB download)`;
  const env: Record<string, string> = {};
  for (const line of fs.readFileSync(manifest, 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)='?(.*?)'?$/.exec(line.trim());
    if (m) env[m[1]] = m[2];
  }
  const files = { image: env.SAMSARA_DISTRO_IMAGE, vmlinux: env.SAMSARA_DISTRO_VMLINUX, initrd: env.SAMSARA_DISTRO_INITRD };
  for (const [name, file] of Object.entries(files)) {
    if (!file) return `${manifest} names no ${name}; run scripts/fetch-distro-kernel`;
    if (!fs.existsSync(file)) return `${file} (${name}, from ${manifest}) is missing; run scripts/fetch-distro-kernel`;
  }
  return { ...files, manifest };
}

export async function benchVarsDistro(): Promise<void> {
  const k = findDistroKernel();
  if (typeof k === 'string') {
    console.log(`program's data on the distribution kernel: skipped (${k})`);
    return;
  }
  const args = ['--harts', '2', '--mem', '512M', '--initrd', k.initrd, '--append', DISTRO_APPEND];
  const r = recordFile('distro', args, k.image);
  if (typeof r === 'string') {
    console.log(`program's data on the distribution kernel (${path.basename(k.vmlinux)}): the recording failed: ${r}`);
    return;
  }
  const size = (f: string): string => `${(fs.statSync(f).size / 2 ** 20).toFixed(0)} MB`;
  console.log(`distribution kernel: ${k.image} recorded in ${(r.ms / 1000).toFixed(1)} s (${size(r.file)}), debug ELF ${k.vmlinux} (${size(k.vmlinux)})`);
  try {
    await benchVars({ name: `Debian ${path.basename(k.vmlinux)} (2 harts)`, recording: r.file, vmlinux: k.vmlinux, breakAt: 'do_sys_openat2', stops: 30, profileDir: process.env.SAMSARA_BENCH_PROFILE });
  } finally {
    fs.rmSync(path.dirname(r.file), { recursive: true, force: true });
  }
}
