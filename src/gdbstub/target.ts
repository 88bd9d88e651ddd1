// The gdb stub's target: a recording's timeline seen as gdb sees a machine. Threads are harts
// (thread id = hart + 1); registers are numbered as gdb's RISC-V target (x0-x31 0..31, pc 32,
// f0-f31 33..64, CSRs 65 + number, priv 4161); memory is read through the hart's translation.
// Nothing here knows the packet format: the server (server.ts) translates.

import { csrList, peekCsr } from '../emulator/hart/csr';
import { Access } from '../emulator/hart/mmu';
import { StopReason, Timeline, Watchpoint } from '../rr/timeline';

export const PC_REGNUM = 32;
export const FIRST_FP_REGNUM = 33;
export const FIRST_CSR_REGNUM = 65;
export const PRIV_REGNUM = 4161;

export type WatchType = 'write' | 'read' | 'access';

/** Why the target stopped, in gdb's terms. */
export type StopEvent =
  | { kind: 'signal'; thread: number }
  /** gdb interrupted a continue (Ctrl-C). */
  | { kind: 'interrupt'; thread: number }
  | { kind: 'swbreak'; thread: number }
  | { kind: 'hwbreak'; thread: number }
  | { kind: 'watch'; thread: number; type: WatchType; address: bigint }
  | { kind: 'replaylog'; thread: number; which: 'begin' | 'end' };

interface GdbWatch {
  address: bigint;
  length: number;
  type: WatchType;
  physical?: number;
}

export class ReplayTarget {
  private breakpoints = new Set<bigint>();
  /** Breakpoints gdb inserted as hardware ones (Z1): their stops say hwbreak. */
  private hardware = new Set<bigint>();
  private watches: GdbWatch[] = [];

  constructor(readonly timeline: Timeline) {}

  get machine() {
    return this.timeline.machine;
  }

  /** Thread ids: one per hart. */
  threads(): number[] {
    return this.machine.harts.map((h) => h.id + 1);
  }

  hartOf(thread: number): number {
    const h = thread - 1;
    if (h < 0 || h >= this.machine.harts.length) throw new RangeError(`no thread ${thread}`);
    return h;
  }

  /** The thread gdb should see as current after a stop: the hart that took the last step. */
  threadAtPosition(): number {
    const p = this.timeline.position;
    const h = this.timeline.hartAt(p > this.timeline.start ? p - 1 : p);
    return (h ?? 0) + 1;
  }

  describe(thread: number): string {
    const h = this.machine.harts[this.hartOf(thread)];
    const state = h.stopped ? 'stopped' : h.wfi ? 'waiting (wfi)' : 'running';
    return `hart ${h.id} [${state}, ${['U', 'S', '?', 'M'][h.priv]}-mode]`;
  }

  /** One register as gdb's little-endian bytes, or undefined if there is no such register. */
  readRegister(thread: number, regnum: number): Uint8Array | undefined {
    const h = this.machine.harts[this.hartOf(thread)];
    let v: bigint | undefined;
    if (regnum >= 0 && regnum < 32) v = h.reg(regnum);
    else if (regnum === PC_REGNUM) v = BigInt.asUintN(64, BigInt(h.pc));
    else if (regnum >= FIRST_FP_REGNUM && regnum < FIRST_FP_REGNUM + 32) {
      const r = regnum - FIRST_FP_REGNUM;
      v = (BigInt(h.f[2 * r + 1] >>> 0) << 32n) | BigInt(h.f[2 * r] >>> 0);
    } else if (regnum === PRIV_REGNUM) v = BigInt(h.priv);
    else if (regnum >= FIRST_CSR_REGNUM && regnum < FIRST_CSR_REGNUM + 4096) v = peekCsr(h, regnum - FIRST_CSR_REGNUM);
    if (v === undefined) return undefined;
    const out = new Uint8Array(8);
    new DataView(out.buffer).setBigUint64(0, v, true);
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
    const h = this.machine.harts[this.hartOf(thread)];
    return this.machine.readVirtual(h, address, length);
  }

  /** CSRs that exist, for the target description. */
  csrs(): { num: number; name: string }[] {
    return csrList();
  }

  // --- Breakpoints and watchpoints (gdb's addresses are virtual) ----------------------------------

  insertBreakpoint(address: bigint, hardware = false): void {
    const a = BigInt.asUintN(64, address);
    this.breakpoints.add(a);
    if (hardware) this.hardware.add(a);
    this.timeline.setBreakpoints([...this.breakpoints]);
  }

  removeBreakpoint(address: bigint): void {
    const a = BigInt.asUintN(64, address);
    this.breakpoints.delete(a);
    this.hardware.delete(a);
    this.timeline.setBreakpoints([...this.breakpoints]);
  }

  /** False if the address is not mapped for the current thread (gdb then reports an error). */
  insertWatchpoint(thread: number, address: bigint, length: number, type: WatchType): boolean {
    const h = this.machine.harts[this.hartOf(thread)];
    const physical = this.machine.virtualToPhysical(h, address, Access.Load);
    if (physical === undefined) return false;
    this.watches.push({ address, length, type, physical });
    this.applyWatches();
    return true;
  }

  removeWatchpoint(address: bigint, length: number, type: WatchType): void {
    this.watches = this.watches.filter((w) => !(w.address === address && w.length === length && w.type === type));
    this.applyWatches();
  }

  private applyWatches(): void {
    const list: Watchpoint[] = this.watches.map((w) => ({ start: w.physical!, length: w.length, kind: w.type === 'access' ? 'access' : w.type }));
    this.timeline.setWatchpoints(list);
  }

  /** Forget every breakpoint and watchpoint (a gdb connection ended). */
  clearAll(): void {
    this.breakpoints.clear();
    this.hardware.clear();
    this.watches = [];
    this.timeline.setBreakpoints([]);
    this.timeline.setWatchpoints([]);
  }

  // --- Execution ------------------------------------------------------------------------------------

  /**
   * Resume only `thread` (gdb left the others stopped), or every thread. The harts still run as
   * recorded; breakpoint hits of the others are passed over.
   */
  resumeOnly(thread: number | undefined): void {
    const hart = thread === undefined ? undefined : this.hartOf(thread);
    this.timeline.setBreakpointCondition(hart === undefined ? undefined : (h) => h === hart);
  }

  stepForward(thread: number): StopEvent {
    return this.event(this.timeline.stepForward(this.hartOf(thread)), thread);
  }

  stepBackward(thread: number): StopEvent {
    return this.event(this.timeline.stepBackward(this.hartOf(thread)), thread);
  }

  /** Continue forward until a stop, or `until` ({ kind: 'limit' } then); `stepOver` false for a later slice of one continue. */
  continueForward(until?: number, stepOver = true): StopEvent | 'limit' {
    const r = this.timeline.continueForward(until, stepOver);
    return r.kind === 'limit' ? 'limit' : this.event(r, this.threadAtPosition());
  }

  backwardSearch(): { step(): StopEvent | undefined } {
    const search = this.timeline.backwardSearch();
    return {
      step: () => {
        const r = search.step();
        return r && this.event(r, this.threadAtPosition());
      },
    };
  }

  private event(r: StopReason, thread: number): StopEvent {
    switch (r.kind) {
      case 'breakpoint': return { kind: this.hardware.has(r.pc) ? 'hwbreak' : 'swbreak', thread: r.hart + 1 };
      case 'watchpoint': {
        const w = this.watches.find((x) => x.physical !== undefined && r.address >= x.physical && r.address < x.physical + x.length);
        const type: WatchType = w?.type === 'access' ? 'access' : r.access === 'read' ? 'read' : 'write';
        const address = w ? w.address + BigInt(r.address - w.physical!) : BigInt(r.address);
        return { kind: 'watch', thread: r.hart + 1, type, address };
      }
      case 'start': return { kind: 'replaylog', thread, which: 'begin' };
      case 'end': return { kind: 'replaylog', thread, which: 'end' };
      default: return { kind: 'signal', thread };
    }
  }
}
