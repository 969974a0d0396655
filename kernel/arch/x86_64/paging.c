/* SPDX-License-Identifier: MIT */
/* paging.c: x86-64 four-level page tables: the kernel half (direct map, MMIO window) and user page tables. */
#include "kernel.h"
#include "mm.h"
#include "platform.h"
#include "x86.h"

extern uint64_t boot_pml4[], boot_pd[];   /* boot.S; symbols are physical addresses */
extern char _entry_user_start[];
extern char _vdso_start[], _vdso_end[];   /* linker.ld: the vDSO data page, then its image */

#define MMIO_BASE 0xffffff0000000000UL     /* PML4 slot 510 */
#define IDX(va, level) (((va) >> (12 + 9 * (level))) & 511)
#define PT_SPAN (1UL << 21)                /* what one last-level table maps */
/*
 * Software bit in a page-directory entry: the last-level table it points to
 * is shared with other address spaces (pt_fork) and counted by its page
 * reference count; the entry is read-only, so every write below it faults.
 */
#define PDE_SHARED (1UL << 9)

static uint64_t *kernel_pml4;
static uint64_t mmio_next = MMIO_BASE;

uint64_t virt_to_phys(const void *va)
{
	uint64_t v = (uint64_t)va;
	if (v >= KERNEL_VMA)
		return v - KERNEL_VMA;
	if (v >= DIRECT_MAP_BASE)
		return v - DIRECT_MAP_BASE;
	/* Boot symbols are linked at their physical addresses. */
	return v;
}

static uint64_t *table(uint64_t entry)
{
	return phys_to_virt(entry & PTE_ADDR);
}

static uint64_t *next_level(uint64_t *t, unsigned idx, bool alloc, uint64_t flags)
{
	if (!(t[idx] & PTE_P)) {
		if (!alloc)
			return NULL;
		void *p = page_alloc();
		if (!p)
			return NULL;
		t[idx] = virt_to_phys(p) | flags;
	}
	return table(t[idx]);
}

void paging_map_direct(const struct mem_range *ranges, int n)
{
	uint64_t *pdpt, *pd_high, *pt;
	uint64_t entry_pa = virt_to_phys(_entry_user_start);

	kernel_pml4 = phys_to_virt((uint64_t)boot_pml4);

	/* RAM above the first GiB (which boot.S mapped) gets 2 MiB pages in the direct map. */
	pdpt = table(kernel_pml4[IDX(DIRECT_MAP_BASE, 3)]);
	for (int i = 0; i < n; i++) {
		for (uint64_t pa = ALIGN_DOWN(ranges[i].base, 1UL << 21); pa < ranges[i].base + ranges[i].size;
		     pa += 1UL << 21) {
			if (pa < (1UL << 30))
				continue;
			uint64_t *pd = next_level(pdpt, IDX(DIRECT_MAP_BASE + pa, 2), true, PTE_P | PTE_W);
			if (!pd)
				boot_out_of_memory("for the direct map");
			pd[IDX(DIRECT_MAP_BASE + pa, 1)] = pa | PTE_P | PTE_W | PTE_PS | PTE_NX;
		}
	}

	/*
	 * The kernel image gets its own page directory so that the 2 MiB page
	 * holding the SYSCALL entry can be split and that one 4 KiB page marked
	 * user-executable (read-only), see entry.S.
	 */
	pd_high = page_alloc();
	pt = page_alloc();
	if (!pd_high || !pt)
		boot_out_of_memory("for the kernel's page tables");
	memcpy(pd_high, phys_to_virt((uint64_t)boot_pd), PAGE_SIZE);
	uint64_t big = ALIGN_DOWN(entry_pa, 1UL << 21);
	for (int i = 0; i < 512; i++)
		pt[i] = (big + i * PAGE_SIZE) | PTE_P | PTE_W;
	pt[IDX(entry_pa, 0)] = entry_pa | PTE_P | PTE_U;
	/*
	 * The vDSO is readable (its data page) and executable (its image) by
	 * user code in every address space, with nothing to map per process;
	 * the kernel writes the data page through the direct map.
	 */
	for (uint64_t pa = virt_to_phys(_vdso_start); pa < virt_to_phys(_vdso_end); pa += PAGE_SIZE)
		pt[IDX(pa, 0)] = pa | PTE_P | PTE_U | (pa == virt_to_phys(_vdso_start) ? PTE_NX : 0);
	pd_high[IDX(KERNEL_VMA + big, 1)] = virt_to_phys(pt) | PTE_P | PTE_W | PTE_U;
	uint64_t *pdpt_high = table(kernel_pml4[511]);
	pdpt_high[IDX(KERNEL_VMA, 2)] = virt_to_phys(pd_high) | PTE_P | PTE_W | PTE_U;
	kernel_pml4[511] |= PTE_U;

	/* The identity map of the first GiB was only needed to reach the higher half. */
	kernel_pml4[0] = 0;
	write_cr3(read_cr3());
}

void *kernel_map_mmio(uint64_t pa, size_t len)
{
	uint64_t va0 = mmio_next + (pa & (PAGE_SIZE - 1));
	uint64_t start = ALIGN_DOWN(pa, PAGE_SIZE), end = ALIGN_UP(pa + len, PAGE_SIZE);

	for (uint64_t p = start; p < end; p += PAGE_SIZE, mmio_next += PAGE_SIZE) {
		uint64_t *pte = pt_walk(kernel_pml4, mmio_next, true);
		if (!pte)
			boot_out_of_memory("mapping device memory");
		*pte = p | PTE_P | PTE_W | PTE_PCD | PTE_PWT | PTE_NX;
	}
	return (void *)va0;
}

/*
 * Makes the shared table under *pde this address space's own: the last
 * holder just takes it back writable; otherwise it gets a copy of the 512
 * entries, every private page referenced once more and write-protected
 * (copy-on-write) in both tables, as fork did page by page before.  Shared
 * memory (a file's page, PTE_BORROWED: every MAP_SHARED page is one) keeps
 * its entry as is.  0 or -ENOMEM.
 */
static int unshare(uint64_t *pde, uint64_t va)
{
	uint64_t *old = table(*pde), *copy;

	if (page_refcount(old) > 1) {
		copy = page_alloc_n_dirty(1);
		if (!copy)
			return -ENOMEM;
		for (int i = 0; i < 512; i++) {
			uint64_t e = old[i];
			if ((e & PTE_P) && !(e & PTE_BORROWED)) {
				page_ref(table(e));
				e = (e & ~PTE_W) | PTE_COW;
				old[i] = e;
			}
			copy[i] = e;
		}
		page_free(old);
		*pde = virt_to_phys(copy) | PTE_P | PTE_W | PTE_U;
	} else {
		*pde = (*pde & ~PDE_SHARED) | PTE_W;
	}
	/* The old entries were stricter and map the same pages; this also drops cached walks. */
	invlpg(va);
	return 0;
}

uint64_t *pt_walk(uint64_t *pml4, uint64_t va, bool alloc)
{
	/* Intermediate entries allow everything; the leaf decides. */
	uint64_t f = PTE_P | PTE_W | (va < USER_TOP ? PTE_U : 0);
	uint64_t *t = pml4;

	for (int level = 3; level > 0; level--) {
		if (level == 1 && alloc && (t[IDX(va, 1)] & PDE_SHARED) && unshare(&t[IDX(va, 1)], va) < 0)
			return NULL;
		t = next_level(t, IDX(va, level), alloc, f);
		if (!t)
			return NULL;
	}
	return &t[IDX(va, 0)];
}

/* The page-directory entry for va, creating the tables above it when alloc; NULL if absent or out of memory. */
static uint64_t *pde_of(uint64_t *pml4, uint64_t va, bool alloc)
{
	uint64_t *t = pml4;

	for (int level = 3; level > 1; level--) {
		t = next_level(t, IDX(va, level), alloc, PTE_P | PTE_W | PTE_U);
		if (!t)
			return NULL;
	}
	return &t[IDX(va, 1)];
}

int pt_own(uint64_t *pml4, uint64_t va)
{
	uint64_t *pde = pde_of(pml4, va, false);

	if (!pde || !(*pde & PDE_SHARED))
		return 0;
	return unshare(pde, va);
}

bool pt_drop_shared(uint64_t *pml4, uint64_t va)
{
	uint64_t *pde = pde_of(pml4, va, false), *t;

	if (!pde || !(*pde & PDE_SHARED) || page_refcount(table(*pde)) < 2)
		return false;
	t = table(*pde);
	*pde = 0;
	/* The pages stay mapped elsewhere: no stale translation to them may survive here. */
	va = ALIGN_DOWN(va, PT_SPAN);
	for (int i = 0; i < 512; i++)
		if (t[i] & PTE_P)
			invlpg(va + i * PAGE_SIZE);
	page_free(t);
	return true;
}

int pt_fork(uint64_t *src, uint64_t *dst)
{
	for (int i = 0; i < 256; i++) {
		if (!(src[i] & PTE_P))
			continue;
		uint64_t *pdpt = table(src[i]);
		for (int j = 0; j < 512; j++) {
			if (!(pdpt[j] & PTE_P))
				continue;
			uint64_t *pd = table(pdpt[j]), *dpd = NULL;
			uint64_t va = ((uint64_t)i << 39) | ((uint64_t)j << 30);
			for (int k = 0; k < 512; k++) {
				if (!(pd[k] & PTE_P))
					continue;
				/* The child's directory for this 1 GiB, from its entry 0. */
				if (!dpd && !(dpd = pde_of(dst, va, true)))
					return -ENOMEM;
				pd[k] = (pd[k] & ~PTE_W) | PDE_SHARED;
				page_ref(table(pd[k]));
				dpd[k] = pd[k];
			}
		}
	}
	return 0;
}

uint64_t pt_absent_end(uint64_t *pml4, uint64_t va)
{
	uint64_t *t = pml4;

	for (int level = 3; level > 0; level--) {
		t = next_level(t, IDX(va, level), false, 0);
		if (!t) {
			uint64_t span = 1UL << (12 + 9 * level);

			return (va & ~(span - 1)) + span;
		}
	}
	return va;
}

uint64_t *pt_create(void)
{
	uint64_t *pml4 = page_alloc();
	if (!pml4)
		return NULL;
	memcpy(pml4 + 256, kernel_pml4 + 256, 256 * sizeof(uint64_t));
	return pml4;
}

static void free_level(uint64_t *t, int level)
{
	for (int i = 0; i < 512; i++) {
		if (!(t[i] & PTE_P))
			continue;
		/* A table other address spaces still share: only this one's hold on it goes. */
		if (level == 1 && (t[i] & PDE_SHARED) && page_refcount(table(t[i])) > 1)
			page_free(table(t[i]));
		else if (level > 0)
			free_level(table(t[i]), level - 1);
		else if (!(t[i] & PTE_BORROWED))
			page_free(table(t[i]));
	}
	page_free(t);
}

void pt_destroy(uint64_t *pml4)
{
	for (int i = 0; i < 256; i++)
		if (pml4[i] & PTE_P)
			free_level(table(pml4[i]), 2);
	page_free(pml4);
}

void pt_activate(uint64_t *pml4)
{
	write_cr3(virt_to_phys(pml4));
}

void pt_activate_kernel(void)
{
	write_cr3(virt_to_phys(kernel_pml4));
}

void tlb_flush_page(uint64_t va)
{
	invlpg(va);
}
