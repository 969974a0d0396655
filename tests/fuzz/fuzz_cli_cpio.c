/* SPDX-License-Identifier: MIT */
/* fuzz_cli_cpio.c: libFuzzer harness for the CLI's cpio readers (cli/cpio.c: cpio_check, cpio_find) on an arbitrary image. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../cli/cpio.c"

void husk_err(const char *fmt, ...)
{
	(void)fmt;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "bin/prog", "init", "etc/passwd", "" };
	const void *p;
	size_t n, bad, i;
	volatile unsigned sum = 0;
	unsigned k;

	if (cpio_check(data, size, &bad) != 0 && bad > size)
		abort(); /* the offset it reports must be inside the image */
	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		if (cpio_find(data, size, names[k], &p, &n) != 0)
			continue;
		if ((const uint8_t *)p < data || n > size ||
		    (const uint8_t *)p - data > (ptrdiff_t)(size - n))
			abort(); /* the member must lie inside the image */
		for (i = 0; i < n; i++)
			sum += ((const uint8_t *)p)[i];
	}
	return 0;
}
