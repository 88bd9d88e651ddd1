// Interrupts through the CLINT (msip at +0, mtimecmp at +0x4000, mtime at +0xbff8): machine
// software and timer interrupts with direct and vectored mtvec (exceptions still go to the base),
// delegated supervisor software/timer interrupts with direct and vectored stvec, priority of
// MSI over MTI, masking by mie and mstatus.MIE, read-only MSIP/MTIP in mip, and WFI: it
// completes when an enabled interrupt is already pending even with mstatus.MIE = 0, and it is
// woken by a timer interrupt that becomes pending later.

#include "test.h"

#define SET_MSIP  li t0, CLINT_MSIP; li t1, 1; sw t1, 0(t0)
#define CLR_MSIP  li t0, CLINT_MSIP; sw zero, 0(t0)
// mtimecmp = mtime + delta
#define TIMER_IN(delta) li t0, CLINT_MTIME; ld t1, 0(t0); addi t1, t1, delta; li t0, CLINT_MTIMECMP; sd t1, 0(t0)
#define TIMER_OFF li t0, CLINT_MTIMECMP; li t1, -1; sd t1, 0(t0)

TEST_BEGIN

  // ---- CLINT and mip ---------------------------------------------------------------------------
  CASE(2)
  csrr a0, mip
  andi a0, a0, MIP_MSIP | MIP_MTIP
  CHECK(a0, 0)                                                          // nothing pending at start
  SET_MSIP
  li t0, CLINT_MSIP
  lw a1, 0(t0)
  CHECK(a1, 1)
  csrr a0, mip
  andi a0, a0, MIP_MSIP
  CHECK(a0, MIP_MSIP)
  CLR_MSIP
  csrr a0, mip
  andi a0, a0, MIP_MSIP
  CHECK(a0, 0)
  CASE(3)
  csrsi mip, MIP_MSIP                                                   // MSIP is read-only in mip
  csrr a0, mip
  andi a0, a0, MIP_MSIP
  CHECK(a0, 0)
  CASE(4)                                                               // mtime advances
  li t0, CLINT_MTIME
  ld a0, 0(t0)
  li a2, 10000000                                                       // (no assumption on the rate)
1: ld a1, 0(t0)
  bne a1, a0, 2f
  addi a2, a2, -1
  bnez a2, 1b
  j __fail
2: bltu a1, a0, __fail                                                   // and does not go back
  CASE(5)
  TIMER_IN(0)                                                           // already due
  csrr a0, mip
  andi a0, a0, MIP_MTIP
  CHECK(a0, MIP_MTIP)
  TIMER_OFF
  csrr a0, mip
  andi a0, a0, MIP_MTIP
  CHECK(a0, 0)

  // ---- direct mtvec --------------------------------------------------------------------------
  // pending and enabled in mie, but mstatus.MIE = 0: not taken
  CASE(6)
  li t0, MIP_MSIP
  csrs mie, t0
  SET_MSIP
  nop
  nop
  // enabling MIE takes it; mepc is the next instruction
  CASE(7)
  EXPECT_TRAP(CAUSE_INTR | IRQ_M_SOFT, 1f)
  csrsi mstatus, MSTATUS_MIE
2: nop
  j __fail
1: CHECK_EPC(2b)
  CHECK_TVAL(0)
  CLR_MSIP
  // masked by mie
  CASE(8)
  li t0, MIP_MSIP
  csrc mie, t0
  SET_MSIP
  csrsi mstatus, MSTATUS_MIE
  nop
  nop
  csrci mstatus, MSTATUS_MIE
  CLR_MSIP
  // machine timer interrupt
  CASE(9)
  li t0, MIP_MTIP
  csrw mie, t0
  EXPECT_TRAP(CAUSE_INTR | IRQ_M_TIMER, 1f)
  TIMER_IN(100)
  csrsi mstatus, MSTATUS_MIE
2: j 2b
1: TIMER_OFF
  csrr a0, mip
  andi a0, a0, MIP_MTIP
  CHECK(a0, 0)
  // MSI has priority over MTI
  CASE(10)
  li t0, MIP_MTIP | MIP_MSIP
  csrw mie, t0
  TIMER_IN(0)
  SET_MSIP
  EXPECT_TRAP(CAUSE_INTR | IRQ_M_SOFT, 1f)
  csrsi mstatus, MSTATUS_MIE
  j __fail
1: CLR_MSIP
  EXPECT_TRAP(CAUSE_INTR | IRQ_M_TIMER, 1f)
  csrsi mstatus, MSTATUS_MIE
  j __fail
1: TIMER_OFF
  csrwi mie, 0

  // ---- vectored mtvec ------------------------------------------------------------------------
  CASE(11)
  la t0, m_vectors
  ori t0, t0, 1
  csrw mtvec, t0
  csrr a0, mtvec
  CHECK_REG(a0, t0)
  li a7, -1
  li t0, MIP_MSIP
  csrw mie, t0
  SET_MSIP
  EXPECT_TRAP(CAUSE_INTR | IRQ_M_SOFT, 1f)
  csrsi mstatus, MSTATUS_MIE
  j __fail
1: CHECK(a7, 3)                                                         // entered at base + 4*3
  CLR_MSIP
  CASE(12)
  li a7, -1
  li t0, MIP_MTIP
  csrw mie, t0
  EXPECT_TRAP(CAUSE_INTR | IRQ_M_TIMER, 1f)
  TIMER_IN(0)
  csrsi mstatus, MSTATUS_MIE
  j __fail
1: CHECK(a7, 7)                                                         // base + 4*7
  TIMER_OFF
  csrwi mie, 0
  // exceptions go to the base
  CASE(13)
  li a7, -1
  EXPECT_TRAP(CAUSE_ECALL_M, 1f)
  ecall
1: CHECK(a7, 0)
  la t0, __trap_m
  csrw mtvec, t0

  // ---- WFI --------------------------------------------------------------------------------------
  // an enabled interrupt is pending: wfi completes even though MIE = 0, and nothing is taken
  CASE(14)
  csrci mstatus, MSTATUS_MIE
  li t0, MIP_MSIP
  csrw mie, t0
  SET_MSIP
  wfi
  csrr a0, mip
  andi a0, a0, MIP_MSIP
  CHECK(a0, MIP_MSIP)
  CLR_MSIP
  // woken by a timer that fires later (MIE = 0: execution continues after the wfi)
  CASE(15)
  li t0, MIP_MTIP
  csrw mie, t0
  TIMER_IN(2000)
  wfi
1: csrr a0, mip
  andi a0, a0, MIP_MTIP
  beqz a0, 1b                                                           // (wfi may wake early)
  TIMER_OFF
  // with MIE = 1 the interrupt is taken right after the wfi
  CASE(16)
  EXPECT_TRAP(CAUSE_INTR | IRQ_M_TIMER, 1f)
  TIMER_IN(500)
  csrsi mstatus, MSTATUS_MIE
2: wfi
  j 2b
1: TIMER_OFF
  csrwi mie, 0

  // ---- supervisor interrupts, direct and vectored stvec -------------------------------------------
  // delegated SSIP: taken by __trap_s through a direct stvec
  CASE(17)
  li t0, MIP_SSIP | MIP_STIP
  csrw mideleg, t0
  csrw mie, t0
  csrs mip, MIP_SSIP
  EXPECT_TRAP(CAUSE_INTR | IRQ_S_SOFT, 1f)
  GOTO_PRIV(PRV_S, 2f)
2: csrsi sstatus, MSTATUS_SIE
  j __fail
1: CHECK_FROM(PRV_S)
  csrc sip, MIP_SSIP
  BACK_TO_M(CAUSE_ECALL_S, 3f)
3:
  // vectored stvec: SSIP -> base + 4, STIP -> base + 20
  CASE(18)
  la t0, s_vectors
  ori t0, t0, 1
  csrw stvec, t0
  csrr a0, stvec
  CHECK_REG(a0, t0)
  li a7, -1
  csrs mip, MIP_SSIP
  EXPECT_TRAP(CAUSE_INTR | IRQ_S_SOFT, 1f)
  GOTO_PRIV(PRV_S, 2f)
2: csrsi sstatus, MSTATUS_SIE
  j __fail
1: CHECK(a7, 1)
  csrc sip, MIP_SSIP
  BACK_TO_M(CAUSE_ECALL_S, 3f)
3:
  CASE(19)
  li a7, -1
  li t0, MIP_STIP
  csrs mip, t0                                                          // M raises STIP
  csrr a0, sip
  andi a0, a0, MIP_STIP
  CHECK(a0, MIP_STIP)
  EXPECT_TRAP(CAUSE_INTR | IRQ_S_TIMER, 1f)
  GOTO_PRIV(PRV_S, 2f)
2: csrsi sstatus, MSTATUS_SIE
  j __fail
1: CHECK(a7, 5)
  CHECK_FROM(PRV_S)
  BACK_TO_M(CAUSE_ECALL_S, 3f)                                          // (ecall from S goes to M)
3: li t0, MIP_STIP
  csrc mip, t0                                                          // only M clears STIP
  csrr a0, mip
  andi a0, a0, MIP_STIP
  CHECK(a0, 0)
  // exceptions delegated to a vectored stvec use the base
  CASE(20)
  li a7, -1
  li t0, 1 << CAUSE_ECALL_U
  csrw medeleg, t0
  EXPECT_TRAP(CAUSE_ECALL_U, 1f)
  GOTO_PRIV(PRV_U, 2f)
2: ecall
  j __fail
1: CHECK(a7, 0)
  BACK_TO_M(CAUSE_ECALL_S, 3f)
3: csrw medeleg, zero
  csrw mideleg, zero
  csrwi mie, 0
  la t0, __trap_s
  csrw stvec, t0

TEST_END

  .text
  // Vector tables: entry k jumps to a stub that sets a7 = k and enters the common handler.
  .balign 256
m_vectors:
  j mv0
  j mvx
  j mvx
  j mv3
  j mvx
  j mvx
  j mvx
  j mv7
  j mvx
  j mvx
  j mvx
  j mvx
mv0: li a7, 0
  j __trap_m
mv3: li a7, 3
  j __trap_m
mv7: li a7, 7
  j __trap_m
mvx: li a7, 99
  j __trap_m

  .balign 256
s_vectors:
  j sv0
  j sv1
  j svx
  j svx
  j svx
  j sv5
  j svx
  j svx
  j svx
  j svx
sv0: li a7, 0
  j __trap_s
sv1: li a7, 1
  j __trap_s
sv5: li a7, 5
  j __trap_s
svx: li a7, 99
  j __trap_s
