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
#define SIG_STOPPING (SIGBIT(SIGSTOP) | SIGBIT(SIGTSTP) | SIGBIT(SIGTTIN) | SIGBIT(SIGTTOU))
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

/* The default action of a fatal signal: the process ends; for pid 1 the VM ends with 128 + sig. */
static __noreturn void die_by_signal(int sig)
{
	/* Not when another thread's execve ends this one (proc_de_thread). */
	if (current_proc()->pid == 1 && !current_proc()->exec_thread)
		printk_err("husk: program killed by %s (%d)\n", signame(sig), sig);
	proc_kill_self(sig);
}

struct pgrp_send {
	int pgid, sig, sent;
	const struct ksiginfo *info;
};

static int send_one(struct proc *p, void *arg)
{
	struct pgrp_send *s = arg;

	if (p->pgid == s->pgid && !p->zombie) {
		signal_send_proc(p, s->sig, s->info);
		s->sent++;
	}
	return 0;
}

int signal_send_pgrp(int pgid, int sig, const struct ksiginfo *info)
{
	struct pgrp_send s = { pgid, sig, 0, info };

	proc_for_each(send_one, &s);
	return s.sent ? 0 : -ESRCH;
}

const struct k_sigaction *signal_action(struct proc *p, int sig)
{
	return &p->sigactions[sig - 1];
}

bool signal_is_default(struct proc *p, int sig)
{
	return p->sigactions[sig - 1].handler == (uint64_t)SIG_DFL;
}

uint64_t signal_pending_set(void)
{
	return current->sigpending;
}

void signal_exec_reset(struct proc *p)
{
	for (int i = 0; i < KNSIG; i++) {
		struct k_sigaction *sa = &p->sigactions[i];
		if (sa->handler != (uint64_t)SIG_IGN)
			sa->handler = (uint64_t)SIG_DFL;
		sa->flags = 0;
		sa->restorer = 0;
		sa->mask = 0;
	}
}

/* The default action of a stop signal: the process waits until SIGCONT or SIGKILL. */
static void stop_self(int sig)
{
	struct proc *p = current_proc();
	uint64_t mask = current->sigmask;

	proc_stopped(p, sig);
	/* While stopped, only SIGKILL (and SIGCONT, at send time) matter. */
	current->sigmask = ~SIGBIT(SIGKILL);
	while (p->stopped && !(current->sigpending & SIGBIT(SIGKILL)) && !p->exiting)
		waitq_wait(&p->stop_wait, 0);
	current->sigmask = mask;
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

/* Whether p discards sig on arrival: ignored (explicitly or by default) and not SIGKILL. */
static bool ignored(struct proc *p, int sig)
{
	uint64_t h = p->sigactions[sig - 1].handler;

	return sig != SIGKILL && (h == (uint64_t)SIG_IGN ||
				  (h == (uint64_t)SIG_DFL && (SIG_DEFAULT_IGNORE & SIGBIT(sig))));
}

bool signal_ignored_or_blocked(int sig)
{
	return (current->sigmask & SIGBIT(sig)) ||
	       current_proc()->sigactions[sig - 1].handler == (uint64_t)SIG_IGN;
}

void signal_send_thread(struct thread *t, int sig, const struct ksiginfo *info)
{
	/* As on Linux, an ignored signal that is not blocked is dropped at once: it wakes nobody. */
	if (ignored(t->proc, sig) && !(t->sigmask & SIGBIT(sig)))
		return;
	set_pending(t, sig, info);
	if (t->state == THREAD_BLOCKED && !(t->sigmask & SIGBIT(sig)))
		sched_interrupt_thread(t);
}

void signal_send_proc(struct proc *p, int sig, const struct ksiginfo *info)
{
	struct list *it;

	if (list_empty(&p->threads))
		return;      /* a zombie */
	if (sig == SIGCONT || sig == SIGKILL) {
		list_for_each(it, &p->threads)
			list_entry(it, struct thread, proc_link)->sigpending &= ~SIG_STOPPING;
		proc_continued(p);
	} else if (SIG_STOPPING & SIGBIT(sig)) {
		list_for_each(it, &p->threads)
			list_entry(it, struct thread, proc_link)->sigpending &= ~SIGBIT(SIGCONT);
	}
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
	if (sig == SIGCHLD && info->code > 0)
		return SIL_CHLD;
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
	case SIL_CHLD:
		si->si_pid = info->pid;
		si->si_uid = info->uid;
		si->si_status = info->status;
		break;
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

/*
 * System calls that Linux restarts after a signal (ERESTARTSYS): always when
 * no handler runs (the signal stopped the process, or its action did nothing
 * visible), and with SA_RESTART when one does.  husk's blocking calls return
 * -EINTR; these are the ones where that means "interrupted, try again".
 * Sleeps, pause, sigsuspend, poll/select/epoll and sigtimedwait are not
 * here: Linux does not restart them with SA_RESTART either.
 */
static bool restartable(long nr)
{
	switch (nr) {
	case __NR_read: case __NR_write: case __NR_readv: case __NR_writev:
	case __NR_pread64: case __NR_pwrite64: case __NR_preadv: case __NR_pwritev:
	case __NR_preadv2: case __NR_pwritev2:
	case __NR_open: case __NR_openat: case __NR_creat:
	case __NR_wait4: case __NR_waitid:
	case __NR_accept: case __NR_accept4: case __NR_connect:
	case __NR_recvfrom: case __NR_recvmsg: case __NR_sendto: case __NR_sendmsg:
	case __NR_flock: case __NR_fcntl: case __NR_ioctl:
	case __NR_splice: case __NR_tee: case __NR_sendfile:
	case __NR_futex:
		return true;
	default:
		return false;
	}
}

/* A system call interrupted by sig: back to its syscall instruction, or -EINTR as it is. */
static void restart_syscall(struct trapframe *tf, bool handler, const struct k_sigaction *sa)
{
	long nr = current->syscall_nr;

	if (nr < 0 || (int64_t)tf->rax != -EINTR)
		return;
	current->syscall_nr = -1;
	if (!restartable(nr) || (handler && !(sa->flags & SA_RESTART)))
		return;
	tf->rax = nr;
	tf->rip -= 2;      /* the syscall instruction */
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
	if (sig != SIGKILL && sa->handler == (uint64_t)SIG_DFL && (SIG_STOPPING & SIGBIT(sig))) {
		signal_dequeue(SIGBIT(sig), NULL);
		restart_syscall(tf, false, sa);
		stop_self(sig);
		return;
	}
	if (sig == SIGKILL || sa->handler == (uint64_t)SIG_DFL)
		die_by_signal(sig);
	signal_dequeue(SIGBIT(sig), &info);
	if (!(sa->flags & SA_RESTORER)) {
		printk_err("husk: %s handler without SA_RESTORER cannot return\n", signame(sig));
		die_by_signal(sig);
	}
	restart_syscall(tf, true, sa);
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
