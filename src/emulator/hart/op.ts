// Operation ids of the pre-decoded interpreter. A `const enum`, so that the interpreter's `switch`
// sees integer literals and V8 builds a jump table (research/perf.md, pitfall 1).

export const enum Op {
  /** Slot not decoded yet: decode it, then dispatch. Must be 0 (fresh and invalidated pages are zero). */
  DECODE = 0,
  /** A 32-bit instruction that starts in the last halfword of a page: fetched and decoded every time. */
  CROSS,
  /**
   * A debugger breakpoint patched over the slot (in a patched copy of the page's slots): stops the
   * hart before the instruction, or executes the real one once when told to step over it.
   */
  BREAKPOINT,
  ILLEGAL,

  LUI, AUIPC, JAL, JALR,
  BEQ, BNE, BLT, BGE, BLTU, BGEU,
  LB, LH, LW, LD, LBU, LHU, LWU,
  SB, SH, SW, SD,
  ADDI, SLTI, SLTIU, XORI, ORI, ANDI, SLLI, SRLI, SRAI,
  ADD, SUB, SLL, SLT, SLTU, XOR, SRL, SRA, OR, AND,
  ADDIW, SLLIW, SRLIW, SRAIW, ADDW, SUBW, SLLW, SRLW, SRAW,
  MUL, MULH, MULHSU, MULHU, DIV, DIVU, REM, REMU,
  MULW, DIVW, DIVUW, REMW, REMUW,

  FENCE, FENCE_I,
  /** LR/SC and AMOs; the raw instruction says which (cold path). */
  AMO,
  /** CSR instructions (cold path). */
  CSR,
  ECALL, EBREAK, MRET, SRET, WFI, SFENCE_VMA,

  FLW, FLD, FSW, FSD,
  /** Floating-point computation; the slot's immediate holds the FpOp (cold path). */
  FP,
}

/** Floating-point operations behind Op.FP. */
export const enum FpOp {
  FADD_S, FSUB_S, FMUL_S, FDIV_S, FSQRT_S, FSGNJ_S, FSGNJN_S, FSGNJX_S, FMIN_S, FMAX_S,
  FCVT_W_S, FCVT_WU_S, FCVT_L_S, FCVT_LU_S, FMV_X_W, FCLASS_S, FEQ_S, FLT_S, FLE_S,
  FCVT_S_W, FCVT_S_WU, FCVT_S_L, FCVT_S_LU, FMV_W_X,
  FMADD_S, FMSUB_S, FNMSUB_S, FNMADD_S,
  FADD_D, FSUB_D, FMUL_D, FDIV_D, FSQRT_D, FSGNJ_D, FSGNJN_D, FSGNJX_D, FMIN_D, FMAX_D,
  FCVT_W_D, FCVT_WU_D, FCVT_L_D, FCVT_LU_D, FMV_X_D, FCLASS_D, FEQ_D, FLT_D, FLE_D,
  FCVT_D_W, FCVT_D_WU, FCVT_D_L, FCVT_D_LU, FMV_D_X,
  FMADD_D, FMSUB_D, FNMSUB_D, FNMADD_D,
  FCVT_S_D, FCVT_D_S,
}

/**
 * A decoded slot is four Int32 words, one slot per halfword of a page:
 *  [SLOT_OP]   the Op
 *  [SLOT_REGS] rd*2 | rs1*2 << 8 | rs2*2 << 16 | rs3*2 << 24 | (compressed ? 1 << 30 : 0).
 *              Register numbers are pre-doubled: they index the lo word of an Int32Array register file.
 *              An integer rd of x0 is redirected to the sink register 32 (research/perf.md, pitfall 6).
 *  [SLOT_IMM]  the sign-extended immediate (or shift amount, or FpOp)
 *  [SLOT_RAW]  the 32-bit instruction (the expanded one for RVC; the raw parcel when illegal)
 */
export const SLOT_WORDS = 4;
export const SLOTS_PER_PAGE = 2048;
export const SINK = 32;
export const COMPRESSED_BIT = 1 << 30;
