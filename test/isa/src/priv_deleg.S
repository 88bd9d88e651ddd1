// Trap delegation with medeleg and mideleg: delegated exceptions from U and S go to the S-mode
// handler with scause/sepc/stval/SPP, undelegated ones still go to M, traps taken in M are never
// delegated, and delegated supervisor software interrupts are taken in S (and only when enabled
// there: masked in M, gated by SIE in S, always enabled in U), while an undelegated one pending
// in S traps to M even with mstatus.MIE = 0. sip/sie show only delegated interrupts.

#include "test.h"

// From S: back to M with an (undelegated) ecall
#define S_TO_M(label) BACK_TO_M(CAUSE_ECALL_S, label)

TEST_BEGIN

  // stvec = __trap_s from TEST_BEGIN
  // ---- exceptions --------------------------------------------------------------------------------
  // U ecall delegated: scause 8, sepc, stval 0, SPP = U
  CASE(2)
  li t0, (1 << CAUSE_ECALL_U) | (1 << CAUSE_ILLEGAL) | (1 << CAUSE_BREAKPOINT)
  csrw medeleg, t0
  csrr a0, medeleg
  and a0, a0, t0
  CHECK_REG(a0, t0)
  EXPECT_TRAP(CAUSE_ECALL_U, 1f)
  GOTO_PRIV(PRV_U, 2f)
2: ecall
  j __fail
1: CHECK_EPC(2b)                                                         // now in S
  CHECK_TVAL(0)
  CHECK_FROM(PRV_U)
  csrr a0, scause
  CHECK(a0, CAUSE_ECALL_U)
  S_TO_M(3f)
3: CHECK_FROM(PRV_S)
  csrr a0, mcause
  CHECK(a0, CAUSE_ECALL_S)                                              // mcause untouched by the S trap
  // delegated illegal instruction from U: stval = the instruction
  CASE(3)
  EXPECT_TRAP(CAUSE_ILLEGAL, 1f)
  GOTO_PRIV(PRV_U, 2f)
2: .word 0xffffffff
  j __fail
1: CHECK_EPC(2b)
  CHECK_TVAL(0xffffffff)
  CHECK_FROM(PRV_U)
  S_TO_M(3f)
3:
  // delegated breakpoint taken from S itself: SPP = S
  CASE(4)
  EXPECT_TRAP(CAUSE_BREAKPOINT, 1f)
  GOTO_PRIV(PRV_S, 2f)
2: ebreak
  j __fail
1: CHECK_EPC(2b)
  CHECK_FROM(PRV_S)                                                     // SPP was S
  S_TO_M(3f)
3:
  // a trap taken in M is not delegated, whatever medeleg says
  TEST_TRAP(5, CAUSE_ILLEGAL, 1b, 1: .word 0xffffffff)
  CHECK_FROM(PRV_M)
  csrr a0, mcause
  CHECK(a0, CAUSE_ILLEGAL)
  TEST_TRAP(6, CAUSE_BREAKPOINT, 1b, 1: ebreak)
  // an undelegated cause from S goes to M
  CASE(7)
  li t0, 1 << CAUSE_ECALL_U
  csrw medeleg, t0
  EXPECT_TRAP(CAUSE_ILLEGAL, 1f)
  GOTO_PRIV(PRV_S, 2f)
2: .word 0xffffffff
  j __fail
1: CHECK_FROM(PRV_S)
  CHECK_EPC(2b)
  csrr a0, mcause
  CHECK(a0, CAUSE_ILLEGAL)
  // with medeleg = 0 a U ecall goes to M
  CASE(8)
  csrw medeleg, zero
  EXPECT_TRAP(CAUSE_ECALL_U, 1f)
  GOTO_PRIV(PRV_U, 2f)
2: ecall
1: CHECK_FROM(PRV_U)
  csrr a0, mcause
  CHECK(a0, CAUSE_ECALL_U)

  // ---- interrupts --------------------------------------------------------------------------------
  // sip/sie only show delegated interrupts
  CASE(9)
  csrw mideleg, zero
  csrwi mie, 0
  csrs sie, MIP_SSIP
  csrr a0, sie
  CHECK(a0, 0)
  csrs sip, MIP_SSIP
  csrr a0, sip
  CHECK(a0, 0)
  csrr a0, mip
  andi a0, a0, MIP_SSIP
  CHECK(a0, 0)
  CASE(10)
  li t0, MIP_SSIP
  csrw mideleg, t0
  csrr a0, mideleg
  andi a0, a0, MIP_SSIP
  CHECK(a0, MIP_SSIP)
  csrs sie, MIP_SSIP
  csrr a0, sie
  CHECK(a0, MIP_SSIP)
  csrr a0, mie
  andi a0, a0, MIP_SSIP
  CHECK(a0, MIP_SSIP)                                                   // sie is a view of mie
  csrwi sie, 0
  csrr a0, mie
  andi a0, a0, MIP_SSIP
  CHECK(a0, 0)
  // a delegated interrupt is not taken in M, even with MIE = 1
  CASE(11)
  li t0, MIP_SSIP
  csrw mideleg, t0
  csrs mie, t0
  csrs mip, t0                                                          // SSIP pending
  csrsi mstatus, MSTATUS_MIE | MSTATUS_SIE
  nop
  nop
  csrci mstatus, MSTATUS_MIE | MSTATUS_SIE
  csrr a0, sip
  CHECK(a0, MIP_SSIP)                                                   // still pending
  // ... it is taken as soon as S runs with SIE = 1
  CASE(12)
  li t0, MSTATUS_SPIE
  csrs mstatus, t0
  EXPECT_TRAP(CAUSE_INTR | IRQ_S_SOFT, 1f)
  GOTO_PRIV(PRV_S, 2f)
2: csrsi sstatus, MSTATUS_SIE
3: nop
  j __fail
1: CHECK_FROM(PRV_S)
  csrr a0, sepc
  la t0, 3b
  bltu a0, t0, __fail                                                   // after SIE was set
  csrr a0, scause
  CHECK(a0, CAUSE_INTR | IRQ_S_SOFT)
  csrc sip, MIP_SSIP                                                    // S clears its own SSIP
  csrr a0, sip
  CHECK(a0, 0)
  S_TO_M(4f)
4:
  // in S with SIE = 0 it waits; in U it is taken regardless of SIE
  CASE(13)
  li t0, MIP_SSIP
  csrs mip, t0
  EXPECT_TRAP(CAUSE_INTR | IRQ_S_SOFT, 1f)
  GOTO_PRIV(PRV_S, 2f)
2: csrci sstatus, MSTATUS_SIE
  nop
  nop
  csrr a1, sip                                                          // pending, not taken
  S_GOTO_U(3f)
3: nop
  j __fail
1: CHECK(a1, MIP_SSIP)
  CHECK_FROM(PRV_U)
  csrc sip, MIP_SSIP
  S_TO_M(4f)
4:
  // an undelegated SSIP pending while in S traps to M although mstatus.MIE = 0
  CASE(14)
  csrw mideleg, zero
  li t0, MIP_SSIP
  csrs mie, t0
  csrs mip, t0
  csrci mstatus, MSTATUS_MIE
  EXPECT_TRAP(CAUSE_INTR | IRQ_S_SOFT, 1f)
  GOTO_PRIV(PRV_S, 2f)
2: nop
  j __fail
1: CHECK_FROM(PRV_S)
  csrr a0, mcause
  CHECK(a0, CAUSE_INTR | IRQ_S_SOFT)
  li t0, MIP_SSIP
  csrc mip, t0
  csrc mie, t0

TEST_END
