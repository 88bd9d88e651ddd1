// Split virtqueues (VIRTIO 1.2 "Split Virtqueues"), seen from the device, over guest memory
// reached only through DmaMemory. A queue hands a device backend one descriptor chain at a time
// (pop), and takes it back with the number of bytes written (push), which may raise a used buffer
// notification. Ring features: VIRTIO_F_INDIRECT_DESC and VIRTIO_F_EVENT_IDX.
//
// Nothing the driver puts in memory makes this module throw: a malformed ring or chain (a loop, an
// index out of range, a buffer that is not RAM, a length that overflows) is reported to the owner
// (the transport), which sets DEVICE_NEEDS_RESET and stops the device until the driver resets it, as
// QEMU's virtio_error() does and "Device Requirements: Device Status Field" allows.

import * as C from '../../state-check';
import { DeviceState, DmaMemory } from '../device';

/** Feature bits of the ring layout (section 6, "Reserved Feature Bits"). */
export const VIRTIO_F_INDIRECT_DESC = 28;
export const VIRTIO_F_EVENT_IDX = 29;

/** struct virtq_desc flags. */
export const VIRTQ_DESC_F_NEXT = 1;
export const VIRTQ_DESC_F_WRITE = 2;
export const VIRTQ_DESC_F_INDIRECT = 4;
/** struct virtq_avail flags: the driver asks for no used buffer notifications. */
export const VIRTQ_AVAIL_F_NO_INTERRUPT = 1;

/** Queue Size is a power of 2 no greater than this ("Split Virtqueues"). */
export const VIRTQ_MAX_SIZE = 32768;
/** The longest indirect table accepted, as QEMU's VIRTQUEUE_MAX_SIZE. */
export const VIRTQ_MAX_INDIRECT = 1024;

const DESC_SIZE = 16;
const TWO32 = 0x1_0000_0000;
const MAX_LEN = 0xffff_ffff; // used element len is a le32

/** A guest physical address from two 32-bit halves, or -1 when it is beyond 2^53 (never RAM). */
export function joinAddress(lo: number, hi: number): number {
  return hi < 0x20_0000 ? hi * TWO32 + lo : -1;
}

/** What a queue needs from the transport that owns it. */
export interface QueueOwner {
  /** DEVICE_NEEDS_RESET is set: the device touches no ring until the driver resets it. */
  needsReset(): boolean;
  /** The driver broke the rules of the ring: set DEVICE_NEEDS_RESET (and say why). */
  fault(reason: string): void;
  /** A used buffer notification is due (InterruptStatus bit 0). */
  usedBufferNotification(): void;
}

/** One guest buffer of a chain: [addr, addr + len) in guest physical memory. */
export interface Segment {
  readonly addr: number;
  readonly len: number;
}

/**
 * One available descriptor chain: its device-readable buffers, then its device-writable ones, each
 * list seen as one byte stream. read() and write() copy through DmaMemory; when a buffer is not RAM
 * they report the fault to the queue's owner and return false, and the backend drops the request.
 */
export class DescriptorChain {
  constructor(
    private readonly queue: SplitVirtqueue,
    /** The head descriptor index, which goes back in the used ring. */
    readonly head: number,
    readonly readable: readonly Segment[],
    readonly writable: readonly Segment[],
    readonly readableLength: number,
    readonly writableLength: number,
  ) {}

  /** Copy the device-readable bytes [offset, offset + buf.length) into buf. */
  read(offset: number, buf: Uint8Array): boolean {
    if (offset < 0 || offset + buf.length > this.readableLength) {
      throw new RangeError(`virtqueue read [${offset}, +${buf.length}) beyond ${this.readableLength} readable bytes`);
    }
    return this.copy(this.readable, offset, buf, false);
  }

  /** Copy data into the device-writable bytes at offset. */
  write(offset: number, data: Uint8Array): boolean {
    if (offset < 0 || offset + data.length > this.writableLength) {
      throw new RangeError(`virtqueue write [${offset}, +${data.length}) beyond ${this.writableLength} writable bytes`);
    }
    return this.copy(this.writable, offset, data, true);
  }

  private copy(segments: readonly Segment[], offset: number, buf: Uint8Array, toGuest: boolean): boolean {
    const dma = this.queue.dma;
    let done = 0;
    for (const s of segments) {
      if (done === buf.length) break;
      if (offset >= s.len) {
        offset -= s.len;
        continue;
      }
      const n = Math.min(s.len - offset, buf.length - done);
      const part = buf.subarray(done, done + n);
      const addr = s.addr + offset;
      if (!(toGuest ? dma.writePhys(addr, part) : dma.readPhys(addr, part))) {
        this.queue.fail(`buffer [0x${addr.toString(16)}, +${n}) is not RAM`);
        return false;
      }
      done += n;
      offset = 0;
    }
    return true;
  }
}

/** A queue's state for snapshots. */
export interface QueueState {
  size: number;
  descLo: number;
  descHi: number;
  driverLo: number;
  driverHi: number;
  deviceLo: number;
  deviceHi: number;
  ready: boolean;
  lastAvailIdx: number;
  usedIdx: number;
  signalledUsed: number;
  signalledUsedValid: boolean;
}

/**
 * One split virtqueue. The transport writes the driver's configuration (QueueNum, QueueDesc,
 * QueueDriver, QueueDevice, QueueReady) and the negotiated ring features; the backend pops and pushes.
 */
export class SplitVirtqueue {
  /** QueueNum: the number of descriptors, a power of 2 no greater than maxSize. */
  size: number;
  /** QueueDesc, QueueDriver (available ring) and QueueDevice (used ring), as 32-bit halves. */
  descLo = 0;
  descHi = 0;
  driverLo = 0;
  driverHi = 0;
  deviceLo = 0;
  deviceHi = 0;
  /** QueueReady. The device touches no ring while it is false. */
  ready = false;
  /** Negotiated VIRTIO_F_INDIRECT_DESC and VIRTIO_F_EVENT_IDX. */
  indirectDesc = false;
  eventIdx = false;

  /** The next available ring entry to take (the device's shadow of avail->idx). */
  private lastAvailIdx = 0;
  /** The device's used->idx. */
  private usedIdx = 0;
  /** used->idx when a notification was last considered, for VIRTIO_F_EVENT_IDX (QEMU's signalled_used). */
  private signalledUsed = 0;
  private signalledUsedValid = false;

  private readonly scratch = new Uint8Array(DESC_SIZE);
  private readonly view = new DataView(this.scratch.buffer);
  private readonly b2 = this.scratch.subarray(0, 2);
  private readonly b8 = this.scratch.subarray(0, 8);

  constructor(
    readonly dma: DmaMemory,
    private readonly owner: QueueOwner,
    /** The queue's index in the device, as the driver writes it to QueueSel and QueueNotify. */
    readonly index: number,
    /** QueueNumMax. */
    readonly maxSize: number,
  ) {
    if (!isQueueSize(maxSize)) throw new RangeError(`virtqueue max size ${maxSize} is not a power of 2 up to 32768`);
    this.size = maxSize;
  }

  /** Back to the state after a device reset. */
  reset(): void {
    this.size = this.maxSize;
    this.descLo = this.descHi = this.driverLo = this.driverHi = this.deviceLo = this.deviceHi = 0;
    this.ready = false;
    this.indirectDesc = this.eventIdx = false;
    this.lastAvailIdx = this.usedIdx = this.signalledUsed = 0;
    this.signalledUsedValid = false;
  }

  /** Set QueueNum; like QEMU, a size the queue cannot take is ignored. */
  setSize(size: number): void {
    if (isQueueSize(size) && size <= this.maxSize) this.size = size;
  }

  /** Report a driver error (DEVICE_NEEDS_RESET). */
  fail(reason: string): void {
    this.owner.fault(`queue ${this.index}: ${reason}`);
  }

  /**
   * Take the next available descriptor chain, or null when there is none, the queue is not ready,
   * the device needs a reset, or the ring or chain is malformed (which sets DEVICE_NEEDS_RESET).
   */
  pop(): DescriptorChain | null {
    if (!this.ready || this.owner.needsReset()) return null;
    const avail = joinAddress(this.driverLo, this.driverHi);
    const availIdx = avail < 0 ? -1 : this.read16(avail + 2);
    if (availIdx < 0) return this.failed('available ring is not RAM');
    const pending = (availIdx - this.lastAvailIdx) & 0xffff;
    if (pending > this.size) {
      return this.failed(`driver moved avail idx from ${this.lastAvailIdx} to ${availIdx}`);
    }
    if (pending === 0) {
      this.setAvailEvent();
      return null;
    }
    const head = this.read16(avail + 4 + 2 * (this.lastAvailIdx & (this.size - 1)));
    if (head < 0) return this.failed('available ring is not RAM');
    this.lastAvailIdx = (this.lastAvailIdx + 1) & 0xffff;
    // "the device ... writes avail_event" ("Available Buffer Notification Suppression"): notify me when you pass the entry after this one.
    if (!this.setAvailEvent()) return null;
    return this.walk(head);
  }

  /**
   * Return a chain to the driver through the used ring with the number of bytes written to its
   * device-writable buffers ("The Virtqueue Used Ring"), then raise a used buffer notification
   * unless the driver suppressed it ("Used Buffer Notification Suppression").
   */
  push(chain: DescriptorChain, written: number): void {
    if (!this.ready || this.owner.needsReset()) return;
    const used = joinAddress(this.deviceLo, this.deviceHi);
    const slot = used + 4 + 8 * (this.usedIdx & (this.size - 1));
    this.view.setUint32(0, chain.head, true);
    this.view.setUint32(4, Math.min(written, chain.writableLength), true);
    if (used < 0 || !this.dma.writePhys(slot, this.b8)) {
      this.fail('used ring is not RAM');
      return;
    }
    // The element is written before idx, so a driver that sees idx sees the element.
    this.usedIdx = (this.usedIdx + 1) & 0xffff;
    if (!this.write16(used + 2, this.usedIdx)) {
      this.fail('used ring is not RAM');
      return;
    }
    const notify = this.shouldNotify();
    if (notify === null) return;
    if (notify) this.owner.usedBufferNotification();
  }

  snapshot(): QueueState {
    return {
      size: this.size,
      descLo: this.descLo,
      descHi: this.descHi,
      driverLo: this.driverLo,
      driverHi: this.driverHi,
      deviceLo: this.deviceLo,
      deviceHi: this.deviceHi,
      ready: this.ready,
      lastAvailIdx: this.lastAvailIdx,
      usedIdx: this.usedIdx,
      signalledUsed: this.signalledUsed,
      signalledUsedValid: this.signalledUsedValid,
    };
  }

  /** Take back a snapshot; the ring features are the transport's to set. */
  restore(s: QueueState): void {
    if (!isQueueSize(s.size) || s.size > this.maxSize) throw new RangeError(`virtqueue snapshot: bad size ${s.size}`);
    this.size = s.size;
    this.descLo = s.descLo;
    this.descHi = s.descHi;
    this.driverLo = s.driverLo;
    this.driverHi = s.driverHi;
    this.deviceLo = s.deviceLo;
    this.deviceHi = s.deviceHi;
    this.ready = s.ready;
    this.lastAvailIdx = s.lastAvailIdx;
    this.usedIdx = s.usedIdx;
    this.signalledUsed = s.signalledUsed;
    this.signalledUsedValid = s.signalledUsedValid;
  }

  /**
   * Follow a chain from its head ("The Virtqueue Descriptor Table", "Indirect Descriptors"), checking
   * every rule a driver MUST follow that would otherwise make the device loop, index outside a table,
   * or mix up readable and writable buffers.
   */
  private walk(head: number): DescriptorChain | null {
    if (head >= this.size) return this.failed(`head index ${head} is out of range (queue size ${this.size})`);
    const readable: Segment[] = [];
    const writable: Segment[] = [];
    let readableLength = 0;
    let writableLength = 0;
    let table = joinAddress(this.descLo, this.descHi);
    let tableSize = this.size;
    let inIndirect = false;
    let i = head;
    let count = 0;
    for (;;) {
      // "A driver MUST NOT create a descriptor chain longer than the Queue Size of the device":
      // a chain with more descriptors than its table has entries visits one twice.
      if (++count > tableSize) return this.failed('descriptor chain loops');
      if (table < 0 || !this.dma.readPhys(table + DESC_SIZE * i, this.scratch)) {
        return this.failed(`descriptor ${i} is not RAM`);
      }
      const addr = joinAddress(this.view.getUint32(0, true), this.view.getUint32(4, true));
      const len = this.view.getUint32(8, true);
      const flags = this.view.getUint16(12, true);
      const next = this.view.getUint16(14, true);
      if (addr < 0 || addr + len > Number.MAX_SAFE_INTEGER) {
        return this.failed(`descriptor ${i} address is out of range`);
      }
      if (flags & VIRTQ_DESC_F_INDIRECT) {
        if (!this.indirectDesc) return this.failed('indirect descriptor without VIRTIO_F_INDIRECT_DESC');
        // "The driver MUST NOT set the VIRTQ_DESC_F_INDIRECT flag within an indirect descriptor"
        if (inIndirect) return this.failed('indirect descriptor inside an indirect table');
        // "A driver MUST NOT set both VIRTQ_DESC_F_INDIRECT and VIRTQ_DESC_F_NEXT in flags."
        if (flags & VIRTQ_DESC_F_NEXT) return this.failed('indirect descriptor with VIRTQ_DESC_F_NEXT');
        if (len === 0 || len % DESC_SIZE !== 0 || len / DESC_SIZE > VIRTQ_MAX_INDIRECT) {
          return this.failed(`indirect table length ${len} is invalid`);
        }
        // The device ignores VIRTQ_DESC_F_WRITE on the descriptor that refers to a table.
        table = addr;
        tableSize = len / DESC_SIZE;
        inIndirect = true;
        i = 0;
        count = 0;
        continue;
      }
      if (flags & VIRTQ_DESC_F_WRITE) {
        writableLength += len;
        if (len > 0) writable.push({ addr, len });
      } else {
        // "The driver MUST place any device-writable descriptor elements after any device-readable
        // descriptor elements."
        if (writable.length > 0) return this.failed('device-readable descriptor after a device-writable one');
        readableLength += len;
        if (len > 0) readable.push({ addr, len });
      }
      if (readableLength > MAX_LEN || writableLength > MAX_LEN) return this.failed('chain length overflows 32 bits');
      if (!(flags & VIRTQ_DESC_F_NEXT)) break;
      if (next >= tableSize) return this.failed(`next index ${next} is out of range (table of ${tableSize})`);
      i = next;
    }
    return new DescriptorChain(this, head, readable, writable, readableLength, writableLength);
  }

  /** With VIRTIO_F_EVENT_IDX, publish avail_event (after the used ring) = the next entry to take. */
  private setAvailEvent(): boolean {
    if (!this.eventIdx) return true;
    const used = joinAddress(this.deviceLo, this.deviceHi);
    if (used < 0 || !this.write16(used + 4 + 8 * this.size, this.lastAvailIdx)) {
      this.fail('used ring is not RAM');
      return false;
    }
    return true;
  }

  /** Whether the driver wants a used buffer notification now; null after a fault. (QEMU's virtio_split_should_notify.) */
  private shouldNotify(): boolean | null {
    const avail = joinAddress(this.driverLo, this.driverHi);
    if (avail < 0) return this.failed('available ring is not RAM');
    if (!this.eventIdx) {
      const flags = this.read16(avail);
      if (flags < 0) return this.failed('available ring is not RAM');
      return (flags & VIRTQ_AVAIL_F_NO_INTERRUPT) === 0;
    }
    const usedEvent = this.read16(avail + 4 + 2 * this.size);
    if (usedEvent < 0) return this.failed('available ring is not RAM');
    const valid = this.signalledUsedValid;
    const old = this.signalledUsed;
    this.signalledUsedValid = true;
    this.signalledUsed = this.usedIdx;
    return !valid || vringNeedEvent(usedEvent, this.usedIdx, old);
  }

  private failed(reason: string): null {
    this.fail(reason);
    return null;
  }

  /** A little-endian u16 of guest memory, or -1 when it is not RAM. */
  private read16(paddr: number): number {
    if (paddr < 0 || !this.dma.readPhys(paddr, this.b2)) return -1;
    return this.view.getUint16(0, true);
  }

  private write16(paddr: number, value: number): boolean {
    this.view.setUint16(0, value, true);
    return paddr >= 0 && this.dma.writePhys(paddr, this.b2);
  }
}

/**
 * "vring_need_event": whether moving an index from old to new passed event, all modulo 2^16
 * ("Used Buffer Notification Suppression" with VIRTIO_F_EVENT_IDX).
 */
export function vringNeedEvent(event: number, newIdx: number, old: number): boolean {
  return ((newIdx - event - 1) & 0xffff) < ((newIdx - old) & 0xffff);
}

function isQueueSize(n: number): boolean {
  return Number.isInteger(n) && n > 0 && n <= VIRTQ_MAX_SIZE && (n & (n - 1)) === 0;
}

/**
 * Check a queue's state from outside before restore() trusts it: a size the queue could be given
 * (a power of 2 up to its QueueNumMax), ring addresses as the 32-bit halves the driver writes, ring
 * indexes of 16 bits. Throws StateError naming the field.
 */
export function checkQueueState(v: unknown, path: string, maxSize: number): void {
  const s = C.fields(v, path, [
    'size', 'descLo', 'descHi', 'driverLo', 'driverHi', 'deviceLo', 'deviceHi', 'ready',
    'lastAvailIdx', 'usedIdx', 'signalledUsed', 'signalledUsedValid',
  ]);
  if (!isQueueSize(s.size as number) || (s.size as number) > maxSize) C.fail(`${path}.size`, `a power of 2 up to ${maxSize}`, s.size);
  for (const k of ['descLo', 'descHi', 'driverLo', 'driverHi', 'deviceLo', 'deviceHi'] as const) C.uint32(s[k], `${path}.${k}`);
  for (const k of ['lastAvailIdx', 'usedIdx', 'signalledUsed'] as const) C.integer(s[k], `${path}.${k}`, 0, 0xffff);
  C.bool(s.ready, `${path}.ready`);
  C.bool(s.signalledUsedValid, `${path}.signalledUsedValid`);
}

/** Check a snapshot's queue state field by field. */
export function queueStateOf(v: unknown): QueueState {
  const o = v as DeviceState;
  const keys: (keyof QueueState)[] = [
    'size', 'descLo', 'descHi', 'driverLo', 'driverHi', 'deviceLo', 'deviceHi',
    'lastAvailIdx', 'usedIdx', 'signalledUsed',
  ];
  if (typeof o !== 'object' || o === null) throw new TypeError('virtqueue snapshot is not an object');
  for (const k of keys) {
    if (typeof o[k] !== 'number') throw new TypeError(`virtqueue snapshot: ${k} is not a number`);
  }
  if (typeof o.ready !== 'boolean' || typeof o.signalledUsedValid !== 'boolean') {
    throw new TypeError('virtqueue snapshot: flags are not booleans');
  }
  return o as unknown as QueueState;
}
