/* SPDX-License-Identifier: MIT */
/* printk.c: formatted output for kernel messages (a small vsnprintf). */
#include "kernel.h"
#include "ktime.h"
#include "platform.h"
#include "console_channel.h"

bool kernel_quiet;

struct outbuf {
	char *buf;
	size_t size, len;
};

static void put(struct outbuf *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void put_num(struct outbuf *o, uint64_t v, unsigned base, bool neg, int width, char pad, bool upper)
{
	char tmp[24];
	int n = 0;
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	if (neg)
		tmp[n++] = '-';
	for (int i = n; i < width; i++)
		put(o, pad);
	while (n)
		put(o, tmp[--n]);
}

/* Supports %d %i %u %x %X %o %p %s %c %% with the l/ll/z length modifiers and a width with 0 or space padding. */
int vsnprintk(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct outbuf o = { buf, size, 0 };

	for (; *fmt; fmt++) {
		int width = 0, lng = 0;
		char pad = ' ';
		bool left = false;

		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		fmt++;
		if (*fmt == '-') {
			left = true;
			fmt++;
		}
		if (*fmt == '0') {
			pad = '0';
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l' || *fmt == 'z') {
			lng++;
			fmt++;
		}
		switch (*fmt) {
		case 'd':
		case 'i': {
			int64_t v = lng ? va_arg(ap, int64_t) : va_arg(ap, int);
			put_num(&o, v < 0 ? -(uint64_t)v : (uint64_t)v, 10, v < 0, width, pad, false);
			break;
		}
		case 'u':
		case 'x':
		case 'X':
		case 'o': {
			uint64_t v = lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned);
			unsigned base = *fmt == 'u' ? 10 : *fmt == 'o' ? 8 : 16;
			put_num(&o, v, base, false, width, pad, *fmt == 'X');
			break;
		}
		case 'p':
			put(&o, '0');
			put(&o, 'x');
			put_num(&o, (uint64_t)va_arg(ap, void *), 16, false, 0, ' ', false);
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			int n;
			if (!s)
				s = "(null)";
			n = strlen(s);
			if (!left)
				for (int i = n; i < width; i++)
					put(&o, ' ');
			while (*s)
				put(&o, *s++);
			if (left)
				for (int i = n; i < width; i++)
					put(&o, ' ');
			break;
		}
		case 'c':
			put(&o, (char)va_arg(ap, int));
			break;
		case '%':
			put(&o, '%');
			break;
		default:
			put(&o, '%');
			put(&o, *fmt);
			break;
		}
	}
	if (o.size)
		o.buf[o.len < o.size ? o.len : o.size - 1] = 0;
	return o.len;
}

int snprintk(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintk(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

bool console_mux;
static enum console_stream con_cur = CON_KERNEL;
/* The bulk channel (console_channel.h) when a driver set one up, else the platform console. */
static const struct console_channel *con_chan;
static bool con_ready_sent;

static void con_out(const char *buf, size_t n)
{
	if (con_chan)
		con_chan->write(buf, n);
	else
		plat_console_write(buf, n);
}

void console_push(void)
{
	if (con_chan)
		con_chan->push();
}

void console_queue_stream(enum console_stream stream, const char *buf, size_t n)
{
	static const char dle2[2] = { CONSOLE_DLE, CONSOLE_DLE };

	if (!console_mux) {
		plat_console_write(buf, n);
		return;
	}
	if (stream != con_cur) {
		const char mark[2] = { CONSOLE_DLE, (char)stream };

		con_out(mark, sizeof(mark));
		con_cur = stream;
	}
	/* Runs without a DLE go out as they are; each DLE is doubled. */
	while (n) {
		size_t run = console_find_dle(buf, n);

		if (run)
			con_out(buf, run);
		if (run == n)
			break;
		con_out(dle2, 2);
		buf += run + 1;
		n -= run + 1;
	}
}

void console_write_stream(enum console_stream stream, const char *buf, size_t n)
{
	console_queue_stream(stream, buf, n);
	console_push();
}

void console_mux_ready(void)
{
	static const char ready[2] = { CONSOLE_DLE, 'r' };

	if (!console_mux)
		return;
	con_out(ready, sizeof(ready));
	console_push();
	con_ready_sent = true;
}

void console_channel_set(const struct console_channel *ch)
{
	con_chan = ch;
	/* A new source for the relay: its framing state starts at "kernel", unannounced. */
	con_cur = 0;
	/* Input now comes this way: the relay sends it where the last DLE 'r' came from. */
	if (con_ready_sent)
		console_mux_ready();
}

void console_channel_drop(void)
{
	const struct console_channel *ch = con_chan;

	if (!ch)
		return;
	/* Cleared first: a fault inside the driver's flush must not come back here. */
	con_chan = NULL;
	con_cur = 0;
	ch->flush();
}

void console_channel_flush(void)
{
	if (con_chan)
		con_chan->flush();
}

int console_raw_getc(void)
{
	return con_chan ? con_chan->getc() : plat_console_getc();
}

size_t console_raw_peek(const char **p)
{
	return con_chan ? con_chan->peek(p) : 0;
}

void console_raw_consume(size_t n)
{
	if (con_chan)
		con_chan->consume(n);
}

void console_write(const char *buf, size_t n)
{
	console_write_stream(CON_KERNEL, buf, n);
}

/* The kernel log, as syslog(2) reads it: the most recent KLOG_SIZE bytes of messages. */
#define KLOG_SIZE 16384
static char klog[KLOG_SIZE];
static uint64_t klog_end;      /* bytes ever logged */
static uint64_t klog_read;     /* bytes consumed by SYSLOG_ACTION_READ */
static uint64_t klog_clear;    /* start of what READ_ALL still shows */

static void klog_append(const char *s, size_t n)
{
	size_t at = klog_end % KLOG_SIZE, first = MIN(n, KLOG_SIZE - at);

	memcpy(klog + at, s, first);
	memcpy(klog, s + first, n - first);
	klog_end += n;
}

static size_t klog_copy(char *dst, uint64_t from, size_t n)
{
	if (from + KLOG_SIZE < klog_end)
		from = klog_end - KLOG_SIZE;
	n = MIN(n, klog_end - from);
	for (size_t i = 0; i < n; i++)
		dst[i] = klog[(from + i) % KLOG_SIZE];
	return n;
}

/* Returns the logged bytes of kind what (see syslog.h's actions) into a kernel buffer. */
size_t klog_read_bytes(int what, char *dst, size_t n)
{
	size_t got;

	switch (what) {
	case 2:   /* READ: unread bytes, consumed */
		got = klog_copy(dst, MAX(klog_read, klog_end > KLOG_SIZE ? klog_end - KLOG_SIZE : 0), n);
		klog_read = MAX(klog_read, klog_end > KLOG_SIZE ? klog_end - KLOG_SIZE : 0) + got;
		return got;
	default:  /* READ_ALL: the last n bytes since the last clear */
		{
			uint64_t start = MAX(klog_clear, klog_end > n ? klog_end - n : 0);
			return klog_copy(dst, start, n);
		}
	}
}

void klog_clear_all(void)
{
	klog_clear = klog_end;
}

size_t klog_size_unread(void)
{
	uint64_t from = MAX(klog_read, klog_end > KLOG_SIZE ? klog_end - KLOG_SIZE : 0);
	return klog_end - from;
}

/*
 * The rate limit on the console (the log keeps everything): a burst of
 * PRINTK_BURST messages, then PRINTK_PER_SEC a second; what is dropped is
 * counted and said once messages flow again.  panic() lifts it.
 */
#define PRINTK_BURST 100
#define PRINTK_PER_SEC 10
bool printk_unlimited;
static uint64_t printk_tokens = PRINTK_BURST, printk_last_ns;
static unsigned long printk_dropped;

static void printk_say_dropped(void)
{
	char msg[80];
	int n;

	if (!printk_dropped)
		return;
	n = snprintk(msg, sizeof(msg), "husk: %lu kernel messages suppressed (rate limit)\n",
		     printk_dropped);
	printk_dropped = 0;
	console_write(msg, MIN((size_t)n, sizeof(msg) - 1));
}

static bool printk_allowed(void)
{
	uint64_t now = clock_monotonic_ns(), add;

	if (printk_unlimited) {
		printk_say_dropped();
		return true;
	}
	if (now > printk_last_ns) {
		add = (now - printk_last_ns) / (1000000000ULL / PRINTK_PER_SEC);
		if (add) {
			printk_tokens = MIN(printk_tokens + add, (uint64_t)PRINTK_BURST);
			printk_last_ns = now;
		}
	}
	if (!printk_tokens) {
		printk_dropped++;
		return false;
	}
	printk_tokens--;
	printk_say_dropped();
	return true;
}

static void vprintk(const char *fmt, va_list ap, bool show)
{
	char buf[512];
	int n = vsnprintk(buf, sizeof(buf), fmt, ap);
	size_t len = MIN((size_t)n, sizeof(buf) - 1);

	klog_append(buf, len);
	if (show && printk_allowed())
		console_write(buf, len);
}

void printk(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprintk(fmt, ap, !kernel_quiet);
	va_end(ap);
}

void printk_err(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprintk(fmt, ap, true);
	va_end(ap);
}

void printk_err_unlimited(const char *fmt, ...)
{
	va_list ap;
	bool was = printk_unlimited;

	printk_unlimited = true;
	va_start(ap, fmt);
	vprintk(fmt, ap, true);
	va_end(ap);
	printk_unlimited = was;
}
