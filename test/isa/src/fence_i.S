// Self-modifying code: after a store into code and FENCE.I, the new instruction is executed,
// including when the old one has already been executed (and may be cached or translated), when
// only part of an instruction is rewritten with a halfword store, when code is modified in a
// loop, and when a routine is copied into a data buffer and called.

#include "test.h"

#define ADDI_A0(imm) (((imm) << 20) | 0x00050513)                       // addi a0, a0, imm
#define LI_A0(imm)   (((imm) << 20) | 0x00000513)                       // addi a0, zero, imm
#define RET          0x00008067                                         // jalr x0, 0(ra)

TEST_BEGIN

  // ---- patch an instruction that has not run yet ------------------------------------------------
  CASE(2)
  la a1, patch1
  li a2, ADDI_A0(100)
  sw a2, 0(a1)
  fence.i
  li a0, 1
patch1:
  addi a0, a0, 1
  CHECK(a0, 101)

  // ---- run, patch, run again ---------------------------------------------------------------------
  CASE(3)
  li a0, 0
  call fn_patch2                                                        // a0 = 5
  CHECK(a0, 5)
  la a1, patch2
  li a2, LI_A0(42)
  sw a2, 0(a1)
  fence.i
  call fn_patch2
  CHECK(a0, 42)
  li a2, LI_A0(-7)
  sw a2, 0(a1)
  fence.i
  call fn_patch2
  CHECK(a0, -7)

  // ---- a halfword store rewrites the upper half (the immediate) -------------------------------------
  CASE(4)
  li a0, 0
  call fn_patch3
  CHECK(a0, 3)
  la a1, patch3
  li a2, (LI_A0(0x123) >> 16)
  sh a2, 2(a1)
  fence.i
  call fn_patch3
  CHECK(a0, 0x123)

  // ---- modify code in a loop: each iteration executes the immediate written just before ---------------
  CASE(5)
  li a3, 0                                                              // sum
  li a4, 1                                                              // i
  la a1, patch4
1: li a2, 0x00050513                                                    // addi a0, a0, i
  slli t0, a4, 20
  or a2, a2, t0
  sw a2, 0(a1)
  fence.i
  li a0, 0
  call fn_patch4
  add a3, a3, a0
  addi a4, a4, 1
  li t0, 11
  bne a4, t0, 1b
  CHECK(a3, 55)                                                         // 1 + 2 + ... + 10

  // ---- the next instruction, patched right before it runs ---------------------------------------------
  CASE(6)
  la a1, 2f
  li a2, LI_A0(77)
  li a0, 0
  sw a2, 0(a1)
  fence.i
2: li a0, 1
  CHECK(a0, 77)

  // ---- copy a routine into a data buffer and call it ----------------------------------------------------
  CASE(7)
  la a1, code_buf
  li a2, LI_A0(9)
  sw a2, 0(a1)
  li a2, ADDI_A0(30)
  sw a2, 4(a1)
  li a2, RET
  sw a2, 8(a1)
  fence.i
  jalr ra, 0(a1)
  CHECK(a0, 39)
  // rewrite the buffer and call it again
  CASE(8)
  li a2, ADDI_A0(-40)
  sw a2, 4(a1)
  fence.i
  jalr ra, 0(a1)
  CHECK(a0, -31)

TEST_END

  .text
  .balign 4
fn_patch2:
patch2:
  li a0, 5
  ret
fn_patch3:
patch3:
  li a0, 3
  ret
fn_patch4:
patch4:
  addi a0, a0, 0
  ret

  .data
  .balign 64
code_buf: .space 64
