// A Debug Adapter Protocol client for the tests: it starts `samsara dap` as VS Code does (a child
// process speaking DAP on stdin/stdout) and sends requests, waits for events, and keeps a log.

import { ChildProcess, spawn } from 'node:child_process';
import { DebugProtocol } from '@vscode/debugprotocol';
import { ROOT, SAMSARA } from '../cli/helpers';

export class DapClient {
  private seq = 1;
  private buffer = Buffer.alloc(0);
  private readonly pending = new Map<number, { command: string; resolve: (r: DebugProtocol.Response) => void; reject: (e: Error) => void }>();
  /** Events not yet consumed by waitFor. */
  private readonly events: DebugProtocol.Event[] = [];
  /** Every event, in order. */
  readonly log: DebugProtocol.Event[] = [];
  private waiters: { event: string; resolve: (e: DebugProtocol.Event) => void; reject: (e: Error) => void }[] = [];
  /** Set once the adapter has exited: why nothing more will come. */
  private exited?: string;
  readonly process: ChildProcess;
  stderr = '';

  /** `cwd`: the adapter's working folder (VS Code starts it in the workspace's); `samsara`: the
   *  bin/samsara.js to run (the repository's, or an unpacked .vsix's). */
  constructor(cwd = ROOT, samsara = SAMSARA) {
    this.process = spawn(process.execPath, [samsara, 'dap'], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    this.process.stdout!.on('data', (d: Buffer) => this.receive(d));
    this.process.stderr!.setEncoding('utf8').on('data', (d) => { this.stderr += d; });
    this.process.on('exit', (code, signal) => this.gone(`samsara dap exited (${code ?? signal})`));
    this.process.on('error', (e) => this.gone(`samsara dap could not run: ${e.message}`));
  }

  /** The adapter is gone: whatever is awaited from it fails now rather than at its timeout. */
  private gone(why: string): void {
    this.exited ??= why;
    for (const [seq, p] of this.pending) {
      this.pending.delete(seq);
      p.reject(new Error(`${why} before its response to ${p.command}; stderr: ${this.stderr}`));
    }
    for (const w of this.waiters.splice(0)) w.reject(new Error(`${why} before a ${w.event} event; stderr: ${this.stderr}`));
  }

  private receive(data: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, data]);
    for (;;) {
      const header = this.buffer.indexOf('\r\n\r\n');
      if (header < 0) return;
      const length = Number(/Content-Length: (\d+)/i.exec(this.buffer.subarray(0, header).toString())![1]);
      if (this.buffer.length < header + 4 + length) return;
      const message = JSON.parse(this.buffer.subarray(header + 4, header + 4 + length).toString('utf8'));
      this.buffer = this.buffer.subarray(header + 4 + length);
      if (message.type === 'response') {
        const p = this.pending.get(message.request_seq);
        this.pending.delete(message.request_seq);
        p?.resolve(message);
      }
      else if (message.type === 'event') {
        this.log.push(message);
        const i = this.waiters.findIndex((w) => w.event === message.event);
        if (i >= 0) this.waiters.splice(i, 1)[0].resolve(message);
        else this.events.push(message);
      }
    }
  }

  /**
   * Send a request; resolves with the whole response (success or not). Rejects when no response
   * comes in `timeoutMs`, or when the adapter exits first.
   */
  send(command: string, args?: unknown, timeoutMs = 60_000): Promise<DebugProtocol.Response> {
    if (this.exited) return Promise.reject(new Error(`${this.exited}: cannot send ${command}; stderr: ${this.stderr}`));
    const seq = this.seq++;
    const body = JSON.stringify({ seq, type: 'request', command, arguments: args });
    this.process.stdin!.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(seq);
        reject(new Error(`no response to ${command} in ${timeoutMs} ms; stderr: ${this.stderr}`));
      }, timeoutMs);
      const done = <T>(f: (v: T) => void) => (v: T): void => { clearTimeout(timer); f(v); };
      this.pending.set(seq, { command, resolve: done(resolve), reject: done(reject) });
    });
  }

  /** Send a request that must succeed; resolves with its body. */
  async request<T = any>(command: string, args?: unknown): Promise<T> {
    const r = await this.send(command, args);
    if (!r.success) throw new Error(`${command} failed: ${r.message} ${JSON.stringify(r.body ?? {})}`);
    return r.body as T;
  }

  /**
   * The next `event` not yet consumed (events that came before this call count). Rejects when none
   * comes in `timeoutMs`, or when the adapter exits first.
   */
  waitFor(event: string, timeoutMs = 60_000): Promise<DebugProtocol.Event> {
    const i = this.events.findIndex((e) => e.event === event);
    if (i >= 0) return Promise.resolve(this.events.splice(i, 1)[0]);
    if (this.exited) return Promise.reject(new Error(`${this.exited} before a ${event} event; stderr: ${this.stderr}`));
    return new Promise((resolve, reject) => {
      const waiter = {
        event,
        resolve: (e: DebugProtocol.Event) => { clearTimeout(timer); resolve(e); },
        reject: (e: Error) => { clearTimeout(timer); reject(e); },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`no ${event} event in ${timeoutMs} ms; stderr: ${this.stderr}`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Output events so far, as text. */
  output(): string {
    return this.log.filter((e) => e.event === 'output').map((e) => e.body.output).join('');
  }

  /** initialize, launch, then the breakpoints `configure` sets, then configurationDone. */
  async start(launch: Record<string, unknown>, configure: () => Promise<void> = async () => {}): Promise<DebugProtocol.Capabilities> {
    const caps = await this.request('initialize', { adapterID: 'samsara', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
    await this.request('launch', launch);
    await this.waitFor('initialized');
    await configure();
    await this.request('configurationDone');
    return caps;
  }

  /** A motion request, then its stopped event. */
  async move(command: string, args: unknown): Promise<DebugProtocol.StoppedEvent> {
    await this.request(command, args);
    return (await this.waitFor('stopped')) as DebugProtocol.StoppedEvent;
  }

  /** The top frame of a thread. */
  async top(threadId: number): Promise<DebugProtocol.StackFrame> {
    const { stackFrames } = await this.request('stackTrace', { threadId, levels: 20 });
    return stackFrames[0];
  }

  async close(): Promise<void> {
    if (!this.exited) {
      // An adapter that is already going away may exit before it answers: that is not a failure here.
      await this.send('disconnect', {}, 10_000).catch(() => {});
      await new Promise((resolve) => { this.process.once('exit', resolve); setTimeout(resolve, 2000); });
    }
    this.process.kill();
  }
}
