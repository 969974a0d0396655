/* SPDX-License-Identifier: MIT */
/* fuzz_elfread.c: libFuzzer harness for the CLI's ELF dynamic-section reader (cli/elfread.c), which finds DT_NEEDED, RPATH and the interpreter. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../cli/strvec.c"
#include "../../cli/elfread.c"

void husk_err(const char *fmt, ...)
{
	(void)fmt;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	struct elf_dyninfo info;

	/* elf_read_dyninfo reads a path: one memfd, rewritten for each input. */
	if (fd < 0) {
		fd = memfd_create("fuzz-elf", 0);
		if (fd < 0)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	memset(&info, 0, sizeof(info));
	if (elf_read_dyninfo(path, &info) == 0)
		elf_dyninfo_free(&info);
	return 0;
}
