// Issue 12, item 4, in the debug adapter: a launch whose `recording` or `program` is a device
// (/dev/zero, /dev/urandom), a FIFO or a directory is answered at once with one sentence naming it
// (AdapterError BadInput), and the adapter stays usable: the same session then launches the real
// recording. Before, a launch on /dev/zero read it for ever and never answered.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PROMPT_MS } from '../cli/helpers';
import { DEMO, sharedRecording } from '../cli/recordings';
import { DapClient } from './client';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-dap-files-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const FIFO = path.join(tmp, 'fifo');
spawnSync('mkfifo', [FIFO]);

let client: DapClient | undefined;
afterEach(async () => client?.close());

describe('samsara dap: launch on a file that is not a regular file answers at once', () => {
  let REC = '';
  beforeAll(() => {
    REC = sharedRecording().file;
  }, 120_000);

  const cases: [string, () => Record<string, unknown>, RegExp][] = [
    ['recording /dev/zero', () => ({ recording: '/dev/zero' }), /^cannot open the recording: \/dev\/zero: not a regular file \(a character device\)$/],
    ['recording /dev/urandom', () => ({ recording: '/dev/urandom', program: DEMO }), /^cannot open the recording: \/dev\/urandom: not a regular file \(a character device\)$/],
    ['recording FIFO', () => ({ recording: FIFO }), /^cannot open the recording: .*fifo: not a regular file \(a FIFO\)$/],
    ['recording directory', () => ({ recording: tmp }), /^cannot open the recording: .*: is a directory$/],
    ['program /dev/zero', () => ({ recording: REC, program: '/dev/zero' }), /^cannot read the program's symbols: \/dev\/zero: not a regular file \(a character device\)$/],
    ['program FIFO', () => ({ recording: REC, program: FIFO }), /^cannot read the program's symbols: .*fifo: not a regular file \(a FIFO\)$/],
    ['program directory', () => ({ recording: REC, program: tmp }), /^cannot read the program's symbols: .*: is a directory$/],
  ];

  it.each(cases)('%s', async (_name, launch, pattern) => {
    const c = (client = new DapClient());
    await c.request('initialize', { adapterID: 'samsara' });
    const t0 = Date.now();
    const r = await c.send('launch', launch(), PROMPT_MS);
    const ms = Date.now() - t0;
    expect(r.success).toBe(false);
    expect(r.message).toMatch(pattern);
    expect(r.message).not.toContain('\n');
    expect(ms).toBeLessThan(PROMPT_MS);
    // The session is still good: the real recording launches.
    await c.request('launch', { recording: REC, program: DEMO });
    await c.waitFor('initialized', 30_000);
  });

  it('a second launch in a session that has a recording open is refused (the first one\'s motion would report into it)', async () => {
    const c = (client = new DapClient());
    await c.request('initialize', { adapterID: 'samsara' });
    await c.request('launch', { recording: REC, program: DEMO });
    await c.waitFor('initialized', 30_000);
    const r = await c.send('launch', { recording: REC, program: DEMO }, PROMPT_MS);
    expect(r.success).toBe(false);
    expect(r.message).toBe('a recording is already open in this session (one launch per session: start another session to open another recording)');
  });
});
