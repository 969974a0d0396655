/* SPDX-License-Identifier: MIT */
/* hello.c: the smallest guest program; prints a greeting and exits 0 (also the demo). */
// husk-test: status=0 expect="Hello from husk" backends=qemu,vmm,xen
// husk-test: name=xen-dhcp vif=1 opts="--verbose" backends=xen expect="Hello from husk" kexpect="eth0: Xen netfront" kexpect="husk: eth0: 192.168.100." kexpect="by DHCP"
#include <stdio.h>

int main(void)
{
	printf("Hello from husk!\n");
	return 0;
}
