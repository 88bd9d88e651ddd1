// RV64C: every compressed instruction of RV64GC (quadrants 0, 1 and 2, including the FP
// loads/stores), 32-bit instructions at 2-byte-aligned addresses (one straddling a page
// boundary), jumps to 2-byte-aligned targets, the link value of c.jalr (pc + 2), c.ebreak
// (epc is the c.ebreak itself), and the all-zero 16-bit word, which is an illegal instruction
// (mtval = 0). Built for rv64gc.
// Note for TEST_TRAP users: the `at` label is checked after the code ran, so it is `1b`.

#include "test.h"

TEST_BEGIN
  .option rvc

  // FP on for c.fld & co.
  li t0, MSTATUS_FS_INITIAL
  csrs mstatus, t0

  // ---- quadrant 0 ------------------------------------------------------------------------
  CASE(2)
  la sp, c_data
  c.addi4spn a0, sp, 1020
  sub a0, a0, sp
  CHECK(a0, 1020)
  CASE(3)
  c.addi4spn s1, sp, 4
  sub s1, s1, sp
  CHECK(s1, 4)
  CASE(4)
  la s0, c_data
  c.lw a1, 4(s0)                                                        // 0x89abcdef, sign-extended
  CHECK(a1, 0xffffffff89abcdef)
  CASE(5)
  c.ld a2, 8(s0)
  CHECK(a2, 0x1122334455667788)
  CASE(6)
  li a3, 0x0badcafe
  c.sw a3, 124(s0)
  lwu a4, 124(s0)
  CHECK(a4, 0x0badcafe)
  CASE(7)
  li a3, 0x0123456789abcdef
  c.sd a3, 248(s0)
  ld a4, 248(s0)
  CHECK(a4, 0x0123456789abcdef)
  CASE(8)
  c.fld fa0, 16(s0)                                                     // 1.5
  fmv.x.d a4, fa0
  CHECK(a4, 0x3ff8000000000000)
  c.fsd fa0, 240(s0)
  ld a4, 240(s0)
  CHECK(a4, 0x3ff8000000000000)

  // ---- quadrant 1 ------------------------------------------------------------------------
  CASE(9)
  li a0, 5
  c.nop
  c.addi a0, -32
  CHECK(a0, -27)
  c.addi a0, 31
  CHECK(a0, 4)
  CASE(10)
  li a0, 0x7fffffff
  c.addiw a0, 1                                                         // 32-bit add, sign-extended
  CHECK(a0, 0xffffffff80000000)
  li a0, 0x123456789
  c.addiw a0, 0                                                         // sext.w
  CHECK(a0, 0x0000000023456789)
  CASE(11)
  c.li a5, -32
  CHECK(a5, -32)
  c.li a5, 31
  CHECK(a5, 31)
  c.li t3, 0                                                            // any rd
  CHECK(t3, 0)
  CASE(12)
  la sp, c_data
  mv a0, sp
  c.addi16sp sp, 496
  sub a1, sp, a0
  CHECK(a1, 496)
  c.addi16sp sp, -512
  sub a1, sp, a0
  CHECK(a1, -16)
  CASE(13)
  c.lui a0, 1
  CHECK(a0, 0x1000)
  c.lui a0, 0x1f
  CHECK(a0, 0x1f000)
  c.lui a0, 0xfffe0                                                     // nzimm = -32: sign-extended
  CHECK(a0, 0xfffffffffffe0000)
  c.lui t4, 0xfffff
  CHECK(t4, 0xfffffffffffff000)
  CASE(14)
  li a0, -1
  c.srli a0, 60
  CHECK(a0, 0xf)
  li a0, 0x8000000000000000
  c.srli a0, 32
  CHECK(a0, 0x80000000)
  CASE(15)
  li a0, 0x8000000000000000
  c.srai a0, 63
  CHECK(a0, -1)
  li a0, 0x4000000000000000
  c.srai a0, 1
  CHECK(a0, 0x2000000000000000)
  CASE(16)
  li a0, -1
  c.andi a0, -32                                                        // imm sign-extended
  CHECK(a0, 0xffffffffffffffe0)
  c.andi a0, 31
  CHECK(a0, 0)
  CASE(17)
  li s1, 20
  li a0, 6
  c.sub s1, a0
  CHECK(s1, 14)
  li s1, 20
  c.xor s1, a0
  CHECK(s1, 18)
  li s1, 20
  c.or s1, a0
  CHECK(s1, 22)
  li s1, 20
  c.and s1, a0
  CHECK(s1, 4)
  CASE(18)
  li s1, 0x7fffffff
  li a0, -1
  c.subw s1, a0
  CHECK(s1, 0xffffffff80000000)
  li s1, 0x17fffffff
  li a0, 1
  c.addw s1, a0
  CHECK(s1, 0xffffffff80000000)
  // c.j forward and backward
  CASE(19)
  li a0, 0
  c.j 2f
1: addi a0, a0, 1
  c.j 3f
2: addi a0, a0, 10
  c.j 1b
3: CHECK(a0, 11)
  // c.beqz / c.bnez, taken and not taken
  CASE(20)
  li a0, 0
  c.bnez a0, 9f
  c.beqz a0, 1f
  j __fail
1: li a1, 3
  c.beqz a1, 9f
  c.bnez a1, 2f
9: j __fail
2: li s0, -1
  c.bnez s0, 3f                                                         // full 64-bit test
  j __fail
3:

  // ---- quadrant 2 ------------------------------------------------------------------------
  CASE(21)
  li a0, 1
  c.slli a0, 63
  CHECK(a0, 0x8000000000000000)
  li t5, 3
  c.slli t5, 4                                                          // any register
  CHECK(t5, 48)
  CASE(22)
  la sp, c_data
  c.lwsp a0, 4(sp)
  CHECK(a0, 0xffffffff89abcdef)
  c.ldsp a1, 8(sp)
  CHECK(a1, 0x1122334455667788)
  c.fldsp ft3, 16(sp)
  fmv.x.d a2, ft3
  CHECK(a2, 0x3ff8000000000000)
  CASE(23)
  li a0, 0x5a5a5a5a
  c.swsp a0, 252(sp)
  lwu a1, 252(sp)
  CHECK(a1, 0x5a5a5a5a)
  li a0, 0x0f0e0d0c0b0a0908
  c.sdsp a0, 504(sp)
  ld a1, 504(sp)
  CHECK(a1, 0x0f0e0d0c0b0a0908)
  c.fsdsp ft3, 496(sp)
  ld a1, 496(sp)
  CHECK(a1, 0x3ff8000000000000)
  CASE(24)
  li a0, 0x123
  c.mv t0, a0
  CHECK(t0, 0x123)
  c.add t0, a0
  CHECK(t0, 0x246)
  c.mv t2, t0
  c.add t2, t2
  CHECK(t2, 0x48c)
  // c.jr
  CASE(25)
  la t0, 1f
  li ra, 0
  c.jr t0
  j __fail
1: CHECK(ra, 0)
  // c.jalr links pc + 2
  CASE(26)
  la t0, 1f
2: c.jalr t0
  j __fail
1: la a0, 2b
  addi a0, a0, 2
  CHECK_REG(ra, a0)
  // c.ebreak: breakpoint, epc is the c.ebreak
  TEST_TRAP(27, CAUSE_BREAKPOINT, 1b, 1: c.ebreak)
  CHECK_FROM(PRV_M)

  // ---- mixed 16/32-bit streams -----------------------------------------------------------
  // A 32-bit instruction at an address that is 2 mod 4.
  CASE(28)
  .balign 4
  c.li a0, 1
  .option push
  .option norvc
  addi a0, a0, 0x100                                                    // 32-bit, at +2
  .option pop
  c.addi a0, 1
  CHECK(a0, 0x102)
  // jumping to a 2-byte-aligned target is fine with C
  CASE(29)
  la t0, 1f
  jalr ra, 0(t0)
  j __fail
  .balign 4
  c.nop
1: c.li a0, 7                                                           // 1f is 2 mod 4
  andi t0, t0, 3
  CHECK(t0, 2)
  CHECK(a0, 7)
  // A 32-bit instruction straddling a 4 KiB page boundary
  CASE(30)
  li a1, 665
  j 1f
  .balign 4096
  .skip 4094
  .option push
  .option norvc
1: addi a1, a1, 1                                                       // bytes 4094..4097
  .option pop
  CHECK(a1, 666)

  // ---- illegal -----------------------------------------------------------------------------
  // 0x0000 is defined to be an illegal instruction
  TEST_TRAP(31, CAUSE_ILLEGAL, 1b, 1: .half 0x0000)
  CHECK_TVAL(0)
  // a trap on a 16-bit instruction records that instruction's address as epc
  TEST_TRAP(32, CAUSE_ILLEGAL, 1b, c.nop; 1: .half 0x0000)

TEST_END

  .data
  .balign 4096
c_data:
  .word 0x01234567, 0x89abcdef
  .dword 0x1122334455667788
  .dword 0x3ff8000000000000
  .space 1024
