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

uint64_t *pt_walk(uint64_t *pml4, uint64_t va, bool alloc)
{
	/* Intermediate entries allow everything; the leaf decides. */
	uint64_t f = PTE_P | PTE_W | (va < USER_TOP ? PTE_U : 0);
	uint64_t *t = pml4;

	for (int level = 3; level > 0; level--) {
		t = next_level(t, IDX(va, level), alloc, f);
		if (!t)
			return NULL;
	}
	return &t[IDX(va, 0)];
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
		if (level > 0)
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
