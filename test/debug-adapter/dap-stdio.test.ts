// The real `samsara dap` process fed hostile byte streams (issue 12, item 7) over stdio and over
// --port: each bad input gets an `output` event (category important) or an error response naming
// the problem, the stream resynchronises (a valid `initialize` after it is answered), the process
// stays alive with bounded memory, and exits 0 at the end of its input. And the signals (item 5):
// SIGTERM or SIGINT with a client connected ends the process within a second, the client told
// with a `terminated` event.

import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { PROMPT_MS, SAMSARA } from '../cli/helpers';
import { DapClient } from './client';

const framed = (body: string): string => `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
const INITIALIZE = (seq: number): string => framed(JSON.stringify({ seq, type: 'request', command: 'initialize', arguments: { adapterID: 'samsara' } }));

/** Peak resident memory of a live process, in MB (Linux: VmHWM in /proc/PID/status). */
function peakRssMB(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

const exited = (c: DapClient): Promise<number | null> => new Promise((resolve) => {
  if (c.process.exitCode !== null) resolve(c.process.exitCode);
  else c.process.once('exit', (code) => resolve(code));
});

let clients: DapClient[] = [];
afterEach(() => {
  for (const c of clients) c.process.kill('SIGKILL');
  clients = [];
});
const open = (): DapClient => {
  const c = new DapClient();
  clients.push(c);
  return c;
};

/** 42 million turns of one step (test/rr/fixtures/generate.ts): opening it, or seeking far in it, takes seconds. */
const TURNS = path.join(__dirname, '..', 'rr', 'fixtures', 'one-step-turns.samsara');

/** An adapter stopped at the start of TURNS. */
async function stoppedOnTurns(): Promise<DapClient> {
  const c = open();
  await c.request('initialize', { adapterID: 'samsara' });
  await c.request('launch', { recording: TURNS });
  await c.request('configurationDone');
  await c.waitFor('stopped', 60_000);
  return c;
}

/** Signal the adapter: the client hears `terminated`, and it exits 0, within PROMPT_MS. */
async function endsPromptly(c: DapClient, signal: NodeJS.Signals): Promise<void> {
  const t = Date.now();
  c.process.kill(signal);
  await c.waitFor('terminated', PROMPT_MS);
  expect(await exited(c)).toBe(0);
  expect(Date.now() - t).toBeLessThan(PROMPT_MS);
}

/** Write bytes in 64 KiB pieces, waiting for the pipe. */
async function writeAll(stream: NodeJS.WritableStream, data: Buffer | string): Promise<void> {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
  for (let i = 0; i < bytes.length; i += 65536) {
    if (!stream.write(bytes.subarray(i, i + 65536))) await new Promise((r) => stream.once('drain', r));
  }
}

// The inputs. `problem`: the output event's text; `then`: the valid request after it.
const INPUTS: { name: string; input: () => string | Buffer; problem: RegExp }[] = [
  { name: 'a body that is not JSON', input: () => framed('this is not JSON'), problem: /byte 22: a body that is not JSON \(Unexpected token/ },
  { name: 'a body that is null', input: () => framed('null'), problem: /a body that is null, not a message object/ },
  { name: 'a body cut off (shorter Content-Length)', input: () => 'Content-Length: 12\r\n\r\n{"seq":1,"type":"request","command":"threads"}', problem: /byte 22: a body that is not JSON/ },
  { name: 'Content-Length abc', input: () => 'Content-Length: abc\r\n\r\n{}', problem: /byte 0: Content-Length "abc" is not a byte count/ },
  { name: 'Content-Length -5', input: () => 'Content-Length: -5\r\n\r\n{}', problem: /byte 0: Content-Length "-5" is not a byte count/ },
  { name: 'Content-Length 2^53+1', input: () => 'Content-Length: 9007199254740993\r\n\r\n{}', problem: /Content-Length "9007199254740993" is not a byte count up to 1073741824/ },
  { name: '4 MB of junk without a header', input: () => Buffer.alloc(4 * 2 ** 20 + 17, 'junk \r\n\r\n{}'), problem: /byte 0: bytes without a "Content-Length: N" header: skipped/ },
  { name: 'a 1 MB header without its blank line', input: () => `Content-Length: 5\r\n${'X-Field: y\r\n'.repeat(2 ** 20 / 12)}`, problem: /byte 0: a header of more than 1024 bytes without its blank line/ },
  { name: 'a 20 MB body (over the 1 MiB limit: skipped as it streams)', input: () => Buffer.concat([Buffer.from('Content-Length: 20000000\r\n\r\n'), Buffer.alloc(20_000_000, '[')]), problem: /a body of 20000000 bytes is over the limit of 1048576: skipped/ },
];

describe('samsara dap over stdio: any byte stream', () => {
  for (const { name, input, problem } of INPUTS) {
    it(`${name}: reported, then a valid initialize is answered; alive, bounded, exit 0 at end of input`, async () => {
      const c = open();
      await writeAll(c.process.stdin!, input());
      const r = await c.send('initialize', { adapterID: 'samsara' }, 30_000);
      expect(r.success).toBe(true);
      const out = await c.waitFor('output', 5000);
      expect(out.body.category).toBe('important');
      expect(out.body.output).toMatch(problem);
      expect(out.body.output).not.toMatch(/\n./); // one line
      expect(c.process.exitCode).toBe(null);
      const peak = peakRssMB(c.process.pid!);
      expect(peak).toBeLessThan(512);
      console.log(`${name}: peak RSS ${peak.toFixed(0)} MB`);
      c.process.stdin!.end();
      expect(await exited(c)).toBe(0);
      expect(c.stderr).toBe('');
    }, 60_000);
  }

  it('a request with a seq and a command but bad arguments gets an error response naming the problem', async () => {
    const c = open();
    c.process.stdin!.write(framed('{"seq":7,"type":"request","command":"threads","arguments":[1,2]}'));
    c.process.stdin!.write(framed('{"seq":8,"command":"threads"}'));
    const r = await c.send('initialize', { adapterID: 'samsara' });
    expect(r.success).toBe(true);
    // The bad ones were answered before it (in order); DapClient's log holds only events, so ask again.
    const out: string[] = [];
    c.process.stdout!.on('data', (d: Buffer) => out.push(d.toString()));
    c.process.stdin!.write(framed('{"seq":9,"type":"request","command":"next","arguments":"x"}'));
    await c.send('threads');
    expect(out.join('')).toMatch(/"request_seq":9,"command":"next","success":false,"message":"byte \d+: the arguments of a \\"next\\" request are not an object"/);
    c.process.stdin!.end();
    expect(await exited(c)).toBe(0);
  });

  it('the end of input inside a body is reported, and the process exits 0', async () => {
    const c = open();
    await c.send('initialize', { adapterID: 'samsara' });
    c.process.stdin!.end('Content-Length: 100\r\n\r\n{"seq":2,"type":"req');
    const out = await c.waitFor('output', 5000);
    expect(out.body).toMatchObject({ category: 'important', output: expect.stringMatching(/the input ended inside a body \(20 of 100 bytes\)/) });
    expect(await exited(c)).toBe(0);
  });
});

/** A DAP connection over TCP, with the frames it received. */
class SocketClient {
  readonly socket: net.Socket;
  readonly messages: any[] = [];
  private buffer = Buffer.alloc(0);
  readonly closed: Promise<void>;
  constructor(port: number) {
    this.socket = net.connect(port, '127.0.0.1');
    this.socket.on('data', (d: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, d]);
      for (;;) {
        const h = this.buffer.indexOf('\r\n\r\n');
        if (h < 0) return;
        const n = Number(/Content-Length: (\d+)/.exec(this.buffer.subarray(0, h).toString())![1]);
        if (this.buffer.length < h + 4 + n) return;
        this.messages.push(JSON.parse(this.buffer.subarray(h + 4, h + 4 + n).toString()));
        this.buffer = this.buffer.subarray(h + 4 + n);
      }
    });
    this.closed = new Promise((resolve) => this.socket.on('close', () => resolve()));
    this.socket.on('error', () => {});
  }
  async until(test: (m: any) => boolean, ms = 10_000): Promise<any> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      const m = this.messages.find(test);
      if (m) return m;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`not seen in ${ms} ms; got ${JSON.stringify(this.messages).slice(0, 500)}`);
  }
}

/** `samsara dap --port 0`, and the port it listens on. */
async function server(): Promise<{ child: ReturnType<typeof spawn>; port: number; stderr: () => string }> {
  const child = spawn(process.execPath, [SAMSARA, 'dap', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d) => { stderr += d; });
  const port = await new Promise<number>((resolve, reject) => {
    const t = setInterval(() => {
      const m = /listening on [^:]+:(\d+)/.exec(stderr);
      if (m) { clearInterval(t); resolve(Number(m[1])); }
    }, 20);
    child.once('exit', () => { clearInterval(t); reject(new Error(`exited: ${stderr}`)); });
  });
  return { child, port, stderr: () => stderr };
}

describe('samsara dap --port: the same framing per connection', () => {
  it("one connection's junk is reported to it and harms no other; both resynchronise", async () => {
    const { child, port } = await server();
    try {
      const bad = new SocketClient(port);
      const good = new SocketClient(port);
      bad.socket.write('Content-Length: abc\r\n\r\n' + 'x'.repeat(100_000) + 'Content-Length: 4\r\n\r\nnull');
      good.socket.write(INITIALIZE(1));
      expect((await good.until((m) => m.type === 'response' && m.request_seq === 1)).success).toBe(true);
      const problems = await bad.until((m) => m.event === 'output' && /null/.test(m.body.output));
      expect(problems.body.category).toBe('important');
      expect(bad.messages.filter((m) => m.event === 'output').map((m) => m.body.output)).toEqual([
        'samsara dap: byte 0: Content-Length "abc" is not a byte count up to 1073741824: skipped to the next header\n',
        `samsara dap: byte ${100_000 + 44}: a body that is null, not a message object\n`,
      ]);
      bad.socket.write(INITIALIZE(5));
      expect((await bad.until((m) => m.type === 'response' && m.request_seq === 5)).success).toBe(true);
      expect(good.messages.filter((m) => m.event === 'output')).toEqual([]);
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe('a far seek replays in slices, as a motion', () => {
  it('other motions wait for it, and a pause ends it where it is', async () => {
    const c = await stoppedOnTurns();
    const seek = c.send('samsara/seek', { position: 41_900_000 });
    const refused = await c.send('continue', { threadId: 1 });
    expect(refused.success).toBe(false);
    expect(refused.message).toMatch(/the debuggee is running: pause it first/);
    await c.request('pause', { threadId: 1 });
    const r = await seek;
    expect(r.success).toBe(true);
    expect(r.body.position).toBeLessThan(41_900_000);
    expect((await c.request('samsara/position')).position).toBe(r.body.position);
  }, 90_000);
});

describe('signals end `samsara dap` at once, the clients told', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`over stdio, ${signal}: terminated, exit 0 promptly`, async () => {
      const c = open();
      await c.request('initialize', { adapterID: 'samsara' });
      await endsPromptly(c, signal);
    }, 15_000);

    it(`during the launch of a large recording (indexed a block at a time), ${signal}: terminated, exit 0 promptly`, async () => {
      const c = open();
      await c.request('initialize', { adapterID: 'samsara' });
      c.send('launch', { recording: TURNS }).catch(() => {});
      // Its two blocks of 21 million turns each take a second or two each to index, with a turn of
      // the event loop after each: the signal is heard there.
      await new Promise((r) => setTimeout(r, 500));
      await endsPromptly(c, signal);
      // The signal ended the launch before it finished (it would have sent `initialized`).
      expect(c.log.map((e) => e.event)).not.toContain('initialized');
    }, 90_000);

    it(`during a far seek typed in the Debug Console, ${signal}: terminated, exit 0 promptly`, async () => {
      // 42 million turns of one step: a seek to the end replays for seconds, in slices.
      const c = await stoppedOnTurns();
      let answered = false;
      c.send('evaluate', { expression: 'seek 41900000', context: 'repl' }).then(() => { answered = true; }, () => {});
      // The seek replays in slices, with a turn of the event loop between them: a request is
      // answered meanwhile (a signal is heard the same way).
      const { position } = await c.request('samsara/position');
      expect(answered).toBe(false);
      expect(position).toBeLessThan(41_900_000);
      await endsPromptly(c, signal);
    }, 90_000);

    it(`over --port with two clients connected, ${signal}: each hears terminated, sockets close, exit 0 promptly`, async () => {
      const { child, port, stderr } = await server();
      const clients = [new SocketClient(port), new SocketClient(port)];
      clients.forEach((c, i) => c.socket.write(INITIALIZE(i + 1)));
      for (const c of clients) await c.until((m) => m.type === 'response');
      const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      const t = Date.now();
      child.kill(signal);
      for (const c of clients) {
        await c.closed;
        expect(c.messages.some((m) => m.event === 'terminated')).toBe(true);
      }
      expect(await exit).toBe(0);
      expect(Date.now() - t).toBeLessThan(PROMPT_MS);
      expect(stderr()).not.toMatch(/\n\s+at /);
    }, 15_000);
  }
});
