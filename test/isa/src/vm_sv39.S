// Sv39 address translation: 4 KiB pages, 2 MiB and 1 GiB superpages, misaligned superpages
// fault, A and D set by hardware on access/store/fetch, load/store/fetch page faults with the
// faulting virtual address in mtval (and in stval when delegated), invalid and reserved PTEs,
// non-canonical addresses, R/W/X permissions, the U bit and mstatus.SUM, mstatus.MXR,
// mstatus.MPRV (M-mode loads and stores translated with MPP's privilege), satp WARL behaviour,
// and SFENCE.VMA making a changed mapping visible. With STRICT=1 also: an AMO to an unmapped
// page raises a store/AMO page fault (QEMU 7.2 reports a load page fault).
//
// Address space (root table l2):
//   0x80000000.. 1 GiB identity gigapage, RWX, not U: the program as seen from S-mode
//   0x40000000.. 1 GiB alias of 0x80000000, RWX + U: the program as seen from U-mode
//   0xc0000000   1 GiB leaf with a misaligned PPN
//   0x00000000.. l1 table: 0x200000 2 MiB page -> PA 0x80200000, 0x400000 misaligned 2 MiB leaf,
//                and the 4 KiB pages of l0 below 0x200000:
//     0x1000 pg_a RW AD       0x2000 pg_ad RW (A = D = 0)   0x3000 pg_ro R A
//     0x4000 invalid          0x5000 xo_page X-only (A = 0) 0x6000 pg_u URWX AD
//     0x7000 pg_a R AD (not U) 0x8000 pg_a/pg_b RW AD (remapped) 0x9000 reserved W-only

#include "test.h"

#define ALIAS_OFFSET 0x40000000
#define PA_2M        0x80200000
#define VA_A   0x1000
#define VA_AD  0x2000
#define VA_RO  0x3000
#define VA_INV 0x4000
#define VA_XO  0x5000
#define VA_U   0x6000
#define VA_NU  0x7000
#define VA_RM  0x8000
#define VA_WO  0x9000
#define VA_2M  0x200000
#define VA_2MX 0x400000
#define VA_1GX 0xc0000000
#define VA_NONCANON 0x0000004000000000

// table[idx] = PTE(PA of `target`, flags)
#define SET_PTE(table, idx, target, flags)                              \
        la t0, target; srli t0, t0, 12; slli t0, t0, 10; ori t0, t0, flags; \
        la t1, table; li t2, (idx) * 8; add t1, t1, t2; sd t0, 0(t1)
#define SET_PTE_PA(table, idx, pa, flags)                               \
        li t0, pa; srli t0, t0, 12; slli t0, t0, 10; ori t0, t0, flags; \
        la t1, table; li t2, (idx) * 8; add t1, t1, t2; sd t0, 0(t1)
#define GET_PTE(reg, table, idx)                                        \
        la t1, table; li t2, (idx) * 8; add t1, t1, t2; ld reg, 0(t1)

#define RWXAD (PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D)

// Drop to U-mode at the alias address of `label`.
#define GOTO_U(label)                                                   \
        li t0, MSTATUS_MPP; csrc mstatus, t0;                           \
        la t0, label; li t1, ALIAS_OFFSET; sub t0, t0, t1;              \
        csrw mepc, t0; mret
// The trap's epc must be the U alias of `label`.
#define CHECK_EPC_U(label) la t6, label; li a7, ALIAS_OFFSET; sub t6, t6, a7; bne s8, t6, __fail

// Case n: a1 = base; from S, `insn` (using a1) faults with `cause`, mepc = the insn, mtval = va.
#define TEST_S_FAULT(n, cause, va, base, insn...)                       \
        CASE(n); li a1, base; EXPECT_TRAP(cause, 1f);                   \
        GOTO_PRIV(PRV_S, 2f);                                           \
2:      insn; j __fail;                                                 \
1:      CHECK_FROM(PRV_S); CHECK_EPC(2b); CHECK_TVAL(va)

// Case n: from S, run `code` (result in a0, must be `value`), back to M.
#define TEST_S(n, value, code...)                                       \
        CASE(n); EXPECT_TRAP(CAUSE_ECALL_S, 1f); GOTO_PRIV(PRV_S, 2f);  \
2:      code; ecall; j __fail;                                          \
1:      CHECK_FROM(PRV_S); CHECK(a0, value)

TEST_BEGIN

  // ---- build the page tables (M-mode, bare) --------------------------------------------------
  SET_PTE(l2, 0, l1, PTE_V)
  SET_PTE_PA(l2, 1, 0x80000000, RWXAD | PTE_U)
  SET_PTE_PA(l2, 2, 0x80000000, RWXAD)
  SET_PTE_PA(l2, 3, 0x80200000, RWXAD)                                  // misaligned gigapage
  SET_PTE(l1, 0, l0, PTE_V)
  SET_PTE_PA(l1, 1, PA_2M, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)
  SET_PTE_PA(l1, 2, PA_2M + 0x1000, PTE_V | PTE_R | PTE_A)               // misaligned megapage
  SET_PTE(l0, 1, pg_a,  PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)
  SET_PTE(l0, 2, pg_ad, PTE_V | PTE_R | PTE_W)
  SET_PTE(l0, 3, pg_ro, PTE_V | PTE_R | PTE_A)
  SET_PTE(l0, 5, xo_page, PTE_V | PTE_X)
  SET_PTE(l0, 6, pg_u,  RWXAD | PTE_U)
  SET_PTE(l0, 7, pg_a,  PTE_V | PTE_R | PTE_A | PTE_D)
  SET_PTE(l0, 8, pg_a,  PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)
  SET_PTE(l0, 9, pg_a,  PTE_V | PTE_W | PTE_A | PTE_D)                   // W without R: reserved
  li t0, PA_2M + 0x1238                                                 // data behind the 2 MiB page
  li t1, 0x6666666666666666
  sd t1, 0(t0)

  // ---- satp ------------------------------------------------------------------------------------
  CASE(2)
  la a0, l2
  srli a0, a0, 12
  li t0, SATP_MODE_SV39
  or a0, a0, t0
  csrw satp, a0
  csrr a1, satp
  CHECK_REG(a1, a0)
  li t0, (1 << 60) | 0x1234                                             // mode 1 is not valid on RV64
  csrw satp, t0
  csrr a1, satp
  CHECK_REG(a1, a0)                                                     // the whole write is ignored
  sfence.vma
  // M-mode is not translated
  CASE(3)
  la a0, pg_a
  ld a1, 0(a0)
  CHECK(a1, 0x1111111111111111)

  // ---- 1 GiB identity gigapage (S runs from it) ----------------------------------------------------
  TEST_S(4, 0x1111111111111111, la a1, pg_a; ld a0, 0(a1))
  // the U alias of the same memory needs SUM from S
  CASE(5)
  la a1, pg_a
  li a2, ALIAS_OFFSET
  sub a1, a1, a2                                                        // U alias of pg_a
  EXPECT_TRAP(CAUSE_LOAD_PAGE_FAULT, 1f)
  GOTO_PRIV(PRV_S, 2f)
2: ld a0, 0(a1)
  j __fail
1: CHECK_FROM(PRV_S)
  CHECK_EPC(2b)
  CHECK_REG(s9, a1)
  // ---- 4 KiB page -------------------------------------------------------------------------------------
  TEST_S(6, 0x1111111111111111, li a1, VA_A; ld a0, 0(a1))
  TEST_S(7, 0x1234, li a1, VA_A; li a2, 0x1234; sd a2, 8(a1); ld a0, 8(a1))
  CASE(8)
  la a0, pg_a
  ld a1, 8(a0)
  CHECK(a1, 0x1234)                                                     // same physical memory
  // ---- 2 MiB megapage ----------------------------------------------------------------------------------
  TEST_S(9, 0x6666666666666666, li a1, VA_2M + 0x1238; ld a0, 0(a1))
  // ---- misaligned superpages fault ---------------------------------------------------------------------
  TEST_S_FAULT(10, CAUSE_LOAD_PAGE_FAULT, VA_2MX + 8, VA_2MX, ld a0, 8(a1))
  TEST_S_FAULT(11, CAUSE_LOAD_PAGE_FAULT, VA_1GX + 16, VA_1GX, ld a0, 16(a1))
  TEST_S_FAULT(12, CAUSE_STORE_PAGE_FAULT, VA_1GX, VA_1GX, sd a0, 0(a1))

  // ---- A and D set by hardware ---------------------------------------------------------------------------
  TEST_S(13, 0x3333333333333333, li a1, VA_AD; ld a0, 0(a1))
  CASE(14)
  GET_PTE(a0, l0, 2)
  andi a1, a0, PTE_A | PTE_D
  CHECK(a1, PTE_A)                                                      // A after a load, D not yet
  TEST_S(15, 0x77, li a1, VA_AD; li a0, 0x77; sw a0, 4(a1))
  CASE(16)
  GET_PTE(a0, l0, 2)
  andi a1, a0, PTE_A | PTE_D
  CHECK(a1, PTE_A | PTE_D)
  // fetch sets A (x-only page, A = 0 initially)
  TEST_S(17, 0x77, li a1, VA_XO; jalr ra, 0(a1))
  CASE(18)
  GET_PTE(a0, l0, 5)
  andi a1, a0, PTE_A | PTE_D
  CHECK(a1, PTE_A)
  // a store to a clean page that faults does not set D
  TEST_S_FAULT(19, CAUSE_STORE_PAGE_FAULT, VA_RO + 4, VA_RO, sw a0, 4(a1))
  CASE(20)
  GET_PTE(a0, l0, 3)
  andi a1, a0, PTE_D
  CHECK(a1, 0)

  // ---- permissions and invalid mappings ---------------------------------------------------------------------
  TEST_S(21, 0x4444444444444444, li a1, VA_RO; ld a0, 0(a1))
  TEST_S_FAULT(22, CAUSE_LOAD_PAGE_FAULT,  VA_INV + 0x10, VA_INV, ld a0, 0x10(a1))
  TEST_S_FAULT(23, CAUSE_STORE_PAGE_FAULT, VA_INV + 0x18, VA_INV, sd a0, 0x18(a1))
#ifdef STRICT
  // An AMO faults as a store (cause 15). QEMU 7.2 reports a load page fault: STRICT only.
  TEST_S_FAULT(24, CAUSE_STORE_PAGE_FAULT, VA_INV, VA_INV, amoadd.d a0, a0, (a1))
#endif
  CASE(25)                                                              // fetch from an invalid page
  EXPECT_TRAP(CAUSE_FETCH_PAGE_FAULT, 1f)
  GOTO_PRIV(PRV_S, 2f)
2: li a1, VA_INV + 0x40
  jalr ra, 0(a1)
  j __fail
1: CHECK_FROM(PRV_S)
  CHECK(s8, VA_INV + 0x40)                                              // epc = tval = the target
  CHECK_TVAL(VA_INV + 0x40)
  TEST_S_FAULT(26, CAUSE_LOAD_PAGE_FAULT, VA_WO, VA_WO, ld a0, 0(a1))                // W-only: reserved
  TEST_S_FAULT(27, CAUSE_STORE_PAGE_FAULT, VA_NU + 8, VA_NU, sd a0, 8(a1))           // read-only
  CASE(28)                                                              // fetch from a non-X page
  EXPECT_TRAP(CAUSE_FETCH_PAGE_FAULT, 1f)
  GOTO_PRIV(PRV_S, 2f)
2: li a1, VA_A
  jalr ra, 0(a1)
  j __fail
1: CHECK_TVAL(VA_A)
  TEST_S_FAULT(29, CAUSE_LOAD_PAGE_FAULT, VA_NONCANON, VA_NONCANON, ld a0, 0(a1))    // not sign-extended
  TEST_S_FAULT(30, CAUSE_LOAD_PAGE_FAULT, 0xffffffff00000000, 0xffffffff00000000, ld a0, 0(a1)) // unmapped

  // ---- MXR ----------------------------------------------------------------------------------------------------
  TEST_S_FAULT(31, CAUSE_LOAD_PAGE_FAULT, VA_XO, VA_XO, lw a0, 0(a1))
  CASE(32)
  li t0, MSTATUS_MXR
  csrs mstatus, t0
  la a2, xo_page
  lw a2, 0(a2)                                                          // expected: first instruction
  TEST_S(33, 0, li a1, VA_XO; lw a0, 0(a1); sub a0, a0, a2)
  li t0, MSTATUS_MXR
  csrc mstatus, t0

  // ---- U bit and SUM ------------------------------------------------------------------------------------------
  TEST_S_FAULT(34, CAUSE_LOAD_PAGE_FAULT, VA_U, VA_U, ld a0, 0(a1))
  TEST_S_FAULT(35, CAUSE_STORE_PAGE_FAULT, VA_U + 8, VA_U, sd a0, 8(a1))
  CASE(36)
  li t0, MSTATUS_SUM
  csrs mstatus, t0
  TEST_S(37, 0x5555555555555555, li a1, VA_U; ld a0, 0(a1))
  TEST_S(38, 0x99, li a1, VA_U; li a0, 0x99; sd a0, 8(a1); ld a0, 8(a1))
  // S never executes from a U page, even with SUM
  CASE(39)
  EXPECT_TRAP(CAUSE_FETCH_PAGE_FAULT, 1f)
  GOTO_PRIV(PRV_S, 2f)
2: li a1, VA_U
  jalr ra, 0(a1)
  j __fail
1: CHECK_TVAL(VA_U)
  CHECK_FROM(PRV_S)
  li t0, MSTATUS_SUM
  csrc mstatus, t0

  // ---- U-mode (running from the alias gigapage) -------------------------------------------------------------
  CASE(40)
  EXPECT_TRAP(CAUSE_ECALL_U, 1f)
  GOTO_U(2f)
2: li a1, VA_U
  ld a0, 0(a1)
  la a2, u_word                                                         // pc-relative: alias address
  ld a3, 0(a2)
  ecall
1: CHECK_FROM(PRV_U)
  CHECK(a0, 0x5555555555555555)
  CHECK(a3, 0xabcdabcdabcdabcd)
  CASE(41)                                                              // U load from a non-U page
  EXPECT_TRAP(CAUSE_LOAD_PAGE_FAULT, 1f)
  GOTO_U(2f)
2: li a1, VA_A
  ld a0, 0(a1)
  j __fail
1: CHECK_FROM(PRV_U)
  CHECK_EPC_U(2b + 4)
  CHECK_TVAL(VA_A)
  CASE(42)                                                              // U fetch from a non-U page
  EXPECT_TRAP(CAUSE_FETCH_PAGE_FAULT, 1f)
  GOTO_U(2f)
2: li a1, VA_XO
  jalr ra, 0(a1)
  j __fail
1: CHECK_TVAL(VA_XO)
  CHECK(s8, VA_XO)
  CASE(43)                                                              // U store to a non-U page
  EXPECT_TRAP(CAUSE_STORE_PAGE_FAULT, 1f)
  GOTO_U(2f)
2: li a1, VA_RM
  sd a1, 0(a1)
  j __fail
1: CHECK_TVAL(VA_RM)

  // ---- MPRV: M-mode loads/stores translated with MPP's privilege -------------------------------------------
  CASE(44)
  li t0, MSTATUS_MPP
  csrc mstatus, t0
  li t0, MSTATUS_MPP_S | MSTATUS_MPRV
  csrs mstatus, t0
  li a1, VA_A
  ld a0, 0(a1)                                                          // S translation
  li t0, MSTATUS_MPRV
  csrc mstatus, t0
  CHECK(a0, 0x1111111111111111)
  CASE(45)
  li t0, MSTATUS_MPP
  csrc mstatus, t0                                                      // MPP = U
  li t0, MSTATUS_MPRV
  csrs mstatus, t0
  li a1, VA_U
  ld a0, 0(a1)                                                          // U page as U: fine
  EXPECT_TRAP(CAUSE_LOAD_PAGE_FAULT, 1f)
2: li a1, VA_A
  ld a2, 0(a1)                                                          // not U: fault, taken in M
  j __fail
1: li t0, MSTATUS_MPRV
  csrc mstatus, t0
  CHECK_FROM(PRV_M)
  CHECK_TVAL(VA_A)
  CHECK(a0, 0x5555555555555555)
  CASE(46)                                                              // stores too
  li t0, MSTATUS_MPP
  csrc mstatus, t0
  li t0, MSTATUS_MPP_S | MSTATUS_MPRV
  csrs mstatus, t0
  li a1, VA_A
  li a2, 0xfeed
  sd a2, 16(a1)
  li t0, MSTATUS_MPRV
  csrc mstatus, t0
  la a1, pg_a
  ld a0, 16(a1)
  CHECK(a0, 0xfeed)

  // ---- SFENCE.VMA makes a changed mapping visible --------------------------------------------------------------
  TEST_S(47, 0x1111111111111111, li a1, VA_RM; ld a0, 0(a1))            // VA_RM -> pg_a
  SET_PTE(l0, 8, pg_b, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)           // now -> pg_b
  TEST_S(48, 0x2222222222222222, sfence.vma; li a1, VA_RM; ld a0, 0(a1))
  SET_PTE(l0, 8, pg_a, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)           // back, flushed by address
  TEST_S(49, 0x1111111111111111, li a1, VA_RM; sfence.vma a1, zero; ld a0, 0(a1))
  SET_PTE(l0, 8, pg_b, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)
  TEST_S(50, 0x2222222222222222, li a1, VA_RM; sfence.vma a1, zero; ld a0, 0(a1))
  SET_PTE(l0, 8, pg_a, 0)                                               // invalidated
  CASE(51)
  li a1, VA_RM
  EXPECT_TRAP(CAUSE_LOAD_PAGE_FAULT, 1f)
  GOTO_PRIV(PRV_S, 2f)
2: sfence.vma
3: ld a0, 0(a1)
  j __fail
1: CHECK_EPC(3b)
  CHECK_TVAL(VA_RM)

  // ---- page faults delegated to S: stval --------------------------------------------------------------------------
  CASE(52)
  li t0, (1 << CAUSE_LOAD_PAGE_FAULT) | (1 << CAUSE_STORE_PAGE_FAULT) | (1 << CAUSE_FETCH_PAGE_FAULT)
  csrw medeleg, t0
  EXPECT_TRAP(CAUSE_LOAD_PAGE_FAULT, 1f)
  GOTO_PRIV(PRV_S, 2f)
2: li a1, VA_INV
  ld a0, 0x28(a1)
  j __fail
1: CHECK_FROM(PRV_S)                                                     // handled by __trap_s
  CHECK_EPC(2b + 4)
  CHECK_TVAL(VA_INV + 0x28)
  csrr a0, stval
  CHECK(a0, VA_INV + 0x28)
  csrr a0, scause
  CHECK(a0, CAUSE_LOAD_PAGE_FAULT)
  li a1, VA_RO
  EXPECT_TRAP(CAUSE_STORE_PAGE_FAULT, 3f)
  sh a0, 2(a1)
  j __fail
3: CHECK_TVAL(VA_RO + 2)
  EXPECT_TRAP(CAUSE_FETCH_PAGE_FAULT, 4f)
  li a1, VA_INV
  jalr ra, 0(a1)
  j __fail
4: CHECK_TVAL(VA_INV)
  BACK_TO_M(CAUSE_ECALL_S, 5f)
5: csrw medeleg, zero

  // ---- turn translation off again ------------------------------------------------------------------------------------
  CASE(53)
  csrw satp, zero
  sfence.vma
  TEST_S(54, 0x2222222222222222, la a1, pg_b; ld a0, 0(a1))             // bare S

TEST_END

  .text
  .balign 4096
xo_page:
  li a0, 0x77
  ret

  .data
  .balign 4096
l2:    .space 4096
l1:    .space 4096
l0:    .space 4096
pg_a:  .dword 0x1111111111111111
  .balign 4096
pg_b:  .dword 0x2222222222222222
  .balign 4096
pg_ad: .dword 0x3333333333333333
  .balign 4096
pg_ro: .dword 0x4444444444444444
  .balign 4096
pg_u:  .dword 0x5555555555555555
  .balign 4096
u_word: .dword 0xabcdabcdabcdabcd
