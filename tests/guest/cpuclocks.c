/* SPDX-License-Identifier: MIT */
/* cpuclocks.c: CPU-time clocks by id (pthread_getcpuclockid, clock_getcpuclockid) and the CPU-time interval timers ITIMER_VIRTUAL and ITIMER_PROF. */
// husk-test: status=0 expect="SUCCESS" backends=qemu,vmm,xen
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include "check.h"

#define MS 1000000LL

static long long ns(clockid_t id)
{
	struct timespec ts = { 0, 0 };
	int r = clock_gettime(id, &ts);

	CHECK(r == 0, "clock_gettime(%d): %s", (int)id, strerror(errno));
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/*
 * Every wait below is bounded by the CPU time it is about (a busy host
 * gives the VM little of it: CPU time, not real time, is what a CPU-time
 * timer waits for, on Linux too).  Real time bounds them only against a
 * CPU clock that stopped: 90 s, inside run.sh's 120 s.
 */
#define STUCK_MS 90000LL

/*
 * Burns CPU until *flag reaches want or clock clk has advanced by limit_ms.
 * Returns how far clk advanced, in ns.
 */
static long long spin_until(volatile int *flag, int want, clockid_t clk, long long limit_ms)
{
	long long start = ns(clk), wall = ns(CLOCK_MONOTONIC);

	while ((!flag || *flag < want) && ns(clk) - start < limit_ms * MS) {
		if (ns(CLOCK_MONOTONIC) - wall >= STUCK_MS * MS) {
			CHECK(0, "clock %d advanced %lld ns in %lld s of real time", (int)clk, ns(clk) - start,
			      STUCK_MS / 1000);
			break;
		}
	}
	return ns(clk) - start;
}

/* Burns CPU until the calling thread has used at least ms of it. */
static void spin_cpu(long long ms)
{
	spin_until(NULL, 0, CLOCK_THREAD_CPUTIME_ID, ms);
}

/* The spinner reports on spun[] once it has burnt its CPU time, then blocks on release[] until told to end. */
static int spun[2], release[2];

static void *spinner(void *arg)
{
	char c = 1;

	spin_cpu(60);
	CHECK(write(spun[1], &c, 1) == 1, "write");
	CHECK(read(release[0], &c, 1) == 1, "read");
	return NULL;
}

static void check_thread_clocks(void)
{
	clockid_t self, other, proc;
	pthread_t t;
	struct timespec res;

	CHECK(pthread_getcpuclockid(pthread_self(), &self) == 0, "pthread_getcpuclockid(self)");
	long long a = ns(CLOCK_THREAD_CPUTIME_ID), b = ns(self), a2 = ns(CLOCK_THREAD_CPUTIME_ID);
	CHECK(a <= b && b <= a2, "the main thread's clock by id %lld is not between %lld and %lld", b, a, a2);
	CHECK(clock_getres(self, &res) == 0, "clock_getres(thread clock): %s", strerror(errno));

	char c = 1;
	CHECK(pipe(spun) == 0 && pipe(release) == 0, "pipe");
	CHECK(pthread_create(&t, NULL, spinner, NULL) == 0, "pthread_create");
	/* Blocked meanwhile: the main thread uses (almost) no CPU time. */
	long long before = ns(self);
	CHECK(read(spun[0], &c, 1) == 1, "read");
	CHECK(pthread_getcpuclockid(t, &other) == 0, "pthread_getcpuclockid(other)");
	long long theirs = ns(other), mine = ns(self);
	CHECK(theirs >= 60 * MS, "the spinning thread's clock reads %lld ns, wanted >= 60 ms", theirs);
	CHECK(mine - before < theirs, "the main thread used %lld ns while blocked, the spinner %lld", mine - before,
	      theirs);

	CHECK(clock_getcpuclockid(0, &proc) == 0, "clock_getcpuclockid(0)");
	long long all = ns(proc);
	CHECK(all >= theirs + mine - 5 * MS, "the process clock %lld is below its threads' %lld + %lld", all, theirs,
	      mine);
	CHECK(clock_getcpuclockid(getpid(), &proc) == 0 && ns(proc) >= all, "clock_getcpuclockid(getpid())");
	CHECK(clock_getcpuclockid(999999, &proc) != 0, "clock_getcpuclockid of a missing process succeeded");
	/* Type 3 does not exist. */
	struct timespec ts;
	CHECK(clock_gettime((clockid_t)((~0u << 3) | 3), &ts) == -1 && errno == EINVAL, "CPU clock type 3 accepted");
	CHECK(write(release[1], &c, 1) == 1, "write");
	pthread_join(t, NULL);

	/* Sleeping on the process's CPU clock ends when its other thread has burnt the time. */
	CHECK(pipe(spun) == 0 && pipe(release) == 0, "pipe");
	CHECK(pthread_create(&t, NULL, spinner, NULL) == 0, "pthread_create");
	struct timespec want = { 0, 30 * MS };
	long long p0 = ns(CLOCK_PROCESS_CPUTIME_ID);
	int r = clock_nanosleep(CLOCK_PROCESS_CPUTIME_ID, 0, &want, NULL);
	long long p1 = ns(CLOCK_PROCESS_CPUTIME_ID);
	CHECK(r == 0 && p1 - p0 >= 30 * MS, "clock_nanosleep(CLOCK_PROCESS_CPUTIME_ID, 30 ms): %d, the process used %lld ns",
	      r, p1 - p0);
	CHECK(read(spun[0], &c, 1) == 1 && write(release[1], &c, 1) == 1, "pipe");
	pthread_join(t, NULL);
	CHECK(clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, &want, NULL) == EINVAL,
	      "clock_nanosleep on the thread's own CPU clock is not EINVAL");
}

static volatile int got[NSIG];

static void on_signal(int sig)
{
	got[sig]++;
}

static void check_itimers(void)
{
	/*
	 * 400 ms, one-shot.  CPU time includes the kernel's: on husk-vmm (kvm_pvm
	 * emulates guest ring 0) one system call can take milliseconds, so the
	 * budget must dwarf what the calls around the sleep cost.
	 */
	struct itimerval v = { { 0, 0 }, { 0, 400000 } }, g;
	struct sigaction sa = { .sa_handler = on_signal };

	sigaction(SIGPROF, &sa, NULL);
	sigaction(SIGVTALRM, &sa, NULL);
	CHECK(setitimer(ITIMER_PROF, &v, NULL) == 0, "setitimer(ITIMER_PROF): %s", strerror(errno));
	/* Asleep, the process uses no CPU time, so the timer must not expire. */
	usleep(300000);
	CHECK(got[SIGPROF] == 0, "ITIMER_PROF expired while the process slept");
	CHECK(getitimer(ITIMER_PROF, &g) == 0 && g.it_value.tv_sec == 0 && g.it_value.tv_usec > 200000,
	      "ITIMER_PROF after sleeping: %ld.%06ld left", (long)g.it_value.tv_sec, (long)g.it_value.tv_usec);
	/* Less than 400 ms are left: another 600 ms of CPU time is ample. */
	long long used = spin_until(&got[SIGPROF], 1, CLOCK_PROCESS_CPUTIME_ID, 600);
	CHECK(got[SIGPROF] == 1, "ITIMER_PROF did not expire after 400 ms of CPU time (%d signals, %lld ns used)",
	      got[SIGPROF], used);
	CHECK(getitimer(ITIMER_PROF, &g) == 0 && !g.it_value.tv_sec && !g.it_value.tv_usec, "a one-shot ITIMER_PROF re-armed");

	/* Periodic: three expiries of 20 ms each. */
	v.it_interval.tv_usec = v.it_value.tv_usec = 20000;
	CHECK(setitimer(ITIMER_VIRTUAL, &v, NULL) == 0, "setitimer(ITIMER_VIRTUAL): %s", strerror(errno));
	used = spin_until(&got[SIGVTALRM], 3, CLOCK_PROCESS_CPUTIME_ID, 600);
	CHECK(got[SIGVTALRM] >= 3, "ITIMER_VIRTUAL expired %d times in %lld ns of CPU time, wanted 3", got[SIGVTALRM],
	      used);
	struct itimerval off = { { 0, 0 }, { 0, 0 } }, old;
	CHECK(setitimer(ITIMER_VIRTUAL, &off, &old) == 0 && old.it_interval.tv_usec == 20000,
	      "disarming ITIMER_VIRTUAL: old interval %ld us", (long)old.it_interval.tv_usec);
	CHECK(getitimer(ITIMER_VIRTUAL, &g) == 0 && !g.it_value.tv_sec && !g.it_value.tv_usec, "ITIMER_VIRTUAL still armed");
	CHECK(setitimer(3, &v, NULL) == -1 && errno == EINVAL, "setitimer(3) accepted");
}

/* POSIX timers on CPU-time clocks: the process's, and a thread's by its id. */
static void check_cpu_timers(void)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1 };
	struct itimerspec its = { { 0, 0 }, { 0, 400 * MS } }, left;   /* 400 ms: see check_itimers */
	clockid_t mine;
	timer_t t1, t2;

	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	CHECK(timer_create(CLOCK_PROCESS_CPUTIME_ID, &sev, &t1) == 0, "timer_create(CLOCK_PROCESS_CPUTIME_ID): %s",
	      strerror(errno));
	CHECK(timer_settime(t1, 0, &its, NULL) == 0, "timer_settime: %s", strerror(errno));
	usleep(300000);
	CHECK(got[SIGUSR1] == 0, "a CPU-time timer expired while the process slept");
	CHECK(timer_gettime(t1, &left) == 0 && left.it_value.tv_sec == 0 && left.it_value.tv_nsec > 200 * MS,
	      "CPU-time timer after sleeping: %ld ns left", left.it_value.tv_nsec);
	long long used = spin_until(&got[SIGUSR1], 1, CLOCK_PROCESS_CPUTIME_ID, 600);
	CHECK(got[SIGUSR1] == 1, "the process CPU-time timer did not expire after 400 ms of CPU time (%lld ns used)",
	      used);

	/* The main thread's clock by id, absolute: expires when the thread's CPU time reaches it. */
	CHECK(pthread_getcpuclockid(pthread_self(), &mine) == 0, "pthread_getcpuclockid");
	sev.sigev_signo = SIGUSR2;
	CHECK(timer_create(mine, &sev, &t2) == 0, "timer_create(thread CPU clock): %s", strerror(errno));
	long long at = ns(mine) + 30 * MS;
	its.it_value.tv_sec = at / 1000000000LL;
	its.it_value.tv_nsec = at % 1000000000LL;
	CHECK(timer_settime(t2, TIMER_ABSTIME, &its, NULL) == 0, "timer_settime(TIMER_ABSTIME): %s", strerror(errno));
	spin_until(&got[SIGUSR2], 1, mine, 300);
	CHECK(got[SIGUSR2] == 1 && ns(mine) >= at, "the thread CPU-time timer did not expire at its CPU time");
	timer_delete(t1);
	timer_delete(t2);
}

/* /proc/stat's cpu line: user, idle and steal (the hypervisor's time, left out of CPU time) in ticks. */
static void show_steal(void)
{
	unsigned long long f[10];
	FILE *st = fopen("/proc/stat", "r");
	int n = st ? fscanf(st, "cpu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &f[0], &f[1], &f[2], &f[3],
			    &f[4], &f[5], &f[6], &f[7], &f[8], &f[9]) : 0;

	CHECK(n == 10, "/proc/stat's cpu line has %d fields, wanted 10", n);
	if (n == 10)
		printf("cpu ticks: user %llu idle %llu steal %llu\n", f[0], f[3], f[7]);
	if (st)
		fclose(st);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	check_thread_clocks();
	check_itimers();
	check_cpu_timers();
	show_steal();
	return check_finish("cpuclocks");
}
