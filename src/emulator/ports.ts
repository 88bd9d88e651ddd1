// Every input from outside the machine enters through one of these ports. src/emulator never reads a
// host clock, host randomness, a file or a terminal itself: the owner of the machine (the command line,
// the recorder or the replayer in src/rr) supplies the ports, so that a recording can capture what
// crosses them and a replay can feed it back.

/** The source of `mtime` (the CLINT's timer, and the `time` CSR). */
export interface ClockPort {
  /**
   * The current value of mtime in ticks of TIMEBASE_HZ. It must never decrease. `instructions` is the
   * machine's virtual time counted in instructions of one hart (Machine.virtualTime): it advances as
   * the harts execute, for clocks derived from execution; a host clock ignores it.
   */
  mtime(instructions: number): number;
}

/** Where console output goes. Input is pushed into the machine (Machine.consoleInput). */
export interface ConsolePort {
  write(bytes: Uint8Array): void;
}

/** Entropy for the virtio entropy device. */
export interface EntropyPort {
  /** Fill `buf` with random bytes. */
  fill(buf: Uint8Array): void;
}

/** A disk image behind a virtio block device. */
export interface BlockPort {
  /** Size in bytes; a multiple of 512. */
  readonly size: number;
  readonly readOnly: boolean;
  /** Read `buf.length` bytes at byte `offset` into buf. */
  read(offset: number, buf: Uint8Array): void;
  /** Write `data` at byte `offset`. Never called when readOnly. */
  write(offset: number, data: Uint8Array): void;
}
