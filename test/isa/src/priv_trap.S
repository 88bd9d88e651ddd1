// Machine-mode traps and returns: misa (MXL = 2 and the I, M, A, F, D, C, S, U bits), the ID
// CSRs, mcause/mepc/mtval for ecall from U/S/M, ebreak and illegal instructions (mtval = the
// instruction bits), access faults, privileged instructions in lower modes, the mstatus
// updates of trap entry, MRET and SRET (including SRET executed in M-mode), and mepc/mtval
// writes. With STRICT=1 it also requires an xRET to a mode below M to clear mstatus.MPRV
// (priv spec 1.12) and mepc/sepc bit 0 to read as zero; QEMU 7.2 does neither.

#include "test.h"

#define BAD_ADDR 0x8000000080000000                                      // beyond any physical address

TEST_BEGIN

  // ---- misa, ID CSRs ---------------------------------------------------------------------------
  CASE(2)
  csrr a0, misa
  srli a1, a0, 62
  CHECK(a1, 2)                                                          // MXL = 64
  li a2, (1 << 0) | (1 << 2) | (1 << 3) | (1 << 5) | (1 << 8) | (1 << 12) | (1 << 18) | (1 << 20)
  and a1, a0, a2
  CHECK_REG(a1, a2)                                                     // A C D F I M S U
  li a2, (1 << 4) | (1 << 6) | (1 << 16)                                // no E, G, Q
  and a1, a0, a2
  CHECK(a1, 0)
  slli a1, a0, 2
  srli a1, a1, 28                                                       // bits 61:26 are zero
  CHECK(a1, 0)
  CASE(3)
  csrr a0, mhartid
  CHECK(a0, 0)
  csrr a0, mvendorid
  csrr a0, marchid
  csrr a0, mimpid

  // ---- ecall from M, S, U ----------------------------------------------------------------------
  TEST_TRAP(4, CAUSE_ECALL_M, 1b, 1: ecall)
  CHECK_TVAL(0)
  CHECK_FROM(PRV_M)
  CASE(5)
  EXPECT_TRAP(CAUSE_ECALL_S, 1f)
  GOTO_PRIV(PRV_S, 2f)
2: ecall
  j __fail
1: CHECK_EPC(2b)
  CHECK_TVAL(0)
  CHECK_FROM(PRV_S)
  CASE(6)
  EXPECT_TRAP(CAUSE_ECALL_U, 1f)
  GOTO_PRIV(PRV_U, 2f)
2: ecall
  j __fail
1: CHECK_EPC(2b)
  CHECK_TVAL(0)
  CHECK_FROM(PRV_U)

  // ---- ebreak ------------------------------------------------------------------------------------
  TEST_TRAP(7, CAUSE_BREAKPOINT, 1b, 1: ebreak)
  beqz s9, 3f                                                           // mtval: 0 or the pc
  CHECK_TVAL_LABEL(1b)
3:
  CASE(8)
  EXPECT_TRAP(CAUSE_BREAKPOINT, 1f)
  GOTO_PRIV(PRV_U, 2f)
2: ebreak
  j __fail
1: CHECK_EPC(2b)
  CHECK_FROM(PRV_U)

  // ---- illegal instructions: mtval holds the instruction -----------------------------------------------
  TEST_TRAP(9, CAUSE_ILLEGAL, 1b, 1: .word 0xffffffff)
  CHECK_TVAL(0xffffffff)
  TEST_TRAP(10, CAUSE_ILLEGAL, 1b, 1: .word 0x0000000b)                  // custom-0: not implemented
  CHECK_TVAL(0x0000000b)
  // privileged instructions in lower modes
  CASE(11)
  EXPECT_TRAP(CAUSE_ILLEGAL, 1f)
  GOTO_PRIV(PRV_S, 2f)
2: mret
  j __fail
1: CHECK_EPC(2b)
  CHECK_FROM(PRV_S)
  CHECK_TVAL(0x30200073)                                                // mret
  CASE(12)
  EXPECT_TRAP(CAUSE_ILLEGAL, 1f)
  GOTO_PRIV(PRV_U, 2f)
2: sret
  j __fail
1: CHECK_EPC(2b)
  CHECK_TVAL(0x10200073)                                                // sret
  CASE(13)
  EXPECT_TRAP(CAUSE_ILLEGAL, 1f)
  GOTO_PRIV(PRV_U, 2f)
2: sfence.vma
  j __fail
1: CHECK_EPC(2b)
  CHECK_TVAL(0x12000073)
  CASE(14)
  EXPECT_TRAP(CAUSE_ILLEGAL, 1f)
  GOTO_PRIV(PRV_U, 2f)
2: csrr a0, satp
  j __fail
1: CHECK_FROM(PRV_U)

  // ---- access faults: mtval = the address ----------------------------------------------------------
  CASE(15)
  li a1, BAD_ADDR
  EXPECT_TRAP(CAUSE_LOAD_ACCESS, 1f)
2: ld a0, 8(a1)
  j __fail
1: CHECK_EPC(2b)
  CHECK_TVAL(BAD_ADDR + 8)
  CASE(16)
  EXPECT_TRAP(CAUSE_STORE_ACCESS, 1f)
2: sw a0, 4(a1)
  j __fail
1: CHECK_EPC(2b)
  CHECK_TVAL(BAD_ADDR + 4)
  CASE(17)
  li a0, 0
  EXPECT_TRAP(CAUSE_FETCH_ACCESS, 1f)
2: jalr a0, 0(a1)                                                       // the jump completes
  j __fail
1: CHECK_TVAL(BAD_ADDR)
  li t0, BAD_ADDR
  CHECK_REG(s8, t0)                                                     // mepc = target
  la t0, 2b
  addi t0, t0, 4
  CHECK_REG(a0, t0)                                                     // rd was written

  // ---- trap entry updates mstatus ---------------------------------------------------------------------
  CASE(18)
  la t0, m_snoop
  csrw mtvec, t0
  csrsi mstatus, MSTATUS_MIE                                            // mie = 0: nothing fires
  ecall
  la t0, __trap_m
  csrw mtvec, t0
  li t0, MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP
  and a0, a7, t0
  CHECK(a0, MSTATUS_MPIE | MSTATUS_MPP)                                 // MIE -> MPIE, MIE = 0, MPP = M
  csrr a0, mstatus
  andi a0, a0, MSTATUS_MIE
  CHECK(a0, MSTATUS_MIE)                                                // m_snoop's mret restored it
  csrci mstatus, MSTATUS_MIE

  // ---- mret ---------------------------------------------------------------------------------------------
  // MIE <- MPIE, MPIE <- 1, MPP <- U (the least-privileged mode)
  CASE(19)
  li t0, MSTATUS_MPP | MSTATUS_MPIE
  csrs mstatus, t0
  csrci mstatus, MSTATUS_MIE
  la t0, 1f
  csrw mepc, t0
  mret
  j __fail
1: csrr a0, mstatus
  li t0, MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP
  and a0, a0, t0
  CHECK(a0, MSTATUS_MIE | MSTATUS_MPIE)
  csrci mstatus, MSTATUS_MIE
  CASE(20)
  li t0, MSTATUS_MPP
  csrs mstatus, t0
  li t0, MSTATUS_MPIE
  csrc mstatus, t0
  la t0, 1f
  csrw mepc, t0
  mret
1: csrr a0, mstatus
  li t0, MSTATUS_MIE | MSTATUS_MPIE
  and a0, a0, t0
  CHECK(a0, MSTATUS_MPIE)                                               // MIE = old MPIE = 0
  // mret to a lower mode clears MPRV (priv spec 1.12; QEMU 7.2's spike CPU does not: STRICT only)
  CASE(21)
  li t0, MSTATUS_MPRV
  csrs mstatus, t0
  EXPECT_TRAP(CAUSE_ECALL_S, 1f)
  GOTO_PRIV(PRV_S, 2f)
2: ecall
1: csrr a0, mstatus
  li t0, MSTATUS_MPRV
  and a0, a0, t0
#ifdef STRICT
  CHECK(a0, 0)
#endif
  csrc mstatus, t0

  // ---- sret -----------------------------------------------------------------------------------------------
  // in S: SIE <- SPIE, SPIE <- 1, SPP <- U, privilege <- old SPP
  CASE(22)
  li t0, MSTATUS_SPP | MSTATUS_SPIE
  csrs mstatus, t0
  csrci mstatus, MSTATUS_SIE
  la t0, 3f
  csrw sepc, t0
  EXPECT_TRAP(CAUSE_ECALL_S, 1f)
  GOTO_PRIV(PRV_S, 2f)
2: sret                                                                 // SPP = S: stays in S
  j __fail
3: csrr a0, sstatus
  ecall
1: CHECK_FROM(PRV_S)
  li t0, MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP
  and a0, a0, t0
  CHECK(a0, MSTATUS_SIE | MSTATUS_SPIE)
  csrci mstatus, MSTATUS_SIE
  CASE(23)
  li t0, MSTATUS_SPP
  csrc mstatus, t0                                                      // SPP = U
  li t0, MSTATUS_SPIE
  csrc mstatus, t0
  la t0, 3f
  csrw sepc, t0
  EXPECT_TRAP(CAUSE_ECALL_U, 1f)
  GOTO_PRIV(PRV_S, 2f)
2: sret                                                                 // S -> U
  j __fail
3: ecall
1: CHECK_FROM(PRV_U)
  csrr a0, mstatus
  li t0, MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP
  and a0, a0, t0
  CHECK(a0, MSTATUS_SPIE)
  // sret executed in M-mode (TSR = 0) returns to the privilege in SPP
  CASE(24)
  li t0, MSTATUS_SPP | MSTATUS_SPIE
  csrs mstatus, t0
  la t0, 2f
  csrw sepc, t0
  EXPECT_TRAP(CAUSE_ECALL_S, 1f)
  sret
  j __fail
2: csrr a0, sstatus                                                      // now in S
  ecall
1: CHECK_FROM(PRV_S)
  CHECK_EPC(2b + 4)
  andi a0, a0, MSTATUS_SIE | MSTATUS_SPIE
  CHECK(a0, MSTATUS_SIE | MSTATUS_SPIE)
  csrci mstatus, MSTATUS_SIE
  CASE(25)
  li t0, MSTATUS_SPP
  csrc mstatus, t0
  li t0, MSTATUS_MPRV
  csrs mstatus, t0
  la t0, 2f
  csrw sepc, t0
  EXPECT_TRAP(CAUSE_ECALL_U, 1f)
  sret                                                                  // M -> U
  j __fail
2: ecall
1: CHECK_FROM(PRV_U)
  CHECK_EPC(2b)
  csrr a0, mstatus
  li t0, MSTATUS_MPRV
  and a0, a0, t0
#ifdef STRICT
  CHECK(a0, 0)                                                          // sret to U cleared MPRV
#endif
  csrc mstatus, t0

  // ---- epc registers ------------------------------------------------------------------------------------------
  // mepc/sepc[0] are always zero (IALIGN = 16). QEMU 7.2 keeps the bit: STRICT only.
  CASE(26)
  li a0, 0x80001235
  csrw mepc, a0
  csrr a1, mepc
#ifdef STRICT
  CHECK(a1, 0x80001234)
#endif
  csrw sepc, a0
  csrr a1, sepc
#ifdef STRICT
  CHECK(a1, 0x80001234)
#endif
  li a0, 0x1234567
  csrw mtval, a0
  csrr a1, mtval
  CHECK(a1, 0x1234567)

TEST_END

  .text
  .balign 4
// A raw M-mode handler: records mstatus at trap entry in a7 and returns past the ecall.
m_snoop:
  csrr a7, mstatus
  csrr t0, mepc
  addi t0, t0, 4
  csrw mepc, t0
  mret
