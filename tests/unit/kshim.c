/* SPDX-License-Identifier: MIT */
/* kshim.c: host implementations of kmalloc, printk, user access, wait queues and clocks for unit tests. */
#include "kshim.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int shim_failures;
struct proc shim_proc;
static struct thread shim_thread;
struct thread *current;
char shim_console_out[65536];
size_t shim_console_len;
static char shim_in[4096];
static size_t shim_in_pos, shim_in_len;
int shim_last_signal;
int shim_poll_notifies;
uint64_t shim_mono_ns = 1000;
bool kernel_quiet = true;
struct waitq poll_waitq = WAITQ_INIT(poll_waitq);

void shim_failed(const char *file, int line, const char *what)
{
	printf("FAIL: %s:%d: %s\n", file, line, what);
	shim_failures++;
}

void shim_failed_eq(const char *file, int line, const char *what, long long got, long long want)
{
	printf("FAIL: %s:%d: %s is %lld, want %lld\n", file, line, what, got, want);
	shim_failures++;
}

void shim_init_proc(struct fdtable *fdt)
{
	shim_proc.pid = 1;
	shim_proc.umask = 022;
	shim_proc.fdt = fdt;
	shim_thread.proc = &shim_proc;
	current = &shim_thread;
}

void shim_console_input(const char *s)
{
	size_t n = strlen(s);

	memcpy(shim_in, s, n);
	shim_in_pos = 0;
	shim_in_len = n;
}

void *kmalloc(size_t n) { return malloc(n ? n : 1); }
void *kzalloc(size_t n) { return calloc(1, n ? n : 1); }
void *krealloc(void *p, size_t n) { return realloc(p, n ? n : 1); }
void kfree(void *p) { free(p); }

char *kstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = kmalloc(n);

	if (d)
		memcpy(d, s, n);
	return d;
}

size_t strlcpy(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);

	if (size) {
		size_t c = n < size - 1 ? n : size - 1;

		memcpy(dst, src, c);
		dst[c] = '\0';
	}
	return n;
}

int vsnprintk(char *buf, size_t size, const char *fmt, va_list ap)
{
	return vsnprintf(buf, size, fmt, ap);
}

int snprintk(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

void printk(const char *fmt, ...)
{
	(void)fmt;
}

void printk_err(const char *fmt, ...)
{
	va_list ap;

	if (getenv("SHIM_VERBOSE")) {
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
	}
}

void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "panic: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	abort();
}

/* The vDSO's place, for /proc/self/maps (time/vdso.c). */
uint64_t vdso_base(void)
{
	return 0xffffffff80108000ULL;
}

uint64_t vdso_size(void)
{
	return 4096;
}

void boot_out_of_memory(const char *what)
{
	fprintf(stderr, "boot_out_of_memory: %s\n", what);
	abort();
}

void console_write(const char *buf, size_t n)
{
	if (n > sizeof(shim_console_out) - shim_console_len)
		n = sizeof(shim_console_out) - shim_console_len;
	memcpy(shim_console_out + shim_console_len, buf, n);
	shim_console_len += n;
}

bool console_mux;

void console_write_stream(enum console_stream s, const char *buf, size_t n)
{
	(void)s;
	console_write(buf, n);
}

void console_queue_stream(enum console_stream s, const char *buf, size_t n)
{
	console_write_stream(s, buf, n);
}

void console_push(void)
{
}

/* The host tests feed input before reading: no interrupt is needed. */
int plat_console_irq_init(void (*input)(void))
{
	(void)input;
	return 0;
}

int plat_console_getc(void)
{
	return shim_in_pos < shim_in_len ? (unsigned char)shim_in[shim_in_pos++] : -1;
}

/* No bulk channel in the host tests: the shim's input is the platform console. */
int console_raw_getc(void)
{
	return plat_console_getc();
}

size_t console_raw_peek(const char **p)
{
	(void)p;
	return 0;
}

void console_raw_consume(size_t n)
{
	(void)n;
}

void *page_alloc(void)
{
	return calloc(1, 4096);
}

void page_free(void *p)
{
	free(p);
}

uint64_t page_total_bytes(void) { return 256ULL << 20; }
uint64_t page_free_bytes(void) { return 128ULL << 20; }

/* "User" memory is the host's; the first page stands for an unmapped address. */
bool user_ok(const void *uaddr, size_t n, bool write)
{
	(void)write;
	return (uintptr_t)uaddr >= 4096 && (uintptr_t)uaddr + n >= (uintptr_t)uaddr;
}

int copy_from_user(void *dst, const void *usrc, size_t n)
{
	if (!user_ok(usrc, n, false))
		return -EFAULT;
	memcpy(dst, usrc, n);
	return 0;
}

int copy_to_user(void *udst, const void *src, size_t n)
{
	if (!user_ok(udst, n, true))
		return -EFAULT;
	memcpy(udst, src, n);
	return 0;
}

/* Host memory does not fault here: the copies always succeed. */
int memcpy_user(void *dst, const void *src, size_t n)
{
	memcpy(dst, src, n);
	return 0;
}

int memzero_user(void *dst, size_t n)
{
	memset(dst, 0, n);
	return 0;
}

long strncpy_from_user(char *dst, const char *usrc, size_t max)
{
	size_t n;

	if (!user_ok(usrc, 1, false))
		return -EFAULT;
	n = strnlen(usrc, max);
	if (n >= max)
		return -ENAMETOOLONG;
	memcpy(dst, usrc, n + 1);
	return n;
}

/* Nothing can wake a single-threaded test: a wait with a deadline times out
 * (moving the clock there), a wait without one is "interrupted", and so is
 * the 1000th timed wait in a row, so that polling loops end. */
int waitq_wait(struct waitq *q, uint64_t deadline_ns)
{
	static int timed_in_a_row;

	(void)q;
	if (deadline_ns && ++timed_in_a_row < 1000) {
		if (deadline_ns > shim_mono_ns)
			shim_mono_ns = deadline_ns;
		return -ETIMEDOUT;
	}
	timed_in_a_row = 0;
	return -EINTR;
}

void waitq_wake_one(struct waitq *q) { (void)q; }
void waitq_wake_all(struct waitq *q) { (void)q; }
void poll_notify(void) { shim_poll_notifies++; }
/* The host tests run with the full descriptor table. */
int fd_limit(void) { return FD_MAX; }
/* No address spaces in the host tests: nothing maps files. */
void vm_file_truncated(struct inode *ino, uint64_t size) { (void)ino; (void)size; }
bool vm_file_mapped_writable(struct inode *ino) { (void)ino; return false; }
/* ... and no page tables (procfs counts resident pages). */
uint64_t *pt_walk(uint64_t *pml4, uint64_t va, bool alloc) { (void)pml4; (void)va; (void)alloc; return NULL; }

/* One process: the shim's. */
struct proc *proc_find(int pid) { return pid == shim_proc.pid ? &shim_proc : NULL; }
struct proc *proc_nth(size_t n) { return n == 0 ? &shim_proc : NULL; }
bool proc_pgrp_in_session(int pgid, int sid) { return pgid == shim_proc.pid && (sid < 0 || sid == shim_proc.pid); }

uint64_t clock_monotonic_ns(void) { return shim_mono_ns; }
int64_t clock_realtime_ns(void) { return 1700000000LL * 1000000000LL + (int64_t)shim_mono_ns; }
uint64_t clock_steal_ns(void) { return 0; }
uint64_t clock_tsc_hz(void) { return 2000000000ULL; }

void random_bytes(void *buf, size_t n)
{
	for (size_t i = 0; i < n; i++)
		((uint8_t *)buf)[i] = (uint8_t)(i * 131 + 7);
}

int random_bytes_user(void *buf, size_t n)
{
	random_bytes(buf, n);
	return 0;
}

void signal_send_self(int sig)
{
	shim_last_signal = sig;
}

/* fs/inotify.c is not linked in: with no watch the hooks never call these. */
unsigned fsnotify_watches;
void fsnotify_event(struct inode *dir, struct inode *ino, const char *name, size_t len,
		    uint32_t mask, uint32_t cookie)
{
	(void)dir; (void)ino; (void)name; (void)len; (void)mask; (void)cookie;
}
void fsnotify_path_event(struct inode *base, const char *path, struct inode *ino, uint32_t mask)
{
	(void)base; (void)path; (void)ino; (void)mask;
}
uint32_t fsnotify_cookie(void) { return 1; }
void fsnotify_drop_event(struct inode *ino) { (void)ino; }

/* No pseudo-terminals in the host tests (fs/pty.c): /dev/ptmx opens but does nothing. */
const struct file_ops ptmx_fops;

/* Nor the console's terminal (fs/console_tty.c): console_mux is off, so these are never called. */
int console_tty_init(void) { return -ENOSYS; }
void console_tty_input(void) {}
ssize_t console_tty_read(struct file *f, void *buf, size_t n) { (void)f; (void)buf; (void)n; return -EIO; }
ssize_t console_tty_write(enum console_stream s, const void *buf, size_t n) { (void)s; (void)buf; return n; }
unsigned console_tty_poll(void) { return 0; }
long console_tty_ioctl(unsigned long cmd, unsigned long arg) { (void)cmd; (void)arg; return -ENOTTY; }
void console_tty_resize(unsigned rows, unsigned cols) { (void)rows; (void)cols; }

/* libext2fs is not linked into unit tests: mounting ext2/3/4 fails as with no such driver. */
int ext2_mount(const char *source, unsigned flags, const char *data, struct super_block **out)
{
	(void)source; (void)flags; (void)data; (void)out;
	return -ENODEV;
}
