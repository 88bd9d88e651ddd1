/*
 * Traps: timer and external interrupts, and everything else as an oops in the style of Linux:
 * the reason, the hart, the registers and a backtrace walked from the frame pointers, with
 * symbol names from the table that the build embeds in the kernel (kallsyms.S, generated).
 */
#include "kernel.h"

#define CAUSE_IRQ (1UL << 63)
#define IRQ_S_SOFT 1
#define IRQ_S_TIMER 5
#define IRQ_S_EXT 9
#define EXC_BREAKPOINT 3

extern const struct bug_entry __start___bug_table[], __stop___bug_table[];
extern const char _stext[], _etext[];
void console_lock_bust(void);

/* The symbol table: sorted by address, offsets from _stext (see kallsyms.awk). */
struct ksym { u32 offset, size, name; };
extern const u32 kallsyms_num;
extern const struct ksym kallsyms_syms[];
extern const char kallsyms_names[];

const char *kallsyms_lookup(u64 addr, u64 *offset, u64 *size)
{
	u64 base = (u64)_stext;
	if (addr < base || addr >= (u64)_etext || kallsyms_num == 0)
		return NULL;
	u64 off = addr - base;
	u32 lo = 0, hi = kallsyms_num; /* find the last symbol at or below off */
	while (hi - lo > 1) {
		u32 mid = (lo + hi) / 2;
		if (kallsyms_syms[mid].offset <= off)
			lo = mid;
		else
			hi = mid;
	}
	const struct ksym *s = &kallsyms_syms[lo];
	if (s->offset > off)
		return NULL;
	*offset = off - s->offset;
	*size = s->size;
	return kallsyms_names + s->name;
}

/* "function+0x24/0x80", as Linux's %pS */
static const char *symbolize(u64 addr, char *buf, size_t len)
{
	u64 off, size;
	const char *name = kallsyms_lookup(addr, &off, &size);
	if (name)
		snprintf(buf, len, "%s+0x%lx/0x%lx", name, off, size);
	else
		snprintf(buf, len, "0x%lx", addr);
	return buf;
}

static u64 timer_interval;

void timer_init_hart(void)
{
	timer_interval = (dt.timebase ? dt.timebase : 10000000) / 100; /* 100 Hz */
	sbi_set_timer(rdtime() + timer_interval);
	csr_set(sie, IE_STIE);
}

/* The timer tick only counts: it must not touch the workload's objects. */
static void timer_tick(void)
{
	this_hart()->ticks++;
	sbi_set_timer(rdtime() + timer_interval);
}

static const char *const exception_names[] = {
	"instruction address misaligned", "instruction access fault", "illegal instruction",
	"breakpoint", "load address misaligned", "load access fault", "store address misaligned",
	"store access fault", "environment call from U-mode", "environment call from S-mode",
	"reserved", "environment call from M-mode", "instruction page fault", "load page fault",
	"reserved", "store page fault",
};

void handle_trap(struct pt_regs *regs)
{
	u64 cause = regs->cause;
	if (cause & CAUSE_IRQ) {
		switch (cause & ~CAUSE_IRQ) {
		case IRQ_S_TIMER:
			timer_tick();
			return;
		case IRQ_S_EXT:
			plic_handle_irq(this_hart()->hartid);
			return;
		case IRQ_S_SOFT:
			csr_clear(sip, 1UL << IRQ_S_SOFT);
			return;
		}
		die(regs, "Oops - unexpected interrupt");
	}
	if (cause == EXC_BREAKPOINT) {
		for (const struct bug_entry *b = __start___bug_table; b < __stop___bug_table; b++) {
			if (b->addr == regs->epc) {
				printk("------------[ cut here ]------------\n");
				printk("kernel BUG at %s:%lu!\n", b->file, b->line);
				die(regs, "Kernel BUG");
			}
		}
		die(regs, "Oops - breakpoint");
	}
	if (cause == 12 || cause == 13 || cause == 15) {
		printk("Unable to handle kernel %s at virtual address %016lx\n",
		       regs->badaddr < 4096 ? "NULL pointer dereference" : "paging request", regs->badaddr);
		die(regs, "Oops");
	}
	char why[64];
	snprintf(why, sizeof(why), "Oops - %s", cause < ARRAY_SIZE(exception_names) ? exception_names[cause] : "unknown exception");
	die(regs, why);
}

/* A frame record, just below the address that s0 (fp) holds: the caller's fp and the return address. */
struct stackframe { u64 fp, ra; };

static bool on_stack(u64 fp, u64 sp, struct hart *h)
{
	return fp >= sp && fp <= h->stack_hi && (fp & 7) == 0;
}

/*
 * Walk the frame pointers from (pc, fp, sp), as Linux's walk_stackframe. In the innermost frame
 * the function may be a leaf that did not save ra: then the word at fp - 8 is a stack address
 * (the caller's fp), and the return address is still in the trapped ra.
 */
static void backtrace(u64 pc, u64 fp, u64 sp, u64 ra)
{
	struct hart *h = this_hart();
	char sym[96];
	bool first = true;
	for (int depth = 0; depth < 32 && pc; depth++) {
		printk("[<%016lx>] %s\n", pc, symbolize(pc, sym, sizeof(sym)));
		if (!on_stack(fp, sp, h) || fp - sizeof(struct stackframe) < sp)
			break;
		const struct stackframe *frame = (const struct stackframe *)fp - 1;
		sp = fp;
		if (first && ra && on_stack(frame->ra, sp, h)) {
			fp = frame->ra;
			pc = ra;
		} else {
			fp = frame->fp;
			pc = frame->ra;
		}
		first = false;
	}
}

static void show_regs(struct pt_regs *r)
{
	char sym[96];
	printk("epc : %s\n", symbolize(r->epc, sym, sizeof(sym)));
	printk(" ra : %s\n", symbolize(r->ra, sym, sizeof(sym)));
	printk("epc : %016lx ra : %016lx sp : %016lx\n", r->epc, r->ra, r->sp);
	printk(" gp : %016lx tp : %016lx t0 : %016lx\n", r->gp, r->tp, r->t0);
	printk(" t1 : %016lx t2 : %016lx s0 : %016lx\n", r->t1, r->t2, r->s0);
	printk(" s1 : %016lx a0 : %016lx a1 : %016lx\n", r->s1, r->a0, r->a1);
	printk(" a2 : %016lx a3 : %016lx a4 : %016lx\n", r->a2, r->a3, r->a4);
	printk(" a5 : %016lx a6 : %016lx a7 : %016lx\n", r->a5, r->a6, r->a7);
	printk(" s2 : %016lx s3 : %016lx s4 : %016lx\n", r->s2, r->s3, r->s4);
	printk(" s5 : %016lx s6 : %016lx s7 : %016lx\n", r->s5, r->s6, r->s7);
	printk(" s8 : %016lx s9 : %016lx s10: %016lx\n", r->s8, r->s9, r->s10);
	printk(" s11: %016lx t3 : %016lx t4 : %016lx\n", r->s11, r->t3, r->t4);
	printk(" t5 : %016lx t6 : %016lx\n", r->t5, r->t6);
	printk("status: %016lx badaddr: %016lx cause: %016lx\n", r->status, r->badaddr, r->cause);
}

/* Claim the console for this hart's oops; a second hart that oopses meanwhile just stops. */
static void oops_begin(void)
{
	csr_clear(sstatus, SR_SIE);
	int me = (int)this_hart()->hartid + 1, prev;
	asm volatile("amoswap.w.aq %0, %2, %1" : "=r"(prev), "+A"(oops_in_progress) : "r"(me) : "memory");
	if (prev && prev != me)
		for (;;)
			asm volatile("wfi");
	/* Let the other harts finish the line they may be printing, then take the console. */
	u64 until = rdtime() + (dt.timebase ? dt.timebase : 10000000) / 100;
	while (rdtime() < until)
		cpu_relax();
	console_lock_bust();
}

static noreturn void oops_end(const char *what)
{
	printk("---[ end trace 0000000000000000 ]---\n");
	printk("Kernel panic - not syncing: %s\n", what);
	printk("---[ end Kernel panic - not syncing: %s ]---\n", what);
	sbi_shutdown(true);
}

noreturn void die(struct pt_regs *regs, const char *why)
{
	struct hart *h = this_hart();
	oops_begin();
	printk("%s [#1]\n", why);
	printk("CPU: %lu PID: 0 Comm: worker/%lu Not tainted 0.1-samsara-demo #1\n", h->hartid, h->hartid);
	printk("Hardware name: %s (DT)\n", dt.model ? dt.model : "riscv-virtio");
	show_regs(regs);
	printk("Call Trace:\n");
	backtrace(regs->epc, regs->s0, regs->sp, regs->ra);
	oops_end("Fatal exception");
}

noreturn noinline void panic(const char *fmt, ...)
{
	char msg[128];
	__builtin_va_list ap;
	__builtin_va_start(ap, fmt);
	vsnprintf_ap(msg, sizeof(msg), fmt, ap);
	__builtin_va_end(ap);
	oops_begin();
	printk("Kernel panic - not syncing: %s\n", msg);
	printk("CPU: %lu PID: 0 Comm: worker/%lu Not tainted 0.1-samsara-demo #1\n", this_hart()->hartid, this_hart()->hartid);
	printk("Call Trace:\n");
	u64 sp;
	asm volatile("mv %0, sp" : "=r"(sp));
	backtrace((u64)panic, (u64)__builtin_frame_address(0), sp, 0);
	printk("---[ end Kernel panic - not syncing: %s ]---\n", msg);
	sbi_shutdown(true);
}
