/*
 * LR/SC loops: increments by constrained LR/SC retry loops (no other memory access between lr and
 * sc, so that the loop makes progress), counting the failed store-conditionals:
 *   one shared word (lr.w/sc.w), every hart, every iteration;
 *   one cache line of 8 doublewords (lr.d/sc.d): hart h in iteration i increments word (h + i) % 8;
 *   one cache line of 16 words (lr.w/sc.w): hart h in iteration i increments word (3h + i) % 16.
 */
#include "stress.h"

static volatile u32 word aligned(LINE);
static volatile u64 dline[8] aligned(LINE);
static volatile u32 wline[16] aligned(LINE);

/* Add 1 by LR/SC; returns the number of failed sc. */
static inline u64 inc_w(volatile u32 *p)
{
	u64 fails;
	u32 v, rc;
	asm volatile(
		"	li	%0, -1\n"
		"1:	addi	%0, %0, 1\n"
		"	lr.w	%1, %3\n"
		"	addiw	%1, %1, 1\n"
		"	sc.w	%2, %1, %3\n"
		"	bnez	%2, 1b\n"
		: "=&r"(fails), "=&r"(v), "=&r"(rc), "+A"(*p) :: "memory");
	return fails;
}

static inline u64 inc_d(volatile u64 *p)
{
	u64 fails, v, rc;
	asm volatile(
		"	li	%0, -1\n"
		"1:	addi	%0, %0, 1\n"
		"	lr.d.aq	%1, %3\n"
		"	addi	%1, %1, 1\n"
		"	sc.d.rl	%2, %1, %3\n"
		"	bnez	%2, 1b\n"
		: "=&r"(fails), "=&r"(v), "=&r"(rc), "+A"(*p) :: "memory");
	return fails;
}

void lrsc_run(struct hart *me)
{
	u32 h = me->id;
	if (h == 0) {
		word = 0;
		for (int i = 0; i < 8; i++)
			dline[i] = 0;
		for (int i = 0; i < 16; i++)
			wline[i] = 0;
	}
	barrier(me);
	u64 fails = 0;
	for (u32 i = 0; i < cfg.iters; i++) {
		fails += inc_w(&word);
		fails += inc_d(&dline[(h + i) % 8]);
		fails += inc_w(&wline[(3 * h + i) % 16]);
	}
	me->stats[0] = fails;
}

void lrsc_verify(void)
{
	u64 n = cfg.nharts, iters = cfg.iters, d_ok = 0, w_ok = 0;
	check("lr.w/sc.w shared word", word, n * iters);
	for (u64 j = 0; j < 8; j++) {
		u64 want = 0;
		for (u64 h = 0; h < n; h++)
			want += iters / 8 + ((j + 8 - h % 8) % 8 < iters % 8);
		d_ok += dline[j] == want;
	}
	check("lr.d/sc.d line: words with their exact count (of 8)", d_ok, 8);
	for (u64 j = 0; j < 16; j++) {
		u64 want = 0;
		for (u64 h = 0; h < n; h++)
			want += iters / 16 + ((j + 16 - (3 * h) % 16) % 16 < iters % 16);
		w_ok += wline[j] == want;
	}
	check("lr.w/sc.w line: words with their exact count (of 16)", w_ok, 16);
	u64 total = 0;
	for (u64 j = 0; j < 8; j++)
		total += dline[j];
	for (u64 j = 0; j < 16; j++)
		total += wline[j];
	check("lr/sc line increments in all", total, 2 * n * iters);
	info("%lu failed sc in %lu increments", stats_sum(0), 3 * n * iters);
}
