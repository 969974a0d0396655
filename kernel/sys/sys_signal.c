/* SPDX-License-Identifier: MIT */
/* sys_signal.c: rt_sigaction, rt_sigprocmask, sigaltstack, kill, tgkill and tkill. */
#include "kernel.h"
#include "mm.h"
#include "sched.h"
#include "signal.h"
#include "syscall.h"
#include "ktime.h"
#include <linux/time_types.h>

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

/* kill(-1, sig): every process but pid 1 and the caller. */
struct kill_all {
	int sig, sent;
	const struct ksiginfo *info;
};

static int kill_one(struct proc *p, void *arg)
{
	struct kill_all *k = arg;

	if (p->pid != 1 && p != current_proc() && !p->zombie) {
		if (k->sig)
			signal_send_proc(p, k->sig, k->info);
		k->sent++;
	}
	return 0;
}

long sys_kill(int pid, int sig)
{
	struct ksiginfo info = { .code = SI_USER, .pid = current_proc()->pid, .uid = current_proc()->cred.uid };
	struct proc *p;

	if (sig < 0 || sig > KNSIG)
		return -EINVAL;
	if (pid == (int)0x80000000)
		return -ESRCH;
	if (pid == -1) {
		struct kill_all k = { sig, 0, &info };
		proc_for_each(kill_one, &k);
		return k.sent ? 0 : -ESRCH;
	}
	if (pid <= 0) {
		int pgid = pid == 0 ? current_proc()->pgid : -pid;
		return sig ? signal_send_pgrp(pgid, sig, &info) :
			     (proc_pgrp_in_session(pgid, -1) ? 0 : -ESRCH);
	}
	/* A thread id names its process too, as on Linux. */
	p = proc_find(pid);
	if (!p) {
		struct thread *t = thread_find_any(pid);
		p = t ? t->proc : NULL;
	}
	if (!p)
		return -ESRCH;
	if (sig)
		signal_send_proc(p, sig, &info);
	return 0;
}

long sys_tgkill(int tgid, int tid, int sig)
{
	struct thread *t;

	if (sig < 0 || sig > KNSIG || tid <= 0 || tgid <= 0)
		return -EINVAL;
	t = thread_find_any(tid);
	if (!t || t->proc->pid != tgid)
		return -ESRCH;
	if (sig) {
		struct ksiginfo info = { .code = SI_TKILL, .pid = current_proc()->pid };
		signal_send_thread(t, sig, &info);
	}
	return 0;
}

long sys_tkill(int tid, int sig)
{
	struct thread *t;

	if (sig < 0 || sig > KNSIG || tid <= 0)
		return -EINVAL;
	t = thread_find_any(tid);
	if (!t)
		return -ESRCH;
	return sys_tgkill(t->proc->pid, tid, sig);
}

static struct waitq sigwait_q = WAITQ_INIT(sigwait_q);

long sys_rt_sigsuspend(const void *umask, size_t sigsetsize)
{
	uint64_t mask;

	if (sigsetsize != 8)
		return -EINVAL;
	if (copy_from_user(&mask, umask, sizeof(mask)))
		return -EFAULT;
	/* The old mask comes back when the handler returns (signal.c puts it in the frame). */
	current->saved_sigmask = current->sigmask;
	current->restore_sigmask = true;
	current->sigmask = mask & ~UNBLOCKABLE;
	while (!signal_pending_deliverable())
		waitq_wait(&sigwait_q, 0);
	return -EINTR;
}

long sys_pause(void)
{
	while (!signal_pending_deliverable())
		waitq_wait(&sigwait_q, 0);
	return -EINTR;
}

long sys_rt_sigpending(void *uset, size_t sigsetsize)
{
	uint64_t set = current->sigpending;

	if (sigsetsize > 8)
		return -EINVAL;
	return copy_to_user(uset, &set, sigsetsize);
}

long sys_rt_sigtimedwait(const void *uset, void *uinfo, const void *uts, size_t sigsetsize)
{
	uint64_t set, old = current->sigmask, deadline = 0;
	struct ksiginfo info;
	long ret;

	if (sigsetsize != 8)
		return -EINVAL;
	if (copy_from_user(&set, uset, sizeof(set)))
		return -EFAULT;
	set &= ~UNBLOCKABLE;
	if (uts) {
		struct __kernel_timespec ts;
		if (copy_from_user(&ts, uts, sizeof(ts)))
			return -EFAULT;
		if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
			return -EINVAL;
		deadline = clock_monotonic_ns() + ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
	}
	/* Signals in set wake us even when blocked, as Linux does while waiting. */
	current->sigmask &= ~set;
	for (;;) {
		int sig = signal_dequeue(set, &info);
		if (sig) {
			ret = sig;
			break;
		}
		if (deadline && clock_monotonic_ns() >= deadline) {
			ret = -EAGAIN;
			break;
		}
		int r = waitq_wait(&sigwait_q, deadline ? deadline : 0);
		if (r == -EINTR && !(current->sigpending & set)) {
			ret = -EINTR;
			break;
		}
	}
	current->sigmask = old;
	if (ret > 0 && uinfo) {
		siginfo_t si;
		signal_fill_siginfo(&si, ret, &info);
		if (copy_to_user(uinfo, &si, sizeof(si)))
			return -EFAULT;
	}
	return ret;
}

static long queue_info(struct proc *p, struct thread *t, int sig, const void *uinfo)
{
	siginfo_t si;
	struct ksiginfo info;

	if (sig < 1 || sig > KNSIG)
		return -EINVAL;
	if (copy_from_user(&si, uinfo, sizeof(si)))
		return -EFAULT;
	/* Only the kernel may claim SI_USER or kernel codes for itself. */
	if (si.si_code >= 0 || si.si_code == SI_TKILL)
		return -EPERM;
	info = (struct ksiginfo){ .code = si.si_code, .pid = si.si_pid, .uid = si.si_uid,
				  .value = (uint64_t)si.si_value.sival_ptr };
	if (t)
		signal_send_thread(t, sig, &info);
	else
		signal_send_proc(p, sig, &info);
	return 0;
}

long sys_rt_sigqueueinfo(int tgid, int sig, const void *uinfo)
{
	struct proc *p = proc_find(tgid);

	if (!p || p->zombie)
		return -ESRCH;
	return queue_info(p, NULL, sig, uinfo);
}

long sys_rt_tgsigqueueinfo(int tgid, int tid, int sig, const void *uinfo)
{
	struct thread *t = thread_find_any(tid);

	if (!t || t->proc->pid != tgid)
		return -ESRCH;
	return queue_info(t->proc, t, sig, uinfo);
}
