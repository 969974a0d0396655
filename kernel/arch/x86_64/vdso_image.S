/* SPDX-License-Identifier: MIT */
/* vdso_image.S: the vDSO's data page and its ELF image (built from kernel/vdso/), placed by linker.ld where every address space can read them. */

	/* struct vdso_data (vdso.h), one page below the image as vdso.lds expects. */
	.section .vdso.data, "aw"
	.balign 4096
	.globl vdso_page
vdso_page:
	.zero 4096

	.section .vdso.image, "a"
	.balign 4096
	.globl vdso_image
vdso_image:
	.incbin VDSO_SO
	.balign 4096
