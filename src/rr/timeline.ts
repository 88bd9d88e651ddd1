// The timeline: the one object that owns time in a replay (after rr's ReplayTimeline and QEMU's
// replay-debugging.c). A position is exact: the number of steps (instructions retired plus
// exceptions) all harts have taken. Checkpoints are taken as replay goes; seek restores the nearest
// checkpoint at or before the target and replays forward; stepping back is a seek to the hart's
// previous step; continuing backward replays earlier intervals forward, remembering the last hit.
// Breakpoints and watchpoints belong to the timeline and are never part of a checkpoint.
// Where replay diverges from the recording, the timeline ends at the last state the recording
// vouches for: checkpoints past it are dropped, and no motion goes past it again.

import { LinearClock } from '../emulator/clock';
import { Hart } from '../emulator/hart/hart';
import { Machine } from '../emulator/machine';
import { ConsolePort } from '../emulator/ports';
import { CheckpointStore } from './checkpoints';
import { ParsedRecording } from './format';
import { DivergenceError, Replayer } from './replayer';
import type { BreakpointFilter, Divergence, EventStops, StopReason, TimelineOptions, Watchpoint } from './timeline-types';
import { TrapEvent, TurnIndex } from './turn-index';

export type { TrapEvent };
export type { BreakpointFilter, Divergence, EventStops, StopReason, TimelineOptions, Watchpoint, WatchKind } from './timeline-types';

interface Hit {
  position: number;
  reason: StopReason;
}

export class Timeline {
  readonly replayer: Replayer;
  private readonly checkpoints: CheckpointStore;
  private readonly interval: number;
  private breakpointPcs: bigint[] = [];
  private physicalPcs: number[] = [];
  private watchpoints: Watchpoint[] = [];
  private removeWatches: (() => void)[] = [];
  private events: EventStops = {};
  /** The filter of the continue in progress. */
  private filter: BreakpointFilter | undefined;
  /** The turns (chunks) and traps of the recording, indexed per events block. */
  private readonly index: TurnIndex;
  /** Hits seen while scanning (reverse continue collects them; forward continue stops at the first). */
  private hits: Hit[] | undefined;
  private pendingWatchHit: Hit | undefined;
  private pendingEventHit: Hit | undefined;
  readonly start: number;
  /** Set once replay has diverged from the recording. */
  private diverged: Divergence | undefined;

  constructor(readonly recording: ParsedRecording, console: ConsolePort = { write: () => {} }, options: TimelineOptions = {}, name = 'recording') {
    this.interval = options.interval ?? 2_000_000;
    this.replayer = new Replayer(recording, console, name);
    this.start = this.replayer.position;
    // Index the chunk log, to find any hart's previous step and the recording's end, and the traps
    // (now, or block by block: indexInSlices).
    this.index = new TurnIndex(recording, this.replayer.log, this.start, name);
    if (!options.indexLater) this.index.indexAll();
    this.replayer.onTrap = (hart, cause, interrupt) => this.trapSeen(hart, cause, interrupt);
    this.replayer.onInput = (kind, position) => {
      if (!this.hits || !this.events.kinds?.includes(kind)) return;
      this.pendingEventHit = { position, reason: { kind: 'input', event: kind, position } };
      this.machine.debugStop = true;
    };
    this.checkpoints = new CheckpointStore(this.replayer, options.checkpointBudget ?? 2 ** 30);
  }

  /**
   * Index the recording a block at a time, with a turn of the event loop between blocks, so that a
   * signal or a closed connection (`ended`) is seen while a large one is opened. False if ended first.
   */
  async indexInSlices(ended: () => boolean): Promise<boolean> {
    while (this.index.indexBlock()) {
      await new Promise((resolve) => setImmediate(resolve));
      if (ended()) return false;
    }
    return true;
  }

  /** The position the recording's turns (or its End event) reach. */
  get end(): number {
    return this.index.end;
  }

  get machine() {
    return this.replayer.machine;
  }

  get position(): number {
    return this.replayer.position;
  }

  get checkpointCount(): number {
    return this.checkpoints.count;
  }

  get checkpointBytes(): number {
    return this.checkpoints.bytes;
  }

  checkpointPositions(): number[] {
    return this.checkpoints.positions();
  }

  /** Where replay diverged from the recording, once a motion has found it. */
  get divergence(): Divergence | undefined {
    return this.diverged;
  }

  /** The last position motions can reach: the end, or where the recording stops vouching for the replay. */
  get limit(): number {
    return this.diverged?.limit ?? this.end;
  }

  // --- Breakpoints, watchpoints, event stops ---------------------------------------------------------

  setBreakpoints(virtualPcs: bigint[], physicalPcs: number[] = []): void {
    this.breakpointPcs = virtualPcs.map((p) => BigInt.asUintN(64, p));
    this.physicalPcs = [...physicalPcs];
    this.machine.breakpoints.set(this.breakpointPcs, this.physicalPcs);
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

  setEventStops(stops: EventStops): void {
    this.events = stops;
  }

  private currentHart(): number {
    return this.replayer.turnHart ?? this.machine.harts.findIndex((h) => !h.stopped);
  }

  private watchSeen(address: number, access: 'read' | 'write'): void {
    if (!this.hits) return;
    const hart = this.currentHart();
    // The accessing instruction has not retired yet: this is the position of its step.
    const position = this.position;
    this.pendingWatchHit = { position, reason: { kind: 'watchpoint', hart, address, access, position } };
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

  /**
   * Go to an exact position (clamped to the recording, and to the limit where replay diverged).
   * Where a turn begins, the harts are shown as that turn's first step finds them (an interrupt
   * taken as it begins is taken); with `enter` false, as the turn before left them (that interrupt
   * not yet taken). At the limit of a diverged replay the turn is never entered.
   */
  seek(target: number, enter = true): void {
    this.guard(() => this.moveTo(target, enter), () => undefined);
  }

  private moveTo(target: number, enter = true): void {
    target = Math.max(this.start, Math.min(this.limit, target));
    if (this.diverged && target === this.diverged.limit) enter = false;
    if (target !== this.position || (!enter && this.turnEntered())) {
      const cp = this.checkpoints.atOrBefore(target);
      // Replay forward from here if that is no further than from the checkpoint.
      if (!(target > this.position && this.position >= cp.position)) this.checkpoints.restore(cp);
      this.withoutStops(() => this.forward(target));
    }
    if (target === this.end) this.checkEnd();
    else if (enter) this.replayer.enterTurn();
  }

  /**
   * At the end of the recording, its last events are checked as a replay of the whole file checks
   * them: the harts' digest, and the End event's digest of memory (found wrong: a divergence).
   */
  private checkEnd(): void {
    if (this.position === this.end && !this.replayer.ended) this.replayer.runTo();
  }

  /** Whether the machine is where a turn begins, with that turn begun (its events at this position applied). */
  private turnEntered(): boolean {
    return !this.replayer.betweenTurns && this.index.isTurnStart(this.position);
  }

  /** The interrupt hart h takes as its turn begins at `position`, if it takes one. */
  private interruptAtTurnStart(h: number, position: number): TrapEvent | undefined {
    const t = this.lastTrapBefore(h, position + 1);
    return t && t.position === position && t.atTurnStart ? t : undefined;
  }

  /**
   * Whether the next thing hart h does is to take an interrupt as its next turn begins (not a step):
   * then its next state is that turn's start, entered.
   */
  entersInterruptNext(h: number): boolean {
    const next = this.nextStepOf(h, this.position);
    return next !== undefined && this.interruptAtTurnStart(h, next) !== undefined && !(next === this.position && this.turnEntered());
  }

  /**
   * Whether the last thing hart h did was to take an interrupt as its turn began here (its turn is
   * entered and has taken no step): then its previous state is this position before the turn.
   */
  tookInterruptLast(h: number): boolean {
    return this.replayer.turnHart === h && this.turnEntered() && this.interruptAtTurnStart(h, this.position) !== undefined;
  }

  /**
   * One step forward of hart `hart` (its next instruction; other harts run as recorded in between),
   * or, where its next turn begins with an interrupt, to that turn's start with the interrupt taken.
   */
  stepForward(hart: number): StopReason {
    return this.guard<StopReason>(() => {
      const next = this.nextStepOf(hart, this.position);
      const target = next === undefined ? this.end : this.entersInterruptNext(hart) ? next : next + 1;
      if (this.diverged && target >= this.diverged.limit) {
        this.moveTo(this.diverged.limit);
        return { kind: 'diverged', divergence: this.diverged };
      }
      this.moveTo(target);
      return next === undefined ? { kind: 'end' } : { kind: 'step', hart };
    }, (divergence) => ({ kind: 'diverged', divergence }));
  }

  /**
   * One step backward of hart `hart`: to the position just before its previous step, or, at the
   * start of its turn where it took an interrupt, to the same position before the interrupt.
   */
  stepBackward(hart: number): StopReason {
    return this.guard<StopReason>(() => {
      if (this.tookInterruptLast(hart)) {
        this.moveTo(this.position, false);
        return { kind: 'step', hart };
      }
      const prev = this.previousStepOf(hart, this.position);
      if (prev === undefined) {
        this.moveTo(this.start);
        return { kind: 'start' };
      }
      this.moveTo(prev);
      return { kind: 'step', hart };
    }, (divergence) => ({ kind: 'diverged', divergence }));
  }

  /**
   * Continue forward to the next breakpoint, watchpoint or event stop, or the end. With `until`,
   * stop there ({ kind: 'limit' }) if nothing is hit before: a caller that must stay responsive
   * (to an interrupt from gdb, say) continues in slices. `filter` passes over breakpoint hits.
   * Where replay diverges (now, or before), it stops at the limit ({ kind: 'diverged' }).
   */
  continueForward(until = this.end, stepOver = true, filter?: BreakpointFilter): StopReason {
    return this.guard(() => this.continueWithin(Math.min(until, this.limit), stepOver, filter), (divergence) => ({ kind: 'diverged', divergence }));
  }

  private continueWithin(until: number, stepOver: boolean, filter: BreakpointFilter | undefined): StopReason {
    this.hits = [];
    this.filter = filter;
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
        if (this.diverged && this.position >= this.diverged.limit) return { kind: 'diverged', divergence: this.diverged };
        if (this.position >= this.end || this.replayer.ended) {
          this.checkEnd();
          return { kind: 'end' };
        }
        if (this.position >= until) return { kind: 'limit' };
        if (!this.replayer.stoppedBy) return { kind: 'end' }; // a cut-off recording
      }
    } finally {
      this.hits = undefined;
      this.filter = undefined;
    }
  }

  /**
   * Continue backward to the last breakpoint, watchpoint or event stop before the current position,
   * or the start. Earlier intervals are replayed forward from their checkpoints, keeping the last hit.
   */
  continueBackward(filter?: BreakpointFilter): StopReason {
    const search = this.backwardSearch(filter);
    for (;;) {
      const r = search.step();
      if (r) return r;
    }
  }

  /**
   * A backward continue taken one interval at a time: each step() replays the interval before the
   * last one searched and returns the stop if it found one (or reached the start), else undefined.
   * Between steps the machine is at the start of the last interval searched. With `floor`, hits
   * before it do not count and the search ends there ({ kind: 'limit' }, the machine at `floor`).
   */
  backwardSearch(filter?: BreakpointFilter, floor?: number): { step(): StopReason | undefined } {
    const origin = this.position;
    const bottom = floor ?? this.start;
    let end = origin;
    return {
      step: (): StopReason | undefined => this.guard<StopReason | undefined>(() => {
        if (end <= bottom) {
          this.seek(bottom);
          return floor === undefined ? { kind: 'start' } : { kind: 'limit' };
        }
        const cp = this.checkpoints.atOrBefore(end - 1);
        this.checkpoints.restore(cp);
        const hits = this.scan(end, filter);
        const last = hits.filter((h) => h.position < origin && h.position >= bottom).pop();
        if (last) {
          this.withoutStops(() => this.seekExact(last.position));
          return last.reason;
        }
        end = cp.position;
        this.checkpoints.restore(cp);
        return undefined;
      }, (divergence) => ({ kind: 'diverged', divergence })),
    };
  }

  /**
   * Run a motion. Where replay diverges from the recording in it (a DivergenceError: a check against
   * the recording failed), the timeline ends at the last state the recording vouches for, and
   * `atLimit` gives the motion's result there.
   */
  private guard<T>(motion: () => T, atLimit: (d: Divergence) => T): T {
    try {
      return motion();
    } catch (e) {
      // Once diverged no motion replays past the limit: a second one would be a bug of ours.
      if (!(e instanceof DivergenceError) || this.diverged) throw e;
      return atLimit(this.divergeAt(e));
    }
  }

  /**
   * Replay diverged: the timeline ends at the last state the recording vouches for. Checkpoints past
   * it are dropped (they hold states it does not vouch for), and the machine is put there, with the
   * turn that begins there not entered (its events may be the ones that do not match).
   */
  private divergeAt(e: DivergenceError): Divergence {
    const limit = Math.max(this.start, Math.min(e.vouched, e.position));
    const message = `${e.message}; replay stops at position ${limit}, the last state the recording vouches for`;
    this.diverged = { position: e.position, limit, message };
    // The motion that found it is over: no stop it was looking for counts any more.
    this.hits = undefined;
    this.filter = undefined;
    this.pendingWatchHit = this.pendingEventHit = undefined;
    this.machine.debugStop = false;
    for (const h of this.machine.harts) h.breakpointHit = false;
    this.checkpoints.truncate(limit);
    this.withoutStops(() => this.forward(limit));
    return this.diverged;
  }

  /** Replay forward from the current position to `end`, collecting every hit on the way. */
  private scan(end: number, filter: BreakpointFilter | undefined): Hit[] {
    this.hits = [];
    this.filter = filter;
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
      this.filter = undefined;
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
      if (this.filter && !this.filter(stop.hart, pc, this.position)) return 'passed';
      return { position: this.position, reason: { kind: 'breakpoint', hart: stop.hart, pc } };
    }
    const hit = this.pendingWatchHit ?? this.pendingEventHit;
    this.pendingWatchHit = this.pendingEventHit = undefined;
    return hit;
  }

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
    const savedPhysical = this.physicalPcs;
    const savedWatches = this.watchpoints;
    const any = saved.length > 0 || savedPhysical.length > 0;
    if (any) this.machine.breakpoints.set([]);
    if (savedWatches.length) this.setWatchpoints([]);
    try {
      fn();
    } finally {
      if (any) this.machine.breakpoints.set(saved, savedPhysical);
      if (savedWatches.length) this.setWatchpoints(savedWatches);
      for (const h of this.machine.harts) h.stepOverArmed = false;
    }
  }

  /** Seek to a position reached during a scan (no stops on the way), as the hit there saw it. */
  private seekExact(target: number): void {
    const cp = this.checkpoints.atOrBefore(target);
    if (!(target >= this.position && this.position >= cp.position)) this.checkpoints.restore(cp);
    this.forward(target);
    this.replayer.enterTurn();
  }

  /**
   * Replay forward to `target`, taking checkpoints at turn boundaries every `interval` steps and
   * one at the last boundary before a distant target (so that stepping back from it is quick).
   * Stops early at a breakpoint, watchpoint or event stop.
   */
  private forward(target: number): void {
    const r = this.replayer;
    while (this.position < target && !r.ended) {
      const last = this.checkpoints.atOrBefore(this.position);
      const goal = Math.min(target, last.position + this.interval);
      const before = this.position;
      r.runTo(goal);
      if (r.stoppedBy) return;
      if (this.position === before) return; // a cut-off recording has no more events
      if (this.position < target && this.position >= last.position + this.interval) {
        r.finishTurn(target);
        if (r.stoppedBy) return;
        if (r.betweenTurns) this.checkpoints.take();
      }
    }
    // Near a distant target, leave a checkpoint just before it.
    if (r.betweenTurns && this.position === target) {
      const last = this.checkpoints.atOrBefore(target);
      if (target - last.position > 50_000) this.checkpoints.take();
    }
  }

  // --- Steps of one hart, from the chunk index --------------------------------------------------------

  /** The position of hart h's last step before `position` (the step from q to q + 1), if any. */
  previousStepOf(h: number, position: number): number | undefined {
    return this.index.previousStepOf(h, position);
  }

  /** The position of hart h's next step at or after `position`, if any. */
  nextStepOf(h: number, position: number): number | undefined {
    return this.index.nextStepOf(h, position);
  }

  /** The hart that takes the step at `position`. */
  hartAt(position: number): number | undefined {
    return this.index.hartAt(position);
  }

  // --- Traps of one hart, from the trap index -----------------------------------------------------------

  /** Hart h's last trap taken at a position before `position`, if any. */
  lastTrapBefore(h: number, position: number): TrapEvent | undefined {
    return this.index.lastTrapBefore(h, position);
  }

  /** The trap hart `trap.hart` took before `trap`, if any. */
  previousTrap(trap: TrapEvent): TrapEvent | undefined {
    return this.index.trap(trap.hart, trap.index - 1);
  }

  /** Hart h's last trap taken as the machine is now (an interrupt taken as its turn begins here included). */
  lastTrapTaken(h: number): TrapEvent | undefined {
    let t = this.lastTrapBefore(h, this.position + 1);
    while (t && !this.taken(t)) t = this.previousTrap(t);
    return t;
  }

  /** Whether the machine now is at or after the state just after trap t. */
  private taken(t: TrapEvent): boolean {
    const after = this.trapState(t, 'after').position;
    return after < this.position || (after === this.position && (!t.atTurnStart || this.turnEntered()));
  }

  /**
   * The state just before a trap (`before`: the hart at the instruction that traps or is
   * interrupted) or just after it (`after`: the handler's first instruction), as a position and
   * whether the turn beginning there is entered. An exception at p takes the step from p to p + 1;
   * an interrupt as a turn begins at p is taken between p before the turn and p entered; an
   * interrupt taken inside a turn is taken with the step before p (that enabled it), so just before
   * it is p - 1, before that step.
   */
  trapState(t: TrapEvent, side: 'before' | 'after'): { position: number; entered: boolean } {
    if (t.atTurnStart) return { position: t.position, entered: side === 'after' };
    if (!t.interrupt) return { position: side === 'after' ? t.position + 1 : t.position, entered: true };
    if (side === 'after') return { position: t.position, entered: true };
    return { position: this.previousStepOf(t.hart, t.position) ?? t.position, entered: true };
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
