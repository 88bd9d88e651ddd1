// Starting `samsara gdbserver` on a free port for the gdb tests.

import { ChildProcess, spawn } from 'node:child_process';
import { ROOT, SAMSARA } from '../cli/helpers';

/** Start a gdbserver for `recording` on a free port; resolves once it listens. */
export function startGdbServer(recording: string): Promise<{ process: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [SAMSARA, 'gdbserver', '--port', '0', recording], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  return new Promise((resolve, reject) => {
    child.stderr!.setEncoding('utf8').on('data', (d) => {
      err += d;
      const m = /on 127\.0\.0\.1:(\d+)/.exec(err);
      if (m) resolve({ process: child, port: Number(m[1]) });
    });
    child.on('exit', (code) => reject(new Error(`gdbserver exited ${code}: ${err}`)));
  });
}
