/* SPDX-License-Identifier: MIT */
/* signal.h: signal state, default actions and delivery (sched/signal.c). */
#ifndef SIGNAL_H
#define SIGNAL_H

#include "kernel.h"
#include <asm/signal.h>
#include <linux/signal.h>

struct trapframe;
struct thread;

/* A synchronous fault in user mode (SIGSEGV, SIGILL, ...) at the faulting address. */
void signal_fault(struct trapframe *tf, int sig, uint64_t addr);
/* Sends sig to the process (to one thread that does not block it). */
void signal_send_proc(int sig);
/* Sends sig to one thread. */
void signal_send_thread(struct thread *t, int sig);
/* Sends sig to the current thread (EPIPE's SIGPIPE). */
void signal_send_self(int sig);
/* True when the current thread has a pending signal that is not blocked. */
bool signal_pending_deliverable(void);
/* Acts on one pending signal before returning to user mode. */
void signal_deliver(struct trapframe *tf);

#endif
