/*
 * Page tables with hardware A/D bits. All harts run this section in S-mode with Sv39 on one shared
 * set of page tables: the code and data through an identity gigapage (A and D set), and 32 test
 * pages at 0xc0000000 through 4 KiB leaves whose A and D start clear. Pages 0 and 1 are hot: every
 * hart keeps storing to them (amoadd.w) and loading them while it waits.
 *
 * Epoch e: hart 0 clears A and D of every test leaf with amoand.d and flips a software bit (RSW)
 * with amoxor.d, while the other harts hammer the hot pages; then sfence.vma and a store-release
 * of the epoch. Every hart then does sfence.vma, stores to its own page W(h, e) (an amoadd.w in
 * even epochs, an lr.w/sc.w increment in odd ones, and an sw) and to both hot pages, and loads
 * every read page R(h', e) (its own with lr.w, the others with lw; the W and R pages of an epoch
 * are disjoint). After a
 * barrier hart 0 checks: A and D set on each W page and on the hot pages, A set and D clear on
 * each R page, and every leaf intact apart from A and D (its PPN, V R W and the RSW bit the flips
 * left). An A/D update that is not atomic with the AMOs would lose a flip or undo a clear.
 */
#include "stress.h"

#define PTE_V 0x1UL
#define PTE_R 0x2UL
#define PTE_W 0x4UL
#define PTE_X 0x8UL
#define PTE_A 0x40UL
#define PTE_D 0x80UL
#define PTE_RSW0 0x100UL
#define SATP_SV39 (8UL << 60)
#define NPAGES 32
#define HOT 2
#define TEST_VA 0xc0000000UL

static u64 root[512] aligned(PAGE);
static u64 l1[512] aligned(PAGE);
static volatile u64 l0[512] aligned(PAGE);
static u8 pages[NPAGES][PAGE] aligned(PAGE);

static volatile u32 epoch_go;
static u32 epochs;
static struct {
	u64 hits;                               /* stores to the hot pages, per hart */
} local[MAX_HARTS] aligned(LINE);
static u64 bad_written, bad_read_a, bad_read_d, bad_hot, bad_leaf;

static u64 leaf(u32 k)
{
	return ((u64)&pages[k] >> 12) << 10 | PTE_V | PTE_R | PTE_W;
}

static volatile u32 *va_word(u32 k, u32 offset)
{
	return (volatile u32 *)(TEST_VA + (u64)k * PAGE + offset);
}

static u32 page_written(u32 h, u32 e) { return HOT + (e * 5 + h) % (NPAGES - HOT); }
static u32 page_read(u32 h, u32 e) { return HOT + (e * 5 + MAX_HARTS + h) % (NPAGES - HOT); }

void paging_setup(void)
{
	root[2] = (0x80000000UL >> 12) << 10 | PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D;
	root[3] = ((u64)l1 >> 12) << 10 | PTE_V;
	l1[0] = ((u64)l0 >> 12) << 10 | PTE_V;
	for (u32 k = 0; k < NPAGES; k++)
		l0[k] = leaf(k);
}

static inline void sfence_vma(void)
{
	asm volatile("sfence.vma" ::: "memory");
}

/* An LR/SC increment (the store that sets D is then a store-conditional). */
static inline void sc_increment(volatile u32 *p)
{
	u32 v, rc;
	asm volatile("1: lr.w %0, %2\n addiw %0, %0, 1\n sc.w %1, %0, %2\n bnez %1, 1b"
		     : "=&r"(v), "=&r"(rc), "+A"(*p) :: "memory");
}

/* lr.w without its sc: a load, which must set A and not D. */
static inline u32 load_reserved(volatile u32 *p)
{
	u32 v;
	asm volatile("lr.w %0, %1" : "=r"(v) : "A"(*p) : "memory");
	return v;
}

/* Hart 0, between epochs: are the A/D bits what the accesses of epoch e must have left? */
static void check_epoch(u32 e, u32 n, u64 rsw)
{
	for (u32 h = 0; h < n; h++) {
		u64 w = l0[page_written(h, e)], r = l0[page_read(h, e)];
		bad_written += (w & (PTE_A | PTE_D)) != (PTE_A | PTE_D);
		bad_read_a += !(r & PTE_A);
		bad_read_d += (r & PTE_D) != 0;
	}
	for (u32 k = 0; k < HOT; k++)
		bad_hot += (l0[k] & (PTE_A | PTE_D)) != (PTE_A | PTE_D);
	for (u32 k = 0; k < NPAGES; k++)
		bad_leaf += (l0[k] & ~(PTE_A | PTE_D)) != (leaf(k) | rsw);
}

/* The section's body, in S-mode. */
static u64 paging_body(u64 arg)
{
	struct hart *me = (struct hart *)arg;
	u32 h = me->id, n = cfg.nharts;
	u64 hits = 0, loaded = 0;
	for (u32 e = 0; e < epochs; e++) {
		if (h == 0) {
			for (u32 k = 0; k < NPAGES; k++) {
				amoand_d(&l0[k], ~(PTE_A | PTE_D));
				amoxor_d(&l0[k], PTE_RSW0);
			}
			sfence_vma();
			store_release32(&epoch_go, e + 1);
		} else {
			u64 i = 0;
			while (load_acquire32(&epoch_go) != e + 1) {
				amoadd_w(va_word(i & 1, 4 * h), 1);
				loaded += *va_word((i + 1) & 1, 64);
				hits++;
				if (++i == SPIN_LIMIT) {
					me->hung++;
					return loaded;
				}
			}
		}
		sfence_vma();
		u32 w = page_written(h, e);
		if (e % 2)
			sc_increment(va_word(w, 0));
		else
			amoadd_w(va_word(w, 0), 1);
		*va_word(w, 8 + 4 * h) = e;
		for (u32 k = 0; k < HOT; k++)
			amoadd_w(va_word(k, 4 * h), 1);
		hits += HOT;
		for (u32 o = 0; o < n; o++)
			loaded += o == h ? load_reserved(va_word(page_read(o, e), 0)) : *va_word(page_read(o, e), 0);
		fence();
		barrier(me);
		if (h == 0)
			check_epoch(e, n, (e + 1) % 2 ? PTE_RSW0 : 0);
	}
	local[h].hits = hits;
	return loaded;
}

void paging_run(struct hart *me)
{
	if (me->id == 0) {
		epochs = cfg.iters / 8 ? cfg.iters / 8 : 1;
		epoch_go = 0;
		bad_written = bad_read_a = bad_read_d = bad_hot = bad_leaf = 0;
	}
	barrier(me);
	/* PMP entry 0: all of memory, RWX, so that S-mode may access it (QEMU enforces PMP). */
	csr_write(pmpaddr0, ~0UL >> 10);
	csr_write(pmpcfg0, 0x1f);
	csr_write(satp, SATP_SV39 | (u64)root >> 12);
	sfence_vma();
	run_in_smode(paging_body, (u64)me);
	csr_write(satp, 0);
	sfence_vma();
}

void paging_verify(void)
{
	u32 n = cfg.nharts;
	u64 hits = 0, hot = 0, written = 0, rsw = epochs % 2 ? PTE_RSW0 : 0, intact = 0;
	for (u32 h = 0; h < n; h++)
		hits += local[h].hits;
	for (u32 k = 0; k < HOT; k++)
		for (u32 h = 0; h < n; h++)
			hot += ((volatile u32 *)pages[k])[h];
	for (u32 k = HOT; k < NPAGES; k++)
		written += ((volatile u32 *)pages[k])[0];
	for (u32 k = 0; k < NPAGES; k++)
		intact += (l0[k] & ~(PTE_A | PTE_D)) == (leaf(k) | rsw);
	check("W pages without A and D after a store", bad_written, 0);
	check("R pages without A after a load", bad_read_a, 0);
	check("R pages with D after loads only", bad_read_d, 0);
	check("hot pages without A and D after a store", bad_hot, 0);
	check("leaves changed apart from A/D (per epoch)", bad_leaf, 0);
	check("leaves intact at the end (of 32)", intact, NPAGES);
	check("hot page stores (read back physically)", hot, hits);
	check("W page stores (read back physically)", written, (u64)n * epochs);
	info("%u epochs, %lu hot page stores", epochs, hits);
}
