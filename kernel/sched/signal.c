/* SPDX-License-Identifier: MIT */
/* signal.c: pending signals, masks and default actions (handlers are recorded; delivery to them comes later). */
#include "kernel.h"
#include "husk/abi.h"
#include "sched.h"
#include "signal.h"
#include "../arch/x86_64/x86.h"

#define SIGBIT(s) (1ULL << ((s) - 1))
/* Signals whose default action is to do nothing. */
#define SIG_DEFAULT_IGNORE (SIGBIT(SIGCHLD) | SIGBIT(SIGURG) | SIGBIT(SIGWINCH) | SIGBIT(SIGCONT))
#define SIG_UNBLOCKABLE (SIGBIT(SIGKILL) | SIGBIT(SIGSTOP))

static const char *const signal_names[32] = {
	[SIGHUP] = "SIGHUP", [SIGINT] = "SIGINT", [SIGQUIT] = "SIGQUIT", [SIGILL] = "SIGILL",
	[SIGTRAP] = "SIGTRAP", [SIGABRT] = "SIGABRT", [SIGBUS] = "SIGBUS", [SIGFPE] = "SIGFPE",
	[SIGKILL] = "SIGKILL", [SIGUSR1] = "SIGUSR1", [SIGSEGV] = "SIGSEGV", [SIGUSR2] = "SIGUSR2",
	[SIGPIPE] = "SIGPIPE", [SIGALRM] = "SIGALRM", [SIGTERM] = "SIGTERM",
};

static const char *signame(int sig)
{
	return sig > 0 && sig < 32 && signal_names[sig] ? signal_names[sig] : "signal";
}

/* The default action of a fatal signal: the program, and so the VM, ends with 128 + sig. */
static __noreturn void die_by_signal(int sig)
{
	printk_err("husk: program killed by %s (%d)\n", signame(sig), sig);
	proc_exit(HUSK_STATUS_SIGNAL_BASE + sig);
}

void signal_fault(struct trapframe *tf, int sig, uint64_t addr)
{
	char what[64];
	struct k_sigaction *sa = &current_proc()->sigactions[sig - 1];

	snprintk(what, sizeof(what), "%s, address %016lx", signame(sig), addr);
	if (sa->handler != (uint64_t)SIG_DFL && sa->handler != (uint64_t)SIG_IGN)
		printk_err("husk: a %s handler is installed, but delivery to handlers is not implemented yet\n",
			   signame(sig));
	dump_user_crash(tf, what);
	die_by_signal(sig);
}

void signal_send_thread(struct thread *t, int sig)
{
	t->sigpending |= SIGBIT(sig);
	if (t->state == THREAD_BLOCKED && !(t->sigmask & SIGBIT(sig)))
		sched_interrupt_thread(t);
}

void signal_send_proc(int sig)
{
	struct list *it;
	struct proc *p = current_proc();

	list_for_each(it, &p->threads) {
		struct thread *t = list_entry(it, struct thread, proc_link);
		if (!(t->sigmask & SIGBIT(sig))) {
			signal_send_thread(t, sig);
			return;
		}
	}
	signal_send_thread(current, sig);
}

void signal_send_self(int sig)
{
	signal_send_thread(current, sig);
}

static uint64_t deliverable(void)
{
	uint64_t pending = current->sigpending & ~(current->sigmask & ~SIG_UNBLOCKABLE);
	uint64_t result = 0;

	/* Ignored signals are discarded; signals with handlers wait until delivery exists. */
	for (int sig = 1; sig <= KNSIG && pending; sig++) {
		if (!(pending & SIGBIT(sig)))
			continue;
		pending &= ~SIGBIT(sig);
		uint64_t h = current_proc()->sigactions[sig - 1].handler;
		if (h == (uint64_t)SIG_IGN || (h == (uint64_t)SIG_DFL && (SIG_DEFAULT_IGNORE & SIGBIT(sig))))
			current->sigpending &= ~SIGBIT(sig);
		else if (h == (uint64_t)SIG_DFL || sig == SIGKILL)
			result |= SIGBIT(sig);
	}
	return result;
}

bool signal_pending_deliverable(void)
{
	return current->sigpending && deliverable();
}

void signal_deliver(struct trapframe *tf)
{
	uint64_t d = deliverable();
	(void)tf;

	if (!d)
		return;
	die_by_signal(__builtin_ctzll(d) + 1);
}
