/* SPDX-License-Identifier: MIT */
/* test_vmm_elf.c: unit tests for husk-vmm's kernel ELF checks, loading and entry notes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../vmm/elf.c"

static int failures;

#define CHECK(cond) do { \
	if (!(cond)) { \
		printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); \
		failures++; \
	} \
} while (0)

/*
 * A small valid kernel: ELF header, three program headers (PT_LOAD for
 * code, PT_LOAD for bss, PT_NOTE), the notes, then 64 bytes of code.
 */
#define IMG_PHNUM    3
#define IMG_NOTE_OFF (sizeof(Elf64_Ehdr) + IMG_PHNUM * sizeof(Elf64_Phdr))
#define IMG_NOTE_LEN (12 + 4 + 4 + 12 + 8 + 8 + 12 + 8 + 4)
#define IMG_CODE_OFF (IMG_NOTE_OFF + IMG_NOTE_LEN)
#define IMG_CODE_LEN 64
#define IMG_SIZE     (IMG_CODE_OFF + IMG_CODE_LEN)
#define IMG_PADDR    0x100000ULL

struct image {
	uint8_t b[IMG_SIZE];
};

static Elf64_Ehdr *ehdr(struct image *im)
{
	return (Elf64_Ehdr *)im->b;
}

static Elf64_Phdr *phdr(struct image *im, unsigned i)
{
	return (Elf64_Phdr *)(im->b + sizeof(Elf64_Ehdr)) + i;
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

/* The ABI version make_image writes into its Husk ABI note; 0 leaves the note out. */
static uint32_t img_abi = HUSK_ABI_VERSION;

static void make_image(struct image *im, int xen_note, int husk_note)
{
	Elf64_Ehdr *e = ehdr(im);
	Elf64_Phdr *p;
	uint8_t *n = im->b + IMG_NOTE_OFF;
	unsigned i;

	memset(im, 0, sizeof(*im));
	memcpy(e->e_ident, ELFMAG, SELFMAG);
	e->e_ident[EI_CLASS] = ELFCLASS64;
	e->e_ident[EI_DATA] = ELFDATA2LSB;
	e->e_ident[EI_VERSION] = EV_CURRENT;
	e->e_type = ET_EXEC;
	e->e_machine = EM_X86_64;
	e->e_version = EV_CURRENT;
	e->e_entry = IMG_PADDR;
	e->e_phoff = sizeof(Elf64_Ehdr);
	e->e_ehsize = sizeof(Elf64_Ehdr);
	e->e_phentsize = sizeof(Elf64_Phdr);
	e->e_phnum = IMG_PHNUM;

	p = phdr(im, 0);
	p->p_type = PT_LOAD;
	p->p_offset = IMG_CODE_OFF;
	p->p_paddr = p->p_vaddr = IMG_PADDR;
	p->p_filesz = IMG_CODE_LEN;
	p->p_memsz = 4096;
	p = phdr(im, 1);
	p->p_type = PT_LOAD;
	p->p_offset = IMG_CODE_OFF;
	p->p_paddr = p->p_vaddr = IMG_PADDR + 0x10000;
	p->p_filesz = 0;
	p->p_memsz = 0x2000;
	p = phdr(im, 2);
	p->p_type = PT_NOTE;
	p->p_offset = IMG_NOTE_OFF;
	p->p_filesz = IMG_NOTE_LEN;
	p->p_align = 4;

	/* Xen PHYS32_ENTRY -> IMG_PADDR + 0x10, Husk ENTRY64 -> IMG_PADDR + 0x20. */
	put32(n, 4);
	put32(n + 4, 4);
	put32(n + 8, xen_note ? XEN_ELFNOTE_PHYS32_ENTRY : 99);
	memcpy(n + 12, "Xen", 4);
	put32(n + 16, IMG_PADDR + 0x10);
	n += 20;
	put32(n, 5);
	put32(n + 4, 8);
	put32(n + 8, husk_note ? HUSK_ELFNOTE_ENTRY64 : 99);
	memcpy(n + 12, "Husk", 5);
	put64(n + 20, IMG_PADDR + 0x20);
	n += 28;
	put32(n, 5);
	put32(n + 4, 4);
	put32(n + 8, img_abi ? HUSK_ELFNOTE_ABI : 99);
	memcpy(n + 12, "Husk", 5);
	put32(n + 20, img_abi);

	for (i = 0; i < IMG_CODE_LEN; i++)
		im->b[IMG_CODE_OFF + i] = 0xa0 + i;
}

static int check(const struct image *im, size_t size, const struct vmm_mem *mem,
		 struct vmm_kernel *k, const char **why)
{
	*why = NULL;
	return vmm_elf_load(im->b, size, mem, k, why);
}

/* Expect -ENOEXEC with a reason. */
static void expect_bad(const char *what, const struct image *im, size_t size,
		       const struct vmm_mem *mem)
{
	struct vmm_kernel k;
	const char *why;
	int ret = check(im, size, mem, &k, &why);

	if (ret != -ENOEXEC || !why) {
		printf("FAIL %s: accepted (ret %d)\n", what, ret);
		failures++;
	}
}

int main(void)
{
	struct vmm_mem mem = { .size = 16 << 20 };
	struct vmm_kernel k;
	struct image im;
	const char *why;
	unsigned i;
	int ret;

	mem.base = calloc(1, mem.size);
	if (!mem.base)
		return 1;

	/* The valid image loads, with both entries and a zeroed bss. */
	make_image(&im, 1, 1);
	memset(mem.base + IMG_PADDR, 0xff, 0x20000);
	ret = check(&im, sizeof(im), &mem, &k, &why);
	CHECK(ret == 0);
	CHECK(k.has_entry32 && k.entry32 == IMG_PADDR + 0x10);
	CHECK(k.has_entry64 && k.entry64 == IMG_PADDR + 0x20);
	CHECK(k.end == IMG_PADDR + 0x12000);
	CHECK(memcmp(mem.base + IMG_PADDR, im.b + IMG_CODE_OFF, IMG_CODE_LEN) == 0);
	CHECK(mem.base[IMG_PADDR + IMG_CODE_LEN] == 0 && mem.base[IMG_PADDR + 4095] == 0);
	CHECK(mem.base[IMG_PADDR + 0x10000] == 0 && mem.base[IMG_PADDR + 0x11fff] == 0);
	CHECK(mem.base[IMG_PADDR + 4096] == 0xff);	/* between segments: untouched */

	/* Checking without memory works the same. */
	ret = check(&im, sizeof(im), NULL, &k, &why);
	CHECK(ret == 0 && k.entry32 == IMG_PADDR + 0x10);

	/* One entry note is enough. */
	make_image(&im, 1, 0);
	CHECK(check(&im, sizeof(im), &mem, &k, &why) == 0 && k.has_entry32 && !k.has_entry64);
	make_image(&im, 0, 1);
	CHECK(check(&im, sizeof(im), &mem, &k, &why) == 0 && !k.has_entry32 && k.has_entry64);

	/* The ABI note: missing or of another version, the kernel is refused and nothing is written. */
	memset(mem.base, 0x5a, mem.size);
	img_abi = 0;
	make_image(&im, 1, 1);
	CHECK(check(&im, sizeof(im), &mem, &k, &why) == -ENOEXEC && why && strstr(why, "ABI note"));
	img_abi = HUSK_ABI_VERSION + 1;
	make_image(&im, 1, 1);
	CHECK(check(&im, sizeof(im), &mem, &k, &why) == -ENOEXEC && why && strstr(why, "ABI version"));
	CHECK(mem.base[IMG_PADDR] == 0x5a);
	img_abi = HUSK_ABI_VERSION;

	/* Truncated files: every prefix is rejected, and nothing is written. */
	make_image(&im, 1, 1);
	memset(mem.base, 0x5a, mem.size);
	for (i = 0; i < IMG_SIZE; i++) {
		ret = check(&im, i, &mem, &k, &why);
		if (ret != -ENOEXEC) {
			printf("FAIL truncated to %u bytes: accepted\n", i);
			failures++;
			break;
		}
	}
	CHECK(mem.base[IMG_PADDR] == 0x5a && mem.base[IMG_PADDR + 0x10000] == 0x5a);

	make_image(&im, 1, 1);
	ehdr(&im)->e_ident[3] = 'X';
	expect_bad("bad magic", &im, sizeof(im), &mem);

	make_image(&im, 1, 1);
	ehdr(&im)->e_ident[EI_CLASS] = ELFCLASS32;
	expect_bad("ELF32", &im, sizeof(im), &mem);

	make_image(&im, 1, 1);
	ehdr(&im)->e_ident[EI_DATA] = ELFDATA2MSB;
	expect_bad("big-endian", &im, sizeof(im), &mem);

	make_image(&im, 1, 1);
	ehdr(&im)->e_machine = EM_AARCH64;
	expect_bad("wrong machine", &im, sizeof(im), &mem);

	make_image(&im, 1, 1);
	ehdr(&im)->e_type = ET_DYN;
	expect_bad("ET_DYN", &im, sizeof(im), &mem);

	make_image(&im, 1, 1);
	ehdr(&im)->e_phentsize = 32;
	expect_bad("bad e_phentsize", &im, sizeof(im), &mem);

	make_image(&im, 1, 1);
	ehdr(&im)->e_phnum = 0;
	expect_bad("no program headers", &im, sizeof(im), &mem);

	make_image(&im, 1, 1);
	ehdr(&im)->e_phnum = 65535;
	expect_bad("huge e_phnum", &im, sizeof(im), &mem);

	make_image(&im, 1, 1);
	ehdr(&im)->e_phoff = ~0ULL - 8;
	expect_bad("e_phoff overflow", &im, sizeof(im), &mem);

	/* Segments outside guest RAM, below 1 MiB, wrapping around. */
	make_image(&im, 1, 1);
	phdr(&im, 1)->p_paddr = mem.size - 0x1000;
	expect_bad("segment past end of RAM", &im, sizeof(im), &mem);

	make_image(&im, 1, 1);
	phdr(&im, 1)->p_paddr = 0x8000;
	expect_bad("segment below 1 MiB", &im, sizeof(im), &mem);

	make_image(&im, 1, 1);
	phdr(&im, 1)->p_paddr = ~0ULL - 0xfff;
	expect_bad("segment address wraps", &im, sizeof(im), &mem);

	make_image(&im, 1, 1);
	phdr(&im, 1)->p_memsz = ~0ULL;
	expect_bad("p_memsz huge", &im, sizeof(im), &mem);

	make_image(&im, 1, 1);
	phdr(&im, 0)->p_memsz = IMG_CODE_LEN / 2;
	expect_bad("p_filesz > p_memsz", &im, sizeof(im), &mem);

	make_image(&im, 1, 1);
	phdr(&im, 0)->p_filesz = IMG_CODE_LEN + 1;
	expect_bad("p_filesz past end of file", &im, sizeof(im), &mem);

	make_image(&im, 1, 1);
	phdr(&im, 0)->p_offset = ~0ULL - 4;
	phdr(&im, 0)->p_filesz = 16;
	expect_bad("p_offset + p_filesz wraps", &im, sizeof(im), &mem);

	make_image(&im, 1, 1);
	phdr(&im, 0)->p_type = PT_NULL;
	phdr(&im, 1)->p_type = PT_NULL;
	expect_bad("no PT_LOAD", &im, sizeof(im), &mem);

	/* Notes: missing, malformed, pointing outside the image. */
	make_image(&im, 0, 0);
	expect_bad("missing entry note", &im, sizeof(im), &mem);

	make_image(&im, 1, 1);
	phdr(&im, 2)->p_type = PT_NULL;
	expect_bad("no note segment", &im, sizeof(im), &mem);

	make_image(&im, 1, 1);
	put32(im.b + IMG_NOTE_OFF, 0xfffffff0);	/* namesz */
	expect_bad("note namesz huge", &im, sizeof(im), &mem);

	make_image(&im, 1, 1);
	put32(im.b + IMG_NOTE_OFF + 4, 0xffffffff);	/* descsz */
	expect_bad("note descsz huge", &im, sizeof(im), &mem);

	make_image(&im, 1, 1);
	phdr(&im, 2)->p_filesz = IMG_NOTE_LEN - 3;
	expect_bad("note segment cut short", &im, sizeof(im), &mem);

	make_image(&im, 1, 1);
	phdr(&im, 2)->p_offset = IMG_SIZE - 8;
	expect_bad("note segment past end of file", &im, sizeof(im), &mem);

	make_image(&im, 1, 1);
	put32(im.b + IMG_NOTE_OFF + 4, 2);		/* Xen descsz 2: bad */
	put32(im.b + IMG_NOTE_OFF + 16, 0);
	expect_bad("PVH note bad size", &im, sizeof(im), &mem);

	make_image(&im, 1, 1);
	put32(im.b + IMG_NOTE_OFF + 16, 0x80000);	/* PVH entry not loaded */
	expect_bad("PVH entry outside segments", &im, sizeof(im), &mem);

	make_image(&im, 1, 1);
	put64(im.b + IMG_NOTE_OFF + 40, IMG_PADDR + 0x10000);	/* in bss only */
	expect_bad("64-bit entry in bss", &im, sizeof(im), &mem);

	make_image(&im, 0, 1);
	put64(im.b + IMG_NOTE_OFF + 40, ~0ULL);
	expect_bad("64-bit entry wild", &im, sizeof(im), &mem);

	free(mem.base);
	return failures ? 1 : 0;
}
