// The ExpressionContext of one stack frame: what a location expression may ask of a stopped
// machine (registers, memory, the frame base, the CFA, entry values), answered from the frame's
// unwound registers, so src/symbols never reads the emulator itself.
//
// DW_OP_entry_value(DW_OP_regN) (DWARF 5, 2.5.1.7) is the value register N had when this function
// was entered. For an argument register that is not, in general, what the caller's frame holds now
// (the caller may have reused it since the call); as gdb does, it is resolved only through the
// caller's call site (3.4.1, 3.4.2): the DW_TAG_call_site (or GNU_call_site) whose DW_AT_call_return_pc
// (DWARF 4: low_pc) is this frame's return address, and its DW_TAG_call_site_parameter for register N
// with a DW_AT_call_value, evaluated in the caller's frame. Finding those entries is the caller's
// business: it passes `callSiteValue`.

import { evaluateLocation, EvaluateOptions, locationValue } from './expression';
import { decodeExpression } from './expression-ops';
import { BaseEncoding, ExpressionContext, LocationDescription } from './model';

export interface FrameState {
  /** 8 for RV64 (the default), 4 for RV32. */
  readonly addressSize?: 4 | 8;
  /** The frame's known registers by DWARF number (0-31 x0-x31, 32-63 f0-f31); x0 is always 0. */
  readonly registers: ReadonlyMap<number, bigint>;
  /** `size` bytes at an address, little-endian; undefined where the recorded machine has no memory. */
  memory(address: bigint, size: number): bigint | undefined;
  /** The frame's canonical frame address, from the CFI. */
  readonly cfa?: bigint;
  /** The function's DW_AT_frame_base, evaluated (see frameBaseOf). */
  frameBase?(): bigint | undefined;
  /**
   * The value the caller passed in DWARF register `register` at the call that made this frame: its
   * call site parameter's DW_AT_call_value evaluated in the caller's frame (see expressionValue);
   * undefined when the call site or the parameter is not described.
   */
  callSiteValue?(register: number): bigint | undefined;
  addrx?(index: number): bigint;
  baseType?(die: number): { readonly size: number; readonly encoding: BaseEncoding } | undefined;
}

/** The ExpressionContext for evaluating a location expression in this frame. */
export function frameContext(frame: FrameState): ExpressionContext {
  const addressSize = frame.addressSize ?? 8;
  return {
    addressSize,
    register: (n) => (n === 0 ? 0n : frame.registers.get(n)),
    memory: (address, size) => frame.memory(address, size),
    cfa: () => frame.cfa,
    frameBase: frame.frameBase && (() => frame.frameBase!()),
    entryValue: (expression) => {
      const register = entryRegister(expression, addressSize);
      return register === undefined ? undefined : frame.callSiteValue?.(register);
    },
    addrx: frame.addrx && ((index) => frame.addrx!(index)),
    baseType: frame.baseType && ((die) => frame.baseType!(die)),
  };
}

/** The register of DW_OP_entry_value(DW_OP_regN) or (DW_OP_regx N); undefined for other blocks. */
function entryRegister(expression: Uint8Array, addressSize: number): number | undefined {
  let ops;
  try {
    ops = decodeExpression(expression, { addressSize, origin: 'DW_OP_entry_value block' });
  } catch {
    return undefined; // a corrupt block: the entry value is not known
  }
  if (ops.length !== 1) return undefined;
  const [o] = ops;
  if (o.opcode >= 0x50 && o.opcode <= 0x6f) return o.opcode - 0x50;
  if (o.opcode === 0x90 && o.operands[0] <= 0xffffffffn) return Number(o.operands[0]);
  return undefined;
}

/**
 * The value an expression stands for, as DW_AT_frame_base and DW_AT_call_value are read (a memory
 * location's address, a register's contents, a stack value): undefined when it is not known here.
 * A call site parameter's DW_AT_call_value, evaluated so in the caller's frameContext, is what
 * `callSiteValue` gives the callee; the caller's own entry values resolve through its caller.
 */
export function expressionValue(expression: Uint8Array, context: ExpressionContext, options?: EvaluateOptions): bigint | undefined {
  return locationValue(evaluateLocation(expression, context, options), context);
}

/**
 * The frame base (3.3.5) of a function at `pc`: its DW_AT_frame_base evaluated in the frame's
 * context (which has no frame base of its own), the list entry that covers `pc` for a location list.
 */
export function frameBaseOf(frameBase: LocationDescription | undefined, pc: bigint, context: ExpressionContext, options?: EvaluateOptions): bigint | undefined {
  if (!frameBase) return undefined;
  const inner: ExpressionContext = { ...context, frameBase: undefined };
  switch (frameBase.kind) {
    case 'expression': return expressionValue(frameBase.expression, inner, options);
    case 'list': {
      const entry = frameBase.entries.find((e) => e.start <= pc && pc < e.end);
      return entry && expressionValue(entry.expression, inner, options);
    }
    default: return undefined;
  }
}

