// The gdb remote serial protocol server: one TCP connection at a time, packets decoded by codec.ts,
// parsed by packets.ts, answered through replies.ts, over a ReplayTarget. Writes to registers or
// memory are refused: the recording is never changed.

import * as net from 'node:net';
import { encodePacket, MAX_PACKET_SIZE, PacketDecoder } from './codec';
import { seekPosition } from '../rr/commands';
import { monitorCommand } from './monitor';
import { parseRequest, Request, ThreadId } from './packets';
import * as reply from './replies';
import { featureFiles } from './target-xml';
import { ReplayTarget, StopEvent } from './target';

/** Why register and memory writes are refused. */
export const WRITE_REFUSED = 'a recording is read-only: registers and memory cannot be changed';

/** gdb's signal numbers (include/gdb/signals.def) for stop replies. */
const SIGINT = 2;
const SIGTRAP = 5;
const SIGTERM = 15;

/** The signals that end a server, and gdb's numbers for them. */
export type EndSignal = 'SIGINT' | 'SIGTERM';
const END_SIGNALS: Record<EndSignal, number> = { SIGINT, SIGTERM };

export interface ServerOptions {
  host: string;
  port: number;
  log?: (line: string) => void;
}

/**
 * How long a new connection waits for the one being served to end (a gdb that detached or died a
 * moment ago, whose close this process has not seen yet) before it is refused. Once the last one
 * has closed, the new one waits for its last request to stop however long that takes.
 */
const HANDOVER_MS = 2000;

/** How many requests may wait for their turn before no more are read (one read may bring more). */
const MAX_PENDING = 64;

/** How long a closing connection may take to send what is left (the stop reply) before it is cut. */
const LINGER_MS = 200;

/** What a shutdown did, for the line the command prints. */
export interface Shutdown {
  /** Whether a gdb was being served. */
  served: boolean;
  /** Connections that were waiting for their turn (not yet served). */
  waiting: number;
  /** Whether gdb was waiting for a stop reply and was sent one that says the target ended (X). */
  told: boolean;
}

export class GdbServer {
  private server: net.Server | undefined;
  /** The connection being served, until it has ended and its last request is done. */
  private current: Connection | undefined;
  /** Every open socket: the one served and those waiting for their turn. */
  private readonly sockets = new Set<net.Socket>();
  private closing = false;

  constructor(private readonly target: ReplayTarget) {}

  listen(options: ServerOptions): Promise<net.AddressInfo> {
    return new Promise((resolve, reject) => {
      const server = net.createServer((socket) => void this.accept(socket, options.log));
      server.on('error', reject);
      server.listen(options.port, options.host, () => resolve(server.address() as net.AddressInfo));
      this.server = server;
    });
  }

  /** Stop listening and close every connection (see shutdown). */
  close(): void {
    void this.shutdown();
  }

  /**
   * End the server at once: stop listening, and close every connection. gdb waiting for a stop reply
   * (a continue or a step running) is first told the target ended, as gdbserver tells it when the
   * inferior dies: `X` with the signal's number ("Stop Reply Packets"). Resolves once every socket is
   * closed: a client that does not read is cut after LINGER_MS.
   */
  async shutdown(signal?: EndSignal): Promise<Shutdown> {
    this.closing = true;
    const listening = new Promise<void>((resolve) => {
      if (this.server?.listening) this.server.close(() => resolve());
      else resolve();
    });
    const served = this.current !== undefined && this.sockets.has(this.current.socket);
    const waiting = this.sockets.size - (served ? 1 : 0);
    const told = this.current?.terminate(signal === undefined ? undefined : END_SIGNALS[signal]) ?? false;
    for (const socket of this.sockets) {
      if (socket !== this.current?.socket) socket.destroy();
    }
    await listening;
    return { served, waiting, told };
  }

  /** Serve a connection: one gdb at a time, the next once the last has ended. */
  private async accept(socket: net.Socket, log?: (line: string) => void): Promise<void> {
    this.sockets.add(socket);
    let closed = false;
    socket.on('close', () => {
      closed = true;
      this.sockets.delete(socket);
    });
    socket.on('error', () => socket.destroy());
    if (this.closing) return void socket.destroy();
    const from = `${socket.remoteAddress}:${socket.remotePort}`;
    const deadline = Date.now() + HANDOVER_MS;
    while (this.current && !closed) {
      // gdb's `disconnect` then `target remote` at once, or a gdb started as the last one dies: the
      // last one is ending, and its requests end before this one's begin. Nothing is read meanwhile.
      const last = this.current;
      if (!last.gone) {
        // Its close may not have been seen yet: wait a moment for it.
        const left = deadline - Date.now();
        if (left > 0) await Promise.race([last.ending, delay(left)]);
        if (!last.gone) {
          log?.(`refused a connection from ${from}: one gdb at a time, and one is connected`);
          socket.end();
          return;
        }
      }
      await last.finished; // its request in flight stops at its next look (the close interrupts it)
    }
    if (closed || this.closing) return void socket.destroy();
    socket.setNoDelay(true); // replies are small and latency matters (Nagle would hold them)
    log?.(`gdb connected from ${from}`);
    const connection = new Connection(socket, this.target, log);
    this.current = connection;
    await connection.finished;
    this.target.clearAll(); // the next gdb starts with no breakpoints
    this.current = undefined;
    if (!this.closing) log?.('gdb disconnected');
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

class Connection {
  /** Resolved once the connection is gone (see `gone`). */
  readonly ending: Promise<void>;
  /** Resolved once the connection is gone and the request it was in has ended. */
  readonly finished: Promise<void>;
  /**
   * gdb detached (D) or killed (k), the socket closed, or the server is shutting down: what else
   * comes on this connection, or waits in its queue, is not for the target any more.
   */
  gone = false;
  private finish: () => void = () => {};
  private end: () => void = () => {};
  private readonly decoder = new PacketDecoder();
  private noAck = false;
  /** Thread for register/memory access (Hg) and for stepping (Hc). */
  private gThread: number;
  private cThread: number;
  private interrupted = false;
  /** Requests received and not yet answered. */
  private pending = 0;
  /** A step or continue runs: gdb waits for its stop reply. */
  private moving = false;
  /** Stop reasons gdb said it understands (qSupported swbreak+, hwbreak+). */
  private stopReasons = new Set<string>();
  private queue: Promise<void> = Promise.resolve();
  private readonly features: Map<string, string>;

  constructor(readonly socket: net.Socket, private readonly target: ReplayTarget, private readonly log?: (line: string) => void) {
    this.gThread = this.cThread = target.threadAtPosition();
    this.features = featureFiles(target.csrs());
    this.ending = new Promise((resolve) => { this.end = resolve; });
    this.finished = new Promise((resolve) => { this.finish = resolve; });
    socket.on('close', () => this.leave());
    socket.on('data', (data) => this.receive(data));
  }

  /** No more requests: a motion still running ends at its next look, then the connection has finished. */
  private leave(): void {
    if (this.gone) return;
    this.gone = true;
    this.interrupted = true;
    this.end();
    void this.queue.then(() => this.finish());
  }

  /**
   * The server is shutting down: gdb waiting for a stop reply is told the target ended (`X` and
   * gdb's number of the signal; none given: the connection just closes), and the socket closes.
   * Returns whether gdb was told.
   */
  terminate(signal: number | undefined): boolean {
    const tell = !this.gone && this.moving && signal !== undefined;
    this.leave();
    if (tell) this.socket.write(encodePacket(reply.terminated(signal)));
    this.socket.end();
    // A client that does not read would hold the socket open: it is cut. (The timer keeps the process
    // alive until then: a paused socket with its writes stuck may not.)
    const cut = setTimeout(() => this.socket.destroy(), LINGER_MS);
    this.socket.once('close', () => clearTimeout(cut));
    return tell;
  }

  private receive(data: Buffer): void {
    if (this.gone) return;
    for (const frame of this.decoder.push(data)) {
      switch (frame.kind) {
        case 'interrupt':
          this.interrupted = true;
          break;
        case 'ack': case 'nak':
          break;
        case 'malformed':
          // A frame that cannot be a packet (too long, cut short): ask gdb to send it again.
          this.log?.(`gdbstub: malformed frame: ${frame.reason}`);
          if (!this.noAck) this.socket.write('-');
          break;
        case 'packet':
          if (!frame.checksumOk) {
            if (!this.noAck) this.socket.write('-');
            break;
          }
          if (!this.noAck) this.socket.write('+');
          // Requests are handled one at a time, in order, even when a handler yields; those still
          // queued when the connection is gone are dropped (gdb sent them and then left).
          this.pending++;
          this.flow();
          this.queue = this.queue.then(() => this.turn()).then(() => this.gone ? undefined : this.handle(parseRequest(frame.payload))).catch((e) => {
            // A bad recording (found late) or a divergence is the input's problem: its one line. Anything
            // else is a bug of ours, and its stack is what a bug report needs.
            const input = e instanceof Error && (e.name === 'FormatError' || e.name === 'DivergenceError');
            this.log?.(`gdbstub: ${input ? (e as Error).message : (e as Error).stack ?? e}`);
            this.send(reply.error(1));
          }).finally(() => {
            this.pending--;
            this.flow();
          });
          break;
        default:
          break;
      }
    }
  }

  /**
   * Read gdb's requests only while fewer than MAX_PENDING wait and it reads what it is sent: else
   * its socket pushes back (a client that floods requests, or reads no replies, holds no more memory
   * here than that).
   */
  private flow(): void {
    if (this.gone) return;
    if (this.pending >= MAX_PENDING || this.socket.writableNeedDrain) this.socket.pause();
    else this.socket.resume();
  }

  /**
   * Before each request: a turn of the event loop (a signal, or another socket, is seen between
   * requests however many came in one read), and while gdb does not read what it was sent, a wait
   * until it does or the connection is gone.
   */
  private async turn(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    if (!this.socket.writableNeedDrain || this.gone) return;
    this.flow();
    let drained = (): void => {};
    await Promise.race([new Promise<void>((resolve) => { drained = resolve; this.socket.once('drain', resolve); }), this.ending]);
    this.socket.off('drain', drained);
    this.flow();
  }

  private send(payload: string | Uint8Array): void {
    if (!this.gone) this.socket.write(encodePacket(payload));
  }

  private async handle(req: Request): Promise<void> {
    const t = this.target;
    switch (req.type) {
      case 'qSupported': {
        // swbreak/hwbreak stop reasons are sent only to a gdb that said it understands them.
        const stopReasons = (['swbreak', 'hwbreak'] as const).filter((r) => req.features.get(r) === true);
        this.stopReasons = new Set(stopReasons);
        return this.send(reply.supported({ packetSize: MAX_PACKET_SIZE, xferRead: ['features'], stopReasons, reverse: true }));
      }
      case 'QStartNoAckMode':
        this.send(reply.ok());
        this.noAck = true;
        return;
      case 'qXfer': {
        if (req.object !== 'features' || req.operation !== 'read') return this.send('');
        const file = this.features.get(req.annex);
        if (!file) return this.send(reply.error(0));
        return this.send(reply.xferChunk(new TextEncoder().encode(file), req.offset, req.length));
      }
      case 'qfThreadInfo':
        return this.send(reply.threadList(t.threads()));
      case 'qsThreadInfo':
        return this.send(reply.threadList([]));
      case 'qC':
        return this.send(reply.currentThread(this.gThread));
      case 'qAttached':
        return this.send('1');
      case 'qThreadExtraInfo':
        return this.send(reply.hexEncodeText(t.describe(this.thread(req.thread))));
      case 'qRcmd': {
        // A far `seek` forward replays in slices, with a turn of the event loop between them (a
        // signal, or the connection closing, ends it), as a continue does.
        const seek = seekPosition(req.command);
        if (seek !== undefined) {
          await t.target.approach(seek, () => this.gone);
          if (this.gone) return;
        }
        return this.send(reply.hexEncodeText(monitorCommand(t.target, req.command)));
      }
      case 'qOffsets': case 'qSymbol': case 'qTStatus': case 'vMustReplyEmpty': case 'unknown':
        return this.send('');
      case 'H':
        if (req.op === 'g') this.gThread = this.thread(req.thread);
        // "Any thread" to step or continue is the thread gdb selected (Hg), as gdbserver has it:
        // gdb's reverse-stepi on a selected thread sends Hg1, Hc0, bs.
        else this.cThread = this.specific(req.thread) ? this.thread(req.thread) : this.gThread;
        return this.send(reply.ok());
      case 'T':
        return this.send(this.threadExists(req.thread) ? reply.ok() : reply.error(1));
      case '?':
        return this.send(this.stopReply({ kind: 'signal', thread: t.threadAtPosition() }));
      case 'g':
        return this.send(reply.memory(t.readGeneralRegisters(this.gThread)));
      case 'p': {
        const v = t.readRegister(this.gThread, req.register);
        return this.send(v ? reply.memory(v) : reply.error(1));
      }
      case 'm': {
        const data = t.readMemory(this.gThread, req.address, req.length);
        return this.send(data ? reply.memory(data) : reply.error(0x14));
      }
      case 'x': {
        const data = t.readMemory(this.gThread, req.address, req.length);
        return this.send(data ? reply.binaryMemory(data) : reply.error(0x14));
      }
      case 'G': case 'P': case 'M': case 'X':
        // Writes would change the recorded history: refused, with the reason as gdb's textual error
        // reply (E.errtext, "Standard Replies").
        return this.send(reply.textError(WRITE_REFUSED));
      case 'Z': case 'z':
        return this.send(this.breakpoint(req.type === 'Z', req.kind, req.address, req.size));
      case 'vCont?':
        return this.send('vCont;c;C;s;S');
      case 'vCont': {
        const action = req.actions[0];
        if (!action) return this.send(reply.error(1));
        if (action.thread !== undefined && this.specific(action.thread)) this.cThread = this.thread(action.thread);
        // Threads without an action stay stopped (gdb's step over a breakpoint: `vCont;c:1`). The
        // recording runs every hart as recorded, so "only thread 1 runs" means only its stops count.
        const only = req.actions.every((a) => a.thread !== undefined && this.specific(a.thread)) ? this.cThread : undefined;
        return this.resume(action.action === 's' || action.action === 'S' ? 'step' : 'continue', only);
      }
      case 'c': case 'C':
        return this.resume('continue');
      case 's': case 'S':
        return this.resume('step');
      case 'bc':
        return this.resume('reverse-continue');
      case 'bs':
        return this.resume('reverse-step');
      case 'D':
        this.send(reply.ok());
        this.socket.end();
        this.leave();
        return;
      case 'k': case 'vKill':
        this.socket.end();
        this.leave();
        return;
      case 'malformed':
        return this.send(reply.error(1));
      default:
        return this.send('');
    }
  }

  /** Whether a thread id names one thread (not "any" or "all"). */
  private specific(id: ThreadId): boolean {
    return typeof id.tid === 'number' && id.tid > 0;
  }

  private thread(id: ThreadId): number {
    if (typeof id.tid !== 'number' || id.tid <= 0) return this.target.threadAtPosition();
    return this.threadExists(id) ? id.tid : this.target.threadAtPosition();
  }

  private threadExists(id: ThreadId): boolean {
    return typeof id.tid !== 'number' || this.target.hasThread(id.tid);
  }

  private breakpoint(insert: boolean, kind: number, address: bigint, size: number): string {
    const t = this.target;
    switch (kind) {
      case 0: case 1:
        if (insert) t.insertBreakpoint(address, kind === 1);
        else t.removeBreakpoint(address);
        return reply.ok();
      case 2: case 3: case 4: {
        const type = kind === 2 ? 'write' : kind === 3 ? 'read' : 'access';
        if (!insert) {
          t.removeWatchpoint(address, size, type);
          return reply.ok();
        }
        return t.insertWatchpoint(this.gThread, address, size, type) ? reply.ok() : reply.error(1);
      }
      default:
        return '';
    }
  }

  /** Run in the given direction; a continue ends early when gdb interrupts it (Ctrl-C). */
  private async resume(how: 'step' | 'continue' | 'reverse-step' | 'reverse-continue', only?: number): Promise<void> {
    const t = this.target;
    this.interrupted = false;
    this.moving = true;
    let event: StopEvent;
    try {
      if (how === 'step') event = await t.step(this.cThread, 'forward');
      else if (how === 'reverse-step') event = await t.step(this.cThread, 'backward');
      else event = await t.resume(how === 'continue' ? 'forward' : 'backward', only, () => this.interrupted || this.gone);
    } finally {
      this.moving = false;
    }
    // After a stop gdb's current thread is the one that stopped (after a reverse continue too).
    this.gThread = this.cThread = event.thread;
    // Console output is allowed while the target runs, before the stop reply ("Stop Reply Packets":
    // `O XX...`): gdb prints the sentence, then reports the stop.
    if (event.kind === 'diverged') this.send(reply.consoleOutput(`samsara: ${event.message}\n`));
    this.send(this.stopReply(event));
  }

  private stopReply(e: StopEvent): string {
    const thread = e.thread;
    switch (e.kind) {
      case 'swbreak': case 'hwbreak': {
        const reason = this.stopReasons.has(e.kind) ? { kind: e.kind } : undefined;
        return reply.stopReply({ signal: SIGTRAP, thread, reason });
      }
      case 'watch': {
        const kind = e.type === 'write' ? 'watch' : e.type === 'read' ? 'rwatch' : 'awatch';
        return reply.stopReply({ signal: SIGTRAP, thread, reason: { kind, address: e.address } });
      }
      case 'replaylog': return reply.stopReply({ signal: SIGTRAP, thread, reason: { kind: 'replaylog', which: e.which } });
      // The history the recording vouches for ends here: gdb says "No more reverse-execution history".
      case 'diverged': return reply.stopReply({ signal: SIGTRAP, thread, reason: { kind: 'replaylog', which: 'end' } });
      case 'interrupt': return reply.stopReply({ signal: SIGINT, thread }); // as for a Ctrl-C on a live target
      default: return reply.stopReply({ signal: SIGTRAP, thread });
    }
  }
}
