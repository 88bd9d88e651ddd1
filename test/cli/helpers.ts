// Running the `samsara` command line as a user would, from tests.

import { spawnSync, SpawnSyncReturns } from 'node:child_process';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');
export const SAMSARA = path.join(ROOT, 'bin/samsara.js');

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function samsara(args: string[], options: { input?: string; timeoutMs?: number } = {}): Result {
  const r: SpawnSyncReturns<string> = spawnSync(process.execPath, [SAMSARA, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    input: options.input ?? '',
    timeout: options.timeoutMs ?? 120_000,
  });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function hasCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}
