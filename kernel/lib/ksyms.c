/* SPDX-License-Identifier: MIT */
/* ksyms.c: looks up kernel text addresses in the table that scripts/ksyms.sh generates. */
#include "ksyms.h"

/* Layout of the .ksyms section: count, sorted addresses, name offsets, names. */
extern const uint64_t ksyms_count;
extern const uint64_t ksyms_addrs[];
extern const uint32_t ksyms_name_offs[];
extern const char ksyms_names[];

void ksyms_lookup(uint64_t addr, char *buf, size_t size)
{
	uint64_t lo = 0, hi = ksyms_count;

	if (hi == 0 || addr < ksyms_addrs[0]) {
		strlcpy(buf, "?", size);
		return;
	}
	/* Largest i with addrs[i] <= addr. */
	while (hi - lo > 1) {
		uint64_t mid = (lo + hi) / 2;
		if (ksyms_addrs[mid] <= addr)
			lo = mid;
		else
			hi = mid;
	}
	snprintk(buf, size, "%s+0x%lx", ksyms_names + ksyms_name_offs[lo], addr - ksyms_addrs[lo]);
}
