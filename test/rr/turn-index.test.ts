// The timeline's sparse index of turns and traps (src/rr/turn-index.ts) against the linear arrays the
// timeline used to keep (one entry per chunk and per trap, built by one pass over the log): on the
// shared demo recording, on a recording of the demo cut into many small blocks (turns and their
// traps across block boundaries), and on a synthetic one of turns of one step, every query gives
// the same answer at every turn boundary, around it and at random positions, for every hart.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { LinearClock } from '../../src/emulator/clock';
import { boot } from '../../src/emulator/loader/boot';
import { Machine, RunResult } from '../../src/emulator/machine';
import { EventLog } from '../../src/rr/event-log';
import { EventKind, parseRecording, ParsedRecording } from '../../src/rr/format';
import { decodeEvents } from './block-events';
import { RecordingTaps } from '../../src/rr/recorder';
import { Replayer } from '../../src/rr/replayer';
import { Session } from '../../src/rr/session';
import { TrapEvent, TurnIndex } from '../../src/rr/turn-index';
import { sharedRecording } from '../cli/recordings';
import { oneStepTurns } from './fixtures/generate';

const DEMO = path.resolve(__dirname, '../../guests/demo/demo.elf');

/** The index the timeline used to build: every chunk's start and hart, every hart's traps (as Timeline's constructor did). */
class LinearIndex {
  readonly chunkStart: number[] = [];
  readonly chunkHart: number[] = [];
  readonly traps: TrapEvent[][];
  readonly end: number;

  constructor(recording: ParsedRecording, start: number) {
    this.traps = Array.from({ length: recording.header.machine.harts }, () => []);
    let pos = start;
    let end = pos;
    let turnTraps: { position: number; hart: number; cause: number; interrupt: boolean }[] = [];
    for (const block of recording.blocks.slice(1)) {
      for (const e of decodeEvents(block).events) {
        if (e.kind === EventKind.Chunk) {
          for (const t of turnTraps) {
            const list = this.traps[t.hart];
            const atTurnStart = t.interrupt && t.hart === e.hart && t.position === pos;
            list.push({ hart: t.hart, position: t.position, cause: t.cause, interrupt: t.interrupt, atTurnStart, index: list.length });
          }
          turnTraps = [];
          this.chunkStart.push(pos);
          this.chunkHart.push(e.hart);
          pos += e.steps;
        } else if (e.kind === EventKind.Trap) turnTraps.push(e);
        else if (e.kind === EventKind.End) end = e.position;
      }
    }
    this.end = Math.max(end, pos);
  }

  chunkAt(position: number): number {
    let lo = 0;
    let hi = this.chunkStart.length - 1;
    if (hi < 0 || position < this.chunkStart[0]) return -1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.chunkStart[mid] <= position) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  chunkEnd(i: number): number {
    return i + 1 < this.chunkStart.length ? this.chunkStart[i + 1] : this.end;
  }

  isTurnStart(position: number): boolean {
    const i = this.chunkAt(position);
    return i >= 0 && this.chunkStart[i] === position;
  }

  previousStepOf(h: number, position: number): number | undefined {
    for (let i = this.chunkAt(position - 1); i >= 0; i--) {
      if (this.chunkHart[i] !== h) continue;
      const last = Math.min(this.chunkEnd(i), position) - 1;
      if (last >= this.chunkStart[i]) return last;
    }
    return undefined;
  }

  nextStepOf(h: number, position: number): number | undefined {
    for (let i = Math.max(0, this.chunkAt(position)); i < this.chunkStart.length; i++) {
      if (this.chunkHart[i] !== h) continue;
      const first = Math.max(this.chunkStart[i], position);
      if (first < this.chunkEnd(i)) return first;
    }
    return undefined;
  }

  hartAt(position: number): number | undefined {
    const i = this.chunkAt(position);
    return i < 0 || position >= this.chunkEnd(i) ? undefined : this.chunkHart[i];
  }

  lastTrapBefore(h: number, position: number): TrapEvent | undefined {
    const list = this.traps[h] ?? [];
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid].position < position) lo = mid + 1;
      else hi = mid;
    }
    return lo > 0 ? list[lo - 1] : undefined;
  }
}

/** Record the demo in memory (2 harts, virtual clock), a block every `slice` steps. */
function recordDemo(slice: number): ParsedRecording {
  const chunks: Uint8Array[] = [];
  const clock = new LinearClock();
  const taps = new RecordingTaps();
  let n = 0;
  const machine = new Machine({
    harts: 2, memSize: 256 << 20, clock, builtinSbi: true, console: { write: () => {} },
    entropy: taps.entropy({ fill: (buf) => { for (let i = 0; i < buf.length; i++) buf[i] = (n++ * 37) & 0xff; } }),
  });
  boot(machine, { kernel: fs.readFileSync(DEMO), kernelName: 'demo.elf', bios: { kind: 'builtin' }, bootargs: 'seed=5' });
  const session = new Session(machine, clock, taps);
  session.startRecording({ write: (b) => chunks.push(b.slice()) }, {
    samsara: 'test', created: '', command: 'test', bootargs: 'seed=5', images: [],
    machine: { harts: 2, memSize: 256 << 20, builtinSbi: true, entropy: true },
  });
  for (;;) {
    const r = session.run(slice);
    if (r === RunResult.Finished) break;
    if (r === RunResult.Idle) session.setClock(machine.nextTimerDeadline());
  }
  const f = machine.finished!;
  session.stopRecording(f.kind === 'poweroff' ? 'poweroff' : 'fatal', f.kind === 'poweroff' ? f.code : 0);
  return parseRecording(Buffer.concat(chunks));
}

function build(recording: ParsedRecording): { index: TurnIndex; linear: LinearIndex } {
  const start = new Replayer(recording, { write: () => {} }).position;
  return { index: new TurnIndex(recording, new EventLog(recording, 'test', start), start, 'test').indexAll(), linear: new LinearIndex(recording, start) };
}

/** Every turn boundary and its neighbours, the ends, and `random` positions in between. */
function positions(linear: LinearIndex, start: number, random: number): number[] {
  const set = new Set<number>([start - 1, start, start + 1, linear.end - 1, linear.end, linear.end + 1]);
  for (const s of linear.chunkStart) for (const d of [-1, 0, 1]) set.add(s + d);
  for (const traps of linear.traps) for (const t of traps) for (const d of [-1, 0, 1]) set.add(t.position + d);
  let seed = 4242;
  for (let i = 0; i < random; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    set.add(start + Math.floor((seed / 2 ** 32) * (linear.end - start)));
  }
  return [...set].filter((p) => p >= 0);
}

/** Compare every query at every position (every `stride`-th one, for the longer lists) for every hart. */
function compare(recording: ParsedRecording, random: number, stride = 1): { positions: number; segments: number; traps: number } {
  const { index, linear } = build(recording);
  expect(index.end).toBe(linear.end);
  const harts = recording.header.machine.harts;
  const all = positions(linear, index.start, random).filter((_, i) => i % stride === 0);
  const mismatches: string[] = [];
  const check = (what: string, got: unknown, want: unknown): void => {
    if (JSON.stringify(got) !== JSON.stringify(want) && mismatches.length < 10) mismatches.push(`${what}: ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
  };
  for (const p of all) {
    check(`isTurnStart(${p})`, index.isTurnStart(p), linear.isTurnStart(p));
    check(`hartAt(${p})`, index.hartAt(p), linear.hartAt(p));
    for (let h = 0; h < harts; h++) {
      check(`previousStepOf(${h}, ${p})`, index.previousStepOf(h, p), linear.previousStepOf(h, p));
      check(`nextStepOf(${h}, ${p})`, index.nextStepOf(h, p), linear.nextStepOf(h, p));
      check(`lastTrapBefore(${h}, ${p})`, index.lastTrapBefore(h, p), linear.lastTrapBefore(h, p));
    }
  }
  // Every trap by its number, and the previous trap of each (as previousTrap asks).
  let traps = 0;
  for (let h = 0; h < harts; h++) {
    const list = linear.traps[h];
    traps += list.length;
    for (let i = 0; i < list.length; i += stride) check(`trap(${h}, ${i})`, index.trap(h, i), list[i]);
    check(`trap(${h}, ${list.length})`, index.trap(h, list.length), undefined);
    check(`trap(${h}, -1)`, index.trap(h, -1), undefined);
  }
  expect(mismatches).toEqual([]);
  return { positions: all.length, segments: index.segments, traps };
}

describe('the turn and trap index', () => {
  let shared: ParsedRecording;
  beforeAll(() => {
    shared = parseRecording(fs.readFileSync(sharedRecording().file));
  }, 120_000);

  it('answers as the linear arrays did on the shared demo recording', () => {
    const r = compare(shared, 2000, 3);
    expect(r.traps).toBeGreaterThan(100);
    console.log(`demo: ${r.positions} positions, ${r.segments} segments, ${r.traps} traps`);
  }, 120_000);

  it('answers as the linear arrays did on the demo cut into blocks of 5,000 steps (turns across blocks)', () => {
    const r = compare(recordDemo(5000), 1000, 5);
    expect(r.segments).toBeGreaterThan(100);
    console.log(`demo in small blocks: ${r.positions} positions, ${r.segments} segments, ${r.traps} traps`);
  }, 300_000);

  it.each([
    ['small blocks', 4, 3000],
    ['blocks of several segments', 2, 200_000],
  ])('answers as the linear arrays did on turns of one step, hart 0 and 1 in turn, in %s', (_, blocks, size) => {
    const { bytes, turnsPerBlock, end } = oneStepTurns(blocks, size);
    const recording = parseRecording(bytes);
    compare(recording, 200, size > 10_000 ? 50 : 1);
    const { index } = build(recording);
    expect(index.segments).toBe(blocks * Math.ceil(size / (64 * 1024)) + 1); // and the End event's block
    expect(index.end).toBe(end);
    // Hart (p mod 2) takes the step at p: across a block boundary too.
    const b = turnsPerBlock;
    expect([index.hartAt(b - 1), index.hartAt(b), index.hartAt(end - 1), index.hartAt(end)]).toEqual([1, 0, 1, undefined]);
    expect([index.previousStepOf(1, b + 1), index.previousStepOf(0, b + 1), index.nextStepOf(1, b), index.nextStepOf(0, end - 1)]).toEqual([b - 1, b, b + 1, undefined]);
  });
});
