/*
 * The two spinlocks. Each acquisition is counted per hart for the statistics, with the number of
 * times the hart found the lock taken (spins) and, for LR/SC, the store-conditionals that failed.
 */
#include "kernel.h"

/* Test-and-set with an atomic swap: amoswap.w.aq to take it, amoswap.w.rl to release it. */
void amo_lock(struct amo_lock *l)
{
	struct hart *h = this_hart();
	for (;;) {
		u32 old;
		asm volatile("amoswap.w.aq %0, %2, %1" : "=r"(old), "+A"(l->locked) : "r"(1) : "memory");
		if (!old)
			break;
		while (READ_ONCE(l->locked)) {
			h->amo_spins++;
			cpu_relax();
		}
	}
	h->amo_locks++;
}

void amo_unlock(struct amo_lock *l)
{
	asm volatile("amoswap.w.rl zero, zero, %0" : "+A"(l->locked) :: "memory");
}

/*
 * Load-reserved / store-conditional: one constrained LR/SC sequence per attempt.
 * Returns 0 when the lock was taken, 1 when sc.w failed, 2 when the lock was held.
 */
static inline u32 lrsc_try(volatile u32 *p)
{
	u32 v, rc;
	asm volatile(
		"1:	lr.w.aq	%0, %2\n"
		"	bnez	%0, 2f\n"
		"	sc.w	%1, %3, %2\n"
		"	j	3f\n"
		"2:	li	%1, 2\n"
		"3:\n"
		: "=&r"(v), "=&r"(rc), "+A"(*p)
		: "r"(1)
		: "memory");
	return rc;
}

void lrsc_lock(struct lrsc_lock *l)
{
	struct hart *h = this_hart();
	for (;;) {
		u32 rc = lrsc_try(&l->locked);
		if (rc == 0)
			break;
		if (rc == 1) {
			h->sc_failures++;
			continue;
		}
		while (READ_ONCE(l->locked)) {
			h->lrsc_spins++;
			cpu_relax();
		}
	}
	h->lrsc_locks++;
}

void lrsc_unlock(struct lrsc_lock *l)
{
	asm volatile("fence rw, w" ::: "memory");
	WRITE_ONCE(l->locked, 0);
}
