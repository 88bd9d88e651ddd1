/**
 * The sifive,test finisher as OpenSBI's sifive_test reset driver and bare-metal tests use it:
 * 0x5555 passes, 0x3333 | code << 16 fails with a code, 0x7777 resets, anything else is ignored.
 */
import { describe, expect, it } from 'vitest';
import { FinisherEvent, SifiveTest } from '../../../src/emulator/devices/sifive-test';

function make() {
  const events: FinisherEvent[] = [];
  return { test: new SifiveTest((e) => events.push(e)), events };
}

describe('sifive,test', () => {
  it('FINISHER_PASS powers off with status 0', () => {
    const { test, events } = make();
    test.write(0, 4, 0x5555);
    expect(events).toEqual([{ kind: 'poweroff', code: 0 }]);
  });

  it('FINISHER_FAIL powers off with the code in bits 31:16', () => {
    const { test, events } = make();
    test.write(0, 4, 0x3333 | (3 << 16));
    test.write(0, 4, (0x3333 | (0xffff << 16)) >>> 0);
    test.write(0, 4, 0x3333);
    expect(events).toEqual([
      { kind: 'poweroff', code: 3 },
      { kind: 'poweroff', code: 0xffff },
      { kind: 'poweroff', code: 0 },
    ]);
  });

  it('FINISHER_RESET resets', () => {
    const { test, events } = make();
    test.write(0, 4, 0x7777);
    expect(events).toEqual([{ kind: 'reset' }]);
  });

  it('takes 16-bit stores (status only), as QEMU', () => {
    const { test, events } = make();
    test.write(0, 2, 0x5555);
    expect(events).toEqual([{ kind: 'poweroff', code: 0 }]);
  });

  it('ignores other values and offsets, and reads as 0', () => {
    const { test, events } = make();
    test.write(0, 4, 0x1234);
    test.write(0, 4, 0x5556);
    test.write(0, 4, 0x5555_0000);
    test.write(0, 1, 0x55);
    test.write(4, 4, 0x5555);
    test.write(0x800, 4, 0x7777);
    expect(events).toEqual([]);
    expect(test.read(0, 4)).toBe(0);
    expect(test.read(4, 4)).toBe(0);
  });

  it('has no state to checkpoint', () => {
    const { test, events } = make();
    const snap = structuredClone(test.snapshot());
    expect(snap).toEqual({});
    test.restore(snap);
    test.write(0, 4, 0x5555);
    expect(events).toEqual([{ kind: 'poweroff', code: 0 }]);
  });
});
