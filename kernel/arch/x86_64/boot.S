/* SPDX-License-Identifier: MIT */
/* boot.S: PVH (32-bit) and husk 64-bit entry points, the ABI note, boot page tables and GDT. */
#include "husk/abi.h"

#define KERNEL_VMA 0xffffffff80000000
#define PTE_P   0x1
#define PTE_W   0x2
#define PTE_PS  0x80

/*
 * ELF notes: the PVH entry for Xen, QEMU and husk-vmm, husk's own 64-bit
 * entry (both physical addresses) and the ABI version (include/husk/abi.h).
 */
	.section .note.Xen, "a", @note
	.balign 4
	.long 4, 8, 18            /* namesz, descsz, XEN_ELFNOTE_PHYS32_ENTRY */
	.asciz "Xen"
	.quad pvh_start32
	.balign 4

	.section .note.Husk, "a", @note
	.balign 4
	.long 5, 8, 1             /* namesz, descsz, HUSK_ELFNOTE_ENTRY64 */
	.asciz "Husk"
	.balign 4
	.quad start64
	.balign 4

	.balign 4
	.long 5, 4, HUSK_ELFNOTE_ABI
	.asciz "Husk"
	.balign 4
	.long HUSK_ABI_VERSION
	.balign 4

/*
 * Everything in .boot runs at its physical address, before the higher-half
 * mapping is in use.  The page tables are built by the assembler, not by a
 * loop, so that entering the kernel costs a handful of instructions: the first
 * GiB of memory appears at 0 (identity), at the direct map and at KERNEL_VMA.
 */
	.section .boot.data, "aw"
	.balign 4096
	.globl boot_pml4
boot_pml4:
	.quad boot_pdpt_low + PTE_P + PTE_W
	.fill 272, 8, 0
	.quad boot_pdpt_direct + PTE_P + PTE_W    /* 273: 0xffff888000000000 */
	.fill 237, 8, 0
	.quad boot_pdpt_high + PTE_P + PTE_W      /* 511: 0xffffff8000000000 */
boot_pdpt_low:
	.quad boot_pd + PTE_P + PTE_W
	.fill 511, 8, 0
boot_pdpt_direct:
	.quad boot_pd + PTE_P + PTE_W
	.fill 511, 8, 0
boot_pdpt_high:
	.fill 510, 8, 0
	.quad boot_pd + PTE_P + PTE_W             /* 510: 0xffffffff80000000 */
	.quad 0
	.globl boot_pd
boot_pd:
	.set i, 0
	.rept 512
	.quad (i << 21) + PTE_P + PTE_W + PTE_PS
	.set i, i + 1
	.endr

/* GDT: null, kernel code, kernel data, user data, user code, TSS (filled by cpu.c). */
	.balign 16
	.globl gdt
gdt:
	.quad 0
	.quad 0x00af9a000000ffff    /* 0x08 kernel code, 64-bit */
	.quad 0x00cf92000000ffff    /* 0x10 kernel data */
	.quad 0x00cff2000000ffff    /* 0x18 user data (0x1b) */
	.quad 0x00affa000000ffff    /* 0x20 user code, 64-bit (0x23) */
	.quad 0, 0                  /* 0x28 TSS */
gdt_end:
	.globl boot_tsc
	.balign 8
boot_tsc:
	.quad 0
gdt_desc32:
	.word gdt_end - gdt - 1
	.long gdt

	.section .boot.text, "ax"
	.code32
	.globl pvh_start32
pvh_start32:
	cli
	cld
	mov %ebx, %esi                 /* struct hvm_start_info */
	rdtsc                          /* the monotonic clock counts from here */
	mov %eax, boot_tsc
	mov %edx, boot_tsc + 4
	lgdt gdt_desc32
	mov %cr4, %eax
	or $0x20, %eax                 /* PAE */
	mov %eax, %cr4
	mov $boot_pml4, %eax
	mov %eax, %cr3
	mov $0xc0000080, %ecx          /* EFER: LME | NXE */
	rdmsr
	or $0x900, %eax
	wrmsr
	mov %cr0, %eax
	or $0x80010001, %eax           /* PG | WP | PE */
	mov %eax, %cr0
	ljmp $0x08, $start64_common

	.code64
	.globl start64
start64:
	cli
	cld
	mov %ebx, %esi
	rdtsc
	mov %eax, boot_tsc
	mov %edx, boot_tsc + 4
	lgdt gdt_desc32
	mov $boot_pml4, %eax
	mov %rax, %cr3
	mov $0xc0000080, %ecx
	rdmsr
	or $0x900, %eax
	wrmsr
	pushq $0x08
	pushq $start64_common
	lretq
start64_common:
	mov $0x10, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	xor %eax, %eax
	mov %eax, %fs
	mov %eax, %gs
	movabs $boot_stack_top, %rsp
	mov %rsi, %rdi
	movabs $kmain, %rax
	call *%rax
	ud2

	.section .bss
	.balign 16
	.globl boot_stack
boot_stack:
	.skip 16384
	.globl boot_stack_top
boot_stack_top:
