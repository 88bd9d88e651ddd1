/*
 * Entry, the M-mode trap vector and the switch to S-mode and back.
 *
 * Every hart enters _start in M-mode at 0x80000000 with a1 = the device tree (QEMU -bios none,
 * Samsara --bios none). Hart 0 clears the BSS (which holds the stacks) and lets the others go.
 */
#define MAX_HARTS	8
#define STACK_SIZE	16384

	.section .text.entry, "ax"
	.globl _start
_start:
	csrw	mie, zero
	csrw	mscratch, zero
	la	t0, trap_vector
	csrw	mtvec, t0
	csrr	a0, mhartid
	li	t0, MAX_HARTS
	bgeu	a0, t0, park
	la	sp, stacks
	addi	t0, a0, 1
	li	t1, STACK_SIZE
	mul	t0, t0, t1
	add	sp, sp, t0
	bnez	a0, 3f
	la	t0, __bss_start
	la	t1, __bss_end
1:	bgeu	t0, t1, 2f
	sd	zero, 0(t0)
	addi	t0, t0, 8
	j	1b
2:	fence	rw, w
	la	t0, bss_ready
	li	t1, 1
	sw	t1, 0(t0)
	j	4f
3:	la	t0, bss_ready
	lw	t1, 0(t0)
	beqz	t1, 3b
	fence	r, rw
4:	li	s0, 0
	call	stress_main
park:
	wfi
	j	park

/*
 * u64 run_in_smode(u64 (*fn)(u64), u64 arg): call fn(arg) in S-mode (mstatus.MPP = S, mret) with
 * ra = smode_return, whose ecall comes back here through the trap vector with fn's a0.
 * mscratch holds the M-mode stack pointer meanwhile (0 when not in S-mode).
 */
	.text
	.globl run_in_smode
run_in_smode:
	addi	sp, sp, -112
	sd	ra, 0(sp)
	sd	s0, 8(sp)
	sd	s1, 16(sp)
	sd	s2, 24(sp)
	sd	s3, 32(sp)
	sd	s4, 40(sp)
	sd	s5, 48(sp)
	sd	s6, 56(sp)
	sd	s7, 64(sp)
	sd	s8, 72(sp)
	sd	s9, 80(sp)
	sd	s10, 88(sp)
	sd	s11, 96(sp)
	csrw	mscratch, sp
	csrw	mepc, a0
	li	t0, 3 << 11		/* MPP */
	csrc	mstatus, t0
	li	t0, 1 << 11		/* MPP = S */
	csrs	mstatus, t0
	mv	a0, a1
	la	ra, smode_return
	mret
smode_return:
	ecall

/* M-mode trap vector: an ecall from S-mode with mscratch set returns from run_in_smode; anything else is fatal. */
	.balign 4
trap_vector:
	csrrw	sp, mscratch, sp
	beqz	sp, 1f			/* not in S-mode: fatal, with the stack back */
	csrr	t0, mcause
	li	t1, 9			/* environment call from S-mode */
	bne	t0, t1, 2f
	csrw	mscratch, zero
	ld	ra, 0(sp)
	ld	s0, 8(sp)
	ld	s1, 16(sp)
	ld	s2, 24(sp)
	ld	s3, 32(sp)
	ld	s4, 40(sp)
	ld	s5, 48(sp)
	ld	s6, 56(sp)
	ld	s7, 64(sp)
	ld	s8, 72(sp)
	ld	s9, 80(sp)
	ld	s10, 88(sp)
	ld	s11, 96(sp)
	addi	sp, sp, 112
	ret
1:	csrrw	sp, mscratch, sp
	j	3f
2:	csrw	mscratch, zero		/* the S-mode trap is handled on the M-mode stack */
3:	csrr	a0, mcause
	csrr	a1, mepc
	csrr	a2, mtval
	call	fatal_trap
	j	park

	.data
	.balign 4
bss_ready:
	.word	0

	.bss
	.balign 16
	.globl stacks
stacks:
	.space	MAX_HARTS * STACK_SIZE
