/* SPDX-License-Identifier: MIT */
/* sys_xattr.c: extended attributes: the file systems husk has keep none, so every call says EOPNOTSUPP once the file is found. */
#include "kernel.h"
#include "sched.h"
#include "syscall.h"
#include "vfs.h"

/* Looks the path up (so a missing file is ENOENT, as on Linux), then reports no xattr support. */
static long path_xattr(const char *upath, bool nofollow)
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
	inode_unref(ino);
	return -EOPNOTSUPP;
}

static long fd_xattr(int fd)
{
	return fd_peek(current_proc()->fdt, fd) ? -EOPNOTSUPP : -EBADF;
}

long sys_getxattr(const char *path, const char *name, void *value, size_t size) { return path_xattr(path, false); }
long sys_lgetxattr(const char *path, const char *name, void *value, size_t size) { return path_xattr(path, true); }
long sys_fgetxattr(int fd, const char *name, void *value, size_t size) { return fd_xattr(fd); }
long sys_setxattr(const char *path, const char *name, const void *value, size_t size, int flags) { return path_xattr(path, false); }
long sys_lsetxattr(const char *path, const char *name, const void *value, size_t size, int flags) { return path_xattr(path, true); }
long sys_fsetxattr(int fd, const char *name, const void *value, size_t size, int flags) { return fd_xattr(fd); }
long sys_listxattr(const char *path, char *list, size_t size) { return path_xattr(path, false); }
long sys_llistxattr(const char *path, char *list, size_t size) { return path_xattr(path, true); }
long sys_flistxattr(int fd, char *list, size_t size) { return fd_xattr(fd); }
long sys_removexattr(const char *path, const char *name) { return path_xattr(path, false); }
long sys_lremovexattr(const char *path, const char *name) { return path_xattr(path, true); }
long sys_fremovexattr(int fd, const char *name) { return fd_xattr(fd); }
