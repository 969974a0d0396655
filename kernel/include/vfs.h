/* SPDX-License-Identifier: MIT */
/* vfs.h: inodes, open files, descriptor tables and path lookup. */
#ifndef VFS_H
#define VFS_H

#include "kernel.h"
#include <linux/stat.h>   /* S_IFMT, S_IFREG, ... */

struct file;
struct inode;
struct stat;
struct pollfd;

/* Operations on an open file.  Buffers are kernel pointers or user pointers
 * that the system call layer already checked with user_ok(). */
struct file_ops {
	ssize_t (*read)(struct file *f, void *buf, size_t n, off_t *off);
	ssize_t (*write)(struct file *f, const void *buf, size_t n, off_t *off);
	/* Returns the ready events (POLLIN, POLLOUT, POLLHUP, ...) without blocking. */
	unsigned (*poll)(struct file *f);
	long (*ioctl)(struct file *f, unsigned long cmd, unsigned long arg);
	void (*release)(struct file *f);
};

struct inode_ops;

struct inode {
	uint64_t ino;
	unsigned mode;            /* S_IFREG | 0644, ... */
	unsigned nlink;
	unsigned uid, gid;
	uint64_t size;
	uint64_t rdev;
	int64_t atime_ns, mtime_ns, ctime_ns;
	int refs;
	const struct inode_ops *iops;
	const struct file_ops *fops;  /* used by open() */
	void *priv;                   /* per-file-system data */
};

/* An open file description, shared by dup'ed descriptors. */
struct file {
	int refs;
	struct inode *inode;
	const struct file_ops *ops;
	off_t pos;
	unsigned flags;            /* O_RDONLY/O_WRONLY/O_RDWR, O_APPEND, O_NONBLOCK, ... */
	void *priv;
};

/* fs/vfs.c */
void vfs_init(void);
/* Unpacks a cpio "newc" archive into the root file system; returns 0 or -errno. */
int initrd_unpack(const void *data, size_t len);
/* Looks up path relative to dir (NULL = the current directory); follows symlinks
 * unless nofollow.  Returns 0 with a referenced inode in *out, or -errno. */
int vfs_lookup(struct inode *dir, const char *path, bool nofollow, struct inode **out);
/* Reads from an inode's data without opening it (exec, mmap). */
ssize_t vfs_read_inode(struct inode *ino, void *buf, size_t n, off_t off);
void inode_ref(struct inode *ino);
void inode_unref(struct inode *ino);
/* Opens path like openat(2); returns 0 with a new file in *out, or -errno. */
int vfs_open(struct inode *dir, const char *path, int flags, unsigned mode, struct file **out);
struct file *file_alloc(struct inode *ino, const struct file_ops *ops, unsigned flags);
void file_ref(struct file *f);
void file_unref(struct file *f);

/* Descriptor tables. */
#define FD_MAX 1024
struct fdtable;
struct fdtable *fdtable_create(void);
/* Installs f at the lowest free descriptor >= min; returns it or -EMFILE.  Takes over the caller's reference. */
int fd_install(struct fdtable *t, struct file *f, int min, bool cloexec);
/* Returns the file at fd with no new reference, or NULL. */
struct file *fd_get(struct fdtable *t, int fd);
int fd_close(struct fdtable *t, int fd);

/* The console as a file, for descriptors 0, 1 and 2. */
struct file *console_file_open(void);

/* Console input: readers wait here; the serial interrupt (or a poll) wakes them. */
struct waitq;
extern struct waitq console_waitq;

#endif
