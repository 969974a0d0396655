/* SPDX-License-Identifier: MIT */
/* context.h: x86-64 user context of a thread: the trap frame and the FPU/FS-base state switched with it. */
#ifndef ARCH_CONTEXT_H
#define ARCH_CONTEXT_H

#include <stdint.h>

/* The saved user state of a thread, as the trap and syscall entries push it (arch/x86_64/entry.S). */
struct trapframe {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

/* Size and alignment of the saved FPU/SSE state of a thread (an FXSAVE area). */
#define ARCH_FPU_SIZE  512
#define ARCH_FPU_ALIGN 16

#define ARCH_MSR_FS_BASE 0xc0000100
#define ARCH_MSR_GS_BASE 0xc0000101

/* Saves the live FPU state into area (ARCH_FPU_SIZE bytes, ARCH_FPU_ALIGN-aligned). */
static inline void arch_fpu_save(void *area)
{
	__asm__ volatile("fxsave64 (%0)" : : "r"(area) : "memory");
}

/*
 * Makes a thread's user state live before it runs: its FPU state (saved by
 * arch_fpu_save) and its FS and GS bases (the TLS pointers).
 */
static inline void arch_user_state_load(const void *fpu, uint64_t fs_base, uint64_t gs_base)
{
	__asm__ volatile("fxrstor64 (%0)" : : "r"(fpu) : "memory");
	__asm__ volatile("wrmsr" : : "c"(ARCH_MSR_FS_BASE), "a"((uint32_t)fs_base), "d"((uint32_t)(fs_base >> 32)));
	__asm__ volatile("wrmsr" : : "c"(ARCH_MSR_GS_BASE), "a"((uint32_t)gs_base), "d"((uint32_t)(gs_base >> 32)));
}

#endif
