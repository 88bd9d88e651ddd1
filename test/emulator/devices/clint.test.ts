/**
 * The CLINT as M-mode firmware sees it (OpenSBI's aclint_mtimer/aclint_mswi drivers, riscv-tests):
 * msip words, 64-bit mtimecmp/mtime through 8-byte and pairs of 4-byte accesses, the timer level at
 * its exact boundary, guest writes to mtime, and checkpoints.
 */
import { describe, expect, it } from 'vitest';
import { Clint } from '../../../src/emulator/devices/clint';

const MSIP = (h: number) => 0x0 + 4 * h;
const MTIMECMP = (h: number) => 0x4000 + 8 * h;
const MTIME = 0xbff8;
const ALL_ONES = (1n << 64n) - 1n;

function make(harts = 2) {
  const clock = { now: 0 };
  const clint = new Clint(harts, () => clock.now);
  return { clint, clock };
}

describe('msip', () => {
  it('holds bit 0 per hart and reads back 0 or 1', () => {
    const { clint } = make(2);
    expect(clint.read(MSIP(0), 4)).toBe(0);
    clint.write(MSIP(1), 4, 0xffffffff);
    expect(clint.read(MSIP(1), 4)).toBe(1);
    expect(clint.msip(1)).toBe(true);
    expect(clint.msip(0)).toBe(false);
    clint.write(MSIP(1), 4, 2); // bit 0 clear: lowers it
    expect(clint.msip(1)).toBe(false);
    expect(clint.read(MSIP(1), 4)).toBe(0);
  });

  it('ignores harts that do not exist and accesses that are not 4 bytes', () => {
    const { clint } = make(1);
    clint.write(MSIP(1), 4, 1);
    expect(clint.read(MSIP(1), 4)).toBe(0);
    clint.write(MSIP(0), 1, 1);
    clint.write(MSIP(0), 2, 1);
    expect(clint.msip(0)).toBe(false);
    clint.write(MSIP(0), 4, 1);
    expect(clint.read(MSIP(0), 1)).toBe(0);
  });
});

describe('mtimecmp', () => {
  it('resets to all ones: no timer interrupt until it is written', () => {
    const { clint } = make(2);
    expect(clint.read64(MTIMECMP(0))).toBe(ALL_ONES);
    expect(clint.read(MTIMECMP(1), 4)).toBe(0xffffffff);
    expect(clint.read(MTIMECMP(1) + 4, 4)).toBe(0xffffffff);
    expect(clint.timerPending(0, 2 ** 53 - 1)).toBe(false);
    expect(clint.nextDeadline(0)).toBe(Infinity);
  });

  it('stores all ones exactly, written as one 8-byte or two 4-byte stores', () => {
    const { clint } = make(2);
    clint.write64(MTIMECMP(0), 0n);
    clint.write64(MTIMECMP(0), ALL_ONES);
    expect(clint.read64(MTIMECMP(0))).toBe(ALL_ONES);
    clint.write64(MTIMECMP(1), 0n);
    // RV32-style update: low word first, then high word.
    clint.write(MTIMECMP(1), 4, 0xffffffff);
    clint.write(MTIMECMP(1) + 4, 4, 0xffffffff);
    expect(clint.read64(MTIMECMP(1))).toBe(ALL_ONES);
    expect(clint.read(MTIMECMP(1), 4)).toBe(0xffffffff);
    expect(clint.read(MTIMECMP(1) + 4, 4)).toBe(0xffffffff);
    expect(clint.timerPending(1, 2 ** 53 - 1)).toBe(false);
    expect(clint.nextDeadline(1)).toBe(Infinity);
  });

  it('8-byte and 4-byte accesses see the same register', () => {
    const { clint } = make(2);
    clint.write64(MTIMECMP(1), 0x1234_5678_9abc_def0n);
    expect(clint.read(MTIMECMP(1), 4)).toBe(0x9abcdef0);
    expect(clint.read(MTIMECMP(1) + 4, 4)).toBe(0x12345678);
    clint.write(MTIMECMP(0), 4, 0xdeadbeef);
    clint.write(MTIMECMP(0) + 4, 4, 0x0badf00d);
    expect(clint.read64(MTIMECMP(0))).toBe(0x0badf00d_deadbeefn);
    // A 4-byte write to one half keeps the other half.
    clint.write(MTIMECMP(0), 4, 1);
    expect(clint.read64(MTIMECMP(0))).toBe(0x0badf00d_00000001n);
    clint.write(MTIMECMP(0) + 4, 4, 0);
    expect(clint.read64(MTIMECMP(0))).toBe(1n);
    // The other hart is untouched.
    expect(clint.read64(MTIMECMP(1))).toBe(0x1234_5678_9abc_def0n);
    // As QEMU: an 8-byte read at the high word returns the high word.
    expect(clint.read64(MTIMECMP(1) + 4)).toBe(0x12345678n);
  });

  it('timerPending is mtime >= mtimecmp, exactly at the boundary', () => {
    const { clint } = make(1);
    clint.write64(MTIMECMP(0), 1000n);
    expect(clint.timerPending(0, 999)).toBe(false);
    expect(clint.timerPending(0, 1000)).toBe(true);
    expect(clint.timerPending(0, 1001)).toBe(true);
    expect(clint.nextDeadline(0)).toBe(1000);
    // Across the 32-bit boundary and near 2^53.
    clint.write64(MTIMECMP(0), 0x1_0000_0005n);
    expect(clint.timerPending(0, 0x1_0000_0004)).toBe(false);
    expect(clint.timerPending(0, 0x1_0000_0005)).toBe(true);
    expect(clint.nextDeadline(0)).toBe(0x1_0000_0005);
    clint.write64(MTIMECMP(0), 2n ** 53n - 1n);
    expect(clint.timerPending(0, 2 ** 53 - 2)).toBe(false);
    expect(clint.timerPending(0, 2 ** 53 - 1)).toBe(true);
    expect(clint.nextDeadline(0)).toBe(2 ** 53 - 1);
    clint.write64(MTIMECMP(0), 2n ** 53n);
    expect(clint.timerPending(0, 2 ** 53 - 1)).toBe(false);
    expect(clint.nextDeadline(0)).toBe(Infinity);
    // A compare value in the past is pending at once; writing a later one lowers it.
    clint.write64(MTIMECMP(0), 0n);
    expect(clint.timerPending(0, 0)).toBe(true);
    clint.write(MTIMECMP(0), 4, 50);
    expect(clint.timerPending(0, 49)).toBe(false);
  });
});

describe('mtime', () => {
  it('reads the clock, whole or as two words', () => {
    const { clint, clock } = make(1);
    clock.now = 0x1_2345_6789;
    expect(clint.read64(MTIME)).toBe(0x1_2345_6789n);
    expect(clint.read(MTIME, 4)).toBe(0x2345_6789);
    expect(clint.read(MTIME + 4, 4)).toBe(1);
    clock.now += 10;
    expect(clint.read64(MTIME)).toBe(0x1_2345_6793n);
  });

  it('a write sets an offset: reads give the written value plus elapsed ticks', () => {
    const { clint, clock } = make(1);
    clock.now = 100;
    clint.write64(MTIME, 5000n);
    expect(clint.read64(MTIME)).toBe(5000n);
    clock.now = 150;
    expect(clint.read64(MTIME)).toBe(5050n);
    // The timer compares the guest's mtime, and the deadline is in clock ticks.
    clint.write64(MTIMECMP(0), 5040n);
    expect(clint.timerPending(0, 139)).toBe(false);
    expect(clint.timerPending(0, 140)).toBe(true);
    expect(clint.nextDeadline(0)).toBe(140);
    clint.write64(MTIMECMP(0), 10n); // already passed
    expect(clint.timerPending(0, 150)).toBe(true);
    expect(clint.nextDeadline(0)).toBeLessThanOrEqual(150);
  });

  it('4-byte writes replace one half of the current value', () => {
    const { clint, clock } = make(1);
    clock.now = 0x5_0000_0010;
    clint.write(MTIME, 4, 0x20);
    expect(clint.read64(MTIME)).toBe(0x5_0000_0020n);
    clint.write(MTIME + 4, 4, 0x7);
    expect(clint.read64(MTIME)).toBe(0x7_0000_0020n);
    clock.now += 1;
    expect(clint.read64(MTIME)).toBe(0x7_0000_0021n);
  });

  it('wraps modulo 2^64', () => {
    const { clint, clock } = make(1);
    clint.write64(MTIME, ALL_ONES - 9n); // 2^64 - 10 at clock 0
    clint.write64(MTIMECMP(0), 5n);
    expect(clint.timerPending(0, 0)).toBe(true); // 2^64 - 10 >= 5
    expect(clint.timerPending(0, 10)).toBe(false); // mtime 0
    expect(clint.timerPending(0, 14)).toBe(false); // mtime 4
    expect(clint.timerPending(0, 15)).toBe(true); // mtime 5
    clock.now = 12;
    expect(clint.read64(MTIME)).toBe(2n);
    expect(clint.nextDeadline(0)).toBe(15);
  });
});

describe('checkpoints', () => {
  it('snapshot then restore gives identical subsequent behaviour', () => {
    const { clint, clock } = make(2);
    clock.now = 1000;
    clint.write(MSIP(1), 4, 1);
    clint.write64(MTIMECMP(0), 0xffff_ffff_0000_0001n);
    clint.write64(MTIMECMP(1), 2500n);
    clint.write64(MTIME, 2000n);
    const snap = structuredClone(clint.snapshot());

    // Diverge the original, then restore it; also restore into a fresh device on the same clock.
    clint.write(MSIP(1), 4, 0);
    clint.write64(MTIMECMP(1), 7n);
    clint.write64(MTIME, 0n);
    clint.restore(snap);
    const fresh = new Clint(2, () => clock.now);
    fresh.restore(snap);

    for (const c of [clint, fresh]) {
      expect(c.msip(1)).toBe(true);
      expect(c.read64(MTIMECMP(0))).toBe(0xffff_ffff_0000_0001n);
      expect(c.read64(MTIME)).toBe(2000n);
      expect(c.nextDeadline(1)).toBe(1500);
      expect(c.timerPending(1, 1499)).toBe(false);
      expect(c.timerPending(1, 1500)).toBe(true);
    }
    clock.now = 1234;
    expect(fresh.read64(MTIME)).toBe(clint.read64(MTIME));
    expect(fresh.snapshot()).toEqual(clint.snapshot());
  });

  it('refuses a snapshot for another hart count', () => {
    const { clint } = make(2);
    expect(() => new Clint(1, () => 0).restore(clint.snapshot())).toThrow();
  });
});
