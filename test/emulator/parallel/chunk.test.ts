// A chunk on its copy-on-write bus, on hand-assembled programs in RAM: where it stops (before an
// access outside RAM, a store to a watched page, an ecall for the machine's SBI, when the pool is
// full), with nothing of that instruction done; reads that see the chunk's own writes; decoded
// code of a private copy apart from the committed page's; read and write sets that are exactly the
// pages touched; publishing the copies.

import { describe, expect, it } from 'vitest';
import { Bus, PAGE_SIZE } from '../../../src/emulator/bus';
import { Hart } from '../../../src/emulator/hart/hart';
import { Priv } from '../../../src/emulator/hart/trap';
import { ChunkBus, POOL_RESERVE, publishCopies } from '../../../src/emulator/parallel/chunk-bus';
import { ChunkHost, runChunk } from '../../../src/emulator/parallel/chunk';
import { DRAM_BASE } from '../../../src/emulator/virt-map';
import * as A from './asm';
import { X } from './asm';

const RAM = 1 << 20; // 256 pages
const PAGES = RAM / PAGE_SIZE;
const UART = 0x1000_0000;

interface Env {
  /** The committed view (the machine's bus over the same buffer). */
  main: Bus;
  bus: ChunkBus;
  h: Hart;
}

function env(opts: { pool?: number; watched?: number[]; machineTraps?: boolean } = {}): Env {
  const pool = opts.pool ?? 64;
  const buffer = new SharedArrayBuffer(RAM + pool * PAGE_SIZE);
  const main = new Bus(RAM, buffer);
  const bus = new ChunkBus(RAM, buffer, { first: PAGES, count: pool }, opts.watched ?? []);
  const h = new Hart(0, new ChunkHost(bus, () => 0, opts.machineTraps ?? false));
  h.reset(DRAM_BASE);
  return { main, bus, h };
}

/** RAM page of a physical address. */
const pageOf = (pa: number): number => (pa - DRAM_BASE) / PAGE_SIZE;

function put(main: Bus, pa: number, words: number[]): void {
  words.forEach((w, k) => main.ramView.setUint32(pa - DRAM_BASE + 4 * k, w, true));
}

/** Set register r to a 32-bit physical address above 2 GiB (lui sign-extends: keep it in a register directly). */
function setReg(h: Hart, r: number, v: number): void {
  h.setReg(r, BigInt(v));
}

describe('a chunk in M-mode (physical addresses)', () => {
  const CODE = DRAM_BASE + 0x1_0000;
  const DATA = DRAM_BASE + 0x2_0000;

  it('reads see the chunk\'s own writes; committed RAM changes only when the copies are published', () => {
    const { main, bus, h } = env();
    main.ramView.setBigUint64(DATA - DRAM_BASE, 0x1111n, true);
    put(main, CODE, [A.ld(X.t2, X.a0, 0), A.sd(X.t0, X.a0, 0), A.ld(X.t1, X.a0, 0), A.SPIN]);
    h.setPc(CODE);
    setReg(h, X.a0, DATA);
    h.setReg(X.t0, 0x2222n);
    bus.beginChunk([]);
    const r = runChunk(h, 3);
    expect(r).toEqual({ steps: 3, stop: 'budget', traps: [], exact: true });
    expect(h.reg(X.t2)).toBe(0x1111n); // read through the committed page (a read-TLB entry)...
    expect(h.reg(X.t1)).toBe(0x2222n); // ...which the store's copy replaced
    expect(main.ramView.getBigUint64(DATA - DRAM_BASE, true)).toBe(0x1111n);
    expect(bus.copies()).toEqual([{ page: pageOf(DATA), copy: PAGES }]);
    publishCopies(main, bus.copies());
    expect(main.ramView.getBigUint64(DATA - DRAM_BASE, true)).toBe(0x2222n);
    expect(main.dirty[pageOf(DATA)]).toBe(1);
  });

  it('the read and write sets are exactly the pages touched, in order of first access', () => {
    const { main, bus, h } = env();
    const P = (k: number): number => DATA + k * PAGE_SIZE;
    // read page 0, read page 1, write page 2, write page 3, read page 3 and page 0 again, write page 2 again
    put(main, CODE, [A.ld(X.t0, X.a0, 0), A.lw(X.t0, X.a1, 8), A.sd(X.t0, X.a2, 16), A.sb(X.t0, X.a3, 5),
      A.ld(X.t1, X.a3, 0), A.ld(X.t1, X.a0, 64), A.sw(X.t1, X.a2, 0), A.SPIN]);
    h.setPc(CODE);
    [X.a0, X.a1, X.a2, X.a3].forEach((r, k) => setReg(h, r, P(k)));
    bus.beginChunk([]);
    expect(runChunk(h, 8).steps).toBe(8);
    expect(bus.readSet).toEqual([pageOf(CODE), pageOf(P(0)), pageOf(P(1)), pageOf(P(2)), pageOf(P(3))]);
    expect(bus.writeSet).toEqual([pageOf(P(2)), pageOf(P(3))]);
    // The next chunk starts with empty sets and an empty TLB: its first accesses are seen again.
    h.setPc(CODE);
    bus.beginChunk([]);
    expect(runChunk(h, 2).steps).toBe(2);
    expect(bus.readSet).toEqual([pageOf(CODE), pageOf(P(0)), pageOf(P(1))]);
    expect(bus.writeSet).toEqual([]);
  });

  it('a store to a watched page stops the chunk before it; a load from it does not', () => {
    const { main, bus, h } = env({ watched: [pageOf(DATA)] });
    put(main, CODE, [A.addi(X.t0, X.zero, 7), A.ld(X.t1, X.a0, 0), A.sd(X.t0, X.a0, 0), A.SPIN]);
    h.setPc(CODE);
    setReg(h, X.a0, DATA);
    bus.beginChunk([]);
    const r = runChunk(h, 100);
    expect(r).toEqual({ steps: 2, stop: 'machine', traps: [], exact: true });
    expect(h.pc).toBe(CODE + 8);
    expect([h.steps, h.instret]).toEqual([2, 2]);
    expect(bus.writeSet).toEqual([]);
    expect(main.ramView.getBigUint64(DATA - DRAM_BASE, true)).toBe(0n);
  });

  it('loads and stores outside RAM stop the chunk before them, misaligned and page-crossing ones too', () => {
    const cases: [string, number[], number][] = [
      ['lb', [A.lb(X.t1, X.a0, 0)], UART],
      ['sw', [A.sw(X.t0, X.a0, 0)], UART],
      ['misaligned ld', [A.ld(X.t1, X.a0, 3)], UART],
      // 8 bytes from 4 below the end of RAM: half RAM, half nothing
      ['page-crossing sd', [A.sd(X.t0, X.a0, 0)], DRAM_BASE + RAM - 4],
    ];
    for (const [name, insns, addr] of cases) {
      const { main, bus, h } = env();
      put(main, CODE, [A.addi(X.t0, X.zero, -1), ...insns, A.SPIN]);
      h.setPc(CODE);
      setReg(h, X.a0, addr);
      bus.beginChunk([]);
      expect(runChunk(h, 100), name).toEqual({ steps: 1, stop: 'machine', traps: [], exact: true });
      expect(h.pc, name).toBe(CODE + 4);
      expect(bus.writeSet, name).toEqual([]);
      expect(main.ramView.getUint32(RAM - 4, true), name).toBe(0);
    }
  });

  it('an ecall stops the chunk before it when the machine provides the SBI, and is taken when not', () => {
    const prog = [A.addi(X.t0, X.zero, 1), A.ECALL, A.SPIN];
    const a = env({ machineTraps: true });
    put(a.main, CODE, prog);
    a.h.setPc(CODE);
    a.h.mtvecLo = DRAM_BASE + 0x100;
    a.bus.beginChunk([]);
    expect(runChunk(a.h, 100)).toEqual({ steps: 1, stop: 'machine', traps: [], exact: true });
    expect([a.h.pc, a.h.mcauseLo, a.h.priv]).toEqual([CODE + 4, 0, Priv.M]);

    const b = env({ machineTraps: false });
    put(b.main, CODE, prog);
    put(b.main, DRAM_BASE + 0x100, [A.SPIN]);
    b.h.setPc(CODE);
    b.h.mtvecLo = DRAM_BASE + 0x100;
    b.bus.beginChunk([]);
    expect(runChunk(b.h, 5)).toEqual({ steps: 5, stop: 'budget', traps: [{ step: 1, cause: 11, interrupt: false }], exact: true });
    expect([b.h.pc, b.h.mcauseLo, b.h.mepcLo >>> 0]).toEqual([DRAM_BASE + 0x100, 11, CODE + 4]);
  });

  it('a full pool stops the chunk after the copy that leaves only the reserve, and the next chunk goes on', () => {
    const pool = 2 * POOL_RESERVE;
    const { main, bus, h } = env({ pool });
    // t1 = 40 pages: sd to each page in turn
    put(main, CODE, [A.sd(X.t0, X.a0, 0), A.add(X.a0, X.a0, X.a1), A.addi(X.t1, X.t1, -1), A.bne(X.t1, X.zero, -12), A.SPIN]);
    h.setPc(CODE);
    setReg(h, X.a0, DATA);
    h.setReg(X.a1, PAGE_SIZE);
    h.setReg(X.t1, 40);
    h.setReg(X.t0, 0x55n);
    bus.beginChunk([]);
    const soft = pool - POOL_RESERVE;
    const r = runChunk(h, 10_000);
    expect(r).toEqual({ steps: 4 * (soft - 1) + 1, stop: 'pool', traps: [], exact: true });
    expect(h.pc).toBe(CODE + 4);
    expect(bus.writeSet.length).toBe(soft);
    publishCopies(main, bus.copies());
    bus.beginChunk([]);
    const r2 = runChunk(h, 10_000);
    expect(r2.stop).toBe('pool');
    expect(bus.writeSet[0]).toBe(pageOf(DATA) + soft);
  });

  it('code written in a chunk runs from its copy, decoded apart from the committed page', () => {
    const { main, bus, h } = env();
    // 0: sw t0, 16(a2)   4: fence.i   8: addi t3, t3, 1   12: jal x0, +4   16: addi a0, x0, 7   20: spin
    const prog = [A.sw(X.t0, X.a2, 16), A.FENCE_I, A.addi(X.t3, X.t3, 1), 0x0040006f, A.addi(X.a0, X.zero, 7), A.SPIN];
    put(main, CODE, prog);
    // A first chunk runs the original code from the committed page (and decodes it there).
    h.setPc(CODE + 8);
    bus.beginChunk([]);
    runChunk(h, 3);
    expect(h.reg(X.a0)).toBe(7n);
    // The next chunk rewrites the instruction at 16 on the page it executes, then runs it.
    h.setPc(CODE);
    h.setReg(X.t0, BigInt(A.addi(X.a0, X.zero, 42)));
    setReg(h, X.a2, CODE);
    bus.beginChunk([]);
    expect(runChunk(h, 5).steps).toBe(5);
    expect(h.reg(X.a0)).toBe(42n);
    expect(main.ramView.getUint32(CODE - DRAM_BASE + 16, true)).toBe(A.addi(X.a0, X.zero, 7)); // committed: unchanged
    // Discarded, the chunk leaves the committed page's code as it was.
    bus.discardChunk();
    h.setPc(CODE + 16);
    bus.beginChunk([]);
    runChunk(h, 1);
    expect(h.reg(X.a0)).toBe(7n);
  });
});

describe('a chunk in S-mode with Sv39: an access that stops the chunk sets no A/D bit', () => {
  // Page tables: root at RAM page 1, level 1 at page 2, level 0 at page 3. VA 0x1000 -> code (RAM
  // page 16), VA 0x2000 -> the UART, VA 0x3000 -> more code (page 17), VA 0x4000 -> data (page 18);
  // no leaf has A or D set.
  const V = 1, R = 2, W = 4, X_ = 8, A_ = 64, D_ = 128;
  const L0 = DRAM_BASE + 3 * PAGE_SIZE;
  const pte = (pa: number, flags: number): bigint => (BigInt(Math.floor(pa / PAGE_SIZE)) << 10n) | BigInt(flags);

  function paged(): Env {
    const e = env();
    const set = (pa: number, v: bigint): void => e.main.ramView.setBigUint64(pa - DRAM_BASE, v, true);
    set(DRAM_BASE + 1 * PAGE_SIZE, pte(DRAM_BASE + 2 * PAGE_SIZE, V));
    set(DRAM_BASE + 2 * PAGE_SIZE, pte(L0, V));
    set(L0 + 8, pte(DRAM_BASE + 16 * PAGE_SIZE, V | R | X_));
    set(L0 + 16, pte(UART, V | R | W));
    set(L0 + 24, pte(DRAM_BASE + 17 * PAGE_SIZE, V | R | X_));
    set(L0 + 32, pte(DRAM_BASE + 18 * PAGE_SIZE, V | R | W));
    e.h.priv = Priv.S;
    e.h.satpHi = (8 << 28) | 0;
    e.h.satpLo = (DRAM_BASE + PAGE_SIZE) / PAGE_SIZE; // the root's PPN
    e.h.setPc(0x1000);
    return e;
  }
  /** A leaf's flags as the chunk sees them (its copy of the level-0 table if it has one). */
  const leaf = (e: Env, k: number): number => {
    const copy = e.bus.copies().find((c) => c.page === pageOf(L0));
    const base = copy ? copy.copy * PAGE_SIZE : L0 - DRAM_BASE;
    return e.bus.memView.getUint32(base + 8 * k, true) & 0xff;
  };

  it('a load from the UART stops the chunk before it, without setting A (the fetch before it did)', () => {
    const e = paged();
    put(e.main, DRAM_BASE + 16 * PAGE_SIZE, [A.lui(X.a0, 2), A.addi(X.t0, X.zero, 5), A.lb(X.t1, X.a0, 0), A.SPIN]);
    e.bus.beginChunk([]);
    expect(runChunk(e.h, 100)).toEqual({ steps: 2, stop: 'machine', traps: [], exact: true });
    expect(e.h.pc).toBe(0x1008);
    expect([e.h.scauseLo, e.h.mcauseLo, e.h.priv]).toEqual([0, 0, Priv.S]);
    expect(leaf(e, 1)).toBe(V | R | X_ | A_); // the code's leaf: A set by the fetch at step 0
    expect(leaf(e, 2)).toBe(V | R | W); // the UART's leaf: untouched
    expect(e.main.ramView.getUint32(L0 - DRAM_BASE + 8, true) & 0xff).toBe(V | R | X_); // committed: unchanged
  });

  it('a store to the UART sets neither A nor D', () => {
    const e = paged();
    put(e.main, DRAM_BASE + 16 * PAGE_SIZE, [A.lui(X.a0, 2), A.sw(X.t0, X.a0, 4), A.SPIN]);
    e.bus.beginChunk([]);
    expect(runChunk(e.h, 100).stop).toBe('machine');
    expect(e.h.pc).toBe(0x1004);
    expect(leaf(e, 2)).toBe(V | R | W);
  });

  it('the A bit set by fetching the instruction that stops the chunk is undone', () => {
    const e = paged();
    // 0x1000: a0 = 0x2000, a1 = 0x3000, jump to 0x3000, whose first instruction loads from the UART.
    put(e.main, DRAM_BASE + 16 * PAGE_SIZE, [A.lui(X.a0, 2), A.lui(X.a1, 3), A.jalr(X.zero, X.a1, 0)]);
    put(e.main, DRAM_BASE + 17 * PAGE_SIZE, [A.lb(X.t1, X.a0, 0), A.SPIN]);
    e.bus.beginChunk([]);
    expect(runChunk(e.h, 100)).toEqual({ steps: 3, stop: 'machine', traps: [], exact: true });
    expect(e.h.pc).toBe(0x3000);
    expect(leaf(e, 1)).toBe(V | R | X_ | A_);
    expect(leaf(e, 3)).toBe(V | R | X_); // fetched for the stopped instruction: A undone
  });

  it('a store through the page table sets A and D in the chunk\'s copy of the table', () => {
    const e = paged();
    put(e.main, DRAM_BASE + 16 * PAGE_SIZE, [A.lui(X.a0, 4), A.sd(X.t0, X.a0, 0), A.ld(X.t1, X.a0, 0), A.SPIN]);
    e.h.setReg(X.t0, 99);
    e.bus.beginChunk([]);
    expect(runChunk(e.h, 3)).toEqual({ steps: 3, stop: 'budget', traps: [], exact: true });
    expect(e.h.reg(X.t1)).toBe(99n);
    expect(leaf(e, 4)).toBe(V | R | W | A_ | D_);
    expect(e.bus.writeSet).toEqual([pageOf(L0), 18]);
    expect(e.bus.readSet).toEqual([1, 2, 3, 16, 18]);
  });
});
