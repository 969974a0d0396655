/* SPDX-License-Identifier: MIT */
/* oom.c: touching more memory than the VM has ends the program by SIGKILL with a clear message, not a crash. */
// husk-test: mem=32M status=137 expect="oom: allocating" kexpect="out of memory" kexpect="the VM's 32 MiB are used up"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	printf("oom: allocating until the memory runs out\n");
	for (int i = 0; i < 4096; i++) {
		char *p = malloc(1 << 20);
		if (!p) {
			/* musl's mmap-backed malloc should not fail first: memory is committed on touch. */
			printf("oom: malloc returned NULL after %d MiB\n", i);
			return 3;
		}
		memset(p, 1, 1 << 20);
	}
	printf("oom: 4 GiB fit in a 32 MiB VM?\n");
	return 0;
}
