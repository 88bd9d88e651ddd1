// The NS16550A UART of QEMU's `virt` board as hw/char/serial.c models it, at register shift 0: eight
// byte registers at offsets 0..7 (any access size reaches the register at its offset and uses the low
// byte, as serial_mm_read/write do); offsets 8 and up read as 0 and ignore writes.
//
//   0 RBR (read) / THR (write), or DLL when LCR.DLAB     4 MCR
//   1 IER, or DLM when LCR.DLAB                          5 LSR
//   2 IIR (read) / FCR (write)                           6 MSR
//   3 LCR                                                7 SCR
//
// Transmission is immediate: the byte leaves through `transmit` during the THR write (QEMU's serial_xmit
// with a backend that always accepts), so THRE and TEMT are set again when the write returns. In
// loopback (MCR.LOOP) the byte is received instead, and MSR reflects MCR's outputs.
// The receive FIFO holds 16 bytes; an overrun drops the byte and sets LSR.OE.
// The THRE interrupt follows QEMU: it is pending once the holding register empties, and when IER.ETBEI
// turns on while THRE is set; reading IIR while it is the reported cause clears it, and so does a THR
// write (after which the immediate transmission pends it again).
// Character timeout: QEMU raises it 4 character times after the last receive or RBR read while the
// FIFO holds fewer bytes than the trigger level. This device has no clock, so the timeout elapses at
// once: with FIFOs on, IIR reports a character timeout (0xc) whenever 0 < bytes < trigger level, and
// received data available (0x4) at or above it. (Without it a driver that sets a trigger level of 8,
// as Linux does, would not hear about fewer than 8 typed bytes.)
// The modem inputs never change (QEMU with a non-tty backend: DCD, DSR and CTS set), so MSR has no
// delta bits and the modem status interrupt is never raised.

import * as C from '../state-check';
import { AccessSize, Device, DeviceState, IrqLine } from './device';

export const UART_FIFO_SIZE = 16;

const IER_RDI = 0x01; // received data available
const IER_THRI = 0x02; // transmitter holding register empty
const IER_RLSI = 0x04; // receiver line status

const IIR_NO_INT = 0x01;
const IIR_ID = 0x06;
const IIR_THRI = 0x02;
const IIR_RDI = 0x04;
const IIR_RLSI = 0x06;
const IIR_CTI = 0x0c;
const IIR_FIFO = 0xc0; // FIFOs enabled

const FCR_FE = 0x01;
const FCR_RFR = 0x02; // receive FIFO reset
const FCR_XFR = 0x04; // transmit FIFO reset
/** The FCR bits that stick: FIFO enable, DMA mode, trigger level. */
const FCR_STICKY = 0xc9;
const TRIGGER_LEVELS = [1, 4, 8, 14];

const LCR_DLAB = 0x80;
const MCR_LOOP = 0x10;

const LSR_DR = 0x01;
const LSR_OE = 0x02;
const LSR_BI = 0x10;
const LSR_INT_ANY = 0x1e; // OE, PE, FE, BI
const LSR_THRE = 0x20;
const LSR_TEMT = 0x40;

const MSR_DCD = 0x80;
const MSR_DSR = 0x20;
const MSR_CTS = 0x10;

export class Uart16550 implements Device {
  readonly name = 'uart16550';
  private divider = 0x0c;
  private rbr = 0;
  private ier = 0;
  private iir = IIR_NO_INT;
  private fcr = 0;
  private lcr = 0;
  private mcr = 0x08; // OUT2
  private lsr = LSR_TEMT | LSR_THRE;
  private scr = 0;
  private thrIpending = false;
  private readonly fifo = new Uint8Array(UART_FIFO_SIZE);
  private fifoHead = 0;
  private fifoCount = 0;
  /** The level last driven on `irq`. */
  private irqLevel = false;

  constructor(
    private readonly irq: IrqLine,
    private readonly transmit: (byte: number) => void,
  ) {}

  // ---- input from the machine ----

  /** How many bytes receive() can take now without an overrun. */
  canReceive(): number {
    if (this.fcr & FCR_FE) return UART_FIFO_SIZE - this.fifoCount;
    return this.lsr & LSR_DR ? 0 : 1;
  }

  /** A byte arrives on the serial line. */
  receive(byte: number): void {
    byte &= 0xff;
    if (this.fcr & FCR_FE) {
      if (this.fifoCount < UART_FIFO_SIZE) {
        this.fifo[(this.fifoHead + this.fifoCount) % UART_FIFO_SIZE] = byte;
        this.fifoCount++;
      } else {
        this.lsr |= LSR_OE; // an overrun does not overwrite the FIFO
      }
    } else {
      if (this.lsr & LSR_DR) this.lsr |= LSR_OE;
      this.rbr = byte;
    }
    this.lsr |= LSR_DR;
    this.update();
  }

  // ---- registers ----

  read(offset: number, _size: AccessSize): number {
    switch (offset) {
      case 0: {
        if (this.lcr & LCR_DLAB) return this.divider & 0xff;
        let ret: number;
        if (this.fcr & FCR_FE) {
          ret = this.fifoCount === 0 ? 0 : this.pop();
          if (this.fifoCount === 0) this.lsr &= ~(LSR_DR | LSR_BI);
        } else {
          ret = this.rbr;
          this.lsr &= ~(LSR_DR | LSR_BI);
        }
        this.update();
        return ret;
      }
      case 1:
        return this.lcr & LCR_DLAB ? this.divider >> 8 : this.ier;
      case 2: {
        const ret = this.iir;
        if ((ret & IIR_ID) === IIR_THRI) {
          this.thrIpending = false;
          this.update();
        }
        return ret;
      }
      case 3:
        return this.lcr;
      case 4:
        return this.mcr;
      case 5: {
        const ret = this.lsr;
        if (this.lsr & (LSR_BI | LSR_OE)) {
          this.lsr &= ~(LSR_BI | LSR_OE);
          this.update();
        }
        return ret;
      }
      case 6:
        if (this.mcr & MCR_LOOP) {
          // The outputs loop back to the inputs: OUT2 -> DCD, OUT1 -> RI, RTS -> CTS, DTR -> DSR.
          return ((this.mcr & 0x0c) << 4) | ((this.mcr & 0x02) << 3) | ((this.mcr & 0x01) << 5);
        }
        return MSR_DCD | MSR_DSR | MSR_CTS;
      case 7:
        return this.scr;
      default:
        return 0;
    }
  }

  write(offset: number, _size: AccessSize, value: number): void {
    const v = value & 0xff;
    switch (offset) {
      case 0:
        if (this.lcr & LCR_DLAB) {
          this.divider = (this.divider & 0xff00) | v;
        } else {
          this.thrIpending = false;
          this.lsr &= ~(LSR_THRE | LSR_TEMT);
          this.update();
          this.xmit(v);
        }
        break;
      case 1:
        if (this.lcr & LCR_DLAB) {
          this.divider = (this.divider & 0x00ff) | (v << 8);
        } else {
          const changed = (this.ier ^ v) & 0x0f;
          this.ier = v & 0x0f;
          // Turning ETBEI on samples THRE: the interrupt is pending again even if an IIR read had
          // cleared it (QEMU; Windows relies on it).
          if (changed & IER_THRI) this.thrIpending = (this.ier & IER_THRI) !== 0 && (this.lsr & LSR_THRE) !== 0;
          if (changed) this.update();
        }
        break;
      case 2: {
        let f = v;
        // Changing the enable flushes both FIFOs.
        if ((f ^ this.fcr) & FCR_FE) f |= FCR_XFR | FCR_RFR;
        if (f & FCR_RFR) {
          this.lsr &= ~(LSR_DR | LSR_BI);
          this.fifoHead = 0;
          this.fifoCount = 0;
        }
        if (f & FCR_XFR) {
          this.lsr |= LSR_THRE;
          this.thrIpending = true;
        }
        this.fcr = f & FCR_STICKY;
        if (this.fcr & FCR_FE) this.iir |= IIR_FIFO;
        else this.iir &= ~IIR_FIFO;
        this.update();
        break;
      }
      case 3:
        this.lcr = v;
        break;
      case 4:
        this.mcr = v & 0x1f;
        break;
      case 7:
        this.scr = v;
        break;
      // LSR and MSR are read-only.
    }
  }

  /** Move the holding register to the shift register and send it (at once). */
  private xmit(byte: number): void {
    this.lsr |= LSR_THRE;
    if (!this.thrIpending) {
      this.thrIpending = true;
      this.update();
    }
    if (this.mcr & MCR_LOOP) this.receive(byte);
    else this.transmit(byte);
    this.lsr |= LSR_TEMT;
  }

  private pop(): number {
    const b = this.fifo[this.fifoHead];
    this.fifoHead = (this.fifoHead + 1) % UART_FIFO_SIZE;
    this.fifoCount--;
    return b;
  }

  /** Recompute IIR's interrupt identification, highest priority first, and drive the line. */
  private update(): void {
    let id = IIR_NO_INT;
    const fifoOn = (this.fcr & FCR_FE) !== 0;
    const trigger = TRIGGER_LEVELS[this.fcr >> 6];
    if (this.ier & IER_RLSI && this.lsr & LSR_INT_ANY) {
      id = IIR_RLSI;
    } else if (this.ier & IER_RDI && this.lsr & LSR_DR) {
      if (!fifoOn || this.fifoCount >= trigger) id = IIR_RDI;
      else if (this.fifoCount > 0) id = IIR_CTI;
    }
    if (id === IIR_NO_INT && this.ier & IER_THRI && this.thrIpending) id = IIR_THRI;
    this.iir = id | (this.iir & 0xf0);
    const level = id !== IIR_NO_INT;
    if (level !== this.irqLevel) {
      this.irqLevel = level;
      this.irq(level);
    }
  }

  // ---- checkpoints ----

  snapshot(): DeviceState {
    const fifo: number[] = [];
    for (let i = 0; i < this.fifoCount; i++) fifo.push(this.fifo[(this.fifoHead + i) % UART_FIFO_SIZE]);
    return {
      divider: this.divider,
      rbr: this.rbr,
      ier: this.ier,
      iir: this.iir,
      fcr: this.fcr,
      lcr: this.lcr,
      mcr: this.mcr,
      lsr: this.lsr,
      scr: this.scr,
      thrIpending: this.thrIpending,
      fifo,
      irqLevel: this.irqLevel,
    };
  }

  checkState(state: unknown, path: string): void {
    const s = C.fields(state, path, ['divider', 'rbr', 'ier', 'iir', 'fcr', 'lcr', 'mcr', 'lsr', 'scr', 'thrIpending', 'fifo', 'irqLevel']);
    C.integer(s.divider, `${path}.divider`, 0, 0xffff);
    for (const k of ['rbr', 'ier', 'iir', 'fcr', 'lcr', 'mcr', 'lsr', 'scr'] as const) C.integer(s[k], `${path}.${k}`, 0, 0xff);
    C.bool(s.thrIpending, `${path}.thrIpending`);
    const fifo = C.array(s.fifo, `${path}.fifo`, { max: UART_FIFO_SIZE });
    C.every(fifo, `${path}.fifo`, 'a byte', C.isByte);
    C.bool(s.irqLevel, `${path}.irqLevel`);
  }

  /** Restores the registers. The line level is not driven: the PLIC's own snapshot holds it. */
  restore(state: DeviceState): void {
    const s = state as {
      divider: number; rbr: number; ier: number; iir: number; fcr: number; lcr: number; mcr: number;
      lsr: number; scr: number; thrIpending: boolean; fifo: number[]; irqLevel: boolean;
    };
    this.divider = s.divider;
    this.rbr = s.rbr;
    this.ier = s.ier;
    this.iir = s.iir;
    this.fcr = s.fcr;
    this.lcr = s.lcr;
    this.mcr = s.mcr;
    this.lsr = s.lsr;
    this.scr = s.scr;
    this.thrIpending = s.thrIpending;
    this.fifo.fill(0);
    this.fifo.set(s.fifo);
    this.fifoHead = 0;
    this.fifoCount = s.fifo.length;
    this.irqLevel = s.irqLevel;
  }
}
