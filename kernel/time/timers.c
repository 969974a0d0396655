/* SPDX-License-Identifier: MIT */
/* timers.c: alarm, setitimer/getitimer (ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF) and POSIX timers, all delivering signals through kernel timers. */
#include "kernel.h"
#include "ktime.h"
#include "mm.h"
#include "sched.h"
#include "signal.h"
#include "syscall.h"
#include <linux/time.h>
#include <linux/time_types.h>

#define MAX_TIMERS 32

/* One timer that sends a signal when it expires and re-arms itself when periodic. */
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
	struct proc *owner;    /* the process the signal goes to */
};

/*
 * ITIMER_VIRTUAL and ITIMER_PROF count the process's CPU time (both count
 * user and system time: the kernel does not tell them apart).  A kernel
 * timer is armed for when the CPU time could reach the deadline at the
 * earliest: the process has one CPU, so its CPU time advances at most as
 * fast as the monotonic clock.  When it fires early (the process slept or
 * waited), it is armed again for what is left.
 */
struct cputimer {
	struct ktimer kt;
	struct proc *proc;
	uint64_t deadline;     /* process CPU time (ns) at which it expires; 0 when disarmed */
	uint64_t interval;
	int signo;
};

/* What a process has: its signal timers and its two CPU-time timers. */
struct proc_timers {
	struct sigtimer t[MAX_TIMERS];
	struct cputimer cpu[2];        /* ITIMER_VIRTUAL - 1, ITIMER_PROF - 1 */
};

/*
 * Each process has its own table (proc->timers, made on first use; a child
 * of fork starts without timers).  Index 0 is the ITIMER_REAL/alarm timer;
 * POSIX timers use 1..MAX_TIMERS-1 (ids start at 0 for the program).
 */
static struct proc_timers *proc_timers(void)
{
	struct proc *p = current_proc();

	if (!p->timers)
		p->timers = kzalloc(sizeof(struct proc_timers));
	return p->timers;
}

static struct sigtimer *table(void)
{
	struct proc_timers *pt = proc_timers();

	return pt ? pt->t : NULL;
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

static void timer_fire(struct ktimer *kt)
{
	struct sigtimer *st = container_of(kt, struct sigtimer, kt);
	struct ksiginfo info = { .code = st->id < 0 ? SI_KERNEL : SI_TIMER, .timerid = st->id,
				 .value = st->value, .overrun = 0 };

	if (st->interval)
		ktimer_add(&st->kt, clock_monotonic_ns() + st->interval);
	if (st->notify == SIGEV_NONE)
		return;
	if (st->notify == SIGEV_THREAD_ID) {
		struct list *it;
		list_for_each(it, &st->owner->threads) {
			struct thread *t = list_entry(it, struct thread, proc_link);
			if (t->tid == st->tid) {
				signal_send_thread(t, st->signo, &info);
				break;
			}
		}
		return;
	}
	signal_send_proc(st->owner, st->signo, &info);
}

static uint64_t remaining(const struct sigtimer *st)
{
	uint64_t now = clock_monotonic_ns();
	if (!st->kt.deadline)
		return 0;
	return st->kt.deadline > now ? st->kt.deadline - now : 1;
}

static void arm(struct sigtimer *st, uint64_t delay_ns, uint64_t interval_ns)
{
	st->kt.fn = timer_fire;
	st->interval = interval_ns;
	if (delay_ns)
		ktimer_add(&st->kt, clock_monotonic_ns() + delay_ns);
	else
		ktimer_cancel(&st->kt);
}

static struct sigtimer *itimer_real(void)
{
	struct sigtimer *timers = table(), *st;

	if (!timers)
		return NULL;
	st = &timers[0];
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


static void cputimer_fire(struct ktimer *kt)
{
	struct cputimer *ct = container_of(kt, struct cputimer, kt);
	struct ksiginfo info = { .code = SI_KERNEL };
	uint64_t now = proc_cpu_ns(ct->proc);

	if (!ct->deadline)
		return;
	if (now < ct->deadline) {
		ktimer_add(&ct->kt, clock_monotonic_ns() + (ct->deadline - now));
		return;
	}
	if (ct->interval) {
		ct->deadline += ct->interval;
		if (ct->deadline <= now)
			ct->deadline = now + ct->interval;
		ktimer_add(&ct->kt, clock_monotonic_ns() + (ct->deadline - now));
	} else {
		ct->deadline = 0;
	}
	signal_send_proc(ct->proc, ct->signo, &info);
}

static struct cputimer *cputimer(int which)
{
	/* Called after itimer_real() succeeded: the table exists. */
	struct cputimer *ct = &((struct proc_timers *)current_proc()->timers)->cpu[which - ITIMER_VIRTUAL];

	ct->kt.fn = cputimer_fire;
	ct->signo = which == ITIMER_VIRTUAL ? SIGVTALRM : SIGPROF;
	return ct;
}

static void cputimer_get(struct cputimer *ct, struct old_itimerval *v)
{
	uint64_t now = proc_cpu_ns(current_proc());

	v->interval = ns_tv(ct->interval);
	v->value = ns_tv(!ct->deadline ? 0 : ct->deadline > now ? ct->deadline - now : 1);
}

static void cputimer_set(struct cputimer *ct, uint64_t value, uint64_t interval)
{
	ktimer_cancel(&ct->kt);
	ct->proc = current_proc();
	ct->interval = interval;
	ct->deadline = value ? proc_cpu_ns(ct->proc) + value : 0;
	if (value)
		ktimer_add(&ct->kt, clock_monotonic_ns() + value);
}

long sys_getitimer(int which, void *uvalue)
{
	struct sigtimer *st = itimer_real();
	struct old_itimerval v;

	if (!st)
		return -ENOMEM;
	if (which == ITIMER_VIRTUAL || which == ITIMER_PROF) {
		cputimer_get(cputimer(which), &v);
	} else if (which == ITIMER_REAL) {
		v.interval = ns_tv(st->interval);
		v.value = ns_tv(remaining(st));
	} else {
		return -EINVAL;
	}
	return copy_to_user(uvalue, &v, sizeof(v));
}

long sys_setitimer(int which, const void *unew, void *uold)
{
	struct sigtimer *st = itimer_real();
	struct old_itimerval v, old;
	bool cpu = which == ITIMER_VIRTUAL || which == ITIMER_PROF;

	if (!st)
		return -ENOMEM;
	if (which != ITIMER_REAL && !cpu)
		return -EINVAL;
	if (unew && copy_from_user(&v, unew, sizeof(v)))
		return -EFAULT;
	if (unew && (v.value.tv_usec < 0 || v.value.tv_usec >= 1000000 || v.interval.tv_usec < 0 ||
		     v.interval.tv_usec >= 1000000 || v.value.tv_sec < 0 || v.interval.tv_sec < 0))
		return -EINVAL;
	if (cpu) {
		cputimer_get(cputimer(which), &old);
		if (unew)
			cputimer_set(cputimer(which), tv_ns(&v.value), tv_ns(&v.interval));
	} else {
		old.interval = ns_tv(st->interval);
		old.value = ns_tv(remaining(st));
		if (unew)
			arm(st, tv_ns(&v.value), tv_ns(&v.interval));
	}
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
	struct sigtimer *timers = table();

	if (!timers || id < 0 || id + 1 >= MAX_TIMERS || !timers[id + 1].used)
		return NULL;
	return &timers[id + 1];
}

long sys_timer_create(int clk, void *usev, int *utimerid)
{
	struct ksigevent sev = { .signo = SIGALRM, .notify = SIGEV_SIGNAL };
	struct sigtimer *st = NULL, *timers = table();
	int id;

	if (!timers)
		return -ENOMEM;
	if (clk != CLOCK_REALTIME && clk != CLOCK_MONOTONIC && clk != CLOCK_BOOTTIME)
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
		int64_t now = st->clock == CLOCK_REALTIME ? clock_realtime_ns() : (int64_t)clock_monotonic_ns();
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
