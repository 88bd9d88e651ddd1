// 32-bit encodings of RV64I, M, A, Zicsr, Zifencei, Zihintpause and the privileged instructions.
//
// Source: RISC-V unprivileged spec (20191213): chapter 2 "RV32I" (2.4-2.8), chapter 5 "RV64I" (5.2-5.3),
// chapter 3 "Zifencei", chapter 7 "M" (7.1-7.2), chapter 8 "A" (8.2-8.4), chapter 9 "Zicsr", chapter 10
// "Counters" (rdcycle/rdtime/rdinstret), chapter 24 "RV32/64G Instruction Set Listings" (tables 24.1-24.2,
// the opcode map and every match value below), chapter 25 table 25.2-25.3 (pseudo-instructions), and the
// Zihintpause extension (PAUSE = FENCE W,0). Privileged spec (v1.12) section 3.3 "Machine-Mode Privileged
// Instructions" and 4.2 "Supervisor Instructions" (mret, sret, wfi, sfence.vma).
//
// Within one major opcode the forms are tried in order and the first match wins, so a pseudo-instruction
// comes before the instruction it abbreviates. The order is GNU objdump 2.40's: it prints `add a0,a1,5`,
// `sll`, `or`, `and`, `xor`, `addw`... (the register-form names) for addi, slli, ori, andi, xori, addiw...
// and `csrw sstatus,5` for csrrwi; test/symbols/disasm.test.ts checks this against objdump.

import { Form } from './format';

/** Major opcodes (bits 6:0), table 24.1. */
export const enum Opcode {
  LOAD = 0x03, LOAD_FP = 0x07, MISC_MEM = 0x0f, OP_IMM = 0x13, AUIPC = 0x17, OP_IMM_32 = 0x1b,
  STORE = 0x23, STORE_FP = 0x27, AMO = 0x2f, OP = 0x33, LUI = 0x37, OP_32 = 0x3b,
  MADD = 0x43, MSUB = 0x47, NMSUB = 0x4b, NMADD = 0x4f, OP_FP = 0x53,
  BRANCH = 0x63, JALR = 0x67, JAL = 0x6f, SYSTEM = 0x73,
}

// Field masks.
export const RD = 0x00000f80;
export const RS1 = 0x000f8000;
export const RS2 = 0x01f00000;
export const IMM = 0xfff00000 | 0;
/** opcode + funct3 (I/S/B-type). */
export const F3 = 0x0000707f;
/** opcode + funct3 + funct7 (R-type). */
export const F7 = 0xfe00707f | 0;
/** Every bit. */
export const ALL = 0xffffffff | 0;

/** A form; `match` and `mask` are given as unsigned and kept as int32, as `word & mask` yields. */
export function form(mnemonic: string, match: number, mask: number, operands = '', when?: (w: number) => boolean): Form {
  return when ? { mnemonic, match: match | 0, mask: mask | 0, operands, when } : { mnemonic, match: match | 0, mask: mask | 0, operands };
}

/** I/S/B-type match: funct3 and opcode. */
export const i3 = (opcode: number, funct3: number): number => (funct3 << 12) | opcode;
/** R-type match: funct7, funct3 and opcode. */
export const r7 = (opcode: number, funct3: number, funct7: number): number => ((funct7 << 25) | (funct3 << 12) | opcode) >>> 0;

const RV64I: Form[] = [
  form('lui', Opcode.LUI, 0x7f, 'd,u'),
  form('auipc', Opcode.AUIPC, 0x7f, 'd,u'),

  form('j', Opcode.JAL, 0x7f | RD, 'a'),
  form('jal', Opcode.JAL | (1 << 7), 0x7f | RD, 'a'),
  form('jal', Opcode.JAL, 0x7f, 'd,a'),

  form('ret', 0x00008067, ALL),
  form('jr', Opcode.JALR, F3 | RD | IMM, 's'),
  form('jr', Opcode.JALR, F3 | RD, 'j(s)'),
  form('jalr', Opcode.JALR | (1 << 7), F3 | RD | IMM, 's'),
  form('jalr', Opcode.JALR | (1 << 7), F3 | RD, 'j(s)'),
  form('jalr', Opcode.JALR, F3 | IMM, 'd,s'),
  form('jalr', Opcode.JALR, F3, 'd,j(s)'),

  // Branches (2.5): the zero-comparing aliases first.
  form('beqz', i3(Opcode.BRANCH, 0), F3 | RS2, 's,p'),
  form('beq', i3(Opcode.BRANCH, 0), F3, 's,t,p'),
  form('blez', i3(Opcode.BRANCH, 5), F3 | RS1, 't,p'),
  form('bgez', i3(Opcode.BRANCH, 5), F3 | RS2, 's,p'),
  form('bge', i3(Opcode.BRANCH, 5), F3, 's,t,p'),
  form('bgeu', i3(Opcode.BRANCH, 7), F3, 's,t,p'),
  form('bltz', i3(Opcode.BRANCH, 4), F3 | RS2, 's,p'),
  form('bgtz', i3(Opcode.BRANCH, 4), F3 | RS1, 't,p'),
  form('blt', i3(Opcode.BRANCH, 4), F3, 's,t,p'),
  form('bltu', i3(Opcode.BRANCH, 6), F3, 's,t,p'),
  form('bnez', i3(Opcode.BRANCH, 1), F3 | RS2, 's,p'),
  form('bne', i3(Opcode.BRANCH, 1), F3, 's,t,p'),

  // Loads and stores (2.6, 5.3).
  ...(['lb', 'lh', 'lw', 'ld', 'lbu', 'lhu', 'lwu'] as const).map((m, f3) => form(m, i3(Opcode.LOAD, f3), F3, 'd,j(s)')),
  ...(['sb', 'sh', 'sw', 'sd'] as const).map((m, f3) => form(m, i3(Opcode.STORE, f3), F3, 't,q(s)')),

  // Integer register-immediate (2.4, 5.2).
  form('nop', Opcode.OP_IMM, ALL),
  form('li', i3(Opcode.OP_IMM, 0), F3 | RS1, 'd,j'),
  form('mv', i3(Opcode.OP_IMM, 0), F3 | IMM, 'd,s'),
  form('zext.b', i3(Opcode.OP_IMM, 7) | (0xff << 20), F3 | IMM, 'd,s'),
  form('not', (i3(Opcode.OP_IMM, 4) | IMM) >>> 0, F3 | IMM, 'd,s'),
  form('seqz', i3(Opcode.OP_IMM, 3) | (1 << 20), F3 | IMM, 'd,s'),
  form('add', i3(Opcode.OP_IMM, 0), F3, 'd,s,j'),
  form('slti', i3(Opcode.OP_IMM, 2), F3, 'd,s,j'),
  form('sltiu', i3(Opcode.OP_IMM, 3), F3, 'd,s,j'),
  form('xor', i3(Opcode.OP_IMM, 4), F3, 'd,s,j'),
  form('or', i3(Opcode.OP_IMM, 6), F3, 'd,s,j'),
  form('and', i3(Opcode.OP_IMM, 7), F3, 'd,s,j'),
  form('sll', i3(Opcode.OP_IMM, 1), 0xfc00707f, 'd,s,>'),
  form('srl', i3(Opcode.OP_IMM, 5), 0xfc00707f, 'd,s,>'),
  form('sra', i3(Opcode.OP_IMM, 5) | 0x40000000, 0xfc00707f, 'd,s,>'),

  form('sext.w', i3(Opcode.OP_IMM_32, 0), F3 | IMM, 'd,s'),
  form('addw', i3(Opcode.OP_IMM_32, 0), F3, 'd,s,j'),
  form('sllw', r7(Opcode.OP_IMM_32, 1, 0), F7, 'd,s,<'),
  form('srlw', r7(Opcode.OP_IMM_32, 5, 0), F7, 'd,s,<'),
  form('sraw', r7(Opcode.OP_IMM_32, 5, 0x20), F7, 'd,s,<'),

  // Integer register-register (2.4, 5.2).
  form('neg', r7(Opcode.OP, 0, 0x20), F7 | RS1, 'd,t'),
  form('snez', r7(Opcode.OP, 3, 0), F7 | RS1, 'd,t'),
  form('sltz', r7(Opcode.OP, 2, 0), F7 | RS2, 'd,s'),
  form('sgtz', r7(Opcode.OP, 2, 0), F7 | RS1, 'd,t'),
  ...(['add', 'sll', 'slt', 'sltu', 'xor', 'srl', 'or', 'and'] as const).map((m, f3) => form(m, r7(Opcode.OP, f3, 0), F7, 'd,s,t')),
  form('sub', r7(Opcode.OP, 0, 0x20), F7, 'd,s,t'),
  form('sra', r7(Opcode.OP, 5, 0x20), F7, 'd,s,t'),

  form('negw', r7(Opcode.OP_32, 0, 0x20), F7 | RS1, 'd,t'),
  form('addw', r7(Opcode.OP_32, 0, 0), F7, 'd,s,t'),
  form('subw', r7(Opcode.OP_32, 0, 0x20), F7, 'd,s,t'),
  form('sllw', r7(Opcode.OP_32, 1, 0), F7, 'd,s,t'),
  form('srlw', r7(Opcode.OP_32, 5, 0), F7, 'd,s,t'),
  form('sraw', r7(Opcode.OP_32, 5, 0x20), F7, 'd,s,t'),

  // Memory ordering (2.7, chapter 3, Zihintpause).
  form('pause', 0x0100000f, ALL),
  form('fence', 0x0ff0000f, ALL),
  form('fence', i3(Opcode.MISC_MEM, 0), 0xf00fffff, 'P,Q'),
  form('fence.i', i3(Opcode.MISC_MEM, 1), ALL),
  form('fence.tso', 0x8330000f, ALL),
];

/** M (chapter 7): funct7 = 1. */
const M: Form[] = [
  ...(['mul', 'mulh', 'mulhsu', 'mulhu', 'div', 'divu', 'rem', 'remu'] as const).map((m, f3) => form(m, r7(Opcode.OP, f3, 1), F7, 'd,s,t')),
  ...([[0, 'mulw'], [4, 'divw'], [5, 'divuw'], [6, 'remw'], [7, 'remuw']] as const).map(([f3, m]) => form(m, r7(Opcode.OP_32, f3, 1), F7, 'd,s,t')),
];

/** A (chapter 8): funct5 in bits 31:27, aq = bit 26, rl = bit 25, width in funct3 (2 = .w, 3 = .d). */
const AMO_FUNCT5: readonly [string, number][] = [
  ['lr', 0x02], ['sc', 0x03], ['amoadd', 0x00], ['amoswap', 0x01], ['amoand', 0x0c], ['amoor', 0x08],
  ['amoxor', 0x04], ['amomax', 0x14], ['amomaxu', 0x1c], ['amomin', 0x10], ['amominu', 0x18],
];
const A: Form[] = [];
for (const [width, f3] of [['w', 2], ['d', 3]] as const) {
  for (const [ordering, aqrl] of [['', 0], ['.aq', 2], ['.rl', 1], ['.aqrl', 3]] as const) {
    for (const [name, funct5] of AMO_FUNCT5) {
      const match = ((funct5 << 27) | (aqrl << 25) | (f3 << 12) | Opcode.AMO) >>> 0;
      const lr = name === 'lr';
      A.push(form(`${name}.${width}${ordering}`, match, lr ? F7 | RS2 : F7, lr ? 'd,0(s)' : 'd,t,0(s)'));
    }
  }
}

/** csrrs/csrrw/csrrsi.. with a fixed CSR number and rs1/rd fields as `mask` says. */
const csrForm = (mnemonic: string, funct3: number, csr: number, mask: number, operands: string): Form =>
  form(mnemonic, ((csr << 20) | (funct3 << 12) | Opcode.SYSTEM) >>> 0, mask, operands);
const CSR_ONLY = 0xfff0707f | 0;

/** SYSTEM: the environment and privileged instructions, then Zicsr and its pseudo-instructions. */
const SYSTEM: Form[] = [
  form('ecall', 0x00000073, ALL),
  form('ebreak', 0x00100073, ALL),
  form('unimp', 0xc0001073, ALL), // csrrw zero,cycle,zero: the canonical 32-bit illegal instruction
  form('uret', 0x00200073, ALL), // N extension (priv spec 1.11, since withdrawn)
  form('sret', 0x10200073, ALL),
  form('hret', 0x20200073, ALL), // priv spec 1.9
  form('mret', 0x30200073, ALL),
  form('dret', 0x7b200073, ALL), // debug spec 4.8
  form('sfence.vm', 0x10400073, ALL), // priv spec 1.9.1, the predecessor of sfence.vma
  form('sfence.vm', 0x10400073, 0xfff07fff, 's'),
  form('wfi', 0x10500073, ALL),
  form('sfence.vma', 0x12000073, ALL),
  form('sfence.vma', 0x12000073, 0xfff07fff, 's'),
  form('sfence.vma', 0x12000073, 0xfe007fff, 's,t'),

  // Counters (chapter 10) and the floating-point CSRs (chapter 11.2), as their pseudo-instructions.
  csrForm('rdcycle', 2, 0xc00, CSR_ONLY | RS1, 'd'),
  csrForm('rdinstret', 2, 0xc02, CSR_ONLY | RS1, 'd'),
  csrForm('rdtime', 2, 0xc01, CSR_ONLY | RS1, 'd'),
  csrForm('frcsr', 2, 0x003, CSR_ONLY | RS1, 'd'),
  csrForm('fscsr', 1, 0x003, CSR_ONLY | RD, 's'),
  csrForm('fscsr', 1, 0x003, CSR_ONLY, 'd,s'),
  csrForm('frrm', 2, 0x002, CSR_ONLY | RS1, 'd'),
  csrForm('fsrm', 1, 0x002, CSR_ONLY | RD, 's'),
  csrForm('fsrm', 1, 0x002, CSR_ONLY, 'd,s'),
  csrForm('fsrmi', 5, 0x002, CSR_ONLY, 'd,Z'),
  csrForm('frflags', 2, 0x001, CSR_ONLY | RS1, 'd'),
  csrForm('fsflags', 1, 0x001, CSR_ONLY | RD, 's'),
  csrForm('fsflags', 1, 0x001, CSR_ONLY, 'd,s'),
  csrForm('fsflagsi', 5, 0x001, CSR_ONLY, 'd,Z'),

  // Zicsr (chapter 9) and table 25.3.
  form('csrr', i3(Opcode.SYSTEM, 2), F3 | RS1, 'd,E'),
  form('csrw', i3(Opcode.SYSTEM, 1), F3 | RD, 'E,s'),
  form('csrw', i3(Opcode.SYSTEM, 5), F3 | RD, 'E,Z'),
  form('csrs', i3(Opcode.SYSTEM, 2), F3 | RD, 'E,s'),
  form('csrs', i3(Opcode.SYSTEM, 6), F3 | RD, 'E,Z'),
  form('csrc', i3(Opcode.SYSTEM, 3), F3 | RD, 'E,s'),
  form('csrc', i3(Opcode.SYSTEM, 7), F3 | RD, 'E,Z'),
  form('csrrw', i3(Opcode.SYSTEM, 1), F3, 'd,E,s'),
  form('csrrw', i3(Opcode.SYSTEM, 5), F3, 'd,E,Z'),
  form('csrrs', i3(Opcode.SYSTEM, 2), F3, 'd,E,s'),
  form('csrrs', i3(Opcode.SYSTEM, 6), F3, 'd,E,Z'),
  form('csrrc', i3(Opcode.SYSTEM, 3), F3, 'd,E,s'),
  form('csrrc', i3(Opcode.SYSTEM, 7), F3, 'd,E,Z'),
];

/** All integer, atomic, CSR and system forms, in precedence order. */
export const BASE_FORMS: readonly Form[] = [...RV64I, ...M, ...A, ...SYSTEM];
