// One step up the stack: the caller's registers from the current frame's registers, guest memory
// and the CFI row at pc (DWARF 5, 6.4.4 "Call Frame Calling Address" and 6.4.1's register rules),
// with the RISC-V psABI's defaults for registers the CFI does not mention. Where no FDE covers pc,
// a fallback follows the frame-pointer chain as Linux's walk_stackframe does
// (arch/riscv/kernel/stacktrace.c). Memory comes from the caller's readU64; nothing here knows the
// emulator.

import { CallFrameInformation, CfaRule, RegisterRule, UnwindRow } from './cfi';
import { Reader } from './reader';

/** DWARF register numbers of RISC-V (psABI, "DWARF Register Numbers"): 0-31 x0-x31, 32-63 f0-f31. */
export const DWARF_ZERO = 0;
export const DWARF_RA = 1;
export const DWARF_SP = 2;
export const DWARF_FP = 8;

/** Reads 8 bytes of guest memory; undefined if the address cannot be read. */
export type ReadU64 = (address: bigint) => bigint | undefined;

export interface Frame {
  pc: bigint;
  /** By DWARF register number; a register absent here is not known in this frame. */
  registers: ReadonlyMap<number, bigint>;
  /**
   * The pc is a return address (the frame was found by unwinding), so its row is looked up at
   * pc - 1: the call may be a function's last instruction (6.4.4).
   */
  afterCall?: boolean;
}

export type UnwindStop =
  /** No FDE covers the pc (and the frame-pointer fallback was not asked for). */
  | 'no-fde'
  /** The return address is undefined or 0: the outermost frame (6.4.4). */
  | 'outermost'
  /** A rule needs a register this frame does not know. */
  | 'unknown-register'
  | 'unreadable-memory'
  /** A DWARF expression with an operation this evaluator does not have. */
  | 'expression'
  /** The frame-pointer fallback found no plausible frame pointer. */
  | 'bad-frame-pointer'
  /** The caller would be this frame again. */
  | 'no-progress';

export type UnwindStep =
  | { kind: 'caller'; method: 'cfi' | 'frame-pointer'; caller: Frame; cfa: bigint }
  | { kind: 'stopped'; stop: UnwindStop; reason: string };

/**
 * Registers the callee preserves: s0-s11 and fs0-fs11 (psABI "Integer/Floating-point Register
 * Convention"), and gp and tp, which compilers never allocate (Linux keeps `current` in tp).
 * Without a rule in the CFI they keep their values ("same value"); other registers without a rule
 * are unknown in the caller. sp's default is the CFA, the value sp had at the call.
 */
const PRESERVED = new Set([3, 4, 8, 9, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 40, 41, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59]);

export interface UnwindOptions {
  /** Where no FDE covers the pc, follow the frame-pointer chain instead (default true). */
  framePointerFallback?: boolean;
  /** For the fallback: the kernel stack size, which bounds a plausible fp (Linux rv64: 16 KiB). */
  threadSize?: bigint;
}

/** The caller of `frame`: by its CFI row, else (by default) by the frame-pointer fallback. */
export function unwindFrame(cfi: CallFrameInformation, frame: Frame, readU64: ReadU64, options: UnwindOptions = {}): UnwindStep {
  const lookup = frame.afterCall ? frame.pc - 1n : frame.pc;
  const row = cfi.rowFor(lookup);
  if (row) return unwindWithRow(row, frame, readU64);
  if (options.framePointerFallback ?? true) return unwindByFramePointerFallback(frame, readU64, options.threadSize);
  return stopped('no-fde', `no FDE covers pc 0x${lookup.toString(16)}`);
}

/** Apply one unwind row to a frame: the CFA, then every register's rule (6.4.1). */
export function unwindWithRow(row: UnwindRow, frame: Frame, readU64: ReadU64): UnwindStep {
  const regs = frame.registers;
  const cfa = computeCfa(row.cfa, regs, readU64);
  if (typeof cfa !== 'bigint') return cfa;

  const caller = new Map<number, bigint>([[DWARF_ZERO, 0n]]);
  const numbers = new Set<number>([...Array(64).keys(), ...row.registers.keys(), row.returnAddressRegister]);
  for (const n of numbers) {
    if (n === DWARF_ZERO) continue;
    const rule = row.registers.get(n) ?? defaultRule(n, row.returnAddressRegister);
    if (rule === 'cfa') {
      caller.set(n, cfa);
      continue;
    }
    const value = applyRule(rule, n, cfa, regs, readU64);
    if (typeof value === 'bigint') caller.set(n, value);
    // Without the return address or sp there is no caller; any other register that cannot be
    // recovered is just not known in the caller.
    else if (value !== undefined && (n === row.returnAddressRegister || n === DWARF_SP)) return value;
  }

  const ra = row.registers.get(row.returnAddressRegister);
  if (ra?.kind === 'undefined') return stopped('outermost', `the return address register (${row.returnAddressRegister}) is undefined`);
  const pc = caller.get(row.returnAddressRegister);
  if (pc === undefined) return stopped('unknown-register', `the return address register (${row.returnAddressRegister}) is not known`);
  if (pc === 0n) return stopped('outermost', 'the return address is 0');
  if (pc === frame.pc && cfa === regs.get(DWARF_SP)) return stopped('no-progress', `the caller would be this frame again (pc 0x${pc.toString(16)}, sp 0x${cfa.toString(16)})`);
  // The caller of a signal frame (a trap entry's) was interrupted at pc, which is where it is, not
  // a return address: its row and line are those of pc itself (GCC's 'S' augmentation; gdb's
  // get_frame_address_in_block does the same for the frame after a signal frame).
  return { kind: 'caller', method: 'cfi', caller: { pc, registers: caller, afterCall: !row.signalFrame }, cfa };
}

function defaultRule(n: number, returnAddressRegister: number): RegisterRule | 'cfa' {
  if (n === DWARF_SP) return 'cfa';
  // Until the prologue saves it, the return address register still holds the return address.
  if (n === returnAddressRegister || PRESERVED.has(n)) return { kind: 'same-value' };
  return { kind: 'undefined' };
}

function computeCfa(rule: CfaRule, regs: ReadonlyMap<number, bigint>, readU64: ReadU64): bigint | UnwindStep {
  if (rule.kind === 'expression') return evaluate(rule.expression, regs, readU64, undefined);
  const base = regs.get(rule.register);
  if (base === undefined) return stopped('unknown-register', `the CFA is register ${rule.register} + ${rule.offset}, and register ${rule.register} is not known`);
  return BigInt.asUintN(64, base + rule.offset);
}

/** A register's value in the caller; undefined if not known; a stop if memory or an expression failed. */
function applyRule(rule: RegisterRule, n: number, cfa: bigint, regs: ReadonlyMap<number, bigint>, readU64: ReadU64): bigint | UnwindStep | undefined {
  switch (rule.kind) {
    case 'undefined': return undefined;
    case 'same-value': return regs.get(n);
    case 'register': return regs.get(rule.register);
    case 'offset': return read(BigInt.asUintN(64, cfa + rule.offset), readU64, n);
    case 'val-offset': return BigInt.asUintN(64, cfa + rule.offset);
    case 'expression': {
      const address = evaluate(rule.expression, regs, readU64, cfa);
      return typeof address === 'bigint' ? read(address, readU64, n) : address;
    }
    case 'val-expression': return evaluate(rule.expression, regs, readU64, cfa);
  }
}

function read(address: bigint, readU64: ReadU64, n: number): bigint | UnwindStep {
  return readU64(address) ?? stopped('unreadable-memory', `register ${n} is saved at 0x${address.toString(16)}, which cannot be read`);
}

function stopped(stop: UnwindStop, reason: string): UnwindStep {
  return { kind: 'stopped', stop, reason };
}

/**
 * A DWARF expression (2.5) of the kind CFI uses: literals, register-relative values, arithmetic and
 * DW_OP_deref; the CFA is pushed first for register rules (6.4.2.3). Control flow and other
 * operations stop the unwind with a reason. Truncated operands raise DwarfError.
 */
function evaluate(expression: Uint8Array, regs: ReadonlyMap<number, bigint>, readU64: ReadU64, push: bigint | undefined): bigint | UnwindStep {
  const r = new Reader(expression, 'DWARF expression');
  const stack: bigint[] = push === undefined ? [] : [push];
  const u64 = (v: bigint): bigint => BigInt.asUintN(64, v);
  const pop = (): bigint | undefined => stack.pop();
  while (!r.atEnd) {
    const at = r.offset;
    const op = r.u8();
    if (op >= 0x30 && op <= 0x4f) { stack.push(BigInt(op - 0x30)); continue; } // DW_OP_lit<n>
    if ((op >= 0x70 && op <= 0x8f) || op === 0x92) { // DW_OP_breg<n>, DW_OP_bregx
      const n = op === 0x92 ? r.uleb() : op - 0x70;
      const offset = r.slebBig();
      const v = regs.get(n);
      if (v === undefined) return stopped('unknown-register', `DWARF expression: register ${n} is not known`);
      stack.push(u64(v + offset));
      continue;
    }
    switch (op) {
      case 0x03: stack.push(r.u64()); continue; // DW_OP_addr
      case 0x08: stack.push(BigInt(r.u8())); continue; // DW_OP_const1u
      case 0x09: stack.push(u64(BigInt(r.s8()))); continue; // DW_OP_const1s
      case 0x0a: stack.push(BigInt(r.u16())); continue; // DW_OP_const2u
      case 0x0b: stack.push(u64(BigInt.asIntN(16, BigInt(r.u16())))); continue; // DW_OP_const2s
      case 0x0c: stack.push(BigInt(r.u32())); continue; // DW_OP_const4u
      case 0x0d: stack.push(u64(BigInt.asIntN(32, BigInt(r.u32())))); continue; // DW_OP_const4s
      case 0x0e: case 0x0f: stack.push(r.u64()); continue; // DW_OP_const8u, DW_OP_const8s
      case 0x10: stack.push(u64(r.ulebBig())); continue; // DW_OP_constu
      case 0x11: stack.push(u64(r.slebBig())); continue; // DW_OP_consts
      case 0x96: continue; // DW_OP_nop
    }
    const a = pop();
    if (a === undefined) return stopped('expression', `DWARF expression: stack empty at +0x${at.toString(16)}`);
    switch (op) {
      case 0x06: { // DW_OP_deref
        const v = readU64(a);
        if (v === undefined) return stopped('unreadable-memory', `DWARF expression: 0x${a.toString(16)} cannot be read`);
        stack.push(v);
        continue;
      }
      case 0x12: stack.push(a, a); continue; // DW_OP_dup
      case 0x13: continue; // DW_OP_drop
      case 0x1f: stack.push(u64(-a)); continue; // DW_OP_neg
      case 0x20: stack.push(u64(~a)); continue; // DW_OP_not
      case 0x23: stack.push(u64(a + r.ulebBig())); continue; // DW_OP_plus_uconst
    }
    const b = pop();
    if (b === undefined) return stopped('expression', `DWARF expression: stack empty at +0x${at.toString(16)}`);
    switch (op) { // b is the second entry, a the top
      case 0x14: stack.push(b, a, b); continue; // DW_OP_over
      case 0x16: stack.push(a, b); continue; // DW_OP_swap
      case 0x1a: stack.push(b & a); continue; // DW_OP_and
      case 0x1c: stack.push(u64(b - a)); continue; // DW_OP_minus
      case 0x1e: stack.push(u64(b * a)); continue; // DW_OP_mul
      case 0x21: stack.push(b | a); continue; // DW_OP_or
      case 0x22: stack.push(u64(b + a)); continue; // DW_OP_plus
      case 0x24: stack.push(a >= 64n ? 0n : u64(b << a)); continue; // DW_OP_shl
      case 0x25: stack.push(a >= 64n ? 0n : b >> a); continue; // DW_OP_shr
      case 0x26: stack.push(u64(BigInt.asIntN(64, b) >> (a >= 64n ? 63n : a))); continue; // DW_OP_shra
      case 0x27: stack.push(b ^ a); continue; // DW_OP_xor
    }
    return stopped('expression', `DWARF expression: operation 0x${op.toString(16)} is not evaluated`);
  }
  const result = stack.pop();
  return result ?? stopped('expression', 'DWARF expression left an empty stack');
}

/**
 * FALLBACK for pcs no FDE covers: the frame-pointer chain of RISC-V GCC's -fno-omit-frame-pointer,
 * as Linux's walk_stackframe reads it. fp (s0) points just above a {fp, ra} pair: the return
 * address is at fp - 8, the caller's fp at fp - 16, and the caller's sp is fp. In the innermost
 * frame, a leaf function that saved only fp (at fp - 8) is recognised as Linux does, by that word
 * being a plausible fp itself; its return address is still in ra. Only sp, fp and ra are known in
 * the caller: other callee-saved registers may have been saved anywhere.
 */
export function unwindByFramePointerFallback(frame: Frame, readU64: ReadU64, threadSize = 16384n): UnwindStep {
  const regs = frame.registers;
  const fp = regs.get(DWARF_FP);
  const sp = regs.get(DWARF_SP);
  if (fp === undefined) return stopped('unknown-register', 'the frame pointer (s0) is not known');
  // Entry code clears fp before the first call (Linux's head.S, and the demo's entry.S), so that
  // the chain ends there.
  if (fp === 0n) return stopped('outermost', 'the frame pointer is 0');
  if (!fpIsValid(fp, sp, threadSize)) return stopped('bad-frame-pointer', `fp 0x${fp.toString(16)} is not a frame pointer for sp 0x${sp?.toString(16)}`);
  const word = readU64(BigInt.asUintN(64, fp - 8n));
  if (word === undefined) return stopped('unreadable-memory', `fp - 8 (0x${(fp - 8n).toString(16)}) cannot be read`);
  let callerFp: bigint | undefined;
  let pc: bigint | undefined;
  const ra = regs.get(DWARF_RA);
  if (!frame.afterCall && ra !== undefined && fpIsValid(word, fp, threadSize)) {
    callerFp = word; // a leaf: "We hit function where ra is not saved on the stack"
    pc = ra;
  } else {
    callerFp = readU64(BigInt.asUintN(64, fp - 16n));
    if (callerFp === undefined) return stopped('unreadable-memory', `fp - 16 (0x${(fp - 16n).toString(16)}) cannot be read`);
    pc = word;
  }
  if (pc === 0n) return stopped('outermost', 'the return address is 0');
  const caller = new Map<number, bigint>([[DWARF_ZERO, 0n], [DWARF_RA, pc], [DWARF_SP, fp], [DWARF_FP, callerFp]]);
  for (const n of [3, 4]) { // gp, tp
    const v = regs.get(n);
    if (v !== undefined) caller.set(n, v);
  }
  return { kind: 'caller', method: 'frame-pointer', caller: { pc, registers: caller, afterCall: true }, cfa: fp };
}

/** Linux's fp_is_valid: 8-aligned, above the {fp, ra} pair at sp, within sp's thread stack. */
function fpIsValid(fp: bigint, sp: bigint | undefined, threadSize: bigint): boolean {
  if (fp === 0n || fp & 7n) return false;
  if (sp === undefined) return true;
  const high = (sp + threadSize - 1n) & ~(threadSize - 1n); // ALIGN(sp, THREAD_SIZE)
  return fp >= sp + 16n && fp <= high;
}
