// The virtio-mmio transport, version 2 ("modern") only (VIRTIO 1.2 section 4.2 "Virtio Over MMIO"):
// the register file, feature negotiation, queue setup and interrupts. What the device does lives in a
// VirtioBackend (blk.ts, rng.ts); the rings live in queue.ts.
//
// Determinism: a QueueNotify write runs the backend to completion before it returns, and every used
// buffer notification raises the interrupt line inside that write, so the device's effects land at an
// exact instruction.
//
// A slot without a backend answers like QEMU's: MagicValue, Version and VendorID, DeviceID 0 and every
// other register 0, writes ignored, so that Linux's virtio_mmio probe skips it quietly.

import { AccessSize, Device, DeviceState, DmaMemory, IrqLine } from '../device';
import * as C from '../../state-check';
import { checkQueueState, QueueOwner, SplitVirtqueue, VIRTIO_F_EVENT_IDX, VIRTIO_F_INDIRECT_DESC, queueStateOf } from './queue';

/** Register offsets ("MMIO Device Register Layout"). */
export enum VirtioMmioReg {
  MagicValue = 0x000,
  Version = 0x004,
  DeviceID = 0x008,
  VendorID = 0x00c,
  DeviceFeatures = 0x010,
  DeviceFeaturesSel = 0x014,
  DriverFeatures = 0x020,
  DriverFeaturesSel = 0x024,
  QueueSel = 0x030,
  QueueNumMax = 0x034,
  QueueNum = 0x038,
  QueueReady = 0x044,
  QueueNotify = 0x050,
  InterruptStatus = 0x060,
  InterruptACK = 0x064,
  Status = 0x070,
  QueueDescLow = 0x080,
  QueueDescHigh = 0x084,
  QueueDriverLow = 0x090,
  QueueDriverHigh = 0x094,
  QueueDeviceLow = 0x0a0,
  QueueDeviceHigh = 0x0a4,
  SHMSel = 0x0ac,
  SHMLenLow = 0x0b0,
  SHMLenHigh = 0x0b4,
  SHMBaseLow = 0x0b8,
  SHMBaseHigh = 0x0bc,
  ConfigGeneration = 0x0fc,
  Config = 0x100,
}

export const VIRTIO_MMIO_MAGIC = 0x74726976; // "virt"
export const VIRTIO_MMIO_VERSION = 2;
export const VIRTIO_MMIO_VENDOR = 0x554d4551; // "QEMU", as QEMU

/** Device status bits ("Device Status Field"). */
export const VIRTIO_STATUS_ACKNOWLEDGE = 1;
export const VIRTIO_STATUS_DRIVER = 2;
export const VIRTIO_STATUS_DRIVER_OK = 4;
export const VIRTIO_STATUS_FEATURES_OK = 8;
export const VIRTIO_STATUS_DEVICE_NEEDS_RESET = 0x40;
export const VIRTIO_STATUS_FAILED = 0x80;

/** InterruptStatus bits. */
export const VIRTIO_MMIO_INT_VRING = 1;
export const VIRTIO_MMIO_INT_CONFIG = 2;

/** Feature bit: compliance with VIRTIO 1.x; always offered, and required of the driver. */
export const VIRTIO_F_VERSION_1 = 32;

/** The feature bits the transport and queue.ts implement, offered on top of the backend's own. */
export const TRANSPORT_FEATURES =
  (1n << BigInt(VIRTIO_F_VERSION_1)) | (1n << BigInt(VIRTIO_F_INDIRECT_DESC)) | (1n << BigInt(VIRTIO_F_EVENT_IDX));

/** A virtio device type behind the transport. */
export interface VirtioBackend {
  /** The virtio device ID (5 "Device Types"): 2 block, 4 entropy. */
  readonly deviceId: number;
  /** Device-type feature bits offered; the transport adds TRANSPORT_FEATURES. */
  readonly features: bigint;
  /** The number of virtqueues and their QueueNumMax (a power of 2). */
  readonly numQueues: number;
  readonly queueNumMax: number;
  /** Bytes of device configuration space; the transport keeps accesses inside it. */
  readonly configSize: number;
  /** Read `size` little-endian bytes of configuration space at offset (offset + size <= configSize). */
  readConfig(offset: number, size: AccessSize): number;
  writeConfig(offset: number, size: AccessSize, value: number): void;
  /**
   * The driver notified `queue` (QueueNotify, or DRIVER_OK set with buffers already available).
   * Pop every available chain and push each back, synchronously.
   */
  notify(queue: SplitVirtqueue): void;
  /** Device reset (Status written 0). */
  reset(): void;
  snapshot(): DeviceState;
  restore(state: DeviceState): void;
  /** Check a state from outside before restore() trusts it (Device.checkState). */
  checkState(state: unknown, path: string): void;
}

/** The longest reason for DEVICE_NEEDS_RESET a snapshot may hold (ours are one short line). */
const MAX_ERROR_LENGTH = 1000;

export class VirtioMmio implements Device {
  readonly name: string;
  private readonly queues: SplitVirtqueue[];
  private readonly deviceFeatures: bigint;

  private status = 0;
  private deviceFeaturesSel = 0;
  private driverFeaturesSel = 0;
  private driverFeatures = 0n;
  private queueSel = 0;
  private interruptStatus = 0;
  private configGeneration = 0;
  /** Why DEVICE_NEEDS_RESET was set, for the debugger. */
  private error: string | null = null;
  private irqLevel = false;
  /** What the queues see of the transport. */
  private readonly owner: QueueOwner = {
    needsReset: () => this.needsReset,
    fault: (reason) => this.fault(reason),
    usedBufferNotification: () => this.raise(VIRTIO_MMIO_INT_VRING),
  };

  constructor(
    private readonly backend: VirtioBackend | null,
    dma: DmaMemory,
    private readonly irq: IrqLine,
  ) {
    this.name = backend ? `virtio-mmio (device ${backend.deviceId})` : 'virtio-mmio (empty)';
    this.deviceFeatures = backend ? backend.features | TRANSPORT_FEATURES : 0n;
    this.queues = [];
    for (let i = 0; i < (backend?.numQueues ?? 0); i++) {
      this.queues.push(new SplitVirtqueue(dma, this.owner, i, backend!.queueNumMax));
    }
  }

  /** DEVICE_NEEDS_RESET is set. */
  get needsReset(): boolean {
    return (this.status & VIRTIO_STATUS_DEVICE_NEEDS_RESET) !== 0;
  }

  /** Why the device asked for a reset, or null. */
  get lastError(): string | null {
    return this.error;
  }

  /** The features both sides agreed on: the driver's, once FEATURES_OK was accepted. */
  get negotiatedFeatures(): bigint {
    return this.status & VIRTIO_STATUS_FEATURES_OK ? this.driverFeatures : 0n;
  }

  read(offset: number, size: AccessSize): number {
    const backend = this.backend;
    if (offset >= VirtioMmioReg.Config) {
      if (!backend) return 0;
      const off = offset - VirtioMmioReg.Config;
      // Outside the configuration space reads as all ones, as QEMU's virtio_config_modern_read*.
      if (off + size > backend.configSize) return size === 4 ? 0xffff_ffff : (1 << (8 * size)) - 1;
      return backend.readConfig(off, size);
    }
    // "The driver MUST only use 32 bit wide and aligned reads and writes to access the control
    // registers"; anything else reads as zero, as in QEMU.
    if (size !== 4 || (offset & 3) !== 0) return 0;
    switch (offset) {
      case VirtioMmioReg.MagicValue:
        return VIRTIO_MMIO_MAGIC;
      case VirtioMmioReg.Version:
        return VIRTIO_MMIO_VERSION;
      case VirtioMmioReg.VendorID:
        return VIRTIO_MMIO_VENDOR;
    }
    if (!backend) return 0;
    const q = this.queues[this.queueSel];
    switch (offset) {
      case VirtioMmioReg.DeviceID:
        return backend.deviceId;
      case VirtioMmioReg.DeviceFeatures:
        return this.deviceFeaturesSel < 2 ? Number((this.deviceFeatures >> BigInt(32 * this.deviceFeaturesSel)) & 0xffff_ffffn) : 0;
      case VirtioMmioReg.QueueNumMax:
        return q ? q.maxSize : 0;
      case VirtioMmioReg.QueueReady:
        return q?.ready ? 1 : 0;
      case VirtioMmioReg.InterruptStatus:
        return this.interruptStatus;
      case VirtioMmioReg.Status:
        return this.status;
      case VirtioMmioReg.SHMLenLow:
      case VirtioMmioReg.SHMLenHigh:
      case VirtioMmioReg.SHMBaseLow:
      case VirtioMmioReg.SHMBaseHigh:
        // No shared memory regions: "a length of -1".
        return 0xffff_ffff;
      case VirtioMmioReg.ConfigGeneration:
        return this.configGeneration;
      default:
        return 0; // write-only or reserved
    }
  }

  write(offset: number, size: AccessSize, value: number): void {
    const backend = this.backend;
    if (!backend) return;
    if (offset >= VirtioMmioReg.Config) {
      const off = offset - VirtioMmioReg.Config;
      if (off + size <= backend.configSize) backend.writeConfig(off, size, value);
      return;
    }
    if (size !== 4 || (offset & 3) !== 0) return;
    value >>>= 0;
    const q = this.queues[this.queueSel];
    // "The driver MUST NOT" change a live queue's configuration: such writes are ignored.
    const setup = q !== undefined && !q.ready;
    switch (offset) {
      case VirtioMmioReg.DeviceFeaturesSel:
        this.deviceFeaturesSel = value;
        break;
      case VirtioMmioReg.DriverFeatures:
        // Features are fixed once FEATURES_OK is accepted (QEMU's virtio_set_features refuses too).
        if (this.driverFeaturesSel < 2 && !(this.status & VIRTIO_STATUS_FEATURES_OK)) {
          const shift = BigInt(32 * this.driverFeaturesSel);
          this.driverFeatures = (this.driverFeatures & ~(0xffff_ffffn << shift)) | (BigInt(value) << shift);
        }
        break;
      case VirtioMmioReg.DriverFeaturesSel:
        this.driverFeaturesSel = value;
        break;
      case VirtioMmioReg.QueueSel:
        this.queueSel = value;
        break;
      case VirtioMmioReg.QueueNum:
        if (setup) q.setSize(value);
        break;
      case VirtioMmioReg.QueueReady:
        if (q) q.ready = (value & 1) === 1;
        break;
      case VirtioMmioReg.QueueDescLow:
        if (setup) q.descLo = value;
        break;
      case VirtioMmioReg.QueueDescHigh:
        if (setup) q.descHi = value;
        break;
      case VirtioMmioReg.QueueDriverLow:
        if (setup) q.driverLo = value;
        break;
      case VirtioMmioReg.QueueDriverHigh:
        if (setup) q.driverHi = value;
        break;
      case VirtioMmioReg.QueueDeviceLow:
        if (setup) q.deviceLo = value;
        break;
      case VirtioMmioReg.QueueDeviceHigh:
        if (setup) q.deviceHi = value;
        break;
      case VirtioMmioReg.QueueNotify:
        // Without VIRTIO_F_NOTIFICATION_DATA the value is the queue index.
        this.process(this.queues[value]);
        break;
      case VirtioMmioReg.InterruptACK:
        this.interruptStatus &= ~value;
        this.updateIrq();
        break;
      case VirtioMmioReg.Status:
        this.writeStatus(value & 0xff);
        break;
      default:
        break; // read-only or reserved
    }
  }

  /**
   * The device configuration changed (say, a disk was resized): bump ConfigGeneration and, once the
   * driver is up, send a configuration change notification.
   */
  configChanged(): void {
    this.configGeneration = (this.configGeneration + 1) >>> 0;
    if (this.status & VIRTIO_STATUS_DRIVER_OK) this.raise(VIRTIO_MMIO_INT_CONFIG);
  }

  /** The driver broke a rule of the rings: DEVICE_NEEDS_RESET until the driver resets the device. */
  private fault(reason: string): void {
    if (this.needsReset) return;
    this.error = reason;
    this.status |= VIRTIO_STATUS_DEVICE_NEEDS_RESET;
    // "If DRIVER_OK is set, after it sets DEVICE_NEEDS_RESET, the device MUST send a device
    // configuration change notification to the driver." ("Device Requirements: Device Status Field")
    if (this.status & VIRTIO_STATUS_DRIVER_OK) this.raise(VIRTIO_MMIO_INT_CONFIG);
  }

  snapshot(): DeviceState {
    if (!this.backend) return {};
    return {
      status: this.status,
      deviceFeaturesSel: this.deviceFeaturesSel,
      driverFeaturesSel: this.driverFeaturesSel,
      driverFeatures: this.driverFeatures,
      queueSel: this.queueSel,
      interruptStatus: this.interruptStatus,
      configGeneration: this.configGeneration,
      error: this.error,
      queues: this.queues.map((q) => q.snapshot()),
      backend: this.backend.snapshot(),
    };
  }

  checkState(state: unknown, path: string): void {
    if (!this.backend) {
      C.fields(state, path, []);
      return;
    }
    const s = C.fields(state, path, [
      'status', 'deviceFeaturesSel', 'driverFeaturesSel', 'driverFeatures', 'queueSel', 'interruptStatus', 'configGeneration',
      'error', 'queues', 'backend',
    ]);
    C.integer(s.status, `${path}.status`, 0, 0xff);
    for (const k of ['deviceFeaturesSel', 'driverFeaturesSel', 'queueSel', 'configGeneration'] as const) C.uint32(s[k], `${path}.${k}`);
    C.bigint(s.driverFeatures, `${path}.driverFeatures`);
    C.bitsWithin(s.interruptStatus, `${path}.interruptStatus`, VIRTIO_MMIO_INT_VRING | VIRTIO_MMIO_INT_CONFIG);
    if (s.error !== null && (typeof s.error !== 'string' || s.error.length > MAX_ERROR_LENGTH)) {
      C.fail(`${path}.error`, `null or a string of at most ${MAX_ERROR_LENGTH} characters`, s.error);
    }
    const queues = C.array(s.queues, `${path}.queues`, this.queues.length);
    queues.forEach((q, i) => checkQueueState(q, `${path}.queues[${i}]`, this.queues[i].maxSize));
    this.backend.checkState(s.backend, `${path}.backend`);
  }

  /**
   * Take back a snapshot. The interrupt line is not driven: its level is InterruptStatus != 0, which
   * the interrupt controller's own snapshot already holds.
   */
  restore(state: DeviceState): void {
    if (!this.backend) return;
    const s = state as {
      status: number;
      deviceFeaturesSel: number;
      driverFeaturesSel: number;
      driverFeatures: bigint;
      queueSel: number;
      interruptStatus: number;
      configGeneration: number;
      error: string | null;
      queues: unknown[];
      backend: DeviceState;
    };
    for (const k of ['status', 'deviceFeaturesSel', 'driverFeaturesSel', 'queueSel', 'interruptStatus', 'configGeneration'] as const) {
      if (typeof s[k] !== 'number') throw new TypeError(`virtio-mmio snapshot: ${k} is not a number`);
    }
    if (typeof s.driverFeatures !== 'bigint') throw new TypeError('virtio-mmio snapshot: driverFeatures is not a bigint');
    if (!Array.isArray(s.queues) || s.queues.length !== this.queues.length) {
      throw new TypeError(`virtio-mmio snapshot: expected ${this.queues.length} queues`);
    }
    const queues = s.queues.map(queueStateOf);
    this.status = s.status;
    this.deviceFeaturesSel = s.deviceFeaturesSel;
    this.driverFeaturesSel = s.driverFeaturesSel;
    this.driverFeatures = s.driverFeatures;
    this.queueSel = s.queueSel;
    this.interruptStatus = s.interruptStatus;
    this.configGeneration = s.configGeneration;
    this.error = typeof s.error === 'string' ? s.error : null;
    this.irqLevel = this.interruptStatus !== 0;
    this.queues.forEach((q, i) => q.restore(queues[i]));
    this.applyRingFeatures();
    this.backend.restore(s.backend);
  }

  private writeStatus(value: number): void {
    // "Writing zero (0x0) to this register triggers a device reset."
    if (value === 0) {
      this.reset();
      return;
    }
    const old = this.status;
    // DEVICE_NEEDS_RESET is the device's to set and only a reset clears it.
    let next = (value & ~VIRTIO_STATUS_DEVICE_NEEDS_RESET) | (old & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
    if ((next & VIRTIO_STATUS_FEATURES_OK) !== 0 && (old & VIRTIO_STATUS_FEATURES_OK) === 0 && !this.featuresAcceptable()) {
      // The driver reads Status back and finds FEATURES_OK unset: "the device does not support our
      // subset of features" ("Driver Requirements: Device Initialization", step 6).
      next &= ~VIRTIO_STATUS_FEATURES_OK;
    }
    this.status = next;
    this.applyRingFeatures();
    if ((next & VIRTIO_STATUS_DRIVER_OK) !== 0 && (old & VIRTIO_STATUS_DRIVER_OK) === 0) {
      // Buffers made available before DRIVER_OK were not consumed then; they are now.
      for (const q of this.queues) this.process(q);
    }
  }

  /** A subset of what was offered, including VIRTIO_F_VERSION_1 (this is a modern-only device). */
  private featuresAcceptable(): boolean {
    return (this.driverFeatures & ~this.deviceFeatures) === 0n && ((this.driverFeatures >> BigInt(VIRTIO_F_VERSION_1)) & 1n) === 1n;
  }

  private applyRingFeatures(): void {
    const f = this.negotiatedFeatures;
    for (const q of this.queues) {
      q.indirectDesc = ((f >> BigInt(VIRTIO_F_INDIRECT_DESC)) & 1n) === 1n;
      q.eventIdx = ((f >> BigInt(VIRTIO_F_EVENT_IDX)) & 1n) === 1n;
    }
  }

  /** Run the backend on a notified queue: "The device MUST NOT consume buffers ... before DRIVER_OK". */
  private process(q: SplitVirtqueue | undefined): void {
    if (!q || !q.ready || !(this.status & VIRTIO_STATUS_DRIVER_OK) || this.needsReset) return;
    this.backend!.notify(q);
  }

  private reset(): void {
    this.status = 0;
    this.deviceFeaturesSel = 0;
    this.driverFeaturesSel = 0;
    this.driverFeatures = 0n;
    this.queueSel = 0;
    this.error = null;
    // "Upon reset, the device MUST clear all bits in InterruptStatus and ready bits in the QueueReady
    // register for all queues in the device."
    this.interruptStatus = 0;
    for (const q of this.queues) q.reset();
    this.backend!.reset();
    this.updateIrq();
  }

  private raise(bit: number): void {
    this.interruptStatus |= bit;
    this.updateIrq();
  }

  private updateIrq(): void {
    const level = this.interruptStatus !== 0;
    if (level !== this.irqLevel) {
      this.irqLevel = level;
      this.irq(level);
    }
  }
}
