// A few RV64 instruction encoders for hand-assembled test programs (unprivileged spec, chapter 2
// "RV32I Base Integer Instruction Set", instruction formats R, I, S, B, U).

export const enum X {
  zero = 0, t0 = 5, t1 = 6, t2 = 7, a0 = 10, a1 = 11, a2 = 12, a3 = 13, t3 = 28,
}

const i = (imm: number, rs1: number, f3: number, rd: number, op: number): number =>
  (((imm & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op) >>> 0;
const s = (imm: number, rs2: number, rs1: number, f3: number): number =>
  ((((imm >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((imm & 0x1f) << 7) | 0x23) >>> 0;

export const lui = (rd: number, imm20: number): number => (((imm20 & 0xfffff) << 12) | (rd << 7) | 0x37) >>> 0;
export const addi = (rd: number, rs1: number, imm: number): number => i(imm, rs1, 0, rd, 0x13);
export const add = (rd: number, rs1: number, rs2: number): number => ((rs2 << 20) | (rs1 << 15) | (rd << 7) | 0x33) >>> 0;
export const lb = (rd: number, rs1: number, imm: number): number => i(imm, rs1, 0, rd, 0x03);
export const lw = (rd: number, rs1: number, imm: number): number => i(imm, rs1, 2, rd, 0x03);
export const ld = (rd: number, rs1: number, imm: number): number => i(imm, rs1, 3, rd, 0x03);
export const sb = (rs2: number, rs1: number, imm: number): number => s(imm, rs2, rs1, 0);
export const sw = (rs2: number, rs1: number, imm: number): number => s(imm, rs2, rs1, 2);
export const sd = (rs2: number, rs1: number, imm: number): number => s(imm, rs2, rs1, 3);
export const jalr = (rd: number, rs1: number, imm: number): number => i(imm, rs1, 0, rd, 0x67);
/** bne rs1, rs2, off (off: bytes from this instruction, even, within ±4 KiB). */
export const bne = (rs1: number, rs2: number, off: number): number =>
  ((((off >> 12) & 1) << 31) | (((off >> 5) & 0x3f) << 25) | (rs2 << 20) | (rs1 << 15) | (1 << 12) |
    (((off >> 1) & 0xf) << 8) | (((off >> 11) & 1) << 7) | 0x63) >>> 0;
export const ECALL = 0x00000073;
export const FENCE_I = 0x0000100f;
/** jal x0, 0: a loop on itself. */
export const SPIN = 0x0000006f;
