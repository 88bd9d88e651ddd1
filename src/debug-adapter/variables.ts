// What the Variables view and the debug console show of a hart: its registers by ABI name, its CSRs,
// and simple expressions over them (a register, a symbol, a number, `*ADDRESS` for a 64-bit word).

import * as path from 'node:path';
import { PRIVILEGE_NAMES } from '../rr/debug-target';
import { KernelSymbols } from '../symbols';
import { X_ABI_NAMES } from '../symbols/registers';
import { formatSymbol } from '../symbols/symtab';
import { Debuggee } from './debuggee';
import { AdapterError, ErrorCode } from './errors';


export const hex = (v: bigint): string => `0x${BigInt.asUintN(64, v).toString(16).padStart(16, '0')}`;

/** A caller's frame: its pc and the registers the unwinder recovered (by DWARF number). */
export interface FrameRegisters {
  pc: bigint;
  registers: ReadonlyMap<number, bigint>;
}

export interface Value {
  name: string;
  value: string;
  /** For an address: what the symbols say is there. */
  detail?: string;
  memoryReference?: string;
}

/** A register's number by name: x0-x31, ABI names, fp (= s0); pc is 32. */
export function registerNumber(name: string): number | undefined {
  const n = name.replace(/^\$/, '');
  if (n === 'pc') return 32;
  if (n === 'fp') return 8;
  const x = /^x(\d+)$/.exec(n);
  if (x && Number(x[1]) < 32) return Number(x[1]);
  const i = X_ABI_NAMES.indexOf(n);
  return i < 0 ? undefined : i;
}

export class HartValues {
  constructor(private readonly d: Debuggee, private readonly symbols?: KernelSymbols) {}

  /** "name+0xoff/0xsize file.c:line" for an address inside a symbol (symtab.ts says which symbols contain what). */
  private describe(v: bigint): string | undefined {
    const s = this.symbols?.symtab.lookup(v);
    if (!s) return undefined;
    const line = this.symbols!.stopLine(v);
    return `${formatSymbol(s)}${line ? ` ${path.basename(line.file)}:${line.line}` : ''}`;
  }

  private value(name: string, v: bigint, address = false): Value {
    const detail = address ? this.describe(v) : undefined;
    return { name, value: detail ? `${hex(v)} <${detail}>` : hex(v), memoryReference: address ? hex(v) : undefined };
  }

  /**
   * A frame's pc, then x1-x31 by ABI name (x0 is always zero and is left out), from the registers
   * known in the frame (by DWARF number: 0-31 are x0-x31); a caller's frame knows only those the
   * unwinder could recover.
   */
  registers(pc: bigint, known: ReadonlyMap<number, bigint>): Value[] {
    const out = [this.value('pc', pc, true)];
    for (let r = 1; r < 32; r++) {
      const v = known.get(r);
      out.push(v === undefined ? { name: X_ABI_NAMES[r], value: '<not saved>' } : this.value(X_ABI_NAMES[r], v, true));
    }
    return out;
  }

  /** Every CSR the hart implements, by the privileged spec's names, and the privilege mode. */
  csrs(h: number): Value[] {
    const hart = this.d.hart(h);
    const out: Value[] = [{ name: 'priv', value: `${PRIVILEGE_NAMES[hart.privilege] ?? 'reserved'}-mode (${hart.privilege})` }];
    for (const { num, name } of this.d.target.csrs()) {
      const v = hart.csr(num);
      if (v !== undefined) out.push(this.value(name, v));
    }
    return out;
  }

  /**
   * An expression of the debug console, a watch or a hover: a register ($a0, a0, pc), a CSR name, a
   * symbol, a number (decimal or 0x hex), or `*` before any of them for the 64-bit word there.
   */
  evaluate(h: number, expression: string, frame?: FrameRegisters): Value {
    const text = expression.trim();
    // A whole `symbol+0xoff/0xsize` (as an oops prints it) is one atom.
    if ((splitTerms(text).length === 1 && !text.startsWith('*')) || this.symbols?.resolve(text) !== undefined) return this.evaluateAtom(h, text, frame);
    return this.value(text, this.valueOf(h, text, frame), true);
  }

  /**
   * A number-valued expression (as `evaluate`), for conditions and log messages: terms added and
   * subtracted modulo 2^64 (`a0 + 24`, `sp - 0x10`), each an atom or `*` before one.
   */
  valueOf(h: number, expression: string, frame?: FrameRegisters): bigint {
    const whole = this.symbols?.resolve(expression.trim());
    if (whole !== undefined) return whole;
    let sum = 0n;
    for (const { sign, text } of splitTerms(expression.trim())) {
      if (text === '') throw new AdapterError(ErrorCode.BadExpression, `cannot evaluate '${expression.trim()}': a term is missing`, false);
      const v = text.startsWith('*') ? this.wordAt(h, this.evaluateAtom(h, text.slice(1).trim(), frame).raw) : this.evaluateAtom(h, text, frame).raw;
      sum = BigInt.asUintN(64, sign < 0 ? sum - v : sum + v);
    }
    return sum;
  }

  private wordAt(h: number, address: bigint): bigint {
    const word = this.d.readU64(h, address);
    if (word === undefined) throw new AdapterError(ErrorCode.BadExpression, `cannot read memory at ${hex(address)}`);
    return word;
  }

  /**
   * A breakpoint condition: comparisons (== != < <= > >=, unsigned 64-bit) of expressions, joined by
   * && and ||; a lone expression is true when not zero. For example `a0 == 0 || *sp > 0x1000`.
   */
  condition(h: number, text: string): boolean {
    return text.split('||').some((any) => any.split('&&').every((all) => {
      const m = /^(.*?)(==|!=|<=|>=|<|>)(.*)$/.exec(all.trim());
      if (!m) return this.valueOf(h, all) !== 0n;
      const [a, b] = [this.valueOf(h, m[1]), this.valueOf(h, m[3])];
      switch (m[2]) {
        case '==': return a === b;
        case '!=': return a !== b;
        case '<': return a < b;
        case '<=': return a <= b;
        case '>': return a > b;
        default: return a >= b;
      }
    }));
  }

  /** A log point's message: each {expression} replaced by its value (hex, with its symbol if any). */
  interpolate(h: number, message: string): string {
    return message.replace(/\{([^}]*)\}/g, (_, e: string) => {
      try {
        return this.evaluate(h, e).value;
      } catch (err) {
        return `<${(err as Error).message}>`;
      }
    });
  }

  private evaluateAtom(h: number, text: string, frame?: FrameRegisters): Value & { raw: bigint } {
    const r = registerNumber(text);
    if (r !== undefined) {
      const v = frame ? (r === 32 ? frame.pc : frame.registers.get(r)) : r === 32 ? this.d.pc(h) : this.d.reg(h, r);
      if (v === undefined) throw new AdapterError(ErrorCode.BadExpression, `${text} is not known in this frame (the callee did not save it)`, false);
      return { ...this.value(text, v, true), raw: v };
    }
    const v = this.d.hart(h).csrNamed(text.replace(/^\$/, ''));
    if (v !== undefined) return { ...this.value(text, v), raw: v };
    if (/^(0x[0-9a-f]+|\d+)$/i.test(text)) {
      const v = BigInt(text);
      if (v >= 1n << 64n) throw new AdapterError(ErrorCode.BadExpression, `${text} is wider than 64 bits`, false);
      return { ...this.value(text, v, true), raw: v };
    }
    const address = this.symbols?.resolve(text);
    if (address !== undefined) return { ...this.value(text, address, true), raw: address };
    throw new AdapterError(ErrorCode.BadExpression, `cannot evaluate '${text}': not a register, CSR, symbol or number`, false);
  }
}

/** `a + b - *c` as signed terms (a leading sign is the first term's). */
function splitTerms(text: string): { sign: 1 | -1; text: string }[] {
  const terms: { sign: 1 | -1; text: string }[] = [];
  let sign: 1 | -1 = 1;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== '+' && c !== '-') continue;
    if (i > start || terms.length > 0 || text.slice(0, i).trim() !== '') terms.push({ sign, text: text.slice(start, i).trim() });
    sign = c === '-' ? -1 : 1;
    start = i + 1;
  }
  terms.push({ sign, text: text.slice(start).trim() });
  return terms;
}
