// A minimal client of the gdb remote serial protocol, for benchmarks and tests that talk to a stub
// (ours or QEMU's) packet by packet, as gdb would but without gdb's own round trips.

import * as net from 'node:net';
import { bytesToLatin1, encodePacket, fromHex, PacketDecoder, toHex } from './codec';

export class RspTimeout extends Error {
  override readonly name = 'RspTimeout';
}

export class RspClient {
  private readonly decoder = new PacketDecoder();
  /** Packets received and not yet taken by a request. */
  private readonly queue: string[] = [];
  private wake: (() => void) | undefined;
  private closed = false;

  private constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true); // as gdb does
    socket.on('data', (d) => {
      for (const f of this.decoder.push(d)) {
        if (f.kind !== 'packet') continue;
        this.queue.push(bytesToLatin1(f.payload));
        socket.write('+');
      }
      this.wake?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
    socket.on('error', () => {});
  }

  /** Connect to host:port, retrying while nothing listens there yet, for up to `waitMs`. */
  static async connect(port: number, host = '127.0.0.1', waitMs = 0): Promise<RspClient> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      try {
        const socket = await new Promise<net.Socket>((resolve, reject) => {
          const s = net.connect(port, host);
          s.once('connect', () => resolve(s));
          s.once('error', reject);
        });
        return new RspClient(socket);
      } catch (e) {
        if (Date.now() >= deadline) throw e;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  /** The next packet from the stub; throws RspTimeout after `timeoutMs` (default: wait for ever). */
  async next(timeoutMs = Infinity): Promise<string> {
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    if (timeoutMs !== Infinity) {
      timer = setTimeout(() => {
        timedOut = true;
        this.wake?.();
      }, timeoutMs);
    }
    try {
      while (this.queue.length === 0) {
        if (timedOut) throw new RspTimeout(`no reply from the stub in ${timeoutMs} ms`);
        if (this.closed) throw new Error('the stub closed the connection');
        await new Promise<void>((r) => { this.wake = r; });
      }
      return this.queue.shift()!;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Send a packet and do not wait for its reply (`next` takes it). */
  send(payload: string): void {
    this.socket.write(encodePacket(payload));
  }

  /** Send a packet and return the stub's reply. */
  request(payload: string, timeoutMs = Infinity): Promise<string> {
    this.queue.length = 0;
    this.socket.write(encodePacket(payload));
    return this.next(timeoutMs);
  }

  /**
   * A `monitor` command (qRcmd): the text it printed, whether the stub sent it in `O` packets
   * before `OK` (QEMU) or as the hex-encoded reply itself (ours). An `E` reply throws.
   */
  async monitor(command: string, timeoutMs = Infinity): Promise<string> {
    let reply = await this.request(`qRcmd,${toHex(Buffer.from(command))}`, timeoutMs);
    let text = '';
    while (reply.startsWith('O') && reply !== 'OK') {
      text += Buffer.from(fromHex(reply.slice(1))).toString();
      reply = await this.next(timeoutMs);
    }
    if (/^E[0-9a-fA-F]{2}/.test(reply)) throw new Error(`monitor ${command}: ${reply}`);
    if (reply !== 'OK' && reply !== '') text += Buffer.from(fromHex(reply)).toString();
    return text;
  }

  /** Send Ctrl-C (0x03), outside any packet. */
  interrupt(): void {
    this.socket.write(Uint8Array.of(0x03));
  }

  close(): void {
    this.socket.destroy();
  }
}
