// The console's input queue: bytes typed on the console that wait for the guest to take them (through
// the UART's receive FIFO, or SBI getchar). It is bounded (issue 12: a recording's Input events come
// from a stranger, and a paste has no limit): a ring of bytes that grows by doubling up to
// CONSOLE_INPUT_CAPACITY and refuses more. Who offers input asks `room` first: a recording session
// keeps what does not fit on the host side and offers it again later; a replay gives an Input event
// in parts as room comes (the UART takes a byte as input arrives), and refuses one that overfills
// the queue as a damaged recording.

/** The most console input the machine holds waiting for the guest (16 MiB typed ahead). */
export const CONSOLE_INPUT_CAPACITY = 1 << 24;

/** The ring's size when it is (nearly) empty; a power of two, as every size of the ring is. */
const INITIAL_SIZE = 4096;

export class ConsoleInputQueue {
  private ring = new Uint8Array(INITIAL_SIZE);
  /** Index in `ring` of the oldest byte. */
  private head = 0;
  /** Bytes waiting. */
  length = 0;

  /** Bytes the queue can take now. */
  get room(): number {
    return CONSOLE_INPUT_CAPACITY - this.length;
  }

  /** Append bytes (each taken modulo 256); more than `room` is a RangeError and nothing is appended. */
  push(bytes: Uint8Array | readonly number[]): void {
    const n = bytes.length;
    if (n > this.room) throw new RangeError(`console input of ${n} bytes does not fit: the queue holds ${this.length} of ${CONSOLE_INPUT_CAPACITY}`);
    this.reserve(this.length + n);
    const mask = this.ring.length - 1;
    let at = (this.head + this.length) & mask;
    for (let i = 0; i < n; i++) {
      this.ring[at] = bytes[i];
      at = (at + 1) & mask;
    }
    this.length += n;
  }

  /** The oldest byte, removed; -1 when the queue is empty. */
  shift(): number {
    if (this.length === 0) return -1;
    const b = this.ring[this.head];
    this.head = (this.head + 1) & (this.ring.length - 1);
    if (--this.length === 0) this.clear();
    return b;
  }

  /** The waiting bytes in order (for a machine state). */
  toArray(): number[] {
    const out = new Array<number>(this.length);
    const mask = this.ring.length - 1;
    for (let i = 0; i < this.length; i++) out[i] = this.ring[(this.head + i) & mask];
    return out;
  }

  /** Drop every waiting byte (and give back a large ring's memory). */
  clear(): void {
    if (this.ring.length > INITIAL_SIZE) this.ring = new Uint8Array(INITIAL_SIZE);
    this.head = 0;
    this.length = 0;
  }

  /** Make the ring hold at least `n` bytes (n <= CONSOLE_INPUT_CAPACITY), keeping the bytes in order. */
  private reserve(n: number): void {
    if (n <= this.ring.length) return;
    let size = this.ring.length;
    while (size < n) size *= 2;
    const next = new Uint8Array(size);
    const first = Math.min(this.length, this.ring.length - this.head);
    next.set(this.ring.subarray(this.head, this.head + first));
    next.set(this.ring.subarray(0, this.length - first), first);
    this.ring = next;
    this.head = 0;
  }
}
