/* SPDX-License-Identifier: MIT */
/* hello_pie.c: a static-PIE program: relocated by its own start-up code, loaded at the kernel's PIE base. */
// husk-test: status=0 expect="SUCCESS" backends=qemu,vmm
#include <elf.h>
#include <stdint.h>
#include <sys/auxv.h>

#include "check.h"

extern const char __ehdr_start[];
static const char *greeting = "static-pie relocated";   /* needs a relocation at start-up */

int main(void)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)__ehdr_start;

	printf("%s\n", greeting);
	CHECK(eh->e_type == ET_DYN, "e_type %d, wanted ET_DYN (build with -static-pie)", eh->e_type);
	CHECK(getauxval(AT_BASE) == 0, "AT_BASE %#lx: a static PIE has no interpreter", getauxval(AT_BASE));
	CHECK((uintptr_t)__ehdr_start % 4096 == 0 && (uintptr_t)__ehdr_start >= 0x10000,
	      "loaded at %p", (void *)__ehdr_start);
	CHECK(getauxval(AT_PHDR) == (uintptr_t)__ehdr_start + eh->e_phoff, "AT_PHDR %#lx vs %p + %#lx",
	      getauxval(AT_PHDR), (void *)__ehdr_start, (unsigned long)eh->e_phoff);
	CHECK(getauxval(AT_ENTRY) >= (uintptr_t)__ehdr_start, "AT_ENTRY %#lx below the load address",
	      getauxval(AT_ENTRY));
	CHECK(strcmp(greeting, "static-pie relocated") == 0, "relocated string reads %s", greeting);
	return check_finish("hello_pie");
}
