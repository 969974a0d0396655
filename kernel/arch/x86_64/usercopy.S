/* SPDX-License-Identifier: MIT */
/* usercopy.S: copies that may touch user memory, each faulting instruction listed in __ex_table so that a fault returns an error instead of killing the program. */

/*
 * Each __ex_table entry is two addresses: an instruction that may fault on
 * a user address, and where execution resumes when it does (trap.c,
 * extable_fixup).  rep movs stops at the faulting element with rsi, rdi and
 * rcx saying how far it got.
 */

	.text
/* size_t usercopy_raw(void *dst, const void *src, size_t n): 0, or the bytes not copied */
	.globl usercopy_raw
usercopy_raw:
	mov %rdx, %rcx
	shr $3, %rcx
	and $7, %edx
1:	rep movsq
	mov %rdx, %rcx
2:	rep movsb
	xor %eax, %eax
	ret
3:	lea (%rdx, %rcx, 8), %rax      /* quadwords left, and the tail */
	ret
4:	mov %rcx, %rax
	ret

/* long strncpy_user_raw(char *dst, const char *src, size_t max):
 * the length, max when no NUL came first, or -1 on a fault */
	.globl strncpy_user_raw
strncpy_user_raw:
	xor %eax, %eax
5:	cmp %rdx, %rax
	jae 7f
6:	movzbl (%rsi, %rax), %ecx
	movb %cl, (%rdi, %rax)
	test %cl, %cl
	jz 7f
	inc %rax
	jmp 5b
7:	ret
8:	mov $-1, %rax
	ret

/* size_t userzero_raw(void *dst, size_t n): 0, or the bytes not zeroed */
	.globl userzero_raw
userzero_raw:
	mov %rsi, %rcx
	xor %eax, %eax
9:	rep stosb
	ret
10:	mov %rcx, %rax
	ret

	.section __ex_table, "a"
	.balign 8
	.quad 1b, 3b
	.quad 2b, 4b
	.quad 6b, 8b
	.quad 9b, 10b
	.previous
