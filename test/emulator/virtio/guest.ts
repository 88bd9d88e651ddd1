// A fake guest for the virtio tests: RAM as a Uint8Array behind DmaMemory, a disk and an entropy
// source behind the ports, and a driver that touches the transport register by register the way
// Linux's drivers/virtio/virtio_mmio.c and virtio_ring.c do.

import { DmaMemory } from '../../../src/emulator/devices/device';
import { VirtioBackend, VirtioMmio, VirtioMmioReg as R, VIRTIO_F_VERSION_1 } from '../../../src/emulator/devices/virtio/mmio';
import { vringNeedEvent } from '../../../src/emulator/devices/virtio/queue';
import { BlockPort, EntropyPort } from '../../../src/emulator/ports';

export const RAM_BASE = 0x8000_0000;
export const RAM_SIZE = 1 << 20;

export const ACKNOWLEDGE = 1;
export const DRIVER = 2;
export const DRIVER_OK = 4;
export const FEATURES_OK = 8;
export const NEEDS_RESET = 0x40;

export const F_INDIRECT_DESC = 1n << 28n;
export const F_EVENT_IDX = 1n << 29n;
export const F_VERSION_1 = 1n << BigInt(VIRTIO_F_VERSION_1);

export const DESC_F_NEXT = 1;
export const DESC_F_WRITE = 2;
export const DESC_F_INDIRECT = 4;

export class FakeRam implements DmaMemory {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  constructor(readonly size = RAM_SIZE, readonly base = RAM_BASE) {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
  }
  private inRam(paddr: number, len: number): boolean {
    return Number.isSafeInteger(paddr) && paddr >= this.base && paddr + len <= this.base + this.size;
  }
  readPhys(paddr: number, buf: Uint8Array): boolean {
    if (!this.inRam(paddr, buf.length)) return false;
    buf.set(this.bytes.subarray(paddr - this.base, paddr - this.base + buf.length));
    return true;
  }
  writePhys(paddr: number, data: Uint8Array): boolean {
    if (!this.inRam(paddr, data.length)) return false;
    this.bytes.set(data, paddr - this.base);
    return true;
  }
  u8(a: number): number {
    return this.bytes[a - this.base];
  }
  u16(a: number): number {
    return this.view.getUint16(a - this.base, true);
  }
  u32(a: number): number {
    return this.view.getUint32(a - this.base, true);
  }
  set8(a: number, v: number): void {
    this.bytes[a - this.base] = v;
  }
  set16(a: number, v: number): void {
    this.view.setUint16(a - this.base, v, true);
  }
  set32(a: number, v: number): void {
    this.view.setUint32(a - this.base, v, true);
  }
  set64(a: number, v: bigint): void {
    this.view.setBigUint64(a - this.base, v, true);
  }
  slice(a: number, len: number): Uint8Array {
    return this.bytes.slice(a - this.base, a - this.base + len);
  }
  set(a: number, data: Uint8Array): void {
    this.bytes.set(data, a - this.base);
  }
}

export class MemDisk implements BlockPort {
  writes = 0;
  constructor(
    readonly bytes: Uint8Array,
    readonly readOnly = false,
  ) {}
  get size(): number {
    return this.bytes.length;
  }
  read(offset: number, buf: Uint8Array): void {
    if (offset < 0 || offset + buf.length > this.bytes.length) throw new RangeError('disk read out of range');
    buf.set(this.bytes.subarray(offset, offset + buf.length));
  }
  write(offset: number, data: Uint8Array): void {
    if (this.readOnly) throw new Error('write to a read-only disk');
    if (offset < 0 || offset + data.length > this.bytes.length) throw new RangeError('disk write out of range');
    this.bytes.set(data, offset);
    this.writes++;
  }
  clone(): MemDisk {
    const d = new MemDisk(this.bytes.slice(), this.readOnly);
    d.writes = this.writes;
    return d;
  }
}

/** A disk whose sector s holds bytes (s * 7 + i) & 0xff. */
export function patternDisk(sectors: number, readOnly = false): MemDisk {
  const b = new Uint8Array(sectors * 512);
  for (let i = 0; i < b.length; i++) b[i] = (Math.floor(i / 512) * 7 + (i % 512)) & 0xff;
  return new MemDisk(b, readOnly);
}

/** Deterministic "entropy": a counter through a multiplier. */
export class CounterEntropy implements EntropyPort {
  next = 0;
  calls: number[] = [];
  fill(buf: Uint8Array): void {
    this.calls.push(buf.length);
    for (let i = 0; i < buf.length; i++) buf[i] = (this.next++ * 37 + 11) & 0xff;
  }
  expected(from: number, n: number): Uint8Array {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = ((from + i) * 37 + 11) & 0xff;
    return b;
  }
}

export interface Buf {
  addr: number;
  len: number;
  write?: boolean;
}

export interface UsedElem {
  id: number;
  len: number;
}

/** The guest side of one split virtqueue, as Linux's virtio_ring.c keeps it. */
export class GuestQueue {
  free: number[];
  chains = new Map<number, number[]>();
  availIdx = 0;
  kickedAt = 0;
  lastUsed = 0;
  notifies = 0;

  constructor(
    readonly guest: Guest,
    readonly index: number,
    readonly num: number,
    readonly desc: number,
    readonly avail: number,
    readonly used: number,
  ) {
    this.free = Array.from({ length: num }, (_, i) => i);
  }

  get ram(): FakeRam {
    return this.guest.ram;
  }

  writeDesc(table: number, i: number, addr: number, len: number, flags: number, next: number): void {
    const a = table + 16 * i;
    this.ram.set64(a, BigInt(addr));
    this.ram.set32(a + 8, len);
    this.ram.set16(a + 12, flags);
    this.ram.set16(a + 14, next);
  }

  /** virtqueue_add: a direct chain, or one descriptor pointing at an indirect table. */
  add(bufs: Buf[], indirect = false): number {
    if (indirect) {
      const table = this.guest.alloc(16 * bufs.length, 16);
      bufs.forEach((b, i) => {
        const last = i === bufs.length - 1;
        this.writeDesc(table, i, b.addr, b.len, (last ? 0 : DESC_F_NEXT) | (b.write ? DESC_F_WRITE : 0), last ? 0 : i + 1);
      });
      const head = this.free.shift()!;
      this.writeDesc(this.desc, head, table, 16 * bufs.length, DESC_F_INDIRECT, 0);
      this.chains.set(head, [head]);
      this.publish(head);
      return head;
    }
    if (bufs.length > this.free.length) throw new Error('guest queue full');
    const ids = bufs.map(() => this.free.shift()!);
    bufs.forEach((b, i) => {
      const last = i === bufs.length - 1;
      this.writeDesc(this.desc, ids[i], b.addr, b.len, (last ? 0 : DESC_F_NEXT) | (b.write ? DESC_F_WRITE : 0), last ? 0 : ids[i + 1]);
    });
    this.chains.set(ids[0], ids);
    this.publish(ids[0]);
    return ids[0];
  }

  /** Put a head in the available ring and bump avail->idx. */
  publish(head: number): void {
    this.ram.set16(this.avail + 4 + 2 * (this.availIdx % this.num), head);
    this.availIdx = (this.availIdx + 1) & 0xffff;
    this.ram.set16(this.avail + 2, this.availIdx);
  }

  /** virtqueue_kick: notify unless the device said it does not need it (avail_event / NO_NOTIFY). */
  kick(): boolean {
    const old = this.kickedAt;
    const now = this.availIdx;
    this.kickedAt = now;
    const need = this.guest.eventIdx
      ? vringNeedEvent(this.ram.u16(this.used + 4 + 8 * this.num), now, old)
      : (this.ram.u16(this.used) & 1) === 0;
    if (need) this.notify();
    return need;
  }

  /** Write QueueNotify unconditionally. */
  notify(): void {
    this.notifies++;
    this.guest.w(R.QueueNotify, this.index);
  }

  usedIdx(): number {
    return this.ram.u16(this.used + 2);
  }

  availEvent(): number {
    return this.ram.u16(this.used + 4 + 8 * this.num);
  }

  setUsedEvent(v: number): void {
    this.ram.set16(this.avail + 4 + 2 * this.num, v);
  }

  setAvailFlags(v: number): void {
    this.ram.set16(this.avail, v);
  }

  /** virtqueue_get_buf for every used element; then, as virtqueue_enable_cb, used_event = last seen. */
  takeUsed(): UsedElem[] {
    const out: UsedElem[] = [];
    const idx = this.usedIdx();
    while (this.lastUsed !== idx) {
      const e = this.used + 4 + 8 * (this.lastUsed % this.num);
      const id = this.ram.u32(e);
      out.push({ id, len: this.ram.u32(e + 4) });
      const ids = this.chains.get(id);
      if (ids) {
        this.free.push(...ids);
        this.chains.delete(id);
      }
      this.lastUsed = (this.lastUsed + 1) & 0xffff;
    }
    this.setUsedEvent(this.lastUsed);
    return out;
  }

  copyTo(guest: Guest): GuestQueue {
    const q = new GuestQueue(guest, this.index, this.num, this.desc, this.avail, this.used);
    q.free = [...this.free];
    q.chains = new Map([...this.chains].map(([k, v]) => [k, [...v]]));
    q.availIdx = this.availIdx;
    q.kickedAt = this.kickedAt;
    q.lastUsed = this.lastUsed;
    q.notifies = this.notifies;
    return q;
  }
}

export class Guest {
  readonly ram = new FakeRam();
  readonly dev: VirtioMmio;
  /** The irq line's level, and every level the device set, in order. */
  level = false;
  levels: boolean[] = [];
  heap = RAM_BASE;
  eventIdx = false;
  features = 0n;
  queues: GuestQueue[] = [];

  constructor(readonly backend: VirtioBackend | null) {
    this.dev = new VirtioMmio(backend, this.ram, (l) => {
      this.level = l;
      this.levels.push(l);
    });
  }

  r(off: number): number {
    return this.dev.read(off, 4);
  }
  w(off: number, v: number): void {
    this.dev.write(off, 4, v);
  }
  status(): number {
    return this.r(R.Status);
  }
  isr(): number {
    return this.r(R.InterruptStatus);
  }

  alloc(size: number, align = 16): number {
    const a = Math.ceil(this.heap / align) * align;
    this.heap = a + size;
    if (this.heap > RAM_BASE + RAM_SIZE) throw new Error('fake RAM exhausted');
    return a;
  }

  /** virtio_mmio_probe's checks. */
  probe(): { magic: number; version: number; deviceId: number; vendor: number } {
    return { magic: this.r(R.MagicValue), version: this.r(R.Version), deviceId: this.r(R.DeviceID), vendor: this.r(R.VendorID) };
  }

  /** vm_get_features: high word first. */
  readFeatures(): bigint {
    this.w(R.DeviceFeaturesSel, 1);
    const hi = BigInt(this.r(R.DeviceFeatures));
    this.w(R.DeviceFeaturesSel, 0);
    return (hi << 32n) | BigInt(this.r(R.DeviceFeatures));
  }

  /** vm_finalize_features. */
  writeFeatures(f: bigint): void {
    this.w(R.DriverFeaturesSel, 1);
    this.w(R.DriverFeatures, Number(f >> 32n));
    this.w(R.DriverFeaturesSel, 0);
    this.w(R.DriverFeatures, Number(f & 0xffff_ffffn));
  }

  /**
   * virtio_dev_probe up to FEATURES_OK: reset, ACKNOWLEDGE, DRIVER, negotiate, FEATURES_OK and read it
   * back. Returns whether the device took the features.
   */
  negotiate(choose: (offered: bigint) => bigint = (o) => o): boolean {
    this.w(R.Status, 0);
    if (this.status() !== 0) throw new Error('reset did not clear Status');
    this.w(R.Status, ACKNOWLEDGE);
    this.w(R.Status, ACKNOWLEDGE | DRIVER);
    const f = choose(this.readFeatures());
    this.writeFeatures(f);
    this.w(R.Status, this.status() | FEATURES_OK);
    if (!(this.status() & FEATURES_OK)) return false;
    this.features = f;
    this.eventIdx = (f & F_EVENT_IDX) !== 0n;
    return true;
  }

  /** vm_setup_vq. */
  setupQueue(index: number, num?: number): GuestQueue {
    this.w(R.QueueSel, index);
    if (this.r(R.QueueReady) !== 0) throw new Error('queue already set up');
    const max = this.r(R.QueueNumMax);
    if (max === 0) throw new Error(`queue ${index} does not exist`);
    const n = num ?? max;
    const desc = this.alloc(16 * n, 4096);
    const avail = this.alloc(6 + 2 * n, 2);
    const used = this.alloc(6 + 8 * n, 4096);
    this.w(R.QueueNum, n);
    this.w(R.QueueDescLow, desc);
    this.w(R.QueueDescHigh, 0);
    this.w(R.QueueDriverLow, avail);
    this.w(R.QueueDriverHigh, 0);
    this.w(R.QueueDeviceLow, used);
    this.w(R.QueueDeviceHigh, 0);
    this.w(R.QueueReady, 1);
    const q = new GuestQueue(this, index, n, desc, avail, used);
    this.queues[index] = q;
    return q;
  }

  driverOk(): void {
    this.w(R.Status, this.status() | DRIVER_OK);
  }

  /** negotiate + one queue per backend queue + DRIVER_OK. */
  start(choose?: (offered: bigint) => bigint): GuestQueue {
    if (!this.negotiate(choose)) throw new Error('device refused the features');
    const n = this.backend!.numQueues;
    for (let i = 0; i < n; i++) this.setupQueue(i);
    this.driverOk();
    return this.queues[0];
  }

  /** vm_interrupt: read InterruptStatus and acknowledge exactly that. */
  interrupt(): number {
    const s = this.isr();
    this.w(R.InterruptACK, s);
    return s;
  }

  /** A copy of this guest at this instant: RAM, driver state, and the device through snapshot/restore. */
  fork(backend: VirtioBackend): Guest {
    const g = new Guest(backend);
    g.ram.bytes.set(this.ram.bytes);
    g.dev.restore(structuredClone(this.dev.snapshot()));
    g.level = this.level;
    g.heap = this.heap;
    g.eventIdx = this.eventIdx;
    g.features = this.features;
    g.queues = this.queues.map((q) => q.copyTo(g));
    return g;
  }
}
