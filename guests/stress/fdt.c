/*
 * The device tree in a1: the number of harts (/cpus/cpu@N nodes) and /chosen/bootargs.
 * The walk stays inside the blob's totalsize.
 */
#include "stress.h"

#define FDT_MAGIC 0xd00dfeed
#define FDT_BEGIN_NODE 1
#define FDT_END_NODE 2
#define FDT_PROP 3
#define FDT_NOP 4

static u32 be32(const u8 *b)
{
	return (u32)b[0] << 24 | (u32)b[1] << 16 | (u32)b[2] << 8 | b[3];
}

static bool prefix(const char *s, const char *p)
{
	while (*p)
		if (*s++ != *p++)
			return false;
	return true;
}

static u64 cstrlen(const char *s, u64 max)
{
	u64 n = 0;
	while (n < max && s[n])
		n++;
	return n;
}

void fdt_parse(const void *fdt, u32 *nharts, const char **bootargs)
{
	const u8 *base = fdt;
	*nharts = 0;
	*bootargs = "";
	if (!base || be32(base) != FDT_MAGIC)
		return;
	const u8 *end = base + be32(base + 4);
	const u8 *p = base + be32(base + 8);
	const char *strings = (const char *)base + be32(base + 12);
	/* kind of the node at each depth: 1 = /, 2 = /cpus, 3 = /cpus/cpu@N, 4 = /chosen */
	int depth = 0, kind[8] = { 0 };

	while (p + 4 <= end) {
		u32 tok = be32(p);
		p += 4;
		if (tok == FDT_BEGIN_NODE) {
			const char *name = (const char *)p;
			p += (cstrlen(name, end - p) + 4) & ~3UL;
			int parent = depth ? kind[(depth - 1) & 7] : 0, k = 0;
			if (depth == 0)
				k = 1;
			else if (parent == 1 && prefix(name, "cpus") && name[4] == 0)
				k = 2;
			else if (parent == 2 && prefix(name, "cpu@"))
				k = 3;
			else if (parent == 1 && prefix(name, "chosen") && name[6] == 0)
				k = 4;
			if (k == 3)
				(*nharts)++;
			kind[depth & 7] = depth < 8 ? k : 0;
			depth++;
		} else if (tok == FDT_END_NODE) {
			if (--depth < 0)
				return;
		} else if (tok == FDT_PROP) {
			if (p + 8 > end)
				return;
			u32 len = be32(p), nameoff = be32(p + 4);
			const char *val = (const char *)p + 8;
			p += 8 + ((len + 3) & ~3UL);
			if (depth > 0 && depth <= 8 && kind[depth - 1] == 4 && len > 0 && p <= end &&
			    prefix(strings + nameoff, "bootargs") && strings[nameoff + 8] == 0 && val[len - 1] == 0)
				*bootargs = val;
		} else if (tok != FDT_NOP) {
			return; /* FDT_END or garbage */
		}
	}
}
