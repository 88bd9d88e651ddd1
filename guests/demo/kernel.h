/* The demo kernel's common definitions: types, memory map, per-hart data, locks, lists, BUG(). */
#ifndef KERNEL_H
#define KERNEL_H

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long u64;
typedef long s64;
typedef unsigned long size_t;
typedef _Bool bool;
#define true 1
#define false 0
#define NULL ((void *)0)

#define NR_HARTS 8                    /* hartids 0..7, as on QEMU's virt board */
#define STACK_SIZE 16384

/*
 * Virtual memory (Sv39, set up by entry.S with 1 GiB pages):
 *   0xffffffff80000000 + x  -> RAM 0x80000000 + x   the kernel image, its data and stacks
 *   0xffffffc000000000 + x  -> physical x < 1 GiB   MMIO (UART, PLIC, virtio, ...)
 *   0x80000000 + x          -> 0x80000000 + x       identity map, used only while switching on paging
 */
#define KERNEL_VOFFSET 0xffffffff00000000UL
#define IO_BASE 0xffffffc000000000UL
#define __pa(va) ((u64)(va) - KERNEL_VOFFSET)
#define ioaddr(pa) ((volatile void *)(IO_BASE + (pa)))

#define READ_ONCE(x) (*(volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))
#define barrier() asm volatile("" ::: "memory")
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define noinline __attribute__((noinline))
#define noreturn __attribute__((noreturn))
#define container_of(p, type, member) ((type *)((char *)(p) - __builtin_offsetof(type, member)))

/* CSRs */
#define csr_read(csr) ({ u64 __v; asm volatile("csrr %0, " #csr : "=r"(__v) :: "memory"); __v; })
#define csr_write(csr, v) asm volatile("csrw " #csr ", %0" :: "rK"(v) : "memory")
#define csr_set(csr, v) asm volatile("csrs " #csr ", %0" :: "rK"(v) : "memory")
#define csr_clear(csr, v) asm volatile("csrc " #csr ", %0" :: "rK"(v) : "memory")
#define SR_SIE (1UL << 1)
#define IE_SSIE (1UL << 1)
#define IE_STIE (1UL << 5)
#define IE_SEIE (1UL << 9)

static inline u64 rdtime(void) { u64 t; asm volatile("rdtime %0" : "=r"(t)); return t; }
static inline u64 rdinstret(void) { u64 t; asm volatile("rdinstret %0" : "=r"(t)); return t; }
static inline u64 irq_save(void) { u64 f; asm volatile("csrrci %0, sstatus, 2" : "=r"(f) :: "memory"); return f & SR_SIE; }
static inline void irq_restore(u64 f) { if (f) csr_set(sstatus, SR_SIE); }
static inline void cpu_relax(void) { asm volatile("nop" ::: "memory"); }

/*
 * Two kinds of spinlock, both used by the workload:
 *   struct amo_lock   test-and-set with amoswap.w.aq (the object allocator)
 *   struct lrsc_lock  lr.w.aq / sc.w loop (the shared object lists)
 * Both count acquisitions and contended spins of the hart that takes them, for the statistics.
 */
struct amo_lock { volatile u32 locked; };
struct lrsc_lock { volatile u32 locked; };
void amo_lock(struct amo_lock *l);
void amo_unlock(struct amo_lock *l);
void lrsc_lock(struct lrsc_lock *l);
void lrsc_unlock(struct lrsc_lock *l);

/* Doubly linked lists with poisoned pointers after list_del, as Linux's <linux/list.h>. */
struct list_head { struct list_head *next, *prev; };
#define LIST_POISON1 ((struct list_head *)0xdead000000000100UL)
#define LIST_POISON2 ((struct list_head *)0xdead000000000122UL)
static inline void list_init(struct list_head *h) { h->next = h->prev = h; }
static inline bool list_empty(const struct list_head *h) { return h->next == h; }
static inline void list_add_tail(struct list_head *n, struct list_head *h)
{
	struct list_head *prev = h->prev;
	n->next = h;
	n->prev = prev;
	prev->next = n;
	h->prev = n;
}
static inline void list_del(struct list_head *e)
{
	e->next->prev = e->prev;
	e->prev->next = e->next;
	e->next = LIST_POISON1;
	e->prev = LIST_POISON2;
}

/* Per-hart data, pointed to by tp. */
struct hart {
	u64 hartid;
	u64 rng;                      /* xorshift64* state, seeded from virtio-rng */
	u64 stack_lo, stack_hi;
	/* statistics */
	u64 ops, allocated, freed, lookups, reaped, checksum;
	u64 amo_locks, amo_spins, lrsc_locks, lrsc_spins, sc_failures;
	u64 ticks, instret_start, instret_end;
	volatile u32 online, done;
};
extern struct hart harts[NR_HARTS];
static inline struct hart *this_hart(void) { struct hart *h; asm("mv %0, tp" : "=r"(h)); return h; }

u64 random_u64(void);
static inline u32 random_below(u32 n) { return (u32)((random_u64() >> 32) % n); }

/* Console */
void printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vsnprintf_ap(char *buf, size_t size, const char *fmt, __builtin_va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void console_putc(char c);
void console_puts(const char *s);
extern volatile int oops_in_progress;

/* Devices, SBI */
void uart_init(void);
void uart_putc_raw(char c);
void uart_irq_enable(u64 boot_hartid);
void plic_handle_irq(u64 hartid);
void virtio_probe(void);
bool virtio_rng_read(void *buf, u32 len);
struct sbiret { s64 error; s64 value; };
struct sbiret sbi_call(u64 ext, u64 fid, u64 a0, u64 a1, u64 a2);
void sbi_set_timer(u64 when);
s64 sbi_hart_start(u64 hartid, u64 start_pa, u64 opaque);
noreturn void sbi_shutdown(bool failure);

/* Device tree */
struct dt_info {
	const char *model, *bootargs;
	u64 timebase, mem_base, mem_size;
	u32 nr_harts;
	u64 hartids[NR_HARTS];
};
extern struct dt_info dt;
void fdt_parse(const void *fdt);

/* Traps, oopses, symbols */
struct pt_regs {
	u64 epc, ra, sp, gp, tp, t0, t1, t2, s0, s1, a0, a1, a2, a3, a4, a5, a6, a7;
	u64 s2, s3, s4, s5, s6, s7, s8, s9, s10, s11, t3, t4, t5, t6;
	u64 status, badaddr, cause;
};
void timer_init_hart(void);
noreturn void die(struct pt_regs *regs, const char *why);
noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *kallsyms_lookup(u64 addr, u64 *offset, u64 *size);

/*
 * BUG(): an ebreak with an entry in __bug_table naming the file and line, as Linux's riscv BUG().
 * The breakpoint trap lands in die() with the registers of the function that hit it.
 */
struct bug_entry { u64 addr; const char *file; u64 line; };
#define BUG() do { \
	asm volatile("1: ebreak\n\t" \
		".pushsection __bug_table, \"aw\"\n\t" \
		".balign 8\n\t" \
		".dword 1b, %0, %1\n\t" \
		".popsection" :: "i"(__FILE__), "i"(__LINE__)); \
	__builtin_unreachable(); \
} while (0)
#define BUG_ON(cond) do { if (__builtin_expect(!!(cond), 0)) BUG(); } while (0)

/* The workload (objects.c, worker.c) */
#define NR_LISTS 4
#define LIST_MAX 16
struct object;
struct obj_list {
	struct lrsc_lock lock;
	u32 count;
	struct list_head head;
};
extern struct obj_list lists[NR_LISTS];
void objects_init(void);
struct object *obj_alloc(void);
void obj_free(struct object *obj);
bool obj_publish(struct obj_list *l, struct object *obj);
struct object *obj_lookup(struct obj_list *l, u32 n);
void obj_put(struct object *obj);
bool obj_reap(struct obj_list *l);
u64 obj_use(struct object *obj, u32 rounds);
void objects_drain(void);
void worker(void);
void print_stats(void);
extern volatile bool stop_requested;
extern u64 ops_per_hart;

void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
size_t strlen(const char *s);

#endif
