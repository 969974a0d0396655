/* SPDX-License-Identifier: MIT */
/* hvm_start.c: boot information from struct hvm_start_info, for every platform entered through PVH. */
#include "kernel.h"
#include "mm.h"
#include "platform.h"
#include "husk/pvh.h"

struct boot_info boot_info;

/* Boot data lives in the first GiB, which the boot page tables map at the direct map. */
static const void *early_ptr(uint64_t pa, uint64_t len)
{
	if (pa == 0 || pa + len < pa || pa + len > (1UL << 30))
		return NULL;
	return phys_to_virt(pa);
}

void hvm_start_parse(uint64_t start_info_paddr, const char *platform_name)
{
	const struct hvm_start_info *si = early_ptr(start_info_paddr, sizeof(*si));

	if (!si || si->magic != HVM_START_MAGIC_VALUE)
		panic("%s: no valid hvm_start_info at %lx", platform_name, start_info_paddr);
	if (si->cmdline_paddr) {
		const char *cl = early_ptr(si->cmdline_paddr, 1);
		if (cl)
			strlcpy(boot_info.cmdline, cl, sizeof(boot_info.cmdline));
	}
	if (si->nr_modules > 0) {
		const struct hvm_modlist_entry *m = early_ptr(si->modlist_paddr, sizeof(*m));
		if (m) {
			boot_info.initrd.paddr = m->paddr;
			boot_info.initrd.size = m->size;
		}
	}
	if (si->version >= 1 && si->memmap_entries > 0) {
		const struct hvm_memmap_table_entry *e =
			early_ptr(si->memmap_paddr, si->memmap_entries * sizeof(*e));
		for (uint32_t i = 0; e && i < si->memmap_entries && boot_info.nr_ram < PLAT_MAX_MEM_RANGES; i++) {
			if (e[i].type != HVM_MEMMAP_TYPE_RAM)
				continue;
			boot_info.ram[boot_info.nr_ram].base = e[i].addr;
			boot_info.ram[boot_info.nr_ram].size = e[i].size;
			boot_info.nr_ram++;
		}
	}
	if (boot_info.nr_ram == 0)
		panic("%s: no memory map in hvm_start_info (version %u)", platform_name, si->version);
}
