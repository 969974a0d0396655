/* SPDX-License-Identifier: MIT */
/* kshim.h: host stand-ins for the kernel services the file system code uses, for unit tests. */
#ifndef KSHIM_H
#define KSHIM_H

#include "kernel.h"

/*
 * <linux/stat.h> hides the S_IF* constants when it sees glibc (which the
 * host's <stdint.h> pulls in), because glibc's <sys/stat.h> has its own.
 * The kernel never sees glibc; the tests supply the same ABI values.
 */
#ifndef S_IFMT
#define S_IFMT   00170000
#define S_IFSOCK 0140000
#define S_IFLNK  0120000
#define S_IFREG  0100000
#define S_IFBLK  0060000
#define S_IFDIR  0040000
#define S_IFCHR  0020000
#define S_IFIFO  0010000
#define S_ISUID  0004000
#define S_ISGID  0002000
#define S_ISVTX  0001000
#define S_ISLNK(m)  (((m) & S_IFMT) == S_IFLNK)
#define S_ISREG(m)  (((m) & S_IFMT) == S_IFREG)
#define S_ISDIR(m)  (((m) & S_IFMT) == S_IFDIR)
#define S_ISCHR(m)  (((m) & S_IFMT) == S_IFCHR)
#define S_ISBLK(m)  (((m) & S_IFMT) == S_IFBLK)
#define S_ISFIFO(m) (((m) & S_IFMT) == S_IFIFO)
#define S_ISSOCK(m) (((m) & S_IFMT) == S_IFSOCK)
#define S_IXUSR 00100
#define S_IXGRP 00010
#define S_IXOTH 00001
#endif

#include "ktime.h"
#include "mm.h"
#include "sched.h"
#include "vfs.h"

/* Checks: print "FAIL: file:line: what" and count, never stop. */
extern int shim_failures;
#define CHECK(cond) do { if (!(cond)) { shim_failed(__FILE__, __LINE__, #cond); } } while (0)
#define CHECK_EQ(a, b) do { long long _a = (long long)(a), _b = (long long)(b); \
	if (_a != _b) shim_failed_eq(__FILE__, __LINE__, #a, _a, _b); } while (0)
void shim_failed(const char *file, int line, const char *what);
void shim_failed_eq(const char *file, int line, const char *what, long long got, long long want);

/* A fake process (pid 1) using fdt; cwd starts as NULL (the root). */
void shim_init_proc(struct fdtable *fdt);
extern struct proc shim_proc;

/* Console: what was written, and bytes to hand to plat_console_getc(). */
extern char shim_console_out[65536];
extern size_t shim_console_len;
void shim_console_input(const char *s);

/* The last signal passed to signal_send_self(), and poll_notify() calls. */
extern int shim_last_signal;
extern int shim_poll_notifies;
/* Fake monotonic clock: waitq_wait() with a deadline jumps to it. */
extern uint64_t shim_mono_ns;

#endif
