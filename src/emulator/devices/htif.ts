// The host-target interface of the official riscv-tests and Spike: the guest writes commands to a
// 64-bit `tohost` word in RAM, found through the ELF's `tohost` symbol. Encoding: device in bits 63:56,
// command in 55:48, payload in 47:0. Device 0 command 0 with an odd payload ends the run with exit code
// payload >> 1 (so 1 means pass); device 1 command 1 writes the payload's low byte to the console.
// The command is acted on when the high word is written, so that a 32-bit guest's pair of word stores
// (low word first) is read whole.

import { Bus } from '../bus';

export type HtifEvent = { kind: 'exit'; code: number } | { kind: 'unsupported'; value: bigint };

export class Htif {
  constructor(
    private readonly bus: Bus,
    readonly tohost: number,
    private readonly putchar: (byte: number) => void,
    private readonly onEvent: (event: HtifEvent) => void,
  ) {
    if (!bus.isRam(tohost, 8)) throw new Error(`tohost at 0x${tohost.toString(16)} is not in RAM`);
    bus.watchStores(tohost, 8, (paddr, size) => this.stored(paddr, size));
  }

  private stored(paddr: number, size: number): void {
    // Only a store that reaches the high word completes a command.
    if (!(paddr < this.tohost + 8 && paddr + size > this.tohost + 4)) return;
    const o = this.tohost - this.bus.ramBase;
    const value = this.bus.ramView.getBigUint64(o, true);
    if (value === 0n) return;
    const device = Number(value >> 56n);
    const command = Number((value >> 48n) & 0xffn);
    const payload = value & 0xffffffffffffn;
    if (device === 0 && command === 0 && (payload & 1n) === 1n) {
      this.onEvent({ kind: 'exit', code: Number(payload >> 1n) });
      return;
    }
    if (device === 1 && command === 1) {
      this.putchar(Number(payload & 0xffn));
      this.bus.ramView.setBigUint64(o, 0n, true); // acknowledge: tohost back to 0
      return;
    }
    this.onEvent({ kind: 'unsupported', value });
  }
}
