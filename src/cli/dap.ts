// `samsara dap`: the Debug Adapter Protocol over standard input and output (as VS Code starts a
// debug adapter), or, with --port, over TCP connections to 127.0.0.1 (one session per connection).
// Each connection reads its bytes with the adapter's own framing (debug-adapter/framing.ts): any
// byte stream is survived, and a bad message is answered or reported, never dispatched. SIGTERM or
// SIGINT ends every session at once: each client hears `terminated`, the sockets close and the
// process exits within a second; a second signal exits immediately.

import * as net from 'node:net';
import { Readable, Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { OutputEvent } from '@vscode/debugadapter';
import { DebugProtocol } from '@vscode/debugprotocol';
import { ErrorCode } from '../debug-adapter/errors';
import { frameMessage, MessageReader, readMessage } from '../debug-adapter/framing';
import { SamsaraSession } from '../debug-adapter/session';
import { UsageError } from './main';
import { exposureWarning } from './listen';

export const DAP_HELP = `usage: samsara dap [--port N] [--host ADDR]

Speak the Debug Adapter Protocol on standard input and output, for VS Code or any DAP client. The
client's "launch" request names the recording ("recording") and the kernel ELF ("program").

  --port N      listen for DAP connections on this TCP port instead (one session each)
  --host ADDR   address to listen on with --port (default 127.0.0.1)
`;

/** After a signal, the time given to the clients to read their `terminated` before the process exits. */
const GRACE_MS = 500;

/** One session over one input and one output (stdio, or a socket for both). */
class Connection {
  readonly session = new SamsaraSession();
  /** Resolves when the session is over: its input ended, or it answered `disconnect`. */
  readonly closed: Promise<void>;
  private writable = true;

  constructor(private readonly input: Readable, private readonly output: Writable) {
    let close!: () => void;
    this.closed = new Promise((resolve) => { close = resolve; });
    this.session.onDidSendMessage((m) => this.write(m as DebugProtocol.ProtocolMessage));
    this.session.on('shutdown', close);
    const reader = new MessageReader({
      body: (body, offset) => this.receive(body, offset),
      problem: (text) => this.report(text),
    });
    input.on('data', (chunk: Buffer) => reader.push(chunk));
    let over = false;
    const ended = (): void => {
      if (over) return;
      over = true;
      reader.end();
      this.session.end();
      close();
    };
    input.on('end', ended);
    input.on('error', ended);
    output.on('error', () => {
      this.writable = false;
      ended();
    });
  }

  /** Stop the session (a signal): the client hears `terminated`. */
  end(): void {
    this.session.end();
  }

  private receive(body: Buffer, offset: number): void {
    const read = readMessage(body, offset);
    if (read.kind === 'message') this.session.handleMessage(read.message);
    else if (read.request) this.answer(read.request, read.problem);
    else this.report(read.problem);
  }

  /** A request that cannot be run gets its error response, naming the problem. */
  private answer(request: { seq: number; command: string }, problem: string): void {
    const response: DebugProtocol.ErrorResponse = {
      seq: 0, type: 'response', request_seq: request.seq, command: request.command, success: false, message: problem,
      body: { error: { id: ErrorCode.BadRequest, format: '{_message}', variables: { _message: problem }, showUser: false } },
    };
    this.session.sendResponse(response);
  }

  /** A problem no request can be answered with: an `output` event the user sees. */
  private report(problem: string): void {
    this.session.sendEvent(new OutputEvent(`samsara dap: ${problem}\n`, 'important'));
  }

  private write(message: DebugProtocol.ProtocolMessage): void {
    if (!this.writable || this.output.writableEnded || this.output.destroyed) return;
    // A client that does not read its output holds back its input, rather than memory growing.
    if (!this.output.write(frameMessage(message)) && !this.input.isPaused()) {
      this.input.pause();
      this.output.once('drain', () => this.input.resume());
    }
  }
}

/** Resolves with the first SIGTERM or SIGINT; a second one exits at once (128 + its number). */
function firstSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let seen = false;
    const on = (signal: NodeJS.Signals): void => {
      if (seen) process.exit(signal === 'SIGINT' ? 130 : 143);
      seen = true;
      resolve(signal);
    };
    process.on('SIGTERM', on);
    process.on('SIGINT', on);
  });
}

/** Exit after GRACE_MS if the event loop has not emptied by then (a motion still running, a slow client). */
function exitSoon(code: number): void {
  setTimeout(() => process.exit(code), GRACE_MS).unref();
}

export async function dapCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { port: { type: 'string' }, host: { type: 'string' } } });
  const signal = firstSignal();
  if (values.port === undefined) {
    const connection = new Connection(process.stdin, process.stdout);
    const why = await Promise.race([connection.closed.then(() => undefined), signal]);
    if (why) connection.end();
    process.stdin.destroy();
    exitSoon(0);
    return 0;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0 to 65535 (got ${values.port})`);
  const host = values.host ?? '127.0.0.1';
  const warning = exposureWarning('dap', host, 'open files this user can read');
  if (warning) process.stderr.write(warning);
  const connections = new Map<net.Socket, Connection>();
  const server = net.createServer((socket) => {
    const connection = new Connection(socket, socket);
    connections.set(socket, connection);
    socket.on('close', () => connections.delete(socket));
    // One connection's end is its own: the server goes on.
    void connection.closed.then(() => socket.end());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) => reject(new UsageError(`cannot listen on ${host}:${port}: ${e.message}`)));
    server.listen(port, host, resolve);
  });
  const a = server.address() as net.AddressInfo;
  process.stderr.write(`samsara dap: listening on ${a.address}:${a.port}\n`);
  await signal;
  server.close();
  for (const [socket, connection] of connections) {
    connection.end();
    socket.end();
    setTimeout(() => socket.destroy(), GRACE_MS / 2).unref();
  }
  exitSoon(0);
  return 0;
}
