// The operations of DWARF expressions (DWARF 5, section 2.5; their encodings in 7.7.1, table 7.9,
// and the GNU forms that GCC still emits for DWARF 4: DW_OP_GNU_entry_value, ..._implicit_pointer,
// ..._convert and the other typed-stack operations, ..._parameter_ref), decoded one at a time, and
// printed as GNU readelf prints them (binutils dwarf.c, decode_location_expression).
//
// Pure: bytes in, operations out. Evaluation is expression.ts's job.

import { X_ABI_NAMES, F_ABI_NAMES } from '../registers';
import { csrName } from '../disasm/csr';
import { Reader } from './reader';

/**
 * How an operand is encoded (7.7.1): fixed-size integers, LEB128, a target address, a .debug_info
 * offset (4 or 8 bytes by the unit's format; an address in DWARF 2), or a block: a ULEB128 length
 * (`block`) or one byte of length (`block1`, DW_OP_const_type) then that many bytes.
 */
type OperandKind = 'addr' | 'u1' | 's1' | 'u2' | 's2' | 'u4' | 's4' | 'u8' | 's8' | 'uleb' | 'sleb' | 'ref' | 'block' | 'block1';

interface OperationSpec {
  readonly name: string;
  readonly operands: readonly OperandKind[];
}

const SPECS = new Map<number, OperationSpec>();

function op(code: number, name: string, ...operands: OperandKind[]): void {
  SPECS.set(code, { name, operands });
}

// Table 7.9, "DWARF operation encodings".
op(0x03, 'DW_OP_addr', 'addr');
op(0x06, 'DW_OP_deref');
op(0x08, 'DW_OP_const1u', 'u1');
op(0x09, 'DW_OP_const1s', 's1');
op(0x0a, 'DW_OP_const2u', 'u2');
op(0x0b, 'DW_OP_const2s', 's2');
op(0x0c, 'DW_OP_const4u', 'u4');
op(0x0d, 'DW_OP_const4s', 's4');
op(0x0e, 'DW_OP_const8u', 'u8');
op(0x0f, 'DW_OP_const8s', 's8');
op(0x10, 'DW_OP_constu', 'uleb');
op(0x11, 'DW_OP_consts', 'sleb');
op(0x12, 'DW_OP_dup');
op(0x13, 'DW_OP_drop');
op(0x14, 'DW_OP_over');
op(0x15, 'DW_OP_pick', 'u1');
op(0x16, 'DW_OP_swap');
op(0x17, 'DW_OP_rot');
op(0x18, 'DW_OP_xderef');
op(0x19, 'DW_OP_abs');
op(0x1a, 'DW_OP_and');
op(0x1b, 'DW_OP_div');
op(0x1c, 'DW_OP_minus');
op(0x1d, 'DW_OP_mod');
op(0x1e, 'DW_OP_mul');
op(0x1f, 'DW_OP_neg');
op(0x20, 'DW_OP_not');
op(0x21, 'DW_OP_or');
op(0x22, 'DW_OP_plus');
op(0x23, 'DW_OP_plus_uconst', 'uleb');
op(0x24, 'DW_OP_shl');
op(0x25, 'DW_OP_shr');
op(0x26, 'DW_OP_shra');
op(0x27, 'DW_OP_xor');
op(0x28, 'DW_OP_bra', 's2');
op(0x29, 'DW_OP_eq');
op(0x2a, 'DW_OP_ge');
op(0x2b, 'DW_OP_gt');
op(0x2c, 'DW_OP_le');
op(0x2d, 'DW_OP_lt');
op(0x2e, 'DW_OP_ne');
op(0x2f, 'DW_OP_skip', 's2');
for (let n = 0; n < 32; n++) {
  op(0x30 + n, `DW_OP_lit${n}`);
  op(0x50 + n, `DW_OP_reg${n}`);
  op(0x70 + n, `DW_OP_breg${n}`, 'sleb');
}
op(0x90, 'DW_OP_regx', 'uleb');
op(0x91, 'DW_OP_fbreg', 'sleb');
op(0x92, 'DW_OP_bregx', 'uleb', 'sleb');
op(0x93, 'DW_OP_piece', 'uleb');
op(0x94, 'DW_OP_deref_size', 'u1');
op(0x95, 'DW_OP_xderef_size', 'u1');
op(0x96, 'DW_OP_nop');
op(0x97, 'DW_OP_push_object_address');
op(0x98, 'DW_OP_call2', 'u2');
op(0x99, 'DW_OP_call4', 'u4');
op(0x9a, 'DW_OP_call_ref', 'ref');
op(0x9b, 'DW_OP_form_tls_address');
op(0x9c, 'DW_OP_call_frame_cfa');
op(0x9d, 'DW_OP_bit_piece', 'uleb', 'uleb');
op(0x9e, 'DW_OP_implicit_value', 'block');
op(0x9f, 'DW_OP_stack_value');
op(0xa0, 'DW_OP_implicit_pointer', 'ref', 'sleb');
op(0xa1, 'DW_OP_addrx', 'uleb');
op(0xa2, 'DW_OP_constx', 'uleb');
op(0xa3, 'DW_OP_entry_value', 'block');
op(0xa4, 'DW_OP_const_type', 'uleb', 'block1');
op(0xa5, 'DW_OP_regval_type', 'uleb', 'uleb');
op(0xa6, 'DW_OP_deref_type', 'u1', 'uleb');
op(0xa7, 'DW_OP_xderef_type', 'u1', 'uleb');
op(0xa8, 'DW_OP_convert', 'uleb');
op(0xa9, 'DW_OP_reinterpret', 'uleb');
// GNU extensions (binutils include/dwarf2.def), as GCC emits them before DWARF 5.
op(0xe0, 'DW_OP_GNU_push_tls_address');
op(0xf0, 'DW_OP_GNU_uninit');
op(0xf2, 'DW_OP_GNU_implicit_pointer', 'ref', 'sleb');
op(0xf3, 'DW_OP_GNU_entry_value', 'block');
op(0xf4, 'DW_OP_GNU_const_type', 'uleb', 'block1');
op(0xf5, 'DW_OP_GNU_regval_type', 'uleb', 'uleb');
op(0xf6, 'DW_OP_GNU_deref_type', 'u1', 'uleb');
op(0xf7, 'DW_OP_GNU_convert', 'uleb');
op(0xf9, 'DW_OP_GNU_reinterpret', 'uleb');
op(0xfa, 'DW_OP_GNU_parameter_ref', 'u4');
op(0xfb, 'DW_OP_GNU_addr_index', 'uleb');
op(0xfc, 'DW_OP_GNU_const_index', 'uleb');
op(0xfd, 'DW_OP_GNU_variable_value', 'ref');

/** One decoded operation. */
export interface Operation {
  /** Its offset in the expression. */
  readonly offset: number;
  readonly opcode: number;
  readonly name: string;
  /** The integer operands in order (signed ones negative), blocks left out. */
  readonly operands: readonly bigint[];
  /** The block operand of DW_OP_implicit_value, DW_OP_entry_value, DW_OP_const_type. */
  readonly block?: Uint8Array;
  /** The offset of the next operation. */
  readonly next: number;
}

/** What decoding needs to know of the unit that holds the expression. */
export interface DecodeOptions {
  readonly addressSize: number;
  /** 4 for 32-bit DWARF, 8 for 64-bit (7.4); the size of DW_OP_call_ref's and implicit_pointer's operand. */
  readonly offsetSize?: 4 | 8;
  /** The unit's DWARF version: in DWARF 2 those operands are address-sized. */
  readonly version?: number;
  /** Where the expression is, for error messages (".debug_loc+0x1a3"). */
  readonly origin?: string;
}

/** A reader over an expression whose errors say where the expression is. */
export function expressionReader(bytes: Uint8Array, origin = 'DWARF expression'): Reader {
  return new Reader(bytes, `${origin}, expression`);
}

/** The operation at the reader's offset (which it moves past it). */
export function decodeOperation(r: Reader, options: DecodeOptions): Operation {
  const offset = r.offset;
  const opcode = r.u8();
  const spec = SPECS.get(opcode);
  if (!spec) throw r.error(`unknown operation 0x${opcode.toString(16)}`, offset);
  const operands: bigint[] = [];
  let block: Uint8Array | undefined;
  for (const kind of spec.operands) {
    switch (kind) {
      case 'addr': operands.push(r.address(addressSize(r, options.addressSize, offset))); break;
      case 'u1': operands.push(BigInt(r.u8())); break;
      case 's1': operands.push(BigInt(r.s8())); break;
      case 'u2': operands.push(BigInt(r.u16())); break;
      case 's2': operands.push(BigInt.asIntN(16, BigInt(r.u16()))); break;
      case 'u4': operands.push(BigInt(r.u32())); break;
      case 's4': operands.push(BigInt.asIntN(32, BigInt(r.u32()))); break;
      case 'u8': operands.push(r.u64()); break;
      case 's8': operands.push(BigInt.asIntN(64, r.u64())); break;
      case 'uleb': operands.push(r.ulebBig()); break;
      case 'sleb': operands.push(r.slebBig()); break;
      case 'ref': operands.push(r.unsigned(options.version === 2 ? addressSize(r, options.addressSize, offset) : options.offsetSize ?? 4)); break;
      case 'block': block = r.block(r.safe(r.ulebBig())); break;
      case 'block1': block = r.block(r.u8()); break;
    }
  }
  return { offset, opcode, name: spec.name, operands, block, next: r.offset };
}

function addressSize(r: Reader, size: number, at: number): number {
  if (size !== 4 && size !== 8) throw r.error(`unsupported address size ${size}`, at);
  return size;
}

/** Every operation of an expression, in order. */
export function decodeExpression(bytes: Uint8Array, options: DecodeOptions): Operation[] {
  const r = expressionReader(bytes, options.origin);
  const ops: Operation[] = [];
  while (!r.atEnd) ops.push(decodeOperation(r, options));
  return ops;
}

// readelf's names for RISC-V DWARF registers (binutils dwarf.c, regname_internal_riscv): the psABI's
// integer and floating-point ABI names, v0-v31 at 96, CSRs at 4096 + their number, "r<n>" else.
// Its CSR names are those of binutils' riscv-opc.h: the disassembler's, and the ones dropped
// from the privileged spec since 1.11 that it still declares.
const DROPPED_CSRS = new Map<number, string>([
  [0x000, 'ustatus'], [0x004, 'uie'], [0x005, 'utvec'], [0x040, 'uscratch'], [0x041, 'uepc'], [0x042, 'ucause'],
  [0x043, 'utval'], [0x044, 'uip'], [0x102, 'sedeleg'], [0x103, 'sideleg'], [0x321, 'mscounteren'],
  [0x322, 'mhcounteren'], [0x380, 'mbase'], [0x381, 'mbound'], [0x382, 'mibase'], [0x383, 'mibound'],
  [0x384, 'mdbase'], [0x385, 'mdbound'],
]);

/** A RISC-V DWARF register's name as readelf prints it ("a0", "fa5", "sepc", "r64"). */
export function registerName(n: number | bigint): string {
  const r = Number(n);
  if (r < 32) return X_ABI_NAMES[r];
  if (r < 64) return F_ABI_NAMES[r - 32];
  if (r >= 96 && r < 128) return `v${r - 96}`;
  if (r >= 4096 && r < 8192) return csrName(r - 4096) ?? DROPPED_CSRS.get(r - 4096) ?? `csr${r - 4096}`;
  return `r${n}`;
}

export interface DisassembleOptions {
  /** The offset of the unit in .debug_info: base type operands are printed as absolute offsets. */
  readonly cuOffset?: number;
  readonly offsetSize?: 4 | 8;
  readonly version?: number;
  readonly origin?: string;
  /** Register names by DWARF number (default: RISC-V's, as readelf names them). */
  readonly registerName?: (n: bigint) => string;
}

/** Nested DW_OP_entry_value blocks deeper than this are refused (each level is a recursion). */
const MAX_NESTING = 8;

/**
 * The expression as `readelf --debug-dump=loc` (and =info, =frames) prints it between the
 * parentheses: "DW_OP_breg2 (sp): 16; DW_OP_stack_value". Throws a DwarfError where the bytes are
 * not an expression (an unknown operation, an operand cut off).
 */
export function disassembleExpression(bytes: Uint8Array, addressSize: number, options: DisassembleOptions = {}): string {
  return disassemble(bytes, { ...options, addressSize }, 0);
}

function disassemble(bytes: Uint8Array, options: DisassembleOptions & DecodeOptions, depth: number): string {
  const r = expressionReader(bytes, options.origin);
  const out: string[] = [];
  while (!r.atEnd) {
    const o = decodeOperation(r, options);
    if (o.block && (o.opcode === 0xa3 || o.opcode === 0xf3) && depth >= MAX_NESTING) {
      throw r.error(`${o.name} nested more than ${MAX_NESTING} deep`, o.offset);
    }
    out.push(formatOperation(o, options, (inner) => disassemble(inner, options, depth + 1)));
  }
  return out.join('; ');
}

// printf's "%#" PRIx64: 0x-prefixed hex, but a bare 0.
const hash = (v: bigint): string => (v === 0n ? '0' : `0x${BigInt.asUintN(64, v).toString(16)}`);
const hexBlock = (b: Uint8Array): string => `${b.length} byte block: ${Array.from(b, (x) => `${x.toString(16)} `).join('')}`;

function formatOperation(o: Operation, options: DisassembleOptions, inner: (block: Uint8Array) => string): string {
  const [a = 0n, b = 0n] = o.operands;
  const cu = BigInt(options.cuOffset ?? 0);
  const reg = options.registerName ?? registerName;
  const c = o.opcode;
  if (c >= 0x50 && c <= 0x6f) return `${o.name} (${reg(BigInt(c - 0x50))})`;
  if (c >= 0x70 && c <= 0x8f) return `${o.name} (${reg(BigInt(c - 0x70))}): ${a}`;
  switch (c) {
    case 0x03: return `${o.name}: ${a.toString(16)}`;
    case 0x90: return `${o.name}: ${a} (${reg(a)})`;
    case 0x92: return `${o.name}: ${a} (${reg(a)}) ${b}`;
    // readelf reads call2/call4's operand as signed (binutils dwarf.c).
    case 0x98: return `${o.name}: <${hash(BigInt.asIntN(16, a) + cu)}>`;
    case 0x99: return `${o.name}: <${hash(BigInt.asIntN(32, a) + cu)}>`;
    case 0x9a: case 0xfd: return `${o.name}: <${hash(a)}>`;
    case 0x9d: return `${o.name}: size: ${a} offset: ${b} `;
    case 0x9e: return `${o.name} ${hexBlock(o.block!)}`;
    case 0xa0: case 0xf2: return `${o.name}: <${hash(a)}> ${b}`;
    case 0xa1: case 0xa2: case 0xfb: case 0xfc: return `${o.name} <${hash(a)}>`;
    case 0xa3: case 0xf3: return `${o.name}: (${inner(o.block!)})`;
    case 0xa4: case 0xf4: return `${o.name}: <${hash(cu + a)}>  ${hexBlock(o.block!)}`;
    case 0xa5: case 0xf5: return `${o.name}: ${a} (${reg(a)}) <${hash(cu + b)}>`;
    case 0xa6: case 0xa7: case 0xf6: return `${o.name}: ${a} <${hash(cu + b)}>`;
    case 0xa8: case 0xa9: case 0xf7: case 0xf9: return `${o.name} <${hash(a === 0n ? 0n : cu + a)}>`;
    case 0xfa: return `${o.name}: <${hash(cu + a)}>`;
    case 0xe0: return 'DW_OP_GNU_push_tls_address or DW_OP_HP_unknown';
    default: return o.operands.length > 0 ? `${o.name}: ${a}` : o.name;
  }
}
