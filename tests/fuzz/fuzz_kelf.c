/* SPDX-License-Identifier: MIT */
/* fuzz_kelf.c: libFuzzer harness for the guest kernel's ELF checks (kernel/exec/elf.c) on arbitrary files. */
#include <stdint.h>
#include <string.h>

#include "../../kernel/exec/elf.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph[64];
	struct elf_info info;
	const char *why;
	size_t len;

	if (size < sizeof(eh))
		return 0;
	memcpy(&eh, data, sizeof(eh));
	if (elf_check_header(&eh, size, &why) != 0)
		return 0;
	/* exec.c reads e_phnum headers from e_phoff once the header passed. */
	if ((uint64_t)eh.e_phnum * sizeof(Elf64_Phdr) > sizeof(ph) || eh.e_phoff > size)
		return 0;
	len = (size_t)eh.e_phnum * sizeof(Elf64_Phdr);
	if (len > size - eh.e_phoff)
		return 0;
	memcpy(ph, data + eh.e_phoff, len);
	elf_check_phdrs(&eh, ph, size, &info, &why);
	return 0;
}
