// The timeline: the one object that owns time in a replay (after rr's ReplayTimeline and QEMU's
// replay-debugging.c). A position is exact: the number of steps (instructions retired plus
// exceptions) all harts have taken. Checkpoints are taken as replay goes; seek restores the nearest
// checkpoint at or before the target and replays forward; stepping back is a seek to the hart's
// previous step; continuing backward replays earlier intervals forward, remembering the last hit.
// Breakpoints and watchpoints belong to the timeline and are never part of a checkpoint.

import { PAGE_SIZE } from '../emulator/bus';
import { Hart } from '../emulator/hart/hart';
import { LinearClock } from '../emulator/clock';
import { Machine, MachineState } from '../emulator/machine';
import { ConsolePort } from '../emulator/ports';
import { BlockKind, decodeEvents, EventKind, ParsedRecording } from './format';
import { ReplayCursor, Replayer } from './replayer';

interface Checkpoint {
  position: number;
  state: MachineState;
  clock: { base: number; baseTime: number };
  cursor: ReplayCursor;
  /** RAM pages written since the previous checkpoint, as they are at this one. */
  pages: Map<number, Uint8Array>;
  bytes: number;
}

export type WatchKind = 'read' | 'write' | 'access';

export interface Watchpoint {
  /** Physical address range [start, start + length). */
  start: number;
  length: number;
  kind: WatchKind;
}

/** Events a continue can stop at, besides breakpoints and watchpoints. */
export interface EventStops {
  /** Any trap (exception or interrupt). */
  trap?: boolean;
  interrupt?: boolean;
  /** ecall from U-mode. */
  syscall?: boolean;
  /** Exceptions with these causes. */
  causes?: number[];
  /** Input events of these kinds (EventKind.Clock, Input, Entropy, BlockRead). */
  kinds?: EventKind[];
}

export type StopReason =
  | { kind: 'breakpoint'; hart: number; pc: bigint }
  | { kind: 'watchpoint'; hart: number; address: number; access: 'read' | 'write' }
  | { kind: 'event'; hart: number; cause: number; interrupt: boolean }
  | { kind: 'input'; event: EventKind; position: number }
  | { kind: 'step'; hart: number }
  | { kind: 'start' }
  | { kind: 'end' }
  | { kind: 'limit' };

interface Hit {
  position: number;
  reason: StopReason;
}

export interface TimelineOptions {
  /** Memory for checkpoints, in bytes (default 1 GiB). */
  checkpointBudget?: number;
  /** Steps between checkpoints taken while replaying forward (default 2,000,000). */
  interval?: number;
}

export class Timeline {
  readonly replayer: Replayer;
  private readonly checkpoints: Checkpoint[] = [];
  /** The checkpoint whose RAM the current RAM is, plus the pages marked dirty since. */
  private ramBase = 0;
  /** For each RAM page, the indices (into checkpoints) of the checkpoints holding a copy, ascending. */
  private readonly budget: number;
  private readonly interval: number;
  private breakpointPcs: bigint[] = [];
  private watchpoints: Watchpoint[] = [];
  private removeWatches: (() => void)[] = [];
  private events: EventStops = {};
  private breakpointCondition: ((hart: number, pc: bigint, position: number) => boolean) | undefined;
  /** Chunk index: start position, hart and length of every turn in the recording, in order. */
  private readonly chunkStart: number[] = [];
  private readonly chunkHart: number[] = [];
  /** Hits seen while scanning (reverse continue collects them; forward continue stops at the first). */
  private hits: Hit[] | undefined;
  private pendingWatchHit: Hit | undefined;
  private pendingEventHit: Hit | undefined;
  readonly start: number;
  readonly end: number;

  constructor(readonly recording: ParsedRecording, console: ConsolePort = { write: () => {} }, options: TimelineOptions = {}, name = 'recording') {
    this.budget = options.checkpointBudget ?? 2 ** 30;
    this.interval = options.interval ?? 2_000_000;
    this.replayer = new Replayer(recording, console, name);
    this.start = this.replayer.position;
    // Index the chunk log, to find any hart's previous step and the recording's end.
    let pos = this.start;
    let end = pos;
    for (const block of recording.blocks) {
      if (block.kind !== BlockKind.Events) continue;
      for (const e of decodeEvents(block, name).events) {
        if (e.kind === EventKind.Chunk) {
          this.chunkStart.push(pos);
          this.chunkHart.push(e.hart);
          pos += e.steps;
        } else if (e.kind === EventKind.End) end = e.position;
      }
    }
    this.end = Math.max(end, pos);
    this.replayer.onTrap = (hart, cause, interrupt) => this.trapSeen(hart, cause, interrupt);
    this.replayer.onInput = (kind, position) => {
      if (!this.hits || !this.events.kinds?.includes(kind)) return;
      this.pendingEventHit = { position, reason: { kind: 'input', event: kind, position } };
      this.machine.debugStop = true;
    };
    this.machine.bus.clearDirty();
    this.checkpoints.push(this.capture(this.allPages()));
  }

  get machine() {
    return this.replayer.machine;
  }

  get position(): number {
    return this.replayer.position;
  }

  get checkpointCount(): number {
    return this.checkpoints.length;
  }

  get checkpointBytes(): number {
    return this.checkpoints.reduce((n, c) => n + c.bytes, 0);
  }

  checkpointPositions(): number[] {
    return this.checkpoints.map((c) => c.position);
  }

  // --- Breakpoints, watchpoints, event stops ---------------------------------------------------------

  setBreakpoints(virtualPcs: bigint[], physicalPcs: number[] = []): void {
    this.breakpointPcs = virtualPcs.map((p) => BigInt.asUintN(64, p));
    this.machine.breakpoints.set(virtualPcs, physicalPcs);
  }

  setWatchpoints(watchpoints: Watchpoint[]): void {
    this.removeWatches.forEach((r) => r());
    this.removeWatches = [];
    this.watchpoints = watchpoints;
    const bus = this.machine.bus;
    for (const w of watchpoints) {
      if (w.kind !== 'read') this.removeWatches.push(bus.watchStores(w.start, w.length, (pa) => this.watchSeen(pa, 'write')));
      if (w.kind !== 'write') this.removeWatches.push(bus.watchLoads(w.start, w.length, (pa) => this.watchSeen(pa, 'read')));
    }
  }

  /**
   * A breakpoint's condition: called at each breakpoint hit with the machine as it is there (the
   * hart about to execute `pc`); a hit for which it returns false is passed over, in continues in
   * both directions. None: every hit counts.
   */
  setBreakpointCondition(condition: ((hart: number, pc: bigint, position: number) => boolean) | undefined): void {
    this.breakpointCondition = condition;
  }

  setEventStops(stops: EventStops): void {
    this.events = stops;
  }

  private currentHart(): number {
    return this.replayer.turnHart ?? this.machine.harts.findIndex((h) => !h.stopped);
  }

  private watchSeen(address: number, access: 'read' | 'write'): void {
    if (!this.hits) return;
    const hart = this.currentHart();
    this.pendingWatchHit = { position: this.position, reason: { kind: 'watchpoint', hart, address, access } };
    this.machine.debugStop = true;
  }

  private trapSeen(hart: number, cause: number, interrupt: boolean): void {
    if (!this.hits) return;
    const e = this.events;
    const match = e.trap || (interrupt && e.interrupt) || (!interrupt && e.syscall && cause === 8) || (!interrupt && e.causes?.includes(cause));
    if (!match) return;
    this.pendingEventHit = { position: this.position, reason: { kind: 'event', hart, cause, interrupt } };
    this.machine.debugStop = true;
  }

  // --- Moving in time --------------------------------------------------------------------------------

  /** Go to an exact position (clamped to the recording). */
  seek(target: number): void {
    target = Math.max(this.start, Math.min(this.end, target));
    if (target === this.position) return;
    const cp = this.nearestCheckpoint(target);
    // Replay forward from here if that is no further than from the checkpoint.
    if (!(target > this.position && this.position >= cp.position)) this.restore(cp);
    this.withoutStops(() => this.forward(target));
  }

  /** One step forward of hart `hart` (its next instruction; other harts run as recorded in between). */
  stepForward(hart: number): StopReason {
    const next = this.nextStepOf(hart, this.position);
    if (next === undefined) {
      this.seek(this.end);
      return { kind: 'end' };
    }
    this.seek(next + 1);
    return { kind: 'step', hart };
  }

  /** One step backward of hart `hart`: to the position just before its previous step. */
  stepBackward(hart: number): StopReason {
    const prev = this.previousStepOf(hart, this.position);
    if (prev === undefined) {
      this.seek(this.start);
      return { kind: 'start' };
    }
    this.seek(prev);
    return { kind: 'step', hart };
  }

  /**
   * Continue forward to the next breakpoint, watchpoint or event stop, or the end. With `until`,
   * stop there ({ kind: 'limit' }) if nothing is hit before: a caller that must stay responsive
   * (to an interrupt from gdb, say) continues in slices.
   */
  continueForward(until = this.end, stepOver = true): StopReason {
    this.hits = [];
    try {
      // The hart about to take the next step goes past a breakpoint it sits on (it stopped there);
      // a later slice of the same continue (stepOver false) does not, or a hit that happens to
      // fall at a slice's end would be lost.
      this.armStepOver(stepOver ? this.hartAt(this.position) : undefined);
      for (;;) {
        this.forward(until);
        const stoppedHart = this.replayer.stoppedBy?.hart;
        const hit = this.takeHit();
        if (hit === 'passed') {
          this.armStepOver(stoppedHart);
          continue;
        }
        if (hit) return hit.reason;
        if (this.position >= this.end || this.replayer.ended) return { kind: 'end' };
        if (this.position >= until) return { kind: 'limit' };
        if (!this.replayer.stoppedBy) return { kind: 'end' }; // a cut-off recording
      }
    } finally {
      this.hits = undefined;
    }
  }

  /**
   * Continue backward to the last breakpoint, watchpoint or event stop before the current position,
   * or the start. Earlier intervals are replayed forward from their checkpoints, keeping the last hit.
   */
  continueBackward(): StopReason {
    const search = this.backwardSearch();
    for (;;) {
      const r = search.step();
      if (r) return r;
    }
  }

  /**
   * A backward continue taken one interval at a time: each step() replays the interval before the
   * last one searched and returns the stop if it found one (or reached the start), else undefined.
   * Between steps the machine is at the start of the last interval searched.
   */
  backwardSearch(): { step(): StopReason | undefined } {
    const origin = this.position;
    let end = origin;
    return {
      step: (): StopReason | undefined => {
        if (end <= this.start) {
          this.seek(this.start);
          return { kind: 'start' };
        }
        const cp = this.nearestCheckpoint(end - 1);
        this.restore(cp);
        const hits = this.scan(end);
        const last = hits.filter((h) => h.position < origin).pop();
        if (last) {
          this.withoutStops(() => this.seekExact(last.position));
          return last.reason;
        }
        end = cp.position;
        this.restore(cp);
        return undefined;
      },
    };
  }

  /** Replay forward from the current position to `end`, collecting every hit on the way. */
  private scan(end: number): Hit[] {
    this.hits = [];
    const all: Hit[] = [];
    try {
      this.armStepOver(undefined); // a hit at the interval's first position counts
      while (this.position < end) {
        this.forward(end);
        const stoppedHart = this.replayer.stoppedBy?.hart;
        const hit = this.takeHit();
        if (hit) {
          if (hit !== 'passed') all.push(hit);
          this.armStepOver(stoppedHart);
        } else if (!this.replayer.stoppedBy) break;
      }
    } finally {
      this.hits = undefined;
    }
    return all;
  }

  /**
   * The hit that made the replayer stop, if any (breakpoints are found here; watch/event hooks set
   * theirs), or 'passed' for a breakpoint hit whose condition is false.
   */
  private takeHit(): Hit | 'passed' | undefined {
    const stop = this.replayer.stoppedBy;
    if (!stop) return undefined;
    if (stop.kind === 'breakpoint') {
      const pc = BigInt.asUintN(64, BigInt(this.machine.harts[stop.hart].pc));
      if (this.breakpointCondition && !this.breakpointCondition(stop.hart, pc, this.position)) return 'passed';
      return { position: this.position, reason: { kind: 'breakpoint', hart: stop.hart, pc } };
    }
    const hit = this.pendingWatchHit ?? this.pendingEventHit;
    this.pendingWatchHit = this.pendingEventHit = undefined;
    return hit;
  }

  /** Make every hart that sits on a breakpoint execute that instruction once when it runs on. */
  /**
   * Make hart `hart` (the one that stopped, or is about to step) execute the instruction it sits on
   * once even if a breakpoint is there; no other hart: each of them stops at a breakpoint it sits
   * on when it next runs.
   */
  private armStepOver(hart: number | undefined): void {
    for (const h of this.machine.harts) {
      h.stepOverArmed = h.id === hart && this.breakpointPcs.includes(BigInt.asUintN(64, BigInt(h.pc)));
      h.stepOverLo = h.pcLo;
      h.stepOverHi = h.pcHi;
    }
  }

  private withoutStops(fn: () => void): void {
    const saved = this.breakpointPcs;
    const savedWatches = this.watchpoints;
    if (saved.length) this.machine.breakpoints.set([]);
    if (savedWatches.length) this.setWatchpoints([]);
    try {
      fn();
    } finally {
      if (saved.length) this.machine.breakpoints.set(saved);
      if (savedWatches.length) this.setWatchpoints(savedWatches);
      this.breakpointPcs = saved;
      for (const h of this.machine.harts) h.stepOverArmed = false;
    }
  }

  /** Seek to a position reached during a scan (no stops on the way). */
  private seekExact(target: number): void {
    const cp = this.nearestCheckpoint(target);
    if (!(target >= this.position && this.position >= cp.position)) this.restore(cp);
    this.forward(target);
  }

  /**
   * Replay forward to `target`, taking checkpoints at turn boundaries every `interval` steps and
   * one at the last boundary before a distant target (so that stepping back from it is quick).
   * Stops early at a breakpoint, watchpoint or event stop.
   */
  private forward(target: number): void {
    const r = this.replayer;
    while (this.position < target && !r.ended) {
      const last = this.checkpoints[this.lastCheckpointAtOrBefore(this.position)];
      const goal = Math.min(target, last.position + this.interval);
      const before = this.position;
      r.runTo(goal);
      if (r.stoppedBy) return;
      if (this.position === before) return; // a cut-off recording has no more events
      if (this.position < target && this.position >= last.position + this.interval) {
        r.finishTurn(target);
        if (r.stoppedBy) return;
        if (r.betweenTurns) this.checkpoint();
      }
    }
    // Near a distant target, leave a checkpoint just before it.
    if (r.betweenTurns && this.position === target) {
      const last = this.checkpoints[this.lastCheckpointAtOrBefore(target)];
      if (target - last.position > 50_000) this.checkpoint();
    }
  }

  // --- Checkpoints ----------------------------------------------------------------------------------

  private allPages(): Map<number, Uint8Array> {
    const bus = this.machine.bus;
    const pages = new Map<number, Uint8Array>();
    const words = bus.ram32;
    for (let p = 0; p < bus.pages; p++) {
      if (!bus.used[p]) continue;
      const base = (p * PAGE_SIZE) / 4;
      for (let i = 0; i < PAGE_SIZE / 4; i++) {
        if (words[base + i] !== 0) {
          pages.set(p, bus.ram.slice(p * PAGE_SIZE, (p + 1) * PAGE_SIZE));
          break;
        }
      }
    }
    return pages;
  }

  private capture(pages: Map<number, Uint8Array>): Checkpoint {
    const state = this.machine.snapshotState();
    return {
      position: this.position,
      state,
      clock: this.replayer.clock.snapshot(),
      cursor: this.replayer.cursor(),
      pages,
      bytes: pages.size * PAGE_SIZE + 8192,
    };
  }

  /** Take a checkpoint here (between turns): the pages dirtied since the RAM base. */
  private checkpoint(): void {
    const bus = this.machine.bus;
    const at = this.position;
    const index = this.lastCheckpointAtOrBefore(at);
    if (this.checkpoints[index].position === at) return;
    // The dirty pages are relative to ramBase, which is the checkpoint at or before here.
    const pages = new Map<number, Uint8Array>();
    for (let p = 0; p < bus.pages; p++) {
      if (bus.dirty[p]) pages.set(p, bus.ram.slice(p * PAGE_SIZE, (p + 1) * PAGE_SIZE));
    }
    // Pages dirtied between ramBase and a later checkpoint that now follows this one stay valid: a
    // later checkpoint's copies are its own contents.
    const cp = this.capture(pages);
    this.checkpoints.splice(index + 1, 0, cp);
    this.ramBase = index + 1;
    bus.clearDirty();
    this.evict();
  }

  private lastCheckpointAtOrBefore(position: number): number {
    let lo = 0;
    let hi = this.checkpoints.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.checkpoints[mid].position <= position) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private nearestCheckpoint(position: number): Checkpoint {
    return this.checkpoints[this.lastCheckpointAtOrBefore(position)];
  }

  /** Put the machine back in the state of a checkpoint. */
  private restore(cp: Checkpoint): void {
    const target = this.checkpoints.indexOf(cp);
    const bus = this.machine.bus;
    // Pages that may differ: dirty since ramBase, and those saved by checkpoints between the two.
    const changed = new Set<number>();
    for (let p = 0; p < bus.pages; p++) if (bus.dirty[p]) changed.add(p);
    const [a, b] = target < this.ramBase ? [target, this.ramBase] : [this.ramBase, target];
    for (let i = a + 1; i <= b; i++) for (const p of this.checkpoints[i].pages.keys()) changed.add(p);
    for (const p of changed) {
      const data = this.pageAt(p, target);
      if (data) bus.ram.set(data, p * PAGE_SIZE);
      else bus.ram.fill(0, p * PAGE_SIZE, (p + 1) * PAGE_SIZE);
      bus.used[p] = 1;
    }
    this.machine.restoreState(cp.state);
    this.replayer.clock.restore(cp.clock);
    this.replayer.setCursor(cp.cursor);
    this.ramBase = target;
    bus.clearDirty();
  }

  /** The content of RAM page p at checkpoint index i: its copy in the latest checkpoint at or before i. */
  private pageAt(p: number, i: number): Uint8Array | undefined {
    for (let k = i; k >= 0; k--) {
      const d = this.checkpoints[k].pages.get(p);
      if (d) return d;
    }
    return undefined;
  }

  /**
   * Keep the checkpoints within the memory budget: drop the ones farthest from the current position
   * (never the first, nor the RAM base). A dropped checkpoint's pages move to the next checkpoint
   * where that one lacks them (they are unchanged in between).
   */
  private evict(): void {
    while (this.checkpointBytes > this.budget && this.checkpoints.length > 2) {
      const here = this.position;
      let victim = -1;
      let far = -1;
      for (let i = 1; i < this.checkpoints.length; i++) {
        if (i === this.ramBase) continue;
        const d = Math.abs(this.checkpoints[i].position - here);
        if (d > far) { far = d; victim = i; }
      }
      if (victim < 0) return;
      const gone = this.checkpoints[victim];
      const next = this.checkpoints[victim + 1];
      if (next) {
        for (const [p, data] of gone.pages) {
          if (!next.pages.has(p)) {
            next.pages.set(p, data);
            next.bytes += PAGE_SIZE;
          }
        }
      }
      this.checkpoints.splice(victim, 1);
      if (this.ramBase > victim) this.ramBase--;
    }
  }

  // --- Steps of one hart, from the chunk index --------------------------------------------------------

  private chunkAt(position: number): number {
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

  private chunkEnd(i: number): number {
    return i + 1 < this.chunkStart.length ? this.chunkStart[i + 1] : this.end;
  }

  /** The position of hart h's last step before `position` (the step from q to q + 1), if any. */
  previousStepOf(h: number, position: number): number | undefined {
    for (let i = this.chunkAt(position - 1); i >= 0; i--) {
      if (this.chunkHart[i] !== h) continue;
      const last = Math.min(this.chunkEnd(i), position) - 1;
      if (last >= this.chunkStart[i]) return last;
    }
    return undefined;
  }

  /** The position of hart h's next step at or after `position`, if any. */
  nextStepOf(h: number, position: number): number | undefined {
    for (let i = Math.max(0, this.chunkAt(position)); i < this.chunkStart.length; i++) {
      if (this.chunkHart[i] !== h) continue;
      const first = Math.max(this.chunkStart[i], position);
      if (first < this.chunkEnd(i)) return first;
    }
    return undefined;
  }

  /** The hart that takes the step at `position`. */
  hartAt(position: number): number | undefined {
    const i = this.chunkAt(position);
    return i < 0 || position >= this.chunkEnd(i) ? undefined : this.chunkHart[i];
  }

  hart(i: number): Hart {
    return this.machine.harts[i];
  }

  /**
   * A throwaway copy of the machine as it is now, for debugger writes (registers, memory) and for
   * running on from here with changes: it shares nothing with the recording, whose replay is never
   * touched. Its inputs are empty (no console input, zero entropy, a disk that reads zeros).
   */
  diversion(): Machine {
    const m = this.machine;
    const copy = new Machine({
      harts: m.harts.length,
      memSize: m.bus.ramSize,
      clock: new LinearClock(),
      console: { write: () => {} },
      entropy: { fill: (b) => b.fill(0) },
      drive: m.config.drive && { size: m.config.drive.size, readOnly: true, read: (_o, b) => b.fill(0), write: () => {} },
      builtinSbi: m.config.builtinSbi,
    });
    (copy.config.clock as LinearClock).restore(this.replayer.clock.snapshot());
    copy.bus.ram.set(m.bus.ram);
    copy.bus.used.set(m.bus.used);
    copy.restoreState(structuredClone(m.snapshotState(true)));
    return copy;
  }
}
