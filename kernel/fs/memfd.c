/* SPDX-License-Identifier: MIT */
/* memfd.c: memfd_create(2), an unnamed ramfs file, and its seals (fcntl F_ADD_SEALS, F_GET_SEALS). */
#include "kernel.h"
#include "mm.h"
#include "sched.h"
#include "syscall.h"
#include "vfs.h"
#include <linux/fcntl.h>
#include <linux/memfd.h>

#define MFD_NAME_MAX 249           /* NAME_MAX - strlen("memfd:") */
#define MEMFD_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)

long sys_memfd_create(const char *uname, unsigned flags)
{
	char name[MFD_NAME_MAX + 1];
	char path[sizeof("/memfd:") + MFD_NAME_MAX + sizeof(" (deleted)")];
	struct inode *ino;
	struct file *f;
	long n, fd;

	if (flags & ~(MFD_CLOEXEC | MFD_ALLOW_SEALING))
		return -EINVAL;     /* MFD_HUGETLB: no hugetlbfs */
	n = strncpy_from_user(name, uname, sizeof(name));
	if (n == -ENAMETOOLONG)
		return -EINVAL;
	if (n < 0)
		return n;
	ino = ramfs_create_unlinked(S_IFREG | 0777);
	if (!ino)
		return -ENOMEM;
	ino->seals = (flags & MFD_ALLOW_SEALING) ? 0 : F_SEAL_SEAL;
	f = file_alloc(ino, ino->fops, O_RDWR | O_LARGEFILE);
	inode_unref(ino);
	if (!f)
		return -ENOMEM;
	snprintk(path, sizeof(path), "/memfd:%s (deleted)", name);
	f->path = kstrdup(path);
	fd = fd_install(current_proc()->fdt, f, 0, flags & MFD_CLOEXEC);
	if (fd < 0)
		file_unref(f);
	return fd;
}

long memfd_fcntl(struct file *f, int cmd, unsigned long arg)
{
	struct inode *ino = f->inode;

	/* Only ramfs regular files (tmpfs on Linux) carry seals. */
	if (!ino || !ramfs_is_file(ino))
		return -EINVAL;
	if (cmd == F_GET_SEALS)
		return ino->seals;
	if (cmd != F_ADD_SEALS)
		return -EINVAL;
	if ((f->flags & O_ACCMODE) == O_RDONLY)
		return -EPERM;
	if (arg & ~(unsigned long)MEMFD_SEALS)
		return -EINVAL;
	if (ino->seals & F_SEAL_SEAL)
		return -EPERM;
	if ((arg & F_SEAL_WRITE) && !(ino->seals & F_SEAL_WRITE) && vm_file_mapped_writable(ino))
		return -EBUSY;
	ino->seals |= arg;
	return 0;
}
