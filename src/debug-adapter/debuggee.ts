// The debug adapter's view of a recording: harts, registers and memory at the current position,
// breakpoints by address, and the motions a source debugger needs (continue, and steps by
// instruction, line or frame) in both directions. It knows nothing of the protocol: session.ts
// translates. Time is the timeline's: every motion here is made of its seeks, steps and continues.

import { DebugTarget, Direction, HartView, ResumeOptions, Stop, TrapEvent, Watch } from '../rr/debug-target';
import { AdapterError, ErrorCode } from './errors';
import { KernelSymbols } from '../symbols';
import { disassemble, disassembleOne, Flow } from '../symbols/disasm';

/** Instructions stepped one at a time between looks at whether the user asked to pause. */
const STEP_SLICE = 2_000;

/** Traps looked at, latest first, for the one whose handler a trap return leaves (nested ones returned before it). */
const NESTED_TRAPS = 16;

/**
 * How far above a frame's stack pointer the same frame's code may run (its callers, during a step):
 * the kernel's stack size (THREAD_SIZE is 16 KiB on riscv64). A stack pointer beyond it is another
 * task's stack on the same hart, not a caller of this frame.
 */
const STACK_SPAN = 16n * 1024n;

export type { Direction, Stop };

/** What finding the start of a line needs of an instruction. */
interface Insn {
  value: bigint;
  length: number;
  /** A direct branch's or jump's target. */
  target?: bigint;
  /** A jump through a register that is not a return (jr): its target is not known. */
  indirect: boolean;
}

export interface DataBreakpoint {
  /** Virtual address, as the user gave it. */
  address: bigint;
  length: number;
  kind: Watch['kind'];
}

/** Whether a stack pointer is in the frame whose stack pointer was `sp0`, or in one of its callers. */
const atOrAbove = (sp0: bigint) => (sp: bigint): boolean => sp >= sp0 && sp - sp0 < STACK_SPAN;

export class Debuggee {
  /** Every user breakpoint address. */
  private user = new Set<bigint>();
  /** Instructions of functions, by their start (code never changes under a recording's symbols). */
  private readonly code = new Map<bigint, Insn[]>();
  private readonly places = new Map<string, ReturnType<Debuggee['place']>>();
  /**
   * Whether a hit of the user's breakpoint at `address` by hart h stops a motion (its condition, or
   * a log point that only prints), called with the machine as it is at the hit; every hit stops
   * when unset. Continuing backward, hits are met in forward order within each interval searched:
   * `position` tells where each is.
   */
  breakpointFilter?: (hart: number, address: bigint, position: number) => boolean;
  /** Set by pause(); a running motion stops at its next look. */
  private pauseRequested = false;

  constructor(readonly target: DebugTarget, readonly symbols?: KernelSymbols) {}

  get hartCount(): number {
    return this.target.hartCount;
  }

  hart(h: number): HartView {
    return this.target.hart(h);
  }

  /** The hart that took the last step: the one a stop is about. */
  currentHart(): number {
    return this.target.lastHart();
  }

  pc(h: number): bigint {
    return this.hart(h).pc;
  }

  reg(h: number, r: number): bigint {
    return this.hart(h).reg(r);
  }

  /** Memory as hart h sees it (through its translation); undefined where any byte is unmapped. */
  readMemory(h: number, address: bigint, length: number): Uint8Array | undefined {
    return this.target.readMemory(h, address, length);
  }

  readU64(h: number, address: bigint): bigint | undefined {
    return this.target.readU64(h, address);
  }

  /** The source line at a pc (innermost inlined frame), if the symbols have one. */
  lineAt(pc: bigint) {
    return this.symbols?.stopLine(pc);
  }

  /**
   * Whether the program's first loaded segment is in the machine's memory at the start of the
   * recording, at its physical address (the loader put an ELF, or the Linux Image made from it,
   * there). Where that memory is not RAM, nothing can be said: true.
   */
  programMatches(): boolean {
    const symbols = this.symbols;
    if (!symbols) return true;
    const PT_LOAD = 1;
    const segment = symbols.elf.programs.find((p) => p.type === PT_LOAD && p.filesz > 0);
    if (!segment) return true;
    const n = Math.min(256, segment.filesz);
    const wanted = symbols.elf.bytes(segment.offset, n);
    const there = this.target.readPhysical(Number(segment.paddr), n);
    if (!there) return true;
    return Buffer.from(wanted).equals(Buffer.from(there));
  }

  // --- Breakpoints ------------------------------------------------------------------------------------

  /** Replace the user's breakpoint addresses (source lines, functions and instructions together). */
  setBreakpoints(addresses: readonly bigint[]): void {
    this.user = new Set(addresses.map((a) => BigInt.asUintN(64, a)));
    this.target.setBreakpoints([...this.user]);
  }

  /**
   * Replace the data breakpoints. Each address is translated through hart h's page tables now
   * (watchpoints are physical); those that are not mapped come back in `unmapped`.
   */
  setDataBreakpoints(h: number, list: DataBreakpoint[]): { unmapped: DataBreakpoint[] } {
    const { unmapped } = this.target.setWatchpoints(list.map((d) => ({ ...d, hart: h })));
    return { unmapped: list.filter((d) => unmapped.some((u) => u.address === d.address && u.length === d.length && u.kind === d.kind)) };
  }

  /** Whether a hit of the user's breakpoints stops (their conditions and log points decide). */
  private userStop(hart: number, pc: bigint, position: number): boolean {
    return this.user.has(pc) && (!this.breakpointFilter || this.breakpointFilter(hart, pc, position));
  }

  /** A motion's options: the user's breakpoints and data breakpoints stop it, and so does a pause. */
  private options(extra: Partial<ResumeOptions> = {}): ResumeOptions {
    return { stopFilter: (hit) => this.userStop(hit.hart, hit.pc, hit.position), interrupted: () => this.pauseRequested, ...extra };
  }

  // --- Motions --------------------------------------------------------------------------------------

  /** Ask a running motion to stop at its next look (a pause request). */
  pause(): void {
    this.pauseRequested = true;
  }

  /**
   * Replay toward a far position in slices (DebugTarget.approach), as a seek's first part; a pause or
   * `ended` stops it early. Whether it went the whole way (seek() then takes the last slice).
   */
  async approach(position: number, ended: () => boolean): Promise<boolean> {
    this.pauseRequested = false;
    await this.target.approach(position, () => ended() || this.pauseRequested);
    return !ended() && !this.pauseRequested;
  }

  /** Continue in a direction to the next breakpoint or data breakpoint, the start or the end. */
  async continue(direction: Direction): Promise<Stop> {
    this.pauseRequested = false;
    return this.target.resume(direction, this.options());
  }

  /** One instruction of hart h (the Disassembly view's steps: breakpoints are passed over). */
  stepInstruction(h: number, direction: Direction): Promise<Stop> {
    return this.target.step(h, direction);
  }

  /**
   * To the start of the next (or, backward, the previous) source line that hart h executes in this
   * frame. Calls and traps are stepped over when `over` (or when the code they reach has no line
   * information); `stepIn` stops at the first line of a called function. Without line information,
   * one instruction.
   */
  async stepLine(h: number, direction: Direction, over: boolean): Promise<Stop> {
    this.pauseRequested = false;
    if (!this.symbols?.hasDwarf || !this.lineAt(this.pc(h))) return this.singleStep(h, direction);
    return direction === 'forward' ? this.lineForward(h, over) : this.lineBackward(h);
  }

  /**
   * Out of the current function: forward to just after the call returns, or backward to the call
   * instruction in the caller. `caller` is the caller's frame (its pc is the return address).
   */
  async stepOut(h: number, direction: Direction, caller: { pc: bigint; sp: bigint }): Promise<Stop> {
    this.pauseRequested = false;
    // In the caller, sp is the caller's again (the callee's CFA); deeper recursion has a lower one.
    const inCaller = atOrAbove(caller.sp);
    if (direction === 'forward') return this.runUntil(h, 'forward', [caller.pc], inCaller);
    // The call instruction is just before the return address: a 4-byte jal/jalr or a 2-byte c.jalr.
    return this.runUntil(h, 'backward', [caller.pc - 4n, caller.pc - 2n], inCaller);
  }

  /**
   * Go to an exact position (the timeline clamps it). Past where replay is known to diverge from the
   * recording it is refused, with the sentence that says so; a seek that finds it stops at the last
   * state the recording vouches for ({ kind: 'diverged' }).
   */
  seek(position: number): Stop {
    const known = this.target.divergence;
    if (known && position > known.limit) throw new AdapterError(ErrorCode.BadInput, known.message);
    this.target.seek(position);
    const d = this.target.divergence;
    if (d && position > d.limit) return { kind: 'diverged', hart: this.currentHart(), position: d.limit, message: d.message };
    return { kind: 'step', hart: this.currentHart() };
  }

  /**
   * Refuse a forward motion where replay is known to diverge from the recording right here: the
   * recording vouches for nothing past this state. (A motion that reaches it stops there.)
   */
  refuseForwardAtDivergence(): void {
    const d = this.target.divergence;
    if (d && this.target.position >= d.limit) throw new AdapterError(ErrorCode.BadInput, d.message);
  }

  /**
   * One step of hart h inside a stepping motion: the user's breakpoints, data breakpoints and log
   * points met on the way stop it, as in a continue; forward, a user breakpoint where h arrives
   * stops it too (it would otherwise be stepped over by the next step).
   */
  private async singleStep(h: number, direction: Direction): Promise<Stop> {
    const stop = await this.target.step(h, direction, this.options());
    if (stop.kind === 'step' && direction === 'forward') {
      const pc = this.pc(h);
      if (this.userStop(h, pc, this.target.position)) return { kind: 'breakpoint', hart: h, pc };
    }
    return stop;
  }

  /**
   * Where a pc is, for stepping by lines: `depth` is the number of frames there (the function and
   * those inlined into it); `key` is the line of the frame `level` deep (1 = the real function), so
   * that code inlined deeper counts as its call's line; `keys` adds the other lines whose
   * statements begin where key's row does; `statement` says whether a statement starts at the pc.
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
  private async stepOverCalls(h: number, direction: Direction, into = false, userStops = true): Promise<{ stop?: Stop; entered?: boolean }> {
    const before = this.pc(h);
    const steps = this.hart(h).steps;
    const inFrame = atOrAbove(this.reg(h, 2));
    const step = (): Promise<Stop> => (userStops ? this.singleStep(h, direction) : this.target.step(h, direction));
    if (direction === 'forward') {
      const size = this.decode(h, before)?.length ?? 4;
      const r = await step();
      if (r.kind !== 'step') return { stop: r };
      const entered = this.entered(h, before, size, this.pc(h));
      if (!entered) return {};
      if (into && entered.kind === 'call' && this.lineAt(this.pc(h))) return { entered: true };
      const back = await this.runUntil(h, 'forward', entered.returns, inFrame, userStops);
      return back.kind === 'step' ? {} : { stop: back };
    }
    const r = await step();
    if (r.kind !== 'step') return { stop: r };
    // Back from a trap handler's first instruction to the instruction it interrupted: that
    // instruction has not run.
    if (this.hart(h).steps === steps) return {};
    const flow = this.decode(h, this.pc(h))?.flow;
    if (flow !== 'return' && flow !== 'trap-return') return {};
    // We came back out of a callee (or a trap handler): go to where it was entered.
    if (flow === 'trap-return') {
      const back = await this.backOverHandler(h, before, userStops);
      if (back) return back.kind === 'step' ? {} : { stop: back };
    }
    const from = flow === 'return' ? [before - 4n, before - 2n] : [before, before - 4n];
    const back = await this.runUntil(h, 'backward', from, inFrame, userStops);
    return back.kind === 'step' ? {} : { stop: back };
  }

  /**
   * Hart h is at a trap return (sret, mret) that goes back to `to`: back to just before the trap that
   * entered its handler, found among the recorded traps of h: the latest whose handler returns to
   * `to` (the trapped instruction, or the one after it), at the same privilege as the return. An
   * interrupt taken as a turn began is found there, not at an earlier run of the instruction it
   * interrupted (which has not run yet when it is taken). A user's stop on the way ends it there.
   * Undefined (the machine where it was) where no recorded trap fits.
   */
  private async backOverHandler(h: number, to: bigint, userStops: boolean): Promise<Stop | undefined> {
    const origin = this.target.position;
    const privilege = this.hart(h).privilege;
    const [epcCsr, tvecCsr] = privilege === 3 ? ['mepc', 'mtvec'] : ['sepc', 'stvec'];
    const returns = [to, to - 4n, to - 2n];
    let trap = this.target.lastTrapBefore(h, origin);
    for (let n = 0; trap && n < NESTED_TRAPS; n++, trap = this.target.previousTrap(trap)) {
      // Back to the handler's first instruction (a user's stop in the handler ends it first).
      const r = await this.target.resume('backward', this.options({
        floor: this.target.trapPosition(trap, 'after'),
        ...(userStops ? {} : { stopFilter: () => false }),
      }));
      if (r.kind !== 'step') return r;
      // Just after it: at its vector (privileged spec 4.1.2, stvec: in vectored mode an interrupt
      // goes to BASE + 4 * cause), in the return's privilege, its epc where the return goes.
      const hart = this.hart(h);
      const tvec = hart.csrNamed(tvecCsr) ?? 0n;
      const vector = (tvec & ~3n) + ((tvec & 3n) === 1n && trap.interrupt ? 4n * BigInt(trap.cause) : 0n);
      if (hart.privilege === privilege && hart.pc === vector && returns.includes(hart.csrNamed(epcCsr) ?? 0n)) {
        this.target.seekTrap(trap, 'before');
        return { kind: 'step', hart: h };
      }
    }
    this.target.seek(origin);
    return undefined;
  }

  /** The instruction at pc as hart h sees it, if it can be read. */
  private decode(h: number, pc: bigint): { length: number; flow?: Flow } | undefined {
    const bytes = this.readMemory(h, pc, 4) ?? this.readMemory(h, pc, 2);
    return bytes && disassembleOne(bytes, pc);
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
      if (entered) return { kind: 'step', hart: h };
      const here = this.place(this.pc(h), level);
      if (here.statement) {
        if (here.depth < level || this.reg(h, 2) > sp0) return { kind: 'step', hart: h }; // out of this function
        // A new line starts where the last of the lines whose statements begin there is not one
        // of the lines where we started.
        if (here.depth > level ? !over : !start.keys.includes(here.key)) return { kind: 'step', hart: h };
      }
      if (await this.pausedAfter(n)) return { kind: 'interrupted', hart: h };
    }
  }

  /**
   * Backward to the first instruction of the previous line executed in this frame (or of the current
   * line, when stopped in its middle), as gdb's reverse-next, stepping over callees and inlined
   * code. Each boundary is found by one backward search (runStart), not by stepping back one
   * instruction at a time; without a sized function around the pc, by single steps.
   */
  private async lineBackward(h: number): Promise<Stop> {
    const origin = this.target.position;
    const pc = this.pc(h);
    // Where h is about to take an interrupt as its turn begins, a seek to here would take it.
    const revisitable = !this.target.interruptPending(h);
    const steps = this.hart(h).steps; // the hart's own progress (other harts' steps interleave)
    const start = this.place(pc);
    const first = await this.runStart(h, start.key, start.depth);
    if (first !== 'found') return first;
    // It was in the middle of its line; unless all it did since its run began is a trap handler that
    // returned to where it was (then it was at the start of the line, and is now before the trap).
    if (this.hart(h).steps < steps && !(this.pc(h) === pc && revisitable && (await this.onlyHandlerSince(h, origin)))) {
      return { kind: 'step', hart: h };
    }
    // At the start of its line: one step back is the previous line's last instruction.
    const { stop } = await this.stepOverCalls(h, 'backward');
    if (stop) return stop;
    const previous = this.place(this.pc(h));
    const level = Math.min(previous.depth, start.depth);
    const found = await this.runStart(h, this.place(this.pc(h), level).key, level);
    return found === 'found' ? { kind: 'step', hart: h } : found;
  }

  /**
   * Whether all hart h did from here (where it is at the same instruction as at `origin`) to
   * `origin` is a trap handler that returned to that instruction. If so, it is left just before the
   * trap (as here: same instruction, same steps); if not, here.
   */
  private async onlyHandlerSince(h: number, origin: number): Promise<boolean> {
    const here = this.target.position;
    const steps = this.hart(h).steps;
    const pc = this.pc(h);
    this.target.seek(origin);
    const { stop } = await this.stepOverCalls(h, 'backward', false, false);
    if (!stop && this.hart(h).steps === steps && this.pc(h) === pc) return true;
    this.target.seek(here);
    return false;
  }

  /**
   * Back to the first instruction of the run of line `key` (seen `level` frames deep) that hart h
   * is in: the last time before now that h, in this frame, was at an instruction of this function
   * that is not in the line (or at the call into the function), then one step on from there.
   */
  private async runStart(h: number, key: string, level: number): Promise<Stop | 'found'> {
    // In the trap entry, a run begins no earlier than the trap that entered it.
    const trap = this.trapEntered(h);
    const floor = trap && this.target.trapPosition(trap, 'after');
    const bounds = this.outsideLine(h, key, level);
    if (!bounds || bounds.inFunction.length + bounds.callSites.length === 0) return this.runStartBySteps(h, key, level);
    const r = await this.runUntil(h, 'backward', [...bounds.inFunction, ...bounds.callSites], atOrAbove(this.reg(h, 2)), true, floor);
    if (r.kind === 'start') return 'found'; // the run began with the recording, or at the trap
    if (r.kind !== 'step') return r;
    // From the call into the function, one step enters it; from an instruction of another line, a
    // call there returns into ours. Both re-run code this motion has already searched backward
    // through: without the user's stops (a log point there would print again).
    if (bounds.callSites.includes(this.pc(h))) {
      await this.target.step(h, 'forward');
      return 'found';
    }
    const { stop } = await this.stepOverCalls(h, 'forward', false, false);
    return stop ?? 'found';
  }

  /**
   * The addresses a run of line `key` is bounded by: the instructions of the function around hart
   * h's pc that are not in the line, and the calls into the function (the caller's call
   * instruction, found by unwinding). Undefined where the function is not known by a sized symbol.
   */
  private outsideLine(h: number, key: string, level: number): { inFunction: bigint[]; callSites: bigint[] } | undefined {
    const pc = this.pc(h);
    const code = this.functionCode(h, pc);
    if (!code) return undefined;
    // Only the instructions that can pass control into the line: those just before its code, the
    // branches and jumps to it, and indirect jumps (their targets are unknown). Breakpoints on every
    // other instruction would bound the run as well, but would stop the replay at each of them.
    const inLine = new Set(code.filter((a) => this.placeCached(a.value, level).keys.includes(key)).map((a) => a.value));
    const inFunction: bigint[] = [];
    for (const a of code) {
      if (inLine.has(a.value)) continue;
      if (inLine.has(a.value + BigInt(a.length)) || (a.target !== undefined && inLine.has(a.target)) || a.indirect) inFunction.push(a.value);
    }
    const registers = new Map<number, bigint>();
    for (let r = 0; r < 32; r++) registers.set(r, this.reg(h, r));
    const caller = this.symbols!.unwind({ pc, registers }, (a) => this.readU64(h, a));
    const callSites = caller.kind === 'caller' ? [caller.caller.pc - 4n, caller.caller.pc - 2n] : [];
    return { inFunction, callSites };
  }

  /**
   * The trap whose handler hart h is in, where its pc is in the function its trap vector (stvec, or
   * mtvec in M-mode) points to: the trap entry, which only traps enter. Undefined elsewhere.
   */
  private trapEntered(h: number): TrapEvent | undefined {
    const hart = this.hart(h);
    const tvec = (hart.csrNamed(hart.privilege === 3 ? 'mtvec' : 'stvec') ?? 0n) & ~3n;
    const symtab = this.symbols?.symtab;
    const entry = symtab?.lookup(tvec);
    if (!entry || entry.size === 0n || entry.address !== symtab!.lookup(hart.pc)?.address) return undefined;
    return this.target.lastTrapTaken(h);
  }

  /** The instructions of the function (by its symbol) around pc, decoded once. */
  private functionCode(h: number, pc: bigint): Insn[] | undefined {
    const sym = this.symbols?.symtab.lookup(pc);
    if (!sym || sym.size === 0n || sym.size > 0x40000n || pc >= sym.address + sym.size) return undefined;
    let code = this.code.get(sym.address);
    if (!code) {
      const bytes = this.readMemory(h, sym.address, Number(sym.size));
      if (!bytes) return undefined;
      code = disassemble(bytes, sym.address).map((i) => ({
        value: i.address,
        length: i.length,
        target: i.target,
        indirect: i.flow === 'indirect',
      }));
      this.code.set(sym.address, code);
    }
    return code;
  }

  /** place(), remembered: code and symbols do not change under a recording. */
  private placeCached(pc: bigint, level: number): ReturnType<Debuggee['place']> {
    const k = `${pc}/${level}`;
    let p = this.places.get(k);
    if (!p) this.places.set(k, (p = this.place(pc, level)));
    return p;
  }

  /** runStart by single steps back, where the function's extent is not known. */
  private async runStartBySteps(h: number, key: string, level: number): Promise<Stop | 'found'> {
    let best = this.target.position;
    for (let n = 1; ; n++) {
      if (await this.pausedAfter(n)) return { kind: 'interrupted', hart: h };
      const { stop } = await this.stepOverCalls(h, 'backward');
      if (stop?.kind === 'start') break;
      if (stop) return stop;
      const here = this.place(this.pc(h), level);
      if (here.depth > level) continue; // inside code inlined here: part of its call's line
      if (!here.keys.includes(key)) break;
      best = this.target.position;
    }
    this.target.seek(best);
    return 'found';
  }

  /**
   * Out of an inlined function (frame 0 is inlined): forward to the first instruction after its
   * code, or backward to the last one before it, stepping over calls.
   */
  async stepOutInline(h: number, direction: Direction): Promise<Stop> {
    this.pauseRequested = false;
    const level = this.place(this.pc(h)).depth;
    const sp0 = this.reg(h, 2);
    for (let n = 1; ; n++) {
      const { stop } = await this.stepOverCalls(h, direction);
      if (stop) return stop;
      // Out of the inlined code, or out of the function it is inlined in (a return, or its entry).
      if (this.place(this.pc(h)).depth < level || this.reg(h, 2) > sp0) return { kind: 'step', hart: h };
      if (await this.pausedAfter(n)) return { kind: 'interrupted', hart: h };
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
    // The trap's CSRs of the mode it was taken to (privileged spec 3.1.7 mtvec, 3.1.14 mepc; 4.1.2
    // stvec, 4.1.7 sepc): mode bits off.
    const [epcCsr, tvecCsr] = hart.privilege === 3 ? ['mepc', 'mtvec'] : ['sepc', 'stvec'];
    const epc = (hart.csrNamed(epcCsr) ?? 0n) & ~3n;
    const tvec = (hart.csrNamed(tvecCsr) ?? 0n) & ~3n;
    if (epc === before && pc >= tvec && pc < tvec + 128n) return { kind: 'trap', returns: [before, before + 4n] };
    return undefined;
  }

  /**
   * Run in a direction with temporary breakpoints at `addresses` until hart h stops at one of them
   * with a stack pointer that `accept`s (deeper recursion of the same code does not). A user's
   * breakpoint or data breakpoint on the way ends the run there, as in gdb (unless `userStops` is
   * false: the run re-executes code already searched). Backward, a run that reaches `floor` ends
   * there as if at the recording's start ({ kind: 'start' }).
   */
  private async runUntil(h: number, direction: Direction, addresses: bigint[], accept: (sp: bigint) => boolean, userStops = true, floor?: number): Promise<Stop> {
    const temporary = new Set(addresses.map((a) => BigInt.asUintN(64, a)));
    // Decided at each hit, as the timeline scans: the motion's own breakpoints count for its hart in
    // its frame; the user's by their conditions and log points.
    const ours = (hart: number, pc: bigint): boolean => temporary.has(pc) && hart === h && accept(this.reg(h, 2));
    const r = await this.target.resume(direction, this.options({
      temporary: [...temporary],
      stopFilter: (hit) => ours(hit.hart, hit.pc) || (userStops && this.userStop(hit.hart, hit.pc, hit.position)),
      interrupted: () => this.pauseRequested,
      floor: direction === 'backward' ? floor : undefined,
    }));
    if (floor !== undefined && direction === 'backward' && r.kind === 'step') return { kind: 'start', hart: h };
    return r.kind === 'breakpoint' && ours(r.hart, r.pc) ? { kind: 'step', hart: h } : r;
  }
}

const yieldToEvents = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
