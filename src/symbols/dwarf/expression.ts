// The DWARF expression evaluator (DWARF 5, section 2.5 "DWARF Expressions" and 2.6 "Location
// Descriptions"): runs a location expression against what the stopped machine can tell
// (ExpressionContext: registers, memory, the frame base, the CFA, entry values) and says where the
// variable is, piece by piece, or why that cannot be known.
//
// Stack values have the generic type (2.5.1: an integer the size of an address, here unsigned and
// wrapped to that size) unless a typed operation (DW_OP_convert, DW_OP_const_type, ...) gave them a
// base type, which the context resolves. Arithmetic follows the spec and gdb where the spec is
// silent (gdb/dwarf2/expr.c): DW_OP_div and the relational operators are signed on generic values,
// DW_OP_mod and DW_OP_shr unsigned, DW_OP_shra signed.
//
// Corrupt expressions (an unknown operation, a stack underflow, a division by zero, a branch out of
// the expression, a loop longer than the step budget) are DwarfErrors naming where the expression
// is and the operation's offset; what the machine cannot tell (a register a callee did not save,
// unmapped memory, an entry value without the caller's call site) is an 'unavailable' result.

import { BaseEncoding, ExpressionContext, LocationResult, Piece, PieceLocation } from './model';
import { DwarfError, Reader } from './reader';
import { decodeOperation, expressionReader, Operation, registerName } from './expression-ops';

export { disassembleExpression, registerName } from './expression-ops';

export interface EvaluateOptions {
  /** Where the expression is, for error messages (".debug_loclists+0x1a3"). */
  readonly origin?: string;
  /** The unit's offset in .debug_info: the typed operations name base types relative to it. */
  readonly cuOffset?: number;
  /** 4 for 32-bit DWARF, 8 for 64-bit: the size of DW_OP_implicit_pointer's and call_ref's operand. */
  readonly offsetSize?: 4 | 8;
  /** The unit's DWARF version (in DWARF 2 those operands are address-sized). */
  readonly version?: number;
  /** The most operations one evaluation executes (DW_OP_skip and DW_OP_bra can loop); default 10000. */
  readonly maxSteps?: number;
  /** Values on the stack before the first operation (a CFI expression starts with the CFA, 6.4.2). */
  readonly initialStack?: readonly bigint[];
}

/** Why a location cannot be known from this machine state; becomes an 'unavailable' result. */
class Unavailable {
  constructor(readonly reason: string) {}
}

/** A base type of a typed stack entry (2.5.1.6), from the context. */
interface ValueType {
  readonly die: number;
  readonly size: number;
  readonly encoding: BaseEncoding;
}

/** A stack entry: its bits (wrapped to its type's size) and its type; no type is the generic type. */
interface Entry {
  readonly value: bigint;
  readonly type?: ValueType;
}

const DEFAULT_MAX_STEPS = 10_000;

/**
 * Evaluates a location expression (2.5, 2.6). An empty expression is "optimized out" (2.6.1.1.1);
 * otherwise the result is the location's pieces, or 'unavailable' with the reason.
 */
export function evaluateLocation(expression: Uint8Array, context: ExpressionContext, options: EvaluateOptions = {}): LocationResult {
  if (expression.length === 0) return { kind: 'optimized-out' };
  try {
    return new Evaluation(expression, context, options).run();
  } catch (e) {
    if (e instanceof Unavailable) return { kind: 'unavailable', reason: e.reason };
    throw e;
  }
}

/**
 * The value a single, whole location stands for, as DW_AT_frame_base (3.3.5) and
 * DW_AT_call_value (3.4.2) are read: a memory location's address, a register's contents, a stack
 * value, an implicit value's bytes (up to 8, little-endian). Undefined for anything else.
 */
export function locationValue(result: LocationResult, context: ExpressionContext): bigint | undefined {
  if (result.kind !== 'pieces' || result.pieces.length !== 1 || result.pieces[0].sizeBits !== undefined) return undefined;
  const location = result.pieces[0].location;
  switch (location.kind) {
    case 'memory': return location.address;
    case 'register': return context.register(location.register);
    case 'value': return location.value;
    case 'implicit':
      if (location.bytes.length > 8) return undefined;
      return location.bytes.reduceRight((v, b) => (v << 8n) | BigInt(b), 0n);
    default: return undefined;
  }
}

const isSigned = (t: ValueType): boolean => t.encoding === 'signed' || t.encoding === 'signed_char';
const isFloat = (t: ValueType | undefined): boolean => t?.encoding === 'float';

class Evaluation {
  private readonly r: Reader;
  private readonly stack: Entry[] = [];
  private readonly pieces: Piece[] = [];
  /** A location that must end its piece (register, implicit value, stack value, implicit pointer). */
  private pending?: PieceLocation;
  /** Operations since the last piece, not counting DW_OP_nop and GNU_uninit: none makes an empty piece. */
  private opsInPiece = 0;
  private readonly genericBits: number;

  constructor(private readonly bytes: Uint8Array, private readonly context: ExpressionContext, private readonly options: EvaluateOptions) {
    this.r = expressionReader(bytes, options.origin);
    this.genericBits = context.addressSize * 8;
    for (const v of options.initialStack ?? []) this.stack.push({ value: this.generic(v) });
  }

  run(): LocationResult {
    const maxSteps = this.options.maxSteps ?? DEFAULT_MAX_STEPS;
    const decode = { addressSize: this.context.addressSize, offsetSize: this.options.offsetSize, version: this.options.version };
    for (let steps = 0; !this.r.atEnd; steps++) {
      if (steps >= maxSteps) throw this.r.error(`more than ${maxSteps} operations executed (a DW_OP_skip or DW_OP_bra loop?)`);
      const o = decodeOperation(this.r, decode);
      // 2.6.1.1.3, 2.6.1.1.4: a register or implicit location description is the whole of its piece.
      if (this.pending && o.opcode !== 0x93 && o.opcode !== 0x9d && o.opcode !== 0xf0) {
        throw this.error(o, `follows a ${this.pending.kind} location, which must end its piece`);
      }
      this.execute(o);
    }
    if (this.pieces.length > 0) {
      if (this.opsInPiece > 0) throw this.r.error('operations after the last DW_OP_piece');
      return { kind: 'pieces', pieces: this.pieces };
    }
    return { kind: 'pieces', pieces: [{ location: this.pending ?? this.memoryLocation() }] };
  }

  private memoryLocation(): PieceLocation {
    const top = this.stack[this.stack.length - 1];
    if (!top) throw this.r.error('the expression leaves nothing on the stack');
    return { kind: 'memory', address: top.value };
  }

  private error(o: Operation, message: string): DwarfError {
    return this.r.error(`${o.name}: ${message}`, o.offset);
  }

  private generic(v: bigint): bigint {
    return BigInt.asUintN(this.genericBits, v);
  }

  private push(value: bigint, type?: ValueType): void {
    this.stack.push({ value: type ? BigInt.asUintN(type.size * 8, value) : this.generic(value), type });
  }

  private pop(o: Operation): Entry {
    const e = this.stack.pop();
    if (!e) throw this.error(o, 'stack underflow');
    return e;
  }

  private execute(o: Operation): void {
    const c = o.opcode;
    const [a = 0n, b = 0n] = o.operands;
    if (c !== 0x96 && c !== 0x93 && c !== 0x9d && c !== 0xf0) this.opsInPiece++;
    if (c >= 0x30 && c <= 0x4f) return this.push(BigInt(c - 0x30)); // DW_OP_lit<n>
    if (c >= 0x50 && c <= 0x6f) return void (this.pending = { kind: 'register', register: c - 0x50 }); // DW_OP_reg<n>
    if (c >= 0x70 && c <= 0x8f) return this.push(this.register(o, BigInt(c - 0x70)) + a); // DW_OP_breg<n>
    switch (c) {
      // 2.5.1.1 Literal encodings.
      case 0x03: case 0x08: case 0x09: case 0x0a: case 0x0b: case 0x0c: case 0x0d: case 0x0e: case 0x0f: case 0x10: case 0x11:
        return this.push(a);
      case 0xa1: case 0xa2: case 0xfb: case 0xfc: // DW_OP_addrx, constx, GNU_addr_index, GNU_const_index
        if (!this.context.addrx) throw new Unavailable(`${o.name}: no .debug_addr to read`);
        return this.push(this.context.addrx(this.index(o, a)));
      case 0xa4: case 0xf4: { // DW_OP_const_type
        const type = this.baseType(o, a);
        if (o.block!.length > 8) throw new Unavailable(`${o.name}: a ${o.block!.length}-byte constant (wider than 64 bits)`);
        return this.push(o.block!.reduceRight((v, x) => (v << 8n) | BigInt(x), 0n), type);
      }
      // 2.5.1.2 Register values.
      case 0x91: return this.push(this.frameBase(o) + a); // DW_OP_fbreg
      case 0x92: return this.push(this.register(o, a) + b); // DW_OP_bregx
      case 0xa5: case 0xf5: { // DW_OP_regval_type
        const type = this.baseType(o, b);
        return this.push(this.register(o, a), type);
      }
      // 2.5.1.3 Stack operations.
      case 0x12: return this.dup(o, 0);
      case 0x13: return void this.pop(o);
      case 0x14: return this.dup(o, 1);
      case 0x15: return this.dup(o, Number(a));
      case 0x16: { const x = this.pop(o); const y = this.pop(o); this.stack.push(x, y); return; }
      case 0x17: { const x = this.pop(o); const y = this.pop(o); const z = this.pop(o); this.stack.push(x, z, y); return; }
      case 0x06: return this.push(this.memory(o, this.pop(o).value, this.context.addressSize));
      case 0x94: return this.push(this.memory(o, this.pop(o).value, this.derefSize(o, a)));
      case 0xa6: case 0xf6: { // DW_OP_deref_type
        const type = this.baseType(o, b);
        return this.push(this.memory(o, this.pop(o).value, this.derefSize(o, a, 8)), type);
      }
      case 0x18: case 0x95: case 0xa7: { // DW_OP_xderef, xderef_size, xderef_type
        const type = c === 0xa7 ? this.baseType(o, b) : undefined;
        const address = this.pop(o).value;
        const space = this.pop(o).value;
        if (space !== 0n) throw new Unavailable(`${o.name}: address space ${space} (this machine has one)`);
        const size = c === 0x18 ? this.context.addressSize : this.derefSize(o, a, c === 0xa7 ? 8 : this.context.addressSize);
        return this.push(this.memory(o, address, size), type);
      }
      case 0x97: { // DW_OP_push_object_address
        const v = this.context.objectAddress?.();
        if (v === undefined) throw new Unavailable(`${o.name}: no object address in this context`);
        return this.push(v);
      }
      case 0x9b: case 0xe0: throw new Unavailable(`${o.name}: thread-local storage addresses are not supported`);
      case 0x9c: { // DW_OP_call_frame_cfa
        const v = this.context.cfa?.();
        if (v === undefined) throw new Unavailable(`${o.name}: the frame's canonical frame address is not known`);
        return this.push(v);
      }
      // 2.5.1.4 Arithmetic and logical operations.
      case 0x19: return this.unary(o, (v, t) => (t && !isSigned(t) ? v : BigInt.asIntN(this.bits(t), v) < 0n ? -BigInt.asIntN(this.bits(t), v) : v), Math.abs);
      case 0x1f: return this.unary(o, (v) => -v, (x) => -x);
      case 0x20: return this.unary(o, (v) => ~v);
      case 0x23: { const x = this.pop(o); return this.push(x.value + a, x.type); } // DW_OP_plus_uconst
      case 0x22: return this.binary(o, (x, y) => x + y, (x, y) => x + y);
      case 0x1c: return this.binary(o, (x, y) => x - y, (x, y) => x - y);
      case 0x1e: return this.binary(o, (x, y) => x * y, (x, y) => x * y);
      case 0x1a: return this.binary(o, (x, y) => x & y);
      case 0x21: return this.binary(o, (x, y) => x | y);
      case 0x27: return this.binary(o, (x, y) => x ^ y);
      case 0x1b: // DW_OP_div: signed on generic values
        return this.binary(o, (x, y, t) => {
          if (y === 0n) throw this.error(o, 'division by zero');
          const s = !t || isSigned(t);
          return s ? BigInt.asIntN(this.bits(t), x) / BigInt.asIntN(this.bits(t), y) : x / y;
        }, (x, y) => x / y);
      case 0x1d: // DW_OP_mod: unsigned on generic values (as gdb computes it)
        return this.binary(o, (x, y, t) => {
          if (y === 0n) throw this.error(o, 'division by zero');
          return t && isSigned(t) ? BigInt.asIntN(this.bits(t), x) % BigInt.asIntN(this.bits(t), y) : x % y;
        });
      case 0x24: case 0x25: case 0x26: return this.shift(o);
      // 2.5.1.5 Control flow operations.
      case 0x29: case 0x2a: case 0x2b: case 0x2c: case 0x2d: case 0x2e: return this.compare(o);
      case 0x2f: return this.branch(o, a);
      case 0x28: if (this.pop(o).value !== 0n) this.branch(o, a); return;
      case 0x98: case 0x99: case 0x9a:
        throw new Unavailable(`${o.name}: calling another entry's expression is not supported`);
      // 2.5.1.6 Type conversions.
      case 0xa8: case 0xf7: return this.convert(o, this.pop(o), a === 0n ? undefined : this.baseType(o, a));
      case 0xa9: case 0xf9: return this.reinterpret(o, this.pop(o), a === 0n ? undefined : this.baseType(o, a));
      // 2.5.1.7 Special operations.
      case 0x96: return;
      case 0xa3: case 0xf3: { // DW_OP_entry_value (2.5.1.7)
        const v = this.context.entryValue?.(o.block!);
        if (v === undefined) throw new Unavailable(`${o.name}: the entry value is not known (no call site value in the caller)`);
        return this.push(v);
      }
      case 0xfa: throw new Unavailable(`${o.name}: the value of a parameter at the call site is not known`);
      case 0xfd: throw new Unavailable(`${o.name}: the value of another variable is not supported`);
      case 0xf0: // DW_OP_GNU_uninit marks the value uninitialized; gdb requires it last
        if (!this.r.atEnd) throw this.error(o, 'must be the last operation');
        return;
      // 2.6.1.1.3 Register location descriptions, 2.6.1.1.4 implicit location descriptions.
      case 0x90: this.pending = { kind: 'register', register: this.index(o, a) }; return;
      case 0x9e: this.pending = { kind: 'implicit', bytes: o.block! }; return;
      case 0x9f: this.pending = { kind: 'value', value: this.pop(o).value }; return;
      case 0xa0: case 0xf2: this.pending = { kind: 'implicit-pointer', die: this.index(o, a), offset: b }; return;
      // 2.6.1.2 Composite location descriptions.
      case 0x93: return this.piece(o, this.index(o, a) * 8);
      case 0x9d: return this.piece(o, this.index(o, a), this.index(o, b));
      default: throw this.error(o, 'not an operation the evaluator knows');
    }
  }

  /** An operand used as a count, index or offset: a safe number. */
  private index(o: Operation, v: bigint): number {
    if (v < 0n || v > 0xffffffffn) throw this.error(o, `operand ${v} out of range`);
    return Number(v);
  }

  private bits(t: ValueType | undefined): number {
    return t ? t.size * 8 : this.genericBits;
  }

  private register(o: Operation, n: bigint): bigint {
    const v = this.context.register(this.index(o, n));
    if (v === undefined) throw new Unavailable(`${o.name}: register ${registerName(n)} is not known in this frame`);
    return v;
  }

  private frameBase(o: Operation): bigint {
    if (!this.context.frameBase) throw new Unavailable(`${o.name}: the function has no DW_AT_frame_base`);
    const v = this.context.frameBase();
    if (v === undefined) throw new Unavailable(`${o.name}: the frame base is not known`);
    return v;
  }

  private memory(o: Operation, address: bigint, size: number): bigint {
    const v = this.context.memory(address, size);
    if (v === undefined) throw new Unavailable(`${o.name}: memory at 0x${address.toString(16)} is not readable`);
    return v;
  }

  /** DW_OP_deref_size's operand: 1 to the address size (2.5.1.3), or to 8 for the typed form. */
  private derefSize(o: Operation, size: bigint, max = this.context.addressSize): number {
    if (size < 1n || size > BigInt(max)) throw this.error(o, `size ${size} is not 1 to ${max}`);
    return Number(size);
  }

  /** The base type entry at the unit's offset + `relative`, for the typed operations. */
  private baseType(o: Operation, relative: bigint): ValueType | undefined {
    if (relative === 0n) return undefined; // the generic type (DW_OP_deref_type and others with 0)
    if (!this.context.baseType || this.options.cuOffset === undefined) throw new Unavailable(`${o.name}: base types are not known here`);
    const die = this.options.cuOffset + this.index(o, relative);
    const t = this.context.baseType(die);
    if (!t) throw this.error(o, `no base type at .debug_info+0x${die.toString(16)}`);
    if (t.size < 1) throw this.error(o, `base type at .debug_info+0x${die.toString(16)} has size ${t.size}`);
    if (t.size > 8) throw new Unavailable(`${o.name}: values of ${t.size} bytes (wider than 64 bits) are not supported`);
    if (t.encoding === 'float' && t.size !== 4 && t.size !== 8) throw new Unavailable(`${o.name}: ${t.size}-byte floating point is not supported`);
    return { die, size: t.size, encoding: t.encoding };
  }

  private dup(o: Operation, depth: number): void {
    const e = this.stack[this.stack.length - 1 - depth];
    if (!e || depth < 0) throw this.error(o, 'stack underflow');
    this.stack.push(e);
  }

  private branch(o: Operation, offset: bigint): void {
    const target = o.next + Number(offset);
    if (target < 0 || target > this.bytes.length) throw this.error(o, `branch to ${target}, outside the expression (${this.bytes.length} bytes)`);
    this.r.offset = target;
  }

  private unary(o: Operation, int: (v: bigint, t: ValueType | undefined) => bigint, float?: (x: number) => number): void {
    const x = this.pop(o);
    if (isFloat(x.type)) {
      if (!float) throw this.error(o, 'not defined on floating-point values');
      return this.push(toBits(float(toNumber(x)), x.type!), x.type);
    }
    this.push(int(x.value, x.type), x.type);
  }

  /** Pops y then x and pushes x op y; both must have the same type (2.5.1.4). */
  private binary(o: Operation, int: (x: bigint, y: bigint, t: ValueType | undefined) => bigint, float?: (x: number, y: number) => number): void {
    const y = this.pop(o);
    const x = this.pop(o);
    if (x.type?.die !== y.type?.die) throw this.error(o, 'operands of different types');
    if (isFloat(x.type)) {
      if (!float) throw this.error(o, 'not defined on floating-point values');
      return this.push(toBits(float(toNumber(x), toNumber(y)), x.type!), x.type);
    }
    this.push(int(x.value, y.value, x.type), x.type);
  }

  /** DW_OP_shl, shr (logical), shra (arithmetic): x shifted by y; shifts of the width or more fill. */
  private shift(o: Operation): void {
    const y = this.pop(o).value;
    const x = this.pop(o);
    if (isFloat(x.type)) throw this.error(o, 'not defined on floating-point values');
    const bits = this.bits(x.type);
    const n = y >= BigInt(bits) ? BigInt(bits) : y;
    let v: bigint;
    if (o.opcode === 0x24) v = n >= BigInt(bits) ? 0n : x.value << n;
    else if (o.opcode === 0x25) v = n >= BigInt(bits) ? 0n : x.value >> n;
    else v = BigInt.asIntN(bits, x.value) >> (n >= BigInt(bits) ? BigInt(bits - 1) : n);
    this.push(v, x.type);
  }

  /** The relational operators (2.5.1.5): signed on generic values; push 1 or 0 (generic). */
  private compare(o: Operation): void {
    const y = this.pop(o);
    const x = this.pop(o);
    if (x.type?.die !== y.type?.die) throw this.error(o, 'operands of different types');
    let d: number;
    if (isFloat(x.type)) {
      const p = toNumber(x);
      const q = toNumber(y);
      d = p < q ? -1 : p > q ? 1 : p === q ? 0 : NaN;
    } else {
      const s = !x.type || isSigned(x.type);
      const p = s ? BigInt.asIntN(this.bits(x.type), x.value) : x.value;
      const q = s ? BigInt.asIntN(this.bits(x.type), y.value) : y.value;
      d = p < q ? -1 : p > q ? 1 : 0;
    }
    const result = [d === 0, d >= 0, d > 0, d <= 0, d < 0, d !== 0][o.opcode - 0x29];
    this.push(result ? 1n : 0n);
  }

  /** DW_OP_convert: the value as the other type (undefined: the generic type). */
  private convert(o: Operation, x: Entry, to: ValueType | undefined): void {
    if (isFloat(x.type)) {
      const f = toNumber(x);
      if (isFloat(to)) return this.push(toBits(f, to!), to);
      if (!Number.isFinite(f)) throw new Unavailable(`${o.name}: ${f} has no integer value`);
      return this.push(BigInt(Math.trunc(f)), to);
    }
    const n = x.type && isSigned(x.type) ? BigInt.asIntN(this.bits(x.type), x.value) : x.value;
    if (isFloat(to)) return this.push(toBits(Number(n), to!), to);
    this.push(n, to);
  }

  /** DW_OP_reinterpret: the same bits as another type of the same size. */
  private reinterpret(o: Operation, x: Entry, to: ValueType | undefined): void {
    if (this.bits(x.type) !== this.bits(to)) throw this.error(o, `sizes differ (${this.bits(x.type)} and ${this.bits(to)} bits)`);
    this.stack.push({ value: x.value, type: to });
  }

  /** DW_OP_piece (size in bits here) and DW_OP_bit_piece (2.6.1.2). */
  private piece(o: Operation, sizeBits: number, offsetBits?: number): void {
    let location: PieceLocation;
    if (this.pending) location = this.pending;
    else if (this.opsInPiece === 0 || this.stack.length === 0) location = { kind: 'undefined' };
    else location = { kind: 'memory', address: this.pop(o).value };
    this.pieces.push(offsetBits === undefined ? { location, sizeBits } : { location, sizeBits, offsetBits });
    this.pending = undefined;
    this.opsInPiece = 0;
  }
}

function toNumber(e: Entry): number {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setBigUint64(0, e.value, true);
  return e.type!.size === 4 ? dv.getFloat32(0, true) : dv.getFloat64(0, true);
}

function toBits(x: number, t: ValueType): bigint {
  const dv = new DataView(new ArrayBuffer(8));
  if (t.size === 4) dv.setFloat32(0, x, true);
  else dv.setFloat64(0, x, true);
  return dv.getBigUint64(0, true);
}
