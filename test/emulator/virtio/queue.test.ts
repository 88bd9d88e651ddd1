// Split virtqueues: chains direct and indirect, notification suppression, and every malformed ring or
// chain ending in DEVICE_NEEDS_RESET and a configuration change interrupt, never a host exception.

import { describe, expect, it } from 'vitest';
import { VirtioMmioReg as R, VIRTIO_MMIO_INT_CONFIG, VIRTIO_MMIO_INT_VRING } from '../../../src/emulator/devices/virtio/mmio';
import { vringNeedEvent } from '../../../src/emulator/devices/virtio/queue';
import { VirtioRng } from '../../../src/emulator/devices/virtio/rng';
import { VirtioBlock } from '../../../src/emulator/devices/virtio/blk';
import {
  CounterEntropy,
  DESC_F_INDIRECT,
  DESC_F_NEXT,
  DESC_F_WRITE,
  DRIVER_OK,
  F_EVENT_IDX,
  F_INDIRECT_DESC,
  Guest,
  GuestQueue,
  NEEDS_RESET,
  RAM_BASE,
  RAM_SIZE,
  patternDisk,
} from './guest';

function rng(choose?: (o: bigint) => bigint): { g: Guest; q: GuestQueue; entropy: CounterEntropy } {
  const entropy = new CounterEntropy();
  const g = new Guest(new VirtioRng(entropy));
  const q = g.start(choose);
  return { g, q, entropy };
}

/** The device asked for a reset: NEEDS_RESET, a configuration change interrupt, nothing used. */
function expectNeedsReset(g: Guest, q: GuestQueue, reason: RegExp): void {
  expect(g.status() & NEEDS_RESET).toBe(NEEDS_RESET);
  expect(g.status() & DRIVER_OK).toBe(DRIVER_OK);
  expect(g.isr()).toBe(VIRTIO_MMIO_INT_CONFIG);
  expect(g.level).toBe(true);
  expect(q.usedIdx()).toBe(0);
  expect(g.dev.lastError).toMatch(reason);
}

describe('split virtqueue chains', () => {
  it('fills a chain of several device-writable buffers in order', () => {
    const { g, q, entropy } = rng();
    const a = g.alloc(5);
    const b = g.alloc(7);
    const c = g.alloc(3);
    const head = q.add([
      { addr: a, len: 5, write: true },
      { addr: b, len: 7, write: true },
      { addr: c, len: 3, write: true },
    ]);
    expect(q.kick()).toBe(true);
    const all = entropy.expected(0, 15);
    expect(g.ram.slice(a, 5)).toEqual(all.subarray(0, 5));
    expect(g.ram.slice(b, 7)).toEqual(all.subarray(5, 12));
    expect(g.ram.slice(c, 3)).toEqual(all.subarray(12, 15));
    expect(q.takeUsed()).toEqual([{ id: head, len: 15 }]);
  });

  it('follows an indirect table', () => {
    const { g, q, entropy } = rng();
    const a = g.alloc(4);
    const b = g.alloc(4);
    const head = q.add([{ addr: a, len: 4, write: true }, { addr: b, len: 4, write: true }], true);
    q.kick();
    expect([...g.ram.slice(a, 4), ...g.ram.slice(b, 4)]).toEqual([...entropy.expected(0, 8)]);
    expect(q.takeUsed()).toEqual([{ id: head, len: 8 }]);
  });

  it('serves every chain made available before one notification, in order', () => {
    const { g, q } = rng();
    const heads = [0, 1, 2, 3].map(() => q.add([{ addr: g.alloc(2), len: 2, write: true }]));
    q.kick();
    expect(q.takeUsed().map((e) => e.id)).toEqual(heads);
  });

  it('wraps the ring indices past 65535', () => {
    const { g, q } = rng();
    const buf = g.alloc(1);
    let used = 0;
    for (let i = 0; i < 70_000; i++) {
      q.add([{ addr: buf, len: 1, write: true }]);
      q.kick();
      used += q.takeUsed().length;
    }
    expect(used).toBe(70_000);
    expect(q.usedIdx()).toBe(70_000 & 0xffff);
    expect(g.status() & NEEDS_RESET).toBe(0);
  });
});

describe('used buffer notification suppression', () => {
  it('without EVENT_IDX: VIRTQ_AVAIL_F_NO_INTERRUPT holds the interrupt back', () => {
    const { g, q } = rng((o) => o & ~F_EVENT_IDX);
    q.setAvailFlags(1);
    q.add([{ addr: g.alloc(1), len: 1, write: true }]);
    q.kick();
    expect(q.usedIdx()).toBe(1);
    expect(g.isr()).toBe(0);
    q.setAvailFlags(0);
    q.add([{ addr: g.alloc(1), len: 1, write: true }]);
    q.kick();
    expect(g.isr()).toBe(VIRTIO_MMIO_INT_VRING);
  });

  it('with EVENT_IDX: interrupts only when used idx passes used_event; avail_event tracks the device', () => {
    const { g, q } = rng();
    const buf = g.alloc(1);
    // The first completion always notifies.
    q.add([{ addr: buf, len: 1, write: true }]);
    q.kick();
    expect(q.availEvent()).toBe(1);
    expect(g.interrupt()).toBe(VIRTIO_MMIO_INT_VRING);
    // The driver does not take the used buffer (used_event stays 0): no interrupt for the next ones.
    q.add([{ addr: buf, len: 1, write: true }]);
    q.kick();
    expect(g.isr()).toBe(0);
    // The driver asks to hear when used idx passes 3 (used_event = 3 means after the 4th).
    q.setUsedEvent(3);
    q.add([{ addr: buf, len: 1, write: true }]);
    q.kick();
    expect(g.isr()).toBe(0);
    q.add([{ addr: buf, len: 1, write: true }]);
    q.kick();
    expect(q.usedIdx()).toBe(4);
    expect(g.interrupt()).toBe(VIRTIO_MMIO_INT_VRING);
    expect(q.availEvent()).toBe(4);
  });

  it('with EVENT_IDX the driver skips notifications the device does not need', () => {
    const { g, q } = rng();
    // Two buffers made available before one kick: one notification serves both.
    q.add([{ addr: g.alloc(1), len: 1, write: true }]);
    q.add([{ addr: g.alloc(1), len: 1, write: true }]);
    expect(q.kick()).toBe(true);
    expect(q.usedIdx()).toBe(2);
    expect(q.notifies).toBe(1);
  });

  it('vring_need_event works modulo 2^16', () => {
    expect(vringNeedEvent(0, 1, 0)).toBe(true);
    expect(vringNeedEvent(5, 5, 4)).toBe(false);
    expect(vringNeedEvent(4, 5, 4)).toBe(true);
    expect(vringNeedEvent(0xffff, 0, 0xfffe)).toBe(true);
    expect(vringNeedEvent(0xfffe, 2, 0xfff0)).toBe(true);
    expect(vringNeedEvent(3, 2, 0xfff0)).toBe(false);
  });
});

describe('malformed rings and chains', () => {
  it('a descriptor loop', () => {
    const { g, q } = rng();
    const buf = g.alloc(8);
    q.writeDesc(q.desc, 0, buf, 8, DESC_F_WRITE | DESC_F_NEXT, 1);
    q.writeDesc(q.desc, 1, buf, 8, DESC_F_WRITE | DESC_F_NEXT, 0);
    q.publish(0);
    expect(() => q.notify()).not.toThrow();
    expectNeedsReset(g, q, /loop/);
  });

  it('a self-referencing descriptor', () => {
    const { g, q } = rng();
    q.writeDesc(q.desc, 3, g.alloc(8), 8, DESC_F_WRITE | DESC_F_NEXT, 3);
    q.publish(3);
    q.notify();
    expectNeedsReset(g, q, /loop/);
  });

  it('a loop inside an indirect table', () => {
    const { g, q } = rng();
    const table = g.alloc(32);
    const buf = g.alloc(8);
    q.writeDesc(table, 0, buf, 8, DESC_F_WRITE | DESC_F_NEXT, 1);
    q.writeDesc(table, 1, buf, 8, DESC_F_WRITE | DESC_F_NEXT, 0);
    q.writeDesc(q.desc, 0, table, 32, DESC_F_INDIRECT, 0);
    q.publish(0);
    q.notify();
    expectNeedsReset(g, q, /loop/);
  });

  it('a head index out of range', () => {
    const { g, q } = rng();
    q.publish(q.num);
    q.notify();
    expectNeedsReset(g, q, /head index/);
  });

  it('a next index out of range, directly and in an indirect table', () => {
    const { g, q } = rng();
    q.writeDesc(q.desc, 0, g.alloc(8), 8, DESC_F_WRITE | DESC_F_NEXT, 0xffff);
    q.publish(0);
    q.notify();
    expectNeedsReset(g, q, /next index/);

    const r = rng();
    const table = r.g.alloc(32);
    r.q.writeDesc(table, 0, r.g.alloc(8), 8, DESC_F_WRITE | DESC_F_NEXT, 2);
    r.q.writeDesc(r.q.desc, 0, table, 32, DESC_F_INDIRECT, 0);
    r.q.publish(0);
    r.q.notify();
    expectNeedsReset(r.g, r.q, /next index 2/);
  });

  it('a buffer outside RAM', () => {
    const { g, q } = rng();
    q.add([{ addr: 0x1000_0000, len: 16, write: true }]);
    q.notify();
    expectNeedsReset(g, q, /not RAM/);
  });

  it('a buffer that runs off the end of RAM', () => {
    const { g, q } = rng();
    q.add([{ addr: RAM_BASE + RAM_SIZE - 8, len: 16, write: true }]);
    q.notify();
    expectNeedsReset(g, q, /not RAM/);
  });

  it('a buffer address above 2^53', () => {
    const { g, q } = rng();
    q.writeDesc(q.desc, 0, 0, 16, DESC_F_WRITE, 0);
    g.ram.set32(q.desc + 4, 0xffff_fff0);
    q.publish(0);
    q.notify();
    expectNeedsReset(g, q, /address is out of range/);
  });

  it('rings outside RAM', () => {
    const entropy = new CounterEntropy();
    const g = new Guest(new VirtioRng(entropy));
    g.negotiate();
    const q = g.setupQueue(0);
    g.w(R.QueueSel, 0);
    g.w(R.QueueReady, 0);
    g.w(R.QueueDescLow, 0x4000); // not RAM
    g.w(R.QueueReady, 1);
    g.driverOk();
    q.add([{ addr: g.alloc(8), len: 8, write: true }]);
    q.notify();
    expectNeedsReset(g, q, /descriptor 0 is not RAM/);

    const h = new Guest(new VirtioRng(entropy));
    h.negotiate();
    h.w(R.QueueSel, 0);
    h.w(R.QueueDriverHigh, 0x8000_0000); // available ring at an address far above 2^53
    h.w(R.QueueReady, 1);
    h.driverOk();
    h.w(R.QueueNotify, 0);
    expect(h.status() & NEEDS_RESET).toBe(NEEDS_RESET);
    expect(h.dev.lastError).toMatch(/available ring/);
  });

  it('a used ring outside RAM', () => {
    const g = new Guest(new VirtioRng(new CounterEntropy()));
    g.negotiate();
    const q = g.setupQueue(0);
    g.w(R.QueueSel, 0);
    g.w(R.QueueReady, 0);
    g.w(R.QueueDeviceLow, 0x2000);
    g.w(R.QueueReady, 1);
    g.driverOk();
    q.add([{ addr: g.alloc(8), len: 8, write: true }]);
    q.notify();
    expect(g.status() & NEEDS_RESET).toBe(NEEDS_RESET);
    expect(g.dev.lastError).toMatch(/used ring/);
    expect(g.isr()).toBe(VIRTIO_MMIO_INT_CONFIG);
  });

  it('avail idx moved further than the queue size', () => {
    const { g, q } = rng();
    g.ram.set16(q.avail + 2, q.num + 1);
    q.notify();
    expectNeedsReset(g, q, /avail idx/);
  });

  it('indirect descriptors without VIRTIO_F_INDIRECT_DESC', () => {
    const { g, q } = rng((o) => o & ~F_INDIRECT_DESC);
    q.add([{ addr: g.alloc(8), len: 8, write: true }], true);
    q.notify();
    expectNeedsReset(g, q, /INDIRECT_DESC/);
  });

  it('an indirect table inside an indirect table', () => {
    const { g, q } = rng();
    const inner = g.alloc(16);
    const outer = g.alloc(16);
    q.writeDesc(inner, 0, g.alloc(8), 8, DESC_F_WRITE, 0);
    q.writeDesc(outer, 0, inner, 16, DESC_F_INDIRECT, 0);
    q.writeDesc(q.desc, 0, outer, 16, DESC_F_INDIRECT, 0);
    q.publish(0);
    q.notify();
    expectNeedsReset(g, q, /inside an indirect table/);
  });

  it('an indirect descriptor with NEXT, or a table length not a multiple of 16', () => {
    const { g, q } = rng();
    q.writeDesc(q.desc, 0, g.alloc(16), 16, DESC_F_INDIRECT | DESC_F_NEXT, 1);
    q.publish(0);
    q.notify();
    expectNeedsReset(g, q, /VIRTQ_DESC_F_NEXT/);

    for (const len of [0, 24, 16 * 1025]) {
      const r = rng();
      r.q.writeDesc(r.q.desc, 0, r.g.alloc(32), len, DESC_F_INDIRECT, 0);
      r.q.publish(0);
      r.q.notify();
      expectNeedsReset(r.g, r.q, /indirect table length/);
    }
  });

  it('a device-readable buffer after a device-writable one', () => {
    const { g, q } = rng();
    q.add([
      { addr: g.alloc(8), len: 8, write: true },
      { addr: g.alloc(8), len: 8 },
    ]);
    q.notify();
    expectNeedsReset(g, q, /device-readable descriptor after/);
  });

  it('a chain whose total length overflows 32 bits', () => {
    const { g, q } = rng();
    q.add([
      { addr: RAM_BASE, len: 0xffff_0000, write: true },
      { addr: RAM_BASE, len: 0x0002_0000, write: true },
    ]);
    q.notify();
    expectNeedsReset(g, q, /overflows/);
  });

  it('once it needs a reset the device ignores notifications; a reset brings it back', () => {
    const { g, q } = rng();
    q.publish(q.num + 3);
    q.notify();
    expect(g.status() & NEEDS_RESET).toBe(NEEDS_RESET);
    // The driver cannot clear DEVICE_NEEDS_RESET by writing Status.
    g.w(R.Status, g.status() & ~NEEDS_RESET);
    expect(g.status() & NEEDS_RESET).toBe(NEEDS_RESET);
    q.add([{ addr: g.alloc(8), len: 8, write: true }]);
    q.notify();
    expect(q.usedIdx()).toBe(0);
    expect(g.interrupt()).toBe(VIRTIO_MMIO_INT_CONFIG);
    expect(g.level).toBe(false);

    const q2 = g.start();
    expect(g.status() & NEEDS_RESET).toBe(0);
    expect(g.dev.lastError).toBeNull();
    q2.add([{ addr: g.alloc(8), len: 8, write: true }]);
    q2.kick();
    expect(q2.takeUsed()).toEqual([{ id: 0, len: 8 }]);
  });

  it('block requests with a malformed header or no status byte', () => {
    for (const bufs of [
      [{ addr: RAM_BASE + 0x8000, len: 8 }, { addr: RAM_BASE + 0x9000, len: 1, write: true }],
      [{ addr: RAM_BASE + 0x8000, len: 16 }],
      [{ addr: RAM_BASE + 0x9000, len: 512, write: true }],
    ]) {
      const g = new Guest(new VirtioBlock(patternDisk(8)));
      const q = g.start();
      q.add(bufs);
      expect(() => q.kick()).not.toThrow();
      expectNeedsReset(g, q, /header or a status byte/);
    }
  });

  it('a block read into a buffer outside RAM, and a write from one', () => {
    for (const write of [true, false]) {
      const disk = patternDisk(8);
      const before = disk.bytes.slice();
      const g = new Guest(new VirtioBlock(disk));
      const q = g.start();
      const hdr = g.alloc(16);
      g.ram.set32(hdr, write ? 0 : 1);
      const status = g.alloc(1);
      g.ram.set8(status, 0xaa);
      q.add([{ addr: hdr, len: 16 }, { addr: 0x3000_0000, len: 512, write }, { addr: status, len: 1, write: true }]);
      q.kick();
      expectNeedsReset(g, q, /not RAM/);
      expect(g.ram.u8(status)).toBe(0xaa);
      expect(disk.bytes).toEqual(before);
    }
  });

  it('random descriptor tables never throw', () => {
    let seed = 12345;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed;
    };
    for (let round = 0; round < 300; round++) {
      const g = round % 2 ? new Guest(new VirtioBlock(patternDisk(4))) : new Guest(new VirtioRng(new CounterEntropy()));
      const q = g.start();
      for (let i = 0; i < q.num; i++) {
        const near = rand() % 4 !== 0;
        const addr = near ? RAM_BASE + (rand() % RAM_SIZE) : rand() * 0x10;
        q.writeDesc(q.desc, i, addr, rand() % (near ? 4096 : 0x1_0000_0000), rand() & 7, rand() % (q.num + 2));
      }
      for (let i = 0; i < 8; i++) q.publish(rand() % (q.num + 1));
      expect(() => q.notify()).not.toThrow();
    }
  });
});
