/* SPDX-License-Identifier: MIT */
/* fuzz_kcpio.c: libFuzzer harness for the guest kernel's cpio reader (kernel/lib/cpio.c) walking an arbitrary archive. */
#include "../unit/kshim.h"
#include "../../kernel/lib/cpio.c"
#include "../unit/kshim.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cpio_reader r;
	struct cpio_entry e;
	volatile unsigned sum = 0;
	size_t i;
	int n = 0;

	cpio_init(&r, data, size);
	while (cpio_next(&r, &e) > 0 && n++ < 100000) {
		/* Touch every byte the reader says is the name and the data. */
		for (i = 0; i < e.namelen; i++)
			sum += (unsigned char)e.name[i];
		for (i = 0; i < e.filesize; i++)
			sum += ((const unsigned char *)e.data)[i];
	}
	return 0;
}
