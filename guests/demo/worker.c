/*
 * The workload that every hart runs: create objects and publish them on the shared lists, look
 * objects up and use them a while, and reap the ones nobody uses. The list, the operation and
 * how long an object is used are random (xorshift64*, seeded per hart from virtio-rng), so the
 * harts interleave differently on every run.
 */
#include "kernel.h"

#define MAX_USE 1024 /* rounds of obj_use(): up to a few thousand instructions */

u64 random_u64(void)
{
	struct hart *h = this_hart();
	u64 x = h->rng;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	h->rng = x;
	return x * 0x2545f4914f6cdd1dUL;
}

static noinline void create_one(struct obj_list *l)
{
	struct object *obj = obj_alloc();
	if (obj && !obj_publish(l, obj))
		obj_free(obj); /* the list is full */
}

static noinline void lookup_and_use(struct obj_list *l)
{
	struct object *obj = obj_lookup(l, random_below(LIST_MAX));
	if (!obj)
		return;
	this_hart()->lookups++;
	this_hart()->checksum += obj_use(obj, random_below(MAX_USE));
	obj_put(obj);
}

void worker(void)
{
	struct hart *h = this_hart();
	for (u64 i = 0; i < ops_per_hart && !READ_ONCE(stop_requested) && !READ_ONCE(oops_in_progress); i++) {
		struct obj_list *l = &lists[random_below(NR_LISTS)];
		switch (random_below(4)) {
		case 0:
			create_one(l);
			break;
		case 1:
			obj_reap(l);
			break;
		default:
			lookup_and_use(l);
			break;
		}
		h->ops++;
	}
}
