/* SPDX-License-Identifier: MIT */
/* vfs.c: inodes, path lookup, getcwd, mounts and the root file system's set-up; namei.c has the operations that change names. */
#include "kernel.h"
#include "ktime.h"
#include "sched.h"
#include "vfs.h"
#include "walk.h"
#include <asm/stat.h>
#include <linux/fcntl.h>
#include <linux/fs.h>
#include <linux/inotify.h>

static struct inode *root_inode;
static uint64_t next_ino = 1;

struct inode *vfs_root(void) { return root_inode; }
uint64_t vfs_next_ino(void) { return next_ino++; }

void inode_ref(struct inode *ino)
{
	ino->refs++;
}

void inode_unref(struct inode *ino)
{
	BUG_ON(ino->refs <= 0);
	fsnotify_drop(ino);
	if (--ino->refs > 0)
		return;
	/* A cached inode of a disk file system with links stays cached
	 * (icache_park); unlinked, it goes now.  Others (ramfs) live while
	 * they have links. */
	if (!list_empty(&ino->hash)) {
		if (ino->nlink > 0 && !ino->sb->detached) {
			int err = ino->iops && ino->iops->release ? ino->iops->release(ino) : 0;

			if (ino->refs > 0)    /* found again while release slept */
				return;
			if (!err) {
				icache_park(ino);
				return;
			}
		}
		list_del(&ino->hash);
	} else if (ino->nlink > 0) {
		return;
	}
	if (ino->iops && ino->iops->evict)
		ino->iops->evict(ino);
	kfree(ino);
}

struct inode *inode_alloc(unsigned mode, const struct inode_ops *iops, const struct file_ops *fops)
{
	struct inode *ino = kzalloc(sizeof(*ino));
	int64_t now = clock_realtime_ns();

	if (!ino)
		return NULL;
	ino->ino = vfs_next_ino();
	list_init(&ino->hash);
	list_init(&ino->unused);
	ino->mode = mode;
	ino->refs = 1;
	ino->iops = iops;
	ino->fops = fops;
	ino->atime_ns = ino->mtime_ns = ino->ctime_ns = now;
	return ino;
}

void inode_touch(struct inode *ino, bool mtime, bool ctime)
{
	int64_t now = clock_realtime_ns();

	if (mtime)
		ino->mtime_ns = now;
	if (ctime)
		ino->ctime_ns = now;
}

/* ---- path lookup ---- */

/* Resolves one component in dir, including "." and "..", and crosses mount points. */
int lookup_one(struct inode *dir, const char *name, size_t len, struct inode **out)
{
	struct inode *child;
	int err;

	if (!S_ISDIR(dir->mode))
		return -ENOTDIR;
	if (len == 1 && name[0] == '.') {
		inode_ref(dir);
		*out = dir;
		return 0;
	}
	if (len == 2 && name[0] == '.' && name[1] == '.') {
		/* ".." never leaves the root; at a mounted root it goes up from the covered directory. */
		while (dir != root_inode && dir->covered)
			dir = dir->covered;
		if (dir == root_inode) {
			inode_ref(dir);
			*out = dir;
			return 0;
		}
	}
	if (!dir->iops || !dir->iops->lookup)
		return -ENOENT;
	err = dir->iops->lookup(dir, name, len, &child);
	if (err)
		return err;
	while (child->mounted) {
		struct inode *m = child->mounted;

		inode_ref(m);
		inode_unref(child);
		child = m;
	}
	*out = child;
	return 0;
}


void walk_done(struct walk *w)
{
	if (w->dir)
		inode_unref(w->dir);
	if (w->ino)
		inode_unref(w->ino);
	w->dir = w->ino = NULL;
}

static struct inode *start_dir(struct inode *base)
{
	if (base)
		return base;
	if (current && current_proc()->cwd)
		return current_proc()->cwd;
	return root_inode;
}

/*
 * Replaces the path being walked by target + "/" + rest: the way a symlink
 * met in the middle of a path is followed.  buf holds PATH_MAX bytes.
 */
static int splice_link(struct inode *link, char *buf, const char *rest)
{
	char *tmp = kmalloc(PATH_MAX);
	size_t restlen = strlen(rest);
	ssize_t n;
	int err = 0;

	if (!tmp)
		return -ENOMEM;
	n = vfs_readlink_inode(link, tmp, PATH_MAX);
	if (n < 0) {
		err = (int)n;
		goto out;
	}
	if (n == 0) {
		err = -ENOENT;
		goto out;
	}
	if ((size_t)n + 1 + restlen + 1 > PATH_MAX) {
		err = -ENAMETOOLONG;
		goto out;
	}
	/* rest may point into buf: move it first. */
	if (restlen) {
		memmove(buf + n + 1, rest, restlen + 1);
		buf[n] = '/';
	} else {
		buf[n] = '\0';
	}
	memcpy(buf, tmp, n);
out:
	kfree(tmp);
	return err;
}

/* See walk.h. */
int walk_path(struct inode *base, const char *path, bool follow, struct walk *w)
{
	struct inode *dir, *child;
	char *buf, *p;
	size_t len;
	int links = 0, err;

	memset(w, 0, sizeof(*w));
	len = strnlen(path, PATH_MAX);
	if (len >= PATH_MAX)
		return -ENAMETOOLONG;
	if (len == 0)
		return -ENOENT;
	buf = kmalloc(PATH_MAX);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, path, len + 1);
	dir = start_dir(base);
	inode_ref(dir);
	p = buf;
	for (;;) {
		const char *name;
		size_t n = 0;
		bool last, slash;

		if (*p == '/') {
			inode_unref(dir);
			dir = root_inode;
			inode_ref(dir);
			while (*p == '/')
				p++;
		}
		if (*p == '\0') {
			/* "/" or a path that ended after following a link to a directory */
			if (!S_ISDIR(dir->mode)) {
				err = -ENOTDIR;
				goto fail;
			}
			w->dir = dir;
			w->ino = dir;
			inode_ref(dir);
			w->last[0] = '.';
			w->lastlen = 1;
			w->dot = true;
			w->slash = true;
			break;
		}
		name = p;
		while (p[n] && p[n] != '/')
			n++;
		if (n > NAME_MAX) {
			err = -ENAMETOOLONG;
			goto fail;
		}
		p += n;
		slash = *p == '/';
		while (*p == '/')
			p++;
		last = *p == '\0';
		if (!S_ISDIR(dir->mode)) {
			err = -ENOTDIR;
			goto fail;
		}
		err = lookup_one(dir, name, n, &child);
		if (err == -ENOENT && last) {
			w->dir = dir;
			w->ino = NULL;
			memcpy(w->last, name, n);
			w->last[n] = '\0';
			w->lastlen = n;
			w->slash = slash;
			break;
		}
		if (err)
			goto fail;
		if (S_ISLNK(child->mode) && (!last || follow || slash)) {
			if (++links > SYMLOOP_MAX) {
				inode_unref(child);
				err = -ELOOP;
				goto fail;
			}
			/* Keep the trailing slash: "link/" must still name a directory. */
			err = splice_link(child, buf, slash && last ? "/" : p);
			inode_unref(child);
			if (err)
				goto fail;
			p = buf;
			continue;
		}
		if (last) {
			w->dir = dir;
			w->ino = child;
			memcpy(w->last, name, n);
			w->last[n] = '\0';
			w->lastlen = n;
			w->slash = slash;
			w->dot = (n == 1 && name[0] == '.') || (n == 2 && name[0] == '.' && name[1] == '.');
			if (slash && !S_ISDIR(child->mode)) {
				walk_done(w);
				kfree(buf);
				return -ENOTDIR;
			}
			break;
		}
		inode_unref(dir);
		dir = child;
	}
	kfree(buf);
	return 0;
fail:
	inode_unref(dir);
	kfree(buf);
	return err;
}

int vfs_lookup(struct inode *dir, const char *path, bool nofollow, struct inode **out)
{
	struct walk w;
	int err = walk_path(dir, path, !nofollow, &w);

	if (err)
		return err;
	if (!w.ino) {
		walk_done(&w);
		return -ENOENT;
	}
	*out = w.ino;
	w.ino = NULL;
	walk_done(&w);
	return 0;
}

ssize_t vfs_readlink_inode(struct inode *ino, char *buf, size_t n)
{
	if (!S_ISLNK(ino->mode) || !ino->iops || !ino->iops->readlink)
		return -EINVAL;
	return ino->iops->readlink(ino, buf, n);
}

ssize_t vfs_readlink(struct inode *dir, const char *path, char *buf, size_t n)
{
	struct inode *ino;
	ssize_t ret;
	int err = vfs_lookup(dir, path, true, &ino);

	if (err)
		return err;
	ret = vfs_readlink_inode(ino, buf, n);
	inode_unref(ino);
	return ret;
}

ssize_t vfs_read_inode(struct inode *ino, void *buf, size_t n, off_t off)
{
	if (S_ISDIR(ino->mode))
		return -EISDIR;
	if (!ino->iops || !ino->iops->read)
		return -EINVAL;
	if (off < 0)
		return -EINVAL;
	return ino->iops->read(ino, buf, n, off);
}

int vfs_truncate(struct inode *ino, uint64_t size)
{
	if (S_ISDIR(ino->mode))
		return -EISDIR;
	if (!S_ISREG(ino->mode))
		return -EINVAL;
	if (size > (uint64_t)INT64_MAX)
		return -EFBIG;
	if (!ino->iops || !ino->iops->truncate)
		return -EPERM;
	if (vfs_may_write(ino))
		return -EROFS;
	/* Shared mappings must let go of the pages before the file frees them. */
	if (size < ino->size)
		vm_file_truncated(ino, size);
	return ino->iops->truncate(ino, size);
}

/* ---- getcwd ---- */

struct find_ctx {
	uint64_t ino;
	char name[NAME_MAX + 1];
	bool found;
};

static int find_fill(void *ctx, const char *name, size_t len, uint64_t ino, unsigned dtype,
		     uint64_t next)
{
	struct find_ctx *c = ctx;

	(void)dtype;
	(void)next;
	if (ino != c->ino || (len == 1 && name[0] == '.') ||
	    (len == 2 && name[0] == '.' && name[1] == '.'))
		return 0;
	memcpy(c->name, name, len);
	c->name[len] = '\0';
	c->found = true;
	return 1;
}

ssize_t vfs_getcwd(struct inode *ino, char *buf, size_t n)
{
	char *tmp = kmalloc(PATH_MAX);
	size_t pos = PATH_MAX - 1;     /* the path is built backwards at the end of tmp */
	struct inode *cur = ino, *up;
	ssize_t ret;

	if (!tmp)
		return -ENOMEM;
	tmp[pos] = '\0';
	inode_ref(cur);
	while (cur != root_inode) {
		struct find_ctx c = { .ino = cur->ino };
		uint64_t rpos = 0;
		size_t len;

		/* A removed directory has no ".." (generated /proc inodes have nlink 0 but do). */
		if (lookup_one(cur, "..", 2, &up) != 0) {
			ret = -ENOENT;
			goto out;
		}
		/* A mounted root appears in its parent under the covered directory's number. */
		if (cur->covered)
			c.ino = cur->covered->ino;
		if (up->iops && up->iops->readdir)
			up->iops->readdir(up, &rpos, find_fill, &c);
		inode_unref(cur);
		cur = up;
		if (!c.found) {
			ret = -ENOENT;
			goto out;
		}
		len = strlen(c.name);
		if (len + 1 > pos) {
			ret = -ENAMETOOLONG;
			goto out;
		}
		pos -= len;
		memcpy(tmp + pos, c.name, len);
		tmp[--pos] = '/';
	}
	if (pos == PATH_MAX - 1)
		tmp[--pos] = '/';
	ret = PATH_MAX - pos;
	if ((size_t)ret > n) {
		ret = -ERANGE;
		goto out;
	}
	memcpy(buf, tmp + pos, ret);
out:
	inode_unref(cur);
	kfree(tmp);
	return ret;
}

void vfs_fill_stat(struct inode *ino, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = ino->dev;
	st->st_ino = ino->ino;
	st->st_nlink = ino->nlink;
	st->st_mode = ino->mode;
	st->st_uid = ino->uid;
	st->st_gid = ino->gid;
	st->st_rdev = ino->rdev;
	st->st_size = ino->size;
	st->st_blksize = 4096;
	st->st_blocks = ALIGN_UP(ino->size, 4096) / 512;
	st->st_atime = ino->atime_ns / NSEC_PER_SEC;
	st->st_atime_nsec = ino->atime_ns % NSEC_PER_SEC;
	st->st_mtime = ino->mtime_ns / NSEC_PER_SEC;
	st->st_mtime_nsec = ino->mtime_ns % NSEC_PER_SEC;
	st->st_ctime = ino->ctime_ns / NSEC_PER_SEC;
	st->st_ctime_nsec = ino->ctime_ns % NSEC_PER_SEC;
}

/* mkdir without the umask, for the directories every system has. */
int vfs_create_child(struct inode *dir, const char *name, unsigned mode, struct inode **out)
{
	if (!dir->iops || !dir->iops->create)
		return -EPERM;
	return dir->iops->create(dir, name, strlen(name), mode, out);
}

int vfs_symlink_child(struct inode *dir, const char *name, const char *target)
{
	struct inode *ino;
	int err;

	if (!dir->iops || !dir->iops->symlink)
		return -EPERM;
	err = dir->iops->symlink(dir, name, strlen(name), target, &ino);
	if (!err)
		inode_unref(ino);
	return err;
}

static int mkdir_exact(const char *path, unsigned mode)
{
	struct inode *ino;
	int err = vfs_mknod(root_inode, path, S_IFDIR | mode, &ino);

	if (err)
		return err;
	ino->mode = S_IFDIR | mode;
	inode_unref(ino);
	return 0;
}

void vfs_init(void)
{
	struct super_block *sb = ramfs_create_sb("rootfs", 0);

	if (!sb || vfs_mount("/", sb))
		boot_out_of_memory("for the root file system");
	root_inode = sb->root;
	root_inode->mode = S_IFDIR | 0755;
	if (mkdir_exact("/tmp", 01777) || mkdir_exact("/proc", 0555) || devfs_init())
		panic("vfs_init: cannot create /tmp, /proc or /dev");
	sb = procfs_create_sb();
	if (!sb || vfs_mount("/proc", sb))
		panic("vfs_init: cannot mount /proc");
	sb = sysfs_create_sb();
	if (!sb || mkdir_exact("/sys", 0555) || vfs_mount("/sys", sb))
		panic("vfs_init: cannot mount /sys");
}
