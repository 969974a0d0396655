/* SPDX-License-Identifier: MIT */
/* hello.c: the smallest guest program; prints a greeting and exits 0 (also the demo). */
// husk-test: status=0 expect="Hello from husk" backends=qemu,vmm,xen
#include <stdio.h>

int main(void)
{
	printf("Hello from husk!\n");
	return 0;
}
