// RV64I integer computation: register-register and immediate arithmetic, logic, shifts,
// comparisons, the 32-bit W forms (results sign-extended from bit 31), shift-amount masking,
// LUI/AUIPC and writes to x0.

#include "test.h"

TEST_BEGIN

  // ---- add / sub -----------------------------------------------------------------------
  TEST_RR( 2, add,  0x0000000000000005, 2, 3)
  TEST_RR( 3, add,  0x0000000000000000, -1, 1)
  TEST_RR( 4, add,  0x8000000000000000, 0x7fffffffffffffff, 1)          // wraps, no trap
  TEST_RR( 5, add,  0xfffffffffffffffe, 0xffffffffffffffff, 0xffffffffffffffff)
  TEST_RR( 6, sub,  0xffffffffffffffff, 0, 1)
  TEST_RR( 7, sub,  0x7fffffffffffffff, 0x8000000000000000, 1)
  TEST_RR( 8, sub,  0x0000000100000000, 0x0000000100000005, 5)
  TEST_RI( 9, addi, 0xfffffffffffff800, 0, -2048)
  TEST_RI(10, addi, 0x00000000000007ff, 0, 2047)
  TEST_RI(11, addi, 0x0000000080000000, 0x7fffffff, 1)                  // no sign-extension in RV64 addi

  // ---- logic ---------------------------------------------------------------------------
  TEST_RR(12, and,  0x0f000f000f000f00, 0xff00ff00ff00ff00, 0x0f0f0f0f0f0f0f0f)
  TEST_RR(13, or,   0xff0fff0fff0fff0f, 0xff00ff00ff00ff00, 0x0f0f0f0f0f0f0f0f)
  TEST_RR(14, xor,  0xf00ff00ff00ff00f, 0xff00ff00ff00ff00, 0x0f0f0f0f0f0f0f0f)
  TEST_RI(15, andi, 0xff00ff00ff00ff00, 0xff00ff00ff00ff00, -256)       // imm sign-extended
  TEST_RI(16, andi, 0x0000000000000700, 0xff00ff00ff00ff00, 0x7ff)
  TEST_RI(17, ori,  0xfffffffffffff80f, 0x000000000000000f, -2048)
  TEST_RI(18, xori, 0x00ff00ff00ff00ff, 0xff00ff00ff00ff00, -1)         // xori -1 == not
  TEST_RI(19, xori, 0xff00ff00ff00fff0, 0xff00ff00ff00ff00, 0x0f0)

  // ---- shifts (64-bit: amount is rs2[5:0]) ---------------------------------------------
  TEST_RR(20, sll,  0x8000000000000000, 1, 63)
  TEST_RR(21, sll,  0x0000000000000002, 1, 65)                          // 65 & 63 == 1
  TEST_RR(22, srl,  0x0000000000000001, 0x8000000000000000, 63)
  TEST_RR(23, srl,  0x7fffffffffffffff, -1, 0xffffffffffffffc1)         // amount 1
  TEST_RR(24, sra,  0xffffffffffffffff, 0x8000000000000000, 63)
  TEST_RR(25, sra,  0xc000000000000000, 0x8000000000000000, 1)
  TEST_RR(26, sra,  0x0000000012345678, 0x1234567800000000, 32)
  TEST_RI(27, slli, 0xf000000000000000, 0xf, 60)
  TEST_RI(28, srli, 0x000000000000000f, 0xf000000000000000, 60)
  TEST_RI(29, srai, 0xffffffffffffffff, 0xf000000000000000, 60)
  TEST_RI(30, srai, 0x0000000000000007, 0x7000000000000000, 60)
  TEST_RI(31, srli, 0x0000000100000000, 0x8000000000000000, 31)

  // ---- comparisons ---------------------------------------------------------------------
  TEST_RR(32, slt,  1, -1, 0)
  TEST_RR(33, slt,  0, 0, -1)
  TEST_RR(34, sltu, 0, -1, 0)
  TEST_RR(35, sltu, 1, 0, -1)
  TEST_RR(36, slt,  1, 0x8000000000000000, 0x7fffffffffffffff)
  TEST_RR(37, sltu, 0, 0x8000000000000000, 0x7fffffffffffffff)
  TEST_RR(38, slt,  0, 5, 5)
  TEST_RI(39, slti, 1, -5, -4)
  TEST_RI(40, slti, 0, 5, -4)
  TEST_RI(41, sltiu, 1, 5, -1)                                          // imm -1 is 2^64-1 unsigned
  TEST_RI(42, sltiu, 0, -1, -1)
  TEST_RI(43, sltiu, 1, 0, 1)                                           // seqz
  TEST_RR(44, sltu, 1, 0, 7)                                            // snez via sltu x0

  // ---- W forms: operate on the low 32 bits, sign-extend the 32-bit result --------------
  TEST_RR(45, addw, 0xffffffff80000000, 0x7fffffff, 1)
  TEST_RR(46, addw, 0x0000000000000000, 0xffffffff00000001, 0xffffffff)  // upper bits ignored
  TEST_RR(47, addw, 0x0000000012345678, 0xabcdef0012345678, 0)           // sext.w of positive
  TEST_RR(48, subw, 0x000000007fffffff, 0x80000000, 1)
  TEST_RR(49, subw, 0xffffffffffffffff, 0x100000000, 1)
  TEST_RI(50, addiw, 0xffffffff80000000, 0x7fffffff, 1)
  TEST_RI(51, addiw, 0xffffffffdeadbeef, 0x12345678deadbeef, 0)         // sext.w
  TEST_RI(52, addiw, 0x000000007ffff800, 0xffffffff80000000, -2048)
  TEST_RR(53, sllw, 0xffffffff80000000, 1, 31)
  TEST_RR(54, sllw, 0x0000000000000002, 1, 33)                          // amount is rs2[4:0]
  TEST_RR(55, sllw, 0x0000000000000000, 0x100000000, 0)                 // bit 32 dropped
  TEST_RR(56, srlw, 0x0000000000000001, 0x80000000, 31)
  TEST_RR(57, srlw, 0xffffffff80000000, 0xffffffff80000000, 0)          // result sext from bit 31
  TEST_RR(58, srlw, 0x000000007fffffff, 0xffffffffffffffff, 33)         // amount 1
  TEST_RR(59, sraw, 0xffffffffffffffff, 0x80000000, 31)
  TEST_RR(60, sraw, 0x0000000000000000, 0xffffffff00000000, 4)          // upper bits ignored
  TEST_RR(61, sraw, 0xfffffffff8000000, 0x0000000080000000, 36)         // amount 4
  TEST_RI(62, slliw, 0xffffffff80000000, 0x00000000c0000001, 31)
  TEST_RI(63, srliw, 0x0000000000000001, 0xffffffff80000000, 31)
  TEST_RI(64, srliw, 0x000000007fffffff, 0xffffffffffffffff, 1)
  TEST_RI(65, sraiw, 0xffffffffff000000, 0x00000000f0000000, 4)
  TEST_RI(66, sraiw, 0x0000000000000000, 0x00e0000000000000, 28)
  TEST_RI(67, sraiw, 0x0000000001234567, 0xffffffff12345678, 4)

  // ---- lui / auipc ---------------------------------------------------------------------
  TEST_CASE(68, a0, 0x0000000012345000, lui a0, 0x12345)
  TEST_CASE(69, a0, 0xffffffff80000000, lui a0, 0x80000)                // bit 31 sign-extends
  TEST_CASE(70, a0, 0xfffffffffffff000, lui a0, 0xfffff)
  TEST_CASE(71, a0, 0x000000007ffff000, lui a0, 0x7ffff)
  // auipc adds (imm << 12) to its own address.
  CASE(72)
1: auipc a0, 0
  la a1, 1b
  CHECK_REG(a0, a1)
  CASE(73)
1: auipc a0, 0x1
  la a1, 1b
  sub a0, a0, a1
  CHECK(a0, 0x1000)
  CASE(74)
1: auipc a0, 0xfffff                                                    // -4096
  la a1, 1b
  sub a0, a0, a1
  CHECK(a0, -4096)
  CASE(75)
1: auipc a0, 0x80000                                                    // -2 GiB, sign-extended
  la a1, 1b
  sub a0, a0, a1
  CHECK(a0, 0xffffffff80000000)

  // ---- x0 ------------------------------------------------------------------------------
  TEST_CASE(76, x0, 0, li a0, 5; add x0, a0, a0)
  TEST_CASE(77, x0, 0, lui x0, 0x12345; addi x0, x0, 1)
  TEST_CASE(78, a0, 0, addi a0, x0, 0)
  TEST_CASE(79, a0, 5, li a0, 5; addi x0, x0, 0; nop)                   // nop changes nothing

  // ---- large constants and rd == rs ----------------------------------------------------
  TEST_CASE(80, a0, 0x123456789abcdef0, li a0, 0x123456789abcdef0)
  TEST_CASE(81, a0, 0x0000000000000006, li a0, 3; add a0, a0, a0)
  TEST_CASE(82, a0, 0x0000000000000000, li a0, 0x5555; sub a0, a0, a0)
  TEST_CASE(83, a0, 0x0000000000000000, li a0, 0x5555; xor a0, a0, a0)

TEST_END
