/* SPDX-License-Identifier: MIT */
/* sched.h: processes, threads, the scheduler and wait queues. */
#ifndef SCHED_H
#define SCHED_H

#include "kernel.h"
#include "mm.h"
#include "arch/context.h"   /* struct trapframe, the FPU state (kernel/arch/ARCH/include) */

struct fdtable;
struct inode;

#define KNSIG 64

struct k_sigaction {
	uint64_t handler;
	uint64_t flags;
	uint64_t restorer;
	uint64_t mask;
};

/* User and group identities: real, effective, saved, file-system. */
struct cred {
	unsigned uid, euid, suid, fsuid;
	unsigned gid, egid, sgid, fsgid;
	unsigned groups[32];
	int ngroups;
};

/* A wait queue of blocked threads. */
struct waitq {
	struct list waiters;
};
#define WAITQ_INIT(name) { LIST_INIT((name).waiters) }
static inline void waitq_init(struct waitq *q) { list_init(&q->waiters); }

/*
 * A process: an address space, descriptors and signal actions shared by its
 * threads, and its place in the process tree.  pid 1 is the program husk
 * started: when it exits the VM ends with its status.  A process that exits
 * stays a zombie (state and wait_status kept, everything else released)
 * until its parent reaps it with wait4/waitid.
 */
struct proc {
	int pid;                        /* = the tid of its first thread */
	struct proc *parent;            /* NULL only for pid 1 */
	struct list children;           /* its children (struct proc sibling) */
	struct list sibling;            /* in parent->children */
	struct list all_link;           /* in the list of every process */
	int pgid, sid;                  /* process group and session */
	bool zombie;                    /* exited, waiting to be reaped */
	bool autoreap;                  /* freed with its last thread: nobody will wait for it */
	bool subreaper;                 /* PR_SET_CHILD_SUBREAPER: orphans below it come here */
	bool stopped;                   /* stopped by SIGSTOP/SIGTSTP/SIGTTIN/SIGTTOU */
	int report;                     /* a stop or continue not yet reported to wait: its wait status, or 0 */
	int wait_status;                /* Linux wait status once it exited (or was killed) */
	int exit_signal;                /* sent to the parent at exit (SIGCHLD, or 0) */
	struct thread *vfork_waiter;    /* the parent thread suspended by CLONE_VFORK, until exec or exit */
	struct waitq child_wait;        /* threads in wait4/waitid for its children */
	struct waitq stop_wait;         /* its threads while stopped */
	struct vm *vm;
	struct fdtable *fdt;
	struct inode *cwd;
	struct list fs_peers;           /* CLONE_FS: the other processes sharing cwd and umask (proc_set_cwd) */
	char *exe_path;                 /* absolute path of the executable, for /proc/self/exe */
	struct inode *exe;              /* the executable itself */
	uint64_t exe_bias;              /* load bias of a position-independent executable */
	struct k_sigaction sigactions[KNSIG];
	struct list threads;
	int nr_threads;
	uint64_t auxv[64];              /* copy of the auxiliary vector, for /proc/self/auxv */
	int nr_auxv;
	char *cmdline;                  /* argv joined by NULs, for /proc/self/cmdline */
	size_t cmdline_len;
	unsigned umask;
	struct cred cred;               /* starts as root: all zero */
	uint64_t cpu_ns;                /* CPU time of all its threads, living and gone */
	int nice;                       /* -20..19, for getpriority/setpriority */
	void *timers;                   /* alarm and POSIX timers (time/timers.c), NULL until first used */
	struct sem_undo_list *semundo;  /* its SEM_UNDO adjustments (ipc/sem.c), shared with CLONE_SYSVSEM; NULL until first used */
	bool exiting;                   /* exit_group or a fatal signal: every thread is ending */
	struct thread *exec_thread;     /* a thread in execve waiting for the others to end (proc_de_thread) */
	int exit_status;                /* the VM's status when pid 1 ends this way */
};

enum thread_state { THREAD_RUNNABLE, THREAD_BLOCKED, THREAD_DEAD };

struct thread {
	int tid;
	struct proc *proc;
	enum thread_state state;
	struct list runq_link;          /* in the run queue when runnable */
	struct list proc_link;          /* in proc->threads */
	struct list wait_link;          /* in a waitq while blocked */
	struct waitq *waiting_on;
	uint64_t wake_deadline;         /* ns, 0 = none; in the timer list when set */
	struct list timer_link;
	int wake_reason;                /* 0 woken, -ETIMEDOUT, -EINTR */
	uint64_t ksp;                   /* saved kernel stack pointer while switched out */
	void *kstack;                   /* base of the kernel stack */
	struct trapframe *tf;           /* user state, at the top of the kernel stack */
	uint64_t fs_base, gs_base;
	uint8_t fpu[ARCH_FPU_SIZE] __attribute__((aligned(ARCH_FPU_ALIGN)));  /* arch_fpu_save area */
	uint64_t clear_child_tid;       /* CLONE_CHILD_CLEARTID / set_tid_address */
	uint64_t robust_list;
	uint64_t sigmask;
	uint64_t sigpending;
	struct ksiginfo *siginfo;       /* per pending signal, allocated on first use */
	uint64_t saved_sigmask;         /* restored after a handler when sigsuspend set a temporary mask */
	bool restore_sigmask;
	uint64_t altstack_sp, altstack_size;
	int altstack_flags;
	uint64_t cpu_ns;                /* time spent running, for clock_gettime(CLOCK_THREAD_CPUTIME_ID) */
	uint64_t rseq;                  /* registered struct rseq (user address) or 0 */
	uint32_t rseq_len, rseq_sig;
	int policy;                     /* SCHED_OTHER, SCHED_FIFO, ... */
	int rt_priority;                /* 1..99 for SCHED_FIFO/RR: runs before every lower one */
	bool vfork_pending;             /* suspended by CLONE_VFORK until the child execs or exits */
	bool free_proc;                 /* the last thread of an autoreaped process: frees it when reaped */
	long syscall_nr;                /* the system call returning to user mode now, else -1 (restarts, signal.c) */
};

extern struct thread *current;
static inline struct proc *current_proc(void) { return current->proc; }

/* sched/sched.c */
void sched_init(void);
/* Creates a thread of proc that starts in user mode with the given register state. */
struct thread *thread_create(struct proc *proc, const struct trapframe *tf);
void thread_exit(int status) __noreturn;
void sched_wakeup(struct thread *t, int reason);
/* Gives up the CPU; returns when this thread is scheduled again. */
void schedule(void);
void sched_yield_now(void);
/* Called from the timer interrupt. */
void sched_tick(void);
/* Switches from the boot stack to the first runnable thread; never returns. */
void sched_start(void) __noreturn;
/* Before sched_start (boot): waits, interrupts on, for the next interrupt (a device, a kernel timer). */
void sched_wait_interrupt(void);
/* The thread of the current process with this id, or NULL. */
struct thread *thread_find(int tid);
/* CPU time consumed so far (ns): by one thread, by the whole process. */
uint64_t thread_cpu_ns(struct thread *t);
uint64_t proc_cpu_ns(struct proc *p);
/* Wakes t from any sleep with -EINTR (a signal arrived). */
void sched_interrupt_thread(struct thread *t);

/*
 * Kernel timers: fn runs from the timer interrupt (interrupts off) once
 * the monotonic clock reaches deadline.  A timer may re-add itself.
 */
struct ktimer {
	struct list link;
	uint64_t deadline;            /* 0 when not queued */
	void (*fn)(struct ktimer *t);
};
void ktimer_add(struct ktimer *t, uint64_t deadline_ns);
void ktimer_cancel(struct ktimer *t);

/* sched/proc.c: the process tree. */
/* Makes p the first process (pid 1, its own group and session). */
void proc_init_first(struct proc *p);
/* The living or zombie process with this pid, or NULL. */
struct proc *proc_find(int pid);
/* Whether process group pgid exists in session sid (any session when sid < 0; tcsetpgrp's check). */
bool proc_pgrp_in_session(int pgid, int sid);
/* Whether process group pgid is orphaned: no member has a parent in another group of the same session. */
bool proc_pgrp_orphaned(int pgid);
/* The n-th process in pid order of creation (for listing /proc), or NULL. */
struct proc *proc_nth(size_t n);
/* The thread with this id in any process, or NULL. */
struct thread *thread_find_any(int tid);
/* Calls fn on every process (zombies included) until it returns non-zero; returns that. */
int proc_for_each(int (*fn)(struct proc *p, void *arg), void *arg);
/*
 * Ends the current process (exit_group): every thread ends, then the
 * process becomes a zombie that its parent reaps.  status is the exit code;
 * proc_kill_self ends it as killed by sig.  When pid 1 ends, the VM exits
 * with its code (128 + sig when killed).
 */
void proc_exit(int status) __noreturn;
void proc_kill_self(int sig) __noreturn;
/* Called by thread_exit when the last thread of p is gone. */
void proc_last_thread_gone(struct proc *p, int status);
/* Frees a zombie whose last thread is gone (after its parent reaped it, or autoreap). */
void proc_free(struct proc *p);
/* A new process for clone without CLONE_THREAD; returns its pid or -errno. */
long proc_fork(uint64_t flags, uint64_t stack, int *ptid, int *ctid, uint64_t tls, int *pidfd);
/* sys/sys_pidfd.c: a new pidfd for pid in the current process (flags: O_NONBLOCK), or -errno;
 * the pid a pidfd names, or -EBADF. */
long pidfd_create(int pid, unsigned flags);
int pidfd_to_pid(int fd);
/* chdir/fchdir and umask of p: also for the processes that share them with CLONE_FS.
 * proc_set_cwd takes over the caller's reference to dir. */
void proc_set_cwd(struct proc *p, struct inode *dir);
void proc_set_umask(struct proc *p, unsigned mask);
/*
 * execve in a process with several threads (Linux's de_thread): every other
 * thread is killed quietly and waited for; the caller then takes the
 * process's pid as its tid.  0, or -EAGAIN/-EINTR when the process is
 * exiting meanwhile (the caller then dies with it).
 */
int proc_de_thread(struct proc *p);
/* The parent suspended by CLONE_VFORK may go on (exec or exit of p). */
void proc_vfork_release(struct proc *p);
/* Stop/continue bookkeeping for job control (signal.c): notifies the parent. */
void proc_stopped(struct proc *p, int sig);
void proc_continued(struct proc *p);

/* time/timers.c: cancels and frees the timers of a process that ends. */
void timers_proc_exit(struct proc *p);

/* sched/rseq.c: restartable sequences.  Called before returning to user
 * mode after the thread was interrupted (preempted or given a signal):
 * moves tf->rip to the abort handler when it was inside a critical section.
 * Returns false when the rseq area is unusable (the caller kills the program). */
bool rseq_fixup(struct trapframe *tf);

/* sched/futex.c */
long futex_wake(uint32_t *uaddr, int n, uint32_t bitset);
extern bool need_resched;

/*
 * Blocks the current thread on q until woken, until deadline_ns (monotonic,
 * 0 = forever) or until a signal is pending.  Returns 0, -ETIMEDOUT or
 * -EINTR.  The caller re-checks its condition afterwards.
 */
int waitq_wait(struct waitq *q, uint64_t deadline_ns);
void waitq_wake_one(struct waitq *q);
void waitq_wake_all(struct waitq *q);

/*
 * Poll support: anything whose readiness changes (a pipe gets data, a
 * socket closes) calls poll_notify(); threads in poll/select/epoll wait on
 * poll_waitq and re-check their descriptors.
 */
extern struct waitq poll_waitq;
void poll_notify(void);
/* Counts poll_notify() calls: a change since a reader last looked means "something happened". */
extern uint64_t poll_generation;

#endif
