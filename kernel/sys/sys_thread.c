/* SPDX-License-Identifier: MIT */
/* sys_thread.c: thread creation (clone, clone3), TLS, and thread bookkeeping calls. */
#include "kernel.h"
#include "mm.h"
#include "sched.h"
#include "syscall.h"
#include "../arch/x86_64/x86.h"
#include <asm/prctl.h>
#include <linux/sched.h>

/* Flags a thread-creating clone must carry, and flags we can honour. */
#define THREAD_FLAGS (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD)
#define KNOWN_FLAGS (THREAD_FLAGS | CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID | \
		     CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID | CLONE_DETACHED)

/* Flags a process-creating clone may carry. */
#define PROC_FLAGS (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_VFORK | CLONE_PARENT | \
		    CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | \
		    CLONE_CHILD_SETTID | CLONE_DETACHED | CLONE_PIDFD)

static long do_clone(uint64_t flags, uint64_t stack, int *ptid, int *ctid, uint64_t tls, int *pidfd)
{
	struct trapframe tf = *current->tf;
	struct thread *t;

	if (!(flags & CLONE_THREAD)) {
		if (flags & ~(PROC_FLAGS | 0xff)) {
			printk_err("husk: clone flags %lx not supported\n", flags & ~(PROC_FLAGS | 0xff));
			return -EINVAL;
		}
		return proc_fork(flags, stack, ptid, ctid, tls, pidfd);
	}
	if ((flags & THREAD_FLAGS) != THREAD_FLAGS)
		return -EINVAL;
	if (flags & ~(KNOWN_FLAGS | 0xff)) {
		printk_err("husk: clone flags %lx not supported\n", flags & ~(KNOWN_FLAGS | 0xff));
		return -EINVAL;
	}
	if ((flags & CLONE_PARENT_SETTID) && !user_ok(ptid, sizeof(int), true))
		return -EFAULT;
	if ((flags & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID)) && !user_ok(ctid, sizeof(int), true))
		return -EFAULT;
	tf.rax = 0;
	if (stack)
		tf.rsp = stack;
	t = thread_create(current_proc(), &tf);
	if (!t)
		return -ENOMEM;
	fxsave(t->fpu);   /* the parent's live FPU state, not the one saved at its last switch */
	t->fs_base = flags & CLONE_SETTLS ? tls : current->fs_base;
	t->gs_base = current->gs_base;
	t->sigmask = current->sigmask;
	if (flags & CLONE_CHILD_CLEARTID)
		t->clear_child_tid = (uint64_t)ctid;
	/* The thread exists now: as on Linux, a tid that cannot be stored is not an error. */
	if (flags & CLONE_PARENT_SETTID)
		(void)copy_to_user(ptid, &t->tid, sizeof(int));
	if (flags & CLONE_CHILD_SETTID)
		(void)copy_to_user(ctid, &t->tid, sizeof(int));
	return t->tid;
}

long sys_clone(unsigned long flags, uint64_t stack, int *ptid, int *ctid, uint64_t tls)
{
	/* With CLONE_PIDFD, clone(2) returns the pidfd through the parent_tid pointer. */
	if ((flags & CLONE_PIDFD) && (flags & CLONE_PARENT_SETTID))
		return -EINVAL;
	return do_clone(flags, stack, ptid, ctid, tls, ptid);
}

long sys_clone3(void *uargs, size_t size)
{
	struct clone_args a;

	if (size < CLONE_ARGS_SIZE_VER0 || size > PAGE_SIZE)
		return -EINVAL;
	memset(&a, 0, sizeof(a));
	if (copy_from_user(&a, uargs, MIN(size, sizeof(a))))
		return -EFAULT;
	if ((a.flags & 0xff) || a.exit_signal > KNSIG || a.set_tid || a.set_tid_size || a.cgroup)
		return -EINVAL;
	if ((a.flags & CLONE_THREAD) && a.exit_signal)
		return -EINVAL;
	return do_clone(a.flags | a.exit_signal, a.stack ? a.stack + a.stack_size : 0, (int *)a.parent_tid,
			(int *)a.child_tid, a.tls, (int *)a.pidfd);
}

long sys_arch_prctl(int code, uint64_t addr)
{
	uint64_t v;

	switch (code) {
	case ARCH_SET_FS:
		if (addr >= USER_TOP)
			return -EPERM;
		current->fs_base = addr;
		wrmsr(MSR_FS_BASE, addr);
		return 0;
	case ARCH_SET_GS:
		if (addr >= USER_TOP)
			return -EPERM;
		current->gs_base = addr;
		wrmsr(MSR_GS_BASE, addr);
		return 0;
	case ARCH_GET_FS:
		v = current->fs_base;
		return copy_to_user((void *)addr, &v, sizeof(v));
	case ARCH_GET_GS:
		v = current->gs_base;
		return copy_to_user((void *)addr, &v, sizeof(v));
	default:
		return -EINVAL;
	}
}

long sys_set_tid_address(int *tidptr)
{
	current->clear_child_tid = (uint64_t)tidptr;
	return current->tid;
}

long sys_set_robust_list(void *head, size_t len)
{
	if (len != 24)
		return -EINVAL;
	current->robust_list = (uint64_t)head;
	return 0;
}

long sys_get_robust_list(int pid, void *uhead, void *ulen)
{
	uint64_t head = current->robust_list, len = 24;

	if (pid != 0 && pid != current->tid)
		return -ESRCH;
	if (copy_to_user(uhead, &head, sizeof(head)) || copy_to_user(ulen, &len, sizeof(len)))
		return -EFAULT;
	return 0;
}
