// The debug adapter's view of a recording: harts, registers and memory at the current position,
// breakpoints by address, and the motions a source debugger needs (continue, and steps by
// instruction, line or frame) in both directions. It knows nothing of the protocol: session.ts
// translates. Time is the timeline's: every motion here is made of its seeks, steps and continues.

import { Hart } from '../emulator/hart/hart';
import { Access } from '../emulator/hart/mmu';
import { StopReason, Timeline, Watchpoint, WatchKind } from '../rr/timeline';
import { KernelSymbols } from '../symbols';
import { classify } from './insn-class';

/** Steps of replay between looks at whether the user asked to pause. */
const SLICE_STEPS = 2_000_000;
/** Instructions stepped one at a time between looks at whether the user asked to pause. */
const STEP_SLICE = 2_000;

export type Direction = 'forward' | 'backward';

/** Why a motion ended, in the adapter's terms. */
export type Stop =
  | { reason: 'breakpoint'; hart: number; address: bigint }
  | { reason: 'data breakpoint'; hart: number; address: bigint; access: 'read' | 'write' }
  | { reason: 'step'; hart: number }
  | { reason: 'pause'; hart: number }
  | { reason: 'start' }
  | { reason: 'end' };

export interface DataBreakpoint {
  /** Virtual address, as the user gave it. */
  address: bigint;
  length: number;
  kind: WatchKind;
}

export type Group = 'source' | 'function' | 'instruction';

/** A line key: file and line, or '' where there is no line information. */

export class Debuggee {
  private readonly groups = new Map<Group, bigint[]>();
  private temporary: bigint[] = [];
  private dataBreakpoints: (DataBreakpoint & { physical: number })[] = [];
  /**
   * Whether a hit of the user's breakpoint at `address` by hart h stops a motion (its condition, or
   * a log point that only prints), called with the machine as it is at the hit; every hit stops
   * when unset. Continuing backward, hits are met in forward order within each interval searched:
   * `position` tells where each is.
   */
  breakpointFilter?: (hart: number, address: bigint, position: number) => boolean;
  /** Set by pause(); a running motion stops at its next look. */
  private pauseRequested = false;

  constructor(readonly timeline: Timeline, readonly symbols?: KernelSymbols) {
    timeline.setBreakpointCondition((hart, pc, position) =>
      // Temporary breakpoints (stepping) are decided by runUntil; the user's by the filter.
      this.temporary.includes(pc) || !this.breakpointFilter || !this.isBreakpoint(pc) || this.breakpointFilter(hart, pc, position));
  }

  get machine() {
    return this.timeline.machine;
  }

  get hartCount(): number {
    return this.machine.harts.length;
  }

  hart(h: number): Hart {
    if (!Number.isInteger(h) || h < 0 || h >= this.hartCount) throw new RangeError(`no hart ${h}`);
    return this.machine.harts[h];
  }

  /** The hart that took the last step: the one a stop is about. */
  currentHart(): number {
    const p = this.timeline.position;
    return this.timeline.hartAt(p > this.timeline.start ? p - 1 : p) ?? 0;
  }

  pc(h: number): bigint {
    return BigInt.asUintN(64, BigInt(this.hart(h).pc));
  }

  reg(h: number, r: number): bigint {
    return this.hart(h).reg(r);
  }

  /** Memory as hart h sees it (through its translation); undefined where any byte is unmapped. */
  readMemory(h: number, address: bigint, length: number): Uint8Array | undefined {
    return this.machine.readVirtual(this.hart(h), BigInt.asUintN(64, address), length);
  }

  readU64(h: number, address: bigint): bigint | undefined {
    const b = this.readMemory(h, address, 8);
    return b && new DataView(b.buffer, b.byteOffset).getBigUint64(0, true);
  }

  /** The source line at a pc (innermost inlined frame), if the symbols have one. */
  lineAt(pc: bigint) {
    return this.symbols?.stopLine(pc);
  }

  // --- Breakpoints ------------------------------------------------------------------------------------

  /** Replace one group's breakpoint addresses (source lines, functions or instructions). */
  setBreakpoints(group: Group, addresses: bigint[]): void {
    this.groups.set(group, addresses.map((a) => BigInt.asUintN(64, a)));
    this.applyBreakpoints();
  }

  isBreakpoint(address: bigint): boolean {
    return [...this.groups.values()].some((g) => g.includes(address));
  }

  private applyBreakpoints(): void {
    const all = new Set<bigint>(this.temporary);
    for (const g of this.groups.values()) for (const a of g) all.add(a);
    this.timeline.setBreakpoints([...all]);
  }

  /**
   * Replace the data breakpoints. Each address is translated through hart h's page tables now
   * (watchpoints are physical); those that are not mapped come back in `unmapped`.
   */
  setDataBreakpoints(h: number, list: DataBreakpoint[]): { unmapped: DataBreakpoint[] } {
    const unmapped: DataBreakpoint[] = [];
    this.dataBreakpoints = [];
    for (const d of list) {
      const physical = this.machine.virtualToPhysical(this.hart(h), d.address, Access.Load);
      if (physical === undefined) unmapped.push(d);
      else this.dataBreakpoints.push({ ...d, physical });
    }
    const watch: Watchpoint[] = this.dataBreakpoints.map((d) => ({ start: d.physical, length: d.length, kind: d.kind }));
    this.timeline.setWatchpoints(watch);
    return { unmapped };
  }

  // --- Motions --------------------------------------------------------------------------------------

  /** Ask a running motion to stop at its next look (a pause request). */
  pause(): void {
    this.pauseRequested = true;
  }

  /** Continue in a direction to the next breakpoint or data breakpoint, the start or the end. */
  async continue(direction: Direction): Promise<Stop> {
    this.pauseRequested = false;
    return direction === 'forward' ? this.runForward() : this.runBackward();
  }

  /** One instruction of hart h. */
  stepInstruction(h: number, direction: Direction): Stop {
    const r = direction === 'forward' ? this.timeline.stepForward(h) : this.timeline.stepBackward(h);
    return r.kind === 'step' ? { reason: 'step', hart: h } : this.stop(r);
  }

  /**
   * To the start of the next (or, backward, the previous) source line that hart h executes in this
   * frame. Calls and traps are stepped over when `over` (or when the code they reach has no line
   * information); `stepIn` stops at the first line of a called function. Without line information,
   * one instruction.
   */
  async stepLine(h: number, direction: Direction, over: boolean): Promise<Stop> {
    this.pauseRequested = false;
    if (!this.symbols?.hasDwarf || !this.lineAt(this.pc(h))) return this.stepInstruction(h, direction);
    return direction === 'forward' ? this.lineForward(h, over) : this.lineBackward(h);
  }

  /**
   * Out of the current function: forward to just after the call returns, or backward to the call
   * instruction in the caller. `caller` is the caller's frame (its pc is the return address).
   */
  async stepOut(h: number, direction: Direction, caller: { pc: bigint; sp: bigint }): Promise<Stop> {
    this.pauseRequested = false;
    // In the caller, sp is the caller's again (the callee's CFA); deeper recursion has a lower one.
    const inCaller = (sp: bigint): boolean => sp >= caller.sp;
    if (direction === 'forward') return this.runUntil(h, 'forward', [caller.pc], inCaller);
    // The call instruction is just before the return address: a 4-byte jal/jalr or a 2-byte c.jalr.
    return this.runUntil(h, 'backward', [caller.pc - 4n, caller.pc - 2n], inCaller);
  }

  /** Go to an exact position (the timeline clamps it). */
  seek(position: number): Stop {
    this.timeline.seek(position);
    return { reason: 'step', hart: this.currentHart() };
  }

  /**
   * Where a pc is, for stepping by lines: `depth` is the number of frames there (the function and
   * those inlined into it); `key` is the line of the frame `level` deep (1 = the real function), so
   * that code inlined deeper counts as its call's line; `statement` says whether a statement
   * starts at the pc.
   */
  private place(pc: bigint, level = Infinity): { key: string; keys: string[]; depth: number; statement: boolean } {
    const frames = this.symbols?.locate(pc, true).frames ?? [];
    const f = frames[Math.max(0, frames.length - level)];
    const key = f?.file ? `${f.file}:${f.line}` : '';
    const line = this.lineAt(pc);
    // Where several lines' statements begin at one address (views: a line, then the entries of the
    // calls inlined there), the code from there on is in each of them; deeper inlined code is only
    // in its call's line.
    const views = line && frames.length <= level ? this.symbols!.statementsAt(line.rowAddress).map((l) => `${l.file}:${l.line}`) : [];
    return { key, keys: [key, ...views], depth: frames.length, statement: line?.statement ?? false };
  }

  /**
   * One step of hart h that treats calls and traps as one instruction: forward, a step that enters
   * a callee or trap handler runs on to its return (unless `into` and the callee has lines: then
   * `entered`); backward, a step back onto a `ret` or `sret` runs back to where the callee or
   * handler was entered. A breakpoint on the way ends it there (`stop` then says why).
   */
  private async stepOverCalls(h: number, direction: Direction, into = false): Promise<{ stop?: Stop; entered?: boolean }> {
    const before = this.pc(h);
    const sp = this.reg(h, 2);
    if (direction === 'forward') {
      const size = classify(this.readMemory(h, before, 4)).length;
      const r = this.timeline.stepForward(h);
      if (r.kind !== 'step') return { stop: this.stop(r) };
      const entered = this.entered(h, before, size, this.pc(h));
      if (!entered) return {};
      if (into && entered.kind === 'call' && this.lineAt(this.pc(h))) return { entered: true };
      const back = await this.runUntil(h, 'forward', entered.returns, (s) => s >= sp);
      return back.reason === 'step' ? {} : { stop: back };
    }
    const r = this.timeline.stepBackward(h);
    if (r.kind !== 'step') return { stop: this.stop(r) };
    const insn = classify(this.readMemory(h, this.pc(h), 4));
    if (insn.kind !== 'return' && insn.kind !== 'trap-return') return {};
    // We came back out of a callee (or a trap handler): go to where it was entered.
    const from = insn.kind === 'return' ? [before - 4n, before - 2n] : [before, before - 4n];
    const back = await this.runUntil(h, 'backward', from, (s) => s >= sp);
    return back.reason === 'step' ? {} : { stop: back };
  }

  /** Between steps of a long stepping loop: a look at whether the user asked to pause. */
  private async pausedAfter(n: number): Promise<boolean> {
    if (n % STEP_SLICE !== 0) return false;
    await yieldToEvents();
    return this.pauseRequested;
  }

  /**
   * Forward to the next statement of another line in this frame: calls and inlined code are stepped
   * over when `over`; `stepIn` (not over) stops in them. Leaving the function (a return, or the end
   * of the inlined code) stops at the next statement there.
   */
  private async lineForward(h: number, over: boolean): Promise<Stop> {
    const start = this.place(this.pc(h));
    const level = start.depth;
    const sp0 = this.reg(h, 2);
    for (let n = 1; ; n++) {
      const { stop, entered } = await this.stepOverCalls(h, 'forward', !over);
      if (stop) return stop;
      if (entered) return { reason: 'step', hart: h };
      const here = this.place(this.pc(h), level);
      if (here.statement) {
        if (here.depth < level || this.reg(h, 2) > sp0) return { reason: 'step', hart: h }; // out of this function
        // A new line starts where the last of the lines whose statements begin there is not one
        // of the lines where we started.
        if (here.depth > level ? !over : !start.keys.includes(here.key)) return { reason: 'step', hart: h };
      }
      if (await this.pausedAfter(n)) return { reason: 'pause', hart: h };
    }
  }

  /**
   * Backward to the first instruction of the previous line executed in this frame (or of the current
   * line, when stopped in its middle), as gdb's reverse-next: step back over callees and inlined
   * code until the line changes twice.
   */
  private async lineBackward(h: number): Promise<Stop> {
    const start = this.place(this.pc(h));
    const level = start.depth;
    const origin = this.timeline.position;
    let target: string | undefined; // the line whose first instruction we look for
    let best = origin;
    for (let n = 1; ; n++) {
      if (await this.pausedAfter(n)) return { reason: 'pause', hart: h };
      const { stop } = await this.stepOverCalls(h, 'backward');
      if (stop) return stop;
      const { key, keys, depth } = this.place(this.pc(h), level);
      if (depth > level) continue; // inside code inlined here: part of its call's line, but no place to stop
      if (target === undefined) {
        if (keys.includes(start.key)) {
          best = this.timeline.position;
          continue;
        }
        if (best !== origin) break; // we were in the middle of the start line: stop at its beginning
        target = key;
      } else if (!keys.includes(target)) break;
      best = this.timeline.position;
    }
    this.timeline.seek(best);
    return { reason: 'step', hart: h };
  }

  /**
   * Out of an inlined function (frame 0 is inlined): forward to the first instruction after its
   * code, or backward to the last one before it, stepping over calls.
   */
  async stepOutInline(h: number, direction: Direction): Promise<Stop> {
    this.pauseRequested = false;
    const level = this.place(this.pc(h)).depth;
    for (let n = 1; ; n++) {
      const { stop } = await this.stepOverCalls(h, direction);
      if (stop) return stop;
      if (this.place(this.pc(h)).depth < level) return { reason: 'step', hart: h };
      if (await this.pausedAfter(n)) return { reason: 'pause', hart: h };
    }
  }

  /**
   * Whether hart h's step from `before` (an instruction of `size` bytes) to `pc` entered a callee or
   * a trap handler, and where it comes back: after a call the return address in ra; after a trap,
   * the interrupted instruction or the one after it.
   */
  private entered(h: number, before: bigint, size: number, pc: bigint): { kind: 'call' | 'trap'; returns: bigint[] } | undefined {
    if (pc === before + BigInt(size)) return undefined;
    const hart = this.hart(h);
    if (this.reg(h, 1) === before + BigInt(size) && pc !== before) return { kind: 'call', returns: [before + BigInt(size)] };
    const vector = (lo: number, hi: number): bigint => BigInt.asUintN(64, (BigInt(hi) << 32n) | BigInt(lo >>> 0)) & ~3n;
    const epc = hart.priv === 3 ? vector(hart.mepcLo, hart.mepcHi) : vector(hart.sepcLo, hart.sepcHi);
    const tvec = hart.priv === 3 ? vector(hart.mtvecLo, hart.mtvecHi) : vector(hart.stvecLo, hart.stvecHi);
    if (epc === before && pc >= tvec && pc < tvec + 128n) return { kind: 'trap', returns: [before, before + 4n] };
    return undefined;
  }

  /**
   * Run in a direction with temporary breakpoints at `addresses` until hart h stops at one of them
   * with a stack pointer that `accept`s (deeper recursion of the same code does not). A user's
   * breakpoint or data breakpoint on the way ends the run there, as in gdb.
   */
  private async runUntil(h: number, direction: Direction, addresses: bigint[], accept: (sp: bigint) => boolean): Promise<Stop> {
    this.temporary = addresses.map((a) => BigInt.asUintN(64, a));
    this.applyBreakpoints();
    try {
      for (;;) {
        const r = direction === 'forward' ? await this.runForward() : await this.runBackward();
        if (r.reason !== 'breakpoint' || !this.temporary.includes(r.address)) return r;
        if (r.hart === h && accept(this.reg(h, 2))) return { reason: 'step', hart: h };
        if (this.isBreakpoint(r.address)) return r; // the user's breakpoint at the same place
      }
    } finally {
      this.temporary = [];
      this.applyBreakpoints();
    }
  }

  private async runForward(): Promise<Stop> {
    for (;;) {
      const r = this.timeline.continueForward(this.timeline.position + SLICE_STEPS);
      if (r.kind !== 'limit') return this.stop(r);
      await yieldToEvents();
      if (this.pauseRequested) return { reason: 'pause', hart: this.currentHart() };
    }
  }

  private async runBackward(): Promise<Stop> {
    const search = this.timeline.backwardSearch();
    for (;;) {
      const r = search.step();
      if (r) return this.stop(r);
      await yieldToEvents();
      if (this.pauseRequested) return { reason: 'pause', hart: this.currentHart() };
    }
  }

  private stop(r: StopReason): Stop {
    switch (r.kind) {
      case 'breakpoint': return { reason: 'breakpoint', hart: r.hart, address: r.pc };
      case 'watchpoint': {
        const d = this.dataBreakpoints.find((x) => r.address >= x.physical && r.address < x.physical + x.length);
        return { reason: 'data breakpoint', hart: r.hart, address: d ? d.address + BigInt(r.address - d.physical) : BigInt(r.address), access: r.access };
      }
      case 'start': return { reason: 'start' };
      case 'end': return { reason: 'end' };
      case 'step': return { reason: 'step', hart: r.hart };
      default: return { reason: 'step', hart: this.currentHart() };
    }
  }
}

const yieldToEvents = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
