// What the Variables view and the debug console show of a hart: its registers by ABI name, its CSRs,
// and simple expressions over them (a register, a symbol, a number, `*ADDRESS` for a 64-bit word).

import { csrList, peekCsr } from '../emulator/hart/csr';
import * as path from 'node:path';
import { KernelSymbols } from '../symbols';
import { formatSymbol } from '../symbols/symtab';
import { Debuggee } from './debuggee';
import { AdapterError, ErrorCode } from './errors';

/** Integer registers by ABI name (RISC-V psABI, "Integer Register Convention"). */
export const ABI_NAMES = ['zero', 'ra', 'sp', 'gp', 'tp', 't0', 't1', 't2', 's0', 's1', 'a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7',
  's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9', 's10', 's11', 't3', 't4', 't5', 't6'];

const PRIV_NAMES = ['U', 'S', 'reserved', 'M'];

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
  const i = ABI_NAMES.indexOf(n);
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
      out.push(v === undefined ? { name: ABI_NAMES[r], value: '<not saved>' } : this.value(ABI_NAMES[r], v, true));
    }
    return out;
  }

  /** Every CSR the hart implements, by the privileged spec's names, and the privilege mode. */
  csrs(h: number): Value[] {
    const hart = this.d.hart(h);
    const out: Value[] = [{ name: 'priv', value: `${PRIV_NAMES[hart.priv]}-mode (${hart.priv})` }];
    for (const { num, name } of csrList().sort((a, b) => a.num - b.num)) {
      const v = peekCsr(hart, num);
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
    return text.startsWith('*') ? this.value(text, this.valueOf(h, text, frame), true) : this.evaluateAtom(h, text, frame);
  }

  /** A number-valued expression (as `evaluate`), for conditions and log messages. */
  valueOf(h: number, expression: string, frame?: FrameRegisters): bigint {
    const text = expression.trim();
    if (!text.startsWith('*')) return this.evaluateAtom(h, text, frame).raw;
    const address = this.evaluateAtom(h, text.slice(1).trim(), frame).raw;
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
    const csr = csrList().find((c) => c.name === text.replace(/^\$/, ''));
    const v = csr && peekCsr(this.d.hart(h), csr.num);
    if (csr && v !== undefined) {
      return { ...this.value(text, v), raw: v };
    }
    if (/^(0x[0-9a-f]+|\d+)$/i.test(text)) {
      const v = BigInt.asUintN(64, BigInt(text));
      return { ...this.value(text, v, true), raw: v };
    }
    const address = this.symbols?.resolve(text);
    if (address !== undefined) return { ...this.value(text, address, true), raw: address };
    throw new AdapterError(ErrorCode.BadExpression, `cannot evaluate '${text}': not a register, CSR, symbol or number`, false);
  }
}
