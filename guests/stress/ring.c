/*
 * Single-producer single-consumer rings: ring r is written by hart r and read by hart (r + 1) % n
 * (on one hart, by itself), so every hart produces on one ring and consumes from another, polling
 * both without blocking. A ring's head, tail and first six slots share one cache line.
 * Producer: load-acquire tail, write a batch of 1-4 slots, store-release head.
 * Consumer: load-acquire head, read the slots, store-release tail.
 * The values are a per-ring pseudo-random sequence: the consumer checks each against the same
 * sequence, and both sides keep a checksum, compared at the end.
 */
#include "stress.h"

#define RING 16

struct ring {
	volatile u64 head, tail;
	volatile u64 slot[RING];
} aligned(LINE);

static struct ring rings[MAX_HARTS];
static struct {
	u64 sent, sent_sum, received, received_sum, wrong;
} side[MAX_HARTS] aligned(LINE); /* indexed by ring */

static u64 mix(u64 sum, u64 v)
{
	return ((sum << 5) | (sum >> 59)) ^ v;
}

void ring_run(struct hart *me)
{
	u32 h = me->id, n = cfg.nharts;
	u32 out = h, in = (h + n - 1) % n; /* produce on ring h, consume from ring h - 1 */
	u64 msgs = 4 * (u64)cfg.iters;
	if (h == 0)
		for (u32 r = 0; r < n; r++) {
			rings[r].head = rings[r].tail = 0;
			side[r].sent = side[r].sent_sum = side[r].received = side[r].received_sum = side[r].wrong = 0;
		}
	barrier(me);
	struct ring *po = &rings[out], *ci = &rings[in];
	u64 prng = rng_seed(cfg.seed, 1000 + out), crng = rng_seed(cfg.seed, 1000 + in);
	u64 head = 0, tail = 0, psum = 0, csum = 0, wrong = 0, idle = 0;
	while (head < msgs || tail < msgs) {
		bool progress = false;
		if (head < msgs) {
			u64 space = RING - (head - load_acquire64(&po->tail));
			u64 b = 1 + rng_next(&me->rng) % 4;
			if (b > space)
				b = space;
			if (b > msgs - head)
				b = msgs - head;
			for (u64 k = 0; k < b; k++) {
				u64 v = rng_next(&prng);
				po->slot[(head + k) % RING] = v;
				psum = mix(psum, v);
			}
			if (b) {
				head += b;
				store_release64(&po->head, head);
				progress = true;
			}
		}
		if (tail < msgs) {
			u64 avail = load_acquire64(&ci->head);
			if (avail > tail) {
				for (; tail < avail; tail++) {
					u64 v = ci->slot[tail % RING];
					wrong += v != rng_next(&crng);
					csum = mix(csum, v);
				}
				store_release64(&ci->tail, tail);
				progress = true;
			}
		}
		if (progress)
			idle = 0;
		else if (++idle == SPIN_LIMIT) {
			me->hung++;
			break;
		}
	}
	side[out].sent = head;
	side[out].sent_sum = psum;
	side[in].received = tail;
	side[in].received_sum = csum;
	side[in].wrong = wrong;
}

void ring_verify(void)
{
	u32 n = cfg.nharts;
	u64 msgs = 4 * (u64)cfg.iters, sent = 0, received = 0, wrong = 0, agree = 0;
	for (u32 r = 0; r < n; r++) {
		sent += side[r].sent;
		received += side[r].received;
		wrong += side[r].wrong;
		agree += side[r].sent_sum == side[r].received_sum && side[r].sent == side[r].received;
	}
	check("messages sent", sent, n * msgs);
	check("messages received", received, n * msgs);
	check("messages not the value sent next", wrong, 0);
	check("rings whose checksums agree on both sides", agree, n);
}
