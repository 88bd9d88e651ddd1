// A built-in implementation of the RISC-V Supervisor Binary Interface (SBI spec v2.0), so that S-mode
// kernels such as Linux boot with no M-mode firmware: an `ecall` from S-mode that reaches M-mode is
// handled here and returns straight to S-mode. Extensions: Base, TIME, IPI, RFENCE, HSM, SRST, DBCN
// and the legacy (v0.1) calls.

import { Hart } from './hart/hart';
import { Irq, Priv } from './hart/trap';
import * as St from './hart/status';

/** SBI error codes (SBI spec, "Standard SBI Errors"). */
export const enum SbiError {
  SUCCESS = 0,
  FAILED = -1,
  NOT_SUPPORTED = -2,
  INVALID_PARAM = -3,
  DENIED = -4,
  INVALID_ADDRESS = -5,
  ALREADY_AVAILABLE = -6,
  ALREADY_STARTED = -7,
  ALREADY_STOPPED = -8,
}

export const enum Eid {
  LEGACY_SET_TIMER = 0x00,
  LEGACY_PUTCHAR = 0x01,
  LEGACY_GETCHAR = 0x02,
  LEGACY_CLEAR_IPI = 0x03,
  LEGACY_SEND_IPI = 0x04,
  LEGACY_REMOTE_FENCE_I = 0x05,
  LEGACY_REMOTE_SFENCE_VMA = 0x06,
  LEGACY_REMOTE_SFENCE_VMA_ASID = 0x07,
  LEGACY_SHUTDOWN = 0x08,
  BASE = 0x10,
  TIME = 0x54494d45,
  IPI = 0x735049,
  RFENCE = 0x52464e43,
  HSM = 0x48534d,
  SRST = 0x53525354,
  DBCN = 0x4442434e,
}

const EXTENSIONS = new Set<number>([
  Eid.BASE, Eid.TIME, Eid.IPI, Eid.RFENCE, Eid.HSM, Eid.SRST, Eid.DBCN,
  Eid.LEGACY_SET_TIMER, Eid.LEGACY_PUTCHAR, Eid.LEGACY_GETCHAR, Eid.LEGACY_CLEAR_IPI, Eid.LEGACY_SEND_IPI,
  Eid.LEGACY_REMOTE_FENCE_I, Eid.LEGACY_REMOTE_SFENCE_VMA, Eid.LEGACY_REMOTE_SFENCE_VMA_ASID, Eid.LEGACY_SHUTDOWN,
]);

/** SBI spec version 2.0, as (major << 24) | minor. */
const SPEC_VERSION = 2 << 24;
/** Implementation id: not one of the registered ids (0-11). */
export const IMPL_ID = 0x5341;
const IMPL_VERSION = 1;

const enum HartState {
  STARTED = 0,
  STOPPED = 1,
  SUSPENDED = 4,
}

/** What the SBI needs from the machine. */
export interface SbiHost {
  readonly harts: readonly Hart[];
  consoleWrite(bytes: Uint8Array): void;
  /** One byte of console input, or -1. */
  consoleRead(): number;
  readPhys(paddr: number, buf: Uint8Array): boolean;
  writePhys(paddr: number, data: Uint8Array): boolean;
  /** Read guest memory through a hart's current translation (for the legacy calls' hart masks). */
  readVirt64(hart: Hart, addr: bigint): bigint | undefined;
  finish(event: { kind: 'poweroff'; code: number } | { kind: 'reset' }): void;
}

export class Sbi {
  /** The S-mode timer deadline of each hart (SBI set_timer), in mtime ticks; Infinity if none. */
  readonly timer: number[];

  constructor(private readonly host: SbiHost) {
    this.timer = host.harts.map(() => Infinity);
  }

  /**
   * Prepare a hart for an S-mode kernel, as M-mode firmware does before it jumps to the kernel:
   * delegate to S-mode every exception and interrupt that S-mode can handle, open the counters, and
   * enable the FPU state for S-mode to manage.
   */
  static configureHart(h: Hart): void {
    h.medeleg = 0xb1ff; // exceptions 0-8, 12, 13, 15: all but ecall from S and M
    h.mideleg = Irq.SSIP | Irq.STIP | Irq.SEIP;
    h.mcounteren = 0xffffffff | 0;
    h.mie = 0;
  }

  /** Enter S-mode at `pc` with a0 = hartid and a1 = `arg1` (the device tree, or HSM's opaque value). */
  static enterSupervisor(h: Hart, pc: number, arg1: number | bigint): void {
    h.setPriv(Priv.S);
    h.setPc(pc);
    h.setReg(10, h.id);
    h.setReg(11, arg1);
    h.satpLo = h.satpHi = 0;
    h.mstatus &= ~(St.SIE | St.SPIE);
    h.flushTlb();
  }

  /** Handle an ecall from S-mode on hart `h` (pc at the ecall). */
  call(h: Hart): void {
    const eid = Number(h.reg(17));
    const fid = Number(h.reg(16));
    const a = (i: number): bigint => h.reg(10 + i);
    let error = SbiError.SUCCESS;
    let value: bigint | number = 0;
    let legacy = false;
    const host = this.host;
    switch (eid) {
      case Eid.BASE:
        switch (fid) {
          case 0: value = SPEC_VERSION; break;
          case 1: value = IMPL_ID; break;
          case 2: value = IMPL_VERSION; break;
          case 3: value = EXTENSIONS.has(Number(a(0))) ? 1 : 0; break;
          case 4: case 5: case 6: value = 0; break; // mvendorid, marchid, mimpid
          default: error = SbiError.NOT_SUPPORTED;
        }
        break;
      case Eid.TIME:
        if (fid === 0) this.setTimer(h, a(0));
        else error = SbiError.NOT_SUPPORTED;
        break;
      case Eid.IPI:
        if (fid === 0) error = this.forHarts(a(0), a(1), (t) => { t.mipSw |= Irq.SSIP; });
        else error = SbiError.NOT_SUPPORTED;
        break;
      case Eid.RFENCE:
        if (fid <= 6) error = this.forHarts(a(0), a(1), (t) => t.flushTlb());
        else error = SbiError.NOT_SUPPORTED;
        break;
      case Eid.HSM:
        [error, value] = this.hsm(h, fid, a);
        break;
      case Eid.SRST:
        if (fid !== 0) { error = SbiError.NOT_SUPPORTED; break; }
        {
          const type = Number(a(0));
          const reason = Number(a(1));
          if (type === 0) host.finish({ kind: 'poweroff', code: reason === 0 ? 0 : 1 });
          else if (type === 1 || type === 2) host.finish({ kind: 'reset' });
          else error = SbiError.INVALID_PARAM;
        }
        break;
      case Eid.DBCN:
        [error, value] = this.debugConsole(fid, a);
        break;
      // Legacy extensions (SBI spec, chapter "Legacy Extensions"): the result is returned in a0.
      case Eid.LEGACY_SET_TIMER: legacy = true; this.setTimer(h, a(0)); break;
      case Eid.LEGACY_PUTCHAR: legacy = true; host.consoleWrite(Uint8Array.of(Number(a(0) & 0xffn))); break;
      case Eid.LEGACY_GETCHAR: legacy = true; error = host.consoleRead() as SbiError; break;
      case Eid.LEGACY_CLEAR_IPI: legacy = true; h.mipSw &= ~Irq.SSIP; break;
      case Eid.LEGACY_SEND_IPI: case Eid.LEGACY_REMOTE_FENCE_I:
      case Eid.LEGACY_REMOTE_SFENCE_VMA: case Eid.LEGACY_REMOTE_SFENCE_VMA_ASID: {
        legacy = true;
        const mask = a(0) === 0n ? (1n << BigInt(host.harts.length)) - 1n : host.readVirt64(h, a(0));
        if (mask === undefined) { error = SbiError.INVALID_ADDRESS; break; }
        for (const t of host.harts) {
          if ((mask >> BigInt(t.id)) & 1n) {
            if (eid === Eid.LEGACY_SEND_IPI) t.mipSw |= Irq.SSIP;
            else t.flushTlb();
          }
        }
        break;
      }
      case Eid.LEGACY_SHUTDOWN: legacy = true; host.finish({ kind: 'poweroff', code: 0 }); break;
      default:
        error = SbiError.NOT_SUPPORTED;
    }
    h.setReg(10, error);
    if (!legacy) h.setReg(11, value);
    h.setPc(h.pc + 4);
  }

  private setTimer(h: Hart, when: bigint): void {
    this.timer[h.id] = when >= 1n << 53n ? Infinity : Number(when);
    h.setMipHw(Irq.STIP, false);
  }

  /** Apply fn to the harts selected by (hart_mask, hart_mask_base); hart_mask_base = -1 means all. */
  private forHarts(mask: bigint, base: bigint, fn: (h: Hart) => void): SbiError {
    const harts = this.host.harts;
    if (base === (1n << 64n) - 1n) {
      harts.forEach(fn);
      return SbiError.SUCCESS;
    }
    const selected: Hart[] = [];
    for (let i = 0n; i < 64n; i++) {
      if (((mask >> i) & 1n) === 0n) continue;
      const id = base + i;
      if (id >= BigInt(harts.length)) return SbiError.INVALID_PARAM;
      selected.push(harts[Number(id)]);
    }
    selected.forEach(fn);
    return SbiError.SUCCESS;
  }

  private hsm(h: Hart, fid: number, a: (i: number) => bigint): [SbiError, number] {
    const harts = this.host.harts;
    const target = (): Hart | undefined => (a(0) < BigInt(harts.length) ? harts[Number(a(0))] : undefined);
    switch (fid) {
      case 0: { // hart_start(hartid, start_addr, opaque)
        const t = target();
        if (!t) return [SbiError.INVALID_PARAM, 0];
        if (!t.stopped) return [SbiError.ALREADY_AVAILABLE, 0];
        const start = a(1);
        if (start >= 1n << 53n) return [SbiError.INVALID_ADDRESS, 0];
        t.stopped = false;
        t.wfi = false;
        Sbi.enterSupervisor(t, Number(start), a(2));
        return [SbiError.SUCCESS, 0];
      }
      case 1: // hart_stop()
        h.stopped = true;
        return [SbiError.SUCCESS, 0];
      case 2: { // hart_get_status(hartid)
        const t = target();
        if (!t) return [SbiError.INVALID_PARAM, 0];
        return [SbiError.SUCCESS, t.stopped ? HartState.STOPPED : HartState.STARTED];
      }
      case 3: { // hart_suspend(suspend_type, resume_addr, opaque): retentive suspend only
        if (a(0) !== 0n) return [SbiError.NOT_SUPPORTED, 0];
        if (!h.interruptWaiting) h.wfi = true;
        return [SbiError.SUCCESS, 0];
      }
      default:
        return [SbiError.NOT_SUPPORTED, 0];
    }
  }

  private debugConsole(fid: number, a: (i: number) => bigint): [SbiError, number] {
    const host = this.host;
    const address = (): number | undefined => {
      const addr = a(1) | (a(2) << 64n); // base_addr_lo, base_addr_hi (zero on RV64)
      return addr < 1n << 53n ? Number(addr) : undefined;
    };
    switch (fid) {
      case 0: { // console_write(num_bytes, base_addr_lo, base_addr_hi)
        const n = Math.min(Number(a(0) & 0xffffffffn), 1 << 20);
        const addr = address();
        const buf = new Uint8Array(n);
        if (addr === undefined || !host.readPhys(addr, buf)) return [SbiError.INVALID_PARAM, 0];
        host.consoleWrite(buf);
        return [SbiError.SUCCESS, n];
      }
      case 1: { // console_read(num_bytes, base_addr_lo, base_addr_hi)
        const n = Math.min(Number(a(0) & 0xffffffffn), 1 << 20);
        const addr = address();
        // Check the buffer before taking any input, so that a bad address loses nothing.
        if (addr === undefined || !host.readPhys(addr, new Uint8Array(n))) return [SbiError.INVALID_PARAM, 0];
        const bytes: number[] = [];
        while (bytes.length < n) {
          const b = host.consoleRead();
          if (b < 0) break;
          bytes.push(b);
        }
        host.writePhys(addr, Uint8Array.from(bytes));
        return [SbiError.SUCCESS, bytes.length];
      }
      case 2: // console_write_byte(byte)
        host.consoleWrite(Uint8Array.of(Number(a(0) & 0xffn)));
        return [SbiError.SUCCESS, 0];
      default:
        return [SbiError.NOT_SUPPORTED, 0];
    }
  }
}
