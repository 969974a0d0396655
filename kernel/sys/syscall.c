/* SPDX-License-Identifier: MIT */
/* syscall.c: dispatches a system call through the table and reports unimplemented ones once. */
#include "kernel.h"
#include "sched.h"
#include "syscall.h"

static uint64_t reported[NR_SYSCALLS / 64];

long syscall_unimplemented(long nr)
{
	if (nr >= 0 && nr < NR_SYSCALLS) {
		if (!(reported[nr / 64] & (1ULL << (nr % 64)))) {
			reported[nr / 64] |= 1ULL << (nr % 64);
			printk_err_unlimited("husk: syscall %s (%ld) not implemented, returning ENOSYS\n",
				   syscall_names[nr] ? syscall_names[nr] : "?", nr);
		}
	} else {
		static bool once;
		if (!once)
			printk_err_unlimited("husk: syscall number %ld out of range, returning ENOSYS\n", nr);
		once = true;
	}
	return -ENOSYS;
}

void syscall_dispatch(struct trapframe *tf)
{
	uint64_t nr = tf->rax;

	current->syscall_nr = nr;
	if (nr < NR_SYSCALLS && syscall_table[nr].fn)
		tf->rax = syscall_table[nr].fn(tf->rdi, tf->rsi, tf->rdx, tf->r10, tf->r8, tf->r9);
	else
		tf->rax = syscall_unimplemented(nr);
}
