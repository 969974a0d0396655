/* SPDX-License-Identifier: MIT */
/* sys_time.c: clock_gettime, clock_getres, gettimeofday, time, nanosleep and clock_nanosleep. */
#include "kernel.h"
#include "ktime.h"
#include "mm.h"
#include "sched.h"
#include "syscall.h"
#include <linux/time.h>
#include <linux/time_types.h>
#include <linux/timex.h>

/*
 * The CPU-time clocks of clock_getcpuclockid and pthread_getcpuclockid:
 * Linux encodes them as ~pid << 3 | thread flag (4) | type (0 PROF, 1
 * VIRT, 2 SCHED), pid 0 meaning the caller.  All three types read the same
 * CPU time (user and system time are not told apart).  Only the calling
 * process and its own threads can be named (there is one process per VM).
 */
#define CPUCLOCK_PERTHREAD 4
#define CPUCLOCK_TYPE_MASK 3
#define CPUCLOCK_MAX_TYPE  2

int cpu_clock_decode(int clk, int *tid)
{
	int id = ~(clk >> 3);

	if (clk == CLOCK_PROCESS_CPUTIME_ID) {
		*tid = 0;
		return 0;
	}
	if (clk == CLOCK_THREAD_CPUTIME_ID) {
		*tid = current->tid;
		return 0;
	}
	if (clk >= 0 || (clk & CPUCLOCK_TYPE_MASK) > CPUCLOCK_MAX_TYPE)
		return -EINVAL;
	if (clk & CPUCLOCK_PERTHREAD) {
		*tid = id == 0 ? current->tid : id;
		return thread_find(*tid) ? 0 : -EINVAL;
	}
	*tid = 0;
	return id == 0 || id == current_proc()->pid ? 0 : -EINVAL;
}

int64_t cpu_clock_ns(struct proc *p, int tid)
{
	struct list *it;

	if (!tid)
		return (int64_t)proc_cpu_ns(p);
	list_for_each(it, &p->threads) {
		struct thread *t = list_entry(it, struct thread, proc_link);
		if (t->tid == tid)
			return (int64_t)thread_cpu_ns(t);
	}
	return -1;
}

static int cpu_clock_read(int clk, int64_t *ns)
{
	int tid, err = cpu_clock_decode(clk, &tid);

	if (err)
		return err;
	*ns = cpu_clock_ns(current_proc(), tid);
	return *ns < 0 ? -EINVAL : 0;
}

static int clock_read(int clk, int64_t *ns)
{
	switch (clk) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
	case CLOCK_TAI:
		*ns = clock_realtime_ns();
		return 0;
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
		*ns = clock_monotonic_ns();
		return 0;
	case CLOCK_PROCESS_CPUTIME_ID:
		*ns = proc_cpu_ns(current_proc());
		return 0;
	case CLOCK_THREAD_CPUTIME_ID:
		*ns = thread_cpu_ns(current);
		return 0;
	default:
		return clk < 0 ? cpu_clock_read(clk, ns) : -EINVAL;
	}
}

static struct __kernel_timespec ns_to_ts(int64_t ns)
{
	struct __kernel_timespec ts = { ns / (int64_t)NSEC_PER_SEC, ns % (int64_t)NSEC_PER_SEC };
	if (ts.tv_nsec < 0) {
		ts.tv_sec--;
		ts.tv_nsec += NSEC_PER_SEC;
	}
	return ts;
}

long sys_clock_gettime(int clk, void *uts)
{
	int64_t ns;
	int err = clock_read(clk, &ns);
	if (err)
		return err;
	struct __kernel_timespec ts = ns_to_ts(ns);
	return copy_to_user(uts, &ts, sizeof(ts));
}

long sys_clock_getres(int clk, void *uts)
{
	int64_t ns;
	int err = clock_read(clk, &ns);
	if (err)
		return err;
	struct __kernel_timespec ts = { 0, 1 };
	return uts ? copy_to_user(uts, &ts, sizeof(ts)) : 0;
}

long sys_gettimeofday(void *utv, void *utz)
{
	if (utv) {
		int64_t ns = clock_realtime_ns();
		struct __kernel_old_timeval tv = { ns / (int64_t)NSEC_PER_SEC, (ns % (int64_t)NSEC_PER_SEC) / 1000 };
		if (copy_to_user(utv, &tv, sizeof(tv)))
			return -EFAULT;
	}
	if (utz) {
		struct timezone tz = { 0, 0 };
		if (copy_to_user(utz, &tz, sizeof(tz)))
			return -EFAULT;
	}
	return 0;
}

long sys_time(int64_t *ut)
{
	int64_t s = clock_realtime_ns() / (int64_t)NSEC_PER_SEC;
	if (ut && copy_to_user(ut, &s, sizeof(s)))
		return -EFAULT;
	return s;
}

/* Sleeps until the monotonic deadline; on a signal returns -EINTR and the time left in *left. */
static long sleep_until(uint64_t deadline, uint64_t *left)
{
	static struct waitq sleepers = WAITQ_INIT(sleepers);

	for (;;) {
		uint64_t now = clock_monotonic_ns();
		if (now >= deadline)
			return 0;
		int r = waitq_wait(&sleepers, deadline);
		if (r == -EINTR) {
			now = clock_monotonic_ns();
			*left = deadline > now ? deadline - now : 0;
			return -EINTR;
		}
	}
}

static int ts_to_ns(const void *uts, uint64_t *ns)
{
	struct __kernel_timespec ts;
	if (copy_from_user(&ts, uts, sizeof(ts)))
		return -EFAULT;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= (long long)NSEC_PER_SEC)
		return -EINVAL;
	*ns = ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
	return 0;
}

long sys_nanosleep(const void *ureq, void *urem)
{
	return sys_clock_nanosleep(CLOCK_MONOTONIC, 0, ureq, urem);
}

/*
 * Sleeps until the process has used target ns of CPU time (its other threads
 * use it meanwhile; a lone thread sleeps until a signal, as on Linux).  The
 * process has one CPU, so its CPU time advances at most as fast as the
 * monotonic clock: each sleep lasts what is left, and is checked again.
 */
static long sleep_cpu_until(uint64_t target, uint64_t *left)
{
	for (;;) {
		uint64_t used = proc_cpu_ns(current_proc()), unused;
		if (used >= target)
			return 0;
		if (sleep_until(clock_monotonic_ns() + (target - used), &unused) == -EINTR) {
			used = proc_cpu_ns(current_proc());
			*left = target > used ? target - used : 0;
			return -EINTR;
		}
	}
}

static bool is_thread_cpu_clock(int clk)
{
	return clk == CLOCK_THREAD_CPUTIME_ID || (clk < 0 && (clk & CPUCLOCK_PERTHREAD));
}

long sys_clock_nanosleep(int clk, int flags, const void *ureq, void *urem)
{
	uint64_t ns, deadline, left = 0;
	int64_t now;
	int err = clock_read(clk, &now);
	long r;

	if (err)
		return err;
	/* As Linux: a thread cannot sleep on a thread's CPU-time clock. */
	if (is_thread_cpu_clock(clk))
		return -EINVAL;
	err = ts_to_ns(ureq, &ns);
	if (err)
		return err;
	if (clk == CLOCK_PROCESS_CPUTIME_ID || clk < 0) {
		r = sleep_cpu_until(flags & TIMER_ABSTIME ? ns : (uint64_t)now + ns, &left);
		goto out;
	}
	if (flags & TIMER_ABSTIME) {
		int64_t delta = (int64_t)ns - now;
		deadline = clock_monotonic_ns() + (delta > 0 ? delta : 0);
	} else {
		deadline = clock_monotonic_ns() + ns;
	}
	r = sleep_until(deadline, &left);
out:
	if (r == -EINTR && urem && !(flags & TIMER_ABSTIME)) {
		struct __kernel_timespec ts = ns_to_ts(left);
		copy_to_user(urem, &ts, sizeof(ts));
	}
	return r;
}

long sys_clock_settime(int clk, const void *uts)
{
	struct __kernel_timespec ts;

	if (clk != CLOCK_REALTIME)
		return -EINVAL;
	if (current_proc()->cred.euid != 0)
		return -EPERM;
	if (copy_from_user(&ts, uts, sizeof(ts)))
		return -EFAULT;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= (long long)NSEC_PER_SEC)
		return -EINVAL;
	clock_set_realtime_ns(ts.tv_sec * (int64_t)NSEC_PER_SEC + ts.tv_nsec);
	return 0;
}

long sys_settimeofday(const void *utv, const void *utz)
{
	struct __kernel_old_timeval tv;
	struct timezone tz;

	if (current_proc()->cred.euid != 0)
		return -EPERM;
	if (utz) {
		if (copy_from_user(&tz, utz, sizeof(tz)))
			return -EFAULT;
		if (tz.tz_minuteswest < -15 * 60 || tz.tz_minuteswest > 15 * 60)
			return -EINVAL;
	}
	if (!utv)
		return 0;
	if (copy_from_user(&tv, utv, sizeof(tv)))
		return -EFAULT;
	if (tv.tv_sec < 0 || tv.tv_usec < 0 || tv.tv_usec >= 1000000)
		return -EINVAL;
	clock_set_realtime_ns(tv.tv_sec * (int64_t)NSEC_PER_SEC + tv.tv_usec * 1000);
	return 0;
}

/*
 * adjtimex: reading the state works; the clock is never disciplined (no NTP
 * in the VM), so it reports "unsynchronized" as a fresh Linux does.  Changes
 * other than setting the time are refused.
 */
long sys_adjtimex(void *ubuf)
{
	struct __kernel_timex tx;
	int64_t now;

	if (copy_from_user(&tx, ubuf, sizeof(tx)))
		return -EFAULT;
	if (tx.modes && tx.modes != ADJ_OFFSET_SS_READ) {
		if (current_proc()->cred.euid != 0)
			return -EPERM;
		printk_err("husk: adjtimex: adjusting the clock (modes %#x) is not supported\n", tx.modes);
		return -EINVAL;
	}
	now = clock_realtime_ns();
	memset(&tx, 0, sizeof(tx));
	tx.status = STA_UNSYNC;
	tx.maxerror = 16000000;
	tx.esterror = 16000000;
	tx.constant = 2;
	tx.precision = 1;
	tx.tolerance = 32768000;
	tx.tick = 10000;
	tx.time.tv_sec = now / (int64_t)NSEC_PER_SEC;
	tx.time.tv_usec = (now % (int64_t)NSEC_PER_SEC) / 1000;
	if (copy_to_user(ubuf, &tx, sizeof(tx)))
		return -EFAULT;
	return TIME_ERROR;
}

long sys_clock_adjtime(int clk, void *ubuf)
{
	if (clk != CLOCK_REALTIME)
		return -EOPNOTSUPP;
	return sys_adjtimex(ubuf);
}
