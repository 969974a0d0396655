/* SPDX-License-Identifier: MIT */
/* signal.c: pending signals, default actions, and delivery to handlers through a Linux rt_sigframe. */
#include "kernel.h"
#include "husk/abi.h"
#include "mm.h"
#include "sched.h"
#include "signal.h"
#include "syscall.h"
#include "../arch/x86_64/x86.h"
#include <asm/sigcontext.h>
#include <asm/ucontext.h>

/* Signals whose default action is to do nothing. */
#define SIG_DEFAULT_IGNORE (SIGBIT(SIGCHLD) | SIGBIT(SIGURG) | SIGBIT(SIGWINCH) | SIGBIT(SIGCONT))
#define SIG_UNBLOCKABLE (SIGBIT(SIGKILL) | SIGBIT(SIGSTOP))
#define SA_RESTORER 0x04000000

/* The frame a handler runs on, as Linux lays it out for x86-64. */
struct rt_sigframe {
	uint64_t pretcode;            /* sa_restorer: calls rt_sigreturn */
	struct ucontext uc;
	siginfo_t info;
};

static const char *const signal_names[32] = {
	[SIGHUP] = "SIGHUP", [SIGINT] = "SIGINT", [SIGQUIT] = "SIGQUIT", [SIGILL] = "SIGILL",
	[SIGTRAP] = "SIGTRAP", [SIGABRT] = "SIGABRT", [SIGBUS] = "SIGBUS", [SIGFPE] = "SIGFPE",
	[SIGKILL] = "SIGKILL", [SIGUSR1] = "SIGUSR1", [SIGSEGV] = "SIGSEGV", [SIGUSR2] = "SIGUSR2",
	[SIGPIPE] = "SIGPIPE", [SIGALRM] = "SIGALRM", [SIGTERM] = "SIGTERM", [SIGSTKFLT] = "SIGSTKFLT",
	[SIGCHLD] = "SIGCHLD", [SIGCONT] = "SIGCONT", [SIGSTOP] = "SIGSTOP", [SIGTSTP] = "SIGTSTP",
	[SIGTTIN] = "SIGTTIN", [SIGTTOU] = "SIGTTOU", [SIGURG] = "SIGURG", [SIGXCPU] = "SIGXCPU",
	[SIGXFSZ] = "SIGXFSZ", [SIGVTALRM] = "SIGVTALRM", [SIGPROF] = "SIGPROF", [SIGWINCH] = "SIGWINCH",
	[SIGIO] = "SIGIO", [SIGPWR] = "SIGPWR", [SIGSYS] = "SIGSYS",
};

static const char *signame(int sig)
{
	return sig > 0 && sig < 32 && signal_names[sig] ? signal_names[sig] : "a real-time signal";
}

/* The default action of a fatal signal: the program, and so the VM, ends with 128 + sig. */
static __noreturn void die_by_signal(int sig)
{
	printk_err("husk: program killed by %s (%d)\n", signame(sig), sig);
	proc_exit(HUSK_STATUS_SIGNAL_BASE + sig);
}

static bool has_handler(int sig)
{
	uint64_t h = current_proc()->sigactions[sig - 1].handler;
	return h != (uint64_t)SIG_DFL && h != (uint64_t)SIG_IGN;
}

static struct ksiginfo *info_slot(struct thread *t, int sig)
{
	if (!t->siginfo)
		t->siginfo = kzalloc(KNSIG * sizeof(struct ksiginfo));
	return t->siginfo ? &t->siginfo[sig - 1] : NULL;
}

static void set_pending(struct thread *t, int sig, const struct ksiginfo *info)
{
	struct ksiginfo *slot = info_slot(t, sig);

	/* A standard signal that is already pending is not queued twice. */
	if (!(t->sigpending & SIGBIT(sig)) && slot) {
		if (info)
			*slot = *info;
		else
			*slot = (struct ksiginfo){ .code = SI_KERNEL };
	}
	t->sigpending |= SIGBIT(sig);
	/* signalfd readers and pollers re-check. */
	poll_notify();
}

void signal_fault(struct trapframe *tf, int sig, int code, uint64_t addr)
{
	char what[64];
	struct ksiginfo info = { .code = code, .addr = addr };

	/* A blocked or ignored fault cannot be survived: Linux kills, and so do we. */
	if (has_handler(sig) && !(current->sigmask & SIGBIT(sig))) {
		struct ksiginfo *slot;

		set_pending(current, sig, &info);
		/* The fault's own siginfo wins over a queued kill() of the same signal. */
		slot = info_slot(current, sig);
		if (slot)
			*slot = info;
		return;
	}
	snprintk(what, sizeof(what), "%s, address %016lx", signame(sig), addr);
	dump_user_crash(tf, what);
	die_by_signal(sig);
}

void signal_send_thread(struct thread *t, int sig, const struct ksiginfo *info)
{
	set_pending(t, sig, info);
	if (t->state == THREAD_BLOCKED && !(t->sigmask & SIGBIT(sig)))
		sched_interrupt_thread(t);
}

void signal_send_proc(int sig, const struct ksiginfo *info)
{
	struct list *it;
	struct proc *p = current_proc();

	list_for_each(it, &p->threads) {
		struct thread *t = list_entry(it, struct thread, proc_link);
		if (!(t->sigmask & SIGBIT(sig))) {
			signal_send_thread(t, sig, info);
			return;
		}
	}
	signal_send_thread(list_entry(p->threads.next, struct thread, proc_link), sig, info);
}

void signal_send_self(int sig)
{
	struct ksiginfo info = { .code = SI_KERNEL };
	signal_send_thread(current, sig, &info);
}

/* Pending, unblocked signals that need action; ignored ones are dropped on the way. */
static uint64_t deliverable(void)
{
	uint64_t pending = current->sigpending & ~(current->sigmask & ~SIG_UNBLOCKABLE);
	uint64_t result = 0;

	while (pending) {
		int sig = __builtin_ctzll(pending) + 1;
		pending &= ~SIGBIT(sig);
		uint64_t h = current_proc()->sigactions[sig - 1].handler;
		if (sig != SIGKILL && (h == (uint64_t)SIG_IGN ||
				       (h == (uint64_t)SIG_DFL && (SIG_DEFAULT_IGNORE & SIGBIT(sig)))))
			current->sigpending &= ~SIGBIT(sig);
		else
			result |= SIGBIT(sig);
	}
	return result;
}

bool signal_pending_deliverable(void)
{
	return current->sigpending && deliverable();
}

enum siginfo_layout signal_info_layout(int sig, const struct ksiginfo *info)
{
	switch (sig) {
	case SIGSEGV:
	case SIGBUS:
	case SIGILL:
	case SIGFPE:
	case SIGTRAP:
		if (info->code > 0)
			return SIL_FAULT;
		break;
	}
	return info->code == SI_TIMER ? SIL_TIMER : SIL_KILL;
}

void signal_fill_siginfo(siginfo_t *si, int sig, const struct ksiginfo *info)
{
	memset(si, 0, sizeof(*si));
	si->si_signo = sig;
	si->si_code = info ? info->code : SI_KERNEL;
	if (!info)
		return;
	switch (signal_info_layout(sig, info)) {
	case SIL_FAULT:
		si->si_addr = (void *)info->addr;
		break;
	case SIL_TIMER:
		si->si_tid = info->timerid;
		si->si_overrun = info->overrun;
		si->si_value.sival_ptr = (void *)info->value;
		break;
	case SIL_KILL:
		si->si_pid = info->pid;
		si->si_uid = info->uid;
		si->si_value.sival_ptr = (void *)info->value;
		break;
	}
}

int signal_dequeue(uint64_t set, struct ksiginfo *info)
{
	uint64_t p = current->sigpending & set;
	int sig;

	if (!p)
		return 0;
	sig = __builtin_ctzll(p) + 1;
	current->sigpending &= ~SIGBIT(sig);
	if (info) {
		struct ksiginfo *slot = info_slot(current, sig);
		*info = slot ? *slot : (struct ksiginfo){ .code = SI_KERNEL };
	}
	return sig;
}

/* Builds the handler frame on the user stack and points the registers at the handler. */
static int setup_frame(struct trapframe *tf, int sig, const struct k_sigaction *sa, const struct ksiginfo *info)
{
	struct rt_sigframe frame;
	uint8_t fpu[512] __attribute__((aligned(16)));
	uint64_t sp = tf->rsp, fp_addr, frame_addr;
	bool on_alt = current->altstack_size && sp - current->altstack_sp <= current->altstack_size;

	if ((sa->flags & SA_ONSTACK) && current->altstack_size && !on_alt)
		sp = current->altstack_sp + current->altstack_size;
	else
		sp -= 128;    /* skip the red zone */
	fp_addr = ALIGN_DOWN(sp - sizeof(fpu), 64);
	frame_addr = ALIGN_DOWN(fp_addr - sizeof(frame), 16) - 8;

	memset(&frame, 0, sizeof(frame));
	frame.pretcode = sa->restorer;
	frame.uc.uc_stack.ss_sp = (void *)current->altstack_sp;
	frame.uc.uc_stack.ss_size = current->altstack_size;
	frame.uc.uc_stack.ss_flags = !current->altstack_size ? SS_DISABLE : on_alt ? SS_ONSTACK : 0;
	struct sigcontext *sc = &frame.uc.uc_mcontext;
	sc->r8 = tf->r8, sc->r9 = tf->r9, sc->r10 = tf->r10, sc->r11 = tf->r11;
	sc->r12 = tf->r12, sc->r13 = tf->r13, sc->r14 = tf->r14, sc->r15 = tf->r15;
	sc->rdi = tf->rdi, sc->rsi = tf->rsi, sc->rbp = tf->rbp, sc->rbx = tf->rbx;
	sc->rdx = tf->rdx, sc->rax = tf->rax, sc->rcx = tf->rcx, sc->rsp = tf->rsp;
	sc->rip = tf->rip, sc->eflags = tf->rflags, sc->cs = USER_CS, sc->ss = USER_DS;
	sc->trapno = tf->vector < 32 ? tf->vector : 0;
	sc->err = tf->vector < 32 ? tf->error : 0;
	sc->cr2 = info ? info->addr : 0;
	sc->fpstate = (struct _fpstate_64 *)fp_addr;
	sc->oldmask = current->sigmask;
	frame.uc.uc_sigmask = current->restore_sigmask ? current->saved_sigmask : current->sigmask;
	signal_fill_siginfo(&frame.info, sig, info);
	/* The user's FPU state is live in the CPU: the kernel never touches it. */
	fxsave(fpu);

	if (copy_to_user((void *)fp_addr, fpu, sizeof(fpu)) ||
	    copy_to_user((void *)frame_addr, &frame, sizeof(frame)))
		return -EFAULT;

	tf->rsp = frame_addr;
	tf->rip = sa->handler;
	tf->rdi = sig;
	tf->rsi = frame_addr + offsetof(struct rt_sigframe, info);
	tf->rdx = frame_addr + offsetof(struct rt_sigframe, uc);
	tf->rax = 0;
	tf->rflags &= ~(0x100UL | 0x400UL);   /* TF, DF */
	tf->cs = USER_CS;
	tf->ss = USER_DS;
	if (on_alt == false && (sa->flags & SA_ONSTACK) && (current->altstack_flags & SS_AUTODISARM))
		current->altstack_sp = current->altstack_size = 0;
	return 0;
}

void signal_deliver(struct trapframe *tf)
{
	uint64_t d = deliverable();
	struct k_sigaction *sa;
	struct ksiginfo info;
	int sig;

	if (!d)
		return;
	sig = __builtin_ctzll(d) + 1;
	sa = &current_proc()->sigactions[sig - 1];
	if (sig == SIGKILL || sa->handler == (uint64_t)SIG_DFL)
		die_by_signal(sig);
	signal_dequeue(SIGBIT(sig), &info);
	if (!(sa->flags & SA_RESTORER)) {
		printk_err("husk: %s handler without SA_RESTORER cannot return\n", signame(sig));
		die_by_signal(sig);
	}
	if (setup_frame(tf, sig, sa, &info) < 0) {
		printk_err("husk: cannot write the %s frame on the user stack\n", signame(sig));
		die_by_signal(SIGSEGV);
	}
	current->sigmask |= sa->mask;
	if (!(sa->flags & SA_NODEFER))
		current->sigmask |= SIGBIT(sig);
	current->sigmask &= ~SIG_UNBLOCKABLE;
	current->restore_sigmask = false;
	if (sa->flags & SA_RESETHAND)
		sa->handler = (uint64_t)SIG_DFL;
}

static bool canonical(uint64_t a)
{
	return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}

/*
 * Restores the state the handler frame holds, validated as Linux does: the
 * segments are the user's whatever the frame says, RFLAGS keeps only the
 * bits a program may set (never IOPL, NT, VM or a cleared IF), MXCSR only
 * the bits this CPU accepts.  A non-canonical rip or rsp cannot be returned
 * to: the program gets the signal Linux's failed iret gives it.
 */
long sys_rt_sigreturn(void)
{
	struct trapframe *tf = current->tf;
	struct rt_sigframe frame;
	uint8_t fpu[512] __attribute__((aligned(16)));
	uint64_t frame_addr = tf->rsp - 8;
	const struct sigcontext *sc = &frame.uc.uc_mcontext;

	if (copy_from_user(&frame, (void *)frame_addr, sizeof(frame))) {
		printk_err("husk: rt_sigreturn with a bad frame\n");
		die_by_signal(SIGSEGV);
	}
	tf->r8 = sc->r8, tf->r9 = sc->r9, tf->r10 = sc->r10, tf->r11 = sc->r11;
	tf->r12 = sc->r12, tf->r13 = sc->r13, tf->r14 = sc->r14, tf->r15 = sc->r15;
	tf->rdi = sc->rdi, tf->rsi = sc->rsi, tf->rbp = sc->rbp, tf->rbx = sc->rbx;
	tf->rdx = sc->rdx, tf->rcx = sc->rcx, tf->rsp = sc->rsp, tf->rip = sc->rip;
	tf->rflags = (sc->eflags & USER_RFLAGS_MASK) | RFLAGS_IF | 2;
	tf->cs = USER_CS;
	tf->ss = USER_DS;
	if (sc->fpstate && copy_from_user(fpu, (void *)sc->fpstate, sizeof(fpu)) == 0) {
		/* A bad MXCSR would fault in FXRSTOR: keep only the bits the CPU accepts. */
		uint32_t *mxcsr = (uint32_t *)(fpu + 24);
		*mxcsr &= cpu_mxcsr_mask;
		fxrstor(fpu);
	}
	current->sigmask = frame.uc.uc_sigmask & ~SIG_UNBLOCKABLE;
	/* As the failed iret on Linux: #GP (SIGSEGV) for rip, else #SS (SIGBUS) for rsp. */
	if (!canonical(tf->rip))
		signal_fault(tf, SIGSEGV, SI_KERNEL, 0);
	else if (!canonical(tf->rsp))
		signal_fault(tf, SIGBUS, SI_KERNEL, 0);
	/* The restored rax is this call's result. */
	return sc->rax;
}
