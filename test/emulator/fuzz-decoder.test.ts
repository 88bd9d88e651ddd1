// Fuzz the decoder and interpreter: random instruction words, random register values, random
// privilege modes and random page tables must only ever produce guest-visible outcomes (an
// instruction retired or a trap taken), never a host exception.

import { describe, expect, it } from 'vitest';
import { Bus } from '../../src/emulator/bus';
import { Hart, HartHost } from '../../src/emulator/hart/hart';
import { run } from '../../src/emulator/hart/interpreter';
import { DRAM_BASE } from '../../src/emulator/virt-map';

/** A small deterministic PRNG (xorshift32), so that a failure can be reproduced from its seed. */
function rng(seed: number): () => number {
  let s = seed | 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s | 0;
  };
}

function makeHart(): { hart: Hart; bus: Bus } {
  const bus = new Bus(1 << 20);
  const host: HartHost = { bus, mtime: () => 0, stopRequested: false };
  return { hart: new Hart(0, host), bus };
}

describe('decoder and interpreter fuzz', () => {
  it('random words in M-mode: every step retires or traps', () => {
    const { hart, bus } = makeHart();
    const next = rng(12345);
    for (let i = 0; i < bus.ram32.length; i++) bus.ram32[i] = next();
    bus.invalidateAllCode();
    let steps = 0;
    for (let trial = 0; trial < 20000; trial++) {
      hart.reset(DRAM_BASE + ((next() >>> 0) % (bus.ramSize - 8) & ~1));
      for (let r = 1; r < 32; r++) hart.setReg(r, BigInt(next()) << 32n | BigInt(next() >>> 0));
      // Keep mtvec inside RAM so that traps land somewhere executable.
      hart.mtvecLo = DRAM_BASE | 0;
      hart.mstatus = next() & 0x7e79aa;
      steps += run(hart, 8);
    }
    expect(steps).toBeGreaterThan(20000);
  });

  it('random words, privilege modes and page tables: every step retires or traps', () => {
    const { hart, bus } = makeHart();
    const next = rng(987654321);
    for (let i = 0; i < bus.ram32.length; i++) bus.ram32[i] = next();
    bus.invalidateAllCode();
    let steps = 0;
    for (let trial = 0; trial < 20000; trial++) {
      hart.reset(DRAM_BASE + ((next() >>> 0) % (bus.ramSize - 8) & ~1));
      for (let r = 1; r < 32; r++) hart.setReg(r, BigInt(next()) << 32n | BigInt(next() >>> 0));
      hart.priv = [0, 1, 3][(next() >>> 0) % 3];
      hart.medeleg = next() & 0xb3ff;
      hart.mideleg = next() & 0x222;
      hart.mtvecLo = (DRAM_BASE | 0) + (next() & 0xff0);
      hart.stvecLo = (DRAM_BASE | 0) + (next() & 0xff0);
      hart.mstatus = next() & 0x7e79aa;
      // satp: Sv39 or Sv48 with a root page table somewhere in (random) RAM, or beyond it.
      const mode = [0, 8, 9][(next() >>> 0) % 3];
      const ppn = ((DRAM_BASE / 4096) + ((next() >>> 0) % 300)) >>> 0;
      hart.satpLo = ppn;
      hart.satpHi = mode << 28;
      hart.flushTlb();
      steps += run(hart, 8);
    }
    expect(steps).toBeGreaterThan(20000);
  });
});
