// A hart's call stack: frames unwound by the kernel's call frame information (or its frame-pointer
// chain), and through the kernel's trap entry to the instruction that trapped, each split into the
// functions inlined at its pc, innermost first, as gdb's `bt` shows.

import { trapName } from '../rr/debug-target';
import { Frame } from '../symbols/dwarf/unwind';
import { Debuggee } from './debuggee';

/** Frames deeper than this are not unwound (a corrupt stack can look endless). */
const MAX_FRAMES = 64;

export interface StackEntry {
  /** The frame's pc: where it is stopped (frame 0) or returns to (callers). */
  pc: bigint;
  /**
   * Where the frame's scopes and lines are looked up: its pc, or for a caller (which returns there
   * after a call) the byte before it, inside the call instruction, as gdb's frame_unwind_pc - 1.
   */
  lookupPc: bigint;
  /** Registers known in this frame, by DWARF number (0-31 are x0-x31); all of them in frame 0. */
  registers: ReadonlyMap<number, bigint>;
  /** The stack pointer on entry to this function (its CFA), when known: frame identity for stepping out. */
  cfa?: bigint;
  function?: string;
  file?: string;
  line?: number;
  /** An inlined function's entry (its pc is that of the frame it is inlined in). */
  inlined: boolean;
  /** Why unwinding stopped below this entry, for the last entry. */
  stopped?: string;
  /** This frame took a trap (the frame above is the trap entry): its cause. */
  trap?: string;
}

/** struct pt_regs: epc, then x1-x31, then status, badaddr, cause (8 bytes each). */
const PT_EPC = 0n;
const PT_STATUS = 32n * 8n;
const PT_CAUSE = 34n * 8n;
const SSTATUS_SPP = 1n << 8n;

/** Whether pc is in the function that hart h's stvec points to: the kernel's trap entry. */
function trapEntry(d: Debuggee, h: number, pc: bigint): boolean {
  const hart = d.hart(h);
  const tvec = (hart.csrNamed('stvec') ?? 0n) & ~3n;
  const entry = d.symbols?.symtab.lookup(tvec);
  return !!entry && entry.size > 0n && pc >= entry.address && pc < entry.address + entry.size;
}

/** The trapped context saved at the trap entry frame's sp, or why it cannot be read. */
function trapFrame(d: Debuggee, h: number, entry: Frame): { frame: Frame; cause: string } | string {
  const base = entry.registers.get(2);
  if (base === undefined) return 'the trap entry frame has no known sp';
  const word = (offset: bigint): bigint | undefined => d.readU64(h, base + offset);
  const epc = word(PT_EPC);
  const status = word(PT_STATUS);
  const cause = word(PT_CAUSE);
  if (epc === undefined || status === undefined || cause === undefined) return `the trap frame at 0x${base.toString(16)} cannot be read`;
  const interrupt = cause >> 63n === 1n;
  const code = Number(cause & 0xffn);
  const name = interrupt ? `interrupt ${code}` : trapName(code, false).replace(/^unknown$/, `cause ${code}`);
  if (!(status & SSTATUS_SPP)) return `trapped from user space (${name} at pc 0x${epc.toString(16)})`;
  const registers = new Map<number, bigint>([[0, 0n]]);
  for (let r = 1; r < 32; r++) {
    const v = word(BigInt(r) * 8n);
    if (v !== undefined) registers.set(r, v);
  }
  return { frame: { pc: epc, registers }, cause: name };
}

/**
 * Hart h's stack, innermost first. Where inlined calls begin at the pc, frame 0 is the innermost of
 * them, where gdb shows their caller until a step enters them (inline-frame.c, skip_inline_frames):
 * a recording is entered at any position, and every frame at the pc is shown.
 */
export function backtrace(d: Debuggee, h: number): StackEntry[] {
  const symbols = d.symbols;
  const registers = new Map<number, bigint>();
  for (let r = 0; r < 32; r++) registers.set(r, d.reg(h, r));
  let frame: Frame = { pc: d.pc(h), registers };
  const out: StackEntry[] = [];
  let pendingTrap: string | undefined;
  for (let depth = 0; depth < MAX_FRAMES; depth++) {
    // A caller's pc is a return address: its line is the call's, one byte back.
    const lookup = frame.afterCall ? frame.pc - 1n : frame.pc;
    const chain = symbols?.locate(lookup, true).frames ?? [];
    const entries = chain.length ? chain : [{ function: symbols?.symtab.nearest(frame.pc)?.name, file: undefined, line: undefined }];
    entries.forEach((f, i) => out.push({ pc: frame.pc, lookupPc: lookup, registers: frame.registers, function: f.function, file: f.file, line: f.line, inlined: i < entries.length - 1 }));
    if (pendingTrap !== undefined) out[out.length - entries.length].trap = pendingTrap;
    pendingTrap = undefined;
    if (!symbols) break;
    if (depth > 0 && trapEntry(d, h, frame.pc)) {
      // The kernel's trap entry (where stvec points) saved the trapped context as a struct pt_regs
      // at its sp (Linux's arch/riscv/include/asm/ptrace.h, and the demo's entry.S): the caller
      // is the instruction that trapped, with every register as it was.
      const trapped = trapFrame(d, h, frame);
      if (typeof trapped === 'string') {
        out[out.length - 1].stopped = trapped;
        break;
      }
      out[out.length - 1].cfa = frame.registers.get(2);
      frame = trapped.frame;
      pendingTrap = trapped.cause;
      continue;
    }
    const step = symbols.unwind(frame, (a) => d.readU64(h, a));
    if (step.kind !== 'caller') {
      if (step.stop !== 'outermost') out[out.length - 1].stopped = step.reason;
      break;
    }
    for (let i = out.length - entries.length; i < out.length; i++) out[i].cfa = step.cfa;
    if (!symbols.isCode(step.caller.pc)) {
      // A frame-pointer walk out of code without call frame information (a trap entry, say) that
      // found no return address: the walk ends rather than show data as a caller.
      out[out.length - 1].stopped = `the return address found by ${step.method === 'cfi' ? 'the CFI' : 'the frame pointer'}, 0x${step.caller.pc.toString(16)}, is not in code`;
      break;
    }
    frame = step.caller;
  }
  return out;
}
