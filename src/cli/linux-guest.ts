// The Linux test guest that guests/linux/build.sh built: read from the manifest it writes.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface LinuxGuest {
  image: string;
  vmlinux: string;
  disk: string;
  manifest: string;
}

export function linuxManifestPath(): string {
  return path.join(process.env.SAMSARA_CACHE || path.join(os.homedir(), '.cache/samsara'), 'linux', 'latest.env');
}

/** The guest named by build.sh's manifest, or why there is none. */
export function findLinuxGuest(): LinuxGuest | string {
  const manifest = linuxManifestPath();
  if (!fs.existsSync(manifest)) return `no ${manifest}; run guests/linux/build.sh`;
  const env: Record<string, string> = {};
  for (const line of fs.readFileSync(manifest, 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)='?(.*?)'?$/.exec(line.trim());
    if (m) env[m[1]] = m[2];
  }
  const files = { image: env.SAMSARA_LINUX_IMAGE, vmlinux: env.SAMSARA_LINUX_VMLINUX, disk: env.SAMSARA_LINUX_DISK };
  for (const [name, file] of Object.entries(files)) {
    if (!file) return `${manifest} names no ${name}; run guests/linux/build.sh`;
    if (!fs.existsSync(file)) return `${file} (${name}, from ${manifest}) is missing; run guests/linux/build.sh`;
  }
  return { ...files, manifest };
}
