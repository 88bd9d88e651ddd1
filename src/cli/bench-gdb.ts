// gdb stub figures for `samsara bench`: reverse-stepi latency over the remote protocol, and a
// reverse-continue across most of a recording against forward replay of the same span.

import * as net from 'node:net';
import { encodePacket, PacketDecoder } from '../gdbstub/codec';
import { GdbServer } from '../gdbstub/server';
import { ReplayTarget } from '../gdbstub/target';
import { ParsedRecording } from '../rr/format';
import { Replayer } from '../rr/replayer';
import { Timeline } from '../rr/timeline';

/** A minimal RSP client: send a packet, wait for the reply packet. */
class Client {
  private readonly decoder = new PacketDecoder();
  private replies: string[] = [];
  private wake: (() => void) | undefined;
  constructor(private readonly socket: net.Socket) {
    socket.on('data', (d) => {
      for (const f of this.decoder.push(d)) {
        if (f.kind !== 'packet') continue;
        this.replies.push(Buffer.from(f.payload).toString('latin1'));
        socket.write('+');
        this.wake?.();
      }
    });
  }
  async request(payload: string): Promise<string> {
    const n = this.replies.length;
    this.socket.write(encodePacket(payload));
    while (this.replies.length === n) await new Promise<void>((r) => { this.wake = r; });
    return this.replies[this.replies.length - 1];
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p99 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.99))];
const hex = (t: string): string => Buffer.from(t).toString('hex');

export async function benchGdb(name: string, recording: ParsedRecording): Promise<void> {
  const timeline = new Timeline(recording);
  const target = new ReplayTarget(timeline);
  const server = new GdbServer(target, (cmd) => {
    const m = /^seek (\d+)$/.exec(cmd.trim());
    if (m) timeline.seek(Number(m[1]));
    return `position ${timeline.position}\n`;
  });
  const address = await server.listen({ host: '127.0.0.1', port: 0 });
  const socket = net.connect(address.port, '127.0.0.1');
  socket.setNoDelay(true); // as gdb does
  await new Promise<void>((r) => socket.once('connect', () => r()));
  const client = new Client(socket);
  try {
    // reverse-stepi at 50 random positions (after one pass has laid down checkpoints).
    await client.request(`qRcmd,${hex(`seek ${timeline.end}`)}`);
    let seed = 7;
    const random = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const latencies: number[] = [];
    for (let i = 0; i < 50; i++) {
      const p = timeline.start + 1 + Math.floor(random() * (timeline.end - timeline.start - 1));
      await client.request(`qRcmd,${hex(`seek ${p}`)}`);
      const t0 = process.hrtime.bigint();
      await client.request('bs');
      await client.request('g'); // what gdb asks for next
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    // reverse-continue from the end back to a breakpoint hit near the start.
    const early = new Replayer(recording, { write: () => {} });
    early.runTo(early.position + 1000);
    const h = early.machine.harts[0];
    const pc = BigInt.asUintN(64, BigInt(h.pc));
    const t1 = process.hrtime.bigint();
    const fwd = new Replayer(recording, { write: () => {} });
    fwd.runTo(timeline.end);
    const forward = Number(process.hrtime.bigint() - t1) / 1e9;
    await client.request(`qRcmd,${hex(`seek ${timeline.end}`)}`);
    await client.request(`Z0,${pc.toString(16)},2`);
    const t2 = process.hrtime.bigint();
    const reply = await client.request('bc');
    const back = Number(process.hrtime.bigint() - t2) / 1e9;
    const span = timeline.end - timeline.position;
    console.log(`${name} gdb stub: reverse-stepi (bs + g) median ${median(latencies).toFixed(1)} ms, p99 ${p99(latencies).toFixed(1)} ms; ` +
      `reverse-continue across ${(span / 1e6).toFixed(0)} M steps ${back.toFixed(2)} s against forward replay ${forward.toFixed(2)} s (ratio ${(back / forward).toFixed(2)}); stop reply ${reply}`);
  } finally {
    socket.end();
    server.close();
  }
}
