/* SPDX-License-Identifier: MIT */
/* sys_pidfd.c: process descriptors: pidfd_open, pidfd_send_signal, CLONE_PIDFD; readable once the process has exited. */
#include "kernel.h"
#include "mm.h"
#include "sched.h"
#include "signal.h"
#include "syscall.h"
#include "vfs.h"
#include <asm-generic/poll.h>
#include <linux/fcntl.h>

#define PIDFD_NONBLOCK O_NONBLOCK

/* A pidfd names a pid; pids are never reused in a VM (they count up), so the number is enough. */
struct pidfd {
	int pid;
};

static ssize_t pidfd_read(struct file *f, void *buf, size_t n, off_t *off)
{
	(void)f; (void)buf; (void)n; (void)off;
	return -EINVAL;
}

static unsigned pidfd_poll(struct file *f)
{
	struct pidfd *pf = f->priv;
	struct proc *p = proc_find(pf->pid);

	/* Readable once the process has exited (zombie or already reaped). */
	return !p || p->zombie ? POLLIN | POLLRDNORM : 0;
}

static void pidfd_release(struct file *f)
{
	kfree(f->priv);
}

static const struct file_ops pidfd_fops = {
	.read = pidfd_read,
	.poll = pidfd_poll,
	.release = pidfd_release,
};

long pidfd_create(int pid, unsigned flags)
{
	struct pidfd *pf = kmalloc(sizeof(*pf));

	if (!pf)
		return -ENOMEM;
	pf->pid = pid;
	/* As on Linux, a pidfd is always close-on-exec. */
	return anon_fd_install("anon_inode:[pidfd]", &pidfd_fops, pf, (flags & PIDFD_NONBLOCK) | O_CLOEXEC);
}

int pidfd_to_pid(int fd)
{
	struct file *f = fd_peek(current_proc()->fdt, fd);

	if (!f || f->ops != &pidfd_fops)
		return -EBADF;
	return ((struct pidfd *)f->priv)->pid;
}

long sys_pidfd_open(int pid, unsigned flags)
{
	struct proc *p;

	if (flags & ~PIDFD_NONBLOCK)
		return -EINVAL;
	if (pid <= 0)
		return -EINVAL;
	p = proc_find(pid);
	if (!p)
		return -ESRCH;
	return pidfd_create(pid, flags);
}

long sys_pidfd_send_signal(int fd, int sig, const void *uinfo, unsigned flags)
{
	struct ksiginfo info = { .code = SI_USER, .pid = current_proc()->pid, .uid = current_proc()->cred.uid };
	int pid = pidfd_to_pid(fd);
	struct proc *p;

	if (flags)
		return -EINVAL;
	if (pid < 0)
		return pid;
	if (sig < 0 || sig > KNSIG)
		return -EINVAL;
	p = proc_find(pid);
	if (!p || p->zombie)
		return -ESRCH;
	if (uinfo) {
		siginfo_t si;
		if (copy_from_user(&si, uinfo, sizeof(si)))
			return -EFAULT;
		if (si.si_signo != sig)
			return -EINVAL;
		/* Only the kernel may claim SI_USER or kernel codes for itself (as rt_sigqueueinfo). */
		if (p != current_proc() && (si.si_code >= 0 || si.si_code == SI_TKILL))
			return -EPERM;
		info = (struct ksiginfo){ .code = si.si_code, .pid = si.si_pid, .uid = si.si_uid,
					  .value = (uint64_t)si.si_value.sival_ptr };
	}
	if (sig)
		signal_send_proc(p, sig, &info);
	return 0;
}
