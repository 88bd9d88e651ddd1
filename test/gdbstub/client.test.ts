// The raw RSP client used by the benchmarks and tests, against a scripted stub on loopback.

import * as net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RspClient, RspTimeout } from '../../src/gdbstub/client';
import { bytesToLatin1, encodePacket, PacketDecoder, toHex } from '../../src/gdbstub/codec';

let server: net.Server | undefined;
afterEach(() => server?.close());

/** A stub that answers each packet with the packets `answer` returns (none: it stays silent). */
async function stub(answer: (payload: string) => string[]): Promise<number> {
  server = net.createServer((socket) => {
    const decoder = new PacketDecoder();
    socket.on('data', (d) => {
      for (const f of decoder.push(d)) {
        if (f.kind !== 'packet') continue;
        socket.write('+');
        for (const reply of answer(bytesToLatin1(f.payload))) socket.write(encodePacket(reply));
      }
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return (server!.address() as net.AddressInfo).port;
}

describe('RspClient', () => {
  it('reads monitor output sent in O packets before OK (QEMU) and as a hex reply (ours)', async () => {
    const port = await stub((p) => p === `qRcmd,${toHex(Buffer.from('qemu'))}`
      ? [`O${toHex(Buffer.from('instruction '))}`, `O${toHex(Buffer.from('count = 7\n'))}`, 'OK']
      : [toHex(Buffer.from('position 12\n'))]);
    const c = await RspClient.connect(port);
    expect(await c.monitor('qemu', 10_000)).toBe('instruction count = 7\n');
    expect(await c.monitor('when', 10_000)).toBe('position 12\n');
    c.close();
  });

  it('throws on an E reply to a monitor command, and times out on silence', async () => {
    const port = await stub((p) => (p.startsWith('qRcmd') ? ['E01'] : []));
    const c = await RspClient.connect(port);
    await expect(c.monitor('seek x', 10_000)).rejects.toThrow(/seek x: E01/);
    await expect(c.request('bs', 200)).rejects.toBeInstanceOf(RspTimeout);
    c.close();
  });

  it('retries the connection until the stub listens', async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const pending = RspClient.connect(port, '127.0.0.1', 5000);
    await new Promise((r) => setTimeout(r, 200));
    server = net.createServer((s) => s.on('data', () => s.write(encodePacket('OK'))));
    await new Promise<void>((r) => server!.listen(port, '127.0.0.1', r));
    const c = await pending;
    expect(await c.request('?', 10_000)).toBe('OK');
    c.close();
  });
});
