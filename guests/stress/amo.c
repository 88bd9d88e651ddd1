/*
 * AMO counters. Every hart, every iteration, on one cache line shared by all:
 *   amoadd.w +(h+1) and amoadd.d +(h+1)*0x100000001 on two counters;
 *   a ticket dispenser (amoadd.w), each ticket marked in a bitmap with amoor.d: no ticket twice;
 *   token passing with amoswap.d: a hart adds a hop to the token it holds and swaps it into the slot,
 *     taking the one there, so the tokens are conserved and their hops add up to the swaps;
 *   amomax.w/amomin.w (signed) and amomaxu.d/amominu.d of random values.
 */
#include "stress.h"

static struct {
	u32 addw;
	u32 tickets;
	u64 addd;
	s32 maxw;
	s32 minw;
	u64 maxud;
	u64 minud;
	u64 slot;
} line aligned(LINE);

static u64 ticket_bits[MAX_HARTS * MAX_ITERS / 64];
static struct {
	u64 token, dup, range;
	s32 maxw, minw;
	u64 maxud, minud;
} local[MAX_HARTS] aligned(LINE);

void amo_run(struct hart *me)
{
	u32 h = me->id, n = cfg.nharts, iters = cfg.iters;
	if (h == 0) {
		line.maxw = (s32)0x80000000;
		line.minw = 0x7fffffff;
		line.minud = ~0UL;
		line.slot = 0; /* token 0, no hops */
		for (u64 i = 0; i < n * (u64)iters / 64 + 1; i++)
			ticket_bits[i] = 0;
	}
	barrier(me);
	u64 token = (u64)(h + 1) << 32, dup = 0, range = 0, maxud = 0, minud = ~0UL;
	s32 maxw = (s32)0x80000000, minw = 0x7fffffff;
	for (u32 i = 0; i < iters; i++) {
		amoadd_w(&line.addw, h + 1);
		amoadd_d(&line.addd, (h + 1) * 0x100000001UL);

		u32 t = amoadd_w(&line.tickets, 1);
		if (t >= n * iters)
			range++;
		else if (amoor_d(&ticket_bits[t / 64], 1UL << (t % 64)) & (1UL << (t % 64)))
			dup++;

		token = amoswap_d(&line.slot, token + 1);

		u64 r = rng_next(&me->rng);
		s32 w = (s32)(r >> 32);
		if (w > maxw)
			maxw = w;
		if (w < minw)
			minw = w;
		if (r > maxud)
			maxud = r;
		if (r < minud)
			minud = r;
		amomax_w(&line.maxw, w);
		amomin_w(&line.minw, w);
		amomaxu_d(&line.maxud, r);
		amominu_d(&line.minud, r);
	}
	local[h].token = token;
	local[h].dup = dup;
	local[h].range = range;
	local[h].maxw = maxw;
	local[h].minw = minw;
	local[h].maxud = maxud;
	local[h].minud = minud;
}

void amo_verify(void)
{
	u32 n = cfg.nharts;
	u64 iters = cfg.iters, sum = 0, dup = 0, range = 0, marked = 0, hops = 0, ids = 0, maxud = 0, minud = ~0UL;
	s32 maxw = (s32)0x80000000, minw = 0x7fffffff;
	for (u32 h = 0; h < n; h++) {
		sum += h + 1;
		dup += local[h].dup;
		range += local[h].range;
		if (local[h].maxw > maxw)
			maxw = local[h].maxw;
		if (local[h].minw < minw)
			minw = local[h].minw;
		if (local[h].maxud > maxud)
			maxud = local[h].maxud;
		if (local[h].minud < minud)
			minud = local[h].minud;
	}
	check("amoadd.w counter", READ_ONCE(line.addw), (u32)(iters * sum));
	check("amoadd.d counter", READ_ONCE(line.addd), iters * sum * 0x100000001UL);
	check("tickets dispensed", READ_ONCE(line.tickets), n * iters);
	check("tickets out of range", range, 0);
	check("tickets taken twice", dup, 0);
	for (u64 t = 0; t < n * iters; t++)
		marked += (ticket_bits[t / 64] >> (t % 64)) & 1;
	check("tickets marked once each", marked, n * iters);

	/* The n + 1 tokens (ids 0..n) are all still there, once each, and carry one hop per swap. */
	u64 tokens[MAX_HARTS + 1];
	tokens[0] = READ_ONCE(line.slot);
	for (u32 h = 0; h < n; h++)
		tokens[h + 1] = local[h].token;
	for (u32 k = 0; k <= n; k++) {
		u64 id = tokens[k] >> 32;
		hops += tokens[k] & 0xffffffff;
		if (id <= n)
			ids |= 1UL << id;
	}
	check("amoswap.d tokens conserved (bit mask of ids)", ids, (1UL << (n + 1)) - 1);
	check("amoswap.d hops over all tokens", hops, n * iters);

	check("amomax.w (its bits as a u32)", (u32)READ_ONCE(line.maxw), (u32)maxw);
	check("amomin.w (its bits as a u32)", (u32)READ_ONCE(line.minw), (u32)minw);
	check("amomaxu.d", READ_ONCE(line.maxud), maxud);
	check("amominu.d", READ_ONCE(line.minud), minud);
}
