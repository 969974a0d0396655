/* SPDX-License-Identifier: MIT */
/* elf.c: checks a kernel ELF image, loads its segments into guest RAM and finds its entry notes. */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <husk/abi.h>
#include "vmm.h"

/* Xen's public/elfnote.h: the 32-bit physical PVH entry point. */
#define XEN_ELFNOTE_PHYS32_ENTRY 18

#define PHNUM_MAX 64

/* 1 if [off, off + len) lies inside [0, size), computed without overflow. */
static int in_range(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static uint64_t read_le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	while (n--)
		v = (v << 8) | p[n];
	return v;
}

/*
 * Walk the notes of one PT_NOTE segment, file[off, off + len), recording
 * the two entry notes and the ABI note.  Returns 0 or -ENOEXEC with *why set.
 */
static int scan_notes(const uint8_t *file, uint64_t off, uint64_t len, uint64_t align,
		      struct vmm_kernel *k, const char **why)
{
	const uint8_t *p = file + off;
	uint64_t pos = 0;

	/* ELF64 notes are 4-aligned in practice; honour 8 when the segment asks for it. */
	if (align != 8)
		align = 4;
	while (pos < len) {
		Elf64_Nhdr nh;
		uint64_t name_off, desc_off, next;

		if (len - pos < sizeof(nh)) {
			*why = "truncated note header";
			return -ENOEXEC;
		}
		memcpy(&nh, p + pos, sizeof(nh));
		name_off = pos + sizeof(nh);
		desc_off = name_off + align_up(nh.n_namesz, align);
		next = desc_off + align_up(nh.n_descsz, align);
		/* namesz and descsz are 32-bit, so these sums cannot wrap. */
		if (!in_range(name_off, nh.n_namesz, len) ||
		    !in_range(desc_off, nh.n_descsz, len) || next > align_up(len, align)) {
			*why = "note runs past its segment";
			return -ENOEXEC;
		}
		if (nh.n_namesz == 4 && !memcmp(p + name_off, "Xen", 4) &&
		    nh.n_type == XEN_ELFNOTE_PHYS32_ENTRY) {
			if (nh.n_descsz != 4 && nh.n_descsz != 8) {
				*why = "PVH entry note has a bad size";
				return -ENOEXEC;
			}
			k->entry32 = read_le(p + desc_off, nh.n_descsz);
			k->has_entry32 = 1;
			if (k->entry32 > 0xffffffffULL) {
				*why = "PVH entry point above 4 GiB";
				return -ENOEXEC;
			}
		} else if (nh.n_namesz == sizeof(HUSK_ELFNOTE_NAME) &&
			   !memcmp(p + name_off, HUSK_ELFNOTE_NAME, sizeof(HUSK_ELFNOTE_NAME)) &&
			   nh.n_type == HUSK_ELFNOTE_ENTRY64) {
			if (nh.n_descsz != 8) {
				*why = "Husk entry note has a bad size";
				return -ENOEXEC;
			}
			k->entry64 = read_le(p + desc_off, 8);
			k->has_entry64 = 1;
		} else if (nh.n_namesz == sizeof(HUSK_ELFNOTE_NAME) &&
			   !memcmp(p + name_off, HUSK_ELFNOTE_NAME, sizeof(HUSK_ELFNOTE_NAME)) &&
			   nh.n_type == HUSK_ELFNOTE_ABI) {
			if (nh.n_descsz != 4) {
				*why = "Husk ABI note has a bad size";
				return -ENOEXEC;
			}
			k->abi_version = read_le(p + desc_off, 4);
			k->has_abi = 1;
		}
		pos = next;
	}
	return 0;
}

/* 1 if gpa lies inside the file-backed part of a PT_LOAD segment. */
static int entry_loaded(const Elf64_Phdr *ph, unsigned n, uint64_t gpa)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (ph[i].p_type == PT_LOAD && gpa >= ph[i].p_paddr &&
		    gpa - ph[i].p_paddr < ph[i].p_filesz)
			return 1;
	return 0;
}

int vmm_elf_load(const uint8_t *file, size_t size, const struct vmm_mem *mem,
		 struct vmm_kernel *k, const char **why)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph[PHNUM_MAX];
	uint64_t mem_size = mem ? mem->size : VMM_MEM_MAX;
	unsigned i, nload = 0;

	memset(k, 0, sizeof(*k));
	if (size < sizeof(eh)) {
		*why = "file too short for an ELF header";
		return -ENOEXEC;
	}
	memcpy(&eh, file, sizeof(eh));
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG)) {
		*why = "no ELF magic";
		return -ENOEXEC;
	}
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh.e_ident[EI_VERSION] != EV_CURRENT) {
		*why = "not a little-endian ELF64 file";
		return -ENOEXEC;
	}
	if (eh.e_machine != EM_X86_64) {
		*why = "not an x86-64 file";
		return -ENOEXEC;
	}
	if (eh.e_type != ET_EXEC) {
		*why = "not an executable (ET_EXEC) file";
		return -ENOEXEC;
	}
	if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 || eh.e_phnum > PHNUM_MAX) {
		*why = "bad program header table size";
		return -ENOEXEC;
	}
	if (!in_range(eh.e_phoff, (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr), size)) {
		*why = "program header table outside the file";
		return -ENOEXEC;
	}
	memcpy(ph, file + eh.e_phoff, eh.e_phnum * sizeof(Elf64_Phdr));

	for (i = 0; i < eh.e_phnum; i++) {
		const Elf64_Phdr *p = &ph[i];
		int ret;

		if (p->p_type == PT_NOTE) {
			if (!in_range(p->p_offset, p->p_filesz, size)) {
				*why = "note segment outside the file";
				return -ENOEXEC;
			}
			ret = scan_notes(file, p->p_offset, p->p_filesz, p->p_align, k, why);
			if (ret)
				return ret;
			continue;
		}
		if (p->p_type != PT_LOAD)
			continue;
		if (p->p_filesz > p->p_memsz) {
			*why = "segment file size larger than its memory size";
			return -ENOEXEC;
		}
		if (!in_range(p->p_offset, p->p_filesz, size)) {
			*why = "segment data outside the file";
			return -ENOEXEC;
		}
		if (p->p_paddr < VMM_KERNEL_MIN_GPA) {
			*why = "segment below 1 MiB";
			return -ENOEXEC;
		}
		if (!in_range(p->p_paddr, p->p_memsz, mem_size)) {
			*why = "segment outside guest RAM";
			return -ENOEXEC;
		}
		if (p->p_paddr + p->p_memsz > k->end)
			k->end = p->p_paddr + p->p_memsz;
		nload++;
	}
	if (nload == 0) {
		*why = "no loadable segments";
		return -ENOEXEC;
	}
	if (!k->has_entry32 && !k->has_entry64) {
		*why = "no PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY)";
		return -ENOEXEC;
	}
	if (!k->has_abi) {
		*why = "no Husk ABI note (HUSK_ELFNOTE_ABI): not a husk kernel, or one older than ABI version 1";
		return -ENOEXEC;
	}
	if (k->abi_version != HUSK_ABI_VERSION) {
		static char msg[128];

		snprintf(msg, sizeof(msg), "built for husk ABI version %u, but this husk-vmm speaks version %d",
			 k->abi_version, HUSK_ABI_VERSION);
		*why = msg;
		return -ENOEXEC;
	}
	if ((k->has_entry32 && !entry_loaded(ph, eh.e_phnum, k->entry32)) ||
	    (k->has_entry64 && !entry_loaded(ph, eh.e_phnum, k->entry64))) {
		*why = "entry point outside the loaded segments";
		return -ENOEXEC;
	}

	if (!mem)
		return 0;
	for (i = 0; i < eh.e_phnum; i++) {
		const Elf64_Phdr *p = &ph[i];

		if (p->p_type != PT_LOAD)
			continue;
		memcpy(mem->base + p->p_paddr, file + p->p_offset, p->p_filesz);
		memset(mem->base + p->p_paddr + p->p_filesz, 0, p->p_memsz - p->p_filesz);
	}
	return 0;
}
