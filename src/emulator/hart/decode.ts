// The decoder: one table of RV64IMAFD + Zicsr + Zifencei + privileged instructions, each row a
// mask/match pair, the operation and the operand format (as QEMU's insn32.decode). RVC parcels are
// expanded to their 32-bit equivalents first (rvc.ts). The table is the single source of truth for
// decoding; the interpreter only sees the Op ids it produces.

import { COMPRESSED_BIT, FpOp, Op, SINK } from './op';
import { expandCompressed } from './rvc';

/** How operands are taken from the instruction. */
const enum Format {
  /** rd, rs1, rs2 */
  R,
  /** rd, rs1, imm[11:0] */
  I,
  /** rs1, rs2, imm[11:5|4:0] */
  S,
  /** rs1, rs2, branch offset */
  B,
  /** rd, imm[31:12] */
  U,
  /** rd, jump offset */
  J,
  /** rd, rs1, shamt[5:0] */
  SHIFT64,
  /** rd, rs1, shamt[4:0] */
  SHIFT32,
  /** rd, rs1, rs2, rs3: fused multiply-add */
  R4,
  /** integer rd not redirected to the sink: rd, rs1, rs2 kept as they are (cold paths) */
  RAW,
  /** no operands */
  NONE,
}

interface Row {
  readonly name: string;
  readonly mask: number;
  readonly match: number;
  readonly op: Op;
  readonly format: Format;
  readonly fp?: FpOp;
  /** rd names a floating-point register (never redirected to the sink). */
  readonly fpRd?: boolean;
}

const OPCODE = 0x7f;
const F3 = 0x707f; // opcode + funct3
const F7 = 0xfe00707f; // opcode + funct3 + funct7
const F6 = 0xfc00707f; // opcode + funct3 + funct6 (RV64 shifts)

const rows: Row[] = [];
const row = (name: string, mask: number, match: number, op: Op, format: Format, extra?: Partial<Row>): void => {
  rows.push({ name, mask: mask | 0, match: match | 0, op, format, ...extra });
};

// RV64I base (unprivileged spec, chapter "RV32I Base Integer Instruction Set" and "RV64I").
row('lui', OPCODE, 0x37, Op.LUI, Format.U);
row('auipc', OPCODE, 0x17, Op.AUIPC, Format.U);
row('jal', OPCODE, 0x6f, Op.JAL, Format.J);
row('jalr', F3, 0x67, Op.JALR, Format.I);
row('beq', F3, 0x0063, Op.BEQ, Format.B);
row('bne', F3, 0x1063, Op.BNE, Format.B);
row('blt', F3, 0x4063, Op.BLT, Format.B);
row('bge', F3, 0x5063, Op.BGE, Format.B);
row('bltu', F3, 0x6063, Op.BLTU, Format.B);
row('bgeu', F3, 0x7063, Op.BGEU, Format.B);
row('lb', F3, 0x0003, Op.LB, Format.I);
row('lh', F3, 0x1003, Op.LH, Format.I);
row('lw', F3, 0x2003, Op.LW, Format.I);
row('ld', F3, 0x3003, Op.LD, Format.I);
row('lbu', F3, 0x4003, Op.LBU, Format.I);
row('lhu', F3, 0x5003, Op.LHU, Format.I);
row('lwu', F3, 0x6003, Op.LWU, Format.I);
row('sb', F3, 0x0023, Op.SB, Format.S);
row('sh', F3, 0x1023, Op.SH, Format.S);
row('sw', F3, 0x2023, Op.SW, Format.S);
row('sd', F3, 0x3023, Op.SD, Format.S);
row('addi', F3, 0x0013, Op.ADDI, Format.I);
row('slti', F3, 0x2013, Op.SLTI, Format.I);
row('sltiu', F3, 0x3013, Op.SLTIU, Format.I);
row('xori', F3, 0x4013, Op.XORI, Format.I);
row('ori', F3, 0x6013, Op.ORI, Format.I);
row('andi', F3, 0x7013, Op.ANDI, Format.I);
row('slli', F6, 0x1013, Op.SLLI, Format.SHIFT64);
row('srli', F6, 0x5013, Op.SRLI, Format.SHIFT64);
row('srai', F6, 0x40005013, Op.SRAI, Format.SHIFT64);
row('add', F7, 0x0033, Op.ADD, Format.R);
row('sub', F7, 0x40000033, Op.SUB, Format.R);
row('sll', F7, 0x1033, Op.SLL, Format.R);
row('slt', F7, 0x2033, Op.SLT, Format.R);
row('sltu', F7, 0x3033, Op.SLTU, Format.R);
row('xor', F7, 0x4033, Op.XOR, Format.R);
row('srl', F7, 0x5033, Op.SRL, Format.R);
row('sra', F7, 0x40005033, Op.SRA, Format.R);
row('or', F7, 0x6033, Op.OR, Format.R);
row('and', F7, 0x7033, Op.AND, Format.R);
row('addiw', F3, 0x001b, Op.ADDIW, Format.I);
row('slliw', F7, 0x101b, Op.SLLIW, Format.SHIFT32);
row('srliw', F7, 0x501b, Op.SRLIW, Format.SHIFT32);
row('sraiw', F7, 0x4000501b, Op.SRAIW, Format.SHIFT32);
row('addw', F7, 0x003b, Op.ADDW, Format.R);
row('subw', F7, 0x4000003b, Op.SUBW, Format.R);
row('sllw', F7, 0x103b, Op.SLLW, Format.R);
row('srlw', F7, 0x503b, Op.SRLW, Format.R);
row('sraw', F7, 0x4000503b, Op.SRAW, Format.R);
// FENCE ignores its fm/pred/succ/rs1/rd fields (they are reserved for future use and must not trap).
row('fence', F3, 0x000f, Op.FENCE, Format.NONE);
row('fence.i', F3, 0x100f, Op.FENCE_I, Format.NONE);

// M
row('mul', F7, 0x02000033, Op.MUL, Format.R);
row('mulh', F7, 0x02001033, Op.MULH, Format.R);
row('mulhsu', F7, 0x02002033, Op.MULHSU, Format.R);
row('mulhu', F7, 0x02003033, Op.MULHU, Format.R);
row('div', F7, 0x02004033, Op.DIV, Format.R);
row('divu', F7, 0x02005033, Op.DIVU, Format.R);
row('rem', F7, 0x02006033, Op.REM, Format.R);
row('remu', F7, 0x02007033, Op.REMU, Format.R);
row('mulw', F7, 0x0200003b, Op.MULW, Format.R);
row('divw', F7, 0x0200403b, Op.DIVW, Format.R);
row('divuw', F7, 0x0200503b, Op.DIVUW, Format.R);
row('remw', F7, 0x0200603b, Op.REMW, Format.R);
row('remuw', F7, 0x0200703b, Op.REMUW, Format.R);

// A: funct5 in bits 31:27, aq/rl in 26:25 (ignored: execution is sequentially consistent).
const AMO = 0xf800707f;
const LR = 0xf9f0707f; // lr requires rs2 = 0
for (const [w, f3] of [['w', 0x2000], ['d', 0x3000]] as const) {
  row(`lr.${w}`, LR, 0x1000002f | f3, Op.AMO, Format.RAW);
  row(`sc.${w}`, AMO, 0x1800002f | f3, Op.AMO, Format.RAW);
  for (const [name, f5] of [
    ['amoswap', 0x01], ['amoadd', 0x00], ['amoxor', 0x04], ['amoand', 0x0c], ['amoor', 0x08],
    ['amomin', 0x10], ['amomax', 0x14], ['amominu', 0x18], ['amomaxu', 0x1c],
  ] as const) {
    row(`${name}.${w}`, AMO, (f5 << 27) | 0x2f | f3, Op.AMO, Format.RAW);
  }
}

// Zicsr
for (const f3 of [1, 2, 3, 5, 6, 7]) row('csr', F3, 0x73 | (f3 << 12), Op.CSR, Format.RAW);

// Privileged instructions (privileged spec, "Supervisor Instructions", "Machine-Mode Privileged Instructions").
row('ecall', -1, 0x00000073, Op.ECALL, Format.NONE);
row('ebreak', -1, 0x00100073, Op.EBREAK, Format.NONE);
row('sret', -1, 0x10200073, Op.SRET, Format.NONE);
row('mret', -1, 0x30200073, Op.MRET, Format.NONE);
row('wfi', -1, 0x10500073, Op.WFI, Format.NONE);
row('sfence.vma', 0xfe007fff, 0x12000073, Op.SFENCE_VMA, Format.RAW);

// F and D loads and stores.
row('flw', F3, 0x2007, Op.FLW, Format.I, { fpRd: true });
row('fld', F3, 0x3007, Op.FLD, Format.I, { fpRd: true });
row('fsw', F3, 0x2027, Op.FSW, Format.S);
row('fsd', F3, 0x3027, Op.FSD, Format.S);

// F and D computation. `fmt` is bits 26:25: 0 = S, 1 = D.
const RM_ANY = 0xfe00007f; // funct7 + opcode; rm free
const RS2_FIXED = 0xfff0007f; // funct7 + rs2 + opcode; rm free
const FIXED_F3 = 0xfe00707f; // funct7 + funct3 + opcode
const RS2_F3_FIXED = 0xfff0707f; // funct7 + rs2 + funct3 + opcode
const fpRows = (s: 'S' | 'D', fmt: number, ops: Record<string, FpOp>): void => {
  const f7 = (x: number): number => ((x | fmt) << 25) | 0x53;
  const name = (n: string): string => `${n}.${s.toLowerCase()}`;
  row(name('fadd'), RM_ANY, f7(0x00), Op.FP, Format.R, { fp: ops.FADD, fpRd: true });
  row(name('fsub'), RM_ANY, f7(0x04), Op.FP, Format.R, { fp: ops.FSUB, fpRd: true });
  row(name('fmul'), RM_ANY, f7(0x08), Op.FP, Format.R, { fp: ops.FMUL, fpRd: true });
  row(name('fdiv'), RM_ANY, f7(0x0c), Op.FP, Format.R, { fp: ops.FDIV, fpRd: true });
  row(name('fsqrt'), RS2_FIXED, f7(0x2c), Op.FP, Format.R, { fp: ops.FSQRT, fpRd: true });
  row(name('fsgnj'), FIXED_F3, f7(0x10), Op.FP, Format.R, { fp: ops.FSGNJ, fpRd: true });
  row(name('fsgnjn'), FIXED_F3, f7(0x10) | 0x1000, Op.FP, Format.R, { fp: ops.FSGNJN, fpRd: true });
  row(name('fsgnjx'), FIXED_F3, f7(0x10) | 0x2000, Op.FP, Format.R, { fp: ops.FSGNJX, fpRd: true });
  row(name('fmin'), FIXED_F3, f7(0x14), Op.FP, Format.R, { fp: ops.FMIN, fpRd: true });
  row(name('fmax'), FIXED_F3, f7(0x14) | 0x1000, Op.FP, Format.R, { fp: ops.FMAX, fpRd: true });
  row(name('fcvt.w'), RS2_FIXED, f7(0x60), Op.FP, Format.RAW, { fp: ops.FCVT_W });
  row(name('fcvt.wu'), RS2_FIXED, f7(0x60) | (1 << 20), Op.FP, Format.RAW, { fp: ops.FCVT_WU });
  row(name('fcvt.l'), RS2_FIXED, f7(0x60) | (2 << 20), Op.FP, Format.RAW, { fp: ops.FCVT_L });
  row(name('fcvt.lu'), RS2_FIXED, f7(0x60) | (3 << 20), Op.FP, Format.RAW, { fp: ops.FCVT_LU });
  row(name('fmv.x'), RS2_F3_FIXED, f7(0x70), Op.FP, Format.RAW, { fp: ops.FMV_X });
  row(name('fclass'), RS2_F3_FIXED, f7(0x70) | 0x1000, Op.FP, Format.RAW, { fp: ops.FCLASS });
  row(name('feq'), FIXED_F3, f7(0x50) | 0x2000, Op.FP, Format.RAW, { fp: ops.FEQ });
  row(name('flt'), FIXED_F3, f7(0x50) | 0x1000, Op.FP, Format.RAW, { fp: ops.FLT });
  row(name('fle'), FIXED_F3, f7(0x50), Op.FP, Format.RAW, { fp: ops.FLE });
  row(`fcvt.${s.toLowerCase()}.w`, RS2_FIXED, f7(0x68), Op.FP, Format.R, { fp: ops.FCVT_FROM_W, fpRd: true });
  row(`fcvt.${s.toLowerCase()}.wu`, RS2_FIXED, f7(0x68) | (1 << 20), Op.FP, Format.R, { fp: ops.FCVT_FROM_WU, fpRd: true });
  row(`fcvt.${s.toLowerCase()}.l`, RS2_FIXED, f7(0x68) | (2 << 20), Op.FP, Format.R, { fp: ops.FCVT_FROM_L, fpRd: true });
  row(`fcvt.${s.toLowerCase()}.lu`, RS2_FIXED, f7(0x68) | (3 << 20), Op.FP, Format.R, { fp: ops.FCVT_FROM_LU, fpRd: true });
  row(`fmv.${s === 'S' ? 'w' : 'd'}.x`, RS2_F3_FIXED, f7(0x78), Op.FP, Format.R, { fp: ops.FMV_FROM_X, fpRd: true });
  const r4 = 0x0600007f; // fmt + opcode; rm and rs3 free
  row(name('fmadd'), r4, (fmt << 25) | 0x43, Op.FP, Format.R4, { fp: ops.FMADD, fpRd: true });
  row(name('fmsub'), r4, (fmt << 25) | 0x47, Op.FP, Format.R4, { fp: ops.FMSUB, fpRd: true });
  row(name('fnmsub'), r4, (fmt << 25) | 0x4b, Op.FP, Format.R4, { fp: ops.FNMSUB, fpRd: true });
  row(name('fnmadd'), r4, (fmt << 25) | 0x4f, Op.FP, Format.R4, { fp: ops.FNMADD, fpRd: true });
};
fpRows('S', 0, {
  FADD: FpOp.FADD_S, FSUB: FpOp.FSUB_S, FMUL: FpOp.FMUL_S, FDIV: FpOp.FDIV_S, FSQRT: FpOp.FSQRT_S,
  FSGNJ: FpOp.FSGNJ_S, FSGNJN: FpOp.FSGNJN_S, FSGNJX: FpOp.FSGNJX_S, FMIN: FpOp.FMIN_S, FMAX: FpOp.FMAX_S,
  FCVT_W: FpOp.FCVT_W_S, FCVT_WU: FpOp.FCVT_WU_S, FCVT_L: FpOp.FCVT_L_S, FCVT_LU: FpOp.FCVT_LU_S,
  FMV_X: FpOp.FMV_X_W, FCLASS: FpOp.FCLASS_S, FEQ: FpOp.FEQ_S, FLT: FpOp.FLT_S, FLE: FpOp.FLE_S,
  FCVT_FROM_W: FpOp.FCVT_S_W, FCVT_FROM_WU: FpOp.FCVT_S_WU, FCVT_FROM_L: FpOp.FCVT_S_L,
  FCVT_FROM_LU: FpOp.FCVT_S_LU, FMV_FROM_X: FpOp.FMV_W_X,
  FMADD: FpOp.FMADD_S, FMSUB: FpOp.FMSUB_S, FNMSUB: FpOp.FNMSUB_S, FNMADD: FpOp.FNMADD_S,
});
fpRows('D', 1, {
  FADD: FpOp.FADD_D, FSUB: FpOp.FSUB_D, FMUL: FpOp.FMUL_D, FDIV: FpOp.FDIV_D, FSQRT: FpOp.FSQRT_D,
  FSGNJ: FpOp.FSGNJ_D, FSGNJN: FpOp.FSGNJN_D, FSGNJX: FpOp.FSGNJX_D, FMIN: FpOp.FMIN_D, FMAX: FpOp.FMAX_D,
  FCVT_W: FpOp.FCVT_W_D, FCVT_WU: FpOp.FCVT_WU_D, FCVT_L: FpOp.FCVT_L_D, FCVT_LU: FpOp.FCVT_LU_D,
  FMV_X: FpOp.FMV_X_D, FCLASS: FpOp.FCLASS_D, FEQ: FpOp.FEQ_D, FLT: FpOp.FLT_D, FLE: FpOp.FLE_D,
  FCVT_FROM_W: FpOp.FCVT_D_W, FCVT_FROM_WU: FpOp.FCVT_D_WU, FCVT_FROM_L: FpOp.FCVT_D_L,
  FCVT_FROM_LU: FpOp.FCVT_D_LU, FMV_FROM_X: FpOp.FMV_D_X,
  FMADD: FpOp.FMADD_D, FMSUB: FpOp.FMSUB_D, FNMSUB: FpOp.FNMSUB_D, FNMADD: FpOp.FNMADD_D,
});
row('fcvt.s.d', RS2_FIXED, (0x20 << 25) | (1 << 20) | 0x53, Op.FP, Format.R, { fp: FpOp.FCVT_S_D, fpRd: true });
row('fcvt.d.s', RS2_FIXED, (0x21 << 25) | (0 << 20) | 0x53, Op.FP, Format.R, { fp: FpOp.FCVT_D_S, fpRd: true });

/** Rows bucketed by major opcode (bits 6:0), so that a decode scans only a few rows. */
const byOpcode: Row[][] = Array.from({ length: 128 }, () => []);
for (const r of rows) {
  if ((r.mask & OPCODE) !== OPCODE) throw new Error(`decode row ${r.name} does not fix the opcode`);
  byOpcode[r.match & OPCODE].push(r);
}

/** Find the table row for a 32-bit instruction. */
export function lookup(insn: number): Row | undefined {
  for (const r of byOpcode[insn & OPCODE]) if ((insn & r.mask) === r.match) return r;
  return undefined;
}

/** The mnemonic of a 32-bit instruction, for diagnostics and tests. */
export function mnemonic(insn: number): string {
  return lookup(insn)?.name ?? 'illegal';
}

/**
 * Decode the instruction whose first parcel is `lo` (and, for a 32-bit instruction, second parcel `hi`)
 * into the four words of a slot at `slot[base..base+3]`.
 */
export function decodeInto(slot: Int32Array, base: number, lo: number, hi: number): void {
  let insn: number;
  let compressed = 0;
  if ((lo & 3) !== 3) {
    insn = expandCompressed(lo & 0xffff);
    compressed = COMPRESSED_BIT;
    if (insn === 0) {
      fill(slot, base, Op.ILLEGAL, compressed, 0, lo & 0xffff);
      return;
    }
  } else {
    insn = ((lo & 0xffff) | (hi << 16)) | 0;
  }
  const r = lookup(insn);
  if (!r) {
    fill(slot, base, Op.ILLEGAL, compressed, 0, insn);
    return;
  }
  const rd = (insn >>> 7) & 31;
  const rs1 = (insn >>> 15) & 31;
  const rs2 = (insn >>> 20) & 31;
  const rs3 = insn >>> 27;
  const intRd = r.format === Format.RAW || r.fpRd || rd !== 0 ? rd : SINK;
  let imm = 0;
  switch (r.format) {
    case Format.I: imm = insn >> 20; break;
    case Format.S: imm = ((insn >> 25) << 5) | ((insn >>> 7) & 31); break;
    case Format.B:
      imm = ((insn >> 31) << 12) | (((insn >>> 7) & 1) << 11) | (((insn >>> 25) & 63) << 5) | (((insn >>> 8) & 15) << 1);
      break;
    case Format.U: imm = insn & ~0xfff; break;
    case Format.J:
      imm = ((insn >> 31) << 20) | (((insn >>> 12) & 255) << 12) | (((insn >>> 20) & 1) << 11) | (((insn >>> 21) & 1023) << 1);
      break;
    case Format.SHIFT64: imm = (insn >>> 20) & 63; break;
    case Format.SHIFT32: imm = (insn >>> 20) & 31; break;
    default: break;
  }
  if (r.op === Op.FP) imm = r.fp!;
  const regs = (intRd << 1) | (rs1 << 9) | (rs2 << 17) | (rs3 << 25) | compressed;
  fill(slot, base, r.op, regs, imm, insn);
}

function fill(slot: Int32Array, base: number, op: Op, regs: number, imm: number, raw: number): void {
  slot[base] = op;
  slot[base + 1] = regs;
  slot[base + 2] = imm;
  slot[base + 3] = raw;
}
