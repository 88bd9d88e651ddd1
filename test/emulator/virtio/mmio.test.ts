// The virtio-mmio transport, register by register, as Linux's virtio_mmio driver drives it.

import { describe, expect, it } from 'vitest';
import { VirtioMmioReg as R, VIRTIO_MMIO_INT_CONFIG, VIRTIO_MMIO_INT_VRING } from '../../../src/emulator/devices/virtio/mmio';
import { VirtioBlock } from '../../../src/emulator/devices/virtio/blk';
import { VirtioRng } from '../../../src/emulator/devices/virtio/rng';
import {
  ACKNOWLEDGE,
  CounterEntropy,
  DRIVER,
  DRIVER_OK,
  F_EVENT_IDX,
  F_INDIRECT_DESC,
  F_VERSION_1,
  FEATURES_OK,
  Guest,
  patternDisk,
} from './guest';

const rngGuest = () => new Guest(new VirtioRng(new CounterEntropy()));

describe('virtio-mmio identification', () => {
  it('answers magic "virt", version 2, the device id and vendor "QEMU"', () => {
    const g = new Guest(new VirtioBlock(patternDisk(8)));
    expect(g.probe()).toEqual({ magic: 0x74726976, version: 2, deviceId: 2, vendor: 0x554d4551 });
    expect(rngGuest().probe().deviceId).toBe(4);
  });

  it('an empty slot answers like QEMU: magic, version and vendor, device id 0, all else 0, writes ignored', () => {
    const g = new Guest(null);
    expect(g.probe()).toEqual({ magic: 0x74726976, version: 2, deviceId: 0, vendor: 0x554d4551 });
    g.w(R.Status, ACKNOWLEDGE);
    expect(g.status()).toBe(0);
    expect(g.r(R.DeviceFeatures)).toBe(0);
    expect(g.r(R.QueueNumMax)).toBe(0);
    expect(g.dev.read(R.Config, 4)).toBe(0);
    g.w(R.QueueNotify, 0);
    expect(g.levels).toEqual([]);
    expect(g.dev.snapshot()).toEqual({});
  });

  it('control registers take only aligned 32-bit accesses', () => {
    const g = rngGuest();
    expect(g.dev.read(R.MagicValue, 1)).toBe(0);
    expect(g.dev.read(R.MagicValue, 2)).toBe(0);
    expect(g.dev.read(R.MagicValue + 1, 4)).toBe(0);
    g.dev.write(R.Status, 1, ACKNOWLEDGE);
    expect(g.status()).toBe(0);
  });
});

describe('virtio-mmio feature negotiation', () => {
  it('offers VERSION_1, INDIRECT_DESC and EVENT_IDX on top of the device features', () => {
    const g = new Guest(new VirtioBlock(patternDisk(8)));
    const f = g.readFeatures();
    expect(f & F_VERSION_1).toBe(F_VERSION_1);
    expect(f & F_INDIRECT_DESC).toBe(F_INDIRECT_DESC);
    expect(f & F_EVENT_IDX).toBe(F_EVENT_IDX);
    g.w(R.DeviceFeaturesSel, 2);
    expect(g.r(R.DeviceFeatures)).toBe(0);
    expect(rngGuest().readFeatures()).toBe(F_VERSION_1 | F_INDIRECT_DESC | F_EVENT_IDX);
  });

  it('walks reset, ACKNOWLEDGE, DRIVER, FEATURES_OK, DRIVER_OK', () => {
    const g = rngGuest();
    expect(g.negotiate()).toBe(true);
    expect(g.status()).toBe(ACKNOWLEDGE | DRIVER | FEATURES_OK);
    expect(g.dev.negotiatedFeatures).toBe(F_VERSION_1 | F_INDIRECT_DESC | F_EVENT_IDX);
    g.setupQueue(0);
    g.driverOk();
    expect(g.status()).toBe(ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK);
  });

  it('refuses FEATURES_OK for a feature not offered, and without VERSION_1', () => {
    const g = rngGuest();
    expect(g.negotiate((o) => o | (1n << 40n))).toBe(false);
    expect(g.status()).toBe(ACKNOWLEDGE | DRIVER);
    expect(g.negotiate((o) => o & ~F_VERSION_1)).toBe(false);
    expect(g.negotiate((o) => o)).toBe(true);
  });

  it('ignores DriverFeatures once FEATURES_OK is set', () => {
    const g = rngGuest();
    g.negotiate((o) => o & ~F_EVENT_IDX);
    g.writeFeatures(F_VERSION_1);
    expect(g.dev.negotiatedFeatures).toBe(F_VERSION_1 | F_INDIRECT_DESC);
  });
});

describe('virtio-mmio queues', () => {
  it('QueueNumMax is 0 for a queue that does not exist; QueueReady reads back', () => {
    const g = rngGuest();
    g.negotiate();
    g.w(R.QueueSel, 1);
    expect(g.r(R.QueueNumMax)).toBe(0);
    expect(g.r(R.QueueReady)).toBe(0);
    g.w(R.QueueSel, 0);
    expect(g.r(R.QueueNumMax)).toBe(64);
    g.setupQueue(0, 16);
    expect(g.r(R.QueueReady)).toBe(1);
    g.w(R.QueueReady, 0);
    expect(g.r(R.QueueReady)).toBe(0);
  });

  it('ignores a QueueNum that is not a power of 2 or exceeds QueueNumMax, like QEMU', () => {
    const g = rngGuest();
    g.negotiate();
    g.w(R.QueueSel, 0);
    g.w(R.QueueNum, 48);
    g.w(R.QueueNum, 128);
    g.w(R.QueueNum, 0);
    expect(g.dev.snapshot().queues).toMatchObject([{ size: 64 }]);
    g.w(R.QueueNum, 8);
    expect(g.dev.snapshot().queues).toMatchObject([{ size: 8 }]);
  });

  it('a notification before DRIVER_OK is served when DRIVER_OK is set', () => {
    const g = rngGuest();
    g.negotiate();
    const q = g.setupQueue(0);
    const buf = g.alloc(16);
    q.add([{ addr: buf, len: 16, write: true }]);
    q.notify();
    expect(q.usedIdx()).toBe(0);
    expect(g.level).toBe(false);
    g.driverOk();
    expect(q.usedIdx()).toBe(1);
    expect(g.level).toBe(true);
    expect(g.isr()).toBe(VIRTIO_MMIO_INT_VRING);
  });

  it('a notification of a queue that is not ready, or does not exist, does nothing', () => {
    const g = rngGuest();
    const q = g.start();
    q.add([{ addr: g.alloc(8), len: 8, write: true }]);
    g.w(R.QueueNotify, 5);
    expect(q.usedIdx()).toBe(0);
    g.w(R.QueueSel, 0);
    g.w(R.QueueReady, 0);
    q.notify();
    expect(q.usedIdx()).toBe(0);
    expect(g.levels).toEqual([]);
  });
});

describe('virtio-mmio interrupts and reset', () => {
  it('InterruptACK clears the bits written and lowers the line when none is left', () => {
    const g = rngGuest();
    const q = g.start();
    q.add([{ addr: g.alloc(8), len: 8, write: true }]);
    q.kick();
    expect(g.isr()).toBe(VIRTIO_MMIO_INT_VRING);
    expect(g.level).toBe(true);
    g.dev.configChanged();
    expect(g.isr()).toBe(VIRTIO_MMIO_INT_VRING | VIRTIO_MMIO_INT_CONFIG);
    g.w(R.InterruptACK, VIRTIO_MMIO_INT_VRING);
    expect(g.isr()).toBe(VIRTIO_MMIO_INT_CONFIG);
    expect(g.level).toBe(true);
    g.w(R.InterruptACK, VIRTIO_MMIO_INT_CONFIG);
    expect(g.isr()).toBe(0);
    expect(g.levels).toEqual([true, false]);
  });

  it('writing 0 to Status resets features, queues and InterruptStatus, and lowers the line', () => {
    const g = rngGuest();
    const q = g.start();
    q.add([{ addr: g.alloc(8), len: 8, write: true }]);
    q.kick();
    expect(g.level).toBe(true);
    g.w(R.Status, 0);
    expect(g.status()).toBe(0);
    expect(g.isr()).toBe(0);
    expect(g.level).toBe(false);
    expect(g.dev.negotiatedFeatures).toBe(0n);
    g.w(R.QueueSel, 0);
    expect(g.r(R.QueueReady)).toBe(0);
    // And it comes back up from scratch, used ring indices from 0.
    const g2q = g.start();
    g2q.add([{ addr: g.alloc(8), len: 8, write: true }]);
    g2q.kick();
    expect(g2q.usedIdx()).toBe(1);
  });

  it('ConfigGeneration changes with the configuration; config change interrupts wait for DRIVER_OK', () => {
    const g = rngGuest();
    expect(g.r(R.ConfigGeneration)).toBe(0);
    g.dev.configChanged();
    expect(g.r(R.ConfigGeneration)).toBe(1);
    expect(g.isr()).toBe(0);
    g.start();
    g.dev.configChanged();
    expect(g.r(R.ConfigGeneration)).toBe(2);
    expect(g.isr()).toBe(VIRTIO_MMIO_INT_CONFIG);
  });

  it('reports no shared memory regions (length -1)', () => {
    const g = rngGuest();
    g.w(R.SHMSel, 0);
    expect(g.r(R.SHMLenLow)).toBe(0xffff_ffff);
    expect(g.r(R.SHMLenHigh)).toBe(0xffff_ffff);
  });
});

describe('virtio-mmio configuration space', () => {
  it('reads 8-, 16- and 32-bit fields; beyond the space reads all ones', () => {
    const g = new Guest(new VirtioBlock(patternDisk(0x1234)));
    expect(g.dev.read(R.Config, 4)).toBe(0x1234);
    expect(g.dev.read(R.Config + 4, 4)).toBe(0);
    expect(g.dev.read(R.Config, 2)).toBe(0x1234);
    expect(g.dev.read(R.Config + 1, 1)).toBe(0x12);
    expect(g.dev.read(R.Config + 60, 4)).toBe(0xffff_ffff);
    expect(g.dev.read(R.Config + 59, 2)).toBe(0xffff);
    expect(g.dev.read(R.Config + 0xf00, 1)).toBe(0xff);
    g.dev.write(R.Config, 4, 0); // read-only field
    expect(g.dev.read(R.Config, 4)).toBe(0x1234);
  });
});

describe('virtio-mmio snapshot', () => {
  it('is structured-clonable and restores every register', () => {
    const g = rngGuest();
    const q = g.start();
    q.add([{ addr: g.alloc(8), len: 8, write: true }]);
    q.kick();
    g.w(R.QueueSel, 0);
    g.w(R.DeviceFeaturesSel, 1);
    const snap = structuredClone(g.dev.snapshot());
    const h = new Guest(new VirtioRng(new CounterEntropy()));
    h.dev.restore(snap);
    for (const reg of [R.Status, R.InterruptStatus, R.DeviceFeatures, R.QueueReady, R.QueueNumMax, R.ConfigGeneration]) {
      expect(h.r(reg)).toBe(g.r(reg));
    }
    expect(h.dev.negotiatedFeatures).toBe(g.dev.negotiatedFeatures);
    expect(h.dev.snapshot()).toEqual(g.dev.snapshot());
  });

  it('refuses a snapshot of another shape', () => {
    const g = rngGuest();
    expect(() => g.dev.restore({ status: 'x' })).toThrow(TypeError);
    const blk = new Guest(new VirtioBlock(patternDisk(8)));
    const other = new Guest(new VirtioBlock(patternDisk(16)));
    expect(() => other.dev.restore(blk.dev.snapshot())).toThrow();
  });
});
