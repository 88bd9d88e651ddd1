// 32-bit encodings of the F and D extensions.
//
// Source: RISC-V unprivileged spec (20191213): chapter 11 "F" (11.5 loads/stores, 11.6 computational,
// 11.7 conversion and move, 11.8 compare, 11.9 classify), chapter 12 "D" (12.3-12.6), chapter 24 tables
// 24.1-24.2 (RV32F/RV64F/RV32D/RV64D listings) and chapter 25 table 25.2 (fmv.s, fabs.s, fneg.s ...).
// The fmt field (bits 26:25) is 00 for S and 01 for D; for OP-FP the funct7 of a D instruction is the
// S one plus 1.
//
// Rounding mode: an instruction with rm = 111 (dyn) prints without it, any other rm is printed as a
// last operand (`fadd.s fa0,fa1,fa2,rtz`), as objdump does. Conversions that are always exact (fcvt.d.s,
// fcvt.d.w, fcvt.d.wu) are decoded only with rm = 000, the value the assembler emits: objdump 2.40 prints
// other rm values of these as `.4byte`.

import { Opcode, F3, F7, RS2, form, i3, r7 } from './base';
import { Form, rs1, rs2 } from './format';

/** The rm field (bits 14:12); all ones is dyn. */
const RM = 0x00007000;
const sameSource = (w: number): boolean => rs1(w) === rs2(w);

/** Both rounding forms: without the rm operand when rm = dyn, with it otherwise. */
function rounded(mnemonic: string, match: number, mask: number, operands: string): Form[] {
  return [form(mnemonic, match | RM, mask | RM, operands), form(mnemonic, match, mask, `${operands},m`)];
}

function precision(p: 's' | 'd', fmt: number): Form[] {
  const op = (funct7: number, funct3: number): number => r7(Opcode.OP_FP, funct3, funct7 | fmt);
  const out: Form[] = [
    form(`fl${p === 's' ? 'w' : 'd'}`, i3(Opcode.LOAD_FP, p === 's' ? 2 : 3), F3, 'D,j(s)'),
    form(`fs${p === 's' ? 'w' : 'd'}`, i3(Opcode.STORE_FP, p === 's' ? 2 : 3), F3, 'T,q(s)'),
  ];
  if (p === 's') {
    out.push(form('fmv.x.w', op(0x70, 0), F7 | RS2, 'd,S'), form('fmv.w.x', op(0x78, 0), F7 | RS2, 'D,s'));
  }
  out.push(
    form(`fmv.${p}`, op(0x10, 0), F7, 'D,S', sameSource),
    form(`fneg.${p}`, op(0x10, 1), F7, 'D,S', sameSource),
    form(`fabs.${p}`, op(0x10, 2), F7, 'D,S', sameSource),
    form(`fsgnj.${p}`, op(0x10, 0), F7, 'D,S,T'),
    form(`fsgnjn.${p}`, op(0x10, 1), F7, 'D,S,T'),
    form(`fsgnjx.${p}`, op(0x10, 2), F7, 'D,S,T'),
    ...rounded(`fadd.${p}`, op(0x00, 0), 0xfe00007f, 'D,S,T'),
    ...rounded(`fsub.${p}`, op(0x04, 0), 0xfe00007f, 'D,S,T'),
    ...rounded(`fmul.${p}`, op(0x08, 0), 0xfe00007f, 'D,S,T'),
    ...rounded(`fdiv.${p}`, op(0x0c, 0), 0xfe00007f, 'D,S,T'),
    ...rounded(`fsqrt.${p}`, op(0x2c, 0), 0xfff0007f, 'D,S'),
    form(`fmin.${p}`, op(0x14, 0), F7, 'D,S,T'),
    form(`fmax.${p}`, op(0x14, 1), F7, 'D,S,T'),
  );
  // Fused multiply-add (R4-type): rs3 in bits 31:27, fmt in 26:25.
  for (const [name, opcode] of [['fmadd', Opcode.MADD], ['fnmadd', Opcode.NMADD], ['fmsub', Opcode.MSUB], ['fnmsub', Opcode.NMSUB]] as const) {
    out.push(...rounded(`${name}.${p}`, (fmt << 25) | opcode, 0x0600007f, 'D,S,T,R'));
  }
  // Integer conversions: rs2 selects w, wu, l, lu.
  const toInt = (name: string, type: number): Form[] => rounded(name, op(0x60, 0) | (type << 20), 0xfff0007f, 'd,S');
  const fromInt = (name: string, type: number): Form[] =>
    p === 'd' && type < 2
      ? [form(name, op(0x68, 0) | (type << 20), 0xfff0707f, 'D,s')]
      : rounded(name, op(0x68, 0) | (type << 20), 0xfff0007f, 'D,s');
  out.push(...toInt(`fcvt.w.${p}`, 0), ...toInt(`fcvt.wu.${p}`, 1));
  out.push(...fromInt(`fcvt.${p}.w`, 0), ...fromInt(`fcvt.${p}.wu`, 1));
  if (p === 'd') {
    out.push(form('fcvt.d.s', op(0x20, 0), 0xfff0707f, 'D,S'), ...rounded('fcvt.s.d', r7(Opcode.OP_FP, 0, 0x20) | (1 << 20), 0xfff0007f, 'D,S'));
  }
  out.push(
    form(`fclass.${p}`, op(0x70, 1), F7 | RS2, 'd,S'),
    form(`feq.${p}`, op(0x50, 2), F7, 'd,S,T'),
    form(`flt.${p}`, op(0x50, 1), F7, 'd,S,T'),
    form(`fle.${p}`, op(0x50, 0), F7, 'd,S,T'),
  );
  if (p === 'd') {
    out.push(form('fmv.x.d', op(0x70, 0), F7 | RS2, 'd,S'), form('fmv.d.x', op(0x78, 0), F7 | RS2, 'D,s'));
  }
  out.push(...toInt(`fcvt.l.${p}`, 2), ...toInt(`fcvt.lu.${p}`, 3), ...fromInt(`fcvt.${p}.l`, 2), ...fromInt(`fcvt.${p}.lu`, 3));
  return out;
}

/** All F and D forms, in precedence order. */
export const FLOAT_FORMS: readonly Form[] = [...precision('s', 0), ...precision('d', 1)];
