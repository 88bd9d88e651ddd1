// The interface between the bus and a memory-mapped device. Devices see offsets from their base,
// never absolute addresses; the bus maps half-open ranges [base, base + size).

export type AccessSize = 1 | 2 | 4;

export interface Device {
  readonly name: string;
  /** Read `size` bytes at `offset`; the value is zero-extended (0 .. 2^32-1). */
  read(offset: number, size: AccessSize): number;
  /** Write the low `size` bytes of `value` at `offset`. */
  write(offset: number, size: AccessSize, value: number): void;
  /**
   * Optional 8-byte access. Without it the bus splits an 8-byte access into two 4-byte accesses,
   * low word first.
   */
  read64?(offset: number): bigint;
  write64?(offset: number, value: bigint): void;
  /**
   * The device's whole state as a structured-clonable value (plain objects, arrays, numbers, bigints,
   * strings, booleans, Uint8Array), for checkpoints and recordings; restore() takes it back exactly.
   */
  snapshot(): DeviceState;
  restore(state: DeviceState): void;
  /**
   * Check a state from outside (a recording) before restore() trusts it: every field that
   * snapshot() writes, of its type, size and range for this device. Throws StateError
   * (../state-check) naming the field under `path`.
   */
  checkState(state: unknown, path: string): void;
}

export type DeviceState = { readonly [key: string]: unknown };

/** One interrupt line from a device to the PLIC: the level is set, not pulsed. */
export type IrqLine = (level: boolean) => void;

/** Guest physical memory as devices see it for DMA. Addresses are guest physical addresses. */
export interface DmaMemory {
  /** Copy guest memory [paddr, paddr + buf.length) into buf; false if any byte is not RAM. */
  readPhys(paddr: number, buf: Uint8Array): boolean;
  /** Copy data into guest memory at paddr; false if any byte is not RAM (nothing is written then). */
  writePhys(paddr: number, data: Uint8Array): boolean;
}
