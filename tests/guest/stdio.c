/* SPDX-License-Identifier: MIT */
/* stdio.c: the console as stdio (run by tests/host/stdio.sh): no tty on a pipe, stderr apart, kernel messages on stderr and rate-limited. */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include "check.h"

int main(void)
{
	struct termios t;
	int tty = isatty(0);

	/* husk's stdin is a pipe or a file in the test: the program sees no terminal. */
	CHECK(!tty && errno == ENOTTY, "isatty(0) = %d (%s)", tty, strerror(errno));
	CHECK(tcgetattr(1, &t) == -1 && errno == ENOTTY, "tcgetattr(1): %s", strerror(errno));
	printf("stdio: to stdout\n");
	fflush(stdout);
	fprintf(stderr, "stdio: to stderr\n");
	/* Each failing call prints a kernel message: the console shows a bounded number. */
	for (int i = 0; i < 1000; i++) {
		void *p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		void *q = mremap(p, 4096, 4096, MREMAP_MAYMOVE | MREMAP_DONTUNMAP);

		CHECK(q == MAP_FAILED, "mremap DONTUNMAP succeeded");
		munmap(p, 4096);
	}
	/* An unimplemented system call: its ENOSYS line goes to the kernel's channel. */
	CHECK(syscall(400) == -1 && errno == ENOSYS, "syscall 400: %s", strerror(errno));
	return check_finish("stdio");
}
