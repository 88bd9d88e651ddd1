/*
 * Reference-counted objects on shared lists: the structure every hart's workload shares.
 *
 *   pool_lock (an amo_lock)      protects the free list of the object allocator
 *   lists[i].lock (an lrsc_lock) protects lists[i] and the refcnt of every object on it
 *
 * An object on a list holds one reference for the list. obj_lookup() takes another under the
 * list's lock for a hart that wants to use the object, obj_put() drops it, and obj_reap() frees
 * an object that nobody but its list references any more.
 */
#include "kernel.h"

#define NR_OBJECTS 128
#define OBJ_MAGIC 0x6576696c2d6a626fUL   /* "obj-live" in memory: a live object */
#define POISON_FREE 0x6b                 /* freed objects are filled with it, as Linux's slab poison */

struct object {
	u64 magic;
	struct list_head node;   /* on a shared list, or on the allocator's free list */
	int refcnt;
	u32 owner;               /* the hart that created it */
	u64 serial;
	u64 data[4];
};

static struct object pool[NR_OBJECTS];
static struct amo_lock pool_lock;
static struct list_head free_list; /* FIFO: a freed object rests a while before it is reused */
static u64 next_serial;
struct obj_list lists[NR_LISTS];

void objects_init(void)
{
	list_init(&free_list);
	for (u32 i = 0; i < NR_OBJECTS; i++) {
		memset(&pool[i], POISON_FREE, sizeof(pool[i]));
		list_add_tail(&pool[i].node, &free_list);
	}
	for (u32 i = 0; i < NR_LISTS; i++)
		list_init(&lists[i].head);
}

noinline struct object *obj_alloc(void)
{
	struct object *obj = NULL;
	amo_lock(&pool_lock);
	if (!list_empty(&free_list)) {
		obj = container_of(free_list.next, struct object, node);
		list_del(&obj->node);
	}
	u64 serial = ++next_serial;
	amo_unlock(&pool_lock);
	if (!obj)
		return NULL;
	obj->magic = OBJ_MAGIC;
	obj->refcnt = 1;
	obj->owner = (u32)this_hart()->hartid;
	obj->serial = serial;
	for (u32 i = 0; i < 4; i++)
		obj->data[i] = serial * (i + 1);
	this_hart()->allocated++;
	return obj;
}

noinline void obj_free(struct object *obj)
{
	memset(obj, POISON_FREE, sizeof(*obj));
	amo_lock(&pool_lock);
	list_add_tail(&obj->node, &free_list);
	amo_unlock(&pool_lock);
	this_hart()->freed++;
}

/* Put a new object (refcnt 1: the list's reference) on a list; false if the list is full. */
noinline bool obj_publish(struct obj_list *l, struct object *obj)
{
	bool ok = false;
	lrsc_lock(&l->lock);
	if (l->count < LIST_MAX) {
		list_add_tail(&obj->node, &l->head);
		l->count++;
		ok = true;
	}
	lrsc_unlock(&l->lock);
	return ok;
}

/* Find the n-th object of a list (modulo its length) and take a reference to it. */
noinline struct object *obj_lookup(struct obj_list *l, u32 n)
{
	struct object *found = NULL;
	lrsc_lock(&l->lock);
	if (l->count) {
		struct list_head *p = l->head.next;
		for (n %= l->count; n; n--)
			p = p->next;
		found = container_of(p, struct object, node);
		found->refcnt++;
	}
	lrsc_unlock(&l->lock);
	return found;
}

/*
 * Drop a reference taken by obj_lookup().
 *
 * >>> THE DATA RACE (issue 3) <<<
 * The decrement below is done without the list's lock. The reasoning was: "the list still holds
 * its own reference, so this can never be the last one, so nothing can be freed here and no lock
 * is needed". That is true, but the lock also serializes every other change to refcnt, and
 * obj_lookup() on another hart does refcnt++ under the lock at any time. This load / store pair
 * is not atomic: if another hart's increment lands between the load and the store, the store
 * writes back the old value minus one and the increment is lost. The count is then one too low:
 * obj_reap() sees refcnt == 1 and frees the object while that other hart still uses it, and that
 * hart's own obj_put() later finds a freed (poisoned) object, or a count that would drop to zero.
 *
 * On one hart nothing else runs between the load and the store (interrupt handlers never touch
 * objects), so the race needs two harts and an unlucky interleaving. The fix is to decrement
 * under l->lock, or to make refcnt atomic (amoadd.w).
 */
noinline void obj_put(struct object *obj)
{
	BUG_ON(obj->magic != OBJ_MAGIC);
	int ref = READ_ONCE(obj->refcnt);   /* racy load ... */
	BUG_ON(ref < 2);
	WRITE_ONCE(obj->refcnt, ref - 1);   /* ... and racy store */
}

/* Unlink and free the first object of a list that only the list references. */
noinline bool obj_reap(struct obj_list *l)
{
	struct object *victim = NULL;
	lrsc_lock(&l->lock);
	struct list_head *p;
	for (p = l->head.next; p != &l->head; p = p->next) {
		struct object *obj = container_of(p, struct object, node);
		if (obj->refcnt == 1) {
			list_del(&obj->node);
			l->count--;
			obj->refcnt = 0;
			victim = obj;
			break;
		}
	}
	lrsc_unlock(&l->lock);
	if (!victim)
		return false;
	obj_free(victim);
	this_hart()->reaped++;
	return true;
}

/* Use an object a while: read its data, as many times as the random delay says. */
noinline u64 obj_use(struct object *obj, u32 rounds)
{
	u64 sum = 0;
	for (u32 i = 0; i < rounds; i++)
		sum += READ_ONCE(obj->data[i & 3]);
	return sum;
}

/* At the end, with every other hart idle: free whatever is left on the lists. */
void objects_drain(void)
{
	for (u32 i = 0; i < NR_LISTS; i++) {
		struct obj_list *l = &lists[i];
		lrsc_lock(&l->lock);
		while (!list_empty(&l->head)) {
			struct object *obj = container_of(l->head.next, struct object, node);
			list_del(&obj->node);
			l->count--;
			obj_free(obj);
		}
		lrsc_unlock(&l->lock);
	}
}
