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
	int status;          /* SIGCHLD: exit code or signal */
};
struct proc;
struct k_sigaction;

/* A synchronous fault in user mode (SIGSEGV, SIGILL, ...): delivered now or fatal. */
void signal_fault(struct trapframe *tf, int sig, int code, uint64_t addr);
/* Sends sig to process p: to one thread that does not block it.  SIGCONT
 * continues a stopped process, a stop signal discards a pending SIGCONT. */
void signal_send_proc(struct proc *p, int sig, const struct ksiginfo *info);
/* Sends sig to every process of group pgid; returns 0 or -ESRCH when there is none. */
int signal_send_pgrp(int pgid, int sig, const struct ksiginfo *info);
/* The action p takes for sig (never NULL). */
const struct k_sigaction *signal_action(struct proc *p, int sig);
/* Whether sig's action in p is the default one. */
bool signal_is_default(struct proc *p, int sig);
/* The signals pending for the current thread. */
uint64_t signal_pending_set(void);
/* execve: caught signals go back to their default action; ignored ones stay ignored. */
void signal_exec_reset(struct proc *p);
/* Whether the current thread blocks sig or its process ignores it (job control's is_ignored). */
bool signal_ignored_or_blocked(int sig);
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
	SIL_CHLD,            /* the child's pid, uid and status */
};
enum siginfo_layout signal_info_layout(int sig, const struct ksiginfo *info);
/* Fills a user-visible siginfo_t. */
void signal_fill_siginfo(siginfo_t *si, int sig, const struct ksiginfo *info);

#endif
