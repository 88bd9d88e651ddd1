/*
 * The stress guest: bare metal, M-mode on every hart (QEMU: -bios none; Samsara: --bios none).
 * Common types, atomics, the per-hart record, the console and the check helpers.
 */
#ifndef STRESS_H
#define STRESS_H

typedef unsigned char u8;
typedef unsigned int u32;
typedef int s32;
typedef unsigned long u64;
typedef long s64;
typedef _Bool bool;
#define true 1
#define false 0
#define NULL ((void *)0)

#define MAX_HARTS 8
#define MAX_ITERS 131072
#define LINE 64
#define PAGE 4096
#define aligned(n) __attribute__((aligned(n)))
#define noreturn __attribute__((noreturn))

#define READ_ONCE(x) (*(volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))
#define compiler_barrier() asm volatile("" ::: "memory")
#define csr_read(csr) ({ u64 __v; asm volatile("csrr %0, " #csr : "=r"(__v) :: "memory"); __v; })
#define csr_write(csr, v) asm volatile("csrw " #csr ", %0" :: "rK"(v) : "memory")

/* RVWMO: acquire = load; fence r,rw. release = fence rw,w; store. */
static inline u64 load_acquire64(const volatile u64 *p) { u64 v = *p; asm volatile("fence r, rw" ::: "memory"); return v; }
static inline u32 load_acquire32(const volatile u32 *p) { u32 v = *p; asm volatile("fence r, rw" ::: "memory"); return v; }
static inline void store_release64(volatile u64 *p, u64 v) { asm volatile("fence rw, w" ::: "memory"); *p = v; }
static inline void store_release32(volatile u32 *p, u32 v) { asm volatile("fence rw, w" ::: "memory"); *p = v; }
static inline void fence(void) { asm volatile("fence rw, rw" ::: "memory"); }

#define AMO(name, insn, type) \
	static inline type name(volatile type *p, type v) \
	{ type old; asm volatile(insn " %0, %2, %1" : "=r"(old), "+A"(*p) : "r"(v) : "memory"); return old; }
AMO(amoadd_w, "amoadd.w", u32)
AMO(amoadd_d, "amoadd.d", u64)
AMO(amoswap_w_aq, "amoswap.w.aq", u32)
AMO(amoswap_d, "amoswap.d.aqrl", u64)
AMO(amoor_d, "amoor.d", u64)
AMO(amoand_d, "amoand.d", u64)
AMO(amoxor_d, "amoxor.d", u64)
AMO(amomax_w, "amomax.w", s32)
AMO(amomin_w, "amomin.w", s32)
AMO(amomaxu_d, "amomaxu.d", u64)
AMO(amominu_d, "amominu.d", u64)

/* A spin that gives up: a lost store or a broken lock ends the section instead of hanging. */
#define SPIN_LIMIT (1UL << 26)

enum section { SEC_AMO = 1, SEC_LRSC, SEC_LOCKS, SEC_RING, SEC_PAGING, SEC_FENCEI, NR_SECTIONS = SEC_FENCEI };
#define EXIT_BAD_ARGS 10

struct hart {
	u64 id;
	u64 rng;
	u32 sense;
	u32 hung;          /* a bounded wait in the current section gave up */
	u64 stats[8];      /* per-section counters (SC failures, spins, ...), reset per section */
} aligned(LINE);

struct config {
	u32 nharts;
	u32 sections;      /* bit s set: run section s */
	u32 iters;
	u64 seed;
	const char *bootargs;
};

extern struct config cfg;
extern struct hart harts[MAX_HARTS];

/* main.c */
void barrier(struct hart *me);
bool spin_wait32(struct hart *me, const volatile u32 *p, u32 want);
bool spin_wait64(struct hart *me, const volatile u64 *p, u64 want);
u64 rng_next(u64 *state);
u64 rng_seed(u64 seed, u64 stream);
void check(const char *what, u64 got, u64 want);
void info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
u64 stats_sum(int i);
noreturn void poweroff(u32 code);

/* console.c */
void console_init(void);
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void kvprintf(const char *fmt, __builtin_va_list ap);
void console_lock(void);
void console_unlock(void);

/* fdt.c */
void fdt_parse(const void *fdt, u32 *nharts, const char **bootargs);

/* smode.S: run fn(arg) in S-mode with the current satp; returns its result. */
u64 run_in_smode(u64 (*fn)(u64), u64 arg);

/* The sections: run on every hart; verify runs on hart 0 after all harts finished. */
void amo_run(struct hart *me);
void amo_verify(void);
void lrsc_run(struct hart *me);
void lrsc_verify(void);
void locks_run(struct hart *me);
void locks_verify(void);
void ring_run(struct hart *me);
void ring_verify(void);
void paging_setup(void);
void paging_run(struct hart *me);
void paging_verify(void);
void fencei_run(struct hart *me);
void fencei_verify(void);

#endif
