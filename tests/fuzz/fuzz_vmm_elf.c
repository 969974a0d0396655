/* SPDX-License-Identifier: MIT */
/* fuzz_vmm_elf.c: libFuzzer harness for husk-vmm's kernel loader (vmm/elf.c): any file, loaded into 4 MiB of guest memory. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../vmm/elf.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *ram;
	struct vmm_mem mem = { .size = 4 << 20 };
	struct vmm_kernel k;
	const char *why;
	uint8_t *copy;

	if (!ram && !(ram = calloc(1, mem.size)))
		abort();
	mem.base = ram;
	/* An exact-size heap copy, so ASan sees any read past the file's end. */
	copy = malloc(size ? size : 1);
	if (!copy)
		abort();
	memcpy(copy, data, size);
	vmm_elf_load(copy, size, &mem, &k, &why);
	vmm_elf_load(copy, size, NULL, &k, &why);
	free(copy);
	return 0;
}
