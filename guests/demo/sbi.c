/* Calls into the SBI (M-mode firmware, or the emulator's built-in SBI). */
#include "kernel.h"

#define SBI_EXT_TIME 0x54494d45
#define SBI_EXT_HSM 0x48534d
#define SBI_EXT_SRST 0x53525354

struct sbiret sbi_call(u64 ext, u64 fid, u64 a0, u64 a1, u64 a2)
{
	register u64 r_a0 asm("a0") = a0;
	register u64 r_a1 asm("a1") = a1;
	register u64 r_a2 asm("a2") = a2;
	register u64 r_a6 asm("a6") = fid;
	register u64 r_a7 asm("a7") = ext;
	asm volatile("ecall" : "+r"(r_a0), "+r"(r_a1) : "r"(r_a2), "r"(r_a6), "r"(r_a7) : "memory");
	return (struct sbiret){ (s64)r_a0, (s64)r_a1 };
}

void sbi_set_timer(u64 when)
{
	sbi_call(SBI_EXT_TIME, 0, when, 0, 0);
}

s64 sbi_hart_start(u64 hartid, u64 start_pa, u64 opaque)
{
	return sbi_call(SBI_EXT_HSM, 0, hartid, start_pa, opaque).error;
}

/* SRST system_reset(shutdown, reason): reason 0 = no reason, 1 = system failure. */
noreturn void sbi_shutdown(bool failure)
{
	sbi_call(SBI_EXT_SRST, 0, 0, failure ? 1 : 0, 0);
	/* No SRST: try the sifive,test finisher (pass 0x5555, fail 0x3333 | code << 16). */
	*(volatile u32 *)ioaddr(0x100000) = failure ? (0x3333 | (1 << 16)) : 0x5555;
	for (;;)
		asm volatile("wfi");
}
