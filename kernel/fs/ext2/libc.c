/* SPDX-License-Identifier: MIT */
/* libc.c: the C library functions libext2fs calls (shim/husk_libc.h), over the kernel heap, printk, sort and the clock. */
#include "husk_libc.h"
#include "ktime.h"
#include <et/com_err.h>

int errno;

struct husk_file {
	int unused;
};
static struct husk_file std_err, std_out;
FILE *stderr = &std_err, *stdout = &std_out;

/* ---- messages: the kernel log, as errors (libext2fs prints only on trouble) ---- */

int vfprintf(FILE *f, const char *fmt, va_list ap)
{
	char buf[256];
	int n = vsnprintk(buf, sizeof(buf), fmt, ap);

	(void)f;
	printk_err("%s", buf);
	return n;
}

int fprintf(FILE *f, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vfprintf(f, fmt, ap);
	va_end(ap);
	return n;
}

int printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vfprintf(stdout, fmt, ap);
	va_end(ap);
	return n;
}

int sprintf(char *buf, const char *fmt, ...)
{
	va_list ap;
	int n;

	/* Callers size their buffers for what they print (numbers, short names). */
	va_start(ap, fmt);
	n = vsnprintk(buf, 4096, fmt, ap);
	va_end(ap);
	return n;
}

int fputs(const char *s, FILE *f)
{
	return fprintf(f, "%s", s);
}

int fputc(int c, FILE *f)
{
	return fprintf(f, "%c", c) == 1 ? c : -1;
}

int fflush(FILE *f)
{
	(void)f;
	return 0;
}

/* ---- memory ---- */

void *malloc(size_t n)
{
	return kmalloc(n);
}

void *calloc(size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	return kzalloc(n * size);
}

void *realloc(void *p, size_t n)
{
	return krealloc(p, n);
}

void free(void *p)
{
	kfree(p);
}

/* The heap aligns to 16 bytes; our io_manager asks for no more (channel->align 0). */
int posix_memalign(void **out, size_t align, size_t n)
{
	if (align > 16 || (align & (align - 1)))
		return EINVAL;
	*out = kmalloc(n);
	return *out ? 0 : ENOMEM;
}

void abort(void)
{
	panic("libext2fs called abort()");
}

void qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	sort(base, n, size, cmp);
}

static unsigned long long parse_unsigned(const char *s, char **end, int base)
{
	unsigned long long v = 0;

	while (isspace(*s))
		s++;
	if ((base == 0 || base == 16) && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		base = 16;
	} else if (base == 0) {
		base = s[0] == '0' ? 8 : 10;
	}
	for (;; s++) {
		int d = isdigit(*s) ? *s - '0' : isalpha(*s) ? tolower(*s) - 'a' + 10 : 99;

		if (d >= base)
			break;
		v = v * base + d;
	}
	if (end)
		*end = (char *)s;
	return v;
}

unsigned long strtoul(const char *s, char **end, int base)
{
	return parse_unsigned(s, end, base);
}

unsigned long long strtoull(const char *s, char **end, int base)
{
	return parse_unsigned(s, end, base);
}

/* No environment: libext2fs' debugging variables stay unset. */
char *getenv(const char *name)
{
	(void)name;
	return NULL;
}

int abs(int x)
{
	return x < 0 ? -x : x;
}

/* ---- strings ---- */

char *strcpy(char *dst, const char *src)
{
	memcpy(dst, src, strlen(src) + 1);
	return dst;
}

char *strncpy(char *dst, const char *src, size_t n)
{
	size_t len = strnlen(src, n);

	memcpy(dst, src, len);
	memset(dst + len, 0, n - len);
	return dst;
}

char *strcat(char *dst, const char *src)
{
	strcpy(dst + strlen(dst), src);
	return dst;
}

char *strdup(const char *s)
{
	return kstrdup(s);
}

void *memchr(const void *s, int c, size_t n)
{
	const unsigned char *p = s;

	for (size_t i = 0; i < n; i++)
		if (p[i] == (unsigned char)c)
			return (void *)(p + i);
	return NULL;
}

int strcasecmp(const char *a, const char *b)
{
	while (*a && tolower(*a) == tolower(*b)) {
		a++;
		b++;
	}
	return tolower(*(const unsigned char *)a) - tolower(*(const unsigned char *)b);
}

char *strerror(int err)
{
	static char buf[32];

	snprintk(buf, sizeof(buf), "errno %d", err);
	return buf;
}

/* ---- time and process ---- */

time_t time(time_t *t)
{
	time_t now = clock_realtime_ns() / 1000000000;

	if (t)
		*t = now;
	return now;
}

int gettimeofday(struct timeval *tv, void *tz)
{
	int64_t ns = clock_realtime_ns();

	(void)tz;
	tv->tv_sec = ns / 1000000000;
	tv->tv_usec = ns % 1000000000 / 1000;
	return 0;
}

long sysconf(int name)
{
	return name == _SC_PAGESIZE ? 4096 : -1;
}

int getpagesize(void)
{
	return 4096;
}

pid_t getpid(void)
{
	return 1;
}

/* ---- com_err: messages of libext2fs' error codes ---- */

struct error_table;
extern const struct error_table et_ext2_error_table;
struct et_list *_et_list;

const char *error_message(errcode_t code)
{
	static char buf[48];
	const struct { const char *const *msgs; long base; int n; } *t = (const void *)&et_ext2_error_table;

	if (code >= t->base && code < t->base + t->n)
		return t->msgs[code - t->base];
	snprintk(buf, sizeof(buf), "error %ld", (long)code);
	return buf;
}

void com_err(const char *whoami, errcode_t code, const char *fmt, ...)
{
	char buf[192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintk(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printk_err("%s: %s %s\n", whoami ? whoami : "ext2", code ? error_message(code) : "", buf);
}
