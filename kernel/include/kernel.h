/* SPDX-License-Identifier: MIT */
/* kernel.h: basic types, lists, console output and panics used everywhere in the kernel. */
#ifndef KERNEL_H
#define KERNEL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <asm-generic/errno.h>

typedef long ssize_t;
typedef long off_t;

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define ALIGN_UP(x, a) (((x) + (a) - 1) & ~((uint64_t)(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((uint64_t)(a) - 1))
#define container_of(p, type, member) ((type *)((char *)(p) - offsetof(type, member)))
#define __noreturn __attribute__((noreturn))
#define __packed __attribute__((packed))
#define __printf(a, b) __attribute__((format(printf, a, b)))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* Intrusive doubly-linked circular list, as in Linux. */
struct list {
	struct list *next, *prev;
};
#define LIST_INIT(name) { &(name), &(name) }
static inline void list_init(struct list *l) { l->next = l->prev = l; }
static inline bool list_empty(const struct list *l) { return l->next == l; }
static inline void list_insert_after(struct list *pos, struct list *n)
{
	n->next = pos->next;
	n->prev = pos;
	pos->next->prev = n;
	pos->next = n;
}
static inline void list_add_tail(struct list *head, struct list *n) { list_insert_after(head->prev, n); }
static inline void list_add_head(struct list *head, struct list *n) { list_insert_after(head, n); }
static inline void list_del(struct list *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->next = n->prev = n;
}
#define list_entry(p, type, member) container_of(p, type, member)
#define list_for_each(it, head) for ((it) = (head)->next; (it) != (head); (it) = (it)->next)
#define list_for_each_safe(it, tmp, head) \
	for ((it) = (head)->next, (tmp) = (it)->next; (it) != (head); (it) = (tmp), (tmp) = (it)->next)

/* lib/string.c: the compiler may emit calls to the first four. */
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
/* Copies at most size-1 bytes and always terminates; returns strlen(src). */
size_t strlcpy(char *dst, const char *src, size_t size);
char *kstrdup(const char *s);
/* Parses a decimal, 0x-hex or 0-octal number; returns 0 or -EINVAL. */
int kstrtou64(const char *s, uint64_t *out);
/* lib/sort.c: sorts n elements of size bytes in place by cmp (not stable). */
void sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *));

/* lib/printk.c */
int vsnprintk(char *buf, size_t size, const char *fmt, va_list ap);
int snprintk(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);
/* Kernel messages; suppressed by the "quiet" option. */
void printk(const char *fmt, ...) __printf(1, 2);
/* Errors: shown even with "quiet", within the console's rate limit (lib/printk.c). */
void printk_err(const char *fmt, ...) __printf(1, 2);
/* Errors already said once each (the ENOSYS lines): never rate-limited. */
void printk_err_unlimited(const char *fmt, ...) __printf(1, 2);
/* The kernel log (lib/printk.c) for syslog(2). */
#define KLOG_BUF_SIZE 16384
size_t klog_read_bytes(int what, char *dst, size_t n);
void klog_clear_all(void);
size_t klog_size_unread(void);
/*
 * The console's output streams.  With the "husk.mux" option (the CLI's
 * relay) every switch of stream is sent as DLE + '1', '2' or 'k' and a DLE
 * byte of data as DLE DLE, so the host can put the program's stdout on its
 * fd 1, stderr on its fd 2 and kernel messages on fd 2 apart from both.
 * Without it (Xen, a bare QEMU) the streams share the console unmarked.
 */
#define CONSOLE_DLE 0x10
enum console_stream { CON_STDOUT = '1', CON_STDERR = '2', CON_KERNEL = 'k' };
extern bool console_mux;
/* Raw bytes to the console on one stream. */
void console_write_stream(enum console_stream s, const char *buf, size_t n);
/*
 * The same, but a bulk channel (console_channel.h) may hold the bytes until
 * console_push(), so that one large write leaves the guest in few pieces.
 */
void console_queue_stream(enum console_stream s, const char *buf, size_t n);
void console_push(void);
/*
 * With husk.mux: DLE 'r' tells the relay that input may come, and where:
 * on the transport it arrives by (kmain sends it once the devices are
 * probed, so on the virtio console when there is one; QEMU's 16550 drops
 * what it holds when the FIFOs are switched on).  The relay sends nothing
 * before it.
 */
void console_mux_ready(void);
/* Raw bytes to the console as kernel messages. */
void console_write(const char *buf, size_t n);
extern bool kernel_quiet;
/* Set by panic(): the rate limit no longer applies. */
extern bool printk_unlimited;

/* Stops the machine with HUSK_STATUS_CRASH after printing msg, registers and a backtrace. */
void panic(const char *fmt, ...) __printf(1, 2) __noreturn;
#define BUG_ON(cond) do { if (unlikely(cond)) panic("BUG_ON(%s) at %s:%d", #cond, __FILE__, __LINE__); } while (0)

/* mm/kmalloc.c: kernel heap.  kmalloc returns NULL when memory is exhausted. */
void *kmalloc(size_t n);
void *kzalloc(size_t n);
void *krealloc(void *p, size_t n);
void kfree(void *p);

/* Ends the VM with the given status (see include/husk/abi.h).  */
void machine_exit(int status) __noreturn;

#endif
