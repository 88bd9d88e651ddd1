// Copy-on-write chunks execute exactly as the serial machine does. Two identical machines run the
// same guest in the same turns: the reference runs each turn serially; the other runs each turn's
// body as a chunk (runChunk on a ChunkBus over its RAM buffer, on a worker-style hart restored from
// the machine's), publishes the chunk's copies, and, when the chunk stops for the machine, runs the
// rest of the turn serially on the machine itself. After every turn the harts' digests agree, RAM's
// every few turns, and both runs end with the same console output and the same exit.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PAGE_SIZE } from '../../../src/emulator/bus';
import { LinearClock } from '../../../src/emulator/clock';
import { Hart } from '../../../src/emulator/hart/hart';
import { Bios, boot } from '../../../src/emulator/loader/boot';
import { Machine } from '../../../src/emulator/machine';
import { ChunkBus } from '../../../src/emulator/parallel/chunk-bus';
import { publishCopies } from '../../../src/emulator/parallel/chunk-bus';
import { ChunkHost, ChunkStop, runChunk } from '../../../src/emulator/parallel/chunk';
import { hartsDigest, memoryDigest } from '../../../src/rr/snapshot';
import { ROOT } from '../../cli/helpers';

const MEM = 128 << 20;
const POOL = 512;
const QUANTUM = 1000;
const MEMORY_EVERY = 200; // turns between RAM digests
const MAX_TURNS = 400_000;

interface Guest {
  name: string;
  elf: string;
  bios: Bios;
  bootargs: string;
}

const DEMO: Guest = { name: 'demo', elf: 'guests/demo/demo.elf', bios: { kind: 'builtin' }, bootargs: '' };
const STRESS: Guest = {
  name: 'stress', elf: 'guests/stress/stress.elf', bios: { kind: 'none' },
  bootargs: 'sections=amo,lrsc,locks,ring,paging,fencei iters=300 seed=3',
};

interface Side {
  m: Machine;
  clock: LinearClock;
  out: number[];
}

/** A machine as `samsara run --clock virtual` makes it, with a fixed entropy stream. */
function machine(g: Guest, harts: number, ramBuffer?: SharedArrayBuffer): Side {
  const clock = new LinearClock();
  const out: number[] = [];
  let seed = 0x9e3779b9;
  const m = new Machine({
    harts, memSize: MEM, clock, ramBuffer, builtinSbi: g.bios.kind === 'builtin',
    console: { write: (b) => out.push(...b) },
    entropy: { fill: (buf) => { for (let i = 0; i < buf.length; i++) { seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5; buf[i] = seed & 0xff; } } },
  });
  boot(m, { kernel: fs.readFileSync(path.join(ROOT, g.elf)), kernelName: g.elf, bios: g.bios, bootargs: g.bootargs });
  return { m, clock, out };
}

/** The chunked side: the machine over a buffer with a pool per hart, and a worker-style hart per hart. */
class Chunked {
  readonly side: Side;
  readonly harts: Hart[] = [];
  readonly buses: ChunkBus[] = [];
  /** Per hart: RAM pages changed since its last chunk began (by other chunks, or serially). */
  private readonly changed: Set<number>[] = [];
  readonly stops: Record<ChunkStop, number> = { budget: 0, wfi: 0, machine: 0, pool: 0 };
  private turnStart = 0;

  constructor(g: Guest, n: number) {
    const buffer = new SharedArrayBuffer(MEM + n * POOL * PAGE_SIZE);
    this.side = machine(g, n, buffer);
    const { m, clock } = this.side;
    for (let i = 0; i < n; i++) {
      const bus = new ChunkBus(MEM, buffer, { first: MEM / PAGE_SIZE + i * POOL, count: POOL }, []);
      // The time the machine's hart would read mid-turn: the position counts this hart's steps so far.
      const mtime = (): number => m.clint.guestMtime(clock.mtime((m.steps + this.harts[i].steps - this.turnStart) / n));
      this.harts.push(new Hart(i, new ChunkHost(bus, mtime, g.bios.kind === 'builtin')));
      this.buses.push(bus);
      this.changed.push(new Set());
    }
    }

  /** The body of a turn the machine began for `mh`: a chunk, then serially whatever it left. */
  turn(mh: Hart, quantum: number): void {
    const { m } = this.side;
    const i = mh.id;
    const ch = this.harts[i];
    const bus = this.buses[i];
    ch.restore(mh.snapshot());
    this.turnStart = ch.steps;
    bus.beginChunk(this.changed[i]);
    this.changed[i].clear();
    const r = runChunk(ch, quantum);
    expect(r.exact).toBe(true);
    expect(r.steps).toBe(ch.steps - mh.steps);
    this.stops[r.stop]++;
    const copies = bus.copies();
    publishCopies(m.bus, copies);
    mh.restore(ch.snapshot());
    // What changed RAM this turn (the copies published, the serial rest and devices) is news to every
    // chunk bus's decoded code.
    for (const c of copies) for (const s of this.changed) s.add(c.page);
    if ((r.stop === 'machine' || r.stop === 'pool') && r.steps < quantum) {
      m.bus.clearDirty();
      m.continueTurn(mh, quantum - r.steps);
      for (let p = 0; p < m.bus.pages; p++) {
        if (m.bus.dirty[p]) for (const s of this.changed) s.add(p);
      }
    }
  }
}

/** Run both machines in the same turns, comparing after each; returns the chunked side's stops. */
function differential(g: Guest, n: number): Record<ChunkStop, number> {
  const ref = machine(g, n);
  const ch = new Chunked(g, n);
  const b = ch.side;
  for (let turns = 0; turns < MAX_TURNS;) {
    let ran = false;
    for (let i = 0; i < n && !ref.m.stopRequested; i++) {
      const began = ref.m.beginTurn(ref.m.harts[i]);
      expect(b.m.beginTurn(b.m.harts[i]), `turn ${turns}: hart ${i} runs on both`).toBe(began);
      if (!began) continue;
      ref.m.continueTurn(ref.m.harts[i], QUANTUM);
      ref.m.endTurn();
      ch.turn(b.m.harts[i], QUANTUM);
      b.m.endTurn();
      ran = true;
      turns++;
      if (hartsDigest(b.m) !== hartsDigest(ref.m)) {
        const [x, y] = [ref.m.harts[i], b.m.harts[i]];
        throw new Error(`${g.name} on ${n} harts, turn ${turns} (hart ${i}): hart digests differ: pc ${x.pc.toString(16)} / ${y.pc.toString(16)}, steps ${x.steps} / ${y.steps}`);
      }
      if (turns % MEMORY_EVERY === 0) expect(memoryDigest(b.m), `turn ${turns}: RAM`).toBe(memoryDigest(ref.m));
    }
    expect(b.m.stopRequested).toBe(ref.m.stopRequested);
    if (ref.m.stopRequested) break;
    if (!ran) {
      const deadline = ref.m.nextTimerDeadline();
      expect(deadline, 'an idle machine has a timer set').not.toBe(Infinity);
      expect(b.m.nextTimerDeadline()).toBe(deadline);
      ref.clock.set(ref.m.virtualTime, deadline);
      b.clock.set(b.m.virtualTime, deadline);
    }
  }
  expect(ref.m.finished, `${g.name} finished within ${MAX_TURNS} turns`).toBeDefined();
  expect(b.m.finished).toEqual(ref.m.finished);
  const console = Buffer.from(ref.out).toString('latin1');
  expect(Buffer.from(b.out).toString('latin1')).toBe(console);
  expect(console).toMatch(g.name === 'stress' ? /stress: all \d+ invariants held/ : /Samsara demo kernel/);
  expect(memoryDigest(b.m)).toBe(memoryDigest(ref.m));
  expect(Buffer.compare(Buffer.from(b.m.bus.ram), Buffer.from(ref.m.bus.ram))).toBe(0);
  return ch.stops;
}

describe('copy-on-write chunks execute exactly as the serial machine', () => {
  for (const g of [STRESS, DEMO]) {
    for (const n of [2, 4]) {
      it(`${g.name} on ${n} harts`, () => {
        const t0 = performance.now();
        const stops = differential(g, n);
        console.log(`${g.name} on ${n} harts: ${((performance.now() - t0) / 1000).toFixed(1)} s; chunk stops ${JSON.stringify(stops)}`);
        // The chunks did the work, and some stopped for the machine (devices, the SBI).
        expect(stops.budget).toBeGreaterThan(100);
        expect(stops.machine).toBeGreaterThan(10);
      }, 600_000);
    }
  }
});
