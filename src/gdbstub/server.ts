// The gdb remote serial protocol server: one TCP connection at a time, packets decoded by codec.ts,
// parsed by packets.ts, answered by handlers grouped by feature, over a ReplayTarget. Writes to
// registers or memory are refused: the recording is never changed.

import * as net from 'node:net';
import { encodePacket, PacketDecoder, toHex } from './codec';
import { parseRequest, Request } from './packets';
import { featureFiles } from './target-xml';
import { ReplayTarget, StopEvent } from './target';

/** Why register and memory writes are refused. */
export const WRITE_REFUSED = 'a recording is read-only: registers and memory cannot be changed';

/** Steps of forward replay between checks for an interrupt from gdb. */
const SLICE_STEPS = 5_000_000;

export interface ServerOptions {
  host: string;
  port: number;
  log?: (line: string) => void;
}

export class GdbServer {
  private server: net.Server | undefined;
  private busy = false;

  constructor(private readonly target: ReplayTarget, private readonly monitor: (command: string) => string) {}

  listen(options: ServerOptions): Promise<net.AddressInfo> {
    return new Promise((resolve, reject) => {
      const server = net.createServer((socket) => {
        if (this.busy) {
          options.log?.(`refused a connection from ${socket.remoteAddress}:${socket.remotePort}: one gdb at a time, and one is connected`);
          socket.end();
          return;
        }
        this.busy = true;
        socket.setNoDelay(true); // replies are small and latency matters (Nagle would hold them)
        options.log?.(`gdb connected from ${socket.remoteAddress}:${socket.remotePort}`);
        new Connection(socket, this.target, this.monitor, options.log).closed.then(() => {
          this.target.clearAll(); // the next gdb starts with no breakpoints
          this.busy = false;
          options.log?.('gdb disconnected');
        });
      });
      server.on('error', reject);
      server.listen(options.port, options.host, () => resolve(server.address() as net.AddressInfo));
      this.server = server;
    });
  }

  close(): void {
    this.server?.close();
  }
}

class Connection {
  readonly closed: Promise<void>;
  private readonly decoder = new PacketDecoder();
  private noAck = false;
  /** Thread for register/memory access (Hg) and for stepping (Hc). */
  private gThread: number;
  private cThread: number;
  private interrupted = false;
  private running = false;
  private queue: Promise<void> = Promise.resolve();
  private readonly features: Map<string, string>;

  constructor(private readonly socket: net.Socket, private readonly target: ReplayTarget, private readonly monitor: (command: string) => string, private readonly log?: (line: string) => void) {
    this.gThread = this.cThread = target.threadAtPosition();
    this.features = featureFiles(target.csrs());
    this.closed = new Promise((resolve) => socket.on('close', () => resolve()));
    socket.on('error', () => socket.destroy());
    socket.on('data', (data) => this.receive(data));
  }

  private receive(data: Buffer): void {
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
          // Requests are handled one at a time, in order, even when a handler yields.
          this.queue = this.queue.then(() => this.handle(parseRequest(frame.payload))).catch((e) => {
            this.log?.(`gdbstub: ${(e as Error).stack ?? e}`);
            this.send('E01');
          });
          break;
        default:
          break;
      }
    }
  }

  private send(payload: string | Uint8Array): void {
    if (!this.socket.destroyed) this.socket.write(encodePacket(payload));
  }

  private async handle(req: Request): Promise<void> {
    const t = this.target;
    switch (req.type) {
      case 'qSupported':
        this.send('PacketSize=20000;QStartNoAckMode+;qXfer:features:read+;swbreak+;hwbreak+;vContSupported+;multiprocess-;ReverseContinue+;ReverseStep+');
        return;
      case 'QStartNoAckMode':
        this.send('OK');
        this.noAck = true;
        return;
      case 'qXfer': {
        if (req.object !== 'features' || req.operation !== 'read') return this.send('');
        const file = this.features.get(req.annex);
        if (!file) return this.send('E00');
        const bytes = Buffer.from(file, 'utf8');
        const chunk = bytes.subarray(req.offset, req.offset + req.length);
        return this.send(Buffer.concat([Buffer.from(req.offset + req.length >= bytes.length ? 'l' : 'm'), chunk]));
      }
      case 'qfThreadInfo':
        return this.send('m' + t.threads().map((id) => id.toString(16)).join(','));
      case 'qsThreadInfo':
        return this.send('l');
      case 'qC':
        return this.send(`QC${this.gThread.toString(16)}`);
      case 'qAttached':
        return this.send('1');
      case 'qThreadExtraInfo':
        return this.send(toHex(Buffer.from(t.describe(this.thread(req.thread)))));
      case 'qRcmd':
        return this.send(toHex(Buffer.from(this.monitor(req.command))));
      case 'qOffsets': case 'qSymbol': case 'qTStatus': case 'vMustReplyEmpty': case 'unknown':
        return this.send('');
      case 'H':
        if (req.op === 'g') this.gThread = this.thread(req.thread);
        else this.cThread = this.thread(req.thread);
        return this.send('OK');
      case 'T':
        return this.send(this.threadExists(req.thread) ? 'OK' : 'E01');
      case '?':
        return this.send(this.stopReply({ kind: 'signal', thread: t.threadAtPosition() }));
      case 'g':
        return this.send(toHex(t.readGeneralRegisters(this.gThread)));
      case 'p': {
        const v = t.readRegister(this.gThread, req.register);
        return this.send(v ? toHex(v) : 'E01');
      }
      case 'm': {
        const data = t.readMemory(this.gThread, req.address, req.length);
        return this.send(data ? toHex(data) : 'E14');
      }
      case 'x': {
        const data = t.readMemory(this.gThread, req.address, req.length);
        return this.send(data ? Buffer.concat([Buffer.from('b'), data]) : 'E14');
      }
      case 'G': case 'P': case 'M': case 'X':
        // Writes would change the recorded history: refused, with the reason as gdb's textual error
        // reply (E.errtext, "Standard Replies").
        return this.send(`E.${WRITE_REFUSED}`);
      case 'Z': case 'z':
        return this.send(this.breakpoint(req.type === 'Z', req.kind, req.address, req.size));
      case 'vCont?':
        return this.send('vCont;c;C;s;S');
      case 'vCont': {
        const action = req.actions[0];
        if (!action) return this.send('E01');
        if (action.thread !== undefined && typeof action.thread.tid === 'number' && action.thread.tid > 0) this.cThread = this.thread(action.thread);
        // Threads without an action stay stopped (gdb's step over a breakpoint: `vCont;c:1`). The
        // recording runs every hart as recorded, so "only thread 1 runs" means only its stops count.
        const specific = (a: { thread?: { tid: number | 'all' | 'any' } }): boolean => a.thread !== undefined && typeof a.thread.tid === 'number' && a.thread.tid > 0;
        const only = req.actions.every(specific) ? this.cThread : undefined;
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
        this.send('OK');
        this.socket.end();
        return;
      case 'k': case 'vKill':
        this.socket.end();
        return;
      case 'malformed':
        return this.send('E01');
      default:
        return this.send('');
    }
  }

  private thread(id: { tid: number | 'all' | 'any' }): number {
    if (typeof id.tid !== 'number' || id.tid <= 0) return this.target.threadAtPosition();
    return this.threadExists(id) ? id.tid : this.target.threadAtPosition();
  }

  private threadExists(id: { tid: number | 'all' | 'any' }): boolean {
    return typeof id.tid !== 'number' || this.target.threads().includes(id.tid);
  }

  private breakpoint(insert: boolean, kind: number, address: bigint, size: number): string {
    const t = this.target;
    switch (kind) {
      case 0: case 1:
        if (insert) t.insertBreakpoint(address, kind === 1);
        else t.removeBreakpoint(address);
        return 'OK';
      case 2: case 3: case 4: {
        const type = kind === 2 ? 'write' : kind === 3 ? 'read' : 'access';
        if (!insert) {
          t.removeWatchpoint(address, size, type);
          return 'OK';
        }
        return t.insertWatchpoint(this.gThread, address, size, type) ? 'OK' : 'E01';
      }
      default:
        return '';
    }
  }

  /** Run in the given direction; continues run in slices so that an interrupt (Ctrl-C) is heard. */
  private async resume(how: 'step' | 'continue' | 'reverse-step' | 'reverse-continue', only?: number): Promise<void> {
    const t = this.target;
    this.interrupted = false;
    this.running = true;
    let event: StopEvent | undefined;
    t.resumeOnly(only);
    try {
      if (how === 'step') event = t.stepForward(this.cThread);
      else if (how === 'reverse-step') event = t.stepBackward(this.cThread);
      else if (how === 'continue') {
        for (let slice = 0; ; slice++) {
          const r = t.continueForward(t.timeline.position + SLICE_STEPS, slice === 0);
          if (r !== 'limit') { event = r; break; }
          await new Promise((resolve) => setImmediate(resolve));
          if (this.interrupted) { event = { kind: 'interrupt', thread: t.threadAtPosition() }; break; }
        }
      } else {
        const search = t.backwardSearch();
        for (;;) {
          const r = search.step();
          if (r) { event = r; break; }
          await new Promise((resolve) => setImmediate(resolve));
          if (this.interrupted) { event = { kind: 'interrupt', thread: t.threadAtPosition() }; break; }
        }
      }
    } finally {
      this.running = false;
      t.resumeOnly(undefined);
    }
    // After a stop gdb's current thread is the one that stopped (after a reverse continue too).
    this.gThread = this.cThread = event.thread;
    this.send(this.stopReply(event));
  }

  private stopReply(e: StopEvent): string {
    const thread = `thread:${e.thread.toString(16)};`;
    switch (e.kind) {
      case 'swbreak': return `T05${thread}swbreak:;`;
      case 'hwbreak': return `T05${thread}hwbreak:;`;
      case 'watch': {
        const key = e.type === 'write' ? 'watch' : e.type === 'read' ? 'rwatch' : 'awatch';
        return `T05${thread}${key}:${e.address.toString(16)};`;
      }
      case 'replaylog': return `T05${thread}replaylog:${e.which};`;
      case 'interrupt': return `T02${thread}`; // SIGINT, as for a Ctrl-C on a live target
      default: return `T05${thread}`;
    }
  }
}
