/* SPDX-License-Identifier: MIT */
/* signals.c: handlers with siginfo and ucontext, masks, sigaltstack, faults caught, alarm, itimers, POSIX timers, sigsuspend, sigtimedwait, default actions. */
// husk-test: status=0 expect="SUCCESS" backends=qemu,vmm
// husk-test: name=term args="term" status=143 expect="signals: raising SIGTERM" kexpect="killed by SIGTERM" backends=qemu,xen
// husk-test: name=abort args="abort" status=134 expect="signals: calling abort"
#define _GNU_SOURCE
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "check.h"

static volatile sig_atomic_t got_usr1, got_alrm, got_rt, usr1_code, usr1_pid;
static volatile void *fault_addr;
static volatile int fault_code;
static volatile uintptr_t handler_sp;
static sigjmp_buf fault_jmp;
static volatile uint64_t ctx_rip;

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (sig == SIGUSR1) {
		got_usr1++;
		usr1_code = si->si_code;
		usr1_pid = si->si_pid;
	}
}

static void on_segv(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	int local;
	(void)sig;
	fault_addr = si->si_addr;
	fault_code = si->si_code;
	handler_sp = (uintptr_t)&local;
	ctx_rip = uc->uc_mcontext.gregs[REG_RIP];
	siglongjmp(fault_jmp, 1);
}

static void on_alrm(int sig) { (void)sig; got_alrm++; }
static void on_rt(int sig, siginfo_t *si, void *uc) { (void)uc; if (sig == SIGRTMIN + 1 && si->si_value.sival_int == 77) got_rt++; }

int main(int argc, char **argv)
{
	struct sigaction sa;
	sigset_t set, old;

	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc > 1 && !strcmp(argv[1], "term")) {
		printf("signals: raising SIGTERM\n");
		raise(SIGTERM);
		return 1;
	}
	if (argc > 1 && !strcmp(argv[1], "abort")) {
		printf("signals: calling abort\n");
		abort();
	}

	/* A handler with SA_SIGINFO, reached through kill, raise and tgkill. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_usr1;
	sa.sa_flags = SA_SIGINFO;
	CHECK(sigaction(SIGUSR1, &sa, NULL) == 0, "sigaction: %s", strerror(errno));
	CHECK(kill(getpid(), SIGUSR1) == 0, "kill: %s", strerror(errno));
	CHECK(got_usr1 == 1, "handler ran %d times after kill", got_usr1);
	CHECK(usr1_code == SI_USER && usr1_pid == getpid(), "si_code %d si_pid %d", usr1_code, usr1_pid);
	raise(SIGUSR1);
	CHECK(got_usr1 == 2, "handler ran %d times after raise", got_usr1);
	CHECK(syscall(SYS_tgkill, getpid(), gettid(), SIGUSR1) == 0, "tgkill: %s", strerror(errno));
	CHECK(got_usr1 == 3 && usr1_code == SI_TKILL, "after tgkill: %d runs, code %d", got_usr1, usr1_code);

	/* Blocked signals stay pending and arrive when unblocked. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, &old);
	raise(SIGUSR1);
	CHECK(got_usr1 == 3, "a blocked signal ran its handler");
	sigset_t pend;
	sigpending(&pend);
	CHECK(sigismember(&pend, SIGUSR1), "SIGUSR1 not pending while blocked");
	sigprocmask(SIG_SETMASK, &old, NULL);
	CHECK(got_usr1 == 4, "unblocking did not deliver (%d)", got_usr1);

	/* Ignored signals vanish. */
	signal(SIGUSR2, SIG_IGN);
	raise(SIGUSR2);

	/* A SIGSEGV handler on an alternate stack sees the address and can leave with siglongjmp. */
	static char altstack[65536];
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	CHECK(sigaltstack(&ss, NULL) == 0, "sigaltstack: %s", strerror(errno));
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigaction(SIGSEGV, &sa, NULL);
	if (sigsetjmp(fault_jmp, 1) == 0) {
		*(volatile int *)0x1234 = 1;
		CHECK(0, "the faulting store returned");
	}
	CHECK(fault_addr == (void *)0x1234, "si_addr %p", fault_addr);
	CHECK(fault_code == SEGV_MAPERR, "si_code %d, wanted SEGV_MAPERR", fault_code);
	CHECK(handler_sp >= (uintptr_t)altstack && handler_sp < (uintptr_t)altstack + sizeof(altstack),
	      "handler ran on %#lx, not the alternate stack", (unsigned long)handler_sp);
	CHECK(ctx_rip != 0, "ucontext has no rip");
	/* A write to read-only memory is SEGV_ACCERR. */
	static const int ro = 5;
	if (sigsetjmp(fault_jmp, 1) == 0)
		*(volatile int *)&ro = 6;
	CHECK(fault_code == SEGV_ACCERR, "write to rodata: si_code %d, wanted SEGV_ACCERR", fault_code);

	/* alarm interrupts pause. */
	signal(SIGALRM, on_alrm);
	alarm(1);
	CHECK(alarm(1) == 1, "alarm did not report the pending one");
	pause();
	CHECK(got_alrm == 1, "SIGALRM count %d after pause", got_alrm);

	/* A periodic itimer fires repeatedly. */
	struct itimerval it = { { 0, 20000 }, { 0, 20000 } };
	CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0, "setitimer: %s", strerror(errno));
	while (got_alrm < 4)
		pause();
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	CHECK(got_alrm >= 4, "itimer ticks %d", got_alrm);

	/* A POSIX timer with a real-time signal and a value. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_rt;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGRTMIN + 1, &sa, NULL);
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGRTMIN + 1,
				.sigev_value.sival_int = 77 };
	timer_t tid;
	CHECK(timer_create(CLOCK_MONOTONIC, &sev, &tid) == 0, "timer_create: %s", strerror(errno));
	/* Armed for 10 s first, so a loaded host cannot let it expire before timer_gettime reads it. */
	struct itimerspec its = { { 0, 0 }, { 10, 0 } };
	CHECK(timer_settime(tid, 0, &its, NULL) == 0, "timer_settime: %s", strerror(errno));
	struct itimerspec cur;
	timer_gettime(tid, &cur);
	CHECK(cur.it_value.tv_nsec > 0 || cur.it_value.tv_sec > 0, "timer_gettime shows no time left");
	its.it_value = (struct timespec){ 0, 30000000 };
	CHECK(timer_settime(tid, 0, &its, NULL) == 0, "timer_settime (30 ms): %s", strerror(errno));
	while (!got_rt)
		pause();
	CHECK(got_rt == 1, "timer signal count %d", got_rt);
	timer_delete(tid);

	/* sigsuspend swaps the mask and restores it after the handler. */
	sigprocmask(SIG_BLOCK, &set, NULL);
	raise(SIGUSR1);
	int before = got_usr1;
	sigset_t none;
	sigemptyset(&none);
	CHECK(sigsuspend(&none) == -1 && errno == EINTR, "sigsuspend: %s", strerror(errno));
	CHECK(got_usr1 == before + 1, "sigsuspend did not run the handler");
	sigprocmask(SIG_SETMASK, NULL, &old);
	CHECK(sigismember(&old, SIGUSR1), "sigsuspend did not restore the mask");

	/* sigtimedwait takes a blocked signal without its handler, or times out. */
	raise(SIGUSR1);
	siginfo_t si;
	struct timespec ts = { 0, 10000000 };
	CHECK(sigtimedwait(&set, &si, &ts) == SIGUSR1, "sigtimedwait: %s", strerror(errno));
	CHECK(si.si_signo == SIGUSR1, "si_signo %d", si.si_signo);
	CHECK(got_usr1 == before + 1, "sigtimedwait ran the handler");
	CHECK(sigtimedwait(&set, &si, &ts) == -1 && errno == EAGAIN, "empty sigtimedwait: %s", strerror(errno));

	return check_finish("signals");
}
