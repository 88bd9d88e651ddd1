/*
 * Boot and the SMP bring-up: the boot hart sets up the console, reads the device tree, probes
 * virtio, seeds the random generators, starts the other harts through SBI HSM, runs the workload
 * with them, and prints a summary before it powers the machine off.
 */
#include "kernel.h"

#define DEFAULT_OPS 12000 /* workload operations per hart */

struct hart harts[NR_HARTS];
struct dt_info dt;
volatile bool stop_requested;
u64 ops_per_hart = DEFAULT_OPS;

extern char stacks[];
extern const char _stext[], secondary_start[];
static volatile u32 go;
static u64 boot_hartid, t_start, t_end;

/* Point tp at this hart's struct hart. Callers use the result, not this_hart(), in the same function. */
static noinline struct hart *hart_setup(u64 hartid)
{
	struct hart *h = &harts[hartid];
	asm volatile("mv tp, %0" :: "r"(h) : "memory");
	h->hartid = hartid;
	h->stack_lo = (u64)stacks + hartid * STACK_SIZE;
	h->stack_hi = h->stack_lo + STACK_SIZE;
	return h;
}

static u64 splitmix64(u64 x)
{
	x += 0x9e3779b97f4a7c15UL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9UL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebUL;
	return x ^ (x >> 31);
}

/* Command line: ops=N (operations per hart), seed=N (instead of virtio-rng, for repeatable runs). */
static bool bootarg(const char *name, u64 *value)
{
	size_t n = strlen(name);
	for (const char *p = dt.bootargs; p && *p; p++) {
		if ((p == dt.bootargs || p[-1] == ' ') && strncmp(p, name, n) == 0 && p[n] == '=') {
			u64 v = 0;
			for (p += n + 1; *p >= '0' && *p <= '9'; p++)
				v = v * 10 + (u64)(*p - '0');
			*value = v;
			return true;
		}
	}
	return false;
}

static void seed_harts(void)
{
	u64 seed;
	if (bootarg("seed", &seed)) {
		printk("random: seed %lu from the command line\n", seed);
	} else if (virtio_rng_read(&seed, sizeof(seed))) {
		printk("random: seeded from virtio-rng\n");
	} else {
		seed = rdtime();
		printk("random: no entropy device, seeded from the time\n");
	}
	for (u32 i = 0; i < NR_HARTS; i++)
		harts[i].rng = splitmix64(seed + i) | 1;
}

void print_stats(void)
{
	for (u32 i = 0; i < dt.nr_harts; i++) {
		struct hart *h = &harts[dt.hartids[i]];
		printk("hart %lu: %lu ops, %lu objects allocated, %lu freed, %lu lookups; "
		       "amo lock %lu (%lu spins), lr/sc lock %lu (%lu spins, %lu sc failures); %lu ticks\n",
		       h->hartid, h->ops, h->allocated, h->freed, h->lookups,
		       h->amo_locks, h->amo_spins, h->lrsc_locks, h->lrsc_spins, h->sc_failures, h->ticks);
	}
}

/* A key typed on the console (from the UART interrupt, on the boot hart). */
void console_key(char c)
{
	if (oops_in_progress)
		return;
	char echo[3] = { c, 0, 0 };
	if (c == '\r' || c == 's' || c == 'q' || c == 'h' || c == '?')
		echo[c == '\r' ? 0 : 1] = '\n';
	console_puts(echo);
	switch (c) {
	case 's':
		print_stats();
		break;
	case 'q':
		printk("demo: stopping the workload\n");
		stop_requested = true;
		break;
	case 'h':
	case '?':
		printk("keys: s statistics, q stop the workload early, h help\n");
		break;
	}
}

static void enable_interrupts(void)
{
	timer_init_hart();
	csr_set(sstatus, SR_SIE);
}

void secondary_main(u64 hartid)
{
	struct hart *h = hart_setup(hartid);
	enable_interrupts();
	printk("smp: hart %lu up\n", hartid);
	WRITE_ONCE(h->online, 1);
	while (!READ_ONCE(go))
		cpu_relax();
	h->instret_start = rdinstret();
	worker();
	h->instret_end = rdinstret();
	asm volatile("fence rw, rw" ::: "memory");
	WRITE_ONCE(h->done, 1);
	for (;;)
		asm volatile("wfi");
}

static void start_secondaries(void)
{
	u32 up = 1;
	for (u32 i = 0; i < dt.nr_harts; i++) {
		u64 id = dt.hartids[i];
		if (id == boot_hartid)
			continue;
		s64 err = sbi_hart_start(id, __pa(secondary_start), 0);
		if (err) {
			printk("smp: hart %lu did not start (SBI error %ld)\n", id, err);
			continue;
		}
		u64 deadline = rdtime() + dt.timebase;
		while (!READ_ONCE(harts[id].online) && rdtime() < deadline)
			cpu_relax();
		if (READ_ONCE(harts[id].online))
			up++;
		else
			printk("smp: hart %lu is not responding\n", id);
	}
	printk("smp: Brought up %u harts\n", up);
}

static void summary(void)
{
	u64 hz = dt.timebase;
	u64 us = (t_end - t_start) * 1000000 / hz;
	u64 alloc = 0, freed = 0, locks = 0, ops = 0;
	printk("demo: workload done in %lu.%03lu ms\n", us / 1000, us % 1000);
	print_stats();
	for (u32 i = 0; i < dt.nr_harts; i++) {
		struct hart *h = &harts[dt.hartids[i]];
		alloc += h->allocated;
		freed += h->freed;
		locks += h->amo_locks + h->lrsc_locks;
		ops += h->ops;
		if (h->online)
			printk("hart %lu: %lu instructions retired in the workload\n", h->hartid, h->instret_end - h->instret_start);
	}
	printk("demo: %lu ops, %lu objects allocated, %lu freed, %lu lock acquisitions, no corruption detected\n",
	       ops, alloc, freed, locks);
}

void kmain(u64 hartid, u64 dtb_pa)
{
	boot_hartid = hartid;
	struct hart *h = hart_setup(hartid);
	uart_init();
	fdt_parse((const void *)(dtb_pa + KERNEL_VOFFSET));
	if (!dt.timebase)
		dt.timebase = 10000000;
	if (dt.nr_harts == 0) {
		dt.nr_harts = 1;
		dt.hartids[0] = hartid;
	}
	printk("Samsara demo kernel 0.1 (riscv64, Sv39, SMP) booting on hart %lu\n", hartid);
	printk("Machine model: %s\n", dt.model ? dt.model : "unknown");
	struct sbiret spec = sbi_call(0x10, 0, 0, 0, 0), impl = sbi_call(0x10, 1, 0, 0, 0);
	printk("SBI specification v%lu.%lu detected, implementation ID 0x%lx\n",
	       (spec.value >> 24) & 0x7f, spec.value & 0xffffff, impl.value);
	printk("dt: %u harts, timebase %lu Hz, memory %lu MiB at 0x%lx\n", dt.nr_harts, dt.timebase,
	       dt.mem_size >> 20, dt.mem_base);
	if (dt.bootargs && *dt.bootargs)
		printk("Kernel command line: %s\n", dt.bootargs);
	printk("paging: Sv39, kernel at %p, MMIO at %p\n", _stext, (void *)IO_BASE);
	bootarg("ops", &ops_per_hart);

	virtio_probe();
	seed_harts();
	objects_init();
	uart_irq_enable(hartid);
	enable_interrupts();
	start_secondaries();

	printk("demo: %lu operations per hart on the shared lists (keys: s statistics, q stop, h help)\n", ops_per_hart);
	h->online = 1;
	t_start = rdtime();
	h->instret_start = rdinstret();
	WRITE_ONCE(go, 1);
	worker();
	h->instret_end = rdinstret();
	h->done = 1;
	for (u32 i = 0; i < dt.nr_harts; i++) {
		struct hart *o = &harts[dt.hartids[i]];
		while (o->online && !READ_ONCE(o->done))
			cpu_relax();
	}
	asm volatile("fence rw, rw" ::: "memory");
	t_end = rdtime();
	objects_drain();
	summary();
	printk("reboot: Power down\n");
	sbi_shutdown(false);
}
