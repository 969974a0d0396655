/* SPDX-License-Identifier: MIT */
/* sys_xattr.c: extended attributes, through the inode operations of file systems that keep them (ext2/3/4); EOPNOTSUPP on the others. */
#include "kernel.h"
#include "mm.h"
#include "sched.h"
#include "syscall.h"
#include "vfs.h"
#include <linux/fcntl.h>
#include <linux/limits.h>
#include <linux/xattr.h>

enum xop { XGET, XSET, XLIST, XREMOVE };

struct xargs {
	const char *uname;
	void *uvalue;          /* get/set: the value; list: the list buffer */
	size_t size;
	int flags;
};

/* Does op on ino with the user's arguments. */
static long do_xattr(struct inode *ino, enum xop op, const struct xargs *a)
{
	const struct inode_ops *ops = ino->iops;
	char name[XATTR_NAME_MAX + 1];
	void *buf = NULL;
	long r;

	if (op != XLIST) {
		r = strncpy_from_user(name, a->uname, sizeof(name));
		if (r < 0)
			return r == -ENAMETOOLONG ? -ERANGE : r;
		if (r == 0)
			return -ERANGE;
	}
	if (a->size > XATTR_SIZE_MAX)
		return op == XSET ? -E2BIG : -ERANGE;
	if ((op == XSET || op == XREMOVE) && vfs_may_write(ino))
		return -EROFS;
	if (a->size) {
		buf = kmalloc(a->size);
		if (!buf)
			return -ENOMEM;
	}
	switch (op) {
	case XGET:
		r = ops && ops->getxattr ? ops->getxattr(ino, name, buf, a->size) : -EOPNOTSUPP;
		if (r > 0 && a->size && copy_to_user(a->uvalue, buf, r))
			r = -EFAULT;
		break;
	case XLIST:
		r = ops && ops->listxattr ? ops->listxattr(ino, buf, a->size) : -EOPNOTSUPP;
		if (r > 0 && a->size && copy_to_user(a->uvalue, buf, r))
			r = -EFAULT;
		break;
	case XSET:
		if (a->flags & ~(XATTR_CREATE | XATTR_REPLACE))
			r = -EINVAL;
		else if (a->size && copy_from_user(buf, a->uvalue, a->size))
			r = -EFAULT;
		else
			r = ops && ops->setxattr ? ops->setxattr(ino, name, buf, a->size, a->flags) : -EOPNOTSUPP;
		if (r == 0)
			inode_touch(ino, false, true);
		break;
	case XREMOVE:
		r = ops && ops->removexattr ? ops->removexattr(ino, name) : -EOPNOTSUPP;
		if (r == 0)
			inode_touch(ino, false, true);
		break;
	}
	kfree(buf);
	return r;
}

static long path_xattr(const char *upath, bool nofollow, enum xop op, struct xargs a)
{
	char *path;
	struct inode *ino;
	int err = user_path(upath, false, &path);

	if (err)
		return err;
	err = vfs_lookup(NULL, path, nofollow, &ino);
	kfree(path);
	if (err)
		return err;
	err = do_xattr(ino, op, &a);
	inode_unref(ino);
	return err;
}

static long fd_xattr(int fd, enum xop op, struct xargs a)
{
	struct file *f = fd_get(current_proc()->fdt, fd);
	long err = -EBADF;

	if (f && f->inode && !(f->flags & O_PATH))
		err = do_xattr(f->inode, op, &a);
	fput(f);
	return err;
}

#define GET(n, v, s) ((struct xargs){ .uname = (n), .uvalue = (v), .size = (s) })
#define SET(n, v, s, f) ((struct xargs){ .uname = (n), .uvalue = (void *)(v), .size = (s), .flags = (f) })
#define LIST(l, s) ((struct xargs){ .uvalue = (l), .size = (s) })
#define NAME(n) ((struct xargs){ .uname = (n) })

long sys_getxattr(const char *path, const char *name, void *value, size_t size) { return path_xattr(path, false, XGET, GET(name, value, size)); }
long sys_lgetxattr(const char *path, const char *name, void *value, size_t size) { return path_xattr(path, true, XGET, GET(name, value, size)); }
long sys_fgetxattr(int fd, const char *name, void *value, size_t size) { return fd_xattr(fd, XGET, GET(name, value, size)); }
long sys_setxattr(const char *path, const char *name, const void *value, size_t size, int flags) { return path_xattr(path, false, XSET, SET(name, value, size, flags)); }
long sys_lsetxattr(const char *path, const char *name, const void *value, size_t size, int flags) { return path_xattr(path, true, XSET, SET(name, value, size, flags)); }
long sys_fsetxattr(int fd, const char *name, const void *value, size_t size, int flags) { return fd_xattr(fd, XSET, SET(name, value, size, flags)); }
long sys_listxattr(const char *path, char *list, size_t size) { return path_xattr(path, false, XLIST, LIST(list, size)); }
long sys_llistxattr(const char *path, char *list, size_t size) { return path_xattr(path, true, XLIST, LIST(list, size)); }
long sys_flistxattr(int fd, char *list, size_t size) { return fd_xattr(fd, XLIST, LIST(list, size)); }
long sys_removexattr(const char *path, const char *name) { return path_xattr(path, false, XREMOVE, NAME(name)); }
long sys_lremovexattr(const char *path, const char *name) { return path_xattr(path, true, XREMOVE, NAME(name)); }
long sys_fremovexattr(int fd, const char *name) { return fd_xattr(fd, XREMOVE, NAME(name)); }
