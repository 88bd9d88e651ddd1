// Register names, instruction fields and operand printing for the RISC-V disassembler.
//
// Source: RISC-V unprivileged spec (20191213), chapter 2 "RV32I Base Integer Instruction Set" section 2.2
// "Base Instruction Formats" and 2.3 "Immediate Encoding Variants" (R/I/S/B/U/J fields and immediates);
// chapter 16 "C" section 16.2 "Compressed Instruction Formats" (CR/CI/CSS/CIW/CL/CS/CA/CB/CJ fields and
// the immediate scrambles of tables 16.1-16.6); chapter 25 "RISC-V Assembly Programmer's Handbook",
// table 25.1 (ABI register names). Operands are printed the way GNU objdump prints them: signed decimal
// offsets and immediates, hex for lui/auipc immediates and shift amounts, absolute hex branch targets.

import { F_ABI_NAMES, X_ABI_NAMES } from '../registers';
import { csrName } from './csr';

/** One encoding: `word & mask === match` (and `when(word)`, if given) selects it. */
export interface Form {
  mnemonic: string;
  match: number;
  mask: number;
  /**
   * How to print the operands: a template in which these codes stand for fields and everything else
   * (',' '(' ')') is copied. 32-bit: d s t = rd rs1 rs2 (integer), D S T R = rd rs1 rs2 rs3
   * (floating-point), j = I-immediate, q = S-immediate, u = U-immediate (hex), > = 6-bit shift amount,
   * < = 5-bit shift amount, p = B-type target, a = J-type target, E = CSR, Z = 5-bit CSR immediate,
   * m = rounding mode, P Q = fence predecessor/successor sets, 0 = nothing (the implicit 0 of "0(rs1)").
   * Compressed codes are two characters, 'C' and a letter: see compressedOperand().
   */
  operands: string;
  when?: (word: number) => boolean;
}

/** Rounding modes by rm field (unprivileged spec table 11.1); 5 and 6 are reserved. */
const ROUNDING_MODES = ['rne', 'rtz', 'rdn', 'rup', 'rmm', undefined, undefined, 'dyn'];

/** A FENCE predecessor or successor set, bits I O R W (section 2.7); objdump names the empty set "unknown". */
function fenceSet(bits: number): string {
  const s = (bits & 8 ? 'i' : '') + (bits & 4 ? 'o' : '') + (bits & 2 ? 'r' : '') + (bits & 1 ? 'w' : '');
  return s || 'unknown';
}

export const xreg = (n: number): string => X_ABI_NAMES[n & 31];
export const freg = (n: number): string => F_ABI_NAMES[n & 31];

// 32-bit instruction fields (section 2.2).
export const rd = (w: number): number => (w >>> 7) & 31;
export const rs1 = (w: number): number => (w >>> 15) & 31;
export const rs2 = (w: number): number => (w >>> 20) & 31;
const rs3 = (w: number): number => (w >>> 27) & 31;
const immI = (w: number): number => w >> 20;
const immS = (w: number): number => ((w >> 25) << 5) | ((w >>> 7) & 31);
const immB = (w: number): number =>
  ((w >> 31) << 12) | (((w >>> 7) & 1) << 11) | (((w >>> 25) & 0x3f) << 5) | (((w >>> 8) & 0xf) << 1);
const immJ = (w: number): number =>
  ((w >> 31) << 20) | (((w >>> 12) & 0xff) << 12) | (((w >>> 20) & 1) << 11) | (((w >>> 21) & 0x3ff) << 1);

/** Bit `from` of `w` moved to bit `to`. */
const bit = (w: number, from: number, to: number): number => ((w >>> from) & 1) << to;
/** Bits hi..lo of `w`, moved so that lo lands on bit `to`. */
const bits = (w: number, hi: number, lo: number, to: number): number => ((w >>> lo) & ((1 << (hi - lo + 1)) - 1)) << to;
/** Sign-extend the low `width` bits. */
const signed = (v: number, width: number): number => (v << (32 - width)) >> (32 - width);

// Compressed immediates (section 16.2, tables 16.1-16.6 and the instruction listings of 16.3-16.5).
/** CI: imm[5] = bit 12, imm[4:0] = bits 6:2. */
export const immCI = (w: number): number => signed(bit(w, 12, 5) | bits(w, 6, 2, 0), 6);
/** C.LUI: nzimm[17] = bit 12, nzimm[16:12] = bits 6:2; the value of the 20-bit U field. */
export const immCLui = (w: number): number => immCI(w) & 0xfffff;
/** C.ADDI16SP: nzimm[9|4|6|8:7|5]. */
export const immCAddi16sp = (w: number): number =>
  signed(bit(w, 12, 9) | bit(w, 6, 4) | bit(w, 5, 6) | bits(w, 4, 3, 7) | bit(w, 2, 5), 10);
/** C.ADDI4SPN: nzuimm[5:4|9:6|2|3] in bits 12:5. */
export const immCAddi4spn = (w: number): number => bits(w, 12, 11, 4) | bits(w, 10, 7, 6) | bit(w, 6, 2) | bit(w, 5, 3);
/** C.LW/C.SW: uimm[5:3] = bits 12:10, uimm[2|6] = bits 6:5. */
const immCLw = (w: number): number => bits(w, 12, 10, 3) | bit(w, 6, 2) | bit(w, 5, 6);
/** C.LD/C.SD/C.FLD/C.FSD: uimm[5:3] = bits 12:10, uimm[7:6] = bits 6:5. */
const immCLd = (w: number): number => bits(w, 12, 10, 3) | bits(w, 6, 5, 6);
/** C.LWSP: uimm[5] = bit 12, uimm[4:2|7:6] = bits 6:2. */
const immCLwsp = (w: number): number => bit(w, 12, 5) | bits(w, 6, 4, 2) | bits(w, 3, 2, 6);
/** C.LDSP/C.FLDSP: uimm[5] = bit 12, uimm[4:3|8:6] = bits 6:2. */
const immCLdsp = (w: number): number => bit(w, 12, 5) | bits(w, 6, 5, 3) | bits(w, 4, 2, 6);
/** C.SWSP: uimm[5:2|7:6] = bits 12:7. */
const immCSwsp = (w: number): number => bits(w, 12, 9, 2) | bits(w, 8, 7, 6);
/** C.SDSP/C.FSDSP: uimm[5:3|8:6] = bits 12:7. */
const immCSdsp = (w: number): number => bits(w, 12, 10, 3) | bits(w, 9, 7, 6);
/** C.J: offset[11|4|9:8|10|6|7|3:1|5] = bits 12:2. */
const immCJ = (w: number): number =>
  signed(bit(w, 12, 11) | bit(w, 11, 4) | bits(w, 10, 9, 8) | bit(w, 8, 10) | bit(w, 7, 6) | bit(w, 6, 7) | bits(w, 5, 3, 1) | bit(w, 2, 5), 12);
/** C.BEQZ/C.BNEZ: offset[8|4:3] = bits 12:10, offset[7:6|2:1|5] = bits 6:2. */
const immCB = (w: number): number =>
  signed(bit(w, 12, 8) | bits(w, 11, 10, 3) | bits(w, 6, 5, 6) | bits(w, 4, 3, 1) | bit(w, 2, 5), 9);
/** The 6-bit shift amount of C.SLLI/C.SRLI/C.SRAI: shamt[5] = bit 12, shamt[4:0] = bits 6:2. */
export const shamtC = (w: number): number => bit(w, 12, 5) | bits(w, 6, 2, 0);
/** rd'/rs1' (bits 9:7) and rd'/rs2' (bits 4:2) name x8..x15 (or f8..f15). */
export const rs1c = (w: number): number => 8 + ((w >>> 7) & 7);
const rs2c = (w: number): number => 8 + ((w >>> 2) & 7);
/** The full rs2 field of CR/CSS (bits 6:2). */
export const rs2cr = (w: number): number => (w >>> 2) & 31;

const hex = (n: number): string => `0x${(n >>> 0).toString(16)}`;

export interface Printed {
  operands: string;
  target?: bigint;
}

/** Print the operands of `word`, decoded at `address`, by the form's template. */
export function formatOperands(form: Form, word: number, address: bigint): Printed {
  const t = form.operands;
  let out = '';
  let target: bigint | undefined;
  const jump = (offset: number): string => {
    target = BigInt.asUintN(64, address + BigInt(offset));
    return target.toString(16);
  };
  for (let i = 0; i < t.length; i++) {
    const c = t[i];
    if (c === 'C') {
      out += compressedOperand(t[++i], word, jump);
      continue;
    }
    switch (c) {
      case 'd': out += xreg(rd(word)); break;
      case 's': out += xreg(rs1(word)); break;
      case 't': out += xreg(rs2(word)); break;
      case 'D': out += freg(rd(word)); break;
      case 'S': out += freg(rs1(word)); break;
      case 'T': out += freg(rs2(word)); break;
      case 'R': out += freg(rs3(word)); break;
      case 'j': out += immI(word); break;
      case 'q': out += immS(word); break;
      case 'u': out += hex(word >>> 12); break;
      case '>': out += hex((word >>> 20) & 0x3f); break;
      case '<': out += hex((word >>> 20) & 0x1f); break;
      case 'p': out += jump(immB(word)); break;
      case 'a': out += jump(immJ(word)); break;
      case 'E': {
        const n = word >>> 20;
        out += csrName(n) ?? hex(n);
        break;
      }
      case 'Z': out += rs1(word); break;
      case 'm': out += ROUNDING_MODES[(word >>> 12) & 7] ?? 'unknown'; break;
      case 'P': out += fenceSet((word >>> 24) & 0xf); break;
      case 'Q': out += fenceSet((word >>> 20) & 0xf); break;
      case '0': break;
      default: out += c;
    }
  }
  return target === undefined ? { operands: out } : { operands: out, target };
}

/**
 * Compressed operand codes (after 'C'): s = rs1' (bits 9:7), t = rs2' (bits 4:2), F = frs2'/frd'
 * (bits 4:2), d = rd/rs1 (bits 11:7), V = rs2 (bits 6:2), W = frs2 (bits 6:2), D = frd (bits 11:7),
 * c = sp, z = zero, i = CI immediate, u = c.lui immediate (hex), L = c.addi16sp immediate,
 * K = c.addi4spn immediate, k/l/m/n/M/N = c.lw/c.ld/c.lwsp/c.ldsp/c.swsp/c.sdsp offsets,
 * > = shift amount (hex), p = branch target, a = jump target.
 */
function compressedOperand(c: string, w: number, jump: (offset: number) => string): string {
  switch (c) {
    case 's': return xreg(rs1c(w));
    case 't': return xreg(rs2c(w));
    case 'F': return freg(rs2c(w));
    case 'd': return xreg(rd(w));
    case 'V': return xreg(rs2cr(w));
    case 'W': return freg(rs2cr(w));
    case 'D': return freg(rd(w));
    case 'c': return 'sp';
    case 'z': return 'zero';
    case 'i': return String(immCI(w));
    case 'u': return hex(immCLui(w));
    case 'L': return String(immCAddi16sp(w));
    case 'K': return String(immCAddi4spn(w));
    case 'k': return String(immCLw(w));
    case 'l': return String(immCLd(w));
    case 'm': return String(immCLwsp(w));
    case 'n': return String(immCLdsp(w));
    case 'M': return String(immCSwsp(w));
    case 'N': return String(immCSdsp(w));
    case '>': return hex(shamtC(w));
    case 'p': return jump(immCB(w));
    case 'a': return jump(immCJ(w));
    default: return '?'; // not reached: the tables use only the codes above
  }
}
