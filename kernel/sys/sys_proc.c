/* SPDX-License-Identifier: MIT */
/* sys_proc.c: process identity, exit, limits, system information and randomness. */
#include "kernel.h"
#include "ktime.h"
#include "mm.h"
#include "sched.h"
#include "syscall.h"
#include <linux/resource.h>
#include <linux/sysinfo.h>
#include <linux/utsname.h>
#include <linux/random.h>
#include <linux/prctl.h>

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
long sys_getppid(void) { return 0; }
long sys_getpgrp(void) { return current_proc()->pid; }

long sys_getpgid(int pid)
{
	if (pid != 0 && pid != current_proc()->pid)
		return -ESRCH;
	return current_proc()->pid;
}

long sys_getsid(int pid)
{
	return sys_getpgid(pid);
}

long sys_setsid(void)
{
	/* The program already leads its session and process group. */
	return -EPERM;
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
	if (unew) {
		/* Raising above what the kernel supports would be a lie. */
		if (resource == RLIMIT_NOFILE && nl.rlim_max > 1024)
			return -EPERM;
		rlimits[resource] = nl;
	}
	return 0;
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
	uint64_t ns = clock_monotonic_ns();

	if (who != RUSAGE_SELF && who != RUSAGE_CHILDREN && who != RUSAGE_THREAD)
		return -EINVAL;
	memset(&ru, 0, sizeof(ru));
	if (who != RUSAGE_CHILDREN) {
		ru.ru_utime.tv_sec = ns / NSEC_PER_SEC;
		ru.ru_utime.tv_usec = (ns % NSEC_PER_SEC) / 1000;
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
	random_bytes(ubuf, n);
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
	memset(umask, 0, size);
	memcpy(umask, &mask, sizeof(mask));
	return sizeof(mask);
}

long sys_prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5)
{
	static char name[16] = "main";
	(void)a3, (void)a4, (void)a5;

	switch (option) {
	case PR_SET_NAME:
		return strncpy_from_user(name, (const char *)a2, sizeof(name)) < 0 ? -EFAULT : 0;
	case PR_GET_NAME:
		return copy_to_user((void *)a2, name, sizeof(name));
	default:
		return syscall_unimplemented(__NR_prctl);
	}
}

long sys_fork(void)
{
	printk_err("husk: fork: one program per VM, no new processes (not supported yet)\n");
	return -ENOSYS;
}

long sys_vfork(void)
{
	printk_err("husk: vfork: one program per VM, no new processes (not supported yet)\n");
	return -ENOSYS;
}

long sys_execve(const char *path, char *const *argv, char *const *envp)
{
	(void)path, (void)argv, (void)envp;
	printk_err("husk: execve: replacing the program is not supported yet\n");
	return -ENOSYS;
}

long sys_wait4(int pid, int *status, int options, void *rusage)
{
	(void)pid, (void)status, (void)options, (void)rusage;
	return -ECHILD;
}
