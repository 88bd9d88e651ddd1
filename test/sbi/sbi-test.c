// An S-mode program that exercises the SBI calls a kernel makes, printing one line per check.
// The same binary runs on our built-in SBI, on OpenSBI on our machine, and on OpenSBI on QEMU, and
// the lines must agree (apart from the implementation id line).
#include <stdint.h>

struct sbiret { long error; long value; };

static struct sbiret sbi_call(long eid, long fid, long a0, long a1, long a2) {
	register long r0 asm("a0") = a0, r1 asm("a1") = a1, r2 asm("a2") = a2;
	register long r6 asm("a6") = fid, r7 asm("a7") = eid;
	asm volatile("ecall" : "+r"(r0), "+r"(r1) : "r"(r2), "r"(r6), "r"(r7) : "memory");
	return (struct sbiret){ r0, r1 };
}

#define EXT_BASE 0x10
#define EXT_TIME 0x54494D45
#define EXT_IPI 0x735049
#define EXT_HSM 0x48534D
#define EXT_SRST 0x53525354
#define EXT_DBCN 0x4442434E

static void putc_legacy(char c) { sbi_call(1, 0, c, 0, 0); }
static void puts_(const char *s) { while (*s) putc_legacy(*s++); }
static void putdec(unsigned long v) {
	char b[24]; int i = 0;
	do { b[i++] = '0' + v % 10; v /= 10; } while (v);
	while (i) putc_legacy(b[--i]);
}
static void line(const char *what, long v) { puts_(what); puts_(" "); if (v < 0) { putc_legacy('-'); v = -v; } putdec(v); puts_("\n"); }

static inline unsigned long rdtime(void) { unsigned long t; asm volatile("rdtime %0" : "=r"(t)); return t; }

extern char secondary_entry[], trap_entry[];
static volatile int secondary_ran, timer_fired, ipi_fired;

void trap(void) {
	unsigned long cause;
	asm volatile("csrr %0, scause" : "=r"(cause));
	if (cause == ((1UL << 63) | 5)) {       // supervisor timer interrupt
		timer_fired++;
		sbi_call(EXT_TIME, 0, -1, 0, 0);       // disarm
	} else if (cause == ((1UL << 63) | 1)) { // supervisor software interrupt (IPI)
		ipi_fired++;
		asm volatile("csrc sip, %0" :: "r"(2));
	} else {
		puts_("unexpected trap\n");
		sbi_call(EXT_SRST, 0, 0, 1, 0);
	}
}

void secondary_main(unsigned long hartid, unsigned long opaque) {
	secondary_ran = opaque == 0x8000000000000042UL ? 42 : -1; // all 64 bits arrive
	sbi_call(EXT_HSM, 1, 0, 0, 0);  // hart_stop: does not return
}

void main(unsigned long hartid, unsigned long dtb) {
	puts_("sbi-test: start\n");
	struct sbiret r = sbi_call(EXT_BASE, 0, 0, 0, 0);
	line("spec version >= 1.0:", (r.value >> 24) >= 1);
	line("probe TIME:", sbi_call(EXT_BASE, 3, EXT_TIME, 0, 0).value != 0);
	line("probe IPI:", sbi_call(EXT_BASE, 3, EXT_IPI, 0, 0).value != 0);
	line("probe HSM:", sbi_call(EXT_BASE, 3, EXT_HSM, 0, 0).value != 0);
	line("probe SRST:", sbi_call(EXT_BASE, 3, EXT_SRST, 0, 0).value != 0);
	line("probe unknown:", sbi_call(EXT_BASE, 3, 0x12345678, 0, 0).value);
	line("unknown extension error:", sbi_call(0x12345678, 0, 0, 0, 0).error);

	static const char msg[] = "dbcn: write through the debug console\n";
	if (sbi_call(EXT_BASE, 3, EXT_DBCN, 0, 0).value) {
		sbi_call(EXT_DBCN, 0, sizeof msg - 1, (long)msg, 0);
	} else {
		puts_(msg); // OpenSBI 1.1 predates DBCN
	}

	// Timer: arm 1 ms ahead and wait for the interrupt.
	asm volatile("csrw stvec, %0" :: "r"(trap_entry));
	asm volatile("csrs sie, %0" :: "r"((1 << 5) | (1 << 1)));
	asm volatile("csrs sstatus, %0" :: "r"(2));
	unsigned long t0 = rdtime();
	sbi_call(EXT_TIME, 0, t0 + 10000, 0, 0);
	while (!timer_fired && rdtime() - t0 < 100000000) asm volatile("wfi");
	line("timer interrupt:", timer_fired);
	line("time advanced at least 1 ms:", rdtime() - t0 >= 10000);

	// IPI to self.
	sbi_call(EXT_IPI, 0, 1UL << hartid, 0, 0);
	for (int i = 0; i < 1000 && !ipi_fired; i++) asm volatile("nop");
	line("ipi to self:", ipi_fired);

	// HSM: start another hart, which records its opaque value and stops itself.
	unsigned long other = hartid == 0 ? 1 : 0;
	line("other hart stopped before start:", sbi_call(EXT_HSM, 2, other, 0, 0).value == 1);
	line("hart_start:", sbi_call(EXT_HSM, 0, other, (long)secondary_entry, (long)0x8000000000000042UL).error);
	for (unsigned long t = rdtime(); !secondary_ran && rdtime() - t < 100000000;) {}
	line("secondary ran with opaque:", secondary_ran);
	unsigned long t1 = rdtime();
	while (sbi_call(EXT_HSM, 2, other, 0, 0).value != 1 && rdtime() - t1 < 100000000) {}
	line("other hart stopped again:", sbi_call(EXT_HSM, 2, other, 0, 0).value == 1);
	line("hart_start of a bad hart:", sbi_call(EXT_HSM, 0, 99, (long)secondary_entry, 0).error);

	puts_("sbi-test: done\n");
	sbi_call(EXT_SRST, 0, 0, 0, 0); // shutdown, no reason
	puts_("still running after shutdown\n");
}
