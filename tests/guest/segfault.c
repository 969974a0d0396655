/* SPDX-License-Identifier: MIT */
/* segfault.c: faults on purpose; the VM must exit 128+signal with a register dump and a symbolized backtrace. */
// husk-test: status=139 expect="segfault: calling the crashing function" kexpect="backtrace" kexpect="crash_here" backends=qemu,vmm,xen
// husk-test: name=kernel-read args="kernel-read" status=139 expect="segfault: reading kernel memory"
// husk-test: name=ud2 args="ud2" status=132 expect="segfault: executing ud2"
// husk-test: name=divide args="divide" status=136 expect="segfault: dividing by zero"
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* A named, non-inlined frame the kernel's backtrace must show. */
__attribute__((noinline)) void crash_here(volatile int *p)
{
	*p = 42;
	__asm__ volatile("" ::: "memory");
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "null";
	volatile int zero = 0;

	if (strcmp(mode, "kernel-read") == 0) {
		/* Where the guest kernel lives (its load address and the top 2 GiB): not for ring 3. */
		printf("segfault: reading kernel memory\n");
		fflush(stdout);
		printf("segfault: read %#x\n", *(volatile unsigned char *)0x100000);
		printf("segfault: read %#x\n", *(volatile unsigned char *)0xffffffff80100000UL);
	} else if (strcmp(mode, "ud2") == 0) {
		printf("segfault: executing ud2\n");
		fflush(stdout);
		__asm__ volatile("ud2");
	} else if (strcmp(mode, "divide") == 0) {
		printf("segfault: dividing by zero\n");
		fflush(stdout);
		printf("segfault: %d\n", 7 / zero);
	} else {
		printf("segfault: calling the crashing function\n");	/* not its name: the name must come from the kernel */
		fflush(stdout);
		crash_here((volatile int *)(uintptr_t)16);
	}
	/* Reaching this line means the fault was not delivered. */
	printf("segfault: FAIL: still running after the fault (mode %s)\n", mode);
	return 1;
}
