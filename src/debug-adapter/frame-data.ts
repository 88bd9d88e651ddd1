// The C program's data in one frame of a stopped hart: its arguments, its locals by lexical block,
// the globals of its unit, and the scope a C expression is evaluated in (locals, arguments, globals,
// functions, types, $registers), from the DWARF (src/symbols/dwarf) and the typed values of
// src/symbols/values. Registers and memory come from the debuggee as they are at this position;
// a caller's frame knows the registers the unwinder recovered.

import { expressionValue, frameBaseOf, frameContext } from '../symbols/dwarf/frame-context';
import { evaluateLocation } from '../symbols/dwarf/expression';
import { CType, ExpressionContext, Variable, VariableScope } from '../symbols/dwarf/model';
import { CallSite, ProgramData } from '../symbols/dwarf/program';
import { KernelSymbols } from '../symbols';
import { F_ABI_NAMES } from '../symbols/registers';
import { ExpressionScope } from '../symbols/values/cexpr';
import { standardType } from '../symbols/values/cexpr/types';
import { fromInteger, littleEndian, Memory, pointerTo, TypedValue, valueFromLocation } from '../symbols/values/value';
import { DwarfError } from '../symbols/dwarf/reader';
import { Debuggee } from './debuggee';
import { registerNumber } from './variables';
import { StackEntry } from './stack';

/** How many callers deep an entry value may be resolved through call sites whose values are entry values. */
const MAX_ENTRY_VALUE_DEPTH = 8;

/** A variable of a frame as the Variables view lists it. */
export interface NamedValue {
  name: string;
  value: TypedValue;
  /** The C expression that names it in this frame (for the Watch view's "Add to Watch"). */
  evaluateName?: string;
}

/** A hart's memory as the program sees it (virtual addresses, through the hart's translation). */
export function hartMemory(d: Debuggee, h: number): Memory {
  return { read: (address, length) => (length === 0 ? new Uint8Array(0) : d.readMemory(h, address, length)) };
}

/** The position of a frame in its hart's stack: the stack, and the entry's index in it. */
export interface FrameAt {
  hart: number;
  stack: readonly StackEntry[];
  index: number;
}

export class FrameData {
  readonly memory: Memory;
  private readonly entry: StackEntry;
  private scopeList?: VariableScope[];
  /** Why the scopes at this pc could not be read: shown in their place. */
  private scopeError?: DwarfError;
  private contextCache?: ExpressionContext;
  private callerCache?: { data?: FrameData; reason?: string };

  /** @param depth  how many callees' entry values this frame is being asked for (0 for a frame the user looks at) */
  constructor(private readonly d: Debuggee, private readonly program: ProgramData, private readonly symbols: KernelSymbols, private readonly at: FrameAt, private readonly depth = 0) {
    this.memory = hartMemory(d, at.hart);
    this.entry = at.stack[at.index];
  }

  /**
   * This frame's scopes, innermost first: the stack lists the functions inlined at a pc as frames
   * of their own (innermost first), so the scope chain at the pc is cut after each inlined call
   * and after the function, and this frame takes its own part.
   */
  scopes(): VariableScope[] {
    if (this.scopeList) return this.scopeList;
    let chain: VariableScope[];
    try {
      chain = this.program.scopesAt(this.entry.lookupPc);
    } catch (e) {
      if (!(e instanceof DwarfError)) throw e;
      this.scopeError = e;
      return (this.scopeList = []);
    }
    const parts: VariableScope[][] = [[]];
    for (const s of chain) {
      parts[parts.length - 1].push(s);
      if (s.kind !== 'block') parts.push([]);
    }
    // Which of the functions at this pc this frame is, counted from the function outward: frame 0
    // may start at a caller of the innermost inlined calls (stack.ts shows a stop where calls begin
    // in their caller), so the count is from this pc's last entry, the function itself.
    let last = this.at.index;
    while (last < this.at.stack.length - 1 && this.at.stack[last].inlined) last++;
    const functions = parts.length - 1;
    const depth = functions - 1 - (last - this.at.index);
    return (this.scopeList = depth >= 0 ? parts[depth] : []);
  }

  /** The function (or inlined call) this frame is in, from its scopes. */
  private functionScope(): VariableScope | undefined {
    return this.scopes().find((s) => s.kind !== 'block');
  }

  /** The subprogram that holds this frame's code (an inlined call's frame base is its caller's). */
  private subprogram(): VariableScope | undefined {
    try {
      return this.program.scopesAt(this.entry.lookupPc).find((s) => s.kind === 'subprogram');
    } catch {
      return undefined;
    }
  }

  /** Bad DWARF where the scopes should be: one entry that says so, in place of the variables. */
  private scopeProblem(): NamedValue[] {
    return this.scopeError ? [{ name: '<error>', value: { type: { kind: 'void', id: -2 }, unavailable: `bad DWARF: ${this.scopeError.message}` } }] : [];
  }

  /** The function's formal parameters, in order. */
  arguments(): NamedValue[] {
    if (this.scopes().length === 0 && this.scopeError) return this.scopeProblem();
    const fn = this.functionScope();
    return (fn?.variables ?? []).filter((v) => v.parameter).map((v) => ({ name: v.name, value: this.read(v), evaluateName: v.name }));
  }

  /**
   * The locals, innermost block first as gdb's `info locals` lists them; a name that an inner block
   * declares again is shown, in the outer block, as "name (shadowed)".
   */
  locals(): NamedValue[] {
    if (this.scopes().length === 0 && this.scopeError) return this.scopeProblem();
    const out: NamedValue[] = [];
    const seen = new Set<string>();
    for (const scope of this.scopes()) {
      const here: NamedValue[] = [];
      for (const v of scope.variables) {
        if (v.parameter) continue;
        const shadowed = seen.has(v.name);
        here.push({ name: shadowed ? `${v.name} (shadowed)` : v.name, value: this.read(v), evaluateName: shadowed ? undefined : v.name });
      }
      for (const v of scope.variables) if (!v.parameter) seen.add(v.name);
      out.push(...here);
    }
    return out;
  }

  /** The file-level variables of this frame's compilation unit. */
  globals(): NamedValue[] {
    let list: Variable[];
    try {
      list = this.program.unitGlobals(this.entry.lookupPc);
    } catch (e) {
      if (e instanceof DwarfError) return [];
      throw e;
    }
    return list.map((v) => ({ name: v.name, value: this.readGlobal(v), evaluateName: v.name })).sort((a, b) => a.name.localeCompare(b.name));
  }

  /** A global as this unit declares it; an extern declaration without a location is read where it is defined. */
  private readGlobal(v: Variable): TypedValue {
    if (v.location.kind === 'none') {
      const defined = this.program.findVariable(v.name);
      if (defined && defined.location.kind !== 'none') return { ...this.read(defined), type: v.type.kind === 'array' && v.type.count === undefined ? defined.type : v.type };
    }
    return this.read(v);
  }

  /** A variable's value at this frame's pc: where its location says, or why it cannot be known. */
  read(v: Variable): TypedValue {
    try {
      const at = this.program.locationAt(v.location, this.entry.lookupPc);
      if (at.kind === 'none') return { type: v.type, unavailable: 'optimized out' };
      if (at.kind === 'error') return { type: v.type, unavailable: `bad DWARF: ${at.message}` };
      if (at.kind === 'constant') return typeof at.value === 'bigint' ? fromInteger(v.type, at.value) : { type: v.type, bytes: at.value };
      const result = evaluateLocation(at.expression, this.context(), this.evaluateOptions());
      return valueFromLocation(result, v.type, (n) => this.registerValue(n), this.memory);
    } catch (e) {
      // Bad DWARF is that variable's value, never a failed request.
      if (e instanceof DwarfError) return { type: v.type, unavailable: `bad DWARF: ${e.message}` };
      throw e;
    }
  }

  private evaluateOptions() {
    const unit = this.program.unitOf(this.entry.lookupPc);
    return unit ? { cuOffset: unit.offset, version: unit.version } : {};
  }

  /** A register of this frame by DWARF number (x0-x31; f0-f31 as 32-63 in the stopped frame only). */
  private registerValue(n: number): bigint | undefined {
    if (n === 0) return 0n;
    if (n < 32) return this.entry.registers.get(n);
    if (n < 64 && this.at.index === 0) return this.d.hart(this.at.hart).freg(n - 32);
    return undefined;
  }

  /** What location expressions ask of this frame. */
  private context(): ExpressionContext {
    if (this.contextCache) return this.contextCache;
    const registers = new Map<number, bigint>();
    for (let n = 0; n < 64; n++) {
      const v = this.registerValue(n);
      if (v !== undefined) registers.set(n, v);
    }
    const unit = this.program.unitOf(this.entry.lookupPc);
    const memory = (address: bigint, size: number): bigint | undefined => {
      const b = this.memory.read(address, size);
      if (!b) return undefined;
      let v = 0n;
      for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
      return v;
    };
    const cfa = this.entry.cfa ?? this.cfaFromRow();
    let frameBase: bigint | undefined | null = null;
    const base: ExpressionContext = frameContext({
      addressSize: unit?.addressSize ?? 8,
      registers,
      memory,
      cfa,
      frameBase: () => {
        if (frameBase === null) frameBase = frameBaseOf(this.subprogram()?.frameBase, this.entry.lookupPc, frameContext({ registers, memory, cfa }));
        return frameBase;
      },
      callSiteValue: (register) => this.callSiteValue(register),
    });
    return (this.contextCache = base);
  }

  /**
   * The value the caller passed in DWARF register `register` when it called this frame's function
   * (for DW_OP_entry_value, 2.5.1.7), as gdb resolves it (dwarf_expr_reg_to_entry_parameter): the
   * caller's call site whose return address is the caller frame's pc (3.4.1), if that call went to
   * this function and the function cannot have called itself through tail calls since; its
   * parameter for the register (3.4.2), whose DW_AT_call_value is evaluated in the caller's frame,
   * where the caller's own entry values resolve through its caller in turn. An inlined frame's
   * entry values are its physical function's. Undefined when any of that is not known.
   */
  private callSiteValue(register: number): bigint | undefined {
    const caller = this.callerFrame();
    if (!caller) return undefined;
    const site = this.program.callSiteAt(caller.entry.pc);
    const expression = site?.parameters.get(register);
    if (!site || !expression) return undefined;
    try {
      if (!this.calledBy(site, caller)) return undefined;
      return expressionValue(expression, caller.context(), caller.evaluateOptions());
    } catch (e) {
      if (e instanceof DwarfError) return undefined;
      throw e;
    }
  }

  /**
   * The frame that called this frame's physical function: the entry after the function's own (the
   * last of the entries at this pc, the ones before it being inlined calls), unless that frame was
   * interrupted by a trap rather than making a call. Its registers are those the unwinder recovered.
   */
  private callerFrame(): FrameData | undefined {
    if (this.callerCache) return this.callerCache.data;
    let physical = this.at.index;
    while (physical < this.at.stack.length && this.at.stack[physical].inlined) physical++;
    const index = physical + 1;
    const entry = this.at.stack[index];
    const ok = entry !== undefined && entry.trap === undefined && this.depth + 1 < MAX_ENTRY_VALUE_DEPTH;
    const data = ok ? new FrameData(this.d, this.program, this.symbols, { hart: this.at.hart, stack: this.at.stack, index }, this.depth + 1) : undefined;
    this.callerCache = { data };
    return data;
  }

  /**
   * Whether a caller's call site called this frame's function (gdb checks the call site's target
   * against the function's entry, and refuses a function that may call itself through tail calls).
   */
  private calledBy(site: CallSite, caller: FrameData): boolean {
    const fn = this.subprogram();
    const entry = fn?.ranges[0]?.[0];
    if (entry === undefined) return false;
    const target = this.program.callTarget(site);
    let addresses: readonly bigint[];
    switch (target.kind) {
      case 'addresses': addresses = target.addresses; break;
      case 'name': {
        const a = this.symbols.symtab.address(target.name);
        addresses = a === undefined ? [] : [a];
        break;
      }
      case 'expression': {
        const a = expressionValue(target.expression, caller.context(), caller.evaluateOptions());
        addresses = a === undefined ? [] : [a];
        break;
      }
      default: addresses = [];
    }
    if (!addresses.includes(entry)) return false;
    return this.program.selfTailCallReason(entry, (name) => this.symbols.symtab.address(name)) === undefined;
  }

  /** The CFA by the CFI row at pc, for a frame the unwinder gave none (the outermost). */
  private cfaFromRow(): bigint | undefined {
    const row = this.symbols.unwindRow(this.entry.lookupPc);
    if (!row || row.cfa.kind !== 'register-offset') return undefined;
    const r = this.entry.registers.get(row.cfa.register);
    return r === undefined ? undefined : BigInt.asUintN(64, r + row.cfa.offset);
  }

  /** The scope C expressions are evaluated in: this frame's locals and arguments, then the program's names. */
  expressionScope(): ExpressionScope {
    const pc = this.entry.lookupPc;
    const program = this.program;
    return {
      pointerSize: 8,
      memory: this.memory,
      type: (name, kind) => program.findType(name, kind, pc),
      variable: (name) => {
        for (const scope of this.scopes()) {
          const v = scope.variables.find((x) => x.name === name);
          if (v) return this.read(v);
        }
        const g = program.findVariable(name, pc);
        if (g) return g.location.kind === 'none' ? this.readGlobal(g) : this.read(g);
        const f = program.findFunction(name, pc);
        if (f) return { type: f.type, address: f.address };
        return undefined;
      },
      register: (name) => this.register(name),
    };
  }

  /** `$name`: a register (x0-x31 by number or ABI name, pc, fp, f0-f31 raw) or a CSR, as gdb types them. */
  private register(name: string): TypedValue | undefined {
    const scope = { type: (n: string) => this.program.findType(n, undefined, this.entry.lookupPc) };
    const long = standardType('long', scope);
    const n = registerNumber(name);
    if (n !== undefined) {
      const v = n === 32 ? this.entry.pc : this.registerValue(n);
      if (v === undefined) return { type: long, unavailable: 'not saved' };
      // gdb's riscv target description: pc is `void (*)()`... kept simple: pc and sp as pointers.
      const type: CType = n === 32 || n === 1 ? pointerTo({ kind: 'function', id: -3, returns: { kind: 'void', id: -2 }, params: [], variadic: false, prototyped: false })
        : n === 2 || n === 8 ? pointerTo({ kind: 'void', id: -2 }) : long;
      return { type, bytes: littleEndian(v, 8), register: n === 32 ? undefined : n };
    }
    const f = /^f(\d+)$/.exec(name) ?? (/^f[ast]\d+$/.test(name) ? ['', String(F_ABI_NAMES.indexOf(name))] : null);
    if (f && Number(f[1]) >= 0 && Number(f[1]) < 32) {
      const v = this.registerValue(32 + Number(f[1]));
      const type = standardType('unsigned long', scope);
      return v === undefined ? { type, unavailable: 'not saved' } : { type, bytes: littleEndian(v, 8), register: 32 + Number(f[1]) };
    }
    const csr = this.d.hart(this.at.hart).csrNamed(name);
    if (csr !== undefined) return fromInteger(standardType('unsigned long', scope), csr);
    return undefined;
  }
}
