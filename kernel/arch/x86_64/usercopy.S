/* SPDX-License-Identifier: MIT */
/* usercopy.S: copies that may touch user memory, each faulting instruction listed in __ex_table so that a fault returns an error instead of killing the program. */

/*
 * Each __ex_table entry is two addresses: an instruction that may fault on
 * a user address, and where execution resumes when it does (trap.c,
 * extable_fixup).  rep movs stops at the faulting element with rsi, rdi and
 * rcx saying how far it got.
 */

/*
 * With the "smap" debug option (cpu.c, user_access_checks_enable) the CPU
 * faults on any kernel access to user pages unless RFLAGS.AC is set: these
 * copies set it for their duration, so an access anywhere else is caught.
 * stac/clac exist only on CPUs with SMAP, hence the flag test.
 */
.macro user_access_begin
	testb $1, smap_enabled(%rip)
	jz 99f
	stac
99:
.endm
.macro user_access_end
	testb $1, smap_enabled(%rip)
	jz 99f
	clac
99:
.endm

	.text
/* size_t usercopy_raw(void *dst, const void *src, size_t n): 0, or the bytes not copied */
	.globl usercopy_raw
usercopy_raw:
	user_access_begin
	mov %rdx, %rcx
	shr $3, %rcx
	and $7, %edx
1:	rep movsq
	mov %rdx, %rcx
2:	rep movsb
	xor %eax, %eax
	user_access_end
	ret
3:	lea (%rdx, %rcx, 8), %rax      /* quadwords left, and the tail */
	user_access_end
	ret
4:	mov %rcx, %rax
	user_access_end
	ret

/* long strncpy_user_raw(char *dst, const char *src, size_t max):
 * the length, max when no NUL came first, or -1 on a fault */
	.globl strncpy_user_raw
strncpy_user_raw:
	user_access_begin
	xor %eax, %eax
5:	cmp %rdx, %rax
	jae 7f
6:	movzbl (%rsi, %rax), %ecx
	movb %cl, (%rdi, %rax)
	test %cl, %cl
	jz 7f
	inc %rax
	jmp 5b
7:	user_access_end
	ret
8:	mov $-1, %rax
	user_access_end
	ret

/* size_t userzero_raw(void *dst, size_t n): 0, or the bytes not zeroed */
	.globl userzero_raw
userzero_raw:
	user_access_begin
	mov %rsi, %rcx
	xor %eax, %eax
9:	rep stosb
	user_access_end
	ret
10:	mov %rcx, %rax
	user_access_end
	ret

	.section __ex_table, "a"
	.balign 8
	.quad 1b, 3b
	.quad 2b, 4b
	.quad 6b, 8b
	.quad 9b, 10b
	.previous
