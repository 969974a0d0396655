/* SPDX-License-Identifier: MIT */
/* elf.h: validation of x86-64 ELF executables (exec/elf.c, portable: unit-tested on the host). */
#ifndef ELF_H
#define ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/elf.h>

#define ELF_MAX_PHDRS 64
#define ELF_USER_TOP 0x00007ffffffff000ULL

struct elf_info {
	int type;                    /* ET_EXEC or ET_DYN */
	uint64_t entry;
	uint64_t min_vaddr, max_vaddr;  /* page-aligned span of the PT_LOAD segments */
	int phnum;
	Elf64_Phdr phdrs[ELF_MAX_PHDRS];
	uint64_t phdr_vaddr;         /* where the program headers appear in memory (before the load bias) */
	int interp_index;            /* index of PT_INTERP in phdrs, or -1 */
};

/* Checks the ELF header; returns 0 or -ENOEXEC with a reason in *why. */
int elf_check_header(const Elf64_Ehdr *eh, uint64_t file_size, const char **why);
/*
 * Checks the program headers (phnum entries read from eh->e_phoff) and fills
 * info; returns 0 or -ENOEXEC with a reason in *why.
 */
int elf_check_phdrs(const Elf64_Ehdr *eh, const Elf64_Phdr *ph, uint64_t file_size,
		    struct elf_info *info, const char **why);

#endif
