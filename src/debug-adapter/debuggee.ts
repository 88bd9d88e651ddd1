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
const lineKey = (l: { file: string; line: number } | undefined): string => (l ? `${l.file}:${l.line}` : '');

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

  private async lineForward(h: number, over: boolean): Promise<Stop> {
    const startLine = lineKey(this.lineAt(this.pc(h)));
    const sp0 = this.reg(h, 2);
    for (let n = 1; ; n++) {
      const before = this.pc(h);
      const size = classify(this.readMemory(h, before, 4)).length;
      const r = this.timeline.stepForward(h);
      if (r.kind !== 'step') return this.stop(r);
      const pc = this.pc(h);
      const entered = this.entered(h, before, size, pc);
      if (entered) {
        if (!over && entered.kind === 'call' && this.lineAt(pc)) return { reason: 'step', hart: h };
        const back = await this.runUntil(h, 'forward', entered.returns, (sp) => sp >= sp0);
        if (back.reason !== 'step') return back;
      }
      const here = this.lineAt(this.pc(h));
      if (here?.statement && lineKey(here) !== startLine) return { reason: 'step', hart: h };
      if (this.reg(h, 2) > sp0 && here?.statement) return { reason: 'step', hart: h }; // returned into the caller
      if (n % STEP_SLICE === 0) {
        await yieldToEvents();
        if (this.pauseRequested) return { reason: 'pause', hart: h };
      }
    }
  }

  /**
   * Backward to the first instruction of the previous line executed in this frame (or of the current
   * line, when stopped in its middle), as gdb's reverse-next: step back, stepping over callees
   * (found by a `ret` or `sret` just before), until the line changes twice.
   */
  private async lineBackward(h: number): Promise<Stop> {
    const startLine = lineKey(this.lineAt(this.pc(h)));
    const origin = this.timeline.position;
    let target: string | undefined; // the line whose first instruction we look for
    let best = origin;
    for (let n = 1; ; n++) {
      const after = this.pc(h);
      const sp = this.reg(h, 2);
      const r = this.timeline.stepBackward(h);
      if (r.kind !== 'step') return this.stop(r);
      const insn = classify(this.readMemory(h, this.pc(h), 4));
      if (insn.kind === 'return' || insn.kind === 'trap-return') {
        // We came back out of a callee (or a trap handler): go to where it was entered.
        const from = insn.kind === 'return' ? [after - 4n, after - 2n] : [after, after - 4n];
        const back = await this.runUntil(h, 'backward', from, (s) => s >= sp);
        if (back.reason !== 'step') return back;
      }
      const key = lineKey(this.lineAt(this.pc(h)));
      if (target === undefined) {
        if (key === startLine) {
          best = this.timeline.position;
          continue;
        }
        if (best !== origin) break; // we were in the middle of the start line: stop at its beginning
        target = key;
      } else if (key !== target) break;
      best = this.timeline.position;
      if (n % STEP_SLICE === 0) {
        await yieldToEvents();
        if (this.pauseRequested) return { reason: 'pause', hart: h };
      }
    }
    this.timeline.seek(best);
    return { reason: 'step', hart: h };
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
