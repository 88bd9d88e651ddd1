/*
 * Boot, the command line, the barrier and the section loop.
 *
 * Command line (/chosen/bootargs): sections=amo,lrsc,locks,ring,paging,fencei (default: all),
 * iters=N (1..131072, default 1000) and seed=N (default 1). Each section runs on every hart, then
 * hart 0 checks its invariants and prints one line per invariant: "ok   SECTION: ..." or
 * "FAIL SECTION: ...". The run powers off through the sifive_test finisher with exit code 0 when
 * every invariant held, else the number of the first section that failed (amo 1, lrsc 2, locks 3,
 * ring 4, paging 5, fencei 6; 10 for a bad command line).
 */
#include "stress.h"

struct config cfg;
struct hart harts[MAX_HARTS];

static const char *const names[NR_SECTIONS + 1] = { "", "amo", "lrsc", "locks", "ring", "paging", "fencei" };
static volatile u32 started;
static volatile u32 bar_count, bar_sense;
static volatile u32 current;     /* the section running, for the trap handler */
static u32 failed_section;      /* the first section with a failed invariant (hart 0) */
static u32 checks, failures;

u64 rng_next(u64 *s)
{
	u64 x = *s;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dUL;
}

u64 rng_seed(u64 seed, u64 stream)
{
	u64 s = (seed + 1) * 0x9e3779b97f4a7c15UL ^ (stream + 1) * 0xbf58476d1ce4e5b9UL;
	return s ? s : 1;
}

noreturn void poweroff(u32 code)
{
	volatile u32 *finisher = (volatile u32 *)0x100000UL;
	fence();
	*finisher = code ? (0x3333 | code << 16) : 0x5555;
	for (;;)
		asm volatile("wfi");
}

/* Called from the trap vector for any trap but the S-mode return: print it and fail the section. */
noreturn void fatal_trap(u64 cause, u64 epc, u64 tval)
{
	u32 s = current;
	console_lock();
	kprintf("FAIL %s: unexpected trap on hart %lu: mcause %lx mepc %lx mtval %lx\n", s ? names[s] : "boot",
		csr_read(mhartid), cause, epc, tval);
	kprintf("stress: FAILED in section %s (exit code %u)\n", s ? names[s] : "boot", s ? s : EXIT_BAD_ARGS);
	poweroff(s ? s : EXIT_BAD_ARGS);
}

/* A sense-reversing barrier over all harts. */
void barrier(struct hart *me)
{
	u32 sense = me->sense ^ 1;
	me->sense = sense;
	if (amoadd_w(&bar_count, 1) == cfg.nharts - 1) {
		bar_count = 0;
		store_release32(&bar_sense, sense);
		return;
	}
	for (u64 i = 0; load_acquire32(&bar_sense) != sense; i++)
		if (i == SPIN_LIMIT * 4)
			fatal_trap(0xbad0ba55, 0, 0); /* a barrier that never completes: no way to go on */
}

bool spin_wait32(struct hart *me, const volatile u32 *p, u32 want)
{
	for (u64 i = 0; i < SPIN_LIMIT; i++)
		if (load_acquire32(p) == want)
			return true;
	me->hung++;
	return false;
}

bool spin_wait64(struct hart *me, const volatile u64 *p, u64 want)
{
	for (u64 i = 0; i < SPIN_LIMIT; i++)
		if (load_acquire64(p) == want)
			return true;
	me->hung++;
	return false;
}

void check(const char *what, u64 got, u64 want)
{
	bool ok = got == want;
	checks++;
	kprintf("%s %s: %s = %lu (expected %lu)\n", ok ? "ok  " : "FAIL", names[current], what, got, want);
	if (!ok) {
		failures++;
		if (!failed_section)
			failed_section = current;
	}
}

void info(const char *fmt, ...)
{
	__builtin_va_list ap;
	__builtin_va_start(ap, fmt);
	kprintf("info %s: ", names[current]);
	kvprintf(fmt, ap);
	kprintf("\n");
	__builtin_va_end(ap);
}

u64 stats_sum(int i)
{
	u64 sum = 0;
	for (u32 h = 0; h < cfg.nharts; h++)
		sum += harts[h].stats[i];
	return sum;
}

static bool word_is(const char *a, u64 n, const char *b)
{
	u64 i = 0;
	for (; i < n; i++)
		if (a[i] != b[i])
			return false;
	return b[i] == 0;
}

static bool parse_u64(const char *s, u64 n, u64 *out)
{
	u64 v = 0;
	if (n == 0 || n > 18)
		return false;
	for (u64 i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (u64)(s[i] - '0');
	}
	*out = v;
	return true;
}

/* Parse the command line into cfg; false (after saying why) for a word it does not know. */
static bool parse_args(const char *p)
{
	cfg.sections = (1u << (NR_SECTIONS + 1)) - 2;
	cfg.iters = 1000;
	cfg.seed = 1;
	while (*p) {
		while (*p == ' ')
			p++;
		const char *w = p;
		while (*p && *p != ' ')
			p++;
		u64 n = p - w, k = 0, v;
		if (n == 0)
			break;
		while (k < n && w[k] != '=')
			k++;
		const char *val = w + k + 1;
		u64 vn = k < n ? n - k - 1 : 0;
		if (k < n && word_is(w, k, "iters") && parse_u64(val, vn, &v) && v >= 1 && v <= MAX_ITERS) {
			cfg.iters = (u32)v;
		} else if (k < n && word_is(w, k, "seed") && parse_u64(val, vn, &v)) {
			cfg.seed = v;
		} else if (k < n && word_is(w, k, "sections") && vn > 0) {
			cfg.sections = 0;
			for (u64 i = 0; i < vn;) {
				u64 j = i;
				while (j < vn && val[j] != ',')
					j++;
				u32 s = 1;
				while (s <= NR_SECTIONS && !word_is(val + i, j - i, names[s]))
					s++;
				if (s > NR_SECTIONS) {
					kprintf("stress: bad command line: unknown section in '%s' (sections: amo,lrsc,locks,ring,paging,fencei)\n", cfg.bootargs);
					return false;
				}
				cfg.sections |= 1u << s;
				i = j + 1;
			}
		} else {
			kprintf("stress: bad command line: '%s' (sections=LIST iters=1..%u seed=N)\n", cfg.bootargs, MAX_ITERS);
			return false;
		}
	}
	return true;
}

static void (*const runs[NR_SECTIONS + 1])(struct hart *) = { 0, amo_run, lrsc_run, locks_run, ring_run, paging_run, fencei_run };
static void (*const verifies[NR_SECTIONS + 1])(void) = { 0, amo_verify, lrsc_verify, locks_verify, ring_verify, paging_verify, fencei_verify };

void stress_main(u64 hartid, const void *fdt)
{
	struct hart *me = &harts[hartid];
	if (hartid == 0) {
		console_init();
		fdt_parse(fdt, &cfg.nharts, &cfg.bootargs);
		if (cfg.nharts == 0 || cfg.nharts > MAX_HARTS) {
			kprintf("stress: bad device tree: %u harts (1 to %u)\n", cfg.nharts, MAX_HARTS);
			poweroff(EXIT_BAD_ARGS);
		}
		if (!parse_args(cfg.bootargs))
			poweroff(EXIT_BAD_ARGS);
		kprintf("stress: %u harts, iters=%u seed=%lu, sections:", cfg.nharts, cfg.iters, cfg.seed);
		for (u32 s = 1; s <= NR_SECTIONS; s++)
			if (cfg.sections & (1u << s))
				kprintf(" %s", names[s]);
		kprintf("\n");
		for (u32 h = 0; h < MAX_HARTS; h++)
			harts[h].id = h;
		if (cfg.sections & (1u << SEC_PAGING))
			paging_setup();
		store_release32(&started, 1);
	} else {
		while (!load_acquire32(&started))
			;
		if (hartid >= cfg.nharts)
			return; /* not in the device tree: park */
	}

	for (u32 s = 1; s <= NR_SECTIONS; s++) {
		if (!(cfg.sections & (1u << s)))
			continue;
		if (hartid == 0) {
			current = s;
			for (u32 h = 0; h < cfg.nharts; h++) {
				harts[h].rng = rng_seed(cfg.seed, s * MAX_HARTS + h);
				harts[h].hung = 0;
				for (u32 i = 0; i < 8; i++)
					harts[h].stats[i] = 0;
			}
			kprintf("== %s\n", names[s]);
		}
		barrier(me);
		runs[s](me);
		barrier(me);
		if (hartid == 0) {
			u64 hung = 0;
			for (u32 h = 0; h < cfg.nharts; h++)
				hung += harts[h].hung;
			check("waits that gave up", hung, 0);
			verifies[s]();
		}
		barrier(me);
	}
	if (hartid != 0)
		return;
	current = 0;
	if (failures) {
		kprintf("stress: FAILED: %u of %u invariants, first in section %s (exit code %u)\n", failures, checks,
			names[failed_section], failed_section);
		poweroff(failed_section);
	}
	kprintf("stress: all %u invariants held\n", checks);
	poweroff(0);
}
