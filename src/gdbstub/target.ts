// The gdb stub's target: the debug target (src/rr/debug-target.ts) seen as gdb sees a machine.
// Threads are harts (thread id = hart + 1); registers are numbered as gdb's RISC-V target (x0-x31
// 0..31, pc 32, f0-f31 33..64, CSRs 65 + number, priv 4161). Nothing here knows the packet format:
// the server (server.ts) translates.

import { DebugTarget, describeHart, ResumeOptions, Stop, WatchKind } from '../rr/debug-target';

export const PC_REGNUM = 32;
export const FIRST_FP_REGNUM = 33;
export const FIRST_CSR_REGNUM = 65;
export const PRIV_REGNUM = 4161;

export type WatchType = WatchKind;

/** Why the target stopped, in gdb's terms. */
export type StopEvent =
  | { kind: 'signal'; thread: number }
  /** gdb interrupted a continue (Ctrl-C). */
  | { kind: 'interrupt'; thread: number }
  | { kind: 'swbreak'; thread: number }
  | { kind: 'hwbreak'; thread: number }
  | { kind: 'watch'; thread: number; type: WatchType; address: bigint }
  | { kind: 'replaylog'; thread: number; which: 'begin' | 'end' }
  /** Replay diverged from the recording: stopped at the last state it vouches for (`message` says so). */
  | { kind: 'diverged'; thread: number; message: string };

interface GdbWatch {
  address: bigint;
  length: number;
  type: WatchType;
  /** The hart of the thread whose translation the address was set in. */
  hart: number;
}

export class ReplayTarget {
  private breakpoints = new Set<bigint>();
  /** Breakpoints gdb inserted as hardware ones (Z1): their stops say hwbreak. */
  private hardware = new Set<bigint>();
  private watches: GdbWatch[] = [];

  constructor(readonly target: DebugTarget) {}

  /** Thread ids: one per hart. */
  threads(): number[] {
    return Array.from({ length: this.target.hartCount }, (_, h) => h + 1);
  }

  hasThread(thread: number): boolean {
    return Number.isInteger(thread) && thread >= 1 && thread <= this.target.hartCount;
  }

  private hartOf(thread: number): number {
    if (!this.hasThread(thread)) throw new RangeError(`no thread ${thread}`);
    return thread - 1;
  }

  /** The thread gdb should see as current after a stop: the hart that took the last step. */
  threadAtPosition(): number {
    return this.target.lastHart() + 1;
  }

  /** What `info threads` shows beside a thread: which hart, and what it is doing. */
  describe(thread: number): string {
    const h = this.target.hart(this.hartOf(thread));
    return `hart ${h.id}, ${describeHart(h)}`;
  }

  /** One register as gdb's little-endian bytes, or undefined if there is no such register. */
  readRegister(thread: number, regnum: number): Uint8Array | undefined {
    const h = this.target.hart(this.hartOf(thread));
    let v: bigint | undefined;
    if (regnum >= 0 && regnum < 32) v = h.reg(regnum);
    else if (regnum === PC_REGNUM) v = h.pc;
    else if (regnum >= FIRST_FP_REGNUM && regnum < FIRST_FP_REGNUM + 32) v = h.freg(regnum - FIRST_FP_REGNUM);
    else if (regnum === PRIV_REGNUM) v = BigInt(h.privilege);
    else if (regnum >= FIRST_CSR_REGNUM && regnum < FIRST_CSR_REGNUM + 4096) v = h.csr(regnum - FIRST_CSR_REGNUM);
    if (v === undefined) return undefined;
    const out = new Uint8Array(8);
    new DataView(out.buffer).setBigUint64(0, BigInt.asUintN(64, v), true);
    return out;
  }

  /** The general registers (x0-x31, pc), as the 'g' packet sends them. */
  readGeneralRegisters(thread: number): Uint8Array {
    const out = new Uint8Array(33 * 8);
    for (let r = 0; r <= PC_REGNUM; r++) out.set(this.readRegister(thread, r)!, r * 8);
    return out;
  }

  /** Memory as the thread's hart sees it (virtual, through its current translation). */
  readMemory(thread: number, address: bigint, length: number): Uint8Array | undefined {
    return this.target.readMemory(this.hartOf(thread), address, length);
  }

  /** CSRs that exist, for the target description. */
  csrs(): { num: number; name: string }[] {
    return this.target.csrs();
  }

  // --- Breakpoints and watchpoints (gdb's addresses are virtual) ----------------------------------

  insertBreakpoint(address: bigint, hardware = false): void {
    const a = BigInt.asUintN(64, address);
    this.breakpoints.add(a);
    if (hardware) this.hardware.add(a);
    this.target.setBreakpoints([...this.breakpoints]);
  }

  removeBreakpoint(address: bigint): void {
    const a = BigInt.asUintN(64, address);
    this.breakpoints.delete(a);
    this.hardware.delete(a);
    this.target.setBreakpoints([...this.breakpoints]);
  }

  /** False if the address is not mapped for the thread (gdb then reports an error). */
  insertWatchpoint(thread: number, address: bigint, length: number, type: WatchType): boolean {
    const watch = { address: BigInt.asUintN(64, address), length, type, hart: this.hartOf(thread) };
    if (!this.applyWatches([...this.watches, watch])) {
      this.applyWatches(this.watches);
      return false;
    }
    this.watches.push(watch);
    return true;
  }

  removeWatchpoint(address: bigint, length: number, type: WatchType): void {
    const a = BigInt.asUintN(64, address);
    this.watches = this.watches.filter((w) => !(w.address === a && w.length === length && w.type === type));
    this.applyWatches(this.watches);
  }

  /** Watch these (each through its thread's translation now); false if any is not mapped. */
  private applyWatches(list: GdbWatch[]): boolean {
    const { unmapped } = this.target.setWatchpoints(list.map((w) => ({ address: w.address, length: w.length, kind: w.type, hart: w.hart })));
    return unmapped.length === 0;
  }

  /** Forget every breakpoint and watchpoint (a gdb connection ended). */
  clearAll(): void {
    this.breakpoints.clear();
    this.hardware.clear();
    this.watches = [];
    this.target.setBreakpoints([]);
    this.target.setWatchpoints([]);
  }

  // --- Execution ------------------------------------------------------------------------------------

  /** One instruction of `thread`, forward or backward; every breakpoint and watchpoint is passed over. */
  async step(thread: number, direction: 'forward' | 'backward'): Promise<StopEvent> {
    return this.event(await this.target.step(this.hartOf(thread), direction), thread);
  }

  /**
   * Continue in a direction until a stop. With `only`, only that thread's breakpoint hits count
   * (gdb resumed it alone: `vCont;c:N`, its step over a breakpoint); the harts still run as recorded.
   */
  async resume(direction: 'forward' | 'backward', only: number | undefined, interrupted: () => boolean): Promise<StopEvent> {
    const hart = only === undefined ? undefined : this.hartOf(only);
    const options: ResumeOptions = { interrupted, stopFilter: hart === undefined ? undefined : (hit) => hit.hart === hart };
    const stop = await this.target.resume(direction, options);
    if (stop.kind === 'watchpoint') {
      // gdb treats RISC-V watchpoints as non-steppable: after a watchpoint stop it steps one
      // instruction itself, in the direction it was going. So, as QEMU does, report the stop
      // before the access going forward (gdb's step then makes it), and after it going backward
      // (gdb's reverse step then lands on the accessing instruction).
      if (direction === 'forward') this.target.seek(stop.accessPosition);
      else await this.target.step(stop.hart, 'forward');
    }
    return this.event(stop, this.threadAtPosition());
  }

  private event(r: Stop, thread: number): StopEvent {
    switch (r.kind) {
      case 'breakpoint': return { kind: this.hardware.has(r.pc) ? 'hwbreak' : 'swbreak', thread: r.hart + 1 };
      case 'watchpoint': {
        const type: WatchType = r.watch?.kind === 'access' ? 'access' : r.access;
        return { kind: 'watch', thread: r.hart + 1, type, address: r.address };
      }
      case 'interrupted': return { kind: 'interrupt', thread: r.hart + 1 };
      case 'start': return { kind: 'replaylog', thread, which: 'begin' };
      case 'end': return { kind: 'replaylog', thread, which: 'end' };
      case 'diverged': return { kind: 'diverged', thread, message: r.message };
      case 'step': return { kind: 'signal', thread: r.hart + 1 };
      default: return { kind: 'signal', thread };
    }
  }
}
