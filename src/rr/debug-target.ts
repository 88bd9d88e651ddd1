// The debug target: a recording's timeline as a debugger sees it, the one layer under both frontends
// (the gdb stub and the debug adapter), as rr has one ReplayTimeline under its gdb server. It gives
// the hart at a position and the hart that took the last step; a read-only view of each hart;
// memory through a hart's translation; breakpoints and watchpoints by virtual address; motions in
// either direction as one resumable operation with a stop filter and an interrupt check passed per
// call (rr's `reverse_continue(stop_filter, interrupt_check)`); and the time-travel commands.
// Frontends translate their protocols to and from this and import nothing of src/emulator/hart.

import { csrList, peekCsr } from '../emulator/hart/csr';
import { Hart } from '../emulator/hart/hart';
import { Access } from '../emulator/hart/mmu';
import { trapName } from '../emulator/hart/trap';
import { ParsedRecording } from './format';
import { CommandResult, TimeTravelCommands } from './commands';
import { BreakpointFilter, Divergence, StopReason, Timeline, TimelineOptions, TrapEvent } from './timeline';

export type { Divergence, TrapEvent };

export type Direction = 'forward' | 'backward';
export type WatchKind = 'read' | 'write' | 'access';

/** Privilege levels by their encoding (privileged spec 1.12, section 1.2, "Privilege Levels"). */
export const PRIVILEGE_NAMES: Readonly<Record<number, string>> = { 0: 'U', 1: 'S', 3: 'M' };

/** A trap's name by its cause ('illegal instruction', 'supervisor timer'), 'unknown' if reserved. */
export { trapName };

/** What a hart is doing at the current position. */
export type HartState = 'running' | 'idle' | 'stopped';

/** A hart's state at the current position, read-only. Values read through it are current until the next motion. */
export interface HartView {
  readonly id: number;
  readonly pc: bigint;
  /** x0-x31. */
  reg(r: number): bigint;
  /** f0-f31 as their 64-bit patterns (NaN-boxed singles included). */
  freg(r: number): bigint;
  /** A CSR by number, or undefined if the hart has no such CSR. */
  csr(num: number): bigint | undefined;
  /** A CSR by the privileged spec's name ('stvec', 'sepc'), or undefined if the hart has none. */
  csrNamed(name: string): bigint | undefined;
  /** 0 (U), 1 (S) or 3 (M). */
  readonly privilege: number;
  /** 'idle' is waiting in WFI; 'stopped' is stopped by the SBI (HSM) or never started. */
  readonly state: HartState;
  /** Steps this hart has taken (instructions retired plus exceptions). */
  readonly steps: number;
}

/** A watchpoint by virtual address, as a frontend gives it. */
export interface Watch {
  address: bigint;
  length: number;
  kind: WatchKind;
  /** The hart whose translation maps the address (now, when the watchpoint is set). */
  hart: number;
}

/** What a hart is doing, in words: "S-mode", "idle in WFI, S-mode", "stopped". */
export function describeHart(h: HartView): string {
  const mode = `${PRIVILEGE_NAMES[h.privilege] ?? h.privilege}-mode`;
  switch (h.state) {
    case 'stopped': return 'stopped (not started, or stopped through the SBI)';
    case 'idle': return `idle in WFI, ${mode}`;
    default: return mode;
  }
}

/** Why a motion ended. */
export type Stop =
  | { kind: 'breakpoint'; hart: number; pc: bigint }
  /**
   * A watched access, shown after the accessing instruction forward and before it backward;
   * `accessPosition` is the position of the accessing step (the state just before it).
   */
  | { kind: 'watchpoint'; hart: number; address: bigint; access: 'read' | 'write'; watch: Watch | undefined; accessPosition: number }
  | { kind: 'trap'; hart: number; cause: number; interrupt: boolean }
  | { kind: 'step'; hart: number }
  /** The interrupt check said stop (a Ctrl-C, a pause). */
  | { kind: 'interrupted'; hart: number }
  | { kind: 'start'; hart: number }
  | { kind: 'end'; hart: number }
  /**
   * Replay diverged from the recording: the motion stopped at the last state it vouches for, and no
   * motion goes past there. `message` says so in one sentence.
   */
  | { kind: 'diverged'; hart: number; position: number; message: string };

/** A breakpoint hit, as a stop filter sees it (the machine is as it is there). */
export interface BreakpointHit {
  hart: number;
  pc: bigint;
  position: number;
}

export interface ResumeOptions {
  /** Breakpoints of this motion alone (a step's), besides the target's own. */
  temporary?: readonly bigint[];
  /** Whether a breakpoint hit stops the motion; every hit does when unset. */
  stopFilter?: (hit: BreakpointHit) => boolean;
  /** Asked between slices of replay: true ends the motion where it is ('interrupted'). */
  interrupted?: () => boolean;
  /**
   * Backward: go no further back than this position. Hits before it do not count; reaching it ends
   * the motion there with { kind: 'step' } (a backward resume ends so only here).
   */
  floor?: number;
}

/** Steps of replay between looks at the interrupt check (about 20 ms of replay). */
const SLICE_STEPS = 2_000_000;

/** Steps a far seek replays between turns of the event loop (about 50 ms). */
const SEEK_SLICE = 2_000_000;

export class DebugTarget {
  private breakpoints: bigint[] = [];
  private watches: (Watch & { physical: number })[] = [];
  private readonly commands: TimeTravelCommands;

  constructor(readonly timeline: Timeline, name = 'recording') {
    this.commands = new TimeTravelCommands(timeline, name);
  }

  /** A target over a parsed recording (its console output is dropped). */
  static open(recording: ParsedRecording, name = 'recording', options: TimelineOptions = {}): DebugTarget {
    return new DebugTarget(new Timeline(recording, { write: () => {} }, options, name), name);
  }

  /**
   * Open as open() does, indexing the recording a block at a time with a turn of the event loop
   * between blocks (a large recording takes seconds to index): undefined if `ended` came first.
   */
  static async openInSlices(recording: ParsedRecording, name: string, options: TimelineOptions, ended: () => boolean): Promise<DebugTarget | undefined> {
    const timeline = new Timeline(recording, { write: () => {} }, { ...options, indexLater: true }, name);
    return (await timeline.indexInSlices(ended)) ? new DebugTarget(timeline, name) : undefined;
  }

  get recording(): ParsedRecording {
    return this.timeline.recording;
  }

  get position(): number {
    return this.timeline.position;
  }

  get start(): number {
    return this.timeline.start;
  }

  get end(): number {
    return this.timeline.end;
  }

  /** Where replay diverged from the recording, once a motion has found it (motions stop at its limit). */
  get divergence(): Divergence | undefined {
    return this.timeline.divergence;
  }

  get hartCount(): number {
    return this.timeline.machine.harts.length;
  }

  /** The hart that takes the step at `position`, if any hart does. */
  hartAt(position: number): number | undefined {
    return this.timeline.hartAt(position);
  }

  /** The hart that took the last step: the one a stop is about (hart 0 at the start). */
  lastHart(): number {
    const p = this.position;
    return this.timeline.hartAt(p > this.start ? p - 1 : p) ?? 0;
  }

  hart(h: number): HartView {
    return view(this.rawHart(h));
  }

  /** The CSRs a hart has, by number and the privileged spec's name, in number order. */
  csrs(): { num: number; name: string }[] {
    return csrList().sort((a, b) => a.num - b.num);
  }

  /** Memory as hart h sees it (through its current translation); undefined where any byte is unmapped. */
  readMemory(h: number, address: bigint, length: number): Uint8Array | undefined {
    return this.timeline.machine.readVirtual(this.rawHart(h), BigInt.asUintN(64, address), length);
  }

  readU64(h: number, address: bigint): bigint | undefined {
    const b = this.readMemory(h, address, 8);
    return b && new DataView(b.buffer, b.byteOffset).getBigUint64(0, true);
  }

  /** Physical memory (RAM only), or undefined where it is not RAM. */
  readPhysical(address: number, length: number): Uint8Array | undefined {
    const out = new Uint8Array(length);
    return this.timeline.machine.bus.readPhys(address, out) ? out : undefined;
  }

  // --- Breakpoints and watchpoints ---------------------------------------------------------------

  /** Replace the breakpoints (virtual pcs, any hart). */
  setBreakpoints(pcs: readonly bigint[]): void {
    this.breakpoints = [...new Set(pcs.map((p) => BigInt.asUintN(64, p)))];
    this.timeline.setBreakpoints(this.breakpoints);
  }

  /**
   * Replace the watchpoints. Each address is translated through its hart's page tables now (the
   * timeline watches physical memory); those not mapped come back in `unmapped`.
   */
  setWatchpoints(list: readonly Watch[]): { unmapped: Watch[] } {
    const unmapped: Watch[] = [];
    this.watches = [];
    for (const w of list) {
      const physical = this.timeline.machine.virtualToPhysical(this.rawHart(w.hart), BigInt.asUintN(64, w.address), Access.Load);
      if (physical === undefined) unmapped.push(w);
      else this.watches.push({ ...w, physical });
    }
    this.timeline.setWatchpoints(this.watches.map((w) => ({ start: w.physical, length: w.length, kind: w.kind })));
    return { unmapped };
  }

  // --- Motions -----------------------------------------------------------------------------------

  /**
   * Continue in a direction to the next breakpoint (that the filter accepts), watched access, the
   * start or the end, or until the interrupt check says stop. Forward, the hart that stopped last
   * steps over the breakpoint it sits on. Yields to the event loop between slices of replay.
   */
  async resume(direction: Direction, options: ResumeOptions = {}): Promise<Stop> {
    return this.withTemporary(options.temporary, async () => {
      const filter = this.filter(options.stopFilter);
      if (direction === 'forward') {
        for (let slice = 0; ; slice++) {
          const r = this.timeline.continueForward(this.position + SLICE_STEPS, slice === 0, filter);
          if (r.kind !== 'limit') return this.stop(r);
          if (await this.interrupted(options)) return { kind: 'interrupted', hart: this.lastHart() };
        }
      }
      const search = this.timeline.backwardSearch(filter, options.floor);
      for (;;) {
        const r = search.step();
        if (r?.kind === 'limit') return { kind: 'step', hart: this.lastHart() };
        if (r) return this.stop(r);
        if (await this.interrupted(options)) return { kind: 'interrupted', hart: this.lastHart() };
      }
    });
  }

  /**
   * One step of hart h (its next or previous instruction; the other harts run as recorded in
   * between). Plain, it passes over every breakpoint and watchpoint (gdb's stepi). With `options`,
   * the breakpoints and watchpoints met on the way stop it as they stop a continue: another hart's
   * breakpoint, or this hart's own watched access. An interrupt that h takes as its turn begins is
   * a step of its own: forward, to the handler's first instruction; backward from there, to the
   * instruction it interrupted (the same position, before the turn begins).
   */
  async step(h: number, direction: Direction, options?: ResumeOptions): Promise<Stop> {
    this.rawHart(h);
    const tl = this.timeline;
    if (!options) {
      const r = direction === 'forward' ? tl.stepForward(h) : tl.stepBackward(h);
      return this.stop(r);
    }
    if (direction === 'backward' && tl.tookInterruptLast(h)) {
      tl.stepBackward(h); // nothing else happens in between
      return { kind: 'step', hart: h };
    }
    return this.withTemporary(options.temporary, async () => {
      const filter = this.filter(options.stopFilter);
      if (direction === 'forward') {
        const next = tl.nextStepOf(h, this.position);
        const interrupt = tl.entersInterruptNext(h);
        const until = next === undefined ? this.end : interrupt ? next : next + 1;
        for (let slice = 0; ; slice++) {
          const r = tl.continueForward(Math.min(until, this.position + SLICE_STEPS), slice === 0, filter);
          if (r.kind !== 'limit') return this.stop(r);
          if (this.position >= until) {
            if (interrupt) tl.seek(until); // the turn begins: h takes the interrupt
            return { kind: 'step', hart: h };
          }
          if (await this.interrupted(options)) return { kind: 'interrupted', hart: this.lastHart() };
        }
      }
      const previous = tl.previousStepOf(h, this.position);
      const search = tl.backwardSearch(filter, previous);
      for (;;) {
        const r = search.step();
        if (r) return r.kind === 'limit' ? { kind: 'step', hart: h } : this.stop(r);
        if (await this.interrupted(options)) return { kind: 'interrupted', hart: this.lastHart() };
      }
    });
  }

  /** Go to a position (clamped to the recording). */
  seek(position: number): void {
    this.timeline.seek(position);
  }

  /**
   * Replay a far seek forward in slices, with a turn of the event loop between them, so that a
   * signal or a closed connection (`ended`) is seen as it is in motions; seek() then goes the rest
   * of the way. Stops early at a divergence or the recording's end.
   */
  async approach(position: number, ended: () => boolean): Promise<void> {
    while (!ended() && !this.divergence && position - this.position > SEEK_SLICE) {
      const from = this.position;
      this.seek(from + SEEK_SLICE);
      if (this.position <= from) return; // the recording's end
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  // --- Traps, from the recording's events ----------------------------------------------------------

  /** Hart h's last trap taken at a position before `position`, if any. */
  lastTrapBefore(h: number, position: number): TrapEvent | undefined {
    return this.timeline.lastTrapBefore(h, position);
  }

  /** The trap the same hart took before this one, if any. */
  previousTrap(trap: TrapEvent): TrapEvent | undefined {
    return this.timeline.previousTrap(trap);
  }

  /**
   * Whether hart h's turn begins here with an interrupt not yet taken (the machine shows h at the
   * instruction it interrupts): a seek to this position would show it taken.
   */
  interruptPending(h: number): boolean {
    return this.timeline.entersInterruptNext(h) && this.timeline.nextStepOf(h, this.position) === this.position;
  }

  /** Hart h's last trap taken as the machine is now, if any. */
  lastTrapTaken(h: number): TrapEvent | undefined {
    return this.timeline.lastTrapTaken(h);
  }

  /**
   * The position of the state just before a trap (the hart at the instruction that traps or is
   * interrupted) or just after it (at the handler's first instruction). At an interrupt taken as a
   * turn begins both are the same position; seekTrap tells them apart.
   */
  trapPosition(trap: TrapEvent, side: 'before' | 'after'): number {
    return this.timeline.trapState(trap, side).position;
  }

  /** Go to the state just before or just after a trap. */
  seekTrap(trap: TrapEvent, side: 'before' | 'after'): void {
    const { position, entered } = this.timeline.trapState(trap, side);
    this.timeline.seek(position, entered);
  }

  /**
   * A time-travel command (`when`, `seek N`, `checkpoints`, `info`, `help`), worded the same for
   * gdb's `monitor` and the Debug Console; undefined if `line` is not one.
   */
  command(line: string): CommandResult | undefined {
    return this.commands.run(line);
  }

  /** The words of the `help` command (its list of commands). */
  get commandHelp(): string {
    return this.commands.help;
  }

  private rawHart(h: number): Hart {
    const harts = this.timeline.machine.harts;
    if (!Number.isInteger(h) || h < 0 || h >= harts.length) throw new RangeError(`no hart ${h}`);
    return harts[h];
  }

  private filter(stopFilter: ResumeOptions['stopFilter']): BreakpointFilter | undefined {
    return stopFilter && ((hart, pc, position) => stopFilter({ hart, pc, position }));
  }

  private async interrupted(options: ResumeOptions): Promise<boolean> {
    await new Promise((resolve) => setImmediate(resolve));
    return options.interrupted?.() ?? false;
  }

  private async withTemporary(temporary: readonly bigint[] | undefined, fn: () => Promise<Stop>): Promise<Stop> {
    if (!temporary?.length) return fn();
    this.timeline.setBreakpoints([...new Set([...this.breakpoints, ...temporary.map((a) => BigInt.asUintN(64, a))])]);
    try {
      return await fn();
    } finally {
      this.timeline.setBreakpoints(this.breakpoints);
    }
  }

  private stop(r: StopReason): Stop {
    switch (r.kind) {
      case 'breakpoint': return { kind: 'breakpoint', hart: r.hart, pc: r.pc };
      case 'watchpoint': {
        const w = this.watches.find((x) => r.address >= x.physical && r.address < x.physical + x.length);
        const address = w ? BigInt.asUintN(64, w.address + BigInt(r.address - w.physical)) : BigInt(r.address);
        const watch = w && { address: w.address, length: w.length, kind: w.kind, hart: w.hart };
        return { kind: 'watchpoint', hart: r.hart, address, access: r.access, watch, accessPosition: r.position };
      }
      case 'event': return { kind: 'trap', hart: r.hart, cause: r.cause, interrupt: r.interrupt };
      case 'step': return { kind: 'step', hart: r.hart };
      case 'start': return { kind: 'start', hart: this.lastHart() };
      case 'end': return { kind: 'end', hart: this.lastHart() };
      case 'diverged': return { kind: 'diverged', hart: this.lastHart(), position: r.divergence.limit, message: r.divergence.message };
      default: return { kind: 'step', hart: this.lastHart() };
    }
  }
}

const CSR_NUMBERS = new Map(csrList().map((c) => [c.name, c.num]));

function view(h: Hart): HartView {
  return {
    id: h.id,
    pc: BigInt.asUintN(64, BigInt(h.pc)),
    reg: (r) => h.reg(r),
    freg: (r) => (BigInt(h.f[2 * r + 1] >>> 0) << 32n) | BigInt(h.f[2 * r] >>> 0),
    csr: (num) => peekCsr(h, num),
    csrNamed: (name) => {
      const num = CSR_NUMBERS.get(name);
      return num === undefined ? undefined : peekCsr(h, num);
    },
    privilege: h.priv,
    state: h.stopped ? 'stopped' : h.wfi ? 'idle' : 'running',
    steps: h.steps,
  };
}
