// Running real gdb-multiarch in batch mode against `samsara gdbserver`, for the gdb tests.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface GdbOptions {
  /** Wall-clock limit (default 120 s). */
  timeoutMs?: number;
  /**
   * The exit status expected (default 0). In batch mode gdb exits with 1 when a command of the
   * script fails, and runs none of the commands after it: a script that ends with a command that
   * must fail (a refused write) says so here.
   */
  status?: number;
}

/**
 * Run gdb-multiarch in batch mode on `elf`, connected to the stub on 127.0.0.1:`port`, with these
 * commands (then `disconnect`); returns what it printed (stdout and stderr). It runs in a temporary
 * folder of its own (never the repository: nothing it writes lands there) with core dumps off (a
 * gdb internal error aborts, and must not leave a core file behind). Throws, with gdb's output,
 * when gdb cannot be started, runs out of time, is killed, or exits with another status.
 */
export function runGdb(commands: string[], elf: string, port: number, options: GdbOptions = {}): string {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const expected = options.status ?? 0;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-gdb-batch-'));
  const script = path.join(dir, 'script.gdb');
  fs.writeFileSync(script, ['set pagination off', 'set confirm off', `target remote 127.0.0.1:${port}`, ...commands, 'disconnect'].join('\n') + '\n');
  const r = spawnSync('sh', ['-c', 'ulimit -c 0; exec "$@"', 'sh', 'gdb-multiarch', '-nx', '-batch', '-x', script, elf], {
    cwd: dir,
    // gdb prints strings by its host charset: the tests compare with UTF-8 (the C.UTF-8 locale).
    env: { ...process.env, LC_ALL: 'C.UTF-8' },
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 64 * 2 ** 20,
  });
  const out = (r.stdout ?? '') + (r.stderr ?? '');
  const problem = r.error
    ? (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT' ? `did not finish in ${timeoutMs} ms (killed)` : `could not run: ${r.error.message}`
    : r.status !== expected ? `exited with ${r.status === null ? `signal ${r.signal}` : `status ${r.status}`}, expected ${expected}` : '';
  if (problem) {
    // Kept for a look: the script, next to where gdb ran.
    throw new Error(`gdb-multiarch ${problem}; script ${script}:\n${commands.join('\n')}\n--- stderr:\n${r.stderr ?? ''}\n--- stdout (last 4000 characters):\n${(r.stdout ?? '').slice(-4000)}`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
  return out;
}
