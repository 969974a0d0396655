/* SPDX-License-Identifier: MIT */
/* flock.c: flock(2) whole-file locks, owned by open file descriptions and released on their last close. */
#include "kernel.h"
#include "sched.h"
#include "syscall.h"
#include "vfs.h"
#include <linux/fcntl.h>

/* LOCK_* from <asm-generic/fcntl.h> (not exported to user space by every header set). */
#ifndef LOCK_SH
#define LOCK_SH 1
#define LOCK_EX 2
#define LOCK_NB 4
#define LOCK_UN 8
#endif

/*
 * One lock: an open file description holding LOCK_SH or LOCK_EX on an
 * inode.  As on Linux, two descriptions conflict even in one process
 * (two open()s of one file), while dup'ed descriptors share the lock.
 * The VM has few locks, so they sit in one list; the hook on the file's
 * release list drops the lock when the description goes away.
 */
struct flock_entry {
	struct list link;          /* in all_locks */
	struct file_hook hook;     /* on file->release_hooks */
	struct file *file;
	struct inode *inode;
	int type;                  /* LOCK_SH or LOCK_EX */
};

static struct list all_locks = LIST_INIT(all_locks);
static struct waitq flock_waitq = WAITQ_INIT(flock_waitq);

static struct flock_entry *find_own(struct file *f)
{
	struct list *it;

	list_for_each(it, &all_locks) {
		struct flock_entry *e = list_entry(it, struct flock_entry, link);

		if (e->file == f)
			return e;
	}
	return NULL;
}

static bool conflicts(struct file *f, int type)
{
	struct list *it;

	list_for_each(it, &all_locks) {
		struct flock_entry *e = list_entry(it, struct flock_entry, link);

		if (e->inode == f->inode && e->file != f && (type == LOCK_EX || e->type == LOCK_EX))
			return true;
	}
	return false;
}

static void drop(struct flock_entry *e)
{
	list_del(&e->link);
	list_del(&e->hook.link);
	kfree(e);
	waitq_wake_all(&flock_waitq);
}

static void on_release(struct file_hook *h, struct file *f)
{
	struct flock_entry *e = container_of(h, struct flock_entry, hook);

	(void)f;
	/* file_unref already took the hook off its list. */
	list_del(&e->link);
	kfree(e);
	waitq_wake_all(&flock_waitq);
}

long sys_flock(int fd, unsigned cmd)
{
	struct file *f = fd_get(current_proc()->fdt, fd);
	int type = cmd & ~LOCK_NB;
	struct flock_entry *e;
	long err;

	err = -EBADF;
	if (!f || (f->flags & O_PATH) || !f->inode)
		goto out;
	err = -EINVAL;
	if (type != LOCK_SH && type != LOCK_EX && type != LOCK_UN)
		goto out;
	e = find_own(f);
	err = 0;
	if (type == LOCK_UN) {
		if (e)
			drop(e);
		goto out;
	}
	if (e && e->type == type)
		goto out;
	/* A conversion is not atomic on Linux either: the old lock goes first. */
	if (e)
		drop(e);
	/* fd_get's reference keeps the description if another thread closes fd
	 * while this one sleeps; the lock then goes with its last reference. */
	while (conflicts(f, type)) {
		err = -EWOULDBLOCK;
		if (cmd & LOCK_NB)
			goto out;
		err = waitq_wait(&flock_waitq, 0);
		if (err == -EINTR)
			goto out;
	}
	err = -ENOLCK;
	e = kzalloc(sizeof(*e));
	if (!e)
		goto out;
	e->file = f;
	e->inode = f->inode;
	e->type = type;
	e->hook.fn = on_release;
	list_add_tail(&all_locks, &e->link);
	list_add_tail(&f->release_hooks, &e->hook.link);
	err = 0;
out:
	fput(f);
	return err;
}
