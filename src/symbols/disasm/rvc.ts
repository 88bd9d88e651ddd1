// 16-bit encodings of the C extension (RV64C, with the D-precision compressed loads and stores).
//
// Source: RISC-V unprivileged spec (20191213), chapter 16 "C": 16.3 loads and stores, 16.4 control
// transfers, 16.5 integer computational, 16.6 illegal instruction, 16.7 HINTs, 16.8 RVC instruction set
// listings (tables 16.5-16.7: quadrants 0, 1 and 2 by funct3, the RV64 column).
//
// Like GNU objdump, a compressed instruction is printed as the 32-bit instruction it expands to, under the
// same pseudo-instruction names (c.addi4spn a0,sp,16 is `add a0,sp,16`, c.jr ra is `ret`). Encodings the
// spec reserves for HINTs (rd = x0 and the like) are printed under their c.* names with the operands
// they have (`c.nop 5`, `c.slli zero,0x3`, `c.slli64 a0`), as objdump does; reserved encodings give
// `.2byte`.

import { form } from './base';
import { Form, immCAddi4spn, immCLui, rd, rs2cr, shamtC } from './format';

/** funct3 (bits 15:13) and quadrant (bits 1:0). */
const F3 = 0xe003;
const q = (quadrant: number, funct3: number): number => (funct3 << 13) | quadrant;

const rdNonzero = (w: number): boolean => rd(w) !== 0;
const both = (a: (w: number) => boolean, b: (w: number) => boolean) => (w: number): boolean => a(w) && b(w);
const rs2Nonzero = (w: number): boolean => rs2cr(w) !== 0;
const shamtNonzero = (w: number): boolean => shamtC(w) !== 0;

/** Quadrant 0 (table 16.5). */
const Q0: Form[] = [
  form('unimp', 0x0000, 0xffff), // all-zero: the defined illegal instruction (16.6)
  form('add', q(0, 0), F3, 'Ct,Cc,CK', (w) => immCAddi4spn(w) !== 0), // c.addi4spn
  form('fld', q(0, 1), F3, 'CF,Cl(Cs)'),
  form('lw', q(0, 2), F3, 'Ct,Ck(Cs)'),
  form('ld', q(0, 3), F3, 'Ct,Cl(Cs)'),
  form('fsd', q(0, 5), F3, 'CF,Cl(Cs)'),
  form('sw', q(0, 6), F3, 'Ct,Ck(Cs)'),
  form('sd', q(0, 7), F3, 'Ct,Cl(Cs)'),
];

/** Quadrant 1 (table 16.6). */
const Q1: Form[] = [
  form('nop', 0x0001, 0xffff),
  form('add', q(1, 0), F3, 'Cd,Cd,Ci', rdNonzero), // c.addi
  form('c.nop', q(1, 0), F3 | 0x0f80, 'Ci'), // HINT: c.addi with rd = x0
  form('sext.w', q(1, 1), F3 | 0x107c, 'Cd,Cd', rdNonzero), // c.addiw rd,0
  form('addw', q(1, 1), F3, 'Cd,Cd,Ci', rdNonzero), // c.addiw
  form('li', q(1, 2), F3, 'Cd,Ci', rdNonzero), // c.li
  form('c.li', q(1, 2), F3, 'Cd,Ci'), // HINT: rd = x0
  form('add', q(1, 3) | (2 << 7), F3 | 0x0f80, 'Cc,Cc,CL'), // c.addi16sp (objdump 2.40 also for the reserved nzimm = 0)
  form('lui', q(1, 3), F3, 'Cd,Cu', (w) => rd(w) !== 0 && rd(w) !== 2 && immCLui(w) !== 0), // c.lui
  form('c.lui', q(1, 3), F3, 'Cd,Cu', (w) => rd(w) === 0 && immCLui(w) !== 0), // HINT: rd = x0
  form('srl', q(1, 4), 0xec03, 'Cs,Cs,C>', shamtNonzero), // c.srli
  form('sra', q(1, 4) | 0x0400, 0xec03, 'Cs,Cs,C>', shamtNonzero), // c.srai
  form('c.srli64', q(1, 4), 0xfc7f, 'Cs'), // HINT: shamt = 0
  form('c.srai64', q(1, 4) | 0x0400, 0xfc7f, 'Cs'),
  form('and', q(1, 4) | 0x0800, 0xec03, 'Cs,Cs,Ci'), // c.andi
  form('sub', 0x8c01, 0xfc63, 'Cs,Cs,Ct'),
  form('xor', 0x8c21, 0xfc63, 'Cs,Cs,Ct'),
  form('or', 0x8c41, 0xfc63, 'Cs,Cs,Ct'),
  form('and', 0x8c61, 0xfc63, 'Cs,Cs,Ct'),
  form('subw', 0x9c01, 0xfc63, 'Cs,Cs,Ct'),
  form('addw', 0x9c21, 0xfc63, 'Cs,Cs,Ct'),
  form('j', q(1, 5), F3, 'Ca'), // c.j
  form('beqz', q(1, 6), F3, 'Cs,Cp'),
  form('bnez', q(1, 7), F3, 'Cs,Cp'),
];

/** Quadrant 2 (table 16.7). */
const Q2: Form[] = [
  form('sll', q(2, 0), F3, 'Cd,Cd,C>', both(rdNonzero, shamtNonzero)), // c.slli
  form('c.slli', q(2, 0), F3, 'Cd,C>', shamtNonzero), // HINT: rd = x0
  form('c.slli64', q(2, 0), 0xf07f, 'Cd'), // HINT: shamt = 0
  form('fld', q(2, 1), F3, 'CD,Cn(Cc)'), // c.fldsp
  form('lw', q(2, 2), F3, 'Cd,Cm(Cc)', rdNonzero), // c.lwsp
  form('ld', q(2, 3), F3, 'Cd,Cn(Cc)', rdNonzero), // c.ldsp
  form('ret', 0x8082, 0xffff), // c.jr ra
  form('jr', 0x8002, 0xf07f, 'Cd', rdNonzero),
  form('mv', 0x8002, 0xf003, 'Cd,CV', both(rdNonzero, rs2Nonzero)),
  form('c.mv', 0x8002, 0xf003, 'Cd,CV', rs2Nonzero), // HINT: rd = x0
  form('ebreak', 0x9002, 0xffff),
  form('jalr', 0x9002, 0xf07f, 'Cd', rdNonzero),
  form('add', 0x9002, 0xf003, 'Cd,Cd,CV', both(rdNonzero, rs2Nonzero)),
  form('c.add', 0x9002, 0xf003, 'Cd,CV', rs2Nonzero), // HINT: rd = x0
  form('fsd', q(2, 5), F3, 'CW,CN(Cc)'), // c.fsdsp
  form('sw', q(2, 6), F3, 'CV,CM(Cc)'), // c.swsp
  form('sd', q(2, 7), F3, 'CV,CN(Cc)'), // c.sdsp
];

/** All compressed forms, in precedence order. */
export const COMPRESSED_FORMS: readonly Form[] = [...Q0, ...Q1, ...Q2];
