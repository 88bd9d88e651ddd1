// Samsara Replay ISA tests: a small self-checking harness for bare-metal RV64 programs.
//
// A program starts in M-mode at 0x80000000 (the _start that TEST_BEGIN emits) and ends by
// storing to the 64-bit `tohost` word (section .tohost), the HTIF convention of the official
// riscv-tests: 1 means pass, (n << 1) | 1 means case n failed. `fromhost` is there too.
//
// Register conventions (the framework owns these; tests must not rely on them surviving):
//   gp (x3)        TESTNUM, the number of the case being run (CASE sets it)
//   t5, t6         scratch of the trap handlers and of the CHECK macros
//   s5             exit code being delivered (1 or (n << 1) | 1)
//   s6..s9         filled in by a handler after an expected trap:
//                    s6 = privilege the trap came from (MPP / SPP), s7 = cause,
//                    s8 = epc, s9 = tval
//   s10, s11       an armed expectation: s10 = the cause expected (interrupt bit included),
//                  s11 = where to resume; s11 == 0 means no trap is expected
//
// Expected traps. EXPECT_TRAP(cause, label) arms the expectation; the next trap must have that
// cause, or the test fails. The M-mode handler (__trap_m, installed in mtvec) records s6..s9,
// disarms the expectation and resumes at `label` in M-mode with mstatus.MIE = 0 (MPP is set to M
// and MPIE cleared before mret). __trap_s does the same for traps taken in S-mode (install it in
// stvec and delegate): it resumes at `label` in S-mode with sstatus.SIE = 0.
// Any trap while nothing is armed fails the current case.
//
// Ending a test. TEST_PASS / `j fail` work from any privilege level: they load s5 and execute
// ecall with s11 = -1; the handlers forward that (S re-executes ecall, so it reaches M) and the
// M handler clears mstatus.MPRV and writes s5 to tohost. Nothing is ever delegated for ecall
// from S, which keeps that path open.

#ifndef SAMSARA_ISA_TEST_H
#define SAMSARA_ISA_TEST_H

#define TESTNUM gp

// ---- constants (privileged spec) --------------------------------------------------------
#define MSTATUS_SIE   0x00000002
#define MSTATUS_MIE   0x00000008
#define MSTATUS_SPIE  0x00000020
#define MSTATUS_MPIE  0x00000080
#define MSTATUS_SPP   0x00000100
#define MSTATUS_MPP   0x00001800
#define MSTATUS_MPP_S 0x00000800
#define MSTATUS_FS    0x00006000
#define MSTATUS_FS_INITIAL 0x00002000
#define MSTATUS_FS_DIRTY   0x00006000
#define MSTATUS_MPRV  0x00020000
#define MSTATUS_SUM   0x00040000
#define MSTATUS_MXR   0x00080000
#define MSTATUS_TVM   0x00100000
#define MSTATUS_TW    0x00200000
#define MSTATUS_TSR   0x00400000
#define MSTATUS_SD    0x8000000000000000

#define MIP_SSIP (1 << 1)
#define MIP_MSIP (1 << 3)
#define MIP_STIP (1 << 5)
#define MIP_MTIP (1 << 7)
#define MIP_SEIP (1 << 9)
#define MIP_MEIP (1 << 11)

#define CAUSE_MISALIGNED_FETCH   0
#define CAUSE_FETCH_ACCESS       1
#define CAUSE_ILLEGAL            2
#define CAUSE_BREAKPOINT         3
#define CAUSE_MISALIGNED_LOAD    4
#define CAUSE_LOAD_ACCESS        5
#define CAUSE_MISALIGNED_STORE   6
#define CAUSE_STORE_ACCESS       7
#define CAUSE_ECALL_U            8
#define CAUSE_ECALL_S            9
#define CAUSE_ECALL_M            11
#define CAUSE_FETCH_PAGE_FAULT   12
#define CAUSE_LOAD_PAGE_FAULT    13
#define CAUSE_STORE_PAGE_FAULT   15
#define CAUSE_INTR               0x8000000000000000
#define IRQ_S_SOFT   1
#define IRQ_M_SOFT   3
#define IRQ_S_TIMER  5
#define IRQ_M_TIMER  7

#define PRV_U 0
#define PRV_S 1
#define PRV_M 3

#define PTE_V 0x01
#define PTE_R 0x02
#define PTE_W 0x04
#define PTE_X 0x08
#define PTE_U 0x10
#define PTE_G 0x20
#define PTE_A 0x40
#define PTE_D 0x80
#define PTE_PPN_SHIFT 10
#define SATP_MODE_SV39 (8 << 60)
#define SATP_MODE_SV48 (9 << 60)

// CLINT (as on QEMU's virt and spike machines)
#define CLINT_BASE     0x2000000
#define CLINT_MSIP     (CLINT_BASE + 0x0)
#define CLINT_MTIMECMP (CLINT_BASE + 0x4000)
#define CLINT_MTIME    (CLINT_BASE + 0xbff8)

// ---- program skeleton -------------------------------------------------------------------

// Entry, reset of the state a test relies on, and the two trap handlers. Code after
// TEST_BEGIN runs in M-mode with: mstatus = 0 (FS off, MIE off), mie = medeleg = mideleg = 0,
// satp = 0, PMP entry 0 granting RWX to all of memory (skipped if PMP is absent), mtvec =
// __trap_m (direct), stvec = __trap_s, mcounteren = scounteren = 0, CLINT mtimecmp = -1 and
// msip = 0 (no machine timer/software interrupt pending), sp = top of a 4 KiB stack.
#define TEST_BEGIN                                                      \
        .section .text.init, "ax", @progbits;                           \
        .option norvc;                                                  \
        .globl _start;                                                  \
_start:                                                                 \
        li x1, 0; li x2, 0; li x3, 0; li x4, 0; li x5, 0; li x6, 0;     \
        li x7, 0; li x8, 0; li x9, 0; li x10, 0; li x11, 0; li x12, 0;  \
        li x13, 0; li x14, 0; li x15, 0; li x16, 0; li x17, 0;          \
        li x18, 0; li x19, 0; li x20, 0; li x21, 0; li x22, 0;          \
        li x23, 0; li x24, 0; li x25, 0; li x26, 0; li x27, 0;          \
        li x28, 0; li x29, 0; li x30, 0; li x31, 0;                     \
        /* PMP: one NAPOT region over everything (tolerate no PMP) */   \
        la t0, 1f; csrw mtvec, t0;                                      \
        li t0, -1; csrw pmpaddr0, t0;                                   \
        li t0, 0x1f; csrw pmpcfg0, t0;                                  \
        .align 2;                                                       \
1:      la t0, __trap_m; csrw mtvec, t0;                                \
        la t0, __trap_s; csrw stvec, t0;                                \
        csrwi mstatus, 0; csrwi mie, 0; csrwi mip, 0;                   \
        csrwi medeleg, 0; csrwi mideleg, 0; csrwi satp, 0;              \
        csrwi mcounteren, 0; csrwi scounteren, 0;                       \
        /* CLINT: no timer or software interrupt pending */             \
        li t0, CLINT_MTIMECMP; li t1, -1; sd t1, 0(t0);                 \
        li t0, CLINT_MSIP; sw zero, 0(t0);                              \
        la sp, __stack_top;                                             \
        j __test_main;                                                  \
                                                                        \
        .align 6;                                                       \
__trap_m:                                                               \
        beqz s11, __trap_m_unexpected;                                  \
        li t5, -1; beq s11, t5, __trap_m_halt;                          \
        csrr s7, mcause;                                                \
        bne s7, s10, __trap_m_unexpected;                               \
        csrr s8, mepc; csrr s9, mtval;                                  \
        csrr t6, mstatus; srli s6, t6, 11; andi s6, s6, 3;              \
        li t5, MSTATUS_MPP; or t6, t6, t5;                              \
        li t5, MSTATUS_MPIE; not t5, t5; and t6, t6, t5;                \
        csrw mstatus, t6;                                               \
        csrw mepc, s11; li s11, 0;                                      \
        mret;                                                           \
__trap_m_unexpected:                                                    \
        slli s5, TESTNUM, 1; ori s5, s5, 1;                             \
__trap_m_halt:                                                          \
        li t5, MSTATUS_MPRV; csrc mstatus, t5;                          \
        la t5, tohost;                                                  \
        sd s5, 0(t5);                                                   \
1:      j 1b;                                                           \
                                                                        \
        .align 6;                                                       \
__trap_s:                                                               \
        beqz s11, __trap_s_unexpected;                                  \
        li t5, -1; beq s11, t5, __trap_s_halt;                          \
        csrr s7, scause;                                                \
        bne s7, s10, __trap_s_unexpected;                               \
        csrr s8, sepc; csrr s9, stval;                                  \
        csrr t6, sstatus; srli s6, t6, 8; andi s6, s6, 1;               \
        li t5, MSTATUS_SPP; or t6, t6, t5;                              \
        li t5, MSTATUS_SPIE; not t5, t5; and t6, t6, t5;                \
        csrw sstatus, t6;                                               \
        csrw sepc, s11; li s11, 0;                                      \
        sret;                                                           \
__trap_s_unexpected:                                                    \
        slli s5, TESTNUM, 1; ori s5, s5, 1;                             \
        li s11, -1;                                                     \
__trap_s_halt:                                                          \
        ecall;                                                          \
1:      j 1b;                                                           \
                                                                        \
        .text;                                                          \
        .align 2;                                                       \
__test_main:

// Pass/fail: usable at any privilege level (see the header comment).
#define TEST_PASS                                                       \
        li s5, 1; li s11, -1; ecall

#define TEST_END                                                        \
        TEST_PASS;                                                      \
fail:                                                                   \
__fail:                                                                 \
        slli s5, TESTNUM, 1; ori s5, s5, 1;                             \
        li s11, -1; ecall;                                              \
1:      j 1b;                                                           \
        .pushsection .tohost, "aw", @progbits;                          \
        .align 6; .globl tohost; tohost: .dword 0; .size tohost, 8;     \
        .align 6; .globl fromhost; fromhost: .dword 0; .size fromhost, 8; \
        .popsection;                                                    \
        .pushsection .bss.stack, "aw", @nobits;                         \
        .align 12; .space 4096; __stack_top:;                           \
        .popsection

// ---- checks -----------------------------------------------------------------------------

#define CASE(n) li TESTNUM, n

// Fail the current case unless reg == value (value: any `li` operand).
#define CHECK(reg, value)                                               \
        li t6, value; bne reg, t6, __fail

// Fail unless reg1 == reg2.
#define CHECK_REG(reg1, reg2) bne reg1, reg2, __fail

// Case n: run `code`, then reg must equal value.
#define TEST_CASE(n, reg, value, code...)                               \
        CASE(n); code; CHECK(reg, value)

// Case n: rd = inst(a, b) (register-register) must equal value.
#define TEST_RR(n, inst, value, a, b)                                   \
        CASE(n); li a0, a; li a1, b; inst a2, a0, a1; CHECK(a2, value)

// Case n: rd = inst(a, imm) must equal value.
#define TEST_RI(n, inst, value, a, imm)                                 \
        CASE(n); li a0, a; inst a2, a0, imm; CHECK(a2, value)

// Case n: rd = inst(a) (one source) must equal value.
#define TEST_R1(n, inst, value, a)                                      \
        CASE(n); li a0, a; inst a2, a0; CHECK(a2, value)

// Arm an expected trap: the next trap must have mcause/scause == cause (use CAUSE_INTR|irq for
// interrupts); execution resumes at `resume` with s6..s9 filled in.
#define EXPECT_TRAP(cause, resume)                                      \
        li s10, cause; la s11, resume

// After a trap: the recorded epc must be the address of `label`, tval must equal value.
#define CHECK_EPC(label)  la t6, label; bne s8, t6, __fail
#define CHECK_TVAL(value) CHECK(s9, value)
#define CHECK_TVAL_LABEL(label) la t6, label; bne s9, t6, __fail
#define CHECK_FROM(priv)  CHECK(s6, priv)

// Case n: `code` must trap with `cause` at label `at` (a label inside code, written as a
// backward reference such as `1b` because it is checked after the code ran); execution goes on
// after the macro. The trap's epc is checked; tval is left in s9.
#define TEST_TRAP(n, cause, at, code...)                                \
        CASE(n); EXPECT_TRAP(cause, 8f); code; j __fail;                \
8:      CHECK_EPC(at)

// Drop from M-mode to privilege `priv` (PRV_S or PRV_U) and continue at `label` there.
#define GOTO_PRIV(priv, label)                                          \
        li t0, MSTATUS_MPP; csrc mstatus, t0;                           \
        li t0, ((priv) << 11); csrs mstatus, t0;                        \
        la t0, label; csrw mepc, t0; mret

// From S-mode: continue at `label` in U-mode.
#define S_GOTO_U(label)                                                 \
        li t0, MSTATUS_SPP; csrc sstatus, t0;                           \
        la t0, label; csrw sepc, t0; sret

// Return to M-mode from any privilege: arms an expected ecall and executes it.
// `cause` is CAUSE_ECALL_U or CAUSE_ECALL_S (whichever the caller runs in).
#define BACK_TO_M(cause, label)                                         \
        EXPECT_TRAP(cause, label); ecall; j __fail

#endif
