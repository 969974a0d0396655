/* SPDX-License-Identifier: MIT */
/* fuzz_cmdline.c: libFuzzer harness for the VM command line (cli/cmdline.c): parse, format, parse again, and compare. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../cli/strvec.c"
#include "../../cli/cmdline.c"

void husk_err(const char *fmt, ...)
{
	(void)fmt;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vm_args a, b;
	struct strvec tok;
	char *line, *again = NULL;

	line = malloc(size + 1);
	if (!line)
		abort();
	memcpy(line, data, size);
	line[size] = 0;
	memset(&tok, 0, sizeof(tok));
	cmdline_split(line, &tok);
	strvec_free(&tok); /* on an error too: it keeps what it pushed */
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	if (cmdline_parse(line, &a) == 0 && cmdline_format(&a, &again) == 0) {
		/* What format writes, parse reads back the same. */
		if (cmdline_parse(again, &b) != 0)
			abort();
		if (a.argv.n != b.argv.n || a.options.n != b.options.n)
			abort();
	}
	free(again);
	vm_args_free(&a);
	vm_args_free(&b);
	free(line);
	return 0;
}
