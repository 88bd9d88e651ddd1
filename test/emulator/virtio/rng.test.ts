// The virtio entropy device: device-writable buffers filled from the EntropyPort.

import { describe, expect, it } from 'vitest';
import { VIRTIO_MMIO_INT_VRING, VirtioMmioReg as R } from '../../../src/emulator/devices/virtio/mmio';
import { RNG_MAX_FILL, VirtioRng } from '../../../src/emulator/devices/virtio/rng';
import { CounterEntropy, F_EVENT_IDX, F_INDIRECT_DESC, F_VERSION_1, Guest, GuestQueue } from './guest';

function rng(): { g: Guest; q: GuestQueue; entropy: CounterEntropy } {
  const entropy = new CounterEntropy();
  const g = new Guest(new VirtioRng(entropy));
  return { g, q: g.start(), entropy };
}

describe('virtio-rng', () => {
  it('is device 4 with one queue, no device features and no configuration space', () => {
    const g = new Guest(new VirtioRng(new CounterEntropy()));
    expect(g.probe().deviceId).toBe(4);
    expect(g.readFeatures()).toBe(F_VERSION_1 | F_INDIRECT_DESC | F_EVENT_IDX);
    g.w(R.QueueSel, 1);
    expect(g.r(R.QueueNumMax)).toBe(0);
    expect(g.dev.read(R.Config, 4)).toBe(0xffff_ffff);
  });

  it('fills a buffer from the entropy port and interrupts', () => {
    const { g, q, entropy } = rng();
    const buf = g.alloc(64);
    const head = q.add([{ addr: buf, len: 64, write: true }]);
    q.kick();
    expect(g.ram.slice(buf, 64)).toEqual(entropy.expected(0, 64));
    expect(q.takeUsed()).toEqual([{ id: head, len: 64 }]);
    expect(g.isr()).toBe(VIRTIO_MMIO_INT_VRING);
    expect(g.level).toBe(true);
    expect(entropy.calls).toEqual([64]);
  });

  it('fills chained and indirect buffers, one request after another', () => {
    const { g, q, entropy } = rng();
    const a = g.alloc(10);
    const b = g.alloc(6);
    const c = g.alloc(32);
    const d = g.alloc(32);
    const h1 = q.add([{ addr: a, len: 10, write: true }, { addr: b, len: 6, write: true }]);
    const h2 = q.add([{ addr: c, len: 32, write: true }, { addr: d, len: 32, write: true }], true);
    q.kick();
    const e = entropy.expected(0, 80);
    expect(g.ram.slice(a, 10)).toEqual(e.subarray(0, 10));
    expect(g.ram.slice(b, 6)).toEqual(e.subarray(10, 16));
    expect(g.ram.slice(c, 32)).toEqual(e.subarray(16, 48));
    expect(g.ram.slice(d, 32)).toEqual(e.subarray(48, 80));
    expect(q.takeUsed()).toEqual([
      { id: h1, len: 16 },
      { id: h2, len: 64 },
    ]);
  });

  it('gives at most RNG_MAX_FILL bytes per request', () => {
    const { g, q } = rng();
    const buf = g.alloc(RNG_MAX_FILL + 100);
    g.ram.bytes.fill(0xee, buf - g.ram.base + RNG_MAX_FILL, buf - g.ram.base + RNG_MAX_FILL + 100);
    q.add([{ addr: buf, len: RNG_MAX_FILL + 100, write: true }]);
    q.kick();
    expect(q.takeUsed()[0].len).toBe(RNG_MAX_FILL);
    expect(g.ram.slice(buf + RNG_MAX_FILL, 100).every((x) => x === 0xee)).toBe(true);
  });

  it('returns a chain with no writable buffer unfilled, without asking the port', () => {
    const { g, q, entropy } = rng();
    const head = q.add([{ addr: g.alloc(8), len: 8 }]);
    q.kick();
    expect(q.takeUsed()).toEqual([{ id: head, len: 0 }]);
    expect(entropy.calls).toEqual([]);
  });

  it('continues identically after a snapshot/restore into a fresh device', () => {
    const { g, q, entropy } = rng();
    q.add([{ addr: g.alloc(16), len: 16, write: true }]);
    q.kick();
    q.add([{ addr: g.alloc(16), len: 16, write: true }], true); // available, not yet notified
    const entropy2 = new CounterEntropy();
    entropy2.next = entropy.next; // the port's owner carries its own position
    const h = g.fork(new VirtioRng(entropy2));
    for (const x of [g, h]) {
      x.queues[0].kick();
      x.interrupt();
      x.queues[0].add([{ addr: x.alloc(24), len: 24, write: true }, { addr: x.alloc(8), len: 8, write: true }]);
      x.queues[0].kick();
    }
    expect(Buffer.from(h.ram.bytes).equals(Buffer.from(g.ram.bytes))).toBe(true);
    expect(h.dev.snapshot()).toEqual(g.dev.snapshot());
    expect(h.isr()).toBe(g.isr());
    expect(h.level).toBe(g.level);
    expect(entropy2.next).toBe(entropy.next);
  });
});
