# A CPU-bound loop for `npm run bench` (the workload of research/perf.md): an inner loop of 15
# instructions (LD, ADD, XOR, SLLI, XOR, SRLI, XOR, MUL, SUB, ADDI, ADDW, SD, ADDI, ADDI, BNE) over
# a 256-doubleword buffer, run OUTER times. Bare metal in M-mode on QEMU's virt board (-bios none):
# it prints a checksum on the NS16550A UART, then powers off through the sifive,test device, so the
# same ELF runs on `samsara run --bios none` and on `qemu-system-riscv64 -M virt -bios none`.

#ifndef OUTER
#define OUTER 52000
#endif

	.equ UART, 0x10000000
	.equ TEST, 0x100000

	.section .text.init, "ax"
	.globl _start
_start:
	csrr	t0, mhartid
	bnez	t0, park
	la	sp, stack_top

	# Fill the buffer with a simple sequence.
	la	a0, buf
	li	a1, 256
	li	t2, 0x9e3779b97f4a7c15
1:	sd	t2, 0(a0)
	slli	t3, t2, 7
	add	t2, t2, t3
	addi	t2, t2, 1
	addi	a0, a0, 8
	addi	a1, a1, -1
	bnez	a1, 1b

	li	t1, 0
	li	t2, 1
	li	t5, 0
	li	t6, 0
	li	s1, 0
	li	s0, OUTER
outer:
	la	a0, buf
	li	a1, 256
inner:
	ld	t0, 0(a0)
	add	t1, t1, t0
	xor	t2, t2, t1
	slli	t3, t2, 13
	xor	t2, t2, t3
	srli	t3, t2, 7
	xor	t2, t2, t3
	mul	t4, t2, t0
	sub	t5, t5, t4
	addi	t6, t6, 1
	addw	s1, s1, t5
	sd	t2, 0(a0)
	addi	a0, a0, 8
	addi	a1, a1, -1
	bnez	a1, inner
	addi	s0, s0, -1
	bnez	s0, outer

	# Checksum: t1 t2 t5 t6 s1 and the sum of the buffer, in hex, one line.
	la	a0, buf
	li	a1, 256
	li	s2, 0
2:	ld	t0, 0(a0)
	add	s2, s2, t0
	addi	a0, a0, 8
	addi	a1, a1, -1
	bnez	a1, 2b
	mv	a0, t1
	call	puthex
	mv	a0, t2
	call	puthex
	mv	a0, t5
	call	puthex
	mv	a0, t6
	call	puthex
	mv	a0, s1
	call	puthex
	mv	a0, s2
	call	puthex
	li	a0, '\n'
	call	putc

	li	t0, TEST
	li	t1, 0x5555
	sw	t1, 0(t0)
park:
	wfi
	j	park

# putc(a0): wait for THRE, then write THR.
putc:
	li	t0, UART
3:	lbu	t1, 5(t0)
	andi	t1, t1, 0x20
	beqz	t1, 3b
	sb	a0, 0(t0)
	ret

# puthex(a0): 16 hex digits and a space.
puthex:
	addi	sp, sp, -32
	sd	ra, 0(sp)
	sd	s3, 8(sp)
	sd	s4, 16(sp)
	mv	s3, a0
	li	s4, 60
4:	srl	a0, s3, s4
	andi	a0, a0, 15
	li	t0, 10
	blt	a0, t0, 5f
	addi	a0, a0, 'a' - 10 - '0'
5:	addi	a0, a0, '0'
	call	putc
	addi	s4, s4, -4
	bgez	s4, 4b
	li	a0, ' '
	call	putc
	ld	ra, 0(sp)
	ld	s3, 8(sp)
	ld	s4, 16(sp)
	addi	sp, sp, 32
	ret

	.bss
	.align	12
buf:	.skip	256 * 8
	.align	12
	.skip	4096
stack_top:
