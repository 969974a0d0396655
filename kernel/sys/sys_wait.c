/* SPDX-License-Identifier: MIT */
/* sys_wait.c: wait4 and waitid: reaping zombies and reporting stopped and continued children. */
#include "kernel.h"
#include "ktime.h"
#include "mm.h"
#include "sched.h"
#include "signal.h"
#include "syscall.h"
#include <linux/resource.h>
#include <linux/wait.h>

#define WAIT_OPTIONS (WNOHANG | WUNTRACED | WEXITED | WCONTINUED | WNOWAIT | __WNOTHREAD | __WALL | __WCLONE)

/* What one wait call found. */
struct wait_result {
	int pid, uid;
	int wstatus;       /* wait4's status word */
	int code, status;  /* waitid's si_code and si_status */
	uint64_t cpu_ns;
};

static bool wanted(const struct proc *c, int idtype, int id, int options)
{
	/* As Linux: by default only children that signal SIGCHLD at exit, with __WCLONE only the others, with __WALL all. */
	if (!(options & __WALL) && ((c->exit_signal == SIGCHLD) == !!(options & __WCLONE)))
		return false;
	switch (idtype) {
	case P_PID:
		return c->pid == id;
	case P_PGID:
		return c->pgid == id;
	default:
		return true;
	}
}

/* Reports child c when it has something for options; reaps a zombie unless WNOWAIT. */
static bool collect(struct proc *c, int options, struct wait_result *r)
{
	r->pid = c->pid;
	r->uid = c->cred.uid;
	r->cpu_ns = c->cpu_ns;
	if (c->zombie) {
		if (!(options & WEXITED))
			return false;
		r->wstatus = c->wait_status;
		if (c->wait_status & 0x7f) {
			r->code = CLD_KILLED;
			r->status = c->wait_status & 0x7f;
		} else {
			r->code = CLD_EXITED;
			r->status = (c->wait_status >> 8) & 0xff;
		}
		if (!(options & WNOWAIT))
			proc_free(c);
		return true;
	}
	if (c->report == 0xffff && (options & WCONTINUED)) {
		r->wstatus = 0xffff;
		r->code = CLD_CONTINUED;
		r->status = SIGCONT;
	} else if (c->report && c->report != 0xffff && c->stopped && (options & WUNTRACED)) {
		r->wstatus = c->report;
		r->code = CLD_STOPPED;
		r->status = (c->report >> 8) & 0xff;
	} else {
		return false;
	}
	if (!(options & WNOWAIT))
		c->report = 0;
	return true;
}

/* Returns the pid reported, 0 (WNOHANG and nothing yet), or -ECHILD / -EINTR. */
static long do_wait(int idtype, int id, int options, struct wait_result *r)
{
	struct proc *self = current_proc();

	for (;;) {
		struct list *it, *next;
		bool any = false;

		for (it = self->children.next; it != &self->children; it = next) {
			struct proc *c = list_entry(it, struct proc, sibling);
			next = it->next;
			if (!wanted(c, idtype, id, options))
				continue;
			any = true;
			if (collect(c, options, r))
				return r->pid;
		}
		if (!any)
			return -ECHILD;
		if (options & WNOHANG)
			return 0;
		if (waitq_wait(&self->child_wait, 0) == -EINTR)
			return -EINTR;
	}
}

long sys_wait4(int pid, int *ustatus, int options, void *urusage)
{
	struct wait_result r;
	int idtype = P_ALL, id = 0;
	long ret;

	if (options & ~(WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD | __WALL | __WCLONE))
		return -EINVAL;
	if (pid == (int)0x80000000)
		return -ESRCH;
	if (pid > 0) {
		idtype = P_PID;
		id = pid;
	} else if (pid == 0) {
		idtype = P_PGID;
		id = current_proc()->pgid;
	} else if (pid < -1) {
		idtype = P_PGID;
		id = -pid;
	}
	memset(&r, 0, sizeof(r));
	ret = do_wait(idtype, id, options | WEXITED, &r);
	if (ret <= 0)
		return ret;
	if (ustatus && copy_to_user(ustatus, &r.wstatus, sizeof(int)))
		return -EFAULT;
	if (urusage) {
		struct rusage ru;
		memset(&ru, 0, sizeof(ru));
		ru.ru_utime.tv_sec = r.cpu_ns / NSEC_PER_SEC;
		ru.ru_utime.tv_usec = (r.cpu_ns % NSEC_PER_SEC) / 1000;
		if (copy_to_user(urusage, &ru, sizeof(ru)))
			return -EFAULT;
	}
	return ret;
}

long sys_waitid(int idtype, int id, void *uinfo, int options, void *urusage)
{
	struct wait_result r;
	siginfo_t si;
	long ret;

	if (options & ~WAIT_OPTIONS)
		return -EINVAL;
	if (!(options & (WEXITED | WUNTRACED | WCONTINUED)))
		return -EINVAL;
	if (idtype == P_PGID && id == 0)
		id = current_proc()->pgid;
	if (idtype == P_PIDFD) {
		id = pidfd_to_pid(id);
		if (id < 0)
			return id;
		idtype = P_PID;
	}
	if (idtype != P_ALL && idtype != P_PID && idtype != P_PGID)
		return -EINVAL;
	if (idtype != P_ALL && id <= 0)
		return -EINVAL;
	memset(&r, 0, sizeof(r));
	ret = do_wait(idtype, id, options, &r);
	if (ret < 0)
		return ret;
	memset(&si, 0, sizeof(si));
	if (ret > 0) {
		si.si_signo = SIGCHLD;
		si.si_code = r.code;
		si.si_pid = r.pid;
		si.si_uid = r.uid;
		si.si_status = r.status;
	}
	if (uinfo && copy_to_user(uinfo, &si, sizeof(si)))
		return -EFAULT;
	if (urusage) {
		struct rusage ru;
		memset(&ru, 0, sizeof(ru));
		if (copy_to_user(urusage, &ru, sizeof(ru)))
			return -EFAULT;
	}
	return 0;
}
