// Starting `samsara gdbserver` on a free port for the gdb tests.

import { ChildProcess, spawn } from 'node:child_process';
import { ROOT, SAMSARA } from '../cli/helpers';

/**
 * Start a gdbserver for `recording` on a free port; resolves once it says it listens. Rejects, with
 * what it printed, when it exits first or does not listen within `timeoutMs` (then it is killed).
 */
export function startGdbServer(recording: string, timeoutMs = 60_000): Promise<{ process: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [SAMSARA, 'gdbserver', '--port', '0', recording], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`samsara gdbserver ${recording} did not say "serving ... on 127.0.0.1:PORT" within ${timeoutMs} ms (killed); stderr: ${err}`));
    }, timeoutMs);
    child.stderr!.setEncoding('utf8').on('data', (d) => {
      err += d;
      const m = /on 127\.0\.0\.1:(\d+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve({ process: child, port: Number(m[1]) });
      }
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`samsara gdbserver could not run: ${e.message}`));
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`samsara gdbserver exited (${code ?? signal}) before it said it was serving: ${err}`));
    });
  });
}
