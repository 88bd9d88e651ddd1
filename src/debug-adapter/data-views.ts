// What the Variables, Watch and hover views show of a stop: each frame's scopes (Arguments, Locals,
// Globals, the hart's current task, Registers, CSRs), values as gdb prints them and expandable by
// member, element or through a pointer, C expressions in a frame, and the data breakpoints a value
// with an address gives. References are handed out per stop and forgotten at the next motion.

import { DebugProtocol } from '@vscode/debugprotocol';
import { CType } from '../symbols/dwarf/model';
import { KernelSymbols } from '../symbols';
import { DwarfError } from '../symbols/dwarf/reader';
import { evaluateText, ExpressionError } from '../symbols/values/cexpr';
import { childCounts, children, preview } from '../symbols/values/children';
import { formatPrint, formatValue, FormatOptions, gdbSymbolizer } from '../symbols/values/format';
import { typeName } from '../symbols/values/type-name';
import { integerOf, isScalar, littleEndian, Memory, pointerTo, sizeOf, strip, TypedValue, ValueError } from '../symbols/values/value';
import { Debuggee } from './debuggee';
import { AdapterError, ErrorCode } from './errors';
import { FrameAt, FrameData, hartMemory, NamedValue } from './frame-data';
import { StackEntry } from './stack';
import { hex, HartValues } from './variables';

/** A frame as the session knows it. */
export interface FrameRef {
  hart: number;
  entry: StackEntry;
  /** The hart's whole stack and this frame's place in it. */
  at: FrameAt;
}

type Reference =
  | { kind: 'registers' | 'csrs' | 'arguments' | 'locals' | 'globals'; frame: FrameRef }
  | { kind: 'task'; hart: number; pc: bigint }
  | { kind: 'value'; value: TypedValue; hart: number; evaluateName?: string };

/** Longest value text the views show in one line (a struct's gdb text is cut there). */
const PREVIEW_CHARS = 400;

export class DataViews {
  private references: Reference[] = [];
  private readonly frames = new Map<FrameRef, FrameData>();
  private readonly format: FormatOptions;

  constructor(private readonly d: Debuggee, private readonly registers: HartValues, private readonly symbols?: KernelSymbols) {
    this.format = symbols ? { symbolize: gdbSymbolizer(symbols.symtab, symbols.elf.symbols(), symbols.elf.sections, symbols.program) } : {};
  }

  /** Forget every reference: the machine moved. */
  reset(): void {
    this.references = [];
    this.frames.clear();
  }

  private ref(r: Reference): number {
    return this.references.push(r);
  }

  /** The frame's program data, when the program has DWARF types and variables. */
  frameData(f: FrameRef): FrameData | undefined {
    const program = this.symbols?.program;
    if (!program || !this.symbols) return undefined;
    let data = this.frames.get(f);
    if (!data) this.frames.set(f, (data = new FrameData(this.d, program, this.symbols, f.at)));
    return data;
  }

  scopes(f: FrameRef): DebugProtocol.Scope[] {
    const out: DebugProtocol.Scope[] = [];
    const data = this.frameData(f);
    if (data) {
      out.push({ name: 'Arguments', presentationHint: 'arguments', variablesReference: this.ref({ kind: 'arguments', frame: f }), expensive: false });
      out.push({ name: 'Locals', presentationHint: 'locals', variablesReference: this.ref({ kind: 'locals', frame: f }), expensive: false });
      out.push({ name: 'Globals', variablesReference: this.ref({ kind: 'globals', frame: f }), expensive: true });
      if (this.isLinux()) out.push({ name: `Current task (hart ${f.hart})`, variablesReference: this.ref({ kind: 'task', hart: f.hart, pc: f.entry.lookupPc }), expensive: false });
    }
    out.push({ name: 'Registers', presentationHint: 'registers', variablesReference: this.ref({ kind: 'registers', frame: f }), expensive: false });
    out.push({ name: 'CSRs', variablesReference: this.ref({ kind: 'csrs', frame: f }), expensive: false });
    return out;
  }

  /** A Linux kernel: its symbol table has init_task (the scope is offered without reading types). */
  private isLinux(): boolean {
    return (this.linux ??= this.symbols?.symtab.address('init_task') !== undefined);
  }

  private linux?: boolean;
  private task?: CType;

  /**
   * Linux keeps `current` in tp (arch/riscv/include/asm/current.h): a struct task_struct *, the type
   * looked up in the unit at pc first (a stop in a unit that has it builds no program-wide index),
   * and kept once found: every unit's is the same struct.
   */
  private taskType(pc?: bigint): CType | undefined {
    try {
      return (this.task ??= this.symbols?.program?.findType('task_struct', 'struct', pc));
    } catch (e) {
      if (e instanceof DwarfError) return undefined;
      throw e;
    }
  }

  private reference(id: number): Reference {
    const r = this.references[id - 1];
    if (!r) throw new AdapterError(ErrorCode.BadRequest, `no variables reference ${id} (references are valid until the next step)`, false);
    return r;
  }

  /** The named values a reference holds (registers and CSRs as text). */
  private named(r: Reference, start?: number, count?: number): NamedValue[] | DebugProtocol.Variable[] {
    switch (r.kind) {
      case 'registers': return this.registers.registers(r.frame.entry.pc, r.frame.entry.registers).map((v) => ({ name: v.name, value: v.value, variablesReference: 0, memoryReference: v.memoryReference }));
      case 'csrs': return this.registers.csrs(r.frame.hart).map((v) => ({ name: v.name, value: v.value, variablesReference: 0, memoryReference: v.memoryReference }));
      case 'arguments': return this.frameData(r.frame)?.arguments() ?? [];
      case 'locals': return this.frameData(r.frame)?.locals() ?? [];
      case 'globals': return this.frameData(r.frame)?.globals() ?? [];
      case 'task': {
        const type = this.taskType(r.pc);
        if (!type) return [{ name: 'current', value: { type: { kind: 'void', id: -2 }, unavailable: 'bad DWARF: the program has no struct task_struct' } }];
        return [{ name: 'current', value: { type: pointerTo(type), bytes: littleEndian(this.d.reg(r.hart, 4), 8), register: 4 }, evaluateName: '(struct task_struct *)$tp' }];
      }
      case 'value': {
        const memory = hartMemory(this.d, r.hart);
        return children(r.value, memory, start, count).map((c) => ({ name: c.name, value: c.value, evaluateName: childExpression(r.evaluateName, c.name, r.value) }));
      }
    }
  }

  variables(a: DebugProtocol.VariablesArguments): DebugProtocol.Variable[] {
    const r = this.reference(a.variablesReference);
    const hart = r.kind === 'task' || r.kind === 'value' ? r.hart : r.frame.hart;
    const list = this.named(r, a.start, a.count);
    return list.map((v) => ('variablesReference' in v ? v : this.variable(v, hart)));
  }

  /** One value as a DAP variable: gdb's text, its type, how to expand it, where it is in memory. */
  private variable(v: NamedValue, hart: number): DebugProtocol.Variable {
    const shown = this.show(v.value, hart, v.evaluateName);
    return { name: v.name, value: shown.result, type: shown.type, variablesReference: shown.variablesReference, namedVariables: shown.namedVariables, indexedVariables: shown.indexedVariables, memoryReference: shown.memoryReference, evaluateName: v.evaluateName };
  }

  private show(value: TypedValue, hart: number, evaluateName?: string, print = false) {
    const memory = hartMemory(this.d, hart);
    let result: string;
    try {
      // A struct or union is cut to one line (its members expand); anything else is gdb's whole text,
      // which `print elements` bounds.
      const kind = strip(value.type).kind;
      const aggregate = kind === 'struct' || kind === 'union' || kind === 'class';
      result = print ? formatPrint(value, memory, this.format) : aggregate ? preview(value, memory, PREVIEW_CHARS, this.format) : formatValue(value, memory, this.format);
    } catch (e) {
      if (!(e instanceof ValueError)) throw e;
      result = `<error: ${e.message}>`;
    }
    let counts = { namedCount: 0, indexedCount: 0 };
    try {
      counts = childCounts(value, memory);
    } catch (e) {
      if (!(e instanceof ValueError)) throw e;
    }
    const expandable = counts.namedCount + counts.indexedCount > 0;
    return {
      result,
      type: safeTypeName(value),
      variablesReference: expandable ? this.ref({ kind: 'value', value, hart, evaluateName }) : 0,
      namedVariables: counts.namedCount || undefined,
      indexedVariables: counts.indexedCount || undefined,
      memoryReference: memoryReferenceOf(value, memory),
    };
  }

  /**
   * A C expression in a frame (watch, hover, clipboard, debug console). Register and symbol forms of
   * the assembly-level evaluator (`a0`, `sp + 16`, `*0x80001000`, `do_sys_open+0x10/0x80`) still work
   * where the text is not C the frame can evaluate.
   */
  evaluate(f: FrameRef | undefined, hart: number, expression: string, context?: string): DebugProtocol.EvaluateResponse['body'] {
    const data = f && this.frameData(f);
    let cError: Error | undefined;
    if (data) {
      try {
        const value = evaluateText(expression, data.expressionScope());
        const shown = this.show(value, hart, expression, context === 'repl' || context === 'clipboard');
        return { result: shown.result, type: shown.type, variablesReference: shown.variablesReference, namedVariables: shown.namedVariables, indexedVariables: shown.indexedVariables, memoryReference: shown.memoryReference };
      } catch (e) {
        if (!(e instanceof ExpressionError || e instanceof ValueError || e instanceof DwarfError)) throw e;
        cError = e;
      }
    }
    try {
      const v = this.registers.evaluate(hart, expression, f?.entry);
      return { result: v.value, variablesReference: 0, memoryReference: v.memoryReference };
    } catch (e) {
      // The assembly-level evaluator's own words where it knew what the text meant (a register
      // the frame did not save); the C error otherwise, which names the column.
      const generic = /^cannot evaluate '|a term is missing/.test((e as Error).message);
      if (cError && generic) throw new AdapterError(ErrorCode.BadExpression, cError.message, false);
      throw e;
    }
  }

  /** A value with an address and a size a data breakpoint can watch (1, 2, 4 or 8 bytes). */
  dataBreakpointInfo(a: DebugProtocol.DataBreakpointInfoArguments, f: FrameRef | undefined, hart: number): DebugProtocol.DataBreakpointInfoResponse['body'] {
    let value: TypedValue | undefined;
    let name = a.name;
    if (a.variablesReference !== undefined && !a.asAddress) {
      const r = this.reference(a.variablesReference);
      if (r.kind === 'registers' || r.kind === 'csrs') return { dataId: null, description: `${a.name} is a register: data breakpoints watch memory (add one by address)` };
      hart = r.kind === 'task' || r.kind === 'value' ? r.hart : r.frame.hart;
      const found = (this.named(r) as NamedValue[]).find((v) => v.name === a.name);
      if (!found) return { dataId: null, description: `no variable ${a.name} here` };
      value = found.value;
      name = found.evaluateName ?? a.name;
    } else if (f && this.frameData(f) && !a.asAddress) {
      const data = this.frameData(f)!;
      try {
        value = evaluateText(a.name, data.expressionScope());
        // A computed number or pointer (`0x80001000`, `&obj->refcnt`, `$sp + 16`) is the address to
        // watch, `bytes` long, as "Add Data Breakpoint at Address" gives it.
        if (value.address === undefined && value.register === undefined && value.unavailable === undefined && isScalar(value.type)) {
          const address = BigInt.asUintN(64, integerOf(value, data.memory));
          const bytes = a.bytes ?? 8;
          return { dataId: `${hex(address)}/${bytes}`, description: `${bytes} bytes at ${hex(address)}`, accessTypes: ['write', 'read', 'readWrite'], canPersist: false };
        }
      } catch (e) {
        if (!(e instanceof ExpressionError || e instanceof ValueError || e instanceof DwarfError)) throw e;
        value = undefined;
      }
    }
    if (value) {
      if (value.address === undefined || value.bitSize !== undefined) {
        const where = value.register !== undefined ? `is in a register` : value.unavailable ? `is ${value.unavailable}` : 'has no address';
        return { dataId: null, description: `${name} ${where}: data breakpoints watch memory` };
      }
      const size = sizeOf(value.type);
      if (size !== 1 && size !== 2 && size !== 4 && size !== 8) {
        return { dataId: null, description: `${name} is ${size ?? 'of unknown size'} bytes: a data breakpoint watches 1, 2, 4 or 8 bytes (watch a member)` };
      }
      return { dataId: `${hex(value.address)}/${size}`, description: `${name} (${size} bytes at ${hex(value.address)})`, accessTypes: ['write', 'read', 'readWrite'], canPersist: false };
    }
    // An address expression of the assembly-level evaluator: a register, symbol or number.
    let address: bigint;
    try {
      address = BigInt(this.registers.evaluate(hart, a.name, f?.entry).value.split(' ')[0]);
    } catch {
      return { dataId: null, description: `'${a.name}' is not an address` };
    }
    const bytes = a.bytes ?? 8;
    return { dataId: `${hex(address)}/${bytes}`, description: `${bytes} bytes at ${hex(address)}`, accessTypes: ['write', 'read', 'readWrite'], canPersist: false };
  }

  /**
   * A breakpoint condition in the frame of a hit (frame 0 of hart h at this position): C, with the
   * assembly-level forms (`a0 == 0`) where the text is not C the frame can evaluate.
   */
  condition(f: FrameRef | undefined, h: number, text: string): boolean {
    const data = f && this.frameData(f);
    if (data) {
      try {
        const v = evaluateText(text, data.expressionScope());
        return truth(v, data.memory);
      } catch (e) {
        if (!(e instanceof ExpressionError || e instanceof ValueError || e instanceof DwarfError)) throw e;
        try {
          return this.registers.condition(h, text);
        } catch {
          throw e;
        }
      }
    }
    return this.registers.condition(h, text);
  }

  /** A log point's message: each {expression} replaced by its value, as the Watch view shows it. */
  interpolate(f: FrameRef | undefined, h: number, message: string): string {
    return message.replace(/\{([^}]*)\}/g, (_, e: string) => {
      try {
        return this.evaluate(f, h, e, 'watch').result;
      } catch (err) {
        return `<${(err as Error).message}>`;
      }
    });
  }
}

/** Whether a C value is true (not zero), as `if` tests it. */
function truth(v: TypedValue, memory: Memory): boolean {
  const s = strip(v.type);
  if (s.kind === 'struct' || s.kind === 'union' || s.kind === 'class' || s.kind === 'array') throw new ValueError('a condition must be a number or a pointer, not a struct or an array');
  return integerOf(v, memory) !== 0n;
}

function safeTypeName(v: TypedValue): string | undefined {
  try {
    return typeName(v.type);
  } catch {
    return undefined;
  }
}

/** Where the Memory view opens for a value: what a pointer points to, else where the value is. */
function memoryReferenceOf(v: TypedValue, memory: Memory): string | undefined {
  try {
    if (strip(v.type).kind === 'pointer' && v.unavailable === undefined) return hex(BigInt.asUintN(64, integerOf(v, memory)));
  } catch {
    return v.address === undefined ? undefined : hex(v.address);
  }
  return v.address === undefined ? undefined : hex(v.address);
}

/** The C expression of a child: `parent.member`, `parent->member`, `parent[3]`. */
function childExpression(parent: string | undefined, child: string, value: TypedValue): string | undefined {
  if (!parent || child.startsWith('<')) return undefined;
  const p = /^[\w.]+$/.test(parent) ? parent : `(${parent})`;
  if (child.startsWith('[')) return strip(value.type).kind === 'pointer' ? `(*${p})${child}` : `${p}${child}`;
  return strip(value.type).kind === 'pointer' ? `${p}->${child}` : `${p}.${child}`;
}
