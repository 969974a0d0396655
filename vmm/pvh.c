/* SPDX-License-Identifier: MIT */
/* pvh.c: the PVH boot handover: hvm_start_info, memory map, command line, module list, 64-bit entry tables. */
#include <errno.h>
#include <string.h>

#include "husk/pvh.h"
#include "vmm.h"

_Static_assert(VMM_START_INFO_GPA + sizeof(struct hvm_start_info) <= VMM_MODLIST_GPA,
	       "start info overlaps the module list");
_Static_assert(VMM_MODLIST_GPA + sizeof(struct hvm_modlist_entry) <= VMM_MEMMAP_GPA,
	       "module list overlaps the memory map");
_Static_assert(VMM_MEMMAP_GPA + VMM_MEMMAP_MAX * sizeof(struct hvm_memmap_table_entry) <=
	       VMM_CMDLINE_GPA, "memory map overlaps the command line");

int vmm_pvh_setup(const struct vmm_mem *mem, const char *cmdline,
		  uint64_t initrd_gpa, uint64_t initrd_size, int have_initrd)
{
	struct hvm_start_info si;
	struct hvm_modlist_entry mod;
	struct hvm_memmap_table_entry map[2];
	size_t len = strlen(cmdline) + 1;

	if (len > VMM_CMDLINE_END - VMM_CMDLINE_GPA)
		return -E2BIG;
	memcpy(mem->base + VMM_CMDLINE_GPA, cmdline, len);

	/*
	 * Conventional memory ends at 640 KiB, as on a PC; everything the
	 * monitor placed below 1 MiB is inside it, and the kernel skips it
	 * anyway.  The initrd sits inside the upper RAM range: the module
	 * list tells the kernel where.
	 */
	memset(map, 0, sizeof(map));
	map[0].addr = 0;
	map[0].size = 0xa0000;
	map[0].type = HVM_MEMMAP_TYPE_RAM;
	map[1].addr = VMM_KERNEL_MIN_GPA;
	map[1].size = mem->size - VMM_KERNEL_MIN_GPA;
	map[1].type = HVM_MEMMAP_TYPE_RAM;
	memcpy(mem->base + VMM_MEMMAP_GPA, map, sizeof(map));

	memset(&mod, 0, sizeof(mod));
	mod.paddr = initrd_gpa;
	mod.size = initrd_size;
	memcpy(mem->base + VMM_MODLIST_GPA, &mod, sizeof(mod));

	memset(&si, 0, sizeof(si));
	si.magic = HVM_START_MAGIC_VALUE;
	si.version = 1;
	si.nr_modules = have_initrd ? 1 : 0;
	si.modlist_paddr = have_initrd ? VMM_MODLIST_GPA : 0;
	si.cmdline_paddr = VMM_CMDLINE_GPA;
	si.memmap_paddr = VMM_MEMMAP_GPA;
	si.memmap_entries = 2;
	memcpy(mem->base + VMM_START_INFO_GPA, &si, sizeof(si));
	return 0;
}

void vmm_pvh_setup_long_mode(const struct vmm_mem *mem)
{
	uint64_t gdt[3] = {
		0,
		0x00af9b000000ffffULL,	/* 0x08: 64-bit code, DPL 0 */
		0x00cf93000000ffffULL,	/* 0x10: flat data, DPL 0 */
	};
	uint64_t e;
	unsigned i;

	memcpy(mem->base + VMM_GDT_GPA, gdt, sizeof(gdt));
	memset(mem->base + VMM_PML4_GPA, 0, 3 * VMM_PAGE_SIZE);
	e = VMM_PDPT_GPA | 0x3;		/* present, writable */
	memcpy(mem->base + VMM_PML4_GPA, &e, 8);
	e = VMM_PD_GPA | 0x3;
	memcpy(mem->base + VMM_PDPT_GPA, &e, 8);
	for (i = 0; i < 512; i++) {
		e = ((uint64_t)i << 21) | 0x83;	/* present, writable, 2 MiB */
		memcpy(mem->base + VMM_PD_GPA + 8 * i, &e, 8);
	}
}
