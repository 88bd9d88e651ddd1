// RV64M: MUL/MULH/MULHSU/MULHU, DIV/DIVU/REM/REMU and the W forms, including division by zero
// (quotient all ones, remainder = dividend) and signed overflow (-2^(XLEN-1) / -1).

#include "test.h"

#define MIN64 0x8000000000000000
#define MAX64 0x7fffffffffffffff

TEST_BEGIN

  // ---- multiply, low half ----------------------------------------------------------------
  TEST_RR( 2, mul, 21, 3, 7)
  TEST_RR( 3, mul, 1, -1, -1)
  TEST_RR( 4, mul, 0xfffffffffffffffe, MAX64, 2)
  TEST_RR( 5, mul, MIN64, MIN64, -1)
  TEST_RR( 6, mul, 0x000000000000ff7f, 0xaaaaaaaaaaaaaaab, 0x000000000002fe7d)
  TEST_RR( 7, mul, 0, 0x100000000, 0x100000000)

  // ---- high halves -----------------------------------------------------------------------
  TEST_RR( 8, mulh,   0, -1, -1)
  TEST_RR( 9, mulh,   0x4000000000000000, MIN64, MIN64)
  TEST_RR(10, mulh,   0xffffffffffffffff, -2, 3)
  TEST_RR(11, mulh,   0x3fffffffffffffff, MAX64, MAX64)
  TEST_RR(12, mulh,   0xc000000000000000, MIN64, MAX64)
  TEST_RR(13, mulhu,  0xfffffffffffffffe, -1, -1)
  TEST_RR(14, mulhu,  1, MIN64, 2)
  TEST_RR(15, mulhu,  0, -1, 1)
  TEST_RR(16, mulhu,  0x000000000001fefe, 0xaaaaaaaaaaaaaaab, 0x000000000002fe7d)
  TEST_RR(17, mulhsu, 0xffffffffffffffff, -1, -1)                       // -(2^64 - 1)
  TEST_RR(18, mulhsu, 0xffffffffffffffff, -1, 1)
  TEST_RR(19, mulhsu, 0, 1, -1)                                         // rs2 unsigned
  TEST_RR(20, mulhsu, 0xffffffffffffffff, MIN64, 2)
  TEST_RR(21, mulhsu, 1, 2, MIN64)
  TEST_RR(22, mulhsu, 0xc000000000000000, MIN64, MIN64)                 // -2^63 * 2^63

  // ---- mulw: 32-bit product, sign-extended -----------------------------------------------
  TEST_RR(23, mulw, 0xfffffffffffffffe, 0x7fffffff, 2)
  TEST_RR(24, mulw, 15, 0x100000003, 5)                                 // upper bits ignored
  TEST_RR(25, mulw, 0, 0x10000, 0x10000)
  TEST_RR(26, mulw, 0xffffffff80000000, -1, 0x80000000)
  TEST_RR(27, mulw, 0x0000000000000001, -1, -1)

  // ---- signed division -------------------------------------------------------------------
  TEST_RR(28, div,  3,  20,  6)
  TEST_RR(29, div, -3, -20,  6)                                         // rounds toward zero
  TEST_RR(30, div, -3,  20, -6)
  TEST_RR(31, div,  3, -20, -6)
  TEST_RR(32, div, -1, 5, 0)                                            // by zero: all ones
  TEST_RR(33, div, -1, MIN64, 0)
  TEST_RR(34, div, MIN64, MIN64, -1)                                    // overflow: dividend
  TEST_RR(35, div, 0xc000000000000000, MIN64, 2)
  TEST_RR(36, rem,  2,  20,  6)
  TEST_RR(37, rem, -2, -20,  6)                                         // sign of the dividend
  TEST_RR(38, rem,  2,  20, -6)
  TEST_RR(39, rem, -2, -20, -6)
  TEST_RR(40, rem,  5, 5, 0)                                            // by zero: dividend
  TEST_RR(41, rem, MIN64, MIN64, 0)
  TEST_RR(42, rem,  0, MIN64, -1)                                       // overflow: 0

  // ---- unsigned division -----------------------------------------------------------------
  TEST_RR(43, divu, 3, 20, 6)
  TEST_RR(44, divu, 3074457345618258599, -20, 6)
  TEST_RR(45, divu, 0, 20, -6)
  TEST_RR(46, divu, 0xffffffffffffffff, 7, 0)                           // by zero: 2^64 - 1
  TEST_RR(47, divu, 0, MIN64, -1)
  TEST_RR(48, divu, 1, -1, -1)
  TEST_RR(49, remu, 2, 20, 6)
  TEST_RR(50, remu, 2, -20, 6)
  TEST_RR(51, remu, 20, 20, -6)
  TEST_RR(52, remu, 7, 7, 0)                                            // by zero: dividend
  TEST_RR(53, remu, MIN64, MIN64, -1)

  // ---- W forms ---------------------------------------------------------------------------
  TEST_RR(54, divw, 3, 0x100000014, 6)                                  // low 32 bits only
  TEST_RR(55, divw, -3, -20, 6)
  TEST_RR(56, divw, -1, 5, 0)                                           // by zero
  TEST_RR(57, divw, -1, 5, 0x100000000)                                 // divisor's low word is 0
  TEST_RR(58, divw, 0xffffffff80000000, 0x80000000, -1)                 // overflow
  TEST_RR(59, divw, 0xffffffffc0000000, 0x80000000, 2)
  TEST_RR(60, divuw, 3, 0x123456780000000a, 3)
  TEST_RR(61, divuw, 0xffffffffffffffff, 0xffffffff, 1)                 // 0xffffffff sign-extended
  TEST_RR(62, divuw, 0xffffffffffffffff, 9, 0)                          // by zero
  TEST_RR(63, divuw, 0x000000007fffffff, 0xfffffffe, 2)
  TEST_RR(64, remw, -2, -20, 6)
  TEST_RR(65, remw, 0xffffffff80000001, 0x80000001, 0)                  // by zero: sext(low word)
  TEST_RR(66, remw, 0, 0x80000000, -1)                                  // overflow
  TEST_RR(67, remw, -1, -7, 2)
  TEST_RR(68, remuw, 0xf, 0xffffffff, 0x10)
  TEST_RR(69, remuw, 0xffffffff80000001, 0x80000001, 0)                 // by zero: sext(low word)
  TEST_RR(70, remuw, 0x0000000000000005, 0xabcdef0000000005, 0x100000007)

  // rd == rs1 / rs2
  TEST_CASE(71, a0, 42, li a0, 6; li a1, 7; mul a0, a0, a1)
  TEST_CASE(72, a1, 3, li a0, 21; li a1, 7; div a1, a0, a1)
  TEST_CASE(73, a0, 0, li a0, 13; rem a0, a0, a0)

TEST_END
