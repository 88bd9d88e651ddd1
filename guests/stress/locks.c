/*
 * Spinlocks guarding plain (non-atomic) read-modify-writes of shared counters:
 *   a test-and-test-and-set lock (amoswap.w.aq to take, fence rw,w + sw to release);
 *   a ticket lock (amoadd.w for the ticket, load-acquire of now-serving; the holder releases it
 *     with a store-release of the next ticket).
 * Inside: an owner word checks mutual exclusion (it must be free on entry), a count and a sum
 * are updated with plain loads and stores, and under the ticket lock the count before the
 * increment must equal the ticket (tickets are served in order). The lock words, owner and
 * counters of each lock share one cache line.
 */
#include "stress.h"

#define NOBODY 0xffffffffu

struct guarded {
	volatile u32 lock;      /* TAS: 1 = held. Ticket: next ticket */
	volatile u32 serving;   /* ticket lock only */
	volatile u32 owner;
	volatile u32 overlaps;  /* entries that found another owner */
	volatile u32 count;
	volatile u32 disorder;  /* ticket lock: entries whose count was not their ticket */
	volatile u64 sum;
} aligned(LINE);

static struct guarded tas, ticket;

static void critical(struct guarded *g, u32 h, u64 ticket_no, bool ordered)
{
	if (g->owner != NOBODY)
		g->overlaps = g->overlaps + 1;
	g->owner = h;
	u32 c = g->count;
	if (ordered && c != ticket_no)
		g->disorder = g->disorder + 1;
	compiler_barrier();
	g->sum = g->sum + h + 1;
	g->count = c + 1;
	if (g->owner != h)
		g->overlaps = g->overlaps + 1;
	g->owner = NOBODY;
}

static bool tas_lock(struct hart *me)
{
	for (u64 i = 0; i < SPIN_LIMIT; i++) {
		if (!amoswap_w_aq(&tas.lock, 1))
			return true;
		me->stats[0]++;
		while (READ_ONCE(tas.lock) && ++i < SPIN_LIMIT)
			;
	}
	me->hung++;
	return false;
}

void locks_run(struct hart *me)
{
	u32 h = me->id;
	if (h == 0) {
		tas = (struct guarded){ .owner = NOBODY };
		ticket = (struct guarded){ .owner = NOBODY };
	}
	barrier(me);
	for (u32 i = 0; i < cfg.iters; i++) {
		if (!tas_lock(me))
			return;
		critical(&tas, h, 0, false);
		store_release32(&tas.lock, 0);

		u32 my = amoadd_w(&ticket.lock, 1);
		u64 spins = 0;
		while (load_acquire32(&ticket.serving) != my)
			if (++spins == SPIN_LIMIT) {
				me->hung++;
				return;
			}
		me->stats[1] += spins;
		critical(&ticket, h, my, true);
		store_release32(&ticket.serving, my + 1);
	}
}

void locks_verify(void)
{
	u64 n = cfg.nharts, iters = cfg.iters;
	check("test-and-set lock: count", tas.count, n * iters);
	check("test-and-set lock: sum", tas.sum, iters * n * (n + 1) / 2);
	check("test-and-set lock: overlapping holders", tas.overlaps, 0);
	check("ticket lock: count", ticket.count, n * iters);
	check("ticket lock: sum", ticket.sum, iters * n * (n + 1) / 2);
	check("ticket lock: overlapping holders", ticket.overlaps, 0);
	check("ticket lock: entries out of ticket order", ticket.disorder, 0);
	check("ticket lock: tickets dispensed", ticket.lock, n * iters);
	info("test-and-set lock found taken %lu times; ticket lock waits %lu polls", stats_sum(0), stats_sum(1));
}
