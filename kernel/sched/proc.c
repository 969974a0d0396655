/* SPDX-License-Identifier: MIT */
/* proc.c: the process tree: fork, exit, zombies, re-parenting of orphans, vfork, and stop/continue reports. */
#include "kernel.h"
#include "husk/abi.h"
#include "ipc.h"
#include "mm.h"
#include "sched.h"
#include "signal.h"
#include "syscall.h"
#include "vfs.h"
#include "../arch/x86_64/x86.h"
#include <linux/sched.h>
#include <linux/wait.h>

static struct list all_procs = LIST_INIT(all_procs);
static struct proc *init_proc;

void proc_init_first(struct proc *p)
{
	p->pgid = p->sid = p->pid;
	p->exit_signal = SIGCHLD;
	list_init(&p->children);
	list_init(&p->sibling);
	list_init(&p->fs_peers);
	waitq_init(&p->child_wait);
	waitq_init(&p->stop_wait);
	list_add_tail(&all_procs, &p->all_link);
	init_proc = p;
}

struct proc *proc_find(int pid)
{
	struct list *it;

	if (pid <= 0)
		return NULL;
	list_for_each(it, &all_procs) {
		struct proc *p = list_entry(it, struct proc, all_link);
		if (p->pid == pid)
			return p;
	}
	return NULL;
}

struct proc *proc_nth(size_t n)
{
	struct list *it;

	list_for_each(it, &all_procs)
		if (n-- == 0)
			return list_entry(it, struct proc, all_link);
	return NULL;
}

struct thread *thread_find_any(int tid)
{
	struct list *it, *t;

	list_for_each(it, &all_procs) {
		struct proc *p = list_entry(it, struct proc, all_link);
		list_for_each(t, &p->threads) {
			struct thread *th = list_entry(t, struct thread, proc_link);
			if (th->tid == tid)
				return th;
		}
	}
	return NULL;
}

int proc_for_each(int (*fn)(struct proc *p, void *arg), void *arg)
{
	struct list *it, *next;
	int r;

	for (it = all_procs.next; it != &all_procs; it = next) {
		next = it->next;
		r = fn(list_entry(it, struct proc, all_link), arg);
		if (r)
			return r;
	}
	return 0;
}

struct pgrp_find {
	int pgid, sid;
};

static int in_session(struct proc *p, void *arg)
{
	struct pgrp_find *f = arg;
	return p->pgid == f->pgid && (f->sid < 0 || p->sid == f->sid) && !p->zombie;
}

bool proc_pgrp_in_session(int pgid, int sid)
{
	struct pgrp_find f = { pgid, sid };
	return proc_for_each(in_session, &f) != 0;
}

static int keeps_pgrp(struct proc *p, void *arg)
{
	int pgid = *(int *)arg;
	struct proc *q = p->parent;

	return p->pgid == pgid && !p->zombie && q && q->pgid != pgid && q->sid == p->sid;
}

bool proc_pgrp_orphaned(int pgid)
{
	return proc_for_each(keeps_pgrp, &pgid) == 0;
}

/* ---- fork ---- */

static int copy_identity(struct proc *p, const struct proc *parent)
{
	p->umask = parent->umask;
	p->cred = parent->cred;
	p->nice = parent->nice;
	memcpy(p->sigactions, parent->sigactions, sizeof(p->sigactions));
	memcpy(p->auxv, parent->auxv, sizeof(p->auxv));
	p->nr_auxv = parent->nr_auxv;
	p->pgid = parent->pgid;
	p->sid = parent->sid;
	p->exe_bias = parent->exe_bias;
	p->cwd = parent->cwd;
	if (p->cwd)
		inode_ref(p->cwd);
	p->exe = parent->exe;
	if (p->exe) {
		inode_ref(p->exe);
		p->exe->deny_write++;
	}
	if (parent->exe_path && !(p->exe_path = kstrdup(parent->exe_path)))
		return -ENOMEM;
	if (parent->cmdline) {
		p->cmdline = kmalloc(parent->cmdline_len + 1);
		if (!p->cmdline)
			return -ENOMEM;
		memcpy(p->cmdline, parent->cmdline, parent->cmdline_len + 1);
		p->cmdline_len = parent->cmdline_len;
	}
	return 0;
}

/* Releases what a process holds besides its struct and its place in the tree. */
static void release_resources(struct proc *p)
{
	if (p->fdt) {
		fdtable_unref(p->fdt);
		p->fdt = NULL;
	}
	if (p->vm) {
		/* Never free the page tables the CPU is using. */
		if (current && current->proc == p)
			pt_activate_kernel();
		vm_destroy(p->vm);
		p->vm = NULL;
	}
	if (p->cwd) {
		inode_unref(p->cwd);
		p->cwd = NULL;
	}
	list_del(&p->fs_peers);
	list_init(&p->fs_peers);
	if (p->exe) {
		p->exe->deny_write--;
		inode_unref(p->exe);
		p->exe = NULL;
	}
}

long proc_fork(uint64_t flags, uint64_t stack, int *ptid, int *ctid, uint64_t tls, int *pidfd)
{
	struct proc *parent = current_proc(), *p;
	struct trapframe tf = *current->tf;
	struct thread *t;
	int err = -ENOMEM;

	if ((flags & CLONE_SIGHAND) && !(flags & CLONE_VM))
		return -EINVAL;
	if ((flags & CLONE_PIDFD) && (!user_ok(pidfd, sizeof(int), true) || (flags & CLONE_THREAD)))
		return -EINVAL;
	if ((flags & CLONE_PARENT) && !parent->parent)
		return -EINVAL;   /* pid 1 has no parent to share */
	if ((flags & CLONE_PARENT_SETTID) && !user_ok(ptid, sizeof(int), true))
		return -EFAULT;
	p = kzalloc(sizeof(*p));
	if (!p)
		return -ENOMEM;
	list_init(&p->threads);
	list_init(&p->children);
	list_init(&p->fs_peers);
	waitq_init(&p->child_wait);
	waitq_init(&p->stop_wait);
	p->exit_signal = flags & 0xff;
	if (copy_identity(p, parent) < 0)
		goto err_free;
	if (flags & CLONE_VM) {
		p->vm = parent->vm;
		p->vm->refs++;
	} else if (!(p->vm = vm_fork(parent->vm))) {
		goto err_free;
	}
	if (flags & CLONE_FS)
		list_add_tail(&parent->fs_peers, &p->fs_peers);
	if (flags & CLONE_FILES) {
		p->fdt = parent->fdt;
		p->fdt->refs++;
	} else if (!(p->fdt = fdtable_dup(parent->fdt))) {
		goto err_free;
	}
	if (sem_clone(parent, p, flags & CLONE_SYSVSEM) < 0)
		goto err_free;
	if ((flags & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID)) && !vm_find(p->vm, (uint64_t)ctid)) {
		err = -EFAULT;
		goto err_free;
	}

	tf.rax = 0;
	if (stack)
		tf.rsp = stack;
	t = thread_create(p, &tf);
	if (!t)
		goto err_free;
	p->pid = t->tid;
	fxsave(t->fpu);   /* the parent's live FPU state */
	t->fs_base = flags & CLONE_SETTLS ? tls : current->fs_base;
	t->gs_base = current->gs_base;
	t->sigmask = current->sigmask;
	t->altstack_sp = current->altstack_sp;
	t->altstack_size = current->altstack_size;
	t->altstack_flags = current->altstack_flags;
	t->policy = current->policy;
	t->rt_priority = current->rt_priority;
	t->rseq = current->rseq;
	t->rseq_len = current->rseq_len;
	t->rseq_sig = current->rseq_sig;
	if (flags & CLONE_CHILD_CLEARTID)
		t->clear_child_tid = (uint64_t)ctid;
	if (flags & CLONE_CHILD_SETTID) {
		int tid = t->tid;
		/* Into the child's memory: after a copy-on-write fork that is not the parent's. */
		vm_write(p->vm, (uint64_t)ctid, &tid, sizeof(tid));
	}
	/* The child exists now: as on Linux, a tid that cannot be stored is not an error. */
	if (flags & CLONE_PARENT_SETTID)
		(void)copy_to_user(ptid, &t->tid, sizeof(int));
	if (flags & CLONE_PIDFD) {
		/* The child exists now; a descriptor that cannot be made leaves it running, as Linux cannot fail here either. */
		long fd = pidfd_create(p->pid, 0);
		int ufd = fd >= 0 ? (int)fd : -1;

		(void)copy_to_user(pidfd, &ufd, sizeof(ufd));
	}

	p->parent = (flags & CLONE_PARENT) ? parent->parent : parent;
	list_add_tail(&p->parent->children, &p->sibling);
	list_add_tail(&all_procs, &p->all_link);

	if (flags & CLONE_VFORK) {
		uint64_t mask = current->sigmask;
		int pid = p->pid;

		p->vfork_waiter = current;
		current->vfork_pending = true;
		/* Only SIGKILL may interrupt the wait (and then the child still holds us). */
		current->sigmask = ~SIGBIT(SIGKILL);
		while (current->vfork_pending) {
			waitq_wait(&parent->child_wait, 0);
			if (current->sigpending & SIGBIT(SIGKILL)) {
				/* The child is alive (it clears vfork_pending when it goes). */
				p->vfork_waiter = NULL;
				current->vfork_pending = false;
			}
		}
		current->sigmask = mask;
		return pid;
	}
	return p->pid;

err_free:
	sem_proc_exit(p);   /* a share of the parent's SEM_UNDO list, never the last */
	release_resources(p);
	kfree(p->exe_path);
	kfree(p->cmdline);
	kfree(p);
	return err;
}

void proc_vfork_release(struct proc *p)
{
	struct thread *w = p->vfork_waiter;

	if (!w)
		return;
	p->vfork_waiter = NULL;
	w->vfork_pending = false;
	waitq_wake_all(&w->proc->child_wait);
}

static void set_cwd_one(struct proc *p, struct inode *dir)
{
	inode_ref(dir);
	if (p->cwd)
		inode_unref(p->cwd);
	p->cwd = dir;
}

void proc_set_cwd(struct proc *p, struct inode *dir)
{
	struct list *it;

	set_cwd_one(p, dir);
	list_for_each(it, &p->fs_peers)
		set_cwd_one(list_entry(it, struct proc, fs_peers), dir);
	inode_unref(dir);
}

void proc_set_umask(struct proc *p, unsigned mask)
{
	struct list *it;

	p->umask = mask;
	list_for_each(it, &p->fs_peers)
		list_entry(it, struct proc, fs_peers)->umask = mask;
}

/* ---- exit ---- */

/* Where the orphans of p go: the nearest subreaper above it, else pid 1. */
static struct proc *reaper_for(struct proc *p)
{
	for (struct proc *a = p->parent; a; a = a->parent)
		if (a->subreaper && !a->zombie)
			return a;
	return init_proc;
}

/* Tells p's parent that p changed state: SIGCHLD (with code) and a wake-up of its waiters. */
static void notify_parent(struct proc *p, int sig, int code, int status)
{
	struct proc *parent = p->parent;
	struct ksiginfo info = { .code = code, .pid = p->pid, .uid = p->cred.uid, .status = status };

	if (!parent)
		return;
	if (sig && !parent->zombie && !list_empty(&parent->threads))
		signal_send_proc(parent, sig, &info);
	waitq_wake_all(&parent->child_wait);
}

static void do_exit(struct proc *p, int wait_status)
{
	struct list *it;

	if (p->exiting)
		return;
	p->exiting = true;
	p->wait_status = wait_status;
	/* The other threads end on their way back to user mode; wake the sleeping ones. */
	list_for_each(it, &p->threads) {
		struct thread *t = list_entry(it, struct thread, proc_link);
		if (t != current)
			signal_send_thread(t, SIGKILL, NULL);
	}
}

void proc_exit(int status)
{
	struct proc *p = current_proc();

	if (p == init_proc)
		machine_exit(status);
	do_exit(p, (status & 0xff) << 8);
	thread_exit(status);
}

void proc_kill_self(int sig)
{
	struct proc *p = current_proc();

	/* Killed by another thread's execve: this thread alone ends, the process goes on. */
	if (p->exec_thread && p->exec_thread != current && !p->exiting)
		thread_exit(0);

	if (p == init_proc)
		machine_exit(HUSK_STATUS_SIGNAL_BASE + sig);
	do_exit(p, sig & 0x7f);
	thread_exit(0);
}

int proc_de_thread(struct proc *p)
{
	struct list *it;

	if (p->nr_threads == 1)
		return 0;
	if (p->exiting || p->exec_thread)
		return -EAGAIN;     /* exit_group or another thread's execve got there first */
	p->exec_thread = current;
	list_for_each(it, &p->threads) {
		struct thread *t = list_entry(it, struct thread, proc_link);
		if (t != current)
			signal_send_thread(t, SIGKILL, NULL);
	}
	/* They end on their way back to user mode, sleepers woken by the SIGKILL. */
	while (p->nr_threads > 1 && !p->exiting)
		sched_yield_now();
	p->exec_thread = NULL;
	if (p->exiting)
		return -EINTR;
	/* The survivor becomes the leader: its tid is the pid (the leader's tid is free now). */
	current->tid = p->pid;
	return 0;
}

void proc_last_thread_gone(struct proc *p, int status)
{
	struct list *it, *next;
	struct proc *reaper;
	const struct k_sigaction *sa;
	int code;

	if (p == init_proc)
		machine_exit(p->exiting ? p->exit_status : status);
	if (!p->exiting)
		p->wait_status = (status & 0xff) << 8;
	proc_vfork_release(p);
	timers_proc_exit(p);
	release_resources(p);
	sem_proc_exit(p);
	reclock_close(p, NULL);
	if (p->sid == p->pid)
		pty_session_ended(p->sid);

	/* Orphans go to the reaper; zombies among them are announced there. */
	reaper = reaper_for(p);
	for (it = p->children.next; it != &p->children; it = next) {
		struct proc *c = list_entry(it, struct proc, sibling);
		next = it->next;
		list_del(&c->sibling);
		c->parent = reaper;
		list_add_tail(&reaper->children, &c->sibling);
		if (c->zombie)
			notify_parent(c, c->exit_signal, CLD_EXITED, 0);
	}

	p->zombie = true;
	poll_notify();     /* pidfds turn readable */
	code = (p->wait_status & 0x7f) ? CLD_KILLED : CLD_EXITED;
	sa = signal_action(p->parent, SIGCHLD);
	/* A parent that ignores SIGCHLD or set SA_NOCLDWAIT never sees its children as zombies. */
	if (sa->handler == (uint64_t)SIG_IGN || (sa->flags & SA_NOCLDWAIT)) {
		p->autoreap = true;
		list_del(&p->sibling);
		list_init(&p->sibling);
		waitq_wake_all(&p->parent->child_wait);
		return;
	}
	notify_parent(p, p->exit_signal, code,
		      code == CLD_KILLED ? (p->wait_status & 0x7f) : (p->wait_status >> 8) & 0xff);
}

void proc_free(struct proc *p)
{
	list_del(&p->sibling);
	list_del(&p->all_link);
	kfree(p->exe_path);
	kfree(p->cmdline);
	kfree(p);
}

/* ---- job control ---- */

void proc_stopped(struct proc *p, int sig)
{
	const struct k_sigaction *sa;

	p->stopped = true;
	p->report = (sig << 8) | 0x7f;
	if (!p->parent)
		return;
	sa = signal_action(p->parent, SIGCHLD);
	notify_parent(p, (sa->flags & SA_NOCLDSTOP) ? 0 : SIGCHLD, CLD_STOPPED, sig);
}

void proc_continued(struct proc *p)
{
	const struct k_sigaction *sa;

	if (!p->stopped)
		return;
	p->stopped = false;
	p->report = 0xffff;
	waitq_wake_all(&p->stop_wait);
	if (!p->parent)
		return;
	sa = signal_action(p->parent, SIGCHLD);
	notify_parent(p, (sa->flags & SA_NOCLDSTOP) ? 0 : SIGCHLD, CLD_CONTINUED, SIGCONT);
}
