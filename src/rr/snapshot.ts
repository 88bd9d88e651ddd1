// A whole-machine snapshot as stored in a recording: the machine's state (harts, devices, scheduler),
// the clock, and the RAM pages that are not all zero.

import { LinearClock } from '../emulator/clock';
import { Machine, MachineState } from '../emulator/machine';
import { PAGE_SIZE } from '../emulator/bus';
import { ByteWriter, encodeJson } from './codec';
import { checkSnapshot } from './snapshot-check';

interface SnapshotJson {
  readonly machine: MachineState;
  readonly clock: { base: number; baseTime: number };
}

export function encodeSnapshot(machine: Machine, clock: LinearClock): Uint8Array {
  const w = new ByteWriter();
  const json = new TextEncoder().encode(encodeJson({ machine: machine.snapshotState(), clock: clock.snapshot() } satisfies SnapshotJson));
  w.bytes(json);
  const bus = machine.bus;
  const words = bus.ram32;
  const perPage = PAGE_SIZE / 4;
  const pages: number[] = [];
  for (let p = 0; p < bus.pages; p++) {
    if (!bus.used[p]) continue; // never written: all zeros
    const base = p * perPage;
    for (let i = 0; i < perPage; i++) {
      if (words[base + i] !== 0) { pages.push(p); break; }
    }
  }
  w.varint(pages.length);
  for (const p of pages) {
    w.varint(p);
    w.raw(bus.ram.subarray(p * PAGE_SIZE, (p + 1) * PAGE_SIZE));
  }
  return w.take();
}

/**
 * Restore a recording's snapshot into a machine built from the recording's header. The whole
 * snapshot is checked first (snapshot-check.ts): a bad one throws FormatError naming the field, and
 * then nothing has changed.
 */
export function restoreSnapshot(payload: Uint8Array, machine: Machine, clock: LinearClock, name = 'snapshot'): void {
  const s = checkSnapshot(payload, machine, name);
  const bus = machine.bus;
  // Only pages in use can hold anything: the others are zero (RAM is committed lazily, so zeroing
  // all of it cost about 1.2 s of CPU for 256 MiB at every replay's start).
  for (let p = 0; p < bus.pages; p++) if (bus.used[p]) bus.ram.fill(0, p * PAGE_SIZE, (p + 1) * PAGE_SIZE);
  bus.used.fill(0);
  for (const { page, offset } of s.pages) {
    bus.ram.set(payload.subarray(offset, offset + PAGE_SIZE), page * PAGE_SIZE);
    bus.used[page] = 1;
  }
  machine.restoreState(s.machine);
  clock.restore(s.clock);
}

/** A digest of every hart's architectural state (registers, pc, privilege, main CSRs). */
export function hartsDigest(machine: Machine): number {
  let h = 0x811c9dc5;
  const mix = (v: number): void => {
    h = Math.imul(h ^ (v | 0), 0x01000193);
  };
  for (const hart of machine.harts) {
    for (let i = 0; i < 64; i++) mix(hart.x[i]);
    for (let i = 0; i < 64; i++) mix(hart.f[i]);
    mix(hart.pcLo); mix(hart.pcHi); mix(hart.priv); mix(hart.mstatus); mix(hart.satpLo); mix(hart.satpHi);
    mix(hart.mie); mix(hart.mipSw | hart.mipHw); mix(hart.instret); mix(hart.steps);
  }
  return h >>> 0;
}

/** A digest of all of RAM. Zero pages contribute nothing, so pages never written are skipped. */
export function memoryDigest(machine: Machine): number {
  const bus = machine.bus;
  const words = bus.ram32;
  const perPage = PAGE_SIZE / 4;
  let a = 0x811c9dc5;
  let b = 0;
  for (let p = 0; p < bus.pages; p++) {
    if (!bus.used[p]) continue;
    const base = p * perPage;
    let zero = true;
    for (let i = 0; i < perPage; i++) if (words[base + i] !== 0) { zero = false; break; }
    if (zero) continue; // a zero page contributes nothing, wherever it came from
    a = Math.imul(a ^ p, 0x01000193);
    for (let i = 0; i < perPage; i++) {
      a = Math.imul(a ^ words[base + i], 0x01000193);
      b = (b + words[base + i]) | 0;
    }
  }
  return (a ^ Math.imul(b, 0x9e3779b1)) >>> 0;
}
