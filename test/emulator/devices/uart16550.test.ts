/**
 * The 16550A as Linux's 8250 driver sees it: the autoconfig probe (IER scratch test, loopback MSR,
 * FCR/IIR FIFO identification), the divisor latch, the THRE interrupt as QEMU raises and clears it
 * (and the driver's UART_BUG_THRE test), receive with interrupts, the FIFO trigger level and overrun,
 * loopback, and checkpoints.
 */
import { describe, expect, it } from 'vitest';
import { Uart16550 } from '../../../src/emulator/devices/uart16550';

const RBR = 0, THR = 0, DLL = 0, IER = 1, DLM = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7;

function make() {
  const irq = { level: false, edges: 0 };
  const sent: number[] = [];
  const uart = new Uart16550(
    (level) => {
      if (level !== irq.level) irq.edges++;
      irq.level = level;
    },
    (byte) => sent.push(byte),
  );
  const rd = (reg: number) => uart.read(reg, 1);
  const wr = (reg: number, v: number) => uart.write(reg, 1, v);
  return { uart, irq, sent, rd, wr };
}

describe('reset and probe', () => {
  it('comes out of reset as QEMU: LSR THRE|TEMT, no interrupt, OUT2, DCD|DSR|CTS', () => {
    const { rd, irq } = make();
    expect(rd(LSR)).toBe(0x60);
    expect(rd(IIR)).toBe(0x01);
    expect(rd(IER)).toBe(0);
    expect(rd(LCR)).toBe(0);
    expect(rd(MCR)).toBe(0x08);
    expect(rd(MSR)).toBe(0xb0);
    expect(irq.level).toBe(false);
  });

  it("passes Linux's 8250 autoconfig and is identified as a 16550A", () => {
    const { rd, wr, sent } = make();
    // Scratch test on IER (autoconfig): only the low 4 bits exist.
    const saved = rd(IER);
    wr(IER, 0);
    expect(rd(IER) & 0x0f).toBe(0);
    wr(IER, 0x0f);
    expect(rd(IER) & 0x0f).toBe(0x0f);
    wr(IER, saved);
    // Loopback test: MCR = LOOP | OUT2 | RTS must read back DCD | CTS in MSR.
    const saveMcr = rd(MCR);
    wr(MCR, 0x10 | 0x0a);
    expect(rd(MSR) & 0xf0).toBe(0x90);
    wr(MCR, saveMcr);
    // EFR probe under LCR 0xbf writes offset 2 (FCR here), then FIFO identification.
    wr(LCR, 0xbf);
    wr(2, 0);
    wr(LCR, 0);
    wr(FCR, 0x01);
    expect(rd(IIR) >> 6).toBe(3); // 16550A
    // autoconfig_16550a: no EFR under DLAB (offset 2 reads IIR, nonzero)...
    wr(LCR, 0x80);
    expect(rd(2)).not.toBe(0);
    // ...and no TI16750 64-byte FIFO bit (IIR bit 5) with or without DLAB.
    wr(LCR, 0);
    wr(FCR, 0x21);
    expect(rd(IIR) & 0x20).toBe(0);
    wr(FCR, 0x01);
    wr(LCR, 0x80);
    wr(FCR, 0x21);
    expect(rd(IIR) & 0x20).toBe(0);
    wr(FCR, 0x01);
    wr(LCR, 0);
    // Scratch register.
    for (const v of [0x55, 0xaa, 0x00]) {
      wr(SCR, v);
      expect(rd(SCR)).toBe(v);
    }
    // Divisor latch: DLAB gives DLL/DLM at offsets 0/1 and does not transmit or touch IER.
    wr(IER, 0x05);
    wr(LCR, 0x80 | 0x03);
    expect(rd(DLL) | (rd(DLM) << 8)).toBe(0x0c); // QEMU's 9600 baud default
    wr(DLL, 0x01);
    wr(DLM, 0x02);
    expect(rd(DLL)).toBe(0x01);
    expect(rd(DLM)).toBe(0x02);
    wr(LCR, 0x03);
    expect(rd(LCR)).toBe(0x03);
    expect(rd(IER)).toBe(0x05);
    expect(sent).toEqual([]);
    // FIFOs off: IIR bits 7:6 clear again.
    wr(FCR, 0);
    expect(rd(IIR) & 0xc0).toBe(0);
  });

  it('uses the low byte of wider accesses; offsets from 8 up read as 0', () => {
    const { uart, sent } = make();
    uart.write(SCR, 4, 0x1234_56a5);
    expect(uart.read(SCR, 4)).toBe(0xa5);
    uart.write(THR, 4, 0xffff_ff41);
    expect(sent).toEqual([0x41]);
    uart.write(8 + SCR, 1, 0x11);
    expect(uart.read(8 + SCR, 1)).toBe(0);
    expect(uart.read(SCR, 1)).toBe(0xa5);
  });
});

describe('transmit and the THRE interrupt', () => {
  it('transmits on the THR write and leaves THRE and TEMT set', () => {
    const { rd, wr, sent, irq } = make();
    for (const c of 'ok\n') wr(THR, c.charCodeAt(0));
    expect(String.fromCharCode(...sent)).toBe('ok\n');
    expect(rd(LSR) & 0x60).toBe(0x60);
    expect(irq.level).toBe(false); // ETBEI is off
  });

  it('is raised when ETBEI is set with THR empty, cleared by reading IIR, raised again by transmission', () => {
    const { rd, wr, irq, sent } = make();
    wr(FCR, 0x07);
    wr(IER, 0x02);
    expect(irq.level).toBe(true);
    expect(rd(IIR)).toBe(0xc2); // FIFOs enabled, THR empty
    expect(irq.level).toBe(false); // reading IIR while THRE is the cause clears it
    expect(rd(IIR)).toBe(0xc1);
    expect(rd(LSR) & 0x20).toBe(0x20); // THRE itself stays set
    // Writing THR clears it; the immediate transmission empties THR and raises it again.
    const edges = irq.edges;
    wr(THR, 0x58);
    expect(sent).toEqual([0x58]);
    expect(irq.level).toBe(true);
    expect(irq.edges).toBe(edges + 1);
    expect(rd(IIR)).toBe(0xc2);
    // Disabling ETBEI lowers the line.
    wr(IER, 0x02);
    expect(rd(IIR)).toBe(0xc1);
    wr(THR, 0x59);
    expect(irq.level).toBe(true);
    wr(IER, 0);
    expect(irq.level).toBe(false);
    expect(rd(IIR)).toBe(0xc1);
  });

  it("re-asserts THRE when ETBEI is toggled, so Linux's UART_BUG_THRE test passes", () => {
    const { rd, wr } = make();
    wr(IER, 0x02);
    const iir1 = rd(IIR);
    wr(IER, 0);
    wr(IER, 0x02);
    const iir = rd(IIR);
    wr(IER, 0);
    expect(iir1 & 0x01).toBe(0);
    expect(iir & 0x01).toBe(0); // not UART_IIR_NO_INT: no THRE bug
    // Writing IER with ETBEI unchanged does not re-arm it.
    wr(IER, 0x02);
    expect(rd(IIR)).toBe(0x02);
    wr(IER, 0x03);
    expect(rd(IIR)).toBe(0x01);
  });

  it('a transmit FIFO reset pends THRE', () => {
    const { rd, wr, irq } = make();
    wr(FCR, 0x01);
    wr(IER, 0x02);
    expect(rd(IIR)).toBe(0xc2);
    expect(irq.level).toBe(false);
    wr(FCR, 0x05);
    expect(irq.level).toBe(true);
    expect(rd(IIR)).toBe(0xc2);
  });
});

describe('receive', () => {
  it('without FIFOs: one byte, data-available interrupt, overrun', () => {
    const { uart, rd, wr, irq } = make();
    wr(IER, 0x01);
    expect(uart.canReceive()).toBe(1);
    uart.receive(0x61);
    expect(uart.canReceive()).toBe(0);
    expect(irq.level).toBe(true);
    expect(rd(IIR)).toBe(0x04);
    expect(rd(LSR)).toBe(0x61);
    expect(rd(RBR)).toBe(0x61);
    expect(irq.level).toBe(false);
    expect(rd(LSR) & 0x01).toBe(0);
    // A second byte before the first is read overruns: the new byte wins, LSR.OE is set.
    uart.receive(0x62);
    uart.receive(0x63);
    wr(IER, 0x05); // receiver line status interrupt outranks data available
    expect(rd(IIR)).toBe(0x06);
    expect(rd(LSR)).toBe(0x63);
    expect(rd(LSR)).toBe(0x61); // reading LSR cleared OE
    expect(rd(IIR)).toBe(0x04);
    expect(rd(RBR)).toBe(0x63);
    expect(irq.level).toBe(false);
  });

  it('with FIFOs: trigger level, character timeout below it, 16 bytes and overrun', () => {
    const { uart, rd, wr, irq } = make();
    wr(FCR, 0x81 | 0x06); // Linux's 16550A setting: FIFOs on, trigger at 8, both reset
    wr(IER, 0x05); // RDI | RLSI, as the 8250 driver at startup
    expect(uart.canReceive()).toBe(16);
    for (const b of [1, 2, 3]) uart.receive(b);
    expect(irq.level).toBe(true);
    expect(rd(IIR)).toBe(0xcc); // below the trigger: character timeout
    for (const b of [4, 5, 6, 7, 8]) uart.receive(b);
    expect(rd(IIR)).toBe(0xc4); // at the trigger level: received data available
    for (let b = 9; b <= 16; b++) uart.receive(b);
    expect(uart.canReceive()).toBe(0);
    uart.receive(17); // dropped
    expect(rd(IIR)).toBe(0xc6); // overrun: receiver line status
    expect(rd(LSR)).toBe(0x63);
    expect(rd(IIR)).toBe(0xc4);
    const got: number[] = [];
    while (rd(LSR) & 0x01) got.push(rd(RBR));
    expect(got).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    expect(irq.level).toBe(false);
    expect(rd(IIR)).toBe(0xc1);
    expect(rd(RBR)).toBe(0); // empty FIFO reads 0
    expect(uart.canReceive()).toBe(16);
  });

  it('receive FIFO reset drops the bytes and clears DR', () => {
    const { uart, rd, wr, irq } = make();
    wr(FCR, 0x01);
    wr(IER, 0x01);
    uart.receive(0x41);
    uart.receive(0x42);
    expect(irq.level).toBe(true);
    wr(FCR, 0x03);
    expect(irq.level).toBe(false);
    expect(rd(LSR) & 0x01).toBe(0);
    expect(uart.canReceive()).toBe(16);
    // Turning FIFOs off flushes too.
    uart.receive(0x43);
    wr(FCR, 0x00);
    expect(rd(LSR) & 0x01).toBe(0);
  });

  it('loopback: transmitted bytes are received, not sent', () => {
    const { uart, rd, wr, sent, irq } = make();
    wr(FCR, 0x01);
    wr(MCR, 0x10);
    wr(IER, 0x01);
    wr(THR, 0x5a);
    expect(sent).toEqual([]);
    expect(irq.level).toBe(true);
    expect(rd(LSR) & 0x61).toBe(0x61);
    expect(rd(RBR)).toBe(0x5a);
    expect(uart.canReceive()).toBe(16);
    wr(MCR, 0x08);
    wr(THR, 0x5b);
    expect(sent).toEqual([0x5b]);
  });
});

describe('checkpoints', () => {
  it('snapshot then restore gives identical subsequent behaviour', () => {
    const a = make();
    a.wr(FCR, 0x87);
    a.wr(LCR, 0x83);
    a.wr(DLL, 0x03);
    a.wr(LCR, 0x03);
    a.wr(SCR, 0x77);
    a.wr(IER, 0x07);
    for (const b of [0x10, 0x11, 0x12]) a.uart.receive(b);
    a.wr(THR, 0x21);
    const snap = structuredClone(a.uart.snapshot());

    const b = make();
    b.irq.level = a.irq.level; // the PLIC holds the line level across a restore
    b.uart.restore(snap);
    const script = (m: ReturnType<typeof make>) => {
      const out: number[] = [];
      out.push(m.rd(IIR), m.rd(LSR), m.rd(SCR), m.uart.canReceive());
      for (const x of [0x13, 0x14, 0x15, 0x16, 0x17]) m.uart.receive(x);
      out.push(m.rd(IIR), +m.irq.level);
      while (m.rd(LSR) & 1) out.push(m.rd(RBR));
      out.push(m.rd(IIR), +m.irq.level);
      m.wr(THR, 0x22);
      out.push(m.rd(IIR), +m.irq.level, m.rd(IIR));
      m.wr(LCR, 0x83);
      out.push(m.rd(DLL), m.rd(DLM));
      return out;
    };
    const ra = script(a);
    const rb = script(b);
    expect(rb).toEqual(ra);
    expect(b.sent).toEqual([0x22]);
    expect(a.sent).toEqual([0x21, 0x22]);
    expect(b.uart.snapshot()).toEqual(a.uart.snapshot());
  });
});
