/**
 * RV64C: expansion of 16-bit compressed parcels to the 32-bit RV64G
 * instruction each one stands for.
 *
 * References are to the RISC-V Unprivileged ISA, chapter '"C" Standard
 * Extension for Compressed Instructions': its sections "Compressed
 * Instruction Formats", "Load and Store Instructions", "Control Transfer
 * Instructions", "Integer Computational Instructions", "Defined Illegal
 * Instruction", "NOP Instruction", "Breakpoint Instruction", "HINT
 * Instructions" and "RVC Instruction Set Listings" (the RVC opcode map).
 *
 * Decisions taken for RV64GC (XLEN=64, F and D present, no Zc* beyond C):
 *  - funct3 slots that are RV32-only (C.FLW, C.FSW, C.FLWSP, C.FSWSP, C.JAL)
 *    are C.LD, C.SD, C.LDSP, C.SDSP and C.ADDIW.
 *  - Reserved (returns 0): the all-zero parcel (Defined Illegal Instruction);
 *    C.ADDI4SPN nzuimm=0; quadrant 0 funct3=100; C.ADDIW rd=0; C.ADDI16SP
 *    nzimm=0; C.LUI nzimm=0 (any rd other than x2); quadrant 1 funct3=100
 *    with bits 12,11:10 = 1,11 and bits 6:5 = 10 or 11 (the slots next to
 *    C.SUBW/C.ADDW); C.LWSP/C.LDSP rd=0; C.JR rs1=0.
 *  - HINTs are expanded to the base instruction they mirror (which writes
 *    x0 or leaves rd unchanged): C.NOP nzimm!=0, C.ADDI nzimm=0, C.LI rd=0,
 *    C.LUI rd=0, C.MV rd=0, C.ADD rd=0, C.SLLI rd=0, and shamt=0 in
 *    C.SLLI/C.SRLI/C.SRAI (the spec's C.SLLI64/C.SRLI64/C.SRAI64 for RV32/64).
 */

// ---- 32-bit base opcodes (RV32/64G "Opcode map") ----
const OP_LOAD = 0x03;
const OP_LOAD_FP = 0x07;
const OP_IMM = 0x13;
const OP_IMM_32 = 0x1b;
const OP_STORE = 0x23;
const OP_STORE_FP = 0x27;
const OP_OP = 0x33;
const OP_LUI = 0x37;
const OP_OP_32 = 0x3b;
const OP_BRANCH = 0x63;
const OP_JALR = 0x67;
const OP_JAL = 0x6f;

const X0 = 0;
const RA = 1;
const SP = 2;

// ---- parcel field helpers ----

function bits(p: number, hi: number, lo: number): number {
  return (p >>> lo) & ((1 << (hi - lo + 1)) - 1);
}

/**
 * Gather a scattered immediate.  `layout` lists, from parcel bit `hi`
 * downwards, which immediate bit each parcel bit holds - exactly the
 * spec's notation: C.J's `offset[11|4|9:8|10|6|7|3:1|5]` in bits 12:2 is
 * `gather(p, 12, [11, 4, 9, 8, 10, 6, 7, 3, 2, 1, 5])`.
 */
function gather(p: number, hi: number, layout: readonly number[]): number {
  let v = 0;
  for (let i = 0; i < layout.length; i++) v |= ((p >>> (hi - i)) & 1) << layout[i];
  return v;
}

function sext(v: number, width: number): number {
  const s = 32 - width;
  return (v << s) >> s;
}

/** rd'/rs1'/rs2' (3-bit, registers x8..x15) at parcel bits lo+2:lo. */
function creg(p: number, lo: number): number {
  return 8 + bits(p, lo + 2, lo);
}

/** The CI-format 6-bit immediate imm[5] (bit 12) | imm[4:0] (bits 6:2), raw. */
function ciImm6(p: number): number {
  return (bits(p, 12, 12) << 5) | bits(p, 6, 2);
}

// ---- 32-bit encoders ----

function iType(op: number, f3: number, rd: number, rs1: number, imm: number): number {
  return (((imm & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op) >>> 0;
}

function sType(op: number, f3: number, rs1: number, rs2: number, imm: number): number {
  return (
    ((((imm >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((imm & 0x1f) << 7) | op) >>> 0
  );
}

function rType(op: number, f7: number, f3: number, rd: number, rs1: number, rs2: number): number {
  return ((f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op) >>> 0;
}

function bType(f3: number, rs1: number, rs2: number, imm: number): number {
  return (
    ((((imm >> 12) & 1) << 31) |
      (((imm >> 5) & 0x3f) << 25) |
      (rs2 << 20) |
      (rs1 << 15) |
      (f3 << 12) |
      (((imm >> 1) & 0xf) << 8) |
      (((imm >> 11) & 1) << 7) |
      OP_BRANCH) >>>
    0
  );
}

function jal(rd: number, imm: number): number {
  return (
    ((((imm >> 20) & 1) << 31) |
      (((imm >> 1) & 0x3ff) << 21) |
      (((imm >> 11) & 1) << 20) |
      (((imm >> 12) & 0xff) << 12) |
      (rd << 7) |
      OP_JAL) >>>
    0
  );
}

/** Shift-immediate (RV64 6-bit shamt): funct6 in imm[11:6]. */
function shiftImm(f3: number, funct6: number, rd: number, shamt: number): number {
  return iType(OP_IMM, f3, rd, rd, (funct6 << 6) | shamt);
}

const EBREAK = 0x00100073;

// ---- immediate layouts, as written in the spec's format tables ----
// Quadrant 0 (CIW/CL/CS)
const ADDI4SPN_IMM = [5, 4, 9, 8, 7, 6, 2, 3]; // nzuimm[5:4|9:6|2|3] @ 12:5
const CL_D_LO = [7, 6]; // uimm[7:6] @ 6:5 (doubleword: FLD/LD/FSD/SD)
const CL_W_LO = [2, 6]; // uimm[2|6] @ 6:5 (word: LW/SW)
// Quadrant 1 (CI/CJ/CB)
const ADDI16SP_IMM = [4, 6, 8, 7, 5]; // nzimm[4|6|8:7|5] @ 6:2, nzimm[9] @ 12
const CJ_IMM = [11, 4, 9, 8, 10, 6, 7, 3, 2, 1, 5]; // offset[11|4|9:8|10|6|7|3:1|5] @ 12:2
const CB_HI = [8, 4, 3]; // offset[8|4:3] @ 12:10
const CB_LO = [7, 6, 2, 1, 5]; // offset[7:6|2:1|5] @ 6:2
// Quadrant 2 (CI/CSS)
const LDSP_LO = [4, 3, 8, 7, 6]; // uimm[4:3|8:6] @ 6:2, uimm[5] @ 12
const LWSP_LO = [4, 3, 2, 7, 6]; // uimm[4:2|7:6] @ 6:2, uimm[5] @ 12
const SDSP_IMM = [5, 4, 3, 8, 7, 6]; // uimm[5:3|8:6] @ 12:7
const SWSP_IMM = [5, 4, 3, 2, 7, 6]; // uimm[5:2|7:6] @ 12:7

/** Quadrant 0 (op=00): CIW/CL/CS formats, registers x8..x15 only. */
function quadrant0(p: number, f3: number): number {
  const rs1 = creg(p, 7);
  const rdRs2 = creg(p, 2); // rd' for loads, rs2' for stores
  const uimmD = (bits(p, 12, 10) << 3) | gather(p, 6, CL_D_LO);
  const uimmW = (bits(p, 12, 10) << 3) | gather(p, 6, CL_W_LO);
  switch (f3) {
    case 0: {
      // C.ADDI4SPN -> addi rd', x2, nzuimm. nzuimm=0 is reserved (this also
      // covers the all-zero parcel, the Defined Illegal Instruction).
      const nzuimm = gather(p, 12, ADDI4SPN_IMM);
      return nzuimm === 0 ? 0 : iType(OP_IMM, 0, rdRs2, SP, nzuimm);
    }
    case 1: // C.FLD -> fld rd', uimm(rs1')
      return iType(OP_LOAD_FP, 3, rdRs2, rs1, uimmD);
    case 2: // C.LW -> lw rd', uimm(rs1')
      return iType(OP_LOAD, 2, rdRs2, rs1, uimmW);
    case 3: // C.LD (RV64; C.FLW in RV32) -> ld rd', uimm(rs1')
      return iType(OP_LOAD, 3, rdRs2, rs1, uimmD);
    case 4: // Reserved in the RVC opcode map.
      return 0;
    case 5: // C.FSD -> fsd rs2', uimm(rs1')
      return sType(OP_STORE_FP, 3, rs1, rdRs2, uimmD);
    case 6: // C.SW -> sw rs2', uimm(rs1')
      return sType(OP_STORE, 2, rs1, rdRs2, uimmW);
    default: // 7: C.SD (RV64; C.FSW in RV32) -> sd rs2', uimm(rs1')
      return sType(OP_STORE, 3, rs1, rdRs2, uimmD);
  }
}

/** Quadrant 1 (op=01): CI/CB/CJ/CA formats. */
function quadrant1(p: number, f3: number): number {
  const rd = bits(p, 11, 7);
  const imm6 = sext(ciImm6(p), 6);
  switch (f3) {
    case 0: // C.NOP (rd=0) / C.ADDI -> addi rd, rd, imm. imm=0 or rd=0 (imm!=0) are HINTs.
      return iType(OP_IMM, 0, rd, rd, imm6);
    case 1: // C.ADDIW (RV64; C.JAL in RV32) -> addiw rd, rd, imm. rd=0 is reserved.
      return rd === 0 ? 0 : iType(OP_IMM_32, 0, rd, rd, imm6);
    case 2: // C.LI -> addi rd, x0, imm. rd=0 is a HINT.
      return iType(OP_IMM, 0, rd, X0, imm6);
    case 3: {
      if (rd === SP) {
        // C.ADDI16SP -> addi x2, x2, nzimm. nzimm=0 is reserved.
        const nzimm = sext((bits(p, 12, 12) << 9) | gather(p, 6, ADDI16SP_IMM), 10);
        return nzimm === 0 ? 0 : iType(OP_IMM, 0, SP, SP, nzimm);
      }
      // C.LUI -> lui rd, nzimm[17:12]. nzimm=0 is reserved; rd=0 is a HINT.
      if (imm6 === 0) return 0;
      return ((imm6 << 12) | (rd << 7) | OP_LUI) >>> 0;
    }
    case 4:
      return miscAlu(p);
    case 5: // C.J -> jal x0, offset
      return jal(X0, sext(gather(p, 12, CJ_IMM), 12));
    default: {
      // 6: C.BEQZ -> beq rs1', x0, offset;  7: C.BNEZ -> bne rs1', x0, offset
      const off = sext(gather(p, 12, CB_HI) | gather(p, 6, CB_LO), 9);
      return bType(f3 === 6 ? 0 : 1, creg(p, 7), X0, off);
    }
  }
}

/** Quadrant 1, funct3=100: the MISC-ALU group (CB shifts/ANDI, CA register ops). */
function miscAlu(p: number): number {
  const rd = creg(p, 7); // rd'/rs1'
  const shamt = ciImm6(p); // RV64: shamt[5] at bit 12; shamt=0 is a HINT
  switch (bits(p, 11, 10)) {
    case 0: // C.SRLI -> srli rd', rd', shamt
      return shiftImm(5, 0x00, rd, shamt);
    case 1: // C.SRAI -> srai rd', rd', shamt
      return shiftImm(5, 0x10, rd, shamt);
    case 2: // C.ANDI -> andi rd', rd', imm
      return iType(OP_IMM, 7, rd, rd, sext(shamt, 6));
  }
  const rs2 = creg(p, 2);
  const f2 = bits(p, 6, 5);
  if (bits(p, 12, 12) === 0) {
    // C.SUB / C.XOR / C.OR / C.AND -> op rd', rd', rs2'
    const [f7, f3] = ([[0x20, 0], [0, 4], [0, 6], [0, 7]] as const)[f2];
    return rType(OP_OP, f7, f3, rd, rd, rs2);
  }
  // bit 12 = 1: C.SUBW (00), C.ADDW (01); 10 and 11 are reserved in RV64C.
  if (f2 === 0) return rType(OP_OP_32, 0x20, 0, rd, rd, rs2);
  if (f2 === 1) return rType(OP_OP_32, 0, 0, rd, rd, rs2);
  return 0;
}

/** Quadrant 2 (op=10): CI/CR/CSS formats, full register numbers. */
function quadrant2(p: number, f3: number): number {
  const rd = bits(p, 11, 7); // rd / rs1
  const rs2 = bits(p, 6, 2);
  const hi5 = bits(p, 12, 12) << 5; // uimm[5] of the SP-relative loads
  switch (f3) {
    case 0: // C.SLLI -> slli rd, rd, shamt. rd=0 or shamt=0 are HINTs.
      return shiftImm(1, 0x00, rd, ciImm6(p));
    case 1: // C.FLDSP -> fld rd, uimm(x2)
      return iType(OP_LOAD_FP, 3, rd, SP, hi5 | gather(p, 6, LDSP_LO));
    case 2: // C.LWSP -> lw rd, uimm(x2). rd=0 is reserved.
      return rd === 0 ? 0 : iType(OP_LOAD, 2, rd, SP, hi5 | gather(p, 6, LWSP_LO));
    case 3: // C.LDSP (RV64; C.FLWSP in RV32) -> ld rd, uimm(x2). rd=0 is reserved.
      return rd === 0 ? 0 : iType(OP_LOAD, 3, rd, SP, hi5 | gather(p, 6, LDSP_LO));
    case 4:
      if (bits(p, 12, 12) === 0) {
        if (rs2 === 0) return rd === 0 ? 0 : iType(OP_JALR, 0, X0, rd, 0); // C.JR; rs1=0 reserved
        return rType(OP_OP, 0, 0, rd, X0, rs2); // C.MV -> add rd, x0, rs2; rd=0 is a HINT
      }
      if (rs2 === 0) {
        if (rd === 0) return EBREAK; // C.EBREAK
        return iType(OP_JALR, 0, RA, rd, 0); // C.JALR -> jalr x1, 0(rs1)
      }
      return rType(OP_OP, 0, 0, rd, rd, rs2); // C.ADD -> add rd, rd, rs2; rd=0 is a HINT
    case 5: // C.FSDSP -> fsd rs2, uimm(x2)
      return sType(OP_STORE_FP, 3, SP, rs2, gather(p, 12, SDSP_IMM));
    case 6: // C.SWSP -> sw rs2, uimm(x2)
      return sType(OP_STORE, 2, SP, rs2, gather(p, 12, SWSP_IMM));
    default: // 7: C.SDSP (RV64; C.FSWSP in RV32) -> sd rs2, uimm(x2)
      return sType(OP_STORE, 3, SP, rs2, gather(p, 12, SDSP_IMM));
  }
}

/** The 32-bit RV64G instruction a 16-bit RVC parcel stands for, or 0 if the parcel is illegal or reserved in RV64GC. `parcel` is 0..0xffff with low two bits != 0b11. */
export function expandCompressed(parcel: number): number {
  const p = parcel & 0xffff;
  const f3 = bits(p, 15, 13);
  switch (p & 3) {
    case 0:
      return quadrant0(p, f3);
    case 1:
      return quadrant1(p, f3);
    case 2:
      return quadrant2(p, f3);
    default:
      return 0; // not a compressed parcel
  }
}
