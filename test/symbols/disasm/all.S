/* Every RV64GC (+ Zihintpause) instruction and every pseudo-instruction objdump prints, for
   test/symbols/disasm.test.ts: assembled with -march=rv64gc_zihintpause -mabi=lp64d, once with
   compression (the assembler picks the C encodings where one exists) and once under .option norvc,
   so that both encodings of the same operation are compared with objdump. */

/* An instruction with the default (dyn) rounding mode and with each explicit one. */
.macro rounded insn:req, ops:vararg
	\insn	\ops
	.irp	rm, rne, rtz, rdn, rup, rmm, dyn
	\insn	\ops, \rm
	.endr
.endm

.macro amo op:req, o
	\op\().w\o	a0, a2, (a1)
	\op\().d\o	t0, t1, (sp)
.endm

/* Every A instruction with the ordering suffix `o` ("", .aq, .rl, .aqrl). */
.macro atomics o
	lr.w\o	a0, (a1)
	sc.w\o	a0, a2, (a1)
	lr.d\o	a0, (a1)
	sc.d\o	a0, a2, (a1)
	amo	amoswap, \o
	amo	amoadd, \o
	amo	amoxor, \o
	amo	amoand, \o
	amo	amoor, \o
	amo	amomin, \o
	amo	amomax, \o
	amo	amominu, \o
	amo	amomaxu, \o
.endm

/* Every F (p = s) or D (p = d) computational instruction. */
.macro floating p:req
	rounded	fadd.\p, fa0, fa1, fa2
	rounded	fsub.\p, fa0, fa1, fa2
	rounded	fmul.\p, ft0, ft1, ft2
	rounded	fdiv.\p, fs0, fs1, fs2
	rounded	fsqrt.\p, fa0, fa1
	rounded	fmadd.\p, fa0, fa1, fa2, fa3
	rounded	fmsub.\p, fa0, fa1, fa2, fa3
	rounded	fnmsub.\p, fa0, fa1, fa2, fa3
	rounded	fnmadd.\p, fa0, fa1, fa2, fa3
	rounded	fcvt.w.\p, a0, fa0
	rounded	fcvt.wu.\p, a0, fa0
	rounded	fcvt.l.\p, a0, fa0
	rounded	fcvt.lu.\p, a0, fa0
	rounded	fcvt.\p\().l, fa0, a0
	rounded	fcvt.\p\().lu, fa0, a0
	fsgnj.\p	fa0, fa1, fa2
	fsgnjn.\p	fa0, fa1, fa2
	fsgnjx.\p	fa0, fa1, fa2
	fmv.\p	fa0, fa1
	fneg.\p	fa0, fa1
	fabs.\p	fa0, fa1
	fmin.\p	fa0, fa1, fa2
	fmax.\p	fa0, fa1, fa2
	feq.\p	a0, fa1, fa2
	flt.\p	a0, fa1, fa2
	fle.\p	a0, fa1, fa2
	fgt.\p	a0, fa1, fa2
	fge.\p	a0, fa1, fa2
	fclass.\p	a0, fa1
.endm

.macro everything
1:
	/* RV64I: upper immediates, jumps, branches (chapter 2, 5) */
	lui	a0, 0x12345
	lui	a0, 0xfffff
	lui	s1, 1
	lui	t3, 0x80000
	auipc	a0, 0
	auipc	t0, 0xfffff
	jal	1b
	jal	zero, 1b
	jal	a5, 1b
	j	2f
	jalr	ra, 0(a0)
	jalr	ra, 16(a0)
	jalr	zero, 0(ra)
	jalr	zero, 0(a1)
	jalr	zero, -8(a1)
	jalr	t0, 0(t1)
	jalr	t0, 2047(t1)
	jr	a2
	ret
	beq	a0, a1, 1b
	beq	a0, zero, 1b
	beq	s0, zero, 2f
	bne	a0, a1, 1b
	bne	a0, zero, 2f
	bne	s1, zero, 1b
	blt	a0, a1, 1b
	blt	a0, zero, 1b
	blt	zero, a0, 1b
	bge	a0, a1, 1b
	bge	a0, zero, 2f
	bge	zero, a0, 2f
	bltu	a0, a1, 1b
	bgeu	a0, a1, 2f
	bgt	a0, a1, 1b
	ble	a0, a1, 1b
	bgtu	a0, a1, 1b
	bleu	a0, a1, 1b
	beqz	a3, 1b
	bnez	a3, 1b
	blez	a3, 1b
	bgez	a3, 1b
	bltz	a3, 1b
	bgtz	a3, 1b
2:
	/* loads and stores */
	lb	a0, 0(a1)
	lh	a0, -2(a1)
	lw	a0, 4(sp)
	lw	a0, 124(s0)
	ld	a0, 8(sp)
	ld	a2, 248(a3)
	ld	ra, -2048(t6)
	lbu	a0, 2047(a1)
	lhu	a0, 6(a1)
	lwu	a0, 12(a1)
	sb	a0, 0(a1)
	sh	a0, -2(a1)
	sw	a0, 4(sp)
	sw	a4, 60(a5)
	sd	a0, 8(sp)
	sd	s1, 504(s0)
	sd	zero, -8(t0)
	/* register-immediate */
	addi	a0, a1, 5
	addi	a0, a0, -32
	addi	sp, sp, -64
	addi	sp, sp, 496
	addi	a0, sp, 16
	addi	s1, sp, 1020
	addi	a0, zero, 5
	addi	a0, zero, -2048
	addi	a0, a1, 0
	addi	zero, zero, 0
	addi	zero, zero, 1
	slti	a0, a1, -5
	sltiu	a0, a1, 5
	sltiu	a0, a1, 1
	xori	a0, a1, 5
	xori	a0, a1, -1
	ori	a0, a1, 2047
	andi	a0, a1, -16
	andi	a0, a1, 255
	andi	s0, s0, 31
	slli	a0, a1, 5
	slli	a0, a0, 63
	srli	a0, a1, 33
	srli	s0, s0, 1
	srai	a0, a1, 63
	srai	a5, a5, 7
	addiw	a0, a1, 5
	addiw	a0, a0, -1
	addiw	a0, a1, 0
	sext.w	a3, a3
	slliw	a0, a1, 31
	srliw	a0, a1, 5
	sraiw	a0, a1, 0
	li	a0, 5
	li	a0, -1
	li	t0, 2047
	mv	a0, a1
	mv	s2, sp
	not	a0, a1
	neg	a0, a1
	negw	a0, a1
	seqz	a0, a1
	snez	a0, a1
	sltz	a0, a1
	sgtz	a0, a1
	nop
	/* register-register */
	add	a0, a1, a2
	add	a0, a0, a2
	sub	a0, a1, a2
	sub	s0, s0, a5
	sll	a0, a1, a2
	slt	a0, a1, a2
	sltu	a0, a1, a2
	sltu	a0, zero, zero
	xor	a0, a1, a2
	xor	a4, a4, a5
	srl	a0, a1, a2
	sra	a0, a1, a2
	or	a0, a1, a2
	or	s1, s1, a0
	and	a0, a1, a2
	and	a2, a2, a3
	addw	a0, a1, a2
	addw	a0, a0, a1
	subw	a0, a1, a2
	subw	a0, a0, a1
	sllw	a0, a1, a2
	srlw	a0, a1, a2
	sraw	a0, a1, a2
	/* memory ordering, environment */
	fence
	fence	rw, rw
	fence	r, rw
	fence	iorw, iorw
	fence	w, r
	fence	i, o
	fence.i
	fence.tso
	pause
	ecall
	ebreak
	unimp
	/* M (chapter 7) */
	mul	a0, a1, a2
	mulh	a0, a1, a2
	mulhsu	a0, a1, a2
	mulhu	a0, a1, a2
	div	a0, a1, a2
	divu	a0, a1, a2
	rem	a0, a1, a2
	remu	a0, a1, a2
	mulw	a0, a1, a2
	divw	a0, a1, a2
	divuw	a0, a1, a2
	remw	a0, a1, a2
	remuw	a0, a1, a2
	/* A (chapter 8), every ordering */
	atomics
	atomics	.aq
	atomics	.rl
	atomics	.aqrl
	/* F and D (chapters 11, 12), every rounding mode */
	flw	fa0, 0(a0)
	flw	ft0, -4(sp)
	fsw	fa0, 8(a0)
	fld	fa0, 0(a0)
	fld	fs0, 8(s1)
	fld	ft1, 504(sp)
	fsd	fa0, -8(a0)
	fsd	fs1, 16(a5)
	fsd	ft11, 8(sp)
	floating	s
	floating	d
	rounded	fcvt.s.w, fa0, a0
	rounded	fcvt.s.wu, fa0, a0
	rounded	fcvt.s.d, fa0, fa1
	fcvt.d.w	fa0, a0
	fcvt.d.wu	fa0, a0
	fcvt.d.s	fa0, fa1
	fmv.x.w	a0, fa0
	fmv.w.x	fa0, a0
	fmv.x.d	a0, fa0
	fmv.d.x	fa0, a0
	/* Zicsr (chapter 9) and its pseudo-instructions */
	csrrw	a0, sstatus, a1
	csrrs	a0, sstatus, a1
	csrrc	a0, sstatus, a1
	csrrwi	a0, sstatus, 5
	csrrsi	a0, sstatus, 31
	csrrci	a0, sstatus, 1
	csrr	a0, mhartid
	csrw	satp, a0
	csrs	sie, a0
	csrc	sip, a0
	csrwi	stvec, 4
	csrsi	sstatus, 2
	csrci	sstatus, 2
	csrr	a0, 0x7ff
	csrw	0x123, a0
	.irp	c, cycle, time, instret, hpmcounter3, hpmcounter31, sstatus, sie, stvec, scounteren, senvcfg, sscratch, sepc, scause, stval, sip, satp, mstatus, misa, medeleg, mideleg, mie, mtvec, mcounteren, mscratch, mepc, mcause, mtval, mip, mtinst, mtval2, menvcfg, mseccfg, pmpcfg0, pmpcfg2, pmpaddr0, pmpaddr63, mcycle, minstret, mhpmcounter3, mhpmevent3, mcountinhibit, mvendorid, marchid, mimpid, mhartid, mconfigptr, tselect, tdata1, tdata2, tdata3, dcsr, dpc, dscratch0, dscratch1, hstatus, hgatp, vsstatus, vsatp, vl, vtype, vlenb, vstart, seed, stimecmp, fflags, frm, fcsr
	csrr	a0, \c
	csrrw	a1, \c, a2
	.endr
	rdcycle	a0
	rdtime	a0
	rdinstret	a0
	frflags	a0
	fsflags	a1
	fsflags	a0, a1
	fsflagsi	3
	fsflagsi	a0, 3
	frrm	a0
	fsrm	a1
	fsrm	a0, a1
	fsrmi	2
	fsrmi	a0, 2
	frcsr	a0
	fscsr	a1
	fscsr	a0, a1
	/* privileged (priv spec 3.3, 4.2) */
	sret
	mret
	wfi
	sfence.vma
	sfence.vma	a0
	sfence.vma	a0, a1
	sfence.vma	zero, a1
.endm

/* C (chapter 16) spelled out: only where compression is on. */
.macro compressed
1:
	c.addi4spn	a0, sp, 8
	c.fld	fa0, 8(a1)
	c.lw	a0, 4(a1)
	c.ld	a0, 8(a1)
	c.fsd	fa0, 248(a1)
	c.sw	a0, 124(a1)
	c.sd	a0, 248(a1)
	c.nop
	c.addi	a0, -32
	c.addiw	a0, 31
	c.addiw	a0, 0
	c.li	a0, -32
	c.addi16sp	sp, -512
	c.addi16sp	sp, 496
	c.lui	a0, 0xfffe0
	c.lui	a0, 31
	c.srli	s0, 1
	c.srai	s0, 63
	c.andi	s0, -1
	c.sub	s0, s1
	c.xor	s0, s1
	c.or	s0, s1
	c.and	s0, s1
	c.subw	s0, s1
	c.addw	s0, s1
	c.j	1b
	c.beqz	s0, 1b
	c.bnez	s0, 1b
	c.slli	a0, 63
	c.fldsp	fa0, 504(sp)
	c.lwsp	a0, 252(sp)
	c.ldsp	a0, 504(sp)
	c.jr	a0
	c.jr	ra
	c.mv	a0, a1
	c.ebreak
	c.jalr	a0
	c.add	a0, a1
	c.fsdsp	fa0, 504(sp)
	c.swsp	a0, 252(sp)
	c.sdsp	a0, 504(sp)
	c.unimp
.endm

	.text
	.globl	all_rvc
all_rvc:
	.option	rvc
	everything
	compressed

	.globl	all_norvc
all_norvc:
	.option	norvc
	everything
	.option	rvc
