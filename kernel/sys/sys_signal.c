/* SPDX-License-Identifier: MIT */
/* sys_signal.c: rt_sigaction, rt_sigprocmask, sigaltstack, kill, tgkill and tkill. */
#include "kernel.h"
#include "mm.h"
#include "sched.h"
#include "signal.h"
#include "syscall.h"

#define SIGBIT(s) (1ULL << ((s) - 1))
#define UNBLOCKABLE (SIGBIT(SIGKILL) | SIGBIT(SIGSTOP))

long sys_rt_sigaction(int sig, const void *uact, void *uoact, size_t sigsetsize)
{
	struct k_sigaction *sa, nsa;

	if (sigsetsize != 8 || sig < 1 || sig > KNSIG)
		return -EINVAL;
	sa = &current_proc()->sigactions[sig - 1];
	if (uact && (sig == SIGKILL || sig == SIGSTOP))
		return -EINVAL;
	if (uact && copy_from_user(&nsa, uact, sizeof(nsa)))
		return -EFAULT;
	if (uoact && copy_to_user(uoact, sa, sizeof(*sa)))
		return -EFAULT;
	if (uact)
		*sa = nsa;
	return 0;
}

long sys_rt_sigprocmask(int how, const void *uset, void *uoset, size_t sigsetsize)
{
	uint64_t set, old = current->sigmask;

	if (sigsetsize != 8)
		return -EINVAL;
	if (uset && copy_from_user(&set, uset, sizeof(set)))
		return -EFAULT;
	if (uoset && copy_to_user(uoset, &old, sizeof(old)))
		return -EFAULT;
	if (!uset)
		return 0;
	switch (how) {
	case SIG_BLOCK:
		current->sigmask |= set;
		break;
	case SIG_UNBLOCK:
		current->sigmask &= ~set;
		break;
	case SIG_SETMASK:
		current->sigmask = set;
		break;
	default:
		return -EINVAL;
	}
	current->sigmask &= ~UNBLOCKABLE;
	return 0;
}

long sys_sigaltstack(const void *uss, void *uoss)
{
	stack_t ss, old = {
		.ss_sp = (void *)current->altstack_sp,
		.ss_flags = current->altstack_size ? current->altstack_flags : SS_DISABLE,
		.ss_size = current->altstack_size,
	};

	if (uss && copy_from_user(&ss, uss, sizeof(ss)))
		return -EFAULT;
	if (uoss && copy_to_user(uoss, &old, sizeof(old)))
		return -EFAULT;
	if (!uss)
		return 0;
	if (ss.ss_flags & SS_DISABLE) {
		current->altstack_sp = current->altstack_size = 0;
		return 0;
	}
	if (ss.ss_flags & ~SS_AUTODISARM)
		return -EINVAL;
	if (ss.ss_size < MINSIGSTKSZ)
		return -ENOMEM;
	current->altstack_sp = (uint64_t)ss.ss_sp;
	current->altstack_size = ss.ss_size;
	current->altstack_flags = ss.ss_flags;
	return 0;
}

static struct thread *find_thread(int tid)
{
	struct list *it;
	list_for_each(it, &current_proc()->threads) {
		struct thread *t = list_entry(it, struct thread, proc_link);
		if (t->tid == tid)
			return t;
	}
	return NULL;
}

long sys_kill(int pid, int sig)
{
	if (sig < 0 || sig > KNSIG)
		return -EINVAL;
	/* Only the program itself exists: pid 0, -1 and its own pid reach it. */
	if (pid != 0 && pid != -1 && pid != current_proc()->pid && pid != -current_proc()->pid)
		return -ESRCH;
	if (sig)
		signal_send_proc(sig);
	return 0;
}

long sys_tgkill(int tgid, int tid, int sig)
{
	struct thread *t;

	if (sig < 0 || sig > KNSIG || tid <= 0)
		return -EINVAL;
	if (tgid != current_proc()->pid)
		return -ESRCH;
	t = find_thread(tid);
	if (!t)
		return -ESRCH;
	if (sig)
		signal_send_thread(t, sig);
	return 0;
}

long sys_tkill(int tid, int sig)
{
	return sys_tgkill(current_proc()->pid, tid, sig);
}
