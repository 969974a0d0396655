/* SPDX-License-Identifier: MIT */
/* page.c: the physical page allocator: a free list in front of bump allocation over the boot memory map. */
#include "kernel.h"
#include "husk/abi.h"
#include "mm.h"
#include "platform.h"

extern char _kernel_phys_start[], _kernel_end[];

/*
 * Never-used memory is handed out by bumping a pointer through the RAM
 * ranges, so boot costs nothing per page; freed pages go on a list threaded
 * through their first word.
 */
struct free_page {
	struct free_page *next;
};

static struct mem_range ranges[PLAT_MAX_MEM_RANGES * 2];
static int nr_ranges;
static int cur_range;
static uint64_t bump;              /* next never-used physical address in ranges[cur_range] */
static struct free_page *free_list;
static uint64_t total_pages, used_pages;

/*
 * Reference counts, one per physical page frame, stored as "references
 * beyond the first": page_alloc() sets the entry to 0, so the array needs
 * no initialization at boot and a page nobody shares costs nothing extra.
 */
static uint32_t *extra_refs;
static uint64_t nr_frames;

static uint64_t bump_alloc(size_t n);

/* Adds [base, end) minus the reserved range [rb, re) to the usable list. */
static void add_range(uint64_t base, uint64_t end, uint64_t rb, uint64_t re)
{
	if (end <= base)
		return;
	if (re <= base || rb >= end) {
		if (nr_ranges < (int)ARRAY_SIZE(ranges))
			ranges[nr_ranges++] = (struct mem_range){ base, end - base };
		return;
	}
	if (rb > base && nr_ranges < (int)ARRAY_SIZE(ranges))
		ranges[nr_ranges++] = (struct mem_range){ base, rb - base };
	if (re < end && nr_ranges < (int)ARRAY_SIZE(ranges))
		ranges[nr_ranges++] = (struct mem_range){ re, end - re };
}

void page_init(void)
{
	uint64_t kstart = (uint64_t)_kernel_phys_start;
	uint64_t kend = virt_to_phys(_kernel_end);
	uint64_t istart = ALIGN_DOWN(boot_info.initrd.paddr, PAGE_SIZE);
	uint64_t iend = ALIGN_UP(boot_info.initrd.paddr + boot_info.initrd.size, PAGE_SIZE);

	for (int i = 0; i < boot_info.nr_ram; i++) {
		uint64_t base = MAX(ALIGN_UP(boot_info.ram[i].base, PAGE_SIZE), 1UL << 20);
		uint64_t end = ALIGN_DOWN(boot_info.ram[i].base + boot_info.ram[i].size, PAGE_SIZE);
		if (end <= base)
			continue;
		/* Split around the kernel image, then around the initrd. */
		int first = nr_ranges;
		add_range(base, end, kstart, kend);
		int last = nr_ranges;
		for (int j = first; j < last; j++) {
			struct mem_range r = ranges[j];
			ranges[j] = ranges[--nr_ranges];
			if (boot_info.initrd.size)
				add_range(r.base, r.base + r.size, istart, iend);
			else
				add_range(r.base, r.base + r.size, 0, 0);
		}
	}
	for (int i = 0; i < nr_ranges; i++)
		total_pages += ranges[i].size / PAGE_SIZE;
	if (nr_ranges == 0)
		boot_out_of_memory("for the kernel's pages, after the kernel and the image");
	cur_range = 0;
	bump = ranges[0].base;
	/* The count array comes first, from low memory the boot page tables already map. */
	for (int i = 0; i < nr_ranges; i++)
		nr_frames = MAX(nr_frames, (ranges[i].base + ranges[i].size) / PAGE_SIZE);
	extra_refs = phys_to_virt(bump_alloc(ALIGN_UP(nr_frames * sizeof(uint32_t), PAGE_SIZE) / PAGE_SIZE));
	if (extra_refs == phys_to_virt(0))
		panic("page_init: no room for the page reference counts");
	paging_map_direct(ranges, nr_ranges);
}

static uint32_t *ref_slot(const void *p)
{
	uint64_t pfn = virt_to_phys(p) / PAGE_SIZE;

	BUG_ON(pfn >= nr_frames);
	return &extra_refs[pfn];
}

static void refs_reset(void *p, size_t n)
{
	uint32_t *r = ref_slot(p);

	for (size_t i = 0; i < n; i++)
		r[i] = 0;
}

static uint64_t bump_alloc(size_t n)
{
	while (cur_range < nr_ranges) {
		struct mem_range *r = &ranges[cur_range];
		if (bump + n * PAGE_SIZE <= r->base + r->size) {
			uint64_t pa = bump;
			bump += n * PAGE_SIZE;
			return pa;
		}
		/* The tail of this range is too small for n pages: keep it on the free list. */
		while (n > 1 && bump < r->base + r->size) {
			struct free_page *fp = phys_to_virt(bump);
			fp->next = free_list;
			free_list = fp;
			bump += PAGE_SIZE;
		}
		if (++cur_range < nr_ranges)
			bump = ranges[cur_range].base;
	}
	return 0;
}

void *page_alloc(void)
{
	void *p;

	if (free_list) {
		p = free_list;
		free_list = free_list->next;
	} else {
		uint64_t pa = bump_alloc(1);
		if (!pa)
			return NULL;
		p = phys_to_virt(pa);
	}
	used_pages++;
	refs_reset(p, 1);
	memset(p, 0, PAGE_SIZE);
	return p;
}

#define FREE_MARK 0xffffffffu

/*
 * n physically consecutive pages taken from the free list, for a run the
 * bump pointer no longer has room for; their physical address, or 0.  The
 * free pages are found by marking their reference-count slots (a free page
 * has none in use), then runs are looked for range by range.  It costs a
 * walk over the free list and the frames, paid only by multi-page
 * allocations once never-used memory is gone: without it, every run freed
 * (kfree of a block over 64 KiB, a grown array) was lost to runs for good.
 */
static uint64_t free_list_run(size_t n)
{
	struct free_page **pp;
	uint64_t found = 0;

	for (struct free_page *fp = free_list; fp; fp = fp->next)
		*ref_slot(fp) = FREE_MARK;
	for (int i = 0; i < nr_ranges && !found; i++) {
		uint64_t pfn = ranges[i].base / PAGE_SIZE, end = (ranges[i].base + ranges[i].size) / PAGE_SIZE;

		for (size_t run = 0; pfn < end; pfn++) {
			run = extra_refs[pfn] == FREE_MARK ? run + 1 : 0;
			if (run == n) {
				found = (pfn + 1 - n) * PAGE_SIZE;
				break;
			}
		}
	}
	/* Unmark every free page; unlink those of the run. */
	for (pp = &free_list; *pp;) {
		uint64_t pa = virt_to_phys(*pp);

		extra_refs[pa / PAGE_SIZE] = 0;
		if (found && pa >= found && pa < found + n * PAGE_SIZE)
			*pp = (*pp)->next;
		else
			pp = &(*pp)->next;
	}
	return found;
}

void *page_alloc_n_dirty(size_t n)
{
	uint64_t pa;

	if (n == 1 && free_list) {
		void *p = free_list;
		free_list = free_list->next;
		used_pages++;
		refs_reset(p, 1);
		return p;
	}
	pa = bump_alloc(n);
	if (!pa && n > 1)
		pa = free_list_run(n);
	if (!pa)
		return NULL;
	used_pages += n;
	refs_reset(phys_to_virt(pa), n);
	return phys_to_virt(pa);
}

void *page_alloc_n(size_t n)
{
	void *p = page_alloc_n_dirty(n);
	if (p)
		memset(p, 0, n * PAGE_SIZE);
	return p;
}

void page_ref(void *p)
{
	(*ref_slot(p))++;
}

unsigned page_refcount(const void *p)
{
	return *ref_slot(p) + 1;
}

void page_free(void *p)
{
	struct free_page *fp = p;
	uint32_t *r;

	BUG_ON(((uint64_t)p & (PAGE_SIZE - 1)) || (uint64_t)p < DIRECT_MAP_BASE);
	r = ref_slot(p);
	if (*r) {
		(*r)--;
		return;
	}
	fp->next = free_list;
	free_list = fp;
	used_pages--;
}

uint64_t page_total_bytes(void)
{
	return total_pages * PAGE_SIZE;
}

uint64_t page_vm_mib(void)
{
	uint64_t bytes = 0;

	for (int i = 0; i < boot_info.nr_ram; i++)
		bytes += boot_info.ram[i].size;
	return (bytes + (1UL << 20) - 1) >> 20;
}

void boot_out_of_memory(const char *what)
{
	printk_err("husk: the VM's %lu MiB of memory are too few to start: out of memory %s "
		   "(husk run -m gives it more)\n", page_vm_mib(), what);
	machine_exit(HUSK_STATUS_HOST);
}

uint64_t page_free_bytes(void)
{
	return (total_pages - used_pages) * PAGE_SIZE;
}
