/* SPDX-License-Identifier: MIT */
/* inotify.c: inotify instances, watches and event queues, and the fsnotify hooks the VFS calls. */
#include "kernel.h"
#include "mm.h"
#include "sched.h"
#include "syscall.h"
#include "vfs.h"
#include <asm-generic/ioctls.h>
#include <asm-generic/poll.h>
#include <linux/fcntl.h>
#include <linux/inotify.h>

/* Linux's default limits (/proc/sys/fs/inotify/max_*). */
#define INOTIFY_MAX_EVENTS 16384        /* queued events per instance; then IN_Q_OVERFLOW */
#define INOTIFY_MAX_INSTANCES 128
#define INOTIFY_MAX_WATCHES 65536       /* over all instances */

/* Mask bits a watch may carry: the events and the flags that stay on it. */
#define WATCH_BITS (IN_ALL_EVENTS | IN_ONESHOT | IN_EXCL_UNLINK)
/* Every bit inotify_add_watch knows (Linux's ALL_INOTIFY_BITS). */
#define ALL_INOTIFY_BITS (IN_ALL_EVENTS | IN_UNMOUNT | IN_Q_OVERFLOW | IN_IGNORED | IN_ONLYDIR | \
			  IN_DONT_FOLLOW | IN_EXCL_UNLINK | IN_MASK_ADD | IN_MASK_CREATE | IN_ISDIR | \
			  IN_ONESHOT)
/* Events about a name in a directory, and events only a watch on the inode itself sees. */
#define NAME_EVENTS (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO)
#define SELF_EVENTS (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)

struct inotify;

struct inotify_watch {
	struct inode *inode;            /* referenced while watched */
	struct inotify *in;
	int wd;
	uint32_t mask;                  /* WATCH_BITS */
	struct inotify_watch *next;     /* on the same inode (inode->watches) */
	struct list link;               /* in in->watches */
};

/* A queued event; name holds len bytes (no NUL), read out padded. */
struct inotify_kevent {
	struct list link;
	int wd;
	uint32_t mask, cookie;
	uint32_t len;
	char name[];
};

struct inotify {
	bool counted;                   /* in nr_instances (not when anon_fd_install failed) */
	struct list watches;            /* struct inotify_watch */
	struct list events;             /* struct inotify_kevent, oldest first */
	unsigned nevents;
	size_t bytes;                   /* what a read of everything returns (FIONREAD) */
	bool overflow_queued;
	int next_wd;
	struct waitq wq;                /* readers waiting for an event */
};

unsigned fsnotify_watches;
static unsigned nr_instances;
/* The events some watched directory wants about its children: a cheap
 * first test before looking for the parent of a file.  dir_bits counts the
 * directory watches holding each event bit. */
static uint32_t dir_interest;
static unsigned dir_bits[32];
static uint32_t next_cookie;
/* Events about an open file, which IN_EXCL_UNLINK silences once it has no name. */
#define FILE_EVENTS (IN_ACCESS | IN_MODIFY | IN_OPEN | IN_CLOSE_WRITE | IN_CLOSE_NOWRITE)

uint32_t fsnotify_cookie(void)
{
	if (++next_cookie == 0)
		next_cookie = 1;
	return next_cookie;
}

/* Counts (delta 1) or uncounts (-1) w's events in dir_interest. */
static void account(struct inotify_watch *w, int delta)
{
	if (!S_ISDIR(w->inode->mode))
		return;
	for (int b = 0; b < 32; b++) {
		if (!(w->mask & IN_ALL_EVENTS & (1u << b)))
			continue;
		dir_bits[b] += delta;
		if (dir_bits[b])
			dir_interest |= 1u << b;
		else
			dir_interest &= ~(1u << b);
	}
}

/* The bytes a read returns for ev: the header and the name padded with NULs to a multiple of 16. */
static size_t event_size(const struct inotify_kevent *ev)
{
	if (!ev->len)
		return sizeof(struct inotify_event);
	return sizeof(struct inotify_event) + ALIGN_UP(ev->len + 1, sizeof(struct inotify_event));
}

static void queue_event(struct inotify *in, int wd, uint32_t mask, uint32_t cookie,
			const char *name, size_t len)
{
	struct inotify_kevent *ev, *last;

	if (in->nevents >= INOTIFY_MAX_EVENTS)
		goto overflow;
	/* Linux drops an event identical to the last one still queued. */
	if (!list_empty(&in->events)) {
		last = list_entry(in->events.prev, struct inotify_kevent, link);
		if (last->wd == wd && last->mask == mask && last->cookie == cookie &&
		    last->len == len && memcmp(last->name, name, len) == 0)
			return;
	}
	ev = kmalloc(sizeof(*ev) + len);
	if (!ev)
		goto overflow;
	ev->wd = wd;
	ev->mask = mask;
	ev->cookie = cookie;
	ev->len = len;
	memcpy(ev->name, name, len);
	goto queue;
overflow:
	/* One overflow event at a time, beyond the limit, as on Linux. */
	if (in->overflow_queued)
		return;
	ev = kmalloc(sizeof(*ev));
	if (!ev)
		return;
	ev->wd = -1;
	ev->mask = IN_Q_OVERFLOW;
	ev->cookie = 0;
	ev->len = 0;
	in->overflow_queued = true;
queue:
	list_add_tail(&in->events, &ev->link);
	in->nevents++;
	in->bytes += event_size(ev);
	waitq_wake_all(&in->wq);
	poll_notify();
}

/* Ends a watch; queues IN_IGNORED unless the instance is going away. */
static void watch_destroy(struct inotify_watch *w, bool ignored)
{
	struct inotify_watch **p;

	for (p = &w->inode->watches; *p != w; p = &(*p)->next)
		BUG_ON(!*p);
	*p = w->next;
	list_del(&w->link);
	account(w, -1);
	if (ignored)
		queue_event(w->in, w->wd, IN_IGNORED, 0, NULL, 0);
	fsnotify_watches--;
	inode_unref(w->inode);
	kfree(w);
}

/* Delivers one event about subject to the watches on ino (subject's parent when name is set). */
static void notify_watches(struct inode *ino, struct inode *subject, uint32_t mask, uint32_t cookie,
			   const char *name, size_t len)
{
	struct inotify_watch *w, *next;

	for (w = ino->watches; w; w = next) {
		next = w->next;
		if (!(w->mask & mask & IN_ALL_EVENTS))
			continue;
		if ((w->mask & IN_EXCL_UNLINK) && (mask & FILE_EVENTS) && subject && subject->nlink == 0)
			continue;
		queue_event(w->in, w->wd, mask, cookie, name, len);
		if (w->mask & IN_ONESHOT)
			watch_destroy(w, true);
	}
}

void fsnotify_event(struct inode *dir, struct inode *ino, const char *name, size_t len,
		    uint32_t mask, uint32_t cookie)
{
	if (ino && S_ISDIR(ino->mode))
		mask |= IN_ISDIR;
	/* The parent first, as Linux reports to a group watching both. */
	if (dir && name && dir->watches && !(mask & SELF_EVENTS))
		notify_watches(dir, ino, mask, cookie, name, len);
	if (ino && ino->watches && !(mask & NAME_EVENTS))
		notify_watches(ino, ino, mask, cookie, NULL, 0);
	if (ino && (mask & IN_DELETE_SELF)) {
		while (ino->watches)
			watch_destroy(ino->watches, true);
	}
}

void fsnotify_drop_event(struct inode *ino)
{
	struct inotify_watch *w;
	int watches = 0;

	for (w = ino->watches; w; w = w->next)
		watches++;
	/* Dropping a watch's own reference never gets here with refs this low:
	 * the caller's reference is still counted. */
	if (ino->refs - 1 <= watches)
		fsnotify_event(NULL, ino, NULL, 0, IN_DELETE_SELF, 0);
}

/*
 * The directory a path's last component is in, and that component, when
 * the directory is watched and the name still leads to ino; else NULL.
 */
static struct inode *watched_parent(struct inode *base, const char *path, struct inode *ino,
				    const char **name, size_t *len)
{
	size_t end = strlen(path), start;
	struct inode *dir, *child;
	char *dpath;
	int err;

	while (end > 1 && path[end - 1] == '/')
		end--;
	start = end;
	while (start > 0 && path[start - 1] != '/')
		start--;
	*name = path + start;
	*len = end - start;
	if (*len == 0 || (*len == 1 && path[start] == '.') ||
	    (*len == 2 && path[start] == '.' && path[start + 1] == '.'))
		return NULL;
	if (start == 0) {
		dir = base ? base : current_proc()->cwd ? current_proc()->cwd : vfs_root();
		inode_ref(dir);
	} else {
		dpath = kmalloc(start + 1);
		if (!dpath)
			return NULL;
		memcpy(dpath, path, start);
		dpath[start] = '\0';
		err = vfs_lookup(base, dpath, false, &dir);
		kfree(dpath);
		if (err)
			return NULL;
	}
	if (!dir->watches || !S_ISDIR(dir->mode) || !dir->iops || !dir->iops->lookup)
		goto none;
	if (dir->iops->lookup(dir, *name, *len, &child) != 0)
		goto none;
	inode_unref(child);
	if (child == ino)
		return dir;
none:
	inode_unref(dir);
	return NULL;
}

void fsnotify_path_event(struct inode *base, const char *path, struct inode *ino, uint32_t mask)
{
	struct inode *dir = NULL;
	const char *name = NULL;
	size_t len = 0;

	if (path && (dir_interest & mask))
		dir = watched_parent(base, path, ino, &name, &len);
	if (!dir && !ino->watches)
		return;
	fsnotify_event(dir, ino, name, len, mask, 0);
	if (dir)
		inode_unref(dir);
}

/* ---- the inotify file ---- */

/* Returns as many whole events as fit; waits for the first unless O_NONBLOCK. */
static ssize_t inotify_read(struct file *f, void *buf, size_t n, off_t *off)
{
	struct inotify *in = f->priv;
	char *out = buf;
	size_t done = 0;

	(void)off;
	while (list_empty(&in->events)) {
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		if (waitq_wait(&in->wq, 0) == -EINTR)
			return -EINTR;
	}
	while (!list_empty(&in->events)) {
		struct inotify_kevent *ev = list_entry(in->events.next, struct inotify_kevent, link);
		size_t size = event_size(ev);
		struct inotify_event hdr = {
			.wd = ev->wd, .mask = ev->mask, .cookie = ev->cookie,
			.len = (uint32_t)(size - sizeof(hdr)),
		};

		if (size > n - done)
			break;
		/* An event that cannot be copied stays queued. */
		if (memcpy_user(out + done, &hdr, sizeof(hdr)) ||
		    memcpy_user(out + done + sizeof(hdr), ev->name, ev->len) ||
		    memzero_user(out + done + sizeof(hdr) + ev->len, hdr.len - ev->len))
			return done ? (ssize_t)done : -EFAULT;
		done += size;
		list_del(&ev->link);
		in->nevents--;
		in->bytes -= size;
		if (ev->mask == IN_Q_OVERFLOW)
			in->overflow_queued = false;
		kfree(ev);
	}
	return done ? (ssize_t)done : -EINVAL;
}

static unsigned inotify_poll(struct file *f)
{
	struct inotify *in = f->priv;

	return list_empty(&in->events) ? 0 : POLLIN | POLLRDNORM;
}

static long inotify_ioctl(struct file *f, unsigned long cmd, unsigned long arg)
{
	struct inotify *in = f->priv;
	int v;

	if (cmd != FIONREAD)
		return -ENOTTY;
	v = (int)MIN(in->bytes, (size_t)INT32_MAX);
	return copy_to_user((void *)arg, &v, sizeof(v));
}

static void inotify_release(struct file *f)
{
	struct inotify *in = f->priv;

	while (!list_empty(&in->watches))
		watch_destroy(list_entry(in->watches.next, struct inotify_watch, link), false);
	while (!list_empty(&in->events)) {
		struct inotify_kevent *ev = list_entry(in->events.next, struct inotify_kevent, link);

		list_del(&ev->link);
		kfree(ev);
	}
	if (in->counted)
		nr_instances--;
	kfree(in);
}

static const struct file_ops inotify_fops = {
	.read = inotify_read,
	.poll = inotify_poll,
	.ioctl = inotify_ioctl,
	.release = inotify_release,
};

/* ---- system calls ---- */

long sys_inotify_init1(int flags)
{
	struct inotify *in;
	long fd;

	if (flags & ~(IN_CLOEXEC | IN_NONBLOCK))
		return -EINVAL;
	if (nr_instances >= INOTIFY_MAX_INSTANCES)
		return -EMFILE;
	in = kzalloc(sizeof(*in));
	if (!in)
		return -ENOMEM;
	list_init(&in->watches);
	list_init(&in->events);
	waitq_init(&in->wq);
	in->next_wd = 1;
	fd = anon_fd_install("anon_inode:inotify", &inotify_fops, in, flags);
	if (fd >= 0) {
		in->counted = true;
		nr_instances++;
	}
	return fd;
}

long sys_inotify_init(void)
{
	return sys_inotify_init1(0);
}

/* The instance open at fd, its file referenced in *fp (fput it): -EBADF, or
 * -EINVAL for another kind of file. */
static long inotify_get(int fd, struct file **fp, struct inotify **out)
{
	struct file *f = fd_get(current_proc()->fdt, fd);

	if (!f)
		return -EBADF;
	if (f->ops != &inotify_fops) {
		fput(f);
		return -EINVAL;
	}
	*fp = f;
	*out = f->priv;
	return 0;
}

long sys_inotify_add_watch(int fd, const char *upath, uint32_t mask)
{
	struct inotify_watch *w;
	struct inotify *in;
	struct inode *ino = NULL;
	struct file *f;
	char *path;
	long err;

	if ((mask & IN_MASK_ADD) && (mask & IN_MASK_CREATE))
		return -EINVAL;
	if (!(mask & ALL_INOTIFY_BITS))
		return -EINVAL;
	err = inotify_get(fd, &f, &in);
	if (err)
		return err;
	err = user_path(upath, false, &path);
	if (err)
		goto out;
	err = vfs_lookup(NULL, path, mask & IN_DONT_FOLLOW, &ino);
	kfree(path);
	if (err)
		goto out;
	if ((mask & IN_ONLYDIR) && !S_ISDIR(ino->mode)) {
		err = -ENOTDIR;
		goto out;
	}
	for (w = ino->watches; w; w = w->next)
		if (w->in == in)
			break;
	if (w) {
		if (mask & IN_MASK_CREATE) {
			err = -EEXIST;
			goto out;
		}
		account(w, -1);
		w->mask = (mask & WATCH_BITS) | ((mask & IN_MASK_ADD) ? w->mask : 0);
		account(w, 1);
		err = w->wd;
		goto out;
	}
	if (fsnotify_watches >= INOTIFY_MAX_WATCHES) {
		err = -ENOSPC;
		goto out;
	}
	w = kzalloc(sizeof(*w));
	if (!w) {
		err = -ENOMEM;
		goto out;
	}
	w->inode = ino;                 /* takes over the lookup's reference */
	w->in = in;
	w->wd = in->next_wd++;
	if (in->next_wd <= 0)
		in->next_wd = 1;
	w->mask = mask & WATCH_BITS;
	w->next = ino->watches;
	ino->watches = w;
	list_add_tail(&in->watches, &w->link);
	account(w, 1);
	fsnotify_watches++;
	ino = NULL;
	err = w->wd;
out:
	if (ino)
		inode_unref(ino);
	fput(f);
	return err;
}

long sys_inotify_rm_watch(int fd, int wd)
{
	struct inotify *in;
	struct file *f;
	struct list *i;
	long err = inotify_get(fd, &f, &in);

	if (err)
		return err;
	err = -EINVAL;
	list_for_each(i, &in->watches) {
		struct inotify_watch *w = list_entry(i, struct inotify_watch, link);

		if (w->wd == wd) {
			watch_destroy(w, true);
			err = 0;
			break;
		}
	}
	fput(f);
	return err;
}
