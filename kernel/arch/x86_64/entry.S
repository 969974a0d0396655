/* SPDX-License-Identifier: MIT */
/* entry.S: interrupt and exception stubs, the SYSCALL entry, return to user mode and context switch. */

#define KERNEL_DS 0x10
#define USER_DS 0x1b
#define USER_CS 0x23
#define VEC_SYSCALL 0x100   /* trapframe vector for the SYSCALL instruction */

/* Pushes the general registers in struct trapframe order (see sched.h). */
.macro SAVE_REGS
	push %rax
	push %rbx
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	push %rbp
	push %r8
	push %r9
	push %r10
	push %r11
	push %r12
	push %r13
	push %r14
	push %r15
.endm

/*
 * The SYSCALL entry lives on its own page, which is also mapped executable
 * from user mode.  On hardware, SYSCALL lands here in ring 0: VERR on a
 * DPL-0 selector succeeds and we jump to the real entry at no extra cost.
 * On a software hypervisor that runs this code still in ring 3 (kvm_pvm, see
 * docs/architecture.md), VERR fails and the UD2 below re-enters the kernel
 * through the invalid-opcode exception, the one way in that such a host was
 * seen to deliver from here (an "int $0x81" was skipped).  trap() recognizes
 * the address of that UD2 and runs a system call with RCX and R11 holding the
 * user RIP and RFLAGS; RSP was not touched.
 */
	.section .entry.user, "ax"
	.globl syscall_entry
syscall_entry:
	verr kernel_ds_selector(%rip)
	jnz syscall_reentry_ud2
	jmp syscall_entry_ring0
	.globl syscall_reentry_ud2
syscall_reentry_ud2:
	ud2
kernel_ds_selector:
	.word KERNEL_DS

	.text
	.globl syscall_entry_ring0
syscall_entry_ring0:
	/* Interrupts are off (FMASK); one CPU, so a global scratch is safe. */
	mov %rsp, syscall_user_rsp(%rip)
	mov syscall_kstack_top(%rip), %rsp
	pushq $USER_DS
	pushq syscall_user_rsp(%rip)
	push %r11
	pushq $USER_CS
	push %rcx
	pushq $0
	pushq $VEC_SYSCALL
	SAVE_REGS
	mov %rsp, %rdi
	cld
	call trap
	jmp trap_return

/* Exception and interrupt stubs, 16 bytes apart; vectors with a CPU error code skip the dummy push. */
	.balign 16
	.globl vectors
vectors:
	.set vec, 0
	.rept 256
	.balign 16
	.if (vec == 8) || (vec >= 10 && vec <= 14) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
	.else
	pushq $0
	.endif
	pushq $vec
	jmp trap_common
	.set vec, vec + 1
	.endr

trap_common:
	SAVE_REGS
	mov %rsp, %rdi
	cld
	call trap
	.globl trap_return
trap_return:
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rbp
	pop %rdi
	pop %rsi
	pop %rdx
	pop %rcx
	pop %rbx
	pop %rax
	add $16, %rsp
	/* A fault here is a bad frame for user mode: trap() makes it a SIGSEGV. */
	.globl trap_return_iret
trap_return_iret:
	iretq

/* void context_switch(uint64_t *old_ksp, uint64_t new_ksp) */
	.globl context_switch
context_switch:
	push %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, (%rdi)
	mov %rsi, %rsp
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	ret

/* A new thread's first context_switch returns here, just below its trapframe. */
	.globl thread_entry_user
thread_entry_user:
	jmp trap_return

	.bss
	.balign 8
syscall_user_rsp:
	.quad 0
	.globl syscall_kstack_top
syscall_kstack_top:
	.quad 0
