// The virtio block device (VIRTIO 1.2 section 5.2 "Block Device") over a BlockPort: one request queue,
// requests served synchronously. Disk bytes come from and go to the port only; guest memory is reached
// only through the queue's DmaMemory.

import * as C from '../../state-check';
import { AccessSize, DeviceState } from '../device';
import { BlockPort } from '../../ports';
import { VirtioBackend } from './mmio';
import { DescriptorChain, SplitVirtqueue } from './queue';

export const VIRTIO_ID_BLOCK = 2;

/** Feature bits ("Block Device": "Feature bits"). */
export const VIRTIO_BLK_F_SIZE_MAX = 1;
export const VIRTIO_BLK_F_SEG_MAX = 2;
export const VIRTIO_BLK_F_RO = 5;
export const VIRTIO_BLK_F_FLUSH = 9;

/** Request types ("Block Device": "Device Operation"). */
export const VIRTIO_BLK_T_IN = 0;
export const VIRTIO_BLK_T_OUT = 1;
export const VIRTIO_BLK_T_FLUSH = 4;
export const VIRTIO_BLK_T_GET_ID = 8;

/** Request status byte. */
export const VIRTIO_BLK_S_OK = 0;
export const VIRTIO_BLK_S_IOERR = 1;
export const VIRTIO_BLK_S_UNSUPP = 2;

export const SECTOR_SIZE = 512;
/** The device id string of VIRTIO_BLK_T_GET_ID: 20 bytes, NUL-padded. */
export const VIRTIO_BLK_ID_BYTES = 20;

/** QueueNumMax, and what this device offers as seg_max and size_max (QEMU's defaults for 256). */
export const BLK_QUEUE_SIZE = 256;
export const BLK_SEG_MAX = BLK_QUEUE_SIZE - 2;
export const BLK_SIZE_MAX = 0x1_0000;
/** The most data one request may move: seg_max segments of size_max. Longer ones get IOERR. */
export const BLK_MAX_REQUEST = BLK_SEG_MAX * BLK_SIZE_MAX;

/** struct virtio_blk_req's header: le32 type, le32 reserved, le64 sector. */
const HEADER_SIZE = 16;
/** struct virtio_blk_config up to write_zeroes_may_unmap and its padding ("Device configuration layout"). */
const CONFIG_SIZE = 60;

export class VirtioBlock implements VirtioBackend {
  readonly deviceId = VIRTIO_ID_BLOCK;
  readonly features: bigint;
  readonly numQueues = 1;
  readonly queueNumMax = BLK_QUEUE_SIZE;
  readonly configSize = CONFIG_SIZE;
  /** Capacity in 512-byte sectors. */
  readonly capacity: number;
  private readonly config = new Uint8Array(CONFIG_SIZE);
  private readonly id = new Uint8Array(VIRTIO_BLK_ID_BYTES);

  constructor(
    private readonly port: BlockPort,
    /** The serial number VIRTIO_BLK_T_GET_ID answers, at most 20 bytes of UTF-8; QEMU's default is empty. */
    id = '',
  ) {
    const idBytes = new TextEncoder().encode(id);
    if (idBytes.length > VIRTIO_BLK_ID_BYTES) throw new RangeError(`virtio-blk id "${id}" is longer than 20 bytes`);
    this.id.set(idBytes);
    this.capacity = Math.floor(port.size / SECTOR_SIZE);
    let f = bit(VIRTIO_BLK_F_SIZE_MAX) | bit(VIRTIO_BLK_F_SEG_MAX) | bit(VIRTIO_BLK_F_FLUSH);
    if (port.readOnly) f |= bit(VIRTIO_BLK_F_RO);
    this.features = f;
    const v = new DataView(this.config.buffer);
    v.setBigUint64(0, BigInt(this.capacity), true); // capacity
    v.setUint32(8, BLK_SIZE_MAX, true); // size_max
    v.setUint32(12, BLK_SEG_MAX, true); // seg_max
  }

  readConfig(offset: number, size: AccessSize): number {
    let value = 0;
    for (let i = size - 1; i >= 0; i--) value = value * 256 + this.config[offset + i];
    return value;
  }

  writeConfig(): void {
    // Every field offered is read-only (writeback needs VIRTIO_BLK_F_CONFIG_WCE, not offered).
  }

  notify(queue: SplitVirtqueue): void {
    // A queue's worth of requests at most: a driver cannot have more available, and a guest whose
    // reads land on the available ring itself cannot hold the device in one step (nor past what a
    // recording holds at one position: src/rr/validate.ts). The rest wait for the next notification.
    for (let n = 0; n < queue.size; n++) {
      const chain = queue.pop();
      if (chain === null) return;
      this.serve(queue, chain);
    }
  }

  reset(): void {}

  /** The disk's bytes belong to the BlockPort's owner; only the geometry is checked on restore. */
  snapshot(): DeviceState {
    return { capacity: this.capacity, readOnly: this.port.readOnly };
  }

  checkState(state: unknown, path: string): void {
    const s = C.fields(state, path, ['capacity', 'readOnly']);
    if (s.capacity !== this.capacity) C.fail(`${path}.capacity`, `${this.capacity} (sectors of this disk)`, s.capacity);
    if (s.readOnly !== this.port.readOnly) C.fail(`${path}.readOnly`, `${this.port.readOnly} (this disk)`, s.readOnly);
  }

  restore(state: DeviceState): void {
    if (state.capacity !== this.capacity || state.readOnly !== this.port.readOnly) {
      throw new Error(`virtio-blk snapshot of a ${String(state.capacity)}-sector disk restored onto a ${this.capacity}-sector one`);
    }
  }

  /** One request ("Block Device": "Device Requirements: Device Operation"). */
  private serve(queue: SplitVirtqueue, chain: DescriptorChain): void {
    // A header to read and a status byte to write are the least a request has; without them there is
    // nowhere to report an error, so the device asks for a reset, as QEMU ("virtio-blk missing headers").
    if (chain.readableLength < HEADER_SIZE || chain.writableLength < 1) {
      queue.fail('virtio-blk request without a header or a status byte');
      return;
    }
    const header = new Uint8Array(HEADER_SIZE);
    if (!chain.read(0, header)) return;
    const h = new DataView(header.buffer);
    const type = h.getUint32(0, true);
    const sectorLo = h.getUint32(8, true);
    const sectorHi = h.getUint32(12, true);
    // Sectors at or beyond 2^53 are beyond any capacity; -1 stands for them.
    const sector = sectorHi < 0x20_0000 ? sectorHi * 0x1_0000_0000 + sectorLo : -1;
    const statusAt = chain.writableLength - 1;

    switch (type) {
      case VIRTIO_BLK_T_IN: {
        const length = statusAt;
        if (!this.inRange(sector, length)) return this.complete(queue, chain, VIRTIO_BLK_S_IOERR);
        const data = new Uint8Array(length);
        this.port.read(sector * SECTOR_SIZE, data);
        if (!chain.write(0, data)) return;
        return this.complete(queue, chain, VIRTIO_BLK_S_OK, true);
      }
      case VIRTIO_BLK_T_OUT: {
        const length = chain.readableLength - HEADER_SIZE;
        // "A device MUST set the status byte to VIRTIO_BLK_S_IOERR for a write request if the
        // VIRTIO_BLK_F_RO feature if offered, and MUST NOT write any data."
        if (this.port.readOnly || !this.inRange(sector, length)) return this.complete(queue, chain, VIRTIO_BLK_S_IOERR);
        const data = new Uint8Array(length);
        if (!chain.read(HEADER_SIZE, data)) return;
        this.port.write(sector * SECTOR_SIZE, data);
        return this.complete(queue, chain, VIRTIO_BLK_S_OK);
      }
      case VIRTIO_BLK_T_FLUSH:
        // Writes reach the port before they complete: there is nothing to flush.
        return this.complete(queue, chain, VIRTIO_BLK_S_OK);
      case VIRTIO_BLK_T_GET_ID: {
        // The whole data area is written: the id, NUL-padded (no NUL when it is 20 bytes), cut to fit.
        const data = new Uint8Array(statusAt);
        data.set(this.id.subarray(0, Math.min(VIRTIO_BLK_ID_BYTES, statusAt)));
        if (!chain.write(0, data)) return;
        return this.complete(queue, chain, VIRTIO_BLK_S_OK, true);
      }
      default:
        return this.complete(queue, chain, VIRTIO_BLK_S_UNSUPP);
    }
  }

  /** Data of whole sectors, no longer than the device takes, inside the disk. */
  private inRange(sector: number, length: number): boolean {
    return (
      length % SECTOR_SIZE === 0 &&
      length <= BLK_MAX_REQUEST &&
      sector >= 0 &&
      sector <= this.capacity &&
      length / SECTOR_SIZE <= this.capacity - sector
    );
  }

  /**
   * Write the status byte (the chain's last writable byte) and return the chain. The used length
   * counts the bytes written from the start of the writable buffers ("The Virtqueue Used Ring"): all of them when the
   * data area was filled, else the status byte when it is the whole writable part, else none.
   */
  private complete(queue: SplitVirtqueue, chain: DescriptorChain, status: number, filled = false): void {
    const statusAt = chain.writableLength - 1;
    if (!chain.write(statusAt, Uint8Array.of(status))) return;
    queue.push(chain, filled || statusAt === 0 ? chain.writableLength : 0);
  }
}

function bit(n: number): bigint {
  return 1n << BigInt(n);
}
