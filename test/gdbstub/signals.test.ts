// `samsara gdbserver` ends on SIGTERM and SIGINT at once, with a client connected or not (issue 12,
// item 5): gdb waiting for a stop reply is told the target ended (X, as gdbserver tells it when the
// inferior dies), the sockets close, and the process exits within a second with one line on stderr.
// And a gdb that connects the moment the last one left is served, never refused (item 10).

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RspClient } from '../../src/gdbstub/client';
import { encodePacket } from '../../src/gdbstub/codec';
import { PROMPT_MS, requireTool, waitUntil } from '../cli/helpers';
import { DEMO, sharedRecording } from '../cli/recordings';
import { GdbServer, startGdbServer } from './server-process';

/** The shared demo recording (49 million steps: a continue from its start runs for a second or more). */
let REC = '';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-gdb-signals-'));
const started: GdbServer[] = [];

beforeAll(() => {
  REC = sharedRecording().file;
}, 120_000);
afterAll(() => {
  for (const s of started) if (s.process.exitCode === null && s.process.signalCode === null) s.process.kill('SIGKILL');
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function serve(): Promise<GdbServer> {
  const s = await startGdbServer(REC);
  started.push(s);
  return s;
}

interface Ended {
  /** Milliseconds from the signal to the process's exit. */
  ms: number;
  code: number | null;
  /** What it printed on stderr after the signal. */
  said: string;
}

/**
 * Once it has printed all it prints as it starts, send `signal` to the server and wait for it to
 * exit (10 s at most: then it is killed and this throws).
 */
async function end(server: GdbServer, signal: NodeJS.Signals): Promise<Ended> {
  const child = server.process;
  await waitUntil('the gdbserver to print how to start gdb', () => server.log().includes('run instead: samsara gdb'), { timeoutMs: 10_000, child, output: server.log });
  const before = server.log().length;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`samsara gdbserver still running 10 s after ${signal} (killed); stderr: ${server.log()}`));
    }, 10_000);
    const t0 = performance.now();
    child.once('exit', (code) => {
      clearTimeout(timer);
      // stderr is read to its end before 'close'.
      child.once('close', () => resolve({ ms: performance.now() - t0, code, said: server.log().slice(before) }));
    });
    child.kill(signal);
  });
}

/** The one line it prints when a signal ends it. */
function expectOneLine(e: Ended, signal: NodeJS.Signals): void {
  expect(e.said, `exit ${e.code} in ${e.ms} ms`).toMatch(new RegExp(`^samsara gdbserver: ${signal}: stopped serving [^\\n]+\\n$`));
  expect(e.code).toBe(0);
}

const GDB_NUMBER: Record<string, string> = { SIGTERM: '0f', SIGINT: '02' };
const wait = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe.each(['SIGTERM', 'SIGINT'] as const)('samsara gdbserver ends on %s at once', (signal) => {
  it('with no client', async () => {
    const server = await serve();
    const e = await end(server, signal);
    expect(e.ms).toBeLessThan(PROMPT_MS);
    expectOneLine(e, signal);
    expect(e.said).toContain('no gdb was connected');
  }, 120_000);

  it('the moment it says it serves (before it has printed how to start gdb)', async () => {
    const server = await serve(); // resolves on its "serving ... on 127.0.0.1:PORT" line
    const before = server.log().length;
    const t0 = performance.now();
    server.process.kill(signal);
    const code = await new Promise<number | null>((resolve) => server.process.once('close', (c) => resolve(c)));
    expect(performance.now() - t0).toBeLessThan(PROMPT_MS);
    expect(code).toBe(0);
    expect(server.log().slice(before)).toMatch(new RegExp(`samsara gdbserver: ${signal}: stopped serving [^\\n]+\\n$`));
  }, 120_000);

  it('with a client connected and idle: its connection closes', async () => {
    const server = await serve();
    const client = await RspClient.connect(server.port);
    try {
      expect(await client.request('?', 10_000)).toMatch(/^T05/);
      const closed = client.next().then(() => 'a packet', (err: Error) => err.message);
      const e = await end(server, signal);
      expect(e.ms).toBeLessThan(PROMPT_MS);
      expectOneLine(e, signal);
      expect(await closed).toBe('the stub closed the connection');
    } finally {
      client.close();
    }
  }, 120_000);

  it('with a client connected and a second one waiting for its turn: the line counts one connected', async () => {
    const server = await serve();
    const client = await RspClient.connect(server.port);
    expect(await client.request('?', 10_000)).toMatch(/^T05/);
    const second = net.connect(server.port, '127.0.0.1');
    second.on('error', () => {});
    try {
      await new Promise<void>((resolve, reject) => second.once('connect', resolve).once('error', reject));
      await wait(200); // accepted, and waiting (up to 2 s) for the first to leave
      const e = await end(server, signal);
      expect(e.ms).toBeLessThan(PROMPT_MS);
      expectOneLine(e, signal);
      expect(e.said).toMatch(/stopped serving [^;]+; closed the connection; closed a connection waiting for its turn\n$/);
    } finally {
      client.close();
      second.destroy();
    }
  }, 120_000);

  it('during a long continue: gdb is told the target ended (X), then the connection closes', async () => {
    const server = await serve();
    const client = await RspClient.connect(server.port);
    try {
      expect(await client.monitor('seek 0', 10_000)).toMatch(/position 0/);
      const reply = client.request('c'); // no breakpoints: it would run to the end of the recording
      await wait(300);
      const e = await end(server, signal);
      expect(await reply).toBe(`X${GDB_NUMBER[signal]}`);
      await expect(client.next()).rejects.toThrow('the stub closed the connection');
      expect(e.ms).toBeLessThan(PROMPT_MS);
      expectOneLine(e, signal);
      expect(e.said).toContain(`it was told the target ended, X with ${signal}`);
    } finally {
      client.close();
    }
  }, 120_000);

  it('during a far monitor seek: it ends without finishing the seek (which replays in slices), and the connection closes', async () => {
    const server = await serve();
    const client = await RspClient.connect(server.port);
    try {
      // To the end of the recording from its start: a second or more of replay, in one request.
      const reply = client.monitor('seek 49000000', 60_000);
      reply.catch(() => {});
      await wait(300);
      const e = await end(server, signal);
      // The seek was cut short: gdb gets no answer to it (a seek run in one piece answered first).
      await expect(reply).rejects.toThrow();
      expect(e.ms).toBeLessThan(PROMPT_MS);
      expectOneLine(e, signal);
    } finally {
      client.close();
    }
  }, 120_000);

  it('with a client that does not read what it is sent', async () => {
    const server = await serve();
    // Raw: 4,000 reads of 4 KiB of memory, 32 MiB of replies that are never read.
    const socket = net.connect(server.port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    socket.pause();
    socket.on('error', () => {});
    const read = Buffer.from(encodePacket('m80200000,1000'));
    for (let i = 0; i < 4000; i++) socket.write(read);
    await wait(500);
    try {
      const e = await end(server, signal);
      expect(e.ms).toBeLessThan(PROMPT_MS);
      expectOneLine(e, signal);
    } finally {
      socket.destroy();
    }
  }, 120_000);
});

describe('samsara gdbserver and a second signal', () => {
  it('a second signal while the connections close ends it at once, with 128 + its number', async () => {
    const server = await serve();
    const socket = net.connect(server.port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    socket.pause(); // it does not read: the server waits for it a moment before it cuts it
    socket.on('error', () => {});
    for (let i = 0; i < 200; i++) socket.write(Buffer.from(encodePacket('m80200000,1000')));
    await wait(300);
    try {
      await waitUntil('the gdbserver to print how to start gdb', () => server.log().includes('run instead: samsara gdb'), { timeoutMs: 10_000, child: server.process, output: server.log });
      const t0 = performance.now();
      server.process.kill('SIGTERM');
      await wait(20);
      server.process.kill('SIGINT');
      const [code, sig] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => server.process.once('exit', (c, s) => resolve([c, s])));
      expect(performance.now() - t0).toBeLessThan(PROMPT_MS);
      expect([code, sig]).toEqual([130, null]);
    } finally {
      socket.destroy();
    }
  }, 120_000);
});

/** The resident set of a process, in MiB (Linux /proc). */
function rssMiB(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
}

describe.skipIf(!fs.existsSync('/proc/self/status'))('samsara gdbserver and a client that floods requests and reads nothing', () => {
  it('reads no more than it can answer (its memory stays bounded), and a signal still ends it at once', async () => {
    const server = await serve();
    const pid = server.process.pid!;
    const socket = net.connect(server.port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    socket.pause();
    socket.on('error', () => {});
    const chunk = Buffer.from('$?#3f'.repeat(200_000)); // 1 MB of `?` requests
    let peak = 0;
    // Up to 64 MB, for 5 s at most, as fast as the server takes them.
    const t0 = Date.now();
    for (let sent = 0; sent < 64 && Date.now() - t0 < 5000; sent++) {
      if (!socket.write(chunk)) {
        let drained = (): void => {};
        await Promise.race([new Promise<void>((r) => { drained = r; socket.once('drain', r); }), wait(100)]);
        socket.off('drain', drained); // (a wait that ran out leaves none behind)
      }
      peak = Math.max(peak, rssMiB(pid));
    }
    try {
      // Before it read only what it could answer, it held every request and reply: over a GiB.
      expect(peak).toBeLessThan(400);
      const e = await end(server, 'SIGTERM');
      expect(e.ms).toBeLessThan(PROMPT_MS);
      expectOneLine(e, 'SIGTERM');
    } finally {
      socket.destroy();
    }
  }, 120_000);
});

/** gdb-multiarch in batch mode on the demo with these commands, run in the background; resolves with its output once it exits. */
function gdbAsync(port: number, commands: string[], onOutput: (all: string) => void): Promise<{ status: number | null; out: string }> {
  const script = path.join(tmp, `script-${started.length}.gdb`);
  fs.writeFileSync(script, ['set pagination off', 'set confirm off', `target remote 127.0.0.1:${port}`, ...commands].join('\n') + '\n');
  const child = spawn('sh', ['-c', 'ulimit -c 0; exec "$@"', 'sh', 'gdb-multiarch', '-nx', '-batch', '-x', script, DEMO], { cwd: tmp, env: { ...process.env, LC_ALL: 'C.UTF-8' } });
  let out = '';
  const add = (d: Buffer): void => {
    out += d.toString();
    onOutput(out);
  };
  child.stdout.on('data', add);
  child.stderr.on('data', add);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`gdb-multiarch did not end within 60 s (killed):\n${out}`));
    }, 60_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, out });
    });
  });
}

describe.skipIf(requireTool('gdb-multiarch', 'the gdb tests drive the stub with it; scripts/setup-debian installs it (gdb-multiarch)')).each(['SIGTERM', 'SIGINT'] as const)('gdb-multiarch and %s to samsara gdbserver', (signal) => {
  it('gdb idle: the server exits at once, and gdb finds the remote closed', async () => {
    const server = await serve();
    let ready: () => void = () => {};
    const isReady = new Promise<void>((r) => { ready = r; });
    const gdb = gdbAsync(server.port, ['p $pc', 'echo READY\\n', 'shell sleep 2', 'monitor when'], (all) => { if (all.includes('READY')) ready(); });
    await isReady;
    const e = await end(server, signal);
    const { out } = await gdb;
    expect(e.ms).toBeLessThan(PROMPT_MS);
    expectOneLine(e, signal);
    expect(out).toMatch(/\$1 = \(void \(\*\)\(\)\) 0x[0-9a-f]+/);
    expect(out).toMatch(/Remote connection closed|Remote communication error/);
    expect(out).not.toMatch(/position \d+/);
  }, 120_000);

  it('gdb in a long continue: gdb says the program was terminated by the signal', async () => {
    const server = await serve();
    let ready: () => void = () => {};
    const isReady = new Promise<void>((r) => { ready = r; });
    const gdb = gdbAsync(server.port, ['monitor seek 0', 'maint flush register-cache', 'echo READY\\n', 'continue', 'info registers pc'], (all) => { if (all.includes('READY')) ready(); });
    await isReady;
    await wait(300); // the continue runs (no breakpoints: to the end, a second or more)
    const e = await end(server, signal);
    const { out } = await gdb;
    expect(e.ms).toBeLessThan(PROMPT_MS);
    expectOneLine(e, signal);
    expect(e.said).toContain(`it was told the target ended, X with ${signal}`);
    expect(out).toContain(`Program terminated with signal ${signal}`);
    expect(out).toContain('The program no longer exists.');
  }, 120_000);
});

describe('a gdb that connects the moment the last one left is served', () => {
  let server: GdbServer;
  beforeAll(async () => {
    server = await serve();
  }, 120_000);
  afterAll(() => server?.process.kill('SIGKILL'));

  it('20 reconnects at once, each with qSupported, ? and g, after a close, a D, or a close with motions still queued', async () => {
    const served: string[] = [];
    for (let i = 0; i < 20; i++) {
      const client = await RspClient.connect(server.port);
      try {
        expect(await client.request('qSupported:swbreak+;hwbreak+', 10_000)).toMatch(/^PacketSize=/);
        expect(await client.request('?', 10_000)).toMatch(/^T05thread:/);
        expect(await client.request('g', 10_000)).toMatch(/^[0-9a-f]{528}$/); // x0-x31, pc: 33 times 8 bytes
        served.push(`${i}`);
        if (i % 3 === 1) expect(await client.request('D', 10_000)).toBe('OK');
        if (i % 3 === 2) {
          // gdb sent motions and left: the one running stops at its next look, the queued ones never run.
          for (const motion of ['c', 'bc', 'c', 'bc']) client.send(motion);
          await wait(20);
        }
      } finally {
        client.close();
      }
    }
    expect(served).toHaveLength(20);
    expect(server.log()).not.toMatch(/refused/);
  }, 240_000);
});
