// Starting `samsara gdbserver` on a free port for the gdb tests.

import { ChildProcess, spawn } from 'node:child_process';
import { ROOT, SAMSARA, waitUntil } from '../cli/helpers';

export interface GdbServer {
  process: ChildProcess;
  port: number;
  /** What it has logged so far (stderr): "gdb connected from ...", "gdb disconnected", ... */
  log(): string;
  /**
   * Wait until no gdb is connected (as many "gdb disconnected" as "gdb connected" in its log). The
   * stub serves one gdb at a time and refuses a connection made before it has seen the last one
   * close: a client that connects right after another closed waits for this first.
   */
  idle(timeoutMs?: number): Promise<void>;
}

/**
 * Start a gdbserver for `recording` on a free port; resolves once it says it listens. Rejects, with
 * what it printed, when it exits first or does not listen within `timeoutMs` (then it is killed).
 */
export function startGdbServer(recording: string, timeoutMs = 60_000): Promise<GdbServer> {
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
        const count = (re: RegExp): number => (err.match(re) ?? []).length;
        resolve({
          process: child,
          port: Number(m[1]),
          log: () => err,
          idle: (ms = 30_000) => waitUntil('the gdbserver to have no gdb connected', () => count(/gdb connected from/g) === count(/gdb disconnected/g), { timeoutMs: ms, child, output: () => err }),
        });
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
