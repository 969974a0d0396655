/* SPDX-License-Identifier: MIT */
/* namei.c: the path operations that change names: create, mkdir, unlink, rmdir, symlink, link and rename. */
#include "kernel.h"
#include "ktime.h"
#include "sched.h"
#include "vfs.h"
#include "walk.h"
#include <asm/stat.h>
#include <linux/fcntl.h>
#include <linux/fs.h>
#include <linux/inotify.h>

static unsigned current_umask(void)
{
	return current ? current_proc()->umask : 022;
}

int vfs_mknod(struct inode *dir, const char *path, unsigned mode, struct inode **out)
{
	return vfs_create(dir, path, mode, false, out);
}

int vfs_create(struct inode *dir, const char *path, unsigned mode, bool follow, struct inode **out)
{
	struct walk w;
	int err = walk_path(dir, path, follow, &w);

	if (err)
		return err;
	if (w.ino) {
		err = -EEXIST;
		goto out;
	}
	if (w.slash && !S_ISDIR(mode)) {
		err = -ENOENT;
		goto out;
	}
	if (w.dir->nlink == 0) {
		err = -ENOENT;          /* the directory was removed */
		goto out;
	}
	err = vfs_may_write(w.dir);
	if (err)
		goto out;
	if (!w.dir->iops || !w.dir->iops->create) {
		err = -EPERM;
		goto out;
	}
	mode = (mode & S_IFMT) | (mode & 07777 & ~current_umask());
	err = w.dir->iops->create(w.dir, w.last, w.lastlen, mode, out);
	if (!err) {
		inode_touch(w.dir, true, true);
		fsnotify(w.dir, *out, w.last, w.lastlen, IN_CREATE, 0);
	}
out:
	walk_done(&w);
	return err;
}

int vfs_mkdir(struct inode *dir, const char *path, unsigned mode)
{
	struct inode *ino;
	int err = vfs_mknod(dir, path, S_IFDIR | (mode & 07777), &ino);

	if (err)
		return err;
	inode_unref(ino);
	return 0;
}

int vfs_unlink(struct inode *dir, const char *path, bool is_rmdir)
{
	struct walk w;
	int err = walk_path(dir, path, false, &w);

	if (err)
		return err;
	if (!w.ino) {
		err = -ENOENT;
		goto out;
	}
	if (w.dot) {
		/* rmdir("x/.") is EINVAL, rmdir("..") ENOTEMPTY, unlink of either EISDIR. */
		if (!is_rmdir)
			err = -EISDIR;
		else if (w.lastlen == 2)
			err = -ENOTEMPTY;
		else
			err = w.ino == vfs_root() ? -EBUSY : -EINVAL;
		goto out;
	}
	if (is_rmdir && !S_ISDIR(w.ino->mode)) {
		err = -ENOTDIR;
		goto out;
	}
	if (!is_rmdir && S_ISDIR(w.ino->mode)) {
		err = -EISDIR;
		goto out;
	}
	if (w.ino->covered || w.ino == vfs_root()) {
		err = -EBUSY;
		goto out;
	}
	if (!is_rmdir && w.slash) {
		err = -ENOTDIR;
		goto out;
	}
	err = vfs_may_write(w.dir);
	if (err)
		goto out;
	if (!w.dir->iops || !w.dir->iops->unlink) {
		err = -EPERM;
		goto out;
	}
	err = w.dir->iops->unlink(w.dir, w.last, w.lastlen, is_rmdir);
	if (!err) {
		inode_touch(w.dir, true, true);
		inode_touch(w.ino, false, true);
		/* Linux's order: the link count, the inode's end, then the name. */
		if (!is_rmdir)
			fsnotify(NULL, w.ino, NULL, 0, IN_ATTRIB, 0);
		fsnotify_drop(w.ino);   /* the walk holds the last reference but watches' */
		fsnotify(w.dir, w.ino, w.last, w.lastlen, IN_DELETE, 0);
	}
out:
	walk_done(&w);
	return err;
}

int vfs_symlink(const char *target, struct inode *dir, const char *path)
{
	struct walk w;
	struct inode *ino;
	int err;
	size_t tlen = strnlen(target, PATH_MAX);

	if (tlen == 0)
		return -ENOENT;
	if (tlen >= PATH_MAX)
		return -ENAMETOOLONG;
	err = walk_path(dir, path, false, &w);
	if (err)
		return err;
	if (w.ino) {
		err = -EEXIST;
		goto out;
	}
	if (w.slash || w.dir->nlink == 0) {
		err = -ENOENT;
		goto out;
	}
	err = vfs_may_write(w.dir);
	if (err)
		goto out;
	if (!w.dir->iops || !w.dir->iops->symlink) {
		err = -EPERM;
		goto out;
	}
	err = w.dir->iops->symlink(w.dir, w.last, w.lastlen, target, &ino);
	if (!err) {
		inode_touch(w.dir, true, true);
		fsnotify(w.dir, ino, w.last, w.lastlen, IN_CREATE, 0);
		inode_unref(ino);
	}
out:
	walk_done(&w);
	return err;
}

int vfs_link_inode(struct inode *target, struct inode *dir, const char *path)
{
	struct walk w;
	int err;

	if (S_ISDIR(target->mode))
		return -EPERM;
	err = walk_path(dir, path, false, &w);
	if (err)
		return err;
	if (w.ino)
		err = -EEXIST;
	else if (w.slash || w.dir->nlink == 0)
		err = -ENOENT;
	else if (target->nlink == 0)
		err = -ENOENT;          /* linking an unlinked file back needs O_TMPFILE rules */
	else if (w.dir->dev != target->dev)
		err = -EXDEV;
	else if (vfs_may_write(w.dir))
		err = -EROFS;
	else if (!w.dir->iops || !w.dir->iops->link)
		err = -EPERM;
	else
		err = w.dir->iops->link(w.dir, w.last, w.lastlen, target);
	if (!err) {
		inode_touch(w.dir, true, true);
		inode_touch(target, false, true);
		fsnotify(NULL, target, NULL, 0, IN_ATTRIB, 0);
		fsnotify(w.dir, target, w.last, w.lastlen, IN_CREATE, 0);
	}
	walk_done(&w);
	return err;
}

int vfs_link(struct inode *olddir, const char *oldpath, struct inode *newdir,
	     const char *newpath, bool follow)
{
	struct inode *target;
	int err = vfs_lookup(olddir, oldpath, !follow, &target);

	if (err)
		return err;
	err = vfs_link_inode(target, newdir, newpath);
	inode_unref(target);
	return err;
}

/* True when a is d or lies below directory d (follows ".." up to the root). */
static bool is_ancestor(struct inode *d, struct inode *a)
{
	struct inode *cur = a, *up;

	inode_ref(cur);
	for (;;) {
		if (cur == d) {
			inode_unref(cur);
			return true;
		}
		if (cur == vfs_root() || lookup_one(cur, "..", 2, &up) != 0) {
			inode_unref(cur);
			return false;
		}
		inode_unref(cur);
		if (up == cur)
			return false;
		cur = up;
	}
}

/* inotify events of a rename done, in Linux's order; n->ino is the replaced file. */
static void notify_rename(struct walk *o, struct walk *n)
{
	uint32_t cookie = fsnotify_cookie();

	fsnotify(o->dir, o->ino, o->last, o->lastlen, IN_MOVED_FROM, cookie);
	fsnotify(n->dir, o->ino, n->last, n->lastlen, IN_MOVED_TO, cookie);
	if (n->ino)
		fsnotify(NULL, n->ino, NULL, 0, IN_ATTRIB, 0);
	fsnotify(NULL, o->ino, NULL, 0, IN_MOVE_SELF, 0);
	if (n->ino)
		fsnotify_drop(n->ino);
}

int vfs_rename(struct inode *olddir, const char *oldpath, struct inode *newdir,
	       const char *newpath, unsigned flags)
{
	struct walk o, n;
	int err;

	if (flags & ~(unsigned)RENAME_NOREPLACE)
		return -EINVAL;
	err = walk_path(olddir, oldpath, false, &o);
	if (err)
		return err;
	err = walk_path(newdir, newpath, false, &n);
	if (err)
		goto out_old;
	if (!o.ino) {
		err = -ENOENT;
		goto out;
	}
	if (o.dot || n.dot) {
		err = (o.ino == vfs_root() || n.ino == vfs_root()) ? -EBUSY : -EINVAL;
		goto out;
	}
	if (o.ino->covered || (n.ino && n.ino->covered)) {
		err = -EBUSY;
		goto out;
	}
	if (o.slash && !S_ISDIR(o.ino->mode)) {
		err = -ENOTDIR;
		goto out;
	}
	if (n.slash && !S_ISDIR(o.ino->mode)) {
		err = -ENOTDIR;
		goto out;
	}
	if (o.dir->dev != n.dir->dev) {
		err = -EXDEV;
		goto out;
	}
	if (n.ino == o.ino) {           /* same file: nothing to do */
		err = (flags & RENAME_NOREPLACE) ? -EEXIST : 0;
		goto out;
	}
	if (n.ino && (flags & RENAME_NOREPLACE)) {
		err = -EEXIST;
		goto out;
	}
	if (n.ino && S_ISDIR(o.ino->mode) && !S_ISDIR(n.ino->mode)) {
		err = -ENOTDIR;
		goto out;
	}
	if (n.ino && !S_ISDIR(o.ino->mode) && S_ISDIR(n.ino->mode)) {
		err = -EISDIR;
		goto out;
	}
	if (S_ISDIR(o.ino->mode) && is_ancestor(o.ino, n.dir)) {
		err = -EINVAL;
		goto out;
	}
	if (n.dir->nlink == 0) {
		err = -ENOENT;
		goto out;
	}
	err = vfs_may_write(o.dir);
	if (err)
		goto out;
	if (!o.dir->iops || !o.dir->iops->rename) {
		err = -EPERM;
		goto out;
	}
	err = o.dir->iops->rename(o.dir, o.last, o.lastlen, n.dir, n.last, n.lastlen, flags);
	if (!err) {
		inode_touch(o.dir, true, true);
		inode_touch(n.dir, true, true);
		inode_touch(o.ino, false, true);
		if (unlikely(fsnotify_watches))
			notify_rename(&o, &n);
	}
out:
	walk_done(&n);
out_old:
	walk_done(&o);
	return err;
}

