// The CLINT of QEMU's `virt` board (hw/intc/riscv_aclint.c: an ACLINT SWI at 0x0 and MTIMER at 0x4000
// in one 64 KiB window): msip per hart at 0x0 + 4*hart, mtimecmp per hart at 0x4000 + 8*hart, and
// mtime at 0xbff8. Registers take 4- and 8-byte accesses, as in QEMU (valid sizes 4..8); other sizes
// and addresses read as 0 and ignore writes (QEMU logs a guest error).
//
// mtime is not stored: it is the machine's clock (the mtime port, a Number of ticks) plus an offset
// that a guest write to mtime sets, modulo 2^64. mtimecmp is a full 64-bit register held as two
// uint32 halves. The timer interrupt is a level: pending exactly while mtime >= mtimecmp (unsigned
// 64-bit), which the machine samples with timerPending(). QEMU leaves mtimecmp 0 at reset but raises
// MTIP only once it is written; here mtimecmp resets to all ones, which gives the same interrupts
// under a level model (the ACLINT spec leaves the reset value unknown).

import * as C from '../state-check';
import { AccessSize, Device, DeviceState } from './device';

export const MSIP_BASE = 0x0;
export const MTIMECMP_BASE = 0x4000;
export const MTIME_OFFSET = 0xbff8;

const U64 = (1n << 64n) - 1n;
const TWO32 = 0x1_0000_0000;
/** The high words below this keep a 64-bit value exact as a Number (below 2^53). */
const EXACT_HI = 0x20_0000;

export class Clint implements Device {
  readonly name = 'clint';
  private readonly msipBits: Uint8Array;
  /** mtimecmp of hart h: low word at [2h], high word at [2h + 1]. */
  private readonly mtimecmp: Uint32Array;
  /** Guest mtime = (mtime() + offset) mod 2^64. */
  private offset = 0n;

  /**
   * `onChange` is called after every write that can change an interrupt level (msip, mtimecmp,
   * mtime), so that the machine can update the harts' MSIP and MTIP at once.
   */
  constructor(
    readonly harts: number,
    private readonly mtime: () => number,
    private readonly onChange: () => void = () => {},
  ) {
    if (!Number.isInteger(harts) || harts < 1 || harts > 4095) throw new RangeError(`bad hart count ${harts}`);
    this.msipBits = new Uint8Array(harts);
    this.mtimecmp = new Uint32Array(2 * harts).fill(0xffffffff);
  }

  // ---- queries for the machine ----

  /** The hart's machine software interrupt (MSIP) level. */
  msip(hart: number): boolean {
    return this.msipBits[hart] !== 0;
  }

  /** The hart's machine timer interrupt (MTIP) level at clock value `now` (from the mtime port). */
  timerPending(hart: number, now: number): boolean {
    const lo = this.mtimecmp[2 * hart];
    const hi = this.mtimecmp[2 * hart + 1];
    if (this.offset === 0n) {
      // mtime = now < 2^53: mtimecmp beyond 2^53 is never reached.
      return hi < EXACT_HI && now >= hi * TWO32 + lo;
    }
    return this.guestTime(now) >= this.compare(hart);
  }

  /**
   * The value of the mtime port at which the hart's timer interrupt becomes pending: at or before the
   * current value if it already is, Infinity if never before 2^53. Only after a guest write that puts
   * mtime within 2^53 ticks of wrapping does the answer depend on the current clock (read then).
   */
  nextDeadline(hart: number): number {
    const lo = this.mtimecmp[2 * hart];
    const hi = this.mtimecmp[2 * hart + 1];
    if (this.offset === 0n) return hi < EXACT_HI ? hi * TWO32 + lo : Infinity;
    // Guest mtime is now + offset until the sum wraps at now = wrap, then now + offset - 2^64.
    const cmp = this.compare(hart);
    const wrap = (1n << 64n) - this.offset;
    let at: bigint;
    if (wrap >= 1n << 53n || BigInt(this.mtime()) < wrap) at = cmp > this.offset ? cmp - this.offset : 0n;
    else at = wrap + cmp;
    return at < 1n << 53n ? Number(at) : Infinity;
  }

  /** The guest-visible mtime (what the `time` CSR reads) at clock value `now`. */
  guestMtime(now: number): number {
    return guestMtimeAt(now, this.offset);
  }

  /** What the guest's writes to mtime have added to the clock (mod 2^64): see guestMtimeAt. */
  get mtimeOffset(): bigint {
    return this.offset;
  }

  // ---- registers ----

  read(offset: number, size: AccessSize): number {
    if (size !== 4) return 0;
    return Number(this.access(offset, 4) & 0xffffffffn);
  }

  write(offset: number, size: AccessSize, value: number): void {
    if (size !== 4) return;
    this.store(offset, 4, BigInt(value >>> 0));
  }

  read64(offset: number): bigint {
    return this.access(offset, 8);
  }

  write64(offset: number, value: bigint): void {
    this.store(offset, 8, BigInt.asUintN(64, value));
  }

  private access(offset: number, size: 4 | 8): bigint {
    if (offset < MTIMECMP_BASE) {
      if (size === 4 && (offset & 3) === 0 && offset >> 2 < this.harts) return BigInt(this.msipBits[offset >> 2]);
      return 0n;
    }
    const rel = offset - MTIMECMP_BASE;
    if (rel < 8 * this.harts) {
      const hart = rel >> 3;
      const cmp = this.compare(hart);
      // As QEMU: at +0 the low word (4 bytes) or the whole register (8); at +4 the high word.
      if ((rel & 7) === 0) return size === 4 ? cmp & 0xffffffffn : cmp;
      if ((rel & 7) === 4) return cmp >> 32n;
      return 0n;
    }
    if (offset === MTIME_OFFSET) {
      const t = this.guestTime(this.mtime());
      return size === 4 ? t & 0xffffffffn : t;
    }
    if (offset === MTIME_OFFSET + 4) return this.guestTime(this.mtime()) >> 32n;
    return 0n;
  }

  private store(offset: number, size: 4 | 8, value: bigint): void {
    this.storeRegister(offset, size, value);
    this.onChange();
  }

  private storeRegister(offset: number, size: 4 | 8, value: bigint): void {
    if (offset < MTIMECMP_BASE) {
      // msip: bit 0 is the level, the other bits are zero.
      if (size === 4 && (offset & 3) === 0 && offset >> 2 < this.harts) this.msipBits[offset >> 2] = Number(value & 1n);
      return;
    }
    const rel = offset - MTIMECMP_BASE;
    if (rel < 8 * this.harts) {
      const i = 2 * (rel >> 3);
      if ((rel & 7) === 0) {
        this.mtimecmp[i] = Number(value & 0xffffffffn);
        if (size === 8) this.mtimecmp[i + 1] = Number(value >> 32n);
      } else if ((rel & 7) === 4 && size === 4) {
        this.mtimecmp[i + 1] = Number(value);
      }
      return;
    }
    if (offset === MTIME_OFFSET || (offset === MTIME_OFFSET + 4 && size === 4)) {
      const raw = BigInt(this.mtime());
      const cur = this.guestTime(Number(raw));
      let t: bigint;
      if (size === 8) t = value;
      else if (offset === MTIME_OFFSET) t = (cur & 0xffffffff00000000n) | value;
      else t = (value << 32n) | (cur & 0xffffffffn);
      this.offset = (t - raw) & U64;
    }
  }

  private compare(hart: number): bigint {
    return (BigInt(this.mtimecmp[2 * hart + 1]) << 32n) | BigInt(this.mtimecmp[2 * hart]);
  }

  private guestTime(now: number): bigint {
    return (BigInt(now) + this.offset) & U64;
  }

  // ---- checkpoints ----

  snapshot(): DeviceState {
    return {
      msip: Array.from(this.msipBits, (b) => b !== 0),
      mtimecmp: Array.from({ length: this.harts }, (_, h) => this.compare(h)),
      mtimeOffset: this.offset,
    };
  }

  checkState(state: unknown, path: string): void {
    const s = C.fields(state, path, ['msip', 'mtimecmp', 'mtimeOffset']);
    C.every(C.array(s.msip, `${path}.msip`, this.harts), `${path}.msip`, 'a boolean', C.isBool);
    C.array(s.mtimecmp, `${path}.mtimecmp`, this.harts).forEach((v, h) => C.bigint(v, `${path}.mtimecmp[${h}]`));
    C.bigint(s.mtimeOffset, `${path}.mtimeOffset`);
  }

  restore(state: DeviceState): void {
    const s = state as { msip: boolean[]; mtimecmp: bigint[]; mtimeOffset: bigint };
    if (s.msip.length !== this.harts || s.mtimecmp.length !== this.harts) {
      throw new Error(`clint: snapshot is for ${s.msip.length} harts, not ${this.harts}`);
    }
    for (let h = 0; h < this.harts; h++) {
      this.msipBits[h] = s.msip[h] ? 1 : 0;
      this.mtimecmp[2 * h] = Number(s.mtimecmp[h] & 0xffffffffn);
      this.mtimecmp[2 * h + 1] = Number((s.mtimecmp[h] >> 32n) & 0xffffffffn);
    }
    this.offset = s.mtimeOffset & U64;
  }
}

/** The guest-visible mtime at clock value `now` with the CLINT's mtime offset (Clint.mtimeOffset). */
export function guestMtimeAt(now: number, offset: bigint): number {
  return offset === 0n ? now : Number((BigInt(now) + offset) & U64);
}
