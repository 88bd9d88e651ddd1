// Running the `samsara` command line as a user would, from tests.

import { spawn, spawnSync, SpawnSyncReturns } from 'node:child_process';
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

/** As samsara(), without blocking the test worker's event loop (for long runs). */
export function samsaraAsync(args: string[], options: { timeoutMs?: number } = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SAMSARA, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 300_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
