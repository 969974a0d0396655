/* SPDX-License-Identifier: MIT */
/* reclock.c: POSIX record locks (fcntl F_SETLK, F_SETLKW, F_GETLK) owned by processes, and open-file-description locks (F_OFD_*). */
#include "kernel.h"
#include "mm.h"
#include "sched.h"
#include "syscall.h"
#include "vfs.h"
#include <linux/fcntl.h>
#include <linux/fs.h>

#define OFFSET_MAX ((uint64_t)INT64_MAX)

/*
 * One locked range [start, end] of an inode.  A classic POSIX lock belongs
 * to a process (owner = the proc, pid its pid) and goes when that process
 * closes any descriptor of the file or exits; an OFD lock belongs to an open
 * file description (owner = the file, pid -1) and goes with its last close.
 * Locks of one owner never overlap: setting a range replaces what the owner
 * held there.  The VM has few locks, so they sit in one list.
 */
struct rlock {
	struct list link;          /* in all_rlocks */
	struct file_hook hook;     /* OFD locks: on file->release_hooks */
	struct inode *inode;
	const void *owner;
	bool ofd;
	int pid;
	int type;                  /* F_RDLCK or F_WRLCK */
	uint64_t start, end;       /* inclusive */
};

static struct list all_rlocks = LIST_INIT(all_rlocks);
static struct waitq rlock_waitq = WAITQ_INIT(rlock_waitq);

static void rlock_free(struct rlock *l)
{
	list_del(&l->link);
	if (l->ofd)
		list_del(&l->hook.link);
	kfree(l);
}

static void rlock_on_release(struct file_hook *h, struct file *f)
{
	struct rlock *l = container_of(h, struct rlock, hook);

	(void)f;
	/* file_unref already took the hook off its list. */
	list_del(&l->link);
	kfree(l);
	waitq_wake_all(&rlock_waitq);
}

static struct rlock *rlock_new(const struct rlock *tmpl, struct file *f)
{
	struct rlock *l = kmalloc(sizeof(*l));

	if (!l)
		return NULL;
	*l = *tmpl;
	list_add_tail(&all_rlocks, &l->link);
	if (l->ofd) {
		l->hook.fn = rlock_on_release;
		list_add_tail(&f->release_hooks, &l->hook.link);
	}
	return l;
}

/* The first lock of another owner that a lock of type over [start, end] would conflict with. */
static struct rlock *conflict(struct inode *ino, const void *owner, int type, uint64_t start, uint64_t end)
{
	struct list *it;

	list_for_each(it, &all_rlocks) {
		struct rlock *l = list_entry(it, struct rlock, link);
		if (l->inode != ino || l->owner == owner || l->end < start || l->start > end)
			continue;
		if (type == F_WRLCK || l->type == F_WRLCK)
			return l;
	}
	return NULL;
}

/* Removes owner's locks over [start, end], splitting those that stick out. */
static int clear_range(struct inode *ino, const void *owner, uint64_t start, uint64_t end, struct file *f)
{
	struct list *it, *next;

	for (it = all_rlocks.next; it != &all_rlocks; it = next) {
		struct rlock *l = list_entry(it, struct rlock, link);
		next = it->next;
		if (l->inode != ino || l->owner != owner || l->end < start || l->start > end)
			continue;
		if (l->start < start && l->end > end) {
			/* The range is inside: keep both ends. */
			struct rlock tail = *l, *t;
			tail.start = end + 1;
			t = rlock_new(&tail, f);
			if (!t)
				return -ENOLCK;
			l->end = start - 1;
		} else if (l->start < start) {
			l->end = start - 1;
		} else if (l->end > end) {
			l->start = end + 1;
		} else {
			rlock_free(l);
		}
	}
	return 0;
}

/* The range a struct flock names, resolved against the file; -EINVAL if it is not one. */
static int flock_range(struct file *f, const struct flock *fl, uint64_t *start, uint64_t *end)
{
	int64_t base, s, len = fl->l_len;

	switch (fl->l_whence) {
	case SEEK_SET: base = 0; break;
	case SEEK_CUR: base = f->pos; break;
	case SEEK_END: base = f->inode->size; break;
	default: return -EINVAL;
	}
	s = base + fl->l_start;
	if (len < 0) {
		s += len;
		len = -len;
	}
	if (s < 0)
		return -EINVAL;
	*start = s;
	*end = len == 0 ? OFFSET_MAX : (uint64_t)s + len - 1;
	return 0;
}

long reclock_fcntl(struct file *f, int cmd, unsigned long arg)
{
	bool ofd = cmd == F_OFD_GETLK || cmd == F_OFD_SETLK || cmd == F_OFD_SETLKW;
	bool get = cmd == F_GETLK || cmd == F_OFD_GETLK;
	bool wait = cmd == F_SETLKW || cmd == F_OFD_SETLKW;
	const void *owner = ofd ? (const void *)f : (const void *)current_proc();
	struct flock fl;
	struct rlock tmpl, *c;
	uint64_t start, end;
	unsigned acc = f->flags & O_ACCMODE;
	int err;

	if (!f->inode || (f->flags & O_PATH))
		return -EBADF;
	if (copy_from_user(&fl, (void *)arg, sizeof(fl)))
		return -EFAULT;
	if (fl.l_type != F_RDLCK && fl.l_type != F_WRLCK && fl.l_type != F_UNLCK)
		return -EINVAL;
	if (ofd && fl.l_pid != 0)
		return -EINVAL;
	err = flock_range(f, &fl, &start, &end);
	if (err)
		return err;
	if (get) {
		if (fl.l_type == F_UNLCK)
			return -EINVAL;
		c = conflict(f->inode, owner, fl.l_type, start, end);
		if (c) {
			fl.l_type = c->type;
			fl.l_whence = SEEK_SET;
			fl.l_start = c->start;
			fl.l_len = c->end == OFFSET_MAX ? 0 : c->end - c->start + 1;
			fl.l_pid = c->pid;
		} else {
			fl.l_type = F_UNLCK;
		}
		return copy_to_user((void *)arg, &fl, sizeof(fl));
	}
	if (fl.l_type == F_RDLCK && acc == O_WRONLY)
		return -EBADF;
	if (fl.l_type == F_WRLCK && acc == O_RDONLY)
		return -EBADF;
	if (fl.l_type == F_UNLCK) {
		err = clear_range(f->inode, owner, start, end, f);
		waitq_wake_all(&rlock_waitq);
		return err;
	}
	/* The description must outlive a sleep even if another thread closes fd. */
	file_ref(f);
	while (conflict(f->inode, owner, fl.l_type, start, end)) {
		err = -EAGAIN;
		if (!wait)
			goto out;
		err = waitq_wait(&rlock_waitq, 0);
		if (err == -EINTR)
			goto out;
	}
	err = clear_range(f->inode, owner, start, end, f);
	if (err)
		goto out;
	tmpl = (struct rlock){ .inode = f->inode, .owner = owner, .ofd = ofd,
			       .pid = ofd ? -1 : current_proc()->pid, .type = fl.l_type,
			       .start = start, .end = end };
	err = rlock_new(&tmpl, f) ? 0 : -ENOLCK;
	/* A downgrade (write to read) may let readers in. */
	waitq_wake_all(&rlock_waitq);
out:
	file_unref(f);
	return err;
}

void reclock_close(struct proc *p, struct inode *ino)
{
	struct list *it, *next;
	bool any = false;

	for (it = all_rlocks.next; it != &all_rlocks; it = next) {
		struct rlock *l = list_entry(it, struct rlock, link);
		next = it->next;
		if (!l->ofd && l->owner == p && (!ino || l->inode == ino)) {
			rlock_free(l);
			any = true;
		}
	}
	if (any)
		waitq_wake_all(&rlock_waitq);
}
