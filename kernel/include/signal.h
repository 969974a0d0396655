/* SPDX-License-Identifier: MIT */
/* signal.h: pending signals, default actions and delivery to handlers (sched/signal.c). */
#ifndef SIGNAL_H
#define SIGNAL_H

#include "kernel.h"
#include <asm/signal.h>
#include <linux/signal.h>
#include <asm-generic/siginfo.h>

struct trapframe;
struct thread;

#define SIGBIT(s) (1ULL << ((s) - 1))

/* What a pending signal carries into its siginfo_t. */
struct ksiginfo {
	int code;            /* si_code: SI_USER, SI_TKILL, SEGV_MAPERR, SI_TIMER, ... */
	int pid, uid;        /* sender, for SI_USER/SI_TKILL/SI_QUEUE */
	uint64_t addr;       /* fault address for SIGSEGV/SIGBUS/SIGILL/SIGFPE */
	int timerid, overrun;
	uint64_t value;      /* sigval for SI_TIMER / SI_QUEUE */
};

/* A synchronous fault in user mode (SIGSEGV, SIGILL, ...): delivered now or fatal. */
void signal_fault(struct trapframe *tf, int sig, int code, uint64_t addr);
/* Sends sig to the process: to one thread that does not block it. */
void signal_send_proc(int sig, const struct ksiginfo *info);
/* Sends sig to one thread. */
void signal_send_thread(struct thread *t, int sig, const struct ksiginfo *info);
/* Sends sig to the current thread (EPIPE's SIGPIPE). */
void signal_send_self(int sig);
/* True when the current thread has a pending signal that is not blocked (and not ignored). */
bool signal_pending_deliverable(void);
/* Delivers pending signals before returning to user mode: default action or a handler frame. */
void signal_deliver(struct trapframe *tf);
/* Removes a pending signal from set (for rt_sigtimedwait, signalfd); returns it or 0. */
int signal_dequeue(uint64_t set, struct ksiginfo *info);
/* Which fields of a ksiginfo a signal's siginfo carries (Linux's siginfo_layout, coarser). */
enum siginfo_layout {
	SIL_KILL,            /* the sender's pid and uid, and the value */
	SIL_TIMER,           /* the timer id, its overrun, and the value */
	SIL_FAULT,           /* the fault address only */
};
enum siginfo_layout signal_info_layout(int sig, const struct ksiginfo *info);
/* Fills a user-visible siginfo_t. */
void signal_fill_siginfo(siginfo_t *si, int sig, const struct ksiginfo *info);

#endif
