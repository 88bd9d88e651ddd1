/*
 * fence.i after writing code. One page holds two code slots (64 bytes each) and, in the next
 * cache line, the flags of the protocol, so every flag store lands on a page that holds code.
 *
 * Round r: hart r % n writes a random function of 1-8 instructions (addi, xori, slli, srli,
 * addiw on a0, add and mul of a0 and a1) and a ret into slot r % 2, executes fence.i, calls it and
 * checks the result against an interpreter; then it store-releases the slot's ready flag. Every
 * other hart waits for the flag, executes fence.i, calls the function with its own arguments and
 * checks the result. A slot is rewritten two rounds later, once every hart has finished the round
 * that last used it (per-hart done counters), so the writer of the next round may write the other
 * slot while harts still run this one.
 */
#include "stress.h"

#define SLOT_WORDS 16
#define MAX_OPS 8

static struct {
	u32 slot[2][SLOT_WORDS];
	volatile u32 ready[2];
	volatile u32 done[MAX_HARTS];
} code_page aligned(PAGE);

static struct {
	u64 calls, wrong;
} local[MAX_HARTS] aligned(LINE);
static u32 rounds;

struct op {
	u32 kind;
	s32 imm;
};

enum { ADDI, XORI, SLLI, SRLI, ADDIW, ADD, MUL, NR_KINDS };

#define A0 10
#define A1 11

static u32 encode(struct op o)
{
	u32 i = (u32)o.imm & 0xfff, rd = A0 << 7, rs1 = A0 << 15;
	switch (o.kind) {
	case ADDI: return i << 20 | rs1 | 0 << 12 | rd | 0x13;
	case XORI: return i << 20 | rs1 | 4 << 12 | rd | 0x13;
	case SLLI: return i << 20 | rs1 | 1 << 12 | rd | 0x13;
	case SRLI: return i << 20 | rs1 | 5 << 12 | rd | 0x13;
	case ADDIW: return i << 20 | rs1 | 0 << 12 | rd | 0x1b;
	case ADD: return 0 << 25 | A1 << 20 | rs1 | 0 << 12 | rd | 0x33;
	default: return 1 << 25 | A1 << 20 | rs1 | 0 << 12 | rd | 0x33; /* MUL */
	}
}

static u64 interpret(const struct op *ops, u32 count, u64 a0, u64 a1)
{
	for (u32 k = 0; k < count; k++) {
		s64 imm = ops[k].imm;
		switch (ops[k].kind) {
		case ADDI: a0 += imm; break;
		case XORI: a0 ^= imm; break;
		case SLLI: a0 <<= imm; break;
		case SRLI: a0 >>= imm; break;
		case ADDIW: a0 = (u64)(s64)(s32)(u32)(a0 + imm); break;
		case ADD: a0 += a1; break;
		default: a0 *= a1; break;
		}
	}
	return a0;
}

/* Round r's function: the same on every hart (from the seed and r). */
static u32 program(u32 r, struct op *ops)
{
	u64 s = rng_seed(cfg.seed, 5000 + r);
	u32 count = 1 + rng_next(&s) % MAX_OPS;
	for (u32 k = 0; k < count; k++) {
		u64 v = rng_next(&s);
		ops[k].kind = (v >> 32) % NR_KINDS;
		ops[k].imm = ops[k].kind == SLLI || ops[k].kind == SRLI ? (s32)(1 + v % 7) : (s32)(v % 4096) - 2048;
	}
	return count;
}

/* Wait until hart o has finished round `rounds_done` - 1 (its done counter only grows). */
static bool wait_done(struct hart *me, u32 o, u32 rounds_done)
{
	for (u64 i = 0; i < SPIN_LIMIT; i++)
		if (load_acquire32(&code_page.done[o]) >= rounds_done)
			return true;
	me->hung++;
	return false;
}

void fencei_run(struct hart *me)
{
	u32 h = me->id, n = cfg.nharts;
	if (h == 0) {
		rounds = cfg.iters / 4 ? cfg.iters / 4 : 1;
		code_page.ready[0] = code_page.ready[1] = 0;
		for (u32 k = 0; k < MAX_HARTS; k++)
			code_page.done[k] = 0;
	}
	barrier(me);
	u64 calls = 0, wrong = 0;
	for (u32 r = 0; r < rounds; r++) {
		u32 s = r % 2;
		struct op ops[MAX_OPS];
		u32 count = program(r, ops);
		if (h == r % n) {
			for (u32 o = 0; o < n && r >= 2; o++)
				if (!wait_done(me, o, r - 1))
					goto out;
			volatile u32 *slot = code_page.slot[s];
			for (u32 k = 0; k < count; k++)
				slot[k] = encode(ops[k]);
			slot[count] = 0x00008067; /* ret */
			asm volatile("fence.i" ::: "memory");
			store_release32(&code_page.ready[s], r + 1);
		} else if (!spin_wait32(me, &code_page.ready[s], r + 1)) {
			goto out;
		}
		asm volatile("fence.i" ::: "memory");
		u64 (*fn)(u64, u64) = (u64(*)(u64, u64))(void *)code_page.slot[s];
		u64 x = rng_next(&me->rng), y = h + 1 + (rng_next(&me->rng) & 0xffff) * 0x10000;
		wrong += fn(x, y) != interpret(ops, count, x, y);
		calls++;
		store_release32(&code_page.done[h], r + 1);
	}
out:
	local[h].calls = calls;
	local[h].wrong = wrong;
}

void fencei_verify(void)
{
	u64 calls = 0, wrong = 0;
	for (u32 h = 0; h < cfg.nharts; h++) {
		calls += local[h].calls;
		wrong += local[h].wrong;
	}
	check("calls of freshly written code", calls, (u64)cfg.nharts * rounds);
	check("calls whose result was not the interpreter's", wrong, 0);
	info("%u rounds, 2 slots rewritten in turn", rounds);
}
