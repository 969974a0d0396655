/* SPDX-License-Identifier: MIT */
/* elf.c: validates ELF headers and program headers before anything is mapped; no kernel dependencies. */
#include "elf.h"
#include <asm-generic/errno.h>

#define PAGE 4096ULL

static int reject(const char **why, const char *reason)
{
	*why = reason;
	return -ENOEXEC;
}

int elf_check_header(const Elf64_Ehdr *eh, uint64_t file_size, const char **why)
{
	if (file_size < sizeof(*eh))
		return reject(why, "file too short for an ELF header");
	if (eh->e_ident[EI_MAG0] != ELFMAG0 || eh->e_ident[EI_MAG1] != ELFMAG1 ||
	    eh->e_ident[EI_MAG2] != ELFMAG2 || eh->e_ident[EI_MAG3] != ELFMAG3)
		return reject(why, "no ELF magic number");
	if (eh->e_ident[EI_CLASS] != ELFCLASS64)
		return reject(why, "not a 64-bit ELF file");
	if (eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return reject(why, "not little-endian");
	if (eh->e_ident[EI_VERSION] != EV_CURRENT || eh->e_version != EV_CURRENT)
		return reject(why, "unknown ELF version");
	if (eh->e_machine != EM_X86_64)
		return reject(why, "not an x86-64 program");
	if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN)
		return reject(why, "not an executable (ELF type is neither EXEC nor DYN)");
	if (eh->e_phentsize != sizeof(Elf64_Phdr))
		return reject(why, "unexpected program header size");
	if (eh->e_phnum == 0 || eh->e_phnum > ELF_MAX_PHDRS)
		return reject(why, "bad number of program headers");
	if (eh->e_phoff > file_size || (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) > file_size - eh->e_phoff)
		return reject(why, "program headers lie outside the file");
	return 0;
}

int elf_check_phdrs(const Elf64_Ehdr *eh, const Elf64_Phdr *ph, uint64_t file_size,
		    struct elf_info *info, const char **why)
{
	bool have_load = false, entry_ok = false;

	info->type = eh->e_type;
	info->entry = eh->e_entry;
	info->phnum = eh->e_phnum;
	info->phdr_vaddr = 0;
	info->interp_index = -1;
	info->min_vaddr = UINT64_MAX;
	info->max_vaddr = 0;
	for (int i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *p = &ph[i];
		info->phdrs[i] = *p;
		if (p->p_type == PT_INTERP) {
			if (info->interp_index >= 0)
				return reject(why, "more than one PT_INTERP");
			if (p->p_filesz < 2 || p->p_filesz > 4096 || p->p_offset > file_size ||
			    p->p_filesz > file_size - p->p_offset)
				return reject(why, "bad PT_INTERP");
			info->interp_index = i;
		}
		if (p->p_type == PT_PHDR)
			info->phdr_vaddr = p->p_vaddr;
		if (p->p_type != PT_LOAD)
			continue;
		if (p->p_offset > file_size || p->p_filesz > file_size - p->p_offset)
			return reject(why, "a PT_LOAD segment lies outside the file");
		if (p->p_filesz > p->p_memsz)
			return reject(why, "a PT_LOAD segment has p_filesz > p_memsz");
		if (p->p_vaddr + p->p_memsz < p->p_vaddr || p->p_vaddr + p->p_memsz > ELF_USER_TOP)
			return reject(why, "a PT_LOAD segment lies outside user space");
		if ((p->p_vaddr % PAGE) != (p->p_offset % PAGE))
			return reject(why, "a PT_LOAD segment is misaligned (vaddr and offset differ modulo the page size)");
		if (p->p_vaddr / PAGE * PAGE < info->min_vaddr)
			info->min_vaddr = p->p_vaddr / PAGE * PAGE;
		if ((p->p_vaddr + p->p_memsz + PAGE - 1) / PAGE * PAGE > info->max_vaddr)
			info->max_vaddr = (p->p_vaddr + p->p_memsz + PAGE - 1) / PAGE * PAGE;
		if (eh->e_entry >= p->p_vaddr && eh->e_entry < p->p_vaddr + p->p_memsz && (p->p_flags & PF_X))
			entry_ok = true;
		/* Program headers not covered by PT_PHDR: find them inside a loaded segment. */
		if (!info->phdr_vaddr && eh->e_phoff >= p->p_offset && eh->e_phoff < p->p_offset + p->p_filesz)
			info->phdr_vaddr = p->p_vaddr + (eh->e_phoff - p->p_offset);
		have_load = true;
	}
	if (!have_load)
		return reject(why, "no PT_LOAD segment");
	if (!entry_ok)
		return reject(why, "the entry point is not in an executable segment");
	if (eh->e_type == ET_EXEC && info->min_vaddr < 0x10000)
		return reject(why, "a segment would be mapped below 64 KiB");
	return 0;
}
