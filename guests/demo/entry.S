/*
 * Entry points and the trap vector.
 *
 * _start and secondary_start run at the physical load address (0x80200000) with the MMU off, so
 * they use only PC-relative addressing. They switch on Sv39 paging and jump to the kernel's linked
 * (virtual) address 0xffffffff80200000 + x, where the rest of the kernel runs.
 */

#define NR_HARTS	8
#define STACK_SIZE	16384
#define PT_FRAME	288		/* sizeof(struct pt_regs) = 35 * 8, rounded up to 16 */

/* Sv39 leaf PTE flags: V R W X G A D (kernel), V R W G A D (MMIO), V R W X A D (identity) */
#define PTE_KERNEL	0xef
#define PTE_IO		0xe7
#define PTE_IDENT	0xcf
#define SATP_SV39	(8 << 60)

	.section .head.text, "ax"
	.globl _start
	.type _start, @function
_start:
	/* a0 = hartid, a1 = physical address of the device tree */
	csrw	sie, zero
	/* Only one hart boots the kernel; the others are started later through SBI HSM. */
	lla	t0, boot_lottery
	li	t1, 1
	amoadd.w t1, t1, (t0)
	bnez	t1, park
	li	t0, NR_HARTS
	bgeu	a0, t0, park
	mv	s2, a0
	mv	s3, a1

	/* Clear the BSS (it holds the page tables and the stacks). */
	lla	t0, __bss_start
	lla	t1, __bss_end
1:	bgeu	t0, t1, 2f
	sd	zero, 0(t0)
	addi	t0, t0, 8
	j	1b
2:
	/* The root page table: three 1 GiB leaves (see kernel.h). */
	lla	t0, early_pgd
	lla	t1, _start
	srli	t1, t1, 30		/* the gigapage holding the kernel: 2 (0x80000000) */
	slli	t2, t1, 28		/* its PPN, in PTE position */
	ori	t3, t2, PTE_IDENT
	slli	t4, t1, 3
	add	t4, t4, t0
	sd	t3, 0(t4)		/* 0x80000000 -> 0x80000000 */
	ori	t3, t2, PTE_KERNEL
	li	t4, 510 * 8
	add	t4, t4, t0
	sd	t3, 0(t4)		/* 0xffffffff80000000 -> 0x80000000 */
	li	t3, PTE_IO
	li	t4, 256 * 8
	add	t4, t4, t0
	sd	t3, 0(t4)		/* 0xffffffc000000000 -> 0 */

	srli	t0, t0, 12
	li	t1, SATP_SV39
	or	a1, t0, t1
	lla	t0, boot_satp
	sd	a1, 0(t0)
	lla	t0, boot_high_addr
	ld	t0, 0(t0)
	j	enable_paging
	.size _start, . - _start

/*
 * Secondary harts start here through SBI HSM hart_start, with a0 = hartid. The boot hart left its
 * satp in boot_satp.
 */
	.globl secondary_start
	.type secondary_start, @function
secondary_start:
	csrw	sie, zero
	li	t0, NR_HARTS
	bgeu	a0, t0, park
	mv	s2, a0
	mv	s3, zero
	lla	t0, boot_satp
	ld	a1, 0(t0)
	lla	t0, secondary_high_addr
	ld	t0, 0(t0)
	/* fall through */

/* satp = a1, then jump to t0 (a virtual address). The identity map keeps this code mapped. */
enable_paging:
	sfence.vma
	csrw	satp, a1
	sfence.vma
	jr	t0
	.size secondary_start, . - secondary_start

	.type park, @function
park:
	wfi
	j	park
	.size park, . - park

	.balign 8
boot_high_addr:
	.dword	boot_high
secondary_high_addr:
	.dword	secondary_high

	.data
	.balign 4
boot_lottery:
	.word	0
	.balign 8
	.globl boot_satp
boot_satp:
	.dword	0

/* From here on: virtual addresses. */
	.text
	.globl boot_high
	.type boot_high, @function
boot_high:
	call	hart_entry_common
	mv	a0, s2
	mv	a1, s3
	call	kmain
	j	park
	.size boot_high, . - boot_high

	.globl secondary_high
	.type secondary_high, @function
secondary_high:
	call	hart_entry_common
	mv	a0, s2
	call	secondary_main
	j	park
	.size secondary_high, . - secondary_high

/* stvec, the hart's stack (stacks[hartid]) and a zero frame pointer, which ends backtraces. */
	.type hart_entry_common, @function
hart_entry_common:
	lla	t0, trap_entry
	csrw	stvec, t0
	lla	sp, stacks
	addi	t0, s2, 1
	li	t1, STACK_SIZE
	mul	t0, t0, t1
	add	sp, sp, t0
	li	s0, 0
	ret
	.size hart_entry_common, . - hart_entry_common

/*
 * The trap vector (direct mode). The kernel only runs in S-mode, so traps arrive on the current
 * kernel stack: save every register in a struct pt_regs and call handle_trap(regs).
 *
 * Its call frame information (DWARF 5, 6.4) lets a debugger unwind through the trap into the code
 * that trapped: the "caller" is the interrupted context. Its sp is the CFA; its pc is sepc, which
 * the return address column holds: the psABI's alternate frame return column (DWARF register 64,
 * "DWARF Register Numbers"), because ra (x1) is a register of the interrupted code like the others.
 * Until sepc is saved in pt_regs->epc, that column is the CSR itself (DWARF 4096 + its number).
 * The epc is the trapping instruction, not a return address: a signal frame ('S' augmentation).
 * In .debug_frame as for the C code (an .eh_frame would be loaded with the kernel).
 */
#define DWARF_ALT_RETURN	64
#define DWARF_SEPC		(4096 + 0x141)

	.cfi_sections .debug_frame

/* Store a register in its pt_regs slot, and say so in the CFI (the offset is from the CFA). */
	.macro	SAVE reg, slot
	sd	\reg, \slot(sp)
	.cfi_offset \reg, \slot - PT_FRAME
	.endm

	.balign 4
	.globl trap_entry
	.type trap_entry, @function
trap_entry:
	.cfi_startproc
	.cfi_signal_frame
	.cfi_return_column DWARF_ALT_RETURN
	.cfi_register DWARF_ALT_RETURN, DWARF_SEPC
	addi	sp, sp, -PT_FRAME
	.cfi_def_cfa_offset PT_FRAME
	SAVE	ra, 8
	SAVE	gp, 24
	SAVE	tp, 32
	SAVE	t0, 40
	SAVE	t1, 48
	SAVE	t2, 56
	SAVE	s0, 64
	SAVE	s1, 72
	SAVE	a0, 80
	SAVE	a1, 88
	SAVE	a2, 96
	SAVE	a3, 104
	SAVE	a4, 112
	SAVE	a5, 120
	SAVE	a6, 128
	SAVE	a7, 136
	SAVE	s2, 144
	SAVE	s3, 152
	SAVE	s4, 160
	SAVE	s5, 168
	SAVE	s6, 176
	SAVE	s7, 184
	SAVE	s8, 192
	SAVE	s9, 200
	SAVE	s10, 208
	SAVE	s11, 216
	SAVE	t3, 224
	SAVE	t4, 232
	SAVE	t5, 240
	SAVE	t6, 248
	addi	t0, sp, PT_FRAME
	sd	t0, 16(sp)
	csrr	t0, sepc
	sd	t0, 0(sp)
	.cfi_offset DWARF_ALT_RETURN, 0 - PT_FRAME
	csrr	t0, sstatus
	sd	t0, 256(sp)
	csrr	t0, stval
	sd	t0, 264(sp)
	csrr	t0, scause
	sd	t0, 272(sp)
	mv	a0, sp
	call	handle_trap

	ld	t0, 0(sp)
	csrw	sepc, t0
	ld	t0, 256(sp)
	csrw	sstatus, t0
	ld	ra, 8(sp)
	ld	gp, 24(sp)
	ld	tp, 32(sp)
	ld	t0, 40(sp)
	ld	t1, 48(sp)
	ld	t2, 56(sp)
	ld	s0, 64(sp)
	ld	s1, 72(sp)
	ld	a0, 80(sp)
	ld	a1, 88(sp)
	ld	a2, 96(sp)
	ld	a3, 104(sp)
	ld	a4, 112(sp)
	ld	a5, 120(sp)
	ld	a6, 128(sp)
	ld	a7, 136(sp)
	ld	s2, 144(sp)
	ld	s3, 152(sp)
	ld	s4, 160(sp)
	ld	s5, 168(sp)
	ld	s6, 176(sp)
	ld	s7, 184(sp)
	ld	s8, 192(sp)
	ld	s9, 200(sp)
	ld	s10, 208(sp)
	ld	s11, 216(sp)
	ld	t3, 224(sp)
	ld	t4, 232(sp)
	ld	t5, 240(sp)
	ld	t6, 248(sp)
	addi	sp, sp, PT_FRAME
	/* Every register is restored; the slots below sp still hold the same values until sret. */
	.cfi_def_cfa_offset 0
	sret
	.cfi_endproc
	.size trap_entry, . - trap_entry

	.bss
	.balign 4096
	.globl early_pgd
early_pgd:
	.space	4096
	.globl stacks
	.balign 16
stacks:
	.space	NR_HARTS * STACK_SIZE
