// The `sifive,test` finisher of QEMU's `virt` board (hw/misc/sifive_test.c): a write to offset 0 whose
// low 16 bits are a status ends the machine. FINISHER_PASS (0x5555) powers off with exit code 0,
// FINISHER_FAIL (0x3333) powers off with the exit code in bits 31:16, FINISHER_RESET (0x7777) resets.
// Other values and offsets are ignored, and every read returns 0. It holds no state.

import * as C from '../state-check';
import { AccessSize, Device, DeviceState } from './device';

export const FINISHER_FAIL = 0x3333;
export const FINISHER_PASS = 0x5555;
export const FINISHER_RESET = 0x7777;

export type FinisherEvent = { kind: 'poweroff'; code: number } | { kind: 'reset' };

export class SifiveTest implements Device {
  readonly name = 'sifive-test';

  constructor(private readonly onFinish: (event: FinisherEvent) => void) {}

  read(_offset: number, _size: AccessSize): number {
    return 0;
  }

  write(offset: number, _size: AccessSize, value: number): void {
    if (offset !== 0) return;
    const status = value & 0xffff;
    const code = (value >>> 16) & 0xffff;
    switch (status) {
      case FINISHER_FAIL:
        this.onFinish({ kind: 'poweroff', code });
        break;
      case FINISHER_PASS:
        this.onFinish({ kind: 'poweroff', code: 0 });
        break;
      case FINISHER_RESET:
        this.onFinish({ kind: 'reset' });
        break;
    }
  }

  snapshot(): DeviceState {
    return {};
  }

  restore(_state: DeviceState): void {}

  checkState(state: unknown, path: string): void {
    C.fields(state, path, []);
  }
}
