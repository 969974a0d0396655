/* SPDX-License-Identifier: MIT */
/* hypercall.S: the hypercall page; xen.c asks Xen to fill it (the MSR from CPUID leaf base+2). */

	.section .text.xen_hypercall, "ax"
	.balign 4096
	.globl xen_hypercall_page
xen_hypercall_page:
	.fill 4096, 1, 0xcc      /* int3 until Xen has written its stubs */
