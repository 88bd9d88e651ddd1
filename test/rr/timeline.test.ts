// The timeline on a recording of the racy demo guest: seeks land on exactly the state a straight
// replay reaches, stepping back goes to the hart's previous step, continuing backward stops at the
// last breakpoint hit, and a backward watchpoint on the corrupted reference count stops at the
// racy store.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { LinearClock } from '../../src/emulator/clock';
import { peekCsr } from '../../src/emulator/hart/csr';
import { boot } from '../../src/emulator/loader/boot';
import { Machine, RunResult } from '../../src/emulator/machine';
import { BlockKind, decodeEvent, encodeBlock, encodeEvent, encodeFileHeader, Event, EventKind, inflateBlock, parseRecording, ParsedRecording } from '../../src/rr/format';
import { EventLog } from '../../src/rr/event-log';
import { CheckpointStore } from '../../src/rr/checkpoints';
import { ByteWriter } from '../../src/rr/codec';
import { RecordingTaps } from '../../src/rr/recorder';
import { Replayer } from '../../src/rr/replayer';
import { Session } from '../../src/rr/session';
import { hartsDigest, memoryDigest } from '../../src/rr/snapshot';
import { Timeline } from '../../src/rr/timeline';
import { requireTool } from '../cli/helpers';
import { sharedRecording } from '../cli/recordings';

const DEMO = path.resolve(__dirname, '../../guests/demo/demo.elf');
const NO_NM = requireTool('riscv64-unknown-elf-nm', 'the timeline tests find the demo\'s functions with it; scripts/setup-debian installs it (binutils-riscv64-unknown-elf)');
const NO_ADDR2LINE = requireTool('riscv64-unknown-elf-addr2line', 'the watchpoint test checks the source line of the racy store with it; scripts/setup-debian installs it (binutils-riscv64-unknown-elf)');

/** Record the demo in memory with a virtual clock: deterministic. */
function recordDemo(bootargs: string): { recording: ParsedRecording; console: string } {
  const chunks: Uint8Array[] = [];
  let out = '';
  const clock = new LinearClock();
  const taps = new RecordingTaps();
  let n = 0;
  const machine = new Machine({
    harts: 2, memSize: 256 << 20, clock, builtinSbi: true,
    console: { write: (b) => { out += Buffer.from(b).toString('latin1'); } },
    entropy: taps.entropy({ fill: (buf) => { for (let i = 0; i < buf.length; i++) buf[i] = (n++ * 37) & 0xff; } }),
  });
  boot(machine, { kernel: fs.readFileSync(DEMO), kernelName: 'demo.elf', bios: { kind: 'builtin' }, bootargs });
  const session = new Session(machine, clock, taps);
  session.startRecording({ write: (b) => chunks.push(b.slice()) }, {
    samsara: 'test', created: '', command: 'test', bootargs, images: [],
    machine: { harts: 2, memSize: 256 << 20, builtinSbi: true, entropy: true },
  });
  for (;;) {
    const r = session.run(2_000_000);
    if (r === RunResult.Finished) break;
    if (r === RunResult.Idle) session.setClock(machine.nextTimerDeadline());
  }
  const f = machine.finished!;
  session.stopRecording(f.kind === 'poweroff' ? 'poweroff' : 'fatal', f.kind === 'poweroff' ? f.code : 0);
  return { recording: parseRecording(Buffer.concat(chunks)), console: out };
}

/** An events block's start position and its events, read as replay reads them (EventLog: checked). */
function decodeEvents(log: EventLog, index: number): { start: number; events: Event[] } {
  const r = log.reader(index);
  const events: Event[] = [];
  while (!r.done) events.push(decodeEvent(r));
  return { start: log.block(index).start, events };
}

function state(m: Machine): string {
  return `${hartsDigest(m)}:${memoryDigest(m)}`;
}

/** The recording's traps, and the position where each chunk (a hart's turn) begins, with its hart. */
function events(recording: ParsedRecording): { traps: { position: number; hart: number; cause: number; interrupt: boolean }[]; turns: Map<number, number> } {
  const traps = [];
  const turns = new Map<number, number>();
  let position = 0;
  const log = new EventLog(recording);
  for (const [i, block] of recording.blocks.entries()) {
    if (block.kind !== BlockKind.Events) continue;
    for (const e of decodeEvents(log, i).events) {
      if (e.kind === EventKind.Chunk) {
        turns.set(position, e.hart);
        position += e.steps;
      } else if (e.kind === EventKind.Trap) traps.push(e);
    }
  }
  return { traps, turns };
}

const STVEC = 0x105;
const SEPC = 0x141;
const SCAUSE = 0x142;

function symbol(name: string): bigint {
  const nm = spawnSync('riscv64-unknown-elf-nm', [DEMO], { encoding: 'utf8' });
  return BigInt('0x' + new RegExp(`^([0-9a-f]+) T ${name}$`, 'm').exec(nm.stdout)![1]);
}

describe('the timeline', () => {
  let rec: { recording: ParsedRecording; console: string };
  beforeAll(() => {
    // The recording the gdb and debug adapter tests use too, made once per run by `samsara record`.
    const shared = sharedRecording();
    rec = { recording: parseRecording(fs.readFileSync(shared.file)), console: shared.stdout };
  }, 120_000);

  it('the recording hits the race (an oops from obj_put)', () => {
    expect(rec.console).toContain('kernel BUG at objects.c');
    expect(rec.console).toMatch(/\] obj_put\+0x/);
  });

  it('seeking to 100 random positions gives the state a straight replay reaches', () => {
    const tl = new Timeline(rec.recording, undefined, { interval: 1_000_000 });
    let seed = 12345;
    const random = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const targets = Array.from({ length: 100 }, () => tl.start + Math.floor(random() * (tl.end - tl.start)));
    // The straight replay, in order.
    const straight = new Replayer(rec.recording, { write: () => {} });
    const expected = new Map<number, string>();
    for (const t of [...targets].sort((a, b) => a - b)) {
      straight.runTo(t);
      expect(straight.position).toBe(t);
      expected.set(t, state(straight.machine));
    }
    for (const t of targets) {
      tl.seek(t);
      expect(tl.position).toBe(t);
      expect(state(tl.machine)).toBe(expected.get(t));
    }
    expect(tl.checkpointCount).toBeGreaterThan(5);
  });

  it('stepping back from p gives the state at the hart\'s previous step', () => {
    const tl = new Timeline(rec.recording);
    const straight = new Replayer(rec.recording, { write: () => {} });
    const p = tl.start + Math.floor((tl.end - tl.start) * 0.6);
    tl.seek(p);
    for (const hart of [0, 1, 0, 0, 1]) {
      const before = tl.position;
      const prev = tl.previousStepOf(hart, before)!;
      expect(prev).toBeLessThan(before);
      expect(tl.hartAt(prev)).toBe(hart);
      const reason = tl.stepBackward(hart);
      expect(reason).toEqual({ kind: 'step', hart });
      expect(tl.position).toBe(prev);
      const check = new Replayer(rec.recording, { write: () => {} });
      check.runTo(prev);
      expect(state(tl.machine)).toBe(state(check.machine));
    }
    // Forward again by one step of hart 1: its pc moves past one instruction.
    const at = tl.position;
    const next = tl.nextStepOf(1, at)!;
    tl.stepForward(1);
    expect(tl.position).toBe(next + 1);
    straight.runTo(next + 1);
    expect(state(tl.machine)).toBe(state(straight.machine));
  });

  it.skipIf(NO_NM)('continue backward stops at the last breakpoint hit before the current position', () => {
    const nm = spawnSync('riscv64-unknown-elf-nm', [DEMO], { encoding: 'utf8' });
    const lookup = BigInt('0x' + /^([0-9a-f]+) T obj_lookup$/m.exec(nm.stdout)![1]);
    const tl = new Timeline(rec.recording);
    tl.seek(tl.start + Math.floor((tl.end - tl.start) * 0.5));
    const origin = tl.position;
    tl.setBreakpoints([lookup]);
    const stop = tl.continueBackward();
    expect(stop.kind).toBe('breakpoint');
    const hitAt = tl.position;
    expect(hitAt).toBeLessThan(origin);
    const hart = (stop as { hart: number }).hart;
    expect(BigInt.asUintN(64, BigInt(tl.hart(hart).pc))).toBe(lookup);
    // No hit between there and the origin: continuing forward stops at or after the origin.
    const next = tl.continueForward();
    expect(next.kind).toBe('breakpoint');
    expect(tl.position).toBeGreaterThanOrEqual(origin);
    // And continuing backward from there comes back to the same hit, or a later one before it.
    tl.seek(origin);
    tl.continueBackward();
    expect(tl.position).toBe(hitAt);
  });

  it.skipIf(NO_NM)('a continue in slices stops at a hit that falls exactly at a slice boundary, and a backward search at a checkpoint\'s position', () => {
    const nm = spawnSync('riscv64-unknown-elf-nm', [DEMO], { encoding: 'utf8' });
    const put = BigInt('0x' + /^([0-9a-f]+) T obj_put$/m.exec(nm.stdout)![1]);
    const tl = new Timeline(rec.recording, undefined, { interval: 100_000 });
    tl.setBreakpoints([put]);
    expect(tl.continueForward().kind).toBe('breakpoint');
    const first = tl.position;
    tl.seek(tl.start);
    // A slice that ends at the hit's position, then the next slice of the same continue.
    expect(tl.continueForward(first).kind).toBe('limit');
    expect(tl.position).toBe(first);
    const r = tl.continueForward(first + 1_000_000, false);
    expect(r.kind).toBe('breakpoint');
    expect(tl.position).toBe(first);
    // From a little after it, backward: the hit is found wherever the checkpoints fall.
    tl.seek(first + 5);
    expect(tl.continueBackward().kind).toBe('breakpoint');
    expect(tl.position).toBe(first);
  });

  it('a backward continue to a breakpoint at the first step of a turn that begins with an interrupt shows the state after the trap, as a forward continue does', () => {
    // The first interrupt taken as a hart's turn begins (the timer: the demo's interrupts all are).
    const { traps, turns } = events(rec.recording);
    const irq = traps.find((e) => e.interrupt && turns.get(e.position) === e.hart)!;
    expect(irq).toBeDefined();
    const tl = new Timeline(rec.recording);
    tl.seek(irq.position - 10);
    const handler = peekCsr(tl.hart(irq.hart), STVEC)! & ~3n;
    tl.setBreakpoints([handler]);
    const forward = tl.continueForward();
    expect(forward).toEqual({ kind: 'breakpoint', hart: irq.hart, pc: handler });
    expect(tl.position).toBe(irq.position);
    const h = tl.hart(irq.hart);
    expect(peekCsr(h, SCAUSE)).toBe((1n << 63n) | BigInt(irq.cause));
    const sepc = peekCsr(h, SEPC)!;
    expect(sepc).not.toBe(handler);
    const after = state(tl.machine);
    // From inside the handler, backward to its first step.
    tl.seek(irq.position + 20);
    const backward = tl.continueBackward();
    expect(backward).toEqual(forward);
    expect(tl.position).toBe(irq.position);
    expect(BigInt.asUintN(64, BigInt(tl.hart(irq.hart).pc))).toBe(handler);
    expect(peekCsr(tl.hart(irq.hart), SCAUSE)).toBe((1n << 63n) | BigInt(irq.cause));
    expect(peekCsr(tl.hart(irq.hart), SEPC)).toBe(sepc);
    expect(state(tl.machine)).toBe(after);
  });

  it('an interrupt taken as a turn begins: found in the trap index; one position with two states, stepped between by either hart step', () => {
    const { traps, turns } = events(rec.recording);
    const irq = traps.find((e) => e.interrupt && turns.get(e.position) === e.hart)!;
    const tl = new Timeline(rec.recording);
    const h = irq.hart;
    const trap = tl.lastTrapBefore(h, irq.position + 1)!;
    expect(trap).toMatchObject({ hart: h, position: irq.position, cause: irq.cause, interrupt: true, atTurnStart: true });
    expect(tl.lastTrapBefore(h, irq.position)?.position ?? -1).toBeLessThan(irq.position);
    expect(tl.previousTrap(trap)).toEqual(tl.lastTrapBefore(h, irq.position));
    expect(tl.trapState(trap, 'before')).toEqual({ position: irq.position, entered: false });
    expect(tl.trapState(trap, 'after')).toEqual({ position: irq.position, entered: true });
    // After the trap: the handler's first instruction (a seek to the position takes it).
    tl.seek(irq.position);
    const handler = peekCsr(tl.hart(h), STVEC)! & ~3n;
    const sepc = peekCsr(tl.hart(h), SEPC)!;
    expect(BigInt.asUintN(64, BigInt(tl.hart(h).pc))).toBe(handler);
    expect(tl.lastTrapTaken(h)).toEqual(trap);
    const after = state(tl.machine);
    // One step back: the instruction it interrupted, at the same position, as a straight replay to
    // there leaves it (the turn not begun).
    expect(tl.stepBackward(h)).toEqual({ kind: 'step', hart: h });
    expect(tl.position).toBe(irq.position);
    expect(BigInt.asUintN(64, BigInt(tl.hart(h).pc))).toBe(sepc);
    expect(tl.lastTrapTaken(h)).toEqual(tl.previousTrap(trap));
    const straight = new Replayer(rec.recording, { write: () => {} });
    straight.runTo(irq.position);
    expect(state(tl.machine)).toBe(state(straight.machine));
    // One step forward: the handler's first instruction again; then its second.
    expect(tl.stepForward(h)).toEqual({ kind: 'step', hart: h });
    expect(tl.position).toBe(irq.position);
    expect(state(tl.machine)).toBe(after);
    tl.stepForward(h);
    expect(tl.position).toBe(irq.position + 1);
    // From the hart's last step before the turn, one step forward is the instruction it interrupted.
    const previous = tl.previousStepOf(h, irq.position)!;
    tl.seek(previous);
    tl.stepForward(h);
    expect(tl.position).toBe(previous + 1);
    expect(BigInt.asUintN(64, BigInt(tl.hart(h).pc))).toBe(sepc);
    tl.stepForward(h);
    expect(tl.position).toBe(irq.position);
    expect(state(tl.machine)).toBe(after);
  });

  it.skipIf(NO_NM)('a physical breakpoint still stops a continue after a seek, alone or beside virtual ones', () => {
    const put = symbol('obj_put');
    const tl = new Timeline(rec.recording);
    const mid = tl.start + Math.floor((tl.end - tl.start) * 0.3);
    tl.seek(mid);
    const pa = tl.machine.virtualToPhysical(tl.hart(0), put)!;
    expect(pa).toBeDefined();
    // 0x1000: no code there, never hit.
    for (const virtual of [[], [0x1000n]]) {
      tl.setBreakpoints(virtual, [pa]);
      // Seeks forward a little, backward (from a checkpoint), and forward over many calls of obj_put.
      for (const from of [mid + 1000, tl.start + 1000, mid]) {
        tl.seek(from);
        expect(tl.position).toBe(from);
        const stop = tl.continueForward();
        expect(stop.kind, `virtual ${virtual}, from ${from}`).toBe('breakpoint');
        expect(BigInt.asUintN(64, BigInt(tl.hart((stop as { hart: number }).hart).pc))).toBe(put);
      }
    }
  });

  it('checkpoints within a small budget: the running byte total is the sum of the kept checkpoints\' and stays within it; each kept one restores its position\'s state', () => {
    const replayer = new Replayer(rec.recording, { write: () => {} });
    const straight = new Replayer(rec.recording, { write: () => {} });
    const first = new CheckpointStore(new Replayer(rec.recording, { write: () => {} }), Infinity).bytes;
    const budget = first + 48 * 4096;
    const store = new CheckpointStore(replayer, budget);
    const total = (): number => store.sizes().reduce((sum, c) => sum + c.bytes, 0);
    let evicted = 0;
    for (let p = 250_000; p < replayer.machine.position + 10_000_000 && !replayer.ended; p += 250_000) {
      replayer.runTo(p);
      replayer.finishTurn();
      const count = store.count;
      store.take();
      if (store.count <= count) evicted++;
      expect(store.bytes).toBe(total());
      expect(store.bytes).toBeLessThanOrEqual(budget);
    }
    expect(evicted).toBeGreaterThan(10);
    expect(store.count).toBeGreaterThan(2);
    // Evicting moved a dropped checkpoint's pages to the next one: every kept one is still exact.
    for (const { position } of store.sizes()) {
      store.restore(store.atOrBefore(position));
      straight.runTo(position);
      expect(replayer.position).toBe(position);
      expect(state(replayer.machine)).toBe(state(straight.machine));
    }
  });

  it.skipIf(NO_NM)('a backward watchpoint on the corrupted reference count stops at the racy store in obj_put', () => {
    // The oops names the object: obj_put's argument, a0.
    const a0 = BigInt('0x' + / a0 : ([0-9a-f]{16})/.exec(rec.console)![1]);
    const refcnt = a0 + 24n; // struct object: magic (8), node (16), refcnt
    const nm = spawnSync('riscv64-unknown-elf-nm', ['-S', DEMO], { encoding: 'utf8' }).stdout;
    const [, start, size] = /^([0-9a-f]+) ([0-9a-f]+) T obj_put$/m.exec(nm)!;
    const putStart = BigInt('0x' + start);
    const putEnd = putStart + BigInt('0x' + size);

    const tl = new Timeline(rec.recording);
    tl.seek(tl.end);
    const pa = tl.machine.virtualToPhysical(tl.hart(0), refcnt)!;
    expect(pa).toBeDefined();
    tl.setWatchpoints([{ start: pa, length: 4, kind: 'write' }]);
    const stop = tl.continueBackward();
    expect(stop.kind).toBe('watchpoint');
    const hart = tl.hart((stop as { hart: number }).hart);
    const pc = BigInt.asUintN(64, BigInt(hart.pc));
    expect(pc >= putStart && pc < putEnd).toBe(true);
    if (!NO_ADDR2LINE) { // (without it, requireTool said so: the stop in obj_put is still checked)
      const line = spawnSync('riscv64-unknown-elf-addr2line', ['-e', DEMO, `0x${pc.toString(16)}`], { encoding: 'utf8' }).stdout.trim();
      expect(line).toMatch(/objects\.c:126/); // WRITE_ONCE(obj->refcnt, ref - 1): the racy store
    }
  });
});

describe('the timeline: event stops and diversions', () => {
  let rec: { recording: ParsedRecording; console: string };
  beforeAll(() => {
    rec = recordDemo(''); // no seed: the demo takes its entropy from the device
  }, 120_000);

  it('continue forward and backward stop at input events and at interrupts', () => {
    const tl = new Timeline(rec.recording);
    tl.setEventStops({ kinds: [EventKind.Entropy] });
    const fwd = tl.continueForward();
    expect(fwd.kind).toBe('input');
    const entropyAt = tl.position;
    tl.seek(tl.end);
    const back = tl.continueBackward();
    expect(back.kind).toBe('input');
    // Forward, the stop comes after the instruction whose device access took the entropy; backward,
    // before it (as gdb does for watchpoints: that instruction is the next to run).
    expect(tl.position).toBe(entropyAt - 1);
    tl.setEventStops({ interrupt: true });
    const irq = tl.continueForward();
    expect(irq).toMatchObject({ kind: 'event', interrupt: true, cause: 5 }); // the supervisor timer
  });

  it('writes go to a throwaway copy; the replay is untouched', () => {
    const tl = new Timeline(rec.recording);
    tl.seek(Math.floor((tl.start + tl.end) / 2));
    const before = state(tl.machine);
    const copy = tl.diversion();
    expect(state(copy)).toBe(before);
    copy.harts[0].setReg(10, 0x1234n);
    copy.bus.ram.fill(0xab, 0, 4096);
    copy.run(10_000);
    expect(state(tl.machine)).toBe(before);
    tl.stepForward(0);
    tl.stepBackward(0);
    expect(state(tl.machine)).toBe(before);
  });
});

describe('divergence', () => {
  it('a recording whose entropy was changed is caught with the position and pc', () => {
    const { recording } = recordDemo('');
    // Rebuild the recording with one entropy byte changed: a well-formed file that lies.
    const log = new EventLog(recording);
    const blocks = recording.blocks.map((b, i) => {
      if (b.kind !== BlockKind.Events) return encodeBlock(b.kind, b.sequence, inflateBlock(b));
      const { start, events } = decodeEvents(log, i);
      const w = new ByteWriter();
      w.varint(start);
      for (const e of events) {
        if (e.kind === EventKind.Entropy) e.data[0] ^= 0xff;
        encodeEvent(w, e);
      }
      return encodeBlock(b.kind, b.sequence, w.take());
    });
    const file = Buffer.concat([encodeFileHeader(recording.header), ...blocks]);
    const replayer = new Replayer(parseRecording(file), { write: () => {} }, 'lying.rec');
    expect(() => replayer.runTo()).toThrow(/lying\.rec: replay diverged at position \d+ \(hart 0 pc 0x[0-9a-f]+, hart 1 pc 0x[0-9a-f]+\): (the harts' state differs|memory differs)/);
  });
});
