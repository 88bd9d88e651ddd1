// Servers listen on 127.0.0.1 unless asked otherwise; asked for an address beyond this machine, both
// say that anyone who can reach it gets in (neither protocol has authentication).

import { spawn } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { sharedRecording } from './recordings';
import { ROOT, SAMSARA, waitUntil } from './helpers';

let REC: string;

/** Start `samsara ARGS`, wait until stderr matches `ready`, kill it, and return what it printed. */
async function startAndStop(args: string[], ready: RegExp): Promise<string> {
  const child = spawn(process.execPath, [SAMSARA, ...args], { cwd: ROOT, stdio: ['pipe', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d) => { err += d; });
  try {
    await waitUntil(`samsara ${args[0]} to print ${ready}`, () => ready.test(err), { timeoutMs: 60_000, child, output: () => err });
  } finally {
    child.kill('SIGKILL');
  }
  return err;
}

describe('where the servers listen', () => {
  beforeAll(() => {
    REC = sharedRecording().file;
  }, 300_000);

  it('gdbserver: 127.0.0.1 says nothing; --host 0.0.0.0 warns that the recording is open to anyone', async () => {
    const local = await startAndStop(['gdbserver', '--port', '0', REC], /serving .* on 127\.0\.0\.1:\d+/);
    expect(local).not.toMatch(/warning/);
    const wide = await startAndStop(['gdbserver', '--host', '0.0.0.0', '--port', '0', REC], /serving .* on 0\.0\.0\.0:\d+/);
    expect(wide).toMatch(/^samsara gdbserver: warning: listening on 0\.0\.0\.0: anyone who can reach it can read the recording/m);
  }, 120_000);

  it('dap --port: --host 0.0.0.0 warns as well', async () => {
    const wide = await startAndStop(['dap', '--host', '0.0.0.0', '--port', '0'], /warning: listening on 0\.0\.0\.0/);
    expect(wide).toMatch(/^samsara dap: warning: listening on 0\.0\.0\.0: anyone who can reach it can open files this user can read/m);
  }, 60_000);
});
