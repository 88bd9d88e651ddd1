// The evaluator of parsed C expressions (C11 6.5) over typed values (../value.ts): integer
// promotions and the usual arithmetic conversions (6.3.1), pointer arithmetic, lvalues in memory,
// short-circuit && || ?: that never evaluate the arm not taken. sizeof evaluates its operand for
// its type only: memory reads as zeros there, and nothing can fail for a value's sake (6.5.3.4p2:
// the operand "is not evaluated").
//
// Where C leaves a result undefined, the evaluator gives gdb's: signed overflow wraps, a shift by
// a negative count or by the width or more gives 0 (-1 for a negative value shifted right).

import { CType } from '../../dwarf/model';
import {
  add, addressOf, cast, deref, elementOf, floatOf, fromFloat, fromInteger, integerOf, isFloat, Memory, memberOf, pointerTo,
  sizeOf, strip, TypedValue, ValueError,
} from '../value';
import { Expression, TypeName } from './ast';
import { ExpressionError } from './lexer';
import { parse } from './parser';
import { arrayOf, commonInteger, integerKind, integerTypeOf, promote, resolveTypeName, standardType, TypeScope, typeToString } from './types';

export interface ExpressionScope extends TypeScope {
  /** Locals innermost first, then arguments, globals and functions. */
  variable(name: string): TypedValue | undefined;
  /** `$a0` ... `$pc`, `$sstatus`: the name without the `$`. */
  register(name: string): TypedValue | undefined;
  readonly memory: Memory;
  readonly pointerSize: 8;
}

/** Parses `text` in `scope` (whose typedef names make `(name)x` a cast) and evaluates it. */
export function evaluateText(text: string, scope: ExpressionScope): TypedValue {
  return evaluate(parse(text, { isTypeName: (n) => scope.variable(n) === undefined && scope.type(n) !== undefined }), scope);
}

/** The value of `e` in `scope`: ExpressionError naming the problem and the column it is at. */
export function evaluate(e: Expression, scope: ExpressionScope): TypedValue {
  return new Evaluator(scope, scope.memory, false).value(e);
}

/** The type `e` would have, evaluated for its type only (as sizeof does): reads nothing, fails only on type errors. */
export function typeOfExpression(e: Expression, scope: ExpressionScope): CType {
  return new Evaluator(scope, ZERO_MEMORY, true).value(e).type;
}

/** Memory that reads as zeros everywhere: for sizeof's operand, whose value does not matter. */
const ZERO_MEMORY: Memory = { read: (_address, length) => new Uint8Array(length) };

const ARITHMETIC = new Set(['*', '/', '%', '+', '-', '<<', '>>', '&', '^', '|']);

class Evaluator {
  constructor(private readonly scope: ExpressionScope, private readonly memory: Memory, private readonly typeOnly: boolean) {}

  value(e: Expression): TypedValue {
    try {
      return this.node(e);
    } catch (error) {
      if (error instanceof ValueError) throw new ExpressionError(error.message.replace(/\.$/, ''), e.start);
      throw error;
    }
  }

  private std(name: string): CType {
    return standardType(name, this.scope);
  }

  private int(v: bigint | boolean, name = 'int'): TypedValue {
    return fromInteger(this.std(name), typeof v === 'boolean' ? (v ? 1n : 0n) : v);
  }

  private node(e: Expression): TypedValue {
    switch (e.kind) {
      case 'identifier': {
        const v = this.scope.variable(e.name);
        if (!v) throw new ExpressionError(`unknown identifier '${e.name}'`, e.start);
        return v;
      }
      case 'register': {
        const v = this.scope.register(e.name);
        if (!v) throw new ExpressionError(`unknown register '$${e.name}'`, e.start);
        return v;
      }
      case 'integer': return this.integerConstant(e.value, e.decimal, e.suffix.unsigned, e.suffix.long);
      case 'float': return fromFloat(this.std(e.suffix === 'f' ? 'float' : e.suffix === 'l' ? 'long double' : 'double'), e.value);
      case 'char': {
        // 6.4.4.4p10: an int whose value is that of a char holding the byte (char is unsigned on RISC-V).
        const char = this.std('char');
        return this.int(integerOf(fromInteger(char, BigInt(e.value)), this.memory));
      }
      case 'string': {
        const bytes = new Uint8Array(e.bytes.length + 1);
        bytes.set(e.bytes);
        return { type: arrayOf(this.std('char'), bytes.length), bytes };
      }
      case 'unary': return this.unary(e.operator, e.operand, e);
      case 'sizeof': {
        const type = e.operand.kind === 'type-name' ? this.typeName(e.operand) : new Evaluator(this.scope, ZERO_MEMORY, true).value(e.operand).type;
        const size = sizeOf(type);
        if (size === undefined) throw new ExpressionError(`sizeof of ${describe(type)}, which has no size`, e.start);
        return this.int(BigInt(size), 'unsigned long');
      }
      case 'cast': {
        const type = this.typeName(e.type);
        const v = this.value(e.operand);
        const to = strip(type);
        if (to.kind === 'pointer' && strip(v.type).kind === 'function') return fromInteger(type, this.functionAddress(v, e.operand));
        if (isFloat(v.type) && (integerKind(to) || to.kind === 'pointer') && !(to.kind === 'base' && to.encoding === 'boolean')) {
          return fromInteger(type, floatToInteger(floatOf(v, this.memory)));
        }
        return cast(v, type, this.memory);
      }
      case 'binary': return this.binary(e);
      case 'conditional': {
        const condition = this.truth(this.scalar(e.condition));
        if (this.typeOnly) return zeroOf(this.conditionalType(this.value(e.whenTrue), this.value(e.whenFalse), e).type);
        const [taken, other] = condition ? [e.whenTrue, e.whenFalse] : [e.whenFalse, e.whenTrue];
        const v = this.value(taken);
        // The result has the type both arms convert to (6.5.15p5), which needs the other arm's type:
        // where that arm has none (it would fail even as sizeof's operand), the taken arm is the
        // result, as gdb gives it (gdb never looks at the arm it does not take).
        let otherType: CType;
        try {
          otherType = typeOfExpression(other, this.scope);
        } catch {
          return v;
        }
        const type = condition ? this.conditionalType(v, { type: otherType }, e) : this.conditionalType({ type: otherType }, v, e);
        return type === v ? v : this.convert(this.decay(v, taken), type.type);
      }
      case 'index': {
        let array = this.value(e.array);
        let index = this.value(e.index);
        // 6.5.2.1p2: E1[E2] is (*((E1)+(E2))), so 2[a] is a[2].
        if (integerKind(array.type) && !integerKind(index.type)) [array, index] = [index, array];
        const kind = strip(array.type).kind;
        if (kind !== 'array' && kind !== 'pointer') throw new ExpressionError(`cannot subscript a value of type '${typeToString(array.type)}'`, e.start);
        if (!integerKind(index.type)) throw new ExpressionError(`array subscript is not an integer`, e.index.start);
        if (kind === 'pointer') this.derefTarget(array, e.array);
        return elementOf(array, integerOf(index, this.memory), this.memory);
      }
      case 'member': {
        let object = this.value(e.object);
        const s = strip(object.type);
        if (e.arrow) {
          const target = s.kind === 'pointer' ? strip(s.target).kind : undefined;
          if (target !== 'struct' && target !== 'union' && target !== 'class') {
            throw new ExpressionError(`'->' needs a pointer to a struct or union, not '${typeToString(object.type)}'`, e.start);
          }
          object = deref(object, this.memory);
        } else if (s.kind !== 'struct' && s.kind !== 'union' && s.kind !== 'class') {
          const hint = s.kind === 'pointer' ? " (a pointer: use '->')" : '';
          throw new ExpressionError(`'.' needs a struct or union, not '${typeToString(object.type)}'${hint}`, e.start);
        }
        try {
          return memberOf(object, e.member);
        } catch (error) {
          if (error instanceof ValueError && /no member named/.test(error.message)) {
            throw new ExpressionError(`'${typeToString(object.type)}' has no member named '${e.member}'`, e.end - e.member.length);
          }
          throw error;
        }
      }
    }
  }

  private typeName(t: TypeName): CType {
    return resolveTypeName(t, this.scope);
  }

  /** An integer constant's type (6.4.4.1p5): the first of its list in which the value fits; a decimal beyond long, unsigned long (as gdb). */
  private integerConstant(value: bigint, decimal: boolean, unsigned: boolean, long: 0 | 1 | 2): TypedValue {
    const candidates: Array<[string, number, boolean]> = [['int', 32, true], ['unsigned int', 32, false], ['long', 64, true],
      ['unsigned long', 64, false], ['long long', 64, true], ['unsigned long long', 64, false]];
    const fits = candidates.filter(([name, bits, signed]) =>
      (long === 0 || (long === 1 ? /long/.test(name) : /long long/.test(name)))
      && (!unsigned || !signed)
      && (!decimal || unsigned || signed)
      && value < 1n << BigInt(signed ? bits - 1 : bits));
    return this.int(value, fits.length ? fits[0][0] : 'unsigned long');
  }

  /** An rvalue as C uses it in an expression (6.3.2.1): arrays decay to a pointer to their first element, functions to a pointer to them. */
  private decay(v: TypedValue, e: Expression): TypedValue {
    const s = strip(v.type);
    if (s.kind === 'array') {
      if (v.address === undefined || v.bytes !== undefined) throw new ExpressionError('an array that is not in memory has no address to decay to', e.start);
      return fromInteger(pointerTo(s.element), v.address);
    }
    if (s.kind === 'function') return fromInteger(pointerTo(v.type), this.functionAddress(v, e));
    return v;
  }

  private functionAddress(v: TypedValue, e: Expression): bigint {
    if (v.address === undefined) throw new ExpressionError('a function with no address', e.start);
    return v.address;
  }

  /** The value of a scalar operand (after decay): integer, float or pointer. */
  private scalar(e: Expression): TypedValue {
    const v = this.decay(this.value(e), e);
    const kind = strip(v.type).kind;
    if (!integerKind(v.type) && !isFloat(v.type) && kind !== 'pointer') {
      throw new ExpressionError(`a value of type '${typeToString(v.type)}' where a number or pointer is needed`, e.start);
    }
    // Read it now, so that memory that cannot be read is reported at this operand's column.
    try {
      if (isFloat(v.type)) floatOf(v, this.memory);
      else integerOf(v, this.memory);
    } catch (error) {
      if (error instanceof ValueError) throw new ExpressionError(error.message.replace(/\.$/, ''), e.start);
      throw error;
    }
    return v;
  }

  private truth(v: TypedValue): boolean {
    return isFloat(v.type) ? floatOf(v, this.memory) !== 0 : integerOf(v, this.memory) !== 0n;
  }

  private unary(op: string, operand: Expression, e: Expression): TypedValue {
    switch (op) {
      case '&': {
        const v = this.value(operand);
        if (strip(v.type).kind === 'function') return fromInteger(pointerTo(v.type), this.functionAddress(v, operand));
        if (v.register !== undefined || (v.address === undefined && v.bytes !== undefined)) {
          const where = v.register !== undefined || operand.kind === 'register' ? 'a register' : 'a computed value';
          throw new ExpressionError(`cannot take the address of ${where}: it is not in memory`, e.start);
        }
        return addressOf(v);
      }
      case '*': {
        const v = this.decay(this.value(operand), operand);
        const s = strip(v.type);
        if (s.kind !== 'pointer') throw new ExpressionError(`cannot dereference a value of type '${typeToString(v.type)}', which is not a pointer`, e.start);
        this.derefTarget(v, e);
        if (strip(s.target).kind === 'function') return { type: s.target, address: integerOf(v, this.memory) };
        return deref(v, this.memory);
      }
      case '!': return this.int(!this.truth(this.scalar(operand)));
    }
    const v = this.scalar(operand);
    if (isFloat(v.type)) {
      if (op === '~') throw new ExpressionError("'~' needs an integer, not a floating value", e.start);
      return fromFloat(v.type, op === '-' ? -floatOf(v, this.memory) : floatOf(v, this.memory));
    }
    const k = integerKind(v.type);
    if (!k) throw new ExpressionError(`'${op}' needs a number, not a pointer`, e.start);
    const type = integerTypeOf(promote(k, v.bitSize), this.scope);
    const x = integerOf(v, this.memory);
    return fromInteger(type, op === '-' ? -x : op === '~' ? ~x : x);
  }

  /** Refuses to dereference void * (C11 6.5.3.2p4: the operand must point to an object or function). */
  private derefTarget(p: TypedValue, e: Expression): void {
    const s = strip(p.type);
    if (s.kind === 'pointer' && strip(s.target).kind === 'void') {
      throw new ExpressionError(`cannot dereference '${typeToString(p.type)}': cast it to a pointer to the type it points to`, e.start);
    }
  }

  private binary(e: Expression & { kind: 'binary' }): TypedValue {
    const op = e.operator;
    if (op === ',') {
      this.value(e.left);
      return this.decay(this.value(e.right), e.right);
    }
    if (op === '&&' || op === '||') {
      // 6.5.13p4, 6.5.14p4: the right operand is evaluated only when the left does not decide.
      const left = this.truth(this.scalar(e.left));
      if (this.typeOnly) this.scalar(e.right);  // for its type errors only
      if (this.typeOnly || (op === '&&' ? !left : left)) return this.int(left);
      return this.int(this.truth(this.scalar(e.right)));
    }
    const a = this.scalar(e.left);
    const b = this.scalar(e.right);
    const pa = strip(a.type).kind === 'pointer';
    const pb = strip(b.type).kind === 'pointer';
    if (pa || pb) return this.pointerOperation(op, a, b, pa, pb, e);
    if (isFloat(a.type) || isFloat(b.type)) {
      if (['%', '<<', '>>', '&', '^', '|'].includes(op)) throw new ExpressionError(`'${op}' needs integers, not floating values`, e.start);
      const type = floatCommon(a.type, b.type, this.scope);
      // Each operand converted to the common type first: float arithmetic rounds to float.
      const x = floatOf(cast(a, type, this.memory), this.memory);
      const y = floatOf(cast(b, type, this.memory), this.memory);
      switch (op) {
        case '*': return fromFloat(type, x * y);
        case '/': return fromFloat(type, x / y);
        case '+': return fromFloat(type, x + y);
        case '-': return fromFloat(type, x - y);
        default: return this.int(compare(op, x, y));
      }
    }
    const ka = promote(integerKind(a.type)!, a.bitSize);
    const kb = promote(integerKind(b.type)!, b.bitSize);
    const x = integerOf(a, this.memory);
    const y = integerOf(b, this.memory);
    if (op === '<<' || op === '>>') {
      // 6.5.7p3: the type of the result is that of the promoted left operand.
      const type = integerTypeOf(ka, this.scope);
      const bits = BigInt(ka.size * 8);
      if (y < 0n || y >= bits) return fromInteger(type, op === '>>' && ka.signed && x < 0n ? -1n : 0n);
      return fromInteger(type, op === '<<' ? x << y : x >> y);
    }
    const common = commonInteger(ka, kb);
    const type = integerTypeOf(common, this.scope);
    // Both operands converted to the common type (6.3.1.8): -1 < 0u compares 0xffffffff with 0.
    const wrap = (v: bigint): bigint => (common.signed ? BigInt.asIntN(common.size * 8, v) : BigInt.asUintN(common.size * 8, v));
    const [u, v] = [wrap(x), wrap(y)];
    if (!ARITHMETIC.has(op)) return this.int(compare(op, u, v));
    if ((op === '/' || op === '%') && v === 0n) {
      if (this.typeOnly) return fromInteger(type, 0n);
      throw new ExpressionError('division by zero', e.start);
    }
    return fromInteger(type, integerOperation(op, u, v));
  }

  /** + - with a pointer (6.5.6p8-9) and comparisons of pointers (6.5.8, 6.5.9). */
  private pointerOperation(op: string, a: TypedValue, b: TypedValue, pa: boolean, pb: boolean, e: Expression): TypedValue {
    if (op === '+' && pa !== pb) {
      const [p, n] = pa ? [a, b] : [b, a];
      if (!integerKind(n.type)) throw new ExpressionError(`cannot add a value of type '${typeToString(n.type)}' to a pointer`, e.start);
      return add(p, integerOf(n, this.memory), this.memory);
    }
    if (op === '-' && pa && !pb) {
      if (!integerKind(b.type)) throw new ExpressionError(`cannot subtract a value of type '${typeToString(b.type)}' from a pointer`, e.start);
      return add(a, -integerOf(b, this.memory), this.memory);
    }
    if (op === '-' && pa && pb) {
      const ta = strip((strip(a.type) as { target: CType }).target);
      const tb = strip((strip(b.type) as { target: CType }).target);
      const sa = ta.kind === 'void' ? 1 : sizeOf(ta);
      const sb = tb.kind === 'void' ? 1 : sizeOf(tb);
      if (sa === undefined || sa !== sb) {
        throw new ExpressionError(`cannot subtract pointers to different types ('${typeToString(a.type)}' and '${typeToString(b.type)}')`, e.start);
      }
      const difference = BigInt.asIntN(64, integerOf(a, this.memory) - integerOf(b, this.memory));
      return this.int(difference / BigInt(sa || 1), 'long');
    }
    if (['<', '>', '<=', '>=', '==', '!='].includes(op)) {
      if ((!pa && isFloat(a.type)) || (!pb && isFloat(b.type))) throw new ExpressionError('cannot compare a pointer with a floating value', e.start);
      const x = BigInt.asUintN(64, integerOf(a, this.memory));
      const y = BigInt.asUintN(64, integerOf(b, this.memory));
      return this.int(compare(op, x, y));
    }
    throw new ExpressionError(`'${op}' cannot take ${pa && pb ? 'two pointers' : 'a pointer'}`, e.start);
  }

  /** The type of `c ? a : b` (6.5.15p5-6), as a value to convert the taken arm to; `a` itself when no conversion is needed. */
  private conditionalType(a: TypedValue, b: TypedValue, e: Expression): TypedValue {
    const ta = strip(a.type);
    const tb = strip(b.type);
    const arithmetic = (t: CType): boolean => !!integerKind(t) || isFloat(t);
    if (arithmetic(ta) && arithmetic(tb)) {
      if (isFloat(ta) || isFloat(tb)) return { type: floatCommon(a.type, b.type, this.scope) };
      return { type: integerTypeOf(commonInteger(promote(integerKind(ta)!, a.bitSize), promote(integerKind(tb)!, b.bitSize)), this.scope) };
    }
    if (ta.id === tb.id) return a;
    if (ta.kind === 'pointer' || ta.kind === 'array' || ta.kind === 'function') return { type: ta.kind === 'pointer' ? a.type : pointerTo(ta.kind === 'array' ? ta.element : a.type) };
    if (tb.kind === 'pointer' && integerKind(ta)) return { type: b.type };
    throw new ExpressionError(`the arms of '?:' have incompatible types ('${typeToString(a.type)}' and '${typeToString(b.type)}')`, e.start);
  }

  /** `v` converted to `type` (the taken arm of ?: to the common type). */
  private convert(v: TypedValue, type: CType): TypedValue {
    return strip(v.type).id === strip(type).id ? v : cast(v, type, this.memory);
  }
}

/**
 * A floating value converted to an integer type: C leaves it undefined when the value does not
 * fit (6.3.1.4p1); gdb (target-float.c, to_longest) truncates toward zero, clamps to the 64-bit
 * range, and the cast then keeps the low bits. NaN gives 0.
 */
function floatToInteger(x: number): bigint {
  if (Number.isNaN(x)) return 0n;
  if (x >= 2 ** 63) return (1n << 63n) - 1n;
  if (x < -(2 ** 63)) return -(1n << 63n);
  return BigInt(Math.trunc(x));
}

/** A value of `type` that is zero (sizeof's operand, whose value does not matter). */
function zeroOf(type: CType): TypedValue {
  const size = sizeOf(type);
  if (isFloat(type)) return fromFloat(type, 0);
  return size === undefined ? { type, address: 0n } : { type, bytes: new Uint8Array(size) };
}

/** The common real type of two arithmetic operands of which one is floating (6.3.1.8p1): the wider float. */
function floatCommon(a: CType, b: CType, scope: TypeScope): CType {
  const size = (t: CType): number => (isFloat(t) ? sizeOf(t) ?? 8 : 0);
  const wider = size(a) >= size(b) ? a : b;
  return strip(wider).kind === 'base' ? wider : standardType('double', scope);
}

function compare(op: string, x: bigint | number, y: bigint | number): boolean {
  switch (op) {
    case '<': return x < y;
    case '>': return x > y;
    case '<=': return x <= y;
    case '>=': return x >= y;
    case '==': return x === y;
    default: return x !== y;
  }
}

/** Exact results, which fromInteger then wraps to the type's width (gdb's, and the hardware's, two's complement). */
function integerOperation(op: string, x: bigint, y: bigint): bigint {
  switch (op) {
    case '*': return x * y;
    case '/': return x / y;  // BigInt division truncates toward zero, as C's (6.5.5p6)
    case '%': return x % y;  // and the remainder takes the dividend's sign
    case '+': return x + y;
    case '-': return x - y;
    case '&': return x & y;
    case '^': return x ^ y;
    default: return x | y;
  }
}

function describe(t: CType): string {
  return `'${typeToString(t)}'`;
}
