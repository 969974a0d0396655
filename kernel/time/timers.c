/* SPDX-License-Identifier: MIT */
/* timers.c: alarm, setitimer/getitimer (ITIMER_REAL) and POSIX timers, all delivering signals through kernel timers. */
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
 * Each process has its own table (proc->timers, made on first use; a child
 * of fork starts without timers).  Index 0 is the ITIMER_REAL/alarm timer;
 * POSIX timers use 1..MAX_TIMERS-1 (ids start at 0 for the program).
 */
static struct sigtimer *table(void)
{
	struct proc *p = current_proc();

	if (!p->timers)
		p->timers = kzalloc(MAX_TIMERS * sizeof(struct sigtimer));
	return p->timers;
}

void timers_proc_exit(struct proc *p)
{
	struct sigtimer *t = p->timers;

	if (!t)
		return;
	for (int i = 0; i < MAX_TIMERS; i++)
		ktimer_cancel(&t[i].kt);
	kfree(t);
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

long sys_getitimer(int which, void *uvalue)
{
	struct sigtimer *st = itimer_real();
	struct old_itimerval v;

	if (!st)
		return -ENOMEM;
	if (which != ITIMER_REAL) {
		/* CPU-time timers would need CPU accounting per thread. */
		printk_err("husk: getitimer(%d): only ITIMER_REAL is implemented\n", which);
		return -EINVAL;
	}
	v.interval = ns_tv(st->interval);
	v.value = ns_tv(remaining(st));
	return copy_to_user(uvalue, &v, sizeof(v));
}

long sys_setitimer(int which, const void *unew, void *uold)
{
	struct sigtimer *st = itimer_real();
	struct old_itimerval v, old;

	if (!st)
		return -ENOMEM;
	if (which != ITIMER_REAL) {
		printk_err("husk: setitimer(%d): only ITIMER_REAL is implemented\n", which);
		return -EINVAL;
	}
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
