// RV64I control transfer: all six conditional branches (taken and not taken, forward and
// backward, signed versus unsigned), JAL (link value, x0 as rd, backward), JALR (target is
// (rs1 + imm) with bit 0 cleared, link value, rd == rs1, negative immediate).

#include "test.h"

// Case n: `br a, b` must be taken (forward and backward).
#define TEST_TAKEN(n, br, a, b)                                         \
        CASE(n); li a0, a; li a1, b;                                    \
        br a0, a1, 2f; j __fail;                                        \
1:      j 3f;                                                           \
2:      br a0, a1, 1b; j __fail;                                        \
3:

// Case n: `br a, b` must not be taken.
#define TEST_NOT_TAKEN(n, br, a, b)                                     \
        CASE(n); li a0, a; li a1, b;                                    \
        br a0, a1, __fail;                                              \
        br a0, a1, 1f; j 2f;                                            \
1:      j __fail;                                                       \
2:

TEST_BEGIN

  TEST_TAKEN( 2, beq, 0, 0)
  TEST_TAKEN( 3, beq, -1, -1)
  TEST_NOT_TAKEN( 4, beq, 0, 1)
  TEST_NOT_TAKEN( 5, beq, 0x100000000, 0)                               // all 64 bits compared
  TEST_TAKEN( 6, bne, 0, 1)
  TEST_TAKEN( 7, bne, 0x100000000, 0)
  TEST_NOT_TAKEN( 8, bne, 7, 7)
  TEST_TAKEN( 9, blt, -1, 0)
  TEST_TAKEN(10, blt, 0x8000000000000000, 0x7fffffffffffffff)
  TEST_NOT_TAKEN(11, blt, 0, -1)
  TEST_NOT_TAKEN(12, blt, 5, 5)
  TEST_TAKEN(13, bge, 0, -1)
  TEST_TAKEN(14, bge, 5, 5)
  TEST_NOT_TAKEN(15, bge, -1, 0)
  TEST_TAKEN(16, bltu, 0, -1)
  TEST_TAKEN(17, bltu, 0x7fffffffffffffff, 0x8000000000000000)
  TEST_NOT_TAKEN(18, bltu, -1, 0)
  TEST_NOT_TAKEN(19, bltu, 5, 5)
  TEST_TAKEN(20, bgeu, -1, 0)
  TEST_TAKEN(21, bgeu, 5, 5)
  TEST_NOT_TAKEN(22, bgeu, 0, -1)
  TEST_TAKEN(23, bltu, 0xffffffff, 0x100000000)                         // bit 32 matters
  TEST_NOT_TAKEN(24, blt, 0x100000000, 0xffffffff)

  // Instructions after a taken branch are not executed.
  CASE(25)
  li a0, 1
  beq zero, zero, 1f
  addi a0, a0, 1
  addi a0, a0, 1
1:
  addi a0, a0, 1
  CHECK(a0, 2)

  // ---- jal -------------------------------------------------------------------------------
  CASE(26)
  li ra, 0
2: jal ra, 1f
  j __fail
1: la a0, 2b
  addi a0, a0, 4
  CHECK_REG(ra, a0)
  CASE(27)
  li a5, 0
  jal a5, 1f                                                             // any rd can link
3: j __fail
1: la a0, 3b
  CHECK_REG(a5, a0)
  // jal x0 (j): no link written; backward jump
  CASE(28)
  li a0, 0
  j 2f
1: addi a0, a0, 10
  j 3f
2: addi a0, a0, 1
  jal x0, 1b
3: CHECK(a0, 11)
  CHECK(x0, 0)

  // ---- jalr ------------------------------------------------------------------------------
  CASE(29)
  la a1, 1f
2: jalr ra, 0(a1)
  j __fail
1: la a0, 2b
  addi a0, a0, 4
  CHECK_REG(ra, a0)
  // bit 0 of the target is cleared
  CASE(30)
  la a1, 1f
  addi a1, a1, 1
  jalr ra, 0(a1)
  j __fail
1:
  CASE(31)
  la a1, 1f
  jalr ra, 1(a1)                                                        // (rs1 + 1) & ~1
  j __fail
1:
  CASE(32)
  la a1, 1f
  addi a1, a1, 3
  jalr ra, -2(a1)                                                       // (x + 3 - 2) & ~1 == x
  j __fail
1:
  // negative immediate
  CASE(33)
  la a1, 1f
  addi a1, a1, 2040
  jalr ra, -2040(a1)
  j __fail
1:
  // rd == rs1: the target uses the old value, rd gets the link
  CASE(34)
  la a1, 1f
2: jalr a1, 0(a1)
  j __fail
1: la a0, 2b
  addi a0, a0, 4
  CHECK_REG(a1, a0)
  // rd = x0 (jr / ret)
  CASE(35)
  la a1, 1f
  jalr x0, 0(a1)
  j __fail
1: CHECK(x0, 0)
  // call / ret through a subroutine
  CASE(36)
  li a0, 5
  call double_a0
  call double_a0
  CHECK(a0, 20)

TEST_END

  .text
double_a0:
  add a0, a0, a0
  ret
