/* SPDX-License-Identifier: MIT */
/* sys_proc.c: process identity, exit, limits, system information and randomness. */
#include "kernel.h"
#include "ktime.h"
#include "mm.h"
#include "sched.h"
#include "signal.h"
#include "syscall.h"
#include "vfs.h"
#include <linux/resource.h>
#include <linux/sysinfo.h>
#include <linux/utsname.h>
#include <linux/random.h>
#include <linux/prctl.h>
#include <linux/capability.h>
#include <linux/sched.h>

long sys_exit(int status)
{
	thread_exit(status & 0xff);
}

long sys_exit_group(int status)
{
	proc_exit(status & 0xff);
}

long sys_getpid(void) { return current_proc()->pid; }
long sys_gettid(void) { return current->tid; }
/* pid 1's parent is outside the VM: 0, as for Linux's init. */
long sys_getppid(void) { return current_proc()->parent ? current_proc()->parent->pid : 0; }
long sys_getpgrp(void) { return current_proc()->pgid; }

static struct proc *proc_or_self(int pid)
{
	struct proc *p = pid == 0 ? current_proc() : proc_find(pid);
	return p && !p->zombie ? p : NULL;
}

long sys_getpgid(int pid)
{
	struct proc *p = proc_or_self(pid);
	return p ? p->pgid : -ESRCH;
}

long sys_getsid(int pid)
{
	struct proc *p = proc_or_self(pid);
	return p ? p->sid : -ESRCH;
}

static int group_leader_exists(struct proc *p, void *arg)
{
	return p->pgid == *(int *)arg;
}

long sys_setsid(void)
{
	struct proc *p = current_proc();
	int pid = p->pid;

	/* A group leader, or anyone whose pid names a group, cannot start a session. */
	if (p->pgid == pid || proc_for_each(group_leader_exists, &pid))
		return -EPERM;
	p->sid = p->pgid = pid;
	return pid;
}

static int group_in_session(struct proc *p, void *arg)
{
	int *ps = arg;
	return p->pgid == ps[0] && p->sid == ps[1] && !p->zombie;
}

long sys_setpgid(int pid, int pgid)
{
	struct proc *self = current_proc(), *p;
	int ps[2];

	if (pgid < 0)
		return -EINVAL;
	p = pid == 0 ? self : proc_find(pid);
	if (!p || p->zombie || (p != self && p->parent != self))
		return -ESRCH;
	if (p->sid != self->sid)
		return -EPERM;
	if (p->sid == p->pid)
		return -EPERM;      /* a session leader stays in its group */
	if (pgid == 0)
		pgid = p->pid;
	ps[0] = pgid;
	ps[1] = self->sid;
	if (pgid != p->pid && !proc_for_each(group_in_session, ps))
		return -EPERM;
	p->pgid = pgid;
	return 0;
}

long sys_uname(void *ubuf)
{
	struct new_utsname u;

	memset(&u, 0, sizeof(u));
	strlcpy(u.sysname, "Linux", sizeof(u.sysname));
	strlcpy(u.nodename, "husk", sizeof(u.nodename));
	/* Programs compare the release against minimum kernel versions; claim a recent one. */
	strlcpy(u.release, "6.1.0-husk", sizeof(u.release));
	strlcpy(u.version, "#1 husk", sizeof(u.version));
	strlcpy(u.machine, "x86_64", sizeof(u.machine));
	strlcpy(u.domainname, "(none)", sizeof(u.domainname));
	return copy_to_user(ubuf, &u, sizeof(u));
}

long sys_sysinfo(void *uinfo)
{
	struct sysinfo si;

	memset(&si, 0, sizeof(si));
	si.uptime = clock_monotonic_ns() / NSEC_PER_SEC;
	si.totalram = page_total_bytes();
	si.freeram = page_free_bytes();
	si.procs = 1;
	si.mem_unit = 1;
	return copy_to_user(uinfo, &si, sizeof(si));
}

/* Limits are fixed: what the machine can give. */
static struct rlimit64 rlimits[RLIM_NLIMITS];
static bool rlimits_set;

static void rlimits_init(void)
{
	for (int i = 0; i < RLIM_NLIMITS; i++)
		rlimits[i].rlim_cur = rlimits[i].rlim_max = RLIM64_INFINITY;
	rlimits[RLIMIT_STACK].rlim_cur = 8UL << 20;
	rlimits[RLIMIT_NOFILE].rlim_cur = rlimits[RLIMIT_NOFILE].rlim_max = 1024;
	rlimits[RLIMIT_CORE].rlim_cur = 0;
	rlimits_set = true;
}

long sys_prlimit64(int pid, int resource, const void *unew, void *uold)
{
	struct rlimit64 nl;

	if (pid != 0 && pid != current_proc()->pid)
		return -ESRCH;
	if (resource < 0 || resource >= RLIM_NLIMITS)
		return -EINVAL;
	if (!rlimits_set)
		rlimits_init();
	if (unew && copy_from_user(&nl, unew, sizeof(nl)))
		return -EFAULT;
	if (unew && nl.rlim_cur > nl.rlim_max)
		return -EINVAL;
	if (uold && copy_to_user(uold, &rlimits[resource], sizeof(rlimits[resource])))
		return -EFAULT;
	if (unew && nl.rlim_max > rlimits[resource].rlim_max && current_proc()->cred.euid != 0)
		return -EPERM;
	if (unew) {
		/* Raising above what the kernel supports would be a lie. */
		if (resource == RLIMIT_NOFILE && nl.rlim_max > 1024)
			return -EPERM;
		rlimits[resource] = nl;
	}
	return 0;
}

int fd_limit(void)
{
	if (!rlimits_set)
		rlimits_init();
	return rlimits[RLIMIT_NOFILE].rlim_cur > FD_MAX ? FD_MAX : (int)rlimits[RLIMIT_NOFILE].rlim_cur;
}

long sys_getrlimit(int resource, void *urlim)
{
	return sys_prlimit64(0, resource, NULL, urlim);
}

long sys_setrlimit(int resource, const void *urlim)
{
	return sys_prlimit64(0, resource, urlim, NULL);
}

long sys_getrusage(int who, void *uusage)
{
	struct rusage ru;
	uint64_t ns;

	if (who != RUSAGE_SELF && who != RUSAGE_CHILDREN && who != RUSAGE_THREAD)
		return -EINVAL;
	/* User and system time are not told apart: all of it is reported as user time. */
	ns = who == RUSAGE_THREAD ? thread_cpu_ns(current) : proc_cpu_ns(current_proc());
	memset(&ru, 0, sizeof(ru));
	if (who != RUSAGE_CHILDREN) {
		ru.ru_utime.tv_sec = ns / NSEC_PER_SEC;
		ru.ru_utime.tv_usec = (ns % NSEC_PER_SEC) / 1000;
		/* The whole VM's memory in use: an upper bound of the program's. */
		ru.ru_maxrss = (page_total_bytes() - page_free_bytes()) / 1024;
	}
	return copy_to_user(uusage, &ru, sizeof(ru));
}

long sys_getrandom(void *ubuf, size_t n, unsigned flags)
{
	if (flags & ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE))
		return -EINVAL;
	if (n > 33554431)
		n = 33554431;
	if (!user_ok(ubuf, n, true))
		return -EFAULT;
	if (random_bytes_user(ubuf, n))
		return -EFAULT;
	return n;
}

long sys_sched_yield(void)
{
	sched_yield_now();
	return 0;
}

long sys_sched_getaffinity(int pid, size_t size, void *umask)
{
	uint64_t mask = 1;

	if (pid != 0 && pid != current_proc()->pid && pid != current->tid)
		return -ESRCH;
	if (size < sizeof(mask) || (size & 7))
		return -EINVAL;
	if (!user_ok(umask, size, true))
		return -EFAULT;
	if (memzero_user(umask, size) || memcpy_user(umask, &mask, sizeof(mask)))
		return -EFAULT;
	return sizeof(mask);
}

/* Process attributes that prctl sets and reads back; the kernel acts on none of them beyond reporting. */
static struct {
	char name[16];
	int dumpable;
	int no_new_privs;
	int pdeathsig;
	int keepcaps;
	uint64_t timerslack;
} pr = { "main", 1, 0, 0, 0, 50000 };

long sys_prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5)
{
	int v;

	switch (option) {
	case PR_SET_NAME:
		return strncpy_from_user(pr.name, (const char *)a2, sizeof(pr.name)) == -EFAULT ? -EFAULT : (pr.name[15] = 0, 0);
	case PR_GET_NAME:
		return copy_to_user((void *)a2, pr.name, sizeof(pr.name));
	case PR_SET_DUMPABLE:
		if (a2 > 1)
			return -EINVAL;
		pr.dumpable = a2;
		return 0;
	case PR_GET_DUMPABLE:
		return pr.dumpable;
	case PR_SET_NO_NEW_PRIVS:
		/* Once set it stays set; husk has no set-uid programs, so nothing else changes. */
		if (a2 != 1 || a3 || a4 || a5)
			return -EINVAL;
		pr.no_new_privs = 1;
		return 0;
	case PR_GET_NO_NEW_PRIVS:
		if (a2 || a3 || a4 || a5)
			return -EINVAL;
		return pr.no_new_privs;
	case PR_SET_PDEATHSIG:
		if (a2 > KNSIG)
			return -EINVAL;
		pr.pdeathsig = a2;    /* the parent is the VM itself: it never dies first */
		return 0;
	case PR_GET_PDEATHSIG:
		v = pr.pdeathsig;
		return copy_to_user((void *)a2, &v, sizeof(v));
	case PR_SET_KEEPCAPS:
		if (a2 > 1)
			return -EINVAL;
		pr.keepcaps = a2;
		return 0;
	case PR_GET_KEEPCAPS:
		return pr.keepcaps;
	case PR_SET_CHILD_SUBREAPER:
		current_proc()->subreaper = !!a2;
		return 0;
	case PR_GET_CHILD_SUBREAPER:
		v = current_proc()->subreaper;
		return copy_to_user((void *)a2, &v, sizeof(v));
	case PR_SET_TIMERSLACK:
		pr.timerslack = a2 ? a2 : 50000;
		return 0;
	case PR_GET_TIMERSLACK:
		return pr.timerslack;
	case PR_CAPBSET_READ:
		return a2 <= CAP_LAST_CAP ? 1 : -EINVAL;
	case PR_GET_SECUREBITS:
		return 0;
	default:
		printk_err("husk: prctl option %d not supported\n", option);
		return -EINVAL;
	}
}

long sys_fork(void)
{
	return proc_fork(SIGCHLD, 0, NULL, NULL, 0, NULL);
}

long sys_vfork(void)
{
	return proc_fork(CLONE_VM | CLONE_VFORK | SIGCHLD, 0, NULL, NULL, 0, NULL);
}

/* syslog(2), a.k.a. klogctl: the kernel's message log (lib/printk.c). */
long sys_syslog(int type, char *ubuf, int len)
{
	char *tmp;
	long got;

	switch (type) {
	case 0:   /* CLOSE */
	case 1:   /* OPEN */
		return 0;
	case 2:   /* READ */
	case 3:   /* READ_ALL */
	case 4:   /* READ_CLEAR */
		if (len < 0)
			return -EINVAL;
		if (len == 0)
			return 0;
		if (!user_ok(ubuf, len, true))
			return -EFAULT;
		tmp = kmalloc(MIN((size_t)len, KLOG_BUF_SIZE));
		if (!tmp)
			return -ENOMEM;
		got = klog_read_bytes(type == 2 ? 2 : 3, tmp, MIN((size_t)len, KLOG_BUF_SIZE));
		if (memcpy_user(ubuf, tmp, got))
			got = -EFAULT;
		kfree(tmp);
		if (type == 4)
			klog_clear_all();
		return got;
	case 5:   /* CLEAR */
		klog_clear_all();
		return 0;
	case 6:   /* CONSOLE_OFF: kernel messages stop reaching the console (errors still do) */
		kernel_quiet = true;
		return 0;
	case 7:   /* CONSOLE_ON */
		kernel_quiet = false;
		return 0;
	case 8:   /* CONSOLE_LEVEL */
		if (len < 1 || len > 8)
			return -EINVAL;
		kernel_quiet = len <= 1;
		return 0;
	case 9:   /* SIZE_UNREAD */
		return klog_size_unread();
	case 10:  /* SIZE_BUFFER */
		return KLOG_BUF_SIZE;
	default:
		return -EINVAL;
	}
}
