// A hart's call stack: frames unwound by the kernel's call frame information (or its frame-pointer
// chain), each split into the functions inlined at its pc, innermost first, as gdb's `bt` shows.

import { Frame } from '../symbols/dwarf/unwind';
import { Debuggee } from './debuggee';

/** Frames deeper than this are not unwound (a corrupt stack can look endless). */
const MAX_FRAMES = 64;

export interface StackEntry {
  /** The frame's pc: where it is stopped (frame 0) or returns to (callers). */
  pc: bigint;
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
}

export function backtrace(d: Debuggee, h: number): StackEntry[] {
  const symbols = d.symbols;
  const registers = new Map<number, bigint>();
  for (let r = 0; r < 32; r++) registers.set(r, d.reg(h, r));
  let frame: Frame = { pc: d.pc(h), registers };
  const out: StackEntry[] = [];
  for (let depth = 0; depth < MAX_FRAMES; depth++) {
    // A caller's pc is a return address: its line is the call's, one byte back.
    const lookup = frame.afterCall ? frame.pc - 1n : frame.pc;
    const chain = symbols?.locate(lookup, true).frames ?? [];
    const entries = chain.length ? chain : [{ function: symbols?.symtab.lookup(frame.pc)?.name, file: undefined, line: undefined }];
    entries.forEach((f, i) => out.push({ pc: frame.pc, registers: frame.registers, function: f.function, file: f.file, line: f.line, inlined: i < entries.length - 1 }));
    if (!symbols) break;
    const step = symbols.unwind(frame, (a) => d.readU64(h, a));
    if (step.kind !== 'caller') {
      if (step.stop !== 'outermost') out[out.length - 1].stopped = step.reason;
      break;
    }
    for (let i = out.length - entries.length; i < out.length; i++) out[i].cfa = step.cfa;
    frame = step.caller;
  }
  return out;
}
