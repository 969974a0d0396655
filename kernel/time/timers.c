/* SPDX-License-Identifier: MIT */
/* timers.c: alarm, setitimer/getitimer (ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF) and POSIX timers on every clock, CPU-time clocks included, all delivering signals through kernel timers. */
#include "kernel.h"
#include "ktime.h"
#include "mm.h"
#include "sched.h"
#include "signal.h"
#include "syscall.h"
#include <linux/time.h>
#include <linux/time_types.h>

#define MAX_TIMERS 32

/*
 * One timer that sends a signal when it expires and re-arms itself when
 * periodic.  On a CPU-time clock (of the process, or of one of its threads)
 * the expiry is a CPU time, cpu_deadline.  The kernel timer behind it is
 * armed for the earliest monotonic time that CPU time can be reached (one
 * CPU: CPU time advances at most as fast as the monotonic clock) and, when
 * it fires early (the process slept or waited), armed again for what is
 * left.
 */
struct sigtimer {
	struct ktimer kt;
	bool used;
	int id;
	int clock;
	int notify;            /* SIGEV_SIGNAL, SIGEV_NONE, SIGEV_THREAD_ID */
	int signo;
	uint64_t value;        /* sigev_value */
	int tid;
	uint64_t interval;     /* ns, 0 = one-shot */
	int overrun;
	bool cpu;              /* on a CPU-time clock: */
	struct proc *proc;     /*   the process it counts, */
	int cpu_tid;           /*   the thread whose time it counts, or 0 for the process's, */
	uint64_t cpu_deadline; /*   and the CPU time at which it expires (0: disarmed) */
	struct proc *owner;    /* the process the signal goes to */
};

/*
 * Each process has its own timers (proc->timers, made on first use; a child
 * of fork starts without any).  Index 0 of t is the ITIMER_REAL/alarm
 * timer; POSIX timers use 1..MAX_TIMERS-1 (ids start at 0 for the
 * program).  cpu holds ITIMER_VIRTUAL and ITIMER_PROF: both count the
 * process's user and system time (not told apart).
 */
struct proc_timers {
	struct sigtimer t[MAX_TIMERS];
	struct sigtimer cpu[2];
};

static struct proc_timers *proc_timers(void)
{
	struct proc *p = current_proc();

	if (!p->timers)
		p->timers = kzalloc(sizeof(struct proc_timers));
	return p->timers;
}

void timers_proc_exit(struct proc *p)
{
	struct proc_timers *pt = p->timers;

	if (!pt)
		return;
	for (int i = 0; i < MAX_TIMERS; i++)
		ktimer_cancel(&pt->t[i].kt);
	for (int i = 0; i < 2; i++)
		ktimer_cancel(&pt->cpu[i].kt);
	kfree(pt);
	p->timers = NULL;
}

/* The CPU time the timer's clock reads now, or -1 when its thread is gone. */
static int64_t cpu_now(const struct sigtimer *st)
{
	return cpu_clock_ns(st->proc, st->cpu_tid);
}

/* For a CPU-time timer: whether it expired now; if not, its kernel timer is armed for what is left. */
static bool cpu_expired(struct sigtimer *st)
{
	int64_t now = cpu_now(st);

	if (now < 0 || !st->cpu_deadline) {
		st->cpu_deadline = 0;   /* its thread is gone: it never expires */
		return false;
	}
	if ((uint64_t)now < st->cpu_deadline) {
		ktimer_add(&st->kt, clock_monotonic_ns() + (st->cpu_deadline - now));
		return false;
	}
	if (st->interval) {
		st->cpu_deadline += st->interval;
		if (st->cpu_deadline <= (uint64_t)now)
			st->cpu_deadline = now + st->interval;
		ktimer_add(&st->kt, clock_monotonic_ns() + (st->cpu_deadline - now));
	} else {
		st->cpu_deadline = 0;
	}
	return true;
}

static void timer_fire(struct ktimer *kt)
{
	struct sigtimer *st = container_of(kt, struct sigtimer, kt);
	struct ksiginfo info = { .code = st->id < 0 ? SI_KERNEL : SI_TIMER, .timerid = st->id,
				 .value = st->value, .overrun = 0 };

	if (st->cpu) {
		if (!cpu_expired(st))
			return;
	} else if (st->interval) {
		ktimer_add(&st->kt, clock_monotonic_ns() + st->interval);
	}
	if (st->notify == SIGEV_NONE)
		return;
	if (st->notify == SIGEV_THREAD_ID) {
		struct thread *t = thread_find_any(st->tid);
		if (t && t->proc == st->owner)
			signal_send_thread(t, st->signo, &info);
		return;
	}
	signal_send_proc(st->owner, st->signo, &info);
}

static uint64_t remaining(const struct sigtimer *st)
{
	if (st->cpu) {
		int64_t now = cpu_now(st);
		if (!st->cpu_deadline || now < 0)
			return 0;
		return st->cpu_deadline > (uint64_t)now ? st->cpu_deadline - now : 1;
	}
	uint64_t now = clock_monotonic_ns();
	if (!st->kt.deadline)
		return 0;
	return st->kt.deadline > now ? st->kt.deadline - now : 1;
}

static void arm(struct sigtimer *st, uint64_t delay_ns, uint64_t interval_ns)
{
	st->kt.fn = timer_fire;
	st->interval = interval_ns;
	if (st->cpu) {
		int64_t now = cpu_now(st);
		st->cpu_deadline = delay_ns && now >= 0 ? now + delay_ns : 0;
		if (!st->cpu_deadline)
			delay_ns = 0;
	}
	if (delay_ns)
		ktimer_add(&st->kt, clock_monotonic_ns() + delay_ns);
	else
		ktimer_cancel(&st->kt);
}

/* Makes st a timer on CPU-time clock clk for the current process; returns 0 or -EINVAL. */
static int set_cpu_clock(struct sigtimer *st, int clk)
{
	int tid, err = cpu_clock_decode(clk, &tid);

	if (err)
		return err;
	st->cpu = true;
	st->proc = current_proc();
	st->cpu_tid = tid;
	st->cpu_deadline = 0;
	return 0;
}

static struct sigtimer *itimer_real(void)
{
	struct proc_timers *pt = proc_timers();
	struct sigtimer *st;

	if (!pt)
		return NULL;
	st = &pt->t[0];
	st->owner = current_proc();
	st->used = true;
	st->id = -1;
	st->notify = SIGEV_SIGNAL;
	st->signo = SIGALRM;
	return st;
}

long sys_alarm(unsigned seconds)
{
	struct sigtimer *st = itimer_real();
	uint64_t left;

	if (!st)
		return -ENOMEM;
	left = remaining(st);

	arm(st, seconds * NSEC_PER_SEC, 0);
	/* Round up, as Linux does, so that a pending alarm never reads as 0. */
	return (left + NSEC_PER_SEC - 1) / NSEC_PER_SEC;
}

static uint64_t tv_ns(const struct __kernel_old_timeval *tv)
{
	return tv->tv_sec * NSEC_PER_SEC + tv->tv_usec * 1000;
}

static struct __kernel_old_timeval ns_tv(uint64_t ns)
{
	return (struct __kernel_old_timeval){ ns / NSEC_PER_SEC, (ns % NSEC_PER_SEC + 999) / 1000 };
}

struct old_itimerval {
	struct __kernel_old_timeval interval, value;
};

static struct sigtimer *itimer_cpu(int which)
{
	struct proc_timers *pt = proc_timers();
	struct sigtimer *st;

	if (!pt)
		return NULL;
	st = &pt->cpu[which - ITIMER_VIRTUAL];
	if (!st->used) {
		st->owner = current_proc();
		st->used = true;
		st->id = -1;
		st->notify = SIGEV_SIGNAL;
		st->signo = which == ITIMER_VIRTUAL ? SIGVTALRM : SIGPROF;
		st->clock = CLOCK_PROCESS_CPUTIME_ID;
		set_cpu_clock(st, CLOCK_PROCESS_CPUTIME_ID);
	}
	return st;
}

static struct sigtimer *itimer(int which)
{
	if (which == ITIMER_REAL)
		return itimer_real();
	if (which == ITIMER_VIRTUAL || which == ITIMER_PROF)
		return itimer_cpu(which);
	return NULL;
}

long sys_getitimer(int which, void *uvalue)
{
	struct sigtimer *st = itimer(which);
	struct old_itimerval v;

	if (!st)
		return -EINVAL;
	v.interval = ns_tv(st->interval);
	v.value = ns_tv(remaining(st));
	return copy_to_user(uvalue, &v, sizeof(v));
}

long sys_setitimer(int which, const void *unew, void *uold)
{
	struct sigtimer *st = itimer(which);
	struct old_itimerval v, old;

	if (!st)
		return -EINVAL;
	if (unew && copy_from_user(&v, unew, sizeof(v)))
		return -EFAULT;
	if (unew && (v.value.tv_usec < 0 || v.value.tv_usec >= 1000000 || v.interval.tv_usec < 0 ||
		     v.interval.tv_usec >= 1000000 || v.value.tv_sec < 0 || v.interval.tv_sec < 0))
		return -EINVAL;
	old.interval = ns_tv(st->interval);
	old.value = ns_tv(remaining(st));
	if (unew)
		arm(st, tv_ns(&v.value), tv_ns(&v.interval));
	if (uold && copy_to_user(uold, &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

/* The sigevent layout from asm-generic/siginfo.h, reduced to what we read. */
struct ksigevent {
	uint64_t value;
	int signo;
	int notify;
	int tid;
};

static struct sigtimer *posix_timer(int id)
{
	struct proc_timers *pt = proc_timers();
	struct sigtimer *timers = pt ? pt->t : NULL;

	if (!timers || id < 0 || id + 1 >= MAX_TIMERS || !timers[id + 1].used)
		return NULL;
	return &timers[id + 1];
}

long sys_timer_create(int clk, void *usev, int *utimerid)
{
	struct ksigevent sev = { .signo = SIGALRM, .notify = SIGEV_SIGNAL };
	struct proc_timers *pt = proc_timers();
	struct sigtimer *st = NULL, *timers = pt ? pt->t : NULL;
	int id, cpu_tid;
	bool cpu = cpu_clock_decode(clk, &cpu_tid) == 0;

	if (!timers)
		return -ENOMEM;
	if (clk != CLOCK_REALTIME && clk != CLOCK_MONOTONIC && clk != CLOCK_BOOTTIME && !cpu)
		return -EINVAL;
	if (usev && copy_from_user(&sev, usev, sizeof(sev)))
		return -EFAULT;
	if (sev.notify != SIGEV_SIGNAL && sev.notify != SIGEV_NONE && sev.notify != SIGEV_THREAD_ID)
		return -EINVAL;
	if (sev.notify != SIGEV_NONE && (sev.signo < 1 || sev.signo > KNSIG))
		return -EINVAL;
	if (sev.notify == SIGEV_THREAD_ID && !thread_find(sev.tid))
		return -EINVAL;
	for (id = 0; id + 1 < MAX_TIMERS; id++) {
		if (!timers[id + 1].used) {
			st = &timers[id + 1];
			break;
		}
	}
	if (!st)
		return -EAGAIN;
	memset(st, 0, sizeof(*st));
	st->used = true;
	st->owner = current_proc();
	st->id = id;
	st->clock = clk;
	st->notify = sev.notify;
	st->signo = sev.signo;
	st->tid = sev.tid;
	if (cpu)
		set_cpu_clock(st, clk);
	/* Without a sigevent, the value is the timer id, as on Linux. */
	st->value = usev ? sev.value : (uint64_t)id;
	if (copy_to_user(utimerid, &id, sizeof(id))) {
		st->used = false;
		return -EFAULT;
	}
	return 0;
}

long sys_timer_settime(int timerid, int flags, const void *unew, void *uold)
{
	struct sigtimer *st = posix_timer(timerid);
	struct __kernel_itimerspec v, old;
	uint64_t delay, value;

	if (!st)
		return -EINVAL;
	if (copy_from_user(&v, unew, sizeof(v)))
		return -EFAULT;
	if (v.it_value.tv_nsec < 0 || v.it_value.tv_nsec >= (long long)NSEC_PER_SEC || v.it_value.tv_sec < 0 ||
	    v.it_interval.tv_nsec < 0 || v.it_interval.tv_nsec >= (long long)NSEC_PER_SEC || v.it_interval.tv_sec < 0)
		return -EINVAL;
	old.it_interval.tv_sec = st->interval / NSEC_PER_SEC;
	old.it_interval.tv_nsec = st->interval % NSEC_PER_SEC;
	uint64_t left = remaining(st);
	old.it_value.tv_sec = left / NSEC_PER_SEC;
	old.it_value.tv_nsec = left % NSEC_PER_SEC;
	value = v.it_value.tv_sec * NSEC_PER_SEC + v.it_value.tv_nsec;
	delay = value;
	if (value && (flags & TIMER_ABSTIME)) {
		int64_t now = st->cpu ? cpu_now(st) : st->clock == CLOCK_REALTIME ? clock_realtime_ns() :
			      (int64_t)clock_monotonic_ns();
		delay = (int64_t)value > now ? value - now : 1;
	}
	arm(st, delay, v.it_interval.tv_sec * NSEC_PER_SEC + v.it_interval.tv_nsec);
	if (uold && copy_to_user(uold, &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

long sys_timer_gettime(int timerid, void *uvalue)
{
	struct sigtimer *st = posix_timer(timerid);
	struct __kernel_itimerspec v;
	uint64_t left;

	if (!st)
		return -EINVAL;
	left = remaining(st);
	v.it_interval.tv_sec = st->interval / NSEC_PER_SEC;
	v.it_interval.tv_nsec = st->interval % NSEC_PER_SEC;
	v.it_value.tv_sec = left / NSEC_PER_SEC;
	v.it_value.tv_nsec = left % NSEC_PER_SEC;
	return copy_to_user(uvalue, &v, sizeof(v));
}

long sys_timer_getoverrun(int timerid)
{
	struct sigtimer *st = posix_timer(timerid);
	return st ? st->overrun : -EINVAL;
}

long sys_timer_delete(int timerid)
{
	struct sigtimer *st = posix_timer(timerid);
	if (!st)
		return -EINVAL;
	ktimer_cancel(&st->kt);
	st->used = false;
	return 0;
}
