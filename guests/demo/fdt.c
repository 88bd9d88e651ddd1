/*
 * A minimal reader for the flattened device tree passed in a1: the model, the harts, the
 * timebase, the memory and the command line. Nothing else is needed on QEMU's virt board.
 */
#include "kernel.h"

#define FDT_MAGIC 0xd00dfeed
#define FDT_BEGIN_NODE 1
#define FDT_END_NODE 2
#define FDT_PROP 3
#define FDT_NOP 4
#define FDT_END 9

static u32 be32(const void *p)
{
	const u8 *b = p;
	return (u32)b[0] << 24 | (u32)b[1] << 16 | (u32)b[2] << 8 | b[3];
}

static u64 cells(const void *p, u32 n)
{
	return n == 2 ? (u64)be32(p) << 32 | be32((const u8 *)p + 4) : be32(p);
}

void fdt_parse(const void *fdt)
{
	const u8 *base = fdt;
	if (be32(base) != FDT_MAGIC) {
		printk("dt: no device tree at %p\n", fdt);
		return;
	}
	const u8 *p = base + be32(base + 8);
	const char *strings = (const char *)base + be32(base + 12);
	/* The node we are in: 1 = /, 2 = /cpus, 3 = /cpus/cpu@N, 4 = /memory@..., 5 = /chosen, 0 other */
	int depth = 0, kind[8] = { 0 };
	bool cpu_okay = true;
	u64 cpu_reg = ~0UL;

	for (;;) {
		u32 tok = be32(p);
		p += 4;
		if (tok == FDT_BEGIN_NODE) {
			const char *name = (const char *)p;
			p += (strlen(name) + 4) & ~3UL;
			int parent = depth ? kind[depth - 1] : 0, k = 0;
			if (depth == 0)
				k = 1;
			else if (parent == 1 && strcmp(name, "cpus") == 0)
				k = 2;
			else if (parent == 2 && strncmp(name, "cpu@", 4) == 0)
				k = 3;
			else if (parent == 1 && strncmp(name, "memory@", 7) == 0)
				k = 4;
			else if (parent == 1 && strcmp(name, "chosen") == 0)
				k = 5;
			if (k == 3) {
				cpu_okay = true;
				cpu_reg = ~0UL;
			}
			if (depth < 8)
				kind[depth] = k;
			depth++;
		} else if (tok == FDT_END_NODE) {
			depth--;
			if (depth >= 0 && depth < 8 && kind[depth] == 3 && cpu_okay && cpu_reg < NR_HARTS && dt.nr_harts < NR_HARTS)
				dt.hartids[dt.nr_harts++] = cpu_reg;
		} else if (tok == FDT_PROP) {
			u32 len = be32(p), nameoff = be32(p + 4);
			const u8 *val = p + 8;
			const char *name = strings + nameoff;
			p += 8 + ((len + 3) & ~3UL);
			int k = depth > 0 && depth <= 8 ? kind[depth - 1] : 0;
			if (k == 1 && strcmp(name, "model") == 0)
				dt.model = (const char *)val;
			else if (k == 2 && strcmp(name, "timebase-frequency") == 0)
				dt.timebase = cells(val, len / 4);
			else if (k == 3 && strcmp(name, "reg") == 0)
				cpu_reg = cells(val, len / 4);
			else if (k == 3 && strcmp(name, "status") == 0)
				cpu_okay = strcmp((const char *)val, "okay") == 0;
			else if (k == 4 && strcmp(name, "reg") == 0 && len >= 16) {
				dt.mem_base = cells(val, 2);
				dt.mem_size = cells(val + 8, 2);
			} else if (k == 5 && strcmp(name, "bootargs") == 0)
				dt.bootargs = (const char *)val;
		} else if (tok == FDT_NOP) {
			continue;
		} else {
			break; /* FDT_END or garbage */
		}
	}
}
