// A Debug Adapter Protocol client for the tests: it starts `samsara dap` as VS Code does (a child
// process speaking DAP on stdin/stdout) and sends requests, waits for events, and keeps a log.

import { ChildProcess, spawn } from 'node:child_process';
import { DebugProtocol } from '@vscode/debugprotocol';
import { ROOT, SAMSARA } from '../cli/helpers';

export class DapClient {
  private seq = 1;
  private buffer = Buffer.alloc(0);
  private readonly pending = new Map<number, (r: DebugProtocol.Response) => void>();
  /** Events not yet consumed by waitFor. */
  private readonly events: DebugProtocol.Event[] = [];
  /** Every event, in order. */
  readonly log: DebugProtocol.Event[] = [];
  private waiters: { event: string; resolve: (e: DebugProtocol.Event) => void }[] = [];
  readonly process: ChildProcess;
  stderr = '';

  /** `cwd`: the adapter's working folder (VS Code starts it in the workspace's); `samsara`: the
   *  bin/samsara.js to run (the repository's, or an unpacked .vsix's). */
  constructor(cwd = ROOT, samsara = SAMSARA) {
    this.process = spawn(process.execPath, [samsara, 'dap'], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    this.process.stdout!.on('data', (d: Buffer) => this.receive(d));
    this.process.stderr!.setEncoding('utf8').on('data', (d) => { this.stderr += d; });
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
      if (message.type === 'response') this.pending.get(message.request_seq)?.(message);
      else if (message.type === 'event') {
        this.log.push(message);
        const i = this.waiters.findIndex((w) => w.event === message.event);
        if (i >= 0) this.waiters.splice(i, 1)[0].resolve(message);
        else this.events.push(message);
      }
    }
  }

  /** Send a request; resolves with the whole response (success or not). */
  send(command: string, args?: unknown): Promise<DebugProtocol.Response> {
    const seq = this.seq++;
    const body = JSON.stringify({ seq, type: 'request', command, arguments: args });
    this.process.stdin!.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    return new Promise((resolve) => this.pending.set(seq, resolve));
  }

  /** Send a request that must succeed; resolves with its body. */
  async request<T = any>(command: string, args?: unknown): Promise<T> {
    const r = await this.send(command, args);
    if (!r.success) throw new Error(`${command} failed: ${r.message} ${JSON.stringify(r.body ?? {})}`);
    return r.body as T;
  }

  /** The next `event` not yet consumed (events that came before this call count). */
  waitFor(event: string, timeoutMs = 60_000): Promise<DebugProtocol.Event> {
    const i = this.events.findIndex((e) => e.event === event);
    if (i >= 0) return Promise.resolve(this.events.splice(i, 1)[0]);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${event} event in ${timeoutMs} ms; stderr: ${this.stderr}`)), timeoutMs);
      this.waiters.push({ event, resolve: (e) => { clearTimeout(timer); resolve(e); } });
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
    if (this.process.exitCode === null) {
      await this.send('disconnect', {});
      await new Promise((resolve) => { this.process.once('exit', resolve); setTimeout(resolve, 2000); });
    }
    this.process.kill();
  }
}
