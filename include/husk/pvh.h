/* SPDX-License-Identifier: MIT */
/* pvh.h: the PVH boot handover (struct hvm_start_info, version 1), shared by the kernel and husk-vmm. */
#ifndef HUSK_PVH_H
#define HUSK_PVH_H

#include <stdint.h>

/*
 * The layout Xen defines in xen/include/public/arch-x86/hvm/start_info.h.
 * All fields little-endian, all addresses guest physical.  EBX holds the
 * address of struct hvm_start_info at the PVH entry (include/husk/abi.h).
 */
#define HVM_START_MAGIC_VALUE    0x336ec578
#define HVM_MEMMAP_TYPE_RAM      1
#define HVM_MEMMAP_TYPE_RESERVED 2

struct hvm_start_info {
	uint32_t magic;
	uint32_t version;
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;
	uint64_t cmdline_paddr;
	uint64_t rsdp_paddr;
	uint64_t memmap_paddr;		/* version 1 */
	uint32_t memmap_entries;	/* version 1 */
	uint32_t reserved;
};

struct hvm_modlist_entry {
	uint64_t paddr;
	uint64_t size;
	uint64_t cmdline_paddr;
	uint64_t reserved;
};

struct hvm_memmap_table_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
	uint32_t reserved;
};

_Static_assert(sizeof(struct hvm_start_info) == 56, "hvm_start_info layout");
_Static_assert(sizeof(struct hvm_modlist_entry) == 32, "hvm_modlist_entry layout");
_Static_assert(sizeof(struct hvm_memmap_table_entry) == 24, "hvm_memmap_table_entry layout");

#endif
