// How an instruction passes control, for stepping: calls, returns, jumps, branches and trap returns.
// RISC-V unprivileged spec (20191213): 2.5 "Control Transfer Instructions" and its table 2.1
// ("Return-address stack prediction hints encoded in the register operands of a JALR instruction"):
// x1 and x5 are link registers; JAL/JALR writing a link register is a call, JALR reading one (and
// writing neither) is a return. 16.4 "Control Transfer Instructions" for C.J, C.JR, C.JALR, C.BEQZ and
// C.BNEZ. Privileged spec 1.12, 3.3.2 "Trap-Return Instructions" for MRET and SRET.

export type Flow = 'call' | 'return' | 'jump' | 'indirect' | 'branch' | 'trap-return';

const isLink = (r: number): boolean => r === 1 || r === 5;

const MRET = 0x30200073;
const SRET = 0x10200073;

/** The control flow of an instruction word (`length` 2 or 4 bytes), or undefined if it falls through. */
export function controlFlow(word: number, length: 2 | 4): Flow | undefined {
  if (length === 2) return compressedFlow(word & 0xffff);
  const w = word >>> 0;
  const rd = (w >>> 7) & 31;
  const rs1 = (w >>> 15) & 31;
  switch (w & 0x7f) {
    case 0x6f: // JAL
      return isLink(rd) ? 'call' : 'jump';
    case 0x67: // JALR
      if (((w >>> 12) & 7) !== 0) return undefined;
      if (isLink(rd)) return 'call';
      return isLink(rs1) ? 'return' : 'indirect';
    case 0x63: // BRANCH
      return 'branch';
    default:
      return w === MRET || w === SRET ? 'trap-return' : undefined;
  }
}

function compressedFlow(h: number): Flow | undefined {
  const quadrant = h & 3;
  const funct3 = h >>> 13;
  if (quadrant === 1) {
    if (funct3 === 0b101) return 'jump'; // C.J
    if (funct3 === 0b110 || funct3 === 0b111) return 'branch'; // C.BEQZ, C.BNEZ
    return undefined;
  }
  if (quadrant !== 2 || funct3 !== 0b100) return undefined;
  const rs1 = (h >>> 7) & 31;
  const rs2 = (h >>> 2) & 31;
  if (rs2 !== 0 || rs1 === 0) return undefined; // C.MV, C.ADD, C.EBREAK
  if ((h >>> 12) & 1) return 'call'; // C.JALR: writes x1
  return isLink(rs1) ? 'return' : 'indirect'; // C.JR
}
