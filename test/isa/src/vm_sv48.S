// Sv48 address translation (four levels): satp mode 9, 4 KiB pages, 2 MiB, 1 GiB and 512 GiB
// superpages, a misaligned 512 GiB leaf, 48-bit canonical addresses (an address that Sv39 could
// not express works, a non-canonical one faults), faults at each level with mtval = the
// address, A/D set by hardware, U-mode access through a U page, and SFENCE.VMA.
//
// Address space (root l3):
//   l3[0] -> l2:  0x80000000 1 GiB identity (S code), 0x40000000 1 GiB U alias of 0x80000000,
//                 0x00000000 -> l1: 0x200000 2 MiB -> PA 0x80200000, 0..0x1fffff -> l0 4 KiB pages:
//                 0x1000 pg_a RW AD, 0x2000 pg_ad RW (A = D = 0), 0x3000 pg_u URW AD, 0x4000 invalid
//   l3[1]  512 GiB leaf at PA 0: VA 0x80_0000_0000 + pa -> pa
//   l3[2]  512 GiB leaf at PA 0x40000000 (misaligned)

#include "test.h"

#define ALIAS_OFFSET 0x40000000
#define PA_2M   0x80200000
#define VA_A    0x1000
#define VA_AD   0x2000
#define VA_U    0x3000
#define VA_INV  0x4000
#define VA_2M   0x200000
#define TERA    0x8000000000                                            // 2^39
#define VA_TERAX 0x10000000000                                          // l3[2]
#define VA_L3INV 0x00007f8000000000                                     // l3[255]: empty
#define VA_L2INV 0x00000000c0000000                                     // l2[3]: empty
#define VA_NONCANON 0x0000800000000000

#define SET_PTE(table, idx, target, flags)                              \
        la t0, target; srli t0, t0, 12; slli t0, t0, 10; ori t0, t0, flags; \
        la t1, table; li t2, (idx) * 8; add t1, t1, t2; sd t0, 0(t1)
#define SET_PTE_PA(table, idx, pa, flags)                               \
        li t0, pa; srli t0, t0, 12; slli t0, t0, 10; ori t0, t0, flags; \
        la t1, table; li t2, (idx) * 8; add t1, t1, t2; sd t0, 0(t1)
#define GET_PTE(reg, table, idx)                                        \
        la t1, table; li t2, (idx) * 8; add t1, t1, t2; ld reg, 0(t1)
#define RWXAD (PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D)
#define RWAD  (PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)

#define TEST_S(n, value, code...)                                       \
        CASE(n); EXPECT_TRAP(CAUSE_ECALL_S, 1f); GOTO_PRIV(PRV_S, 2f);  \
2:      code; ecall; j __fail;                                          \
1:      CHECK_FROM(PRV_S); CHECK(a0, value)
#define TEST_S_FAULT(n, cause, va, base, insn...)                       \
        CASE(n); li a1, base; EXPECT_TRAP(cause, 1f);                   \
        GOTO_PRIV(PRV_S, 2f);                                           \
2:      insn; j __fail;                                                 \
1:      CHECK_FROM(PRV_S); CHECK_EPC(2b); CHECK_TVAL(va)

TEST_BEGIN

  SET_PTE(l3, 0, l2, PTE_V)
  SET_PTE_PA(l3, 1, 0, RWAD)                                            // 512 GiB at PA 0
  SET_PTE_PA(l3, 2, 0x40000000, RWAD)                                   // misaligned
  SET_PTE(l2, 0, l1, PTE_V)
  SET_PTE_PA(l2, 1, 0x80000000, RWXAD | PTE_U)
  SET_PTE_PA(l2, 2, 0x80000000, RWXAD)
  SET_PTE(l1, 0, l0, PTE_V)
  SET_PTE_PA(l1, 1, PA_2M, RWAD)
  SET_PTE(l0, 1, pg_a, RWAD)
  SET_PTE(l0, 2, pg_ad, PTE_V | PTE_R | PTE_W)
  SET_PTE(l0, 3, pg_u, RWAD | PTE_U)
  li t0, PA_2M + 0x2460
  li t1, 0x7777777777777777
  sd t1, 0(t0)

  CASE(2)
  la a0, l3
  srli a0, a0, 12
  li t0, SATP_MODE_SV48
  or a0, a0, t0
  csrw satp, a0
  csrr a1, satp
  CHECK_REG(a1, a0)                                                     // Sv48 is supported
  sfence.vma

  TEST_S(3, 0x1111111111111111, la a1, pg_a; ld a0, 0(a1))              // 1 GiB identity
  TEST_S(4, 0x1111111111111111, li a1, VA_A; ld a0, 0(a1))              // 4 KiB, four levels
  TEST_S(5, 0x7777777777777777, li a1, VA_2M + 0x2460; ld a0, 0(a1))    // 2 MiB
  // 512 GiB page: VA 2^39 + PA (not expressible in Sv39)
  TEST_S(6, 0x1111111111111111, la a1, pg_a; li a2, TERA; add a1, a1, a2; ld a0, 0(a1))
  TEST_S(7, 0x2468, la a1, pg_b; li a2, TERA; add a1, a1, a2; li a0, 0x2468; sd a0, 0(a1); la a1, pg_b; ld a0, 0(a1))
  // faults, with mtval = the address
  TEST_S_FAULT(8,  CAUSE_LOAD_PAGE_FAULT,  VA_TERAX + 8, VA_TERAX, ld a0, 8(a1))        // misaligned 512 GiB
  TEST_S_FAULT(9,  CAUSE_LOAD_PAGE_FAULT,  VA_L3INV, VA_L3INV, ld a0, 0(a1))            // level 3 invalid
  TEST_S_FAULT(10, CAUSE_STORE_PAGE_FAULT, VA_L2INV + 4, VA_L2INV, sw a0, 4(a1))        // level 2 invalid
  TEST_S_FAULT(11, CAUSE_LOAD_PAGE_FAULT,  VA_INV, VA_INV, lb a0, 0(a1))                // level 0 invalid
  TEST_S_FAULT(12, CAUSE_LOAD_PAGE_FAULT,  VA_NONCANON, VA_NONCANON, ld a0, 0(a1))      // bit 47 not extended
  TEST_S_FAULT(13, CAUSE_LOAD_PAGE_FAULT,  0xffff800000000000, 0xffff800000000000, ld a0, 0(a1)) // canonical, unmapped
  CASE(14)
  EXPECT_TRAP(CAUSE_FETCH_PAGE_FAULT, 1f)
  GOTO_PRIV(PRV_S, 2f)
2: li a1, VA_INV + 0x20
  jalr ra, 0(a1)
  j __fail
1: CHECK_TVAL(VA_INV + 0x20)
  CHECK(s8, VA_INV + 0x20)
  // A/D
  TEST_S(15, 0x3333333333333333, li a1, VA_AD; ld a0, 0(a1))
  CASE(16)
  GET_PTE(a0, l0, 2)
  andi a0, a0, PTE_A | PTE_D
  CHECK(a0, PTE_A)
  TEST_S(17, 0, li a1, VA_AD; sd zero, 8(a1); li a0, 0)
  CASE(18)
  GET_PTE(a0, l0, 2)
  andi a0, a0, PTE_A | PTE_D
  CHECK(a0, PTE_A | PTE_D)
  // U-mode through the U alias gigapage and a U page
  CASE(19)
  EXPECT_TRAP(CAUSE_ECALL_U, 1f)
  li t0, MSTATUS_MPP
  csrc mstatus, t0
  la t0, 2f
  li t1, ALIAS_OFFSET
  sub t0, t0, t1
  csrw mepc, t0
  mret
2: li a1, VA_U
  ld a0, 0(a1)
  ecall
1: CHECK_FROM(PRV_U)
  CHECK(a0, 0x5555555555555555)
  TEST_S_FAULT(20, CAUSE_LOAD_PAGE_FAULT, VA_U, VA_U, ld a0, 0(a1))      // S without SUM
  // SFENCE.VMA: remap VA_A to pg_b
  SET_PTE(l0, 1, pg_b, RWAD)
  TEST_S(21, 0x2468, sfence.vma; li a1, VA_A; ld a0, 0(a1))
  CASE(22)
  csrw satp, zero
  sfence.vma

TEST_END

  .data
  .balign 4096
l3:    .space 4096
l2:    .space 4096
l1:    .space 4096
l0:    .space 4096
pg_a:  .dword 0x1111111111111111
  .balign 4096
pg_b:  .dword 0x2222222222222222
  .balign 4096
pg_ad: .dword 0x3333333333333333
  .balign 4096
pg_u:  .dword 0x5555555555555555
  .balign 4096
