// mstatus trap-virtualisation bits and other machine state: TVM (sfence.vma and satp accesses
// in S trap), TW (wfi in S traps; M is unaffected), TSR (sret in S traps; M is unaffected),
// UXL/SXL reading 2 (64-bit), and pmpaddr/pmpcfg reading back what was written.

#include "test.h"

// Case n: in S-mode, `insn` (at label 2) must raise illegal instruction with mtval = its bits.
#define TEST_S_ILLEGAL(n, insn...)                                      \
        CASE(n); EXPECT_TRAP(CAUSE_ILLEGAL, 1f);                        \
        GOTO_PRIV(PRV_S, 2f);                                           \
2:      insn; j __fail;                                                 \
1:      CHECK_FROM(PRV_S); CHECK_EPC(2b);                               \
        la t0, 2b; lwu t0, 0(t0); CHECK_REG(s9, t0)

// Case n: in S-mode, `insn` must complete (then back to M by ecall).
#define TEST_S_OK(n, insn...)                                           \
        CASE(n); EXPECT_TRAP(CAUSE_ECALL_S, 1f);                        \
        GOTO_PRIV(PRV_S, 2f);                                           \
2:      insn; ecall; j __fail;                                          \
1:      CHECK_FROM(PRV_S)

TEST_BEGIN

  // ---- XLEN fields ------------------------------------------------------------------------------
  CASE(2)
  csrr a0, mstatus
  srli a1, a0, 32
  andi a1, a1, 0xf
  CHECK(a1, 0xa)                                                        // SXL = UXL = 2
  csrr a0, sstatus
  srli a1, a0, 32
  andi a1, a1, 3
  CHECK(a1, 2)                                                          // sstatus.UXL

  // ---- TVM ---------------------------------------------------------------------------------------
  TEST_S_OK(3, sfence.vma; csrr a0, satp; csrw satp, zero)
  CASE(4)
  li t0, MSTATUS_TVM
  csrs mstatus, t0
  csrr a0, mstatus
  and a0, a0, t0
  CHECK_REG(a0, t0)
  TEST_S_ILLEGAL(5, sfence.vma)
  TEST_S_ILLEGAL(6, sfence.vma a0, a1)
  TEST_S_ILLEGAL(7, csrr a0, satp)
  TEST_S_ILLEGAL(8, csrw satp, zero)
  TEST_S_ILLEGAL(9, csrrs a0, satp, zero)
  CASE(10)                                                              // M is unaffected
  sfence.vma
  csrr a0, satp
  csrw satp, zero
  li t0, MSTATUS_TVM
  csrc mstatus, t0

  // ---- TW ------------------------------------------------------------------------------------------
  // Keep an enabled, delegated SSIP pending with SIE = 0 so that a wfi that executes returns.
  CASE(11)
  li t0, MIP_SSIP
  csrw mideleg, t0
  csrw mie, t0
  csrs mip, t0
  csrci mstatus, MSTATUS_SIE
  TEST_S_OK(12, wfi)                                                    // TW = 0: wfi works in S
  CASE(13)
  li t0, MSTATUS_TW
  csrs mstatus, t0
  csrr a0, mstatus
  and a0, a0, t0
  CHECK_REG(a0, t0)
  TEST_S_ILLEGAL(14, wfi)
  CHECK_TVAL(0x10500073)
  CASE(15)                                                              // M is unaffected
  wfi
  li t0, MSTATUS_TW
  csrc mstatus, t0
  li t0, MIP_SSIP
  csrc mip, t0
  csrw mideleg, zero
  csrw mie, zero

  // ---- TSR -----------------------------------------------------------------------------------------
  // sret in S with TSR = 0 (returns to S at 3f)
  CASE(16)
  li t0, MSTATUS_SPP
  csrs mstatus, t0
  la t0, 3f
  csrw sepc, t0
  EXPECT_TRAP(CAUSE_ECALL_S, 1f)
  GOTO_PRIV(PRV_S, 2f)
2: sret
  j __fail
3: ecall
1: CHECK_FROM(PRV_S)
  CASE(17)
  li t0, MSTATUS_TSR
  csrs mstatus, t0
  csrr a0, mstatus
  and a0, a0, t0
  CHECK_REG(a0, t0)
  li t0, MSTATUS_SPP
  csrs mstatus, t0
  la t0, 3f
  csrw sepc, t0
  TEST_S_ILLEGAL(18, sret)
  CHECK_TVAL(0x10200073)
  CASE(19)                                                              // sret in M: unaffected
  li t0, MSTATUS_SPP
  csrs mstatus, t0
  la t0, 3f
  csrw sepc, t0
  EXPECT_TRAP(CAUSE_ECALL_S, 1f)
  sret
  j __fail
3: ecall
1: CHECK_FROM(PRV_S)
  li t0, MSTATUS_TSR
  csrc mstatus, t0
  // TSR does not affect mret's availability in M, nor ecall in S
  TEST_S_OK(20, nop)

  // ---- PMP address/config registers read back ------------------------------------------------------
  // (PMP entry 0 covers all memory for S/U; restore it afterwards)
  CASE(21)
  li a0, 0x0000123456789abc
  csrw pmpaddr0, a0
  csrr a1, pmpaddr0
  CHECK_REG(a1, a0)
  li a0, 0x00000000deadbee0
  csrw pmpaddr0, a0
  csrr a1, pmpaddr0
  CHECK_REG(a1, a0)
  li a0, 0x0000000020000fff
  csrw pmpaddr1, a0
  csrr a1, pmpaddr1
  CHECK_REG(a1, a0)
  CASE(22)
  li a0, 0x1f | (0x19 << 8)                                             // entry 0 NAPOT RWX, entry 1 NAPOT R
  csrw pmpcfg0, a0
  csrr a1, pmpcfg0
  li t0, 0xffff
  and a1, a1, t0
  CHECK_REG(a1, a0)
  csrw pmpcfg0, zero
  csrr a1, pmpcfg0
  and a1, a1, t0
  CHECK(a1, 0)
  CASE(23)
  li a0, -1
  csrw pmpaddr0, a0
  li a0, 0x1f
  csrw pmpcfg0, a0
  TEST_S_OK(24, la a0, pmp_word; ld a1, 0(a0))                         // S can reach memory again

TEST_END

  .data
  .balign 8
pmp_word: .dword 0x5555
