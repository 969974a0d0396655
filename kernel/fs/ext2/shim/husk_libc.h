/* SPDX-License-Identifier: MIT */
/*
 * husk_libc.h: the C library subset libext2fs uses, for its build inside the
 * kernel; every shim header (stdio.h, stdlib.h, ...) includes this one.
 * fs/ext2/libc.c implements it over the kernel's heap, printk and clock.
 * Only libext2fs sees these names: kernel code keeps kmalloc and friends.
 */
#ifndef HUSK_LIBC_H
#define HUSK_LIBC_H

#include "kernel.h"
#include <asm-generic/errno.h>
#include <linux/types.h>

/* limits (glibc's limits.h would make the UAPI headers think they serve glibc). */
#define CHAR_BIT 8
#define SCHAR_MAX __SCHAR_MAX__
#define UCHAR_MAX (__SCHAR_MAX__ * 2 + 1)
#define SHRT_MAX __SHRT_MAX__
#define USHRT_MAX (__SHRT_MAX__ * 2 + 1)
#define INT_MAX __INT_MAX__
#define INT_MIN (-INT_MAX - 1)
#define UINT_MAX (__INT_MAX__ * 2U + 1U)
#define LONG_MAX __LONG_MAX__
#define LONG_MIN (-LONG_MAX - 1L)
#define ULONG_MAX (__LONG_MAX__ * 2UL + 1UL)
#define LLONG_MAX __LONG_LONG_MAX__
#define ULLONG_MAX (__LONG_LONG_MAX__ * 2ULL + 1ULL)
#define SSIZE_MAX LONG_MAX
#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

typedef unsigned mode_t;
typedef unsigned uid_t;
typedef unsigned gid_t;
typedef unsigned long dev_t;
typedef unsigned long ino_t;
typedef long time_t;
typedef long blkcnt_t;
typedef long blksize_t;
typedef unsigned nlink_t;
typedef long long loff_t;
typedef int pid_t;

/* errno: one CPU, and libext2fs runs with the file system lock held. */
extern int errno;

/* stdio: messages go to the kernel log. */
typedef struct husk_file FILE;
extern FILE *stderr, *stdout;
int fprintf(FILE *f, const char *fmt, ...) __printf(2, 3);
int printf(const char *fmt, ...) __printf(1, 2);
int vfprintf(FILE *f, const char *fmt, va_list ap);
int fputs(const char *s, FILE *f);
int fputc(int c, FILE *f);
#define putc fputc
int fflush(FILE *f);
#define snprintf snprintk
#define vsnprintf vsnprintk
int sprintf(char *buf, const char *fmt, ...) __printf(2, 3);

/* stdlib */
void *malloc(size_t n);
void *calloc(size_t n, size_t size);
void *realloc(void *p, size_t n);
void free(void *p);
int posix_memalign(void **out, size_t align, size_t n);
void abort(void) __noreturn;
void qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *));
unsigned long strtoul(const char *s, char **end, int base);
unsigned long long strtoull(const char *s, char **end, int base);
char *getenv(const char *name);
int abs(int x);

/* string */
char *strcpy(char *dst, const char *src);
char *strncpy(char *dst, const char *src, size_t n);
char *strcat(char *dst, const char *src);
char *strdup(const char *s);
void *memchr(const void *s, int c, size_t n);
int strcasecmp(const char *a, const char *b);
char *strerror(int err);

/* ctype */
static inline int isdigit(int c) { return c >= '0' && c <= '9'; }
static inline int isupper(int c) { return c >= 'A' && c <= 'Z'; }
static inline int islower(int c) { return c >= 'a' && c <= 'z'; }
static inline int isalpha(int c) { return isupper(c) || islower(c); }
static inline int isalnum(int c) { return isalpha(c) || isdigit(c); }
static inline int isspace(int c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
static inline int isprint(int c) { return c >= 0x20 && c < 0x7f; }
static inline int tolower(int c) { return isupper(c) ? c + 32 : c; }
static inline int toupper(int c) { return islower(c) ? c - 32 : c; }

/* time: seconds of the real-time clock. */
time_t time(time_t *t);
struct timeval { long tv_sec, tv_usec; };
int gettimeofday(struct timeval *tv, void *tz);

/* unistd */
long sysconf(int name);
#define _SC_PAGESIZE 30
int getpagesize(void);
pid_t getpid(void);

/* assert: a broken invariant inside libext2fs stops the machine. */
#define assert(x) BUG_ON(!(x))

/* stat: the mode bits */
#include <linux/stat.h>

#endif
