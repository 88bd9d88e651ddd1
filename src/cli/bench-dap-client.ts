// A small Debug Adapter Protocol client for `samsara bench`: it starts `samsara dap` as VS Code
// does (a child process speaking DAP on stdin/stdout), sends requests and waits for events, so that
// the figures include the protocol and the adapter's own process (its memory is read from /proc).

import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const SAMSARA = path.resolve(__dirname, '../../bin/samsara.js');

interface Message {
  type: string;
  event?: string;
  request_seq?: number;
  success?: boolean;
  message?: string;
  body?: any;
}

export class BenchDapClient {
  private seq = 1;
  private buffer = Buffer.alloc(0);
  private readonly pending = new Map<number, { command: string; resolve: (m: Message) => void; reject: (e: Error) => void }>();
  private readonly events: Message[] = [];
  private waiters: { event: string; resolve: (m: Message) => void; reject: (e: Error) => void }[] = [];
  private exited?: string;
  private stderr = '';
  readonly process: ChildProcess;

  /** `nodeArgs`: options for node itself before bin/samsara.js (e.g. --cpu-prof). */
  constructor(nodeArgs: string[] = [], cwd = process.cwd()) {
    this.process = spawn(process.execPath, [...nodeArgs, SAMSARA, 'dap'], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    this.process.stdout!.on('data', (d: Buffer) => this.receive(d));
    this.process.stderr!.setEncoding('utf8').on('data', (d) => { this.stderr = (this.stderr + d).slice(-8000); });
    this.process.on('exit', (code, signal) => this.gone(`samsara dap exited (${code ?? signal})`));
    this.process.on('error', (e) => this.gone(`samsara dap could not run: ${e.message}`));
  }

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
      const m = /Content-Length: (\d+)/i.exec(this.buffer.subarray(0, header).toString());
      if (!m) throw new Error(`samsara dap: a message without Content-Length: ${this.buffer.subarray(0, header).toString()}`);
      const length = Number(m[1]);
      if (this.buffer.length < header + 4 + length) return;
      const message = JSON.parse(this.buffer.subarray(header + 4, header + 4 + length).toString('utf8')) as Message;
      this.buffer = this.buffer.subarray(header + 4 + length);
      if (message.type === 'response') {
        const p = this.pending.get(message.request_seq!);
        this.pending.delete(message.request_seq!);
        p?.resolve(message);
      } else if (message.type === 'event') {
        const i = this.waiters.findIndex((w) => w.event === message.event);
        if (i >= 0) this.waiters.splice(i, 1)[0].resolve(message);
        else if (message.event !== 'output') this.events.push(message);
      }
    }
  }

  /** Send a request that must succeed; resolves with its body. */
  request<T = any>(command: string, args?: unknown, timeoutMs = 600_000): Promise<T> {
    if (this.exited) return Promise.reject(new Error(`${this.exited}: cannot send ${command}; stderr: ${this.stderr}`));
    const seq = this.seq++;
    const body = JSON.stringify({ seq, type: 'request', command, arguments: args });
    this.process.stdin!.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(seq);
        reject(new Error(`no response to ${command} in ${timeoutMs} ms; stderr: ${this.stderr}`));
      }, timeoutMs);
      this.pending.set(seq, {
        command,
        resolve: (m) => {
          clearTimeout(timer);
          if (m.success) resolve(m.body as T);
          else reject(new Error(`${command} failed: ${m.message} ${JSON.stringify(m.body ?? {})}`));
        },
        reject: (e) => { clearTimeout(timer); reject(e); },
      });
    });
  }

  /** The next `event` not yet consumed (events that came before this call count). */
  waitFor(event: string, timeoutMs = 600_000): Promise<Message> {
    const i = this.events.findIndex((e) => e.event === event);
    if (i >= 0) return Promise.resolve(this.events.splice(i, 1)[0]);
    if (this.exited) return Promise.reject(new Error(`${this.exited} before a ${event} event; stderr: ${this.stderr}`));
    return new Promise((resolve, reject) => {
      const waiter = {
        event,
        resolve: (m: Message) => { clearTimeout(timer); resolve(m); },
        reject: (e: Error) => { clearTimeout(timer); reject(e); },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`no ${event} event in ${timeoutMs} ms; stderr: ${this.stderr}`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** The adapter process's peak and current resident memory in MiB (/proc/PID/status VmHWM, VmRSS). */
  memory(): { hwm: number; rss: number } | undefined {
    try {
      const status = fs.readFileSync(`/proc/${this.process.pid}/status`, 'utf8');
      const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
      return { hwm: kb('VmHWM') / 1024, rss: kb('VmRSS') / 1024 };
    } catch {
      return undefined;
    }
  }

  /** disconnect, then wait (at most 10 s) for the adapter to exit; killed if it does not. */
  async close(): Promise<void> {
    if (!this.exited) {
      await this.request('disconnect', {}, 10_000).catch(() => {});
      await new Promise((resolve) => {
        if (this.exited) resolve(undefined);
        this.process.once('exit', resolve);
        setTimeout(resolve, 10_000);
      });
    }
    if (!this.exited) this.process.kill();
  }
}
