// RV64A: LR/SC success and failure (no reservation, reservation used up, other address),
// LR.W sign extension, and every AMO in .w and .d form: rd receives the old value (sign-
// extended from 32 bits for .w), memory receives the result, a .w AMO touches only its word
// and compares/adds only the low 32 bits of rs2.

#include "test.h"

// Case n: word at amo_w = init (its neighbour word = 0x5a5a5a5a); `inst rd, operand, (amo_w)`;
// rd must be old_sext, the word must become new32, the neighbour must be intact.
#define TEST_AMO_W(n, inst, init, operand, old_sext, new32)              \
        CASE(n); la a0, amo_w; li a1, init; sw a1, 0(a0);               \
        li a1, 0x5a5a5a5a; sw a1, 4(a0); sw a1, -4(a0);                 \
        li a3, operand; inst a4, a3, (a0);                              \
        CHECK(a4, old_sext);                                            \
        lwu a5, 0(a0); CHECK(a5, new32);                                \
        lwu a5, 4(a0); CHECK(a5, 0x5a5a5a5a);                           \
        lwu a5, -4(a0); CHECK(a5, 0x5a5a5a5a)

#define TEST_AMO_D(n, inst, init, operand, old, new)                    \
        CASE(n); la a0, amo_d; li a1, init; sd a1, 0(a0);               \
        li a3, operand; inst a4, a3, (a0);                              \
        CHECK(a4, old);                                                 \
        ld a5, 0(a0); CHECK(a5, new)

TEST_BEGIN

  // ---- LR/SC -----------------------------------------------------------------------------
  // success: sc writes 0 to rd and stores
  CASE(2)
  la a0, lr_w
  li a1, 0x80000000
  sw a1, 0(a0)
  lr.w a2, (a0)
  CHECK(a2, 0xffffffff80000000)                                         // lr.w sign-extends
  li a3, 0x12345678
  sc.w a4, a3, (a0)
  CHECK(a4, 0)
  lwu a5, 0(a0)
  CHECK(a5, 0x12345678)
  // the reservation is used up: a second sc fails and does not store
  CASE(3)
  li a3, 0x55555555
  sc.w a4, a3, (a0)
  beqz a4, __fail
  lwu a5, 0(a0)
  CHECK(a5, 0x12345678)
  // sc without any lr fails
  CASE(4)
  la a0, lr_d
  li a1, 77
  sd a1, 0(a0)
  li a3, 99
  sc.d a4, a3, (a0)
  beqz a4, __fail
  ld a5, 0(a0)
  CHECK(a5, 77)
  // lr.d / sc.d success
  CASE(5)
  lr.d a2, (a0)
  CHECK(a2, 77)
  li a3, 0xfedcba9876543210
  sc.d a4, a3, (a0)
  CHECK(a4, 0)
  ld a5, 0(a0)
  CHECK(a5, 0xfedcba9876543210)
  // sc to an address outside the reservation set fails
  CASE(6)
  la a0, lr_d
  la a1, lr_far
  lr.d a2, (a0)
  li a3, 1234
  sc.d a4, a3, (a1)
  beqz a4, __fail
  ld a5, 0(a1)
  CHECK(a5, 0)
  // the failed sc cleared the reservation: sc to the original address fails too
  CASE(7)
  sc.d a4, a3, (a0)
  beqz a4, __fail
  ld a5, 0(a0)
  CHECK(a5, 0xfedcba9876543210)
  // sc.w after lr.d of the same address is fine as long as the address is reserved
  CASE(8)
  lr.w a2, (a0)
  CHECK(a2, 0x0000000076543210)
  li a3, 0x11111111
  sc.w a4, a3, (a0)
  CHECK(a4, 0)
  ld a5, 0(a0)
  CHECK(a5, 0xfedcba9811111111)
  // an LR/SC increment loop
  CASE(9)
  la a0, counter
  li a1, 100
1: lr.d a2, (a0)
  addi a2, a2, 3
  sc.d a3, a2, (a0)
  bnez a3, 1b
  addi a1, a1, -1
  bnez a1, 1b
  ld a5, 0(a0)
  CHECK(a5, 300)
  // aq/rl forms
  CASE(10)
  lr.w.aq a2, (a0)
  CHECK(a2, 300)
  li a3, 301
  sc.w.rl a4, a3, (a0)
  CHECK(a4, 0)
  lr.d.aqrl a2, (a0)
  CHECK(a2, 301)
  sc.d.aqrl a4, zero, (a0)
  CHECK(a4, 0)
  ld a5, 0(a0)
  CHECK(a5, 0)

  // ---- AMO .w ----------------------------------------------------------------------------
  TEST_AMO_W(11, amoswap.w, 0x80000000, 0x12345678, 0xffffffff80000000, 0x12345678)
  TEST_AMO_W(12, amoadd.w,  0x7fffffff, 1,          0x000000007fffffff, 0x80000000)
  TEST_AMO_W(13, amoadd.w,  0xffffffff, 0xffffffff00000002, 0xffffffffffffffff, 0x00000001)
  TEST_AMO_W(14, amoxor.w,  0xf0f0f0f0, 0xff00ff00, 0xfffffffff0f0f0f0, 0x0ff00ff0)
  TEST_AMO_W(15, amoand.w,  0xf0f0f0f0, 0x0ff00ff0, 0xfffffffff0f0f0f0, 0x00f000f0)
  TEST_AMO_W(16, amoor.w,   0x80000000, 1,          0xffffffff80000000, 0x80000001)
  TEST_AMO_W(17, amomin.w,  1, 0x0000000080000000,  1,                  0x80000000)  // low word is negative
  TEST_AMO_W(18, amomin.w,  0x80000000, 1,          0xffffffff80000000, 0x80000000)
  TEST_AMO_W(19, amomax.w,  0xffffffff, 0x7fffffff, 0xffffffffffffffff, 0x7fffffff)
  TEST_AMO_W(20, amomax.w,  1, 0xffffffff80000000,  1,                  0x00000001)
  TEST_AMO_W(21, amominu.w, 0xffffffff, 0x100000001, 0xffffffffffffffff, 0x00000001) // low word 1
  TEST_AMO_W(22, amominu.w, 1, 0xffffffff,          1,                  0x00000001)
  TEST_AMO_W(23, amomaxu.w, 1, 0x80000000,          1,                  0x80000000)
  TEST_AMO_W(24, amomaxu.w, 0x80000000, 0x100000000, 0xffffffff80000000, 0x80000000) // low word 0
  TEST_AMO_W(25, amoadd.w.aqrl, 5, 6,               5,                  11)
  // rd = x0: memory still updated
  CASE(26)
  la a0, amo_w
  li a1, 40
  sw a1, 0(a0)
  li a3, 2
  amoadd.w x0, a3, (a0)
  lw a5, 0(a0)
  CHECK(a5, 42)
  CHECK(x0, 0)
  // rd == rs2
  CASE(27)
  li a3, 8
  amoswap.w a3, a3, (a0)
  CHECK(a3, 42)
  lw a5, 0(a0)
  CHECK(a5, 8)

  // ---- AMO .d ----------------------------------------------------------------------------
  TEST_AMO_D(28, amoswap.d, 0x8000000000000000, 1, 0x8000000000000000, 1)
  TEST_AMO_D(29, amoadd.d,  0xffffffffffffffff, 2, 0xffffffffffffffff, 1)
  TEST_AMO_D(30, amoadd.d,  0x00000000ffffffff, 1, 0x00000000ffffffff, 0x0000000100000000)
  TEST_AMO_D(31, amoxor.d,  0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0, 0xff00ff00ff00ff00, 0xf0f0f0f0f0f0f0f0)
  TEST_AMO_D(32, amoand.d,  0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0, 0xff00ff00ff00ff00, 0x0f000f000f000f00)
  TEST_AMO_D(33, amoor.d,   0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0, 0xff00ff00ff00ff00, 0xfff0fff0fff0fff0)
  TEST_AMO_D(34, amomin.d,  1, -1, 1, -1)
  TEST_AMO_D(35, amomin.d,  0x80000000, 0x7fffffff, 0x80000000, 0x7fffffff)      // 64-bit compare
  TEST_AMO_D(36, amomax.d,  -5, -7, -5, -5)
  TEST_AMO_D(37, amomax.d,  0x8000000000000000, 0, 0x8000000000000000, 0)
  TEST_AMO_D(38, amominu.d, 1, -1, 1, 1)
  TEST_AMO_D(39, amominu.d, 0x8000000000000000, 0x7fffffffffffffff, 0x8000000000000000, 0x7fffffffffffffff)
  TEST_AMO_D(40, amomaxu.d, 1, -1, 1, -1)
  TEST_AMO_D(41, amomaxu.d, 0xffffffff, 0x100000000, 0xffffffff, 0x100000000)
  TEST_AMO_D(42, amoor.d.aq, 1, 2, 1, 3)
  TEST_AMO_D(43, amoand.d.rl, 7, 5, 7, 5)

TEST_END

  .data
  .balign 64
lr_w:   .dword 0
lr_d:   .dword 0
counter: .dword 0
  .balign 8
        .word 0
amo_w:  .word 0
        .word 0
  .balign 8
amo_d:  .dword 0
  .balign 4096
lr_far: .dword 0
