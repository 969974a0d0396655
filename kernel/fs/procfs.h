/* SPDX-License-Identifier: MIT */
/* procfs.h: what fs/procfs.c (the tree, inodes, lookup, readdir) and fs/procfs_gen.c (the generators and their tables) share. */
#ifndef FS_PROCFS_H
#define FS_PROCFS_H

#include "kernel.h"

/*
 * Every file is generated when it is read: a generator writes the whole
 * contents (or a symlink's target) into a growable buffer.  To add a file,
 * write a generator and add a line to a table in procfs_gen.c
 * (root_entries, pid_entries, or a directory's table; /sys is sysfs_root).
 * Inodes are made on lookup and freed when the last reference goes (nlink
 * 0); their numbers are derived from what they name, so they are stable.
 */

/* A generated file's contents; err is set on the first failure and further writes are ignored. */
struct pbuf {
	char *buf;
	size_t len, cap;
	int err;
};

/* procfs.c: appending to a buffer; pbuf_printf formats like printk. */
void pbuf_write(struct pbuf *b, const void *data, size_t n);
void __printf(2, 3) pbuf_printf(struct pbuf *b, const char *fmt, ...);

/*
 * A file, link or directory.  Directories list children; two of them are
 * special: the /proc root also holds a directory named by the pid, and a
 * pid's fd/ lists the open descriptors.
 */
#define PE_PIDS 0x1      /* also holds <pid>/ */
#define PE_FDS 0x2       /* lists the descriptor table */

struct proc_entry {
	const char *name;
	unsigned mode;                              /* S_IFREG, S_IFLNK or S_IFDIR, with permissions */
	void (*gen)(struct pbuf *b);                /* files and links */
	const struct proc_entry *children;          /* directories */
	size_t nchildren;
	unsigned flags;
};
#define FILE_ENTRY(n, g) { n, S_IFREG | 0444, g, NULL, 0, 0 }
#define LINK_ENTRY(n, g) { n, S_IFLNK | 0777, g, NULL, 0, 0 }
#define DIR_ENTRY(n, t) { n, S_IFDIR | 0555, NULL, t, ARRAY_SIZE(t), 0 }

/* procfs_gen.c: the roots of /proc and /sys, and the directory of a pid. */
extern const struct proc_entry procfs_root, sysfs_root, procfs_pid_dir;
/* The process the generator being run describes (NULL: the caller). */
extern struct proc *procfs_target;
/* What /proc/self/fd/N points to. */
void procfs_fd_link(struct pbuf *b, int fd);

#endif
