/* SPDX-License-Identifier: MIT */
/* file.c: open file descriptions, open(2) semantics and descriptor tables. */
#include "kernel.h"
#include "sched.h"
#include "vfs.h"
#include <linux/fcntl.h>
#include <linux/inotify.h>

/* Flags that describe the open file (F_GETFL); the others act only at open time. */
#define FILE_STATUS_FLAGS (O_ACCMODE | O_APPEND | O_NONBLOCK | O_DSYNC | O_SYNC | O_DIRECT | \
			   O_NOATIME | O_PATH | O_LARGEFILE | O_DIRECTORY | O_NOFOLLOW | FASYNC)

struct file *file_alloc(struct inode *ino, const struct file_ops *ops, unsigned flags)
{
	struct file *f = kzalloc(sizeof(*f));

	if (!f)
		return NULL;
	f->refs = 1;
	f->inode = ino;
	if (ino) {
		inode_ref(ino);
		if (ino->sb)
			ino->sb->open_files++;
	}
	f->ops = ops;
	f->flags = flags;
	list_init(&f->release_hooks);
	return f;
}

void file_ref(struct file *f)
{
	f->refs++;
}

void file_unref(struct file *f)
{
	BUG_ON(f->refs <= 0);
	if (--f->refs > 0)
		return;
	if (!(f->flags & O_PATH))
		fsnotify_file(f, (f->flags & O_ACCMODE) != O_RDONLY ? IN_CLOSE_WRITE : IN_CLOSE_NOWRITE);
	while (!list_empty(&f->release_hooks)) {
		struct file_hook *h = list_entry(f->release_hooks.next, struct file_hook, link);

		list_del(&h->link);
		h->fn(h, f);
	}
	if (f->ops && f->ops->release)
		f->ops->release(f);
	if (f->inode) {
		struct super_block *sb = f->inode->sb;

		if (sb)
			sb->open_files--;
		inode_unref(f->inode);
		if (sb && sb->detached)
			vfs_sb_released(sb);
	}
	kfree(f->path);
	kfree(f);
}

/* ---- regular files and directories ---- */

static ssize_t reg_read(struct file *f, void *buf, size_t n, off_t *off)
{
	ssize_t r;

	if (*off < 0)
		return -EINVAL;
	r = vfs_read_inode(f->inode, buf, n, *off);
	if (r > 0)
		*off += r;
	return r;
}

static ssize_t reg_write(struct file *f, const void *buf, size_t n, off_t *off)
{
	struct inode *ino = f->inode;
	ssize_t r;

	if (!ino->iops || !ino->iops->write)
		return -EINVAL;
	if (f->flags & O_APPEND)
		*off = ino->size;
	if (*off < 0)
		return -EINVAL;
	if (n == 0)
		return 0;
	r = seals_check_write(ino, *off, n);
	if (r)
		return r;
	r = ino->iops->write(ino, buf, n, *off);
	if (r > 0) {
		*off += r;
		inode_touch(ino, true, true);
	}
	return r;
}

static ssize_t dir_read(struct file *f, void *buf, size_t n, off_t *off)
{
	(void)f; (void)buf; (void)n; (void)off;
	return -EISDIR;
}

const struct file_ops vfs_reg_fops = {
	.read = reg_read,
	.write = reg_write,
	.seekable = true,
};

const struct file_ops vfs_dir_fops = {
	.read = dir_read,
	.write = NULL,
	.seekable = true,
};

int seals_check_write(struct inode *ino, uint64_t off, uint64_t n)
{
	if (ino->seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE))
		return -EPERM;
	if ((ino->seals & F_SEAL_GROW) && off + n > ino->size)
		return -EPERM;
	return 0;
}

int seals_check_resize(struct inode *ino, uint64_t size)
{
	if ((ino->seals & F_SEAL_SHRINK) && size < ino->size)
		return -EPERM;
	if ((ino->seals & F_SEAL_GROW) && size > ino->size)
		return -EPERM;
	return 0;
}

/* O_PATH descriptors: they name a file but allow no I/O. */
static const struct file_ops path_fops;

int vfs_open_inode(struct inode *ino, int flags, struct file **out)
{
	const struct file_ops *ops = ino->fops;
	unsigned acc = flags & O_ACCMODE;
	struct file *f;
	int err;

	if (flags & O_PATH) {
		ops = &path_fops;
		flags &= O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	} else {
		if (acc == O_ACCMODE)
			return -EINVAL;
		if (S_ISLNK(ino->mode))
			return -ELOOP;
		if (S_ISDIR(ino->mode) && acc != O_RDONLY)
			return -EISDIR;
		if (!ops && S_ISDIR(ino->mode))
			ops = &vfs_dir_fops;
		else if (!ops && S_ISREG(ino->mode))
			ops = &vfs_reg_fops;
		else if (!ops && !S_ISFIFO(ino->mode))
			return -ENXIO;      /* a socket or device node nothing drives */
	}
	if ((flags & O_DIRECTORY) && !S_ISDIR(ino->mode))
		return -ENOTDIR;
	if (!(flags & O_PATH)) {
		if ((S_ISCHR(ino->mode) || S_ISBLK(ino->mode)) && ino->sb && (ino->sb->flags & SB_NODEV))
			return -EACCES;
		if ((acc != O_RDONLY || (flags & O_TRUNC)) && S_ISREG(ino->mode) && vfs_may_write(ino))
			return -EROFS;
		/* A running program's file maps its pages: Linux refuses writers (deny_write_access). */
		if ((acc != O_RDONLY || (flags & O_TRUNC)) && S_ISREG(ino->mode) && ino->deny_write > 0)
			return -ETXTBSY;
	}
	if (S_ISFIFO(ino->mode) && !(flags & O_PATH))
		return fifo_open(ino, flags & FILE_STATUS_FLAGS, out);
	if ((flags & O_TRUNC) && S_ISREG(ino->mode) && acc != O_RDONLY && !(flags & O_PATH)) {
		err = seals_check_resize(ino, 0);
		if (!err)
			err = vfs_truncate(ino, 0);
		if (err)
			return err;
	}
	f = file_alloc(ino, ops, flags & FILE_STATUS_FLAGS);
	if (!f)
		return -ENOMEM;
	if (ops->open && !(flags & O_PATH)) {
		err = ops->open(f);
		if (err) {
			file_unref(f);
			return err;
		}
	}
	*out = f;
	return 0;
}

/* The absolute form of path, for /proc/self/fd; NULL if it cannot be made. */
static char *absolute_path(struct inode *dir, const char *path)
{
	char *buf;
	ssize_t n;
	size_t plen = strlen(path);

	if (path[0] == '/')
		return kstrdup(path);
	buf = kmalloc(PATH_MAX);
	if (!buf)
		return NULL;
	if (!dir)
		dir = current && current_proc()->cwd ? current_proc()->cwd : vfs_root();
	n = vfs_getcwd(dir, buf, PATH_MAX);
	if (n < 0 || (size_t)n + plen + 1 > PATH_MAX) {
		kfree(buf);
		return NULL;
	}
	if (n > 2)
		buf[n - 1] = '/';
	else
		n = 1;          /* the root: "/" already ends in a slash */
	memcpy(buf + n, path, plen + 1);
	return buf;
}

int vfs_open(struct inode *dir, const char *path, int flags, unsigned mode, struct file **out)
{
	struct inode *ino;
	bool nofollow = (flags & O_NOFOLLOW) || ((flags & O_CREAT) && (flags & O_EXCL));
	bool truncates;
	int err;

	size_t len = strnlen(path, PATH_MAX);

	if ((flags & O_CREAT) && (flags & O_DIRECTORY))
		return -EINVAL;
	if ((flags & O_CREAT) && len > 0 && len < PATH_MAX && path[len - 1] == '/')
		return -EISDIR;
	err = vfs_lookup(dir, path, nofollow, &ino);
	if (err == -ENOENT && (flags & O_CREAT)) {
		err = vfs_create(dir, path, S_IFREG | (mode & 07777), !nofollow, &ino);
		if (err == -EEXIST && !(flags & O_EXCL))  /* created meanwhile, or a dangling link */
			err = vfs_lookup(dir, path, nofollow, &ino);
		if (err)
			return err;
		/* A new file is empty: O_TRUNC has nothing to do. */
		flags &= ~O_TRUNC;
	} else if (err) {
		return err;
	} else if ((flags & O_CREAT) && (flags & O_EXCL)) {
		inode_unref(ino);
		return -EEXIST;
	} else if ((flags & O_CREAT) && S_ISDIR(ino->mode)) {
		inode_unref(ino);
		return -EISDIR;
	}
	if (S_ISLNK(ino->mode) && (flags & O_NOFOLLOW) && !(flags & O_PATH)) {
		inode_unref(ino);
		return -ELOOP;
	}
	truncates = (flags & O_TRUNC) && S_ISREG(ino->mode) && (flags & O_ACCMODE) != O_RDONLY;
	err = vfs_open_inode(ino, flags, out);
	inode_unref(ino);
	if (err)
		return err;
	(*out)->path = absolute_path(dir, path);
	if (!(flags & O_PATH)) {
		if (truncates)
			fsnotify_file(*out, IN_MODIFY);
		fsnotify_file(*out, IN_OPEN);
	}
	return 0;
}

/* ---- descriptor tables ---- */

struct fdtable *fdtable_create(void)
{
	struct fdtable *t = kzalloc(sizeof(*t));

	if (t)
		t->refs = 1;
	return t;
}

struct fdtable *fdtable_dup(struct fdtable *t)
{
	struct fdtable *n = fdtable_create();

	if (!n)
		return NULL;
	for (int fd = 0; fd < FD_MAX; fd++) {
		if (!t->files[fd])
			continue;
		n->files[fd] = t->files[fd];
		n->cloexec[fd] = t->cloexec[fd];
		file_ref(n->files[fd]);
	}
	return n;
}

void fdtable_unref(struct fdtable *t)
{
	if (--t->refs > 0)
		return;
	for (int fd = 0; fd < FD_MAX; fd++)
		if (t->files[fd])
			fd_close(t, fd);
	kfree(t);
}

void fdtable_close_on_exec(struct fdtable *t)
{
	for (int fd = 0; fd < FD_MAX; fd++)
		if (t->files[fd] && t->cloexec[fd])
			fd_close(t, fd);
}

int fd_install(struct fdtable *t, struct file *f, int min, bool cloexec)
{
	int limit = MIN(FD_MAX, fd_limit());

	if (min < 0 || min >= FD_MAX)
		return -EINVAL;
	for (int fd = min; fd < limit; fd++) {
		if (t->files[fd])
			continue;
		t->files[fd] = f;
		t->cloexec[fd] = cloexec;
		return fd;
	}
	return -EMFILE;
}

int fd_install_at(struct fdtable *t, struct file *f, int fd, bool cloexec)
{
	struct file *old;

	if (fd < 0 || fd >= FD_MAX || fd >= fd_limit())
		return -EBADF;
	old = t->files[fd];
	t->files[fd] = f;
	t->cloexec[fd] = cloexec;
	if (old)
		file_unref(old);
	return fd;
}

struct file *fd_peek(struct fdtable *t, int fd)
{
	if (!t || fd < 0 || fd >= FD_MAX)
		return NULL;
	return t->files[fd];
}

struct file *fd_get(struct fdtable *t, int fd)
{
	struct file *f = fd_peek(t, fd);

	if (f)
		file_ref(f);
	return f;
}

void fput(struct file *f)
{
	if (f)
		file_unref(f);
}

int fd_close(struct fdtable *t, int fd)
{
	struct file *f = fd_peek(t, fd);

	if (!f)
		return -EBADF;
	t->files[fd] = NULL;
	t->cloexec[fd] = false;
	if (current && f->inode)
		reclock_close(current_proc(), f->inode);
	file_unref(f);
	return 0;
}

int fd_set_cloexec(struct fdtable *t, int fd, bool on)
{
	if (!fd_peek(t, fd))
		return -EBADF;
	t->cloexec[fd] = on;
	return 0;
}

int fd_get_cloexec(struct fdtable *t, int fd)
{
	if (!fd_peek(t, fd))
		return -EBADF;
	return t->cloexec[fd];
}

/* ---- anonymous files (eventfd, timerfd, signalfd, epoll) ---- */

long anon_fd_install(const char *name, const struct file_ops *ops, void *priv, unsigned flags)
{
	struct inode *ino = inode_alloc(0600, NULL, ops);
	struct file *f = NULL;
	long fd;

	if (ino) {
		f = file_alloc(ino, ops, O_RDWR | (flags & O_NONBLOCK));
		inode_unref(ino);
	}
	if (!f) {
		kfree(priv);
		return -ENOMEM;
	}
	f->priv = priv;
	f->path = kstrdup(name);
	fd = fd_install(current_proc()->fdt, f, 0, flags & O_CLOEXEC);
	if (fd < 0)
		file_unref(f);   /* its release frees priv */
	return fd;
}
