/* SPDX-License-Identifier: MIT */
/* gnttab.c: Xen grant tables, version 1: frames mapped over kernel pages with XENMEM_add_to_physmap, a free list of references. */
#include "kernel.h"
#include "mm.h"
#include "xen.h"

#define GNT_FRAMES 4
#define GNT_ENTRIES (GNT_FRAMES * PAGE_SIZE / sizeof(struct grant_entry_v1))

/* Xen puts the grant table frames over these pages (XENMAPSPACE_grant_table). */
static uint8_t gnt_pages[GNT_FRAMES][PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static struct grant_entry_v1 *gnt;
static unsigned nentries;
/* Free references: next_free[ref] is the next free one, 0 ends the list (0..7 are reserved). */
static grant_ref_t next_free[GNT_ENTRIES];
static grant_ref_t free_head;

int xen_gnttab_init(void)
{
	struct gnttab_query_size q = { .dom = DOMID_SELF };
	unsigned frames;
	long ret;

	ret = xen_hypercall(__HYPERVISOR_grant_table_op, GNTTABOP_query_size, (uint64_t)&q, 1);
	if (ret || q.status) {
		printk_err("husk: Xen: GNTTABOP_query_size failed (%ld/%d)\n", ret, q.status);
		return -EIO;
	}
	frames = MIN((unsigned)GNT_FRAMES, q.max_nr_frames);
	for (unsigned i = 0; i < frames; i++) {
		/* An index past the current size grows the table (up to max_nr_frames). */
		struct xen_add_to_physmap xatp = {
			.domid = DOMID_SELF,
			.space = XENMAPSPACE_grant_table,
			.idx = i,
			.gpfn = virt_to_phys(gnt_pages[i]) >> PAGE_SHIFT,
		};

		ret = xen_hypercall(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, (uint64_t)&xatp, 0);
		if (ret) {
			if (!i) {
				printk_err("husk: Xen: cannot map the grant table (%ld)\n", ret);
				return -EIO;
			}
			frames = i;
			break;
		}
	}
	gnt = (struct grant_entry_v1 *)gnt_pages;
	nentries = frames * PAGE_SIZE / sizeof(*gnt);
	free_head = 0;
	for (grant_ref_t r = nentries - 1; r >= GNTTAB_NR_RESERVED_ENTRIES; r--) {
		next_free[r] = free_head;
		free_head = r;
	}
	return 0;
}

int xen_gnttab_grant(uint16_t dom, uint64_t pa, bool readonly)
{
	grant_ref_t ref = free_head;

	if (!gnt)
		return -ENODEV;
	if (!ref)
		return -ENOSPC;
	free_head = next_free[ref];
	gnt[ref].domid = dom;
	gnt[ref].frame = pa >> PAGE_SHIFT;
	/* The frame and domain must be visible before the flags that validate them. */
	__atomic_store_n(&gnt[ref].flags, GTF_permit_access | (readonly ? GTF_readonly : 0), __ATOMIC_RELEASE);
	return ref;
}

int xen_gnttab_end(grant_ref_t ref)
{
	uint16_t flags;

	if (ref < GNTTAB_NR_RESERVED_ENTRIES || ref >= nentries)
		return -EINVAL;
	flags = __atomic_load_n(&gnt[ref].flags, __ATOMIC_ACQUIRE);
	do {
		if (flags & (GTF_reading | GTF_writing))
			return -EBUSY;
	} while (!__atomic_compare_exchange_n(&gnt[ref].flags, &flags, 0, false,
					      __ATOMIC_SEQ_CST, __ATOMIC_ACQUIRE));
	next_free[ref] = free_head;
	free_head = ref;
	return 0;
}
