/* SPDX-License-Identifier: MIT */
/* sys_sched.c: scheduling policies and priorities, CPU affinity, nice values and getcpu, for the VM's one CPU. */
#include "kernel.h"
#include "mm.h"
#include "sched.h"
#include "syscall.h"
#include <linux/resource.h>
#include <linux/sched.h>
#include <linux/sched/types.h>
#include <linux/time_types.h>

/* pid 0 is the calling thread, as in every sched_* call. */
static struct thread *target(int pid)
{
	return pid == 0 ? current : thread_find(pid);
}

static bool realtime(int policy)
{
	return policy == SCHED_FIFO || policy == SCHED_RR;
}

long sys_sched_get_priority_max(int policy)
{
	if (policy < 0 || policy > SCHED_DEADLINE || policy == 4)
		return -EINVAL;
	return realtime(policy) ? 99 : 0;
}

long sys_sched_get_priority_min(int policy)
{
	if (policy < 0 || policy > SCHED_DEADLINE || policy == 4)
		return -EINVAL;
	return realtime(policy) ? 1 : 0;
}

long sys_sched_getscheduler(int pid)
{
	struct thread *t;

	if (pid < 0)
		return -EINVAL;
	t = target(pid);
	return t ? t->policy : -ESRCH;
}

static long set_policy(struct thread *t, int policy, const void *uparam)
{
	struct sched_param p;

	if (copy_from_user(&p, uparam, sizeof(p)))
		return -EFAULT;
	if (policy == SCHED_DEADLINE) {
		printk_err("husk: SCHED_DEADLINE is not supported\n");
		return -EINVAL;
	}
	if (policy != SCHED_NORMAL && policy != SCHED_BATCH && policy != SCHED_IDLE && !realtime(policy))
		return -EINVAL;
	if (realtime(policy) ? (p.sched_priority < 1 || p.sched_priority > 99) : p.sched_priority != 0)
		return -EINVAL;
	if (realtime(policy) && current_proc()->cred.euid != 0)
		return -EPERM;
	t->policy = policy;
	t->rt_priority = realtime(policy) ? p.sched_priority : 0;
	return 0;
}

long sys_sched_setscheduler(int pid, int policy, const void *uparam)
{
	struct thread *t;

	if (pid < 0 || !uparam)
		return -EINVAL;
	t = target(pid);
	if (!t)
		return -ESRCH;
	return set_policy(t, policy & ~SCHED_RESET_ON_FORK, uparam);
}

long sys_sched_getparam(int pid, void *uparam)
{
	struct sched_param p;
	struct thread *t;

	if (pid < 0 || !uparam)
		return -EINVAL;
	t = target(pid);
	if (!t)
		return -ESRCH;
	p.sched_priority = t->rt_priority;
	return copy_to_user(uparam, &p, sizeof(p));
}

long sys_sched_setparam(int pid, const void *uparam)
{
	struct thread *t;

	if (pid < 0 || !uparam)
		return -EINVAL;
	t = target(pid);
	if (!t)
		return -ESRCH;
	return set_policy(t, t->policy, uparam);
}

long sys_sched_rr_get_interval(int pid, void *uts)
{
	/* The scheduler's time slice: 10 ms (sched/sched.c). */
	struct __kernel_timespec ts = { 0, 10000000 };
	struct thread *t;

	if (pid < 0)
		return -EINVAL;
	t = target(pid);
	if (!t)
		return -ESRCH;
	if (t->policy == SCHED_FIFO)
		ts.tv_nsec = 0;
	return copy_to_user(uts, &ts, sizeof(ts));
}

long sys_sched_setaffinity(int pid, size_t size, const void *umask)
{
	uint8_t first;

	if (pid < 0 || !target(pid))
		return -ESRCH;
	if (size == 0)
		return -EINVAL;
	if (copy_from_user(&first, umask, 1))
		return -EFAULT;
	/* There is one CPU: a mask without it is empty. */
	return first & 1 ? 0 : -EINVAL;
}

long sys_getcpu(unsigned *ucpu, unsigned *unode, void *cache)
{
	unsigned zero = 0;
	(void)cache;

	if (ucpu && copy_to_user(ucpu, &zero, sizeof(zero)))
		return -EFAULT;
	if (unode && copy_to_user(unode, &zero, sizeof(zero)))
		return -EFAULT;
	return 0;
}

/* Nice values are kept per process; the round-robin scheduler does not weight them (docs/syscalls.md). */
static long check_who(int which, int who)
{
	if (which != PRIO_PROCESS && which != PRIO_PGRP && which != PRIO_USER)
		return -EINVAL;
	if (which == PRIO_USER)
		return who == 0 || (unsigned)who == current_proc()->cred.uid ? 0 : -ESRCH;
	return who == 0 || who == current_proc()->pid || target(who) ? 0 : -ESRCH;
}

long sys_getpriority(int which, int who)
{
	long err = check_who(which, who);
	/* The system call returns 20 - nice, so that it is never negative; libc converts it back. */
	return err ? err : 20 - current_proc()->nice;
}

long sys_setpriority(int which, int who, int nice)
{
	long err = check_who(which, who);

	if (err)
		return err;
	nice = MAX(-20, MIN(19, nice));
	if (nice < current_proc()->nice && current_proc()->cred.euid != 0)
		return -EACCES;
	current_proc()->nice = nice;
	return 0;
}
