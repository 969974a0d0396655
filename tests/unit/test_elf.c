/* SPDX-License-Identifier: MIT */
/* test_elf.c: unit tests for the kernel's ELF checks (kernel/exec/elf.c) on made-up and corrupted headers. */
#include <stdio.h>
#include <string.h>

#include "../../kernel/exec/elf.c"

static int failures;

#define CHECK(cond) do { \
	if (!(cond)) { \
		printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); \
		failures++; \
	} \
} while (0)

/* A static executable: text at 0x401000 (R+X, holds the entry), data+bss at 0x403000 (RW). */
struct prog {
	Elf64_Ehdr eh;
	Elf64_Phdr ph[3];
};
#define FILE_SIZE 0x4000

static void make_prog(struct prog *p)
{
	memset(p, 0, sizeof(*p));
	memcpy(p->eh.e_ident, ELFMAG, SELFMAG);
	p->eh.e_ident[EI_CLASS] = ELFCLASS64;
	p->eh.e_ident[EI_DATA] = ELFDATA2LSB;
	p->eh.e_ident[EI_VERSION] = EV_CURRENT;
	p->eh.e_type = ET_EXEC;
	p->eh.e_machine = EM_X86_64;
	p->eh.e_version = EV_CURRENT;
	p->eh.e_entry = 0x401010;
	p->eh.e_phoff = offsetof(struct prog, ph);
	p->eh.e_phentsize = sizeof(Elf64_Phdr);
	p->eh.e_phnum = 3;
	p->eh.e_ehsize = sizeof(Elf64_Ehdr);
	p->ph[0] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R, .p_offset = 0, .p_vaddr = 0x400000,
				 .p_filesz = 0x1000, .p_memsz = 0x1000, .p_align = 0x1000 };
	p->ph[1] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_offset = 0x1000,
				 .p_vaddr = 0x401000, .p_filesz = 0x1800, .p_memsz = 0x1800, .p_align = 0x1000 };
	p->ph[2] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_W, .p_offset = 0x3000,
				 .p_vaddr = 0x403000, .p_filesz = 0x100, .p_memsz = 0x5000, .p_align = 0x1000 };
}

static int check(struct prog *p, uint64_t size, struct elf_info *info, const char **why)
{
	int err = elf_check_header(&p->eh, size, why);
	if (err)
		return err;
	return elf_check_phdrs(&p->eh, p->ph, size, info, why);
}

int main(void)
{
	struct prog p;
	struct elf_info info;
	const char *why;

	make_prog(&p);
	CHECK(check(&p, FILE_SIZE, &info, &why) == 0);
	CHECK(info.min_vaddr == 0x400000);
	CHECK(info.max_vaddr == 0x408000);
	CHECK(info.phdr_vaddr == 0x400040);   /* found inside the first PT_LOAD */
	CHECK(info.interp_index == -1);

	/* Each corruption must be refused with a reason. */
#define REJECT(stmt, size) do { \
		make_prog(&p); \
		stmt; \
		why = NULL; \
		CHECK(check(&p, (size), &info, &why) == -ENOEXEC); \
		CHECK(why != NULL); \
	} while (0)

	REJECT(p.eh.e_ident[EI_MAG1] = 'X', FILE_SIZE);
	REJECT(p.eh.e_ident[EI_CLASS] = ELFCLASS32, FILE_SIZE);
	REJECT(p.eh.e_ident[EI_DATA] = ELFDATA2MSB, FILE_SIZE);
	REJECT(p.eh.e_machine = EM_AARCH64, FILE_SIZE);
	REJECT(p.eh.e_type = ET_REL, FILE_SIZE);
	REJECT(p.eh.e_type = ET_CORE, FILE_SIZE);
	REJECT(p.eh.e_phentsize = 32, FILE_SIZE);
	REJECT(p.eh.e_phnum = 0, FILE_SIZE);
	REJECT(p.eh.e_phnum = 1000, FILE_SIZE);
	REJECT(p.eh.e_phoff = FILE_SIZE - 8, FILE_SIZE);
	REJECT(p.eh.e_phoff = UINT64_MAX - 8, FILE_SIZE);
	REJECT((void)0, 40);                                   /* shorter than an ELF header */
	REJECT((void)0, sizeof(Elf64_Ehdr) + 10);              /* program headers cut off */
	REJECT(p.ph[1].p_filesz = FILE_SIZE, FILE_SIZE);       /* segment past the end of the file */
	REJECT(p.ph[1].p_offset = UINT64_MAX - 0x10, FILE_SIZE);
	REJECT(p.ph[2].p_filesz = 0x6000, FILE_SIZE);          /* filesz > memsz (and past EOF) */
	REJECT(p.ph[2].p_memsz = 0x10, FILE_SIZE);             /* filesz > memsz */
	REJECT(p.ph[2].p_vaddr = 0x7ffffffff000ULL, FILE_SIZE); /* beyond user space */
	REJECT(p.ph[2].p_vaddr = UINT64_MAX - 0x1000, FILE_SIZE); /* wraps around */
	REJECT(p.ph[2].p_vaddr = 0x403100, FILE_SIZE);         /* vaddr and offset disagree modulo the page */
	REJECT(p.eh.e_entry = 0x403010, FILE_SIZE);            /* entry in a non-executable segment */
	REJECT(p.eh.e_entry = 0x900000, FILE_SIZE);            /* entry outside every segment */
	REJECT(for (int i = 0; i < 3; i++) p.ph[i].p_type = PT_NOTE, FILE_SIZE);
	REJECT((p.ph[0].p_vaddr = 0x1000, p.ph[0].p_offset = 0), FILE_SIZE);  /* below 64 KiB */
	REJECT((p.ph[0].p_type = PT_INTERP, p.ph[0].p_filesz = 0x100000), FILE_SIZE);

	/* A PT_INTERP inside the file is accepted and reported. */
	make_prog(&p);
	p.ph[0].p_type = PT_INTERP;
	p.ph[0].p_offset = 0x200;
	p.ph[0].p_filesz = 28;
	p.ph[0].p_memsz = 28;
	CHECK(check(&p, FILE_SIZE, &info, &why) == 0);
	CHECK(info.interp_index == 0);

	/* A position-independent executable may start at address 0. */
	make_prog(&p);
	p.eh.e_type = ET_DYN;
	for (int i = 0; i < 3; i++)
		p.ph[i].p_vaddr -= 0x400000;
	p.eh.e_entry -= 0x400000;
	CHECK(check(&p, FILE_SIZE, &info, &why) == 0);
	CHECK(info.min_vaddr == 0);

	if (failures)
		printf("test_elf: %d check(s) failed\n", failures);
	return failures ? 1 : 0;
}
