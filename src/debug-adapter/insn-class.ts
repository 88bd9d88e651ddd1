// What stepping needs to know of an instruction: its length, and whether it calls, returns or
// returns from a trap (RISC-V unprivileged spec, chapter 2 "RV32I": JAL, JALR; chapter 16 "C":
// C.JR, C.JALR; privileged spec 3.3.2 "Trap-Return Instructions": MRET, SRET).

export type InsnKind = 'call' | 'return' | 'trap-return' | 'other';

const RA = 1;

/** Classify the instruction whose first bytes are `bytes` (undefined: unreadable memory). */
export function classify(bytes: Uint8Array | undefined): { kind: InsnKind; length: 2 | 4 } {
  if (!bytes || bytes.length < 2) return { kind: 'other', length: 4 };
  const half = bytes[0] | (bytes[1] << 8);
  if ((half & 3) !== 3) {
    // Compressed: C.JR is 1000 rs1 00000 10, C.JALR is 1001 rs1 00000 10 (rs1 != 0).
    const funct4 = half >>> 12;
    const rs1 = (half >>> 7) & 31;
    const rs2 = (half >>> 2) & 31;
    if ((half & 3) === 2 && rs2 === 0 && rs1 !== 0) {
      if (funct4 === 0b1000 && rs1 === RA) return { kind: 'return', length: 2 };
      if (funct4 === 0b1001) return { kind: 'call', length: 2 };
    }
    return { kind: 'other', length: 2 };
  }
  if (bytes.length < 4) return { kind: 'other', length: 4 };
  const word = (half | (bytes[2] << 16) | (bytes[3] << 24)) >>> 0;
  const opcode = word & 0x7f;
  const rd = (word >>> 7) & 31;
  const rs1 = (word >>> 15) & 31;
  if (opcode === 0x6f || opcode === 0x67) {
    if (rd === RA) return { kind: 'call', length: 4 };
    if (opcode === 0x67 && rd === 0 && rs1 === RA) return { kind: 'return', length: 4 };
  }
  if (word === 0x10200073 || word === 0x30200073) return { kind: 'trap-return', length: 4 };
  return { kind: 'other', length: 4 };
}
