/* SPDX-License-Identifier: MIT */
/* stdio.c: the relay between husk's stdin/stdout/stderr and the VM's multiplexed console (husk.mux). */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"

/* The framing shared with the kernel (kernel/include/kernel.h). */
#define DLE 0x10
/* ^], xenconsole's escape character: sent as DLE ']' to Xen (STDIO_ESCAPE_GS). */
#define GS 0x1d

#define IN_CHUNK 32768
/* Room after an input chunk for one window size message (DLE 'w' ROWSxCOLS ';'). */
#define WS_MSG_MAX 16

/*
 * husk's stdin is a terminal: it is in raw mode while the VM runs, so every
 * key reaches the guest's line discipline (kernel/fs/console_tty.c), which
 * echoes, edits lines and turns ^C into SIGINT as Linux's does.  The saved
 * settings come back when the relay ends and at exit.
 */
static struct termios tty_saved;
static volatile sig_atomic_t tty_raw, winch;

static void tty_restore(void)
{
	if (tty_raw) {
		tcsetattr(STDIN_FILENO, TCSADRAIN, &tty_saved);
		tty_raw = 0;
	}
}

static void on_winch(int sig)
{
	(void)sig;
	winch = 1;
}

/* Raw mode on husk's stdin, when it is the terminal's foreground (a background job leaves it alone). */
static void tty_make_raw(void)
{
	static int registered;
	struct termios t;
	struct sigaction sa;

	if (!isatty(STDIN_FILENO) || tcgetpgrp(STDIN_FILENO) != getpgrp() ||
	    tcgetattr(STDIN_FILENO, &tty_saved) < 0)
		return;
	if (!registered && atexit(tty_restore) == 0)
		registered = 1;
	t = tty_saved;
	cfmakeraw(&t);
	if (tcsetattr(STDIN_FILENO, TCSADRAIN, &t) == 0)
		tty_raw = 1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_winch;
	sigaction(SIGWINCH, &sa, NULL);
}

/* Appends the terminal's size as a DLE 'w' message (console.h in the kernel); returns its length. */
static size_t winsize_msg(unsigned char *buf)
{
	struct winsize ws;
	int n;

	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) < 0 || !ws.ws_row || !ws.ws_col)
		return 0;
	n = snprintf((char *)buf, WS_MSG_MAX, "%cw%ux%u;", DLE, ws.ws_row, ws.ws_col);
	return n > 0 && n < WS_MSG_MAX ? (size_t)n : 0;
}

/* Writes all of buf to fd; once fd fails (a closed pipe), output to it is dropped. */
static void put(int fd, const unsigned char *buf, size_t n, int *broken)
{
	while (n && !*broken) {
		ssize_t w = write(fd, buf, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			*broken = 1;
			return;
		}
		buf += w;
		n -= (size_t)w;
	}
}

struct demux {
	int fd;                 /* where the current stream goes */
	int dle;                /* a DLE was the last byte of the previous read */
	int kernel;             /* the current stream is the kernel's messages */
	int crlf;               /* ...which get CR before LF (a raw terminal on fd 2) */
	int ready;              /* the guest sent DLE 'r': its console takes input */
	int broken[3];
};

/* A run of one stream's bytes to its descriptor. */
static void emit(struct demux *d, const unsigned char *buf, size_t n)
{
	size_t start = 0;

	if (d->kernel && d->crlf) {
		/* The kernel's lines pass no line discipline: a raw terminal needs the CR. */
		for (size_t i = 0; i < n; i++) {
			if (buf[i] != '\n')
				continue;
			put(d->fd, buf + start, i - start, &d->broken[d->fd]);
			put(d->fd, (const unsigned char *)"\r", 1, &d->broken[d->fd]);
			start = i;
		}
	}
	put(d->fd, buf + start, n - start, &d->broken[d->fd]);
}

static void demux_bytes(struct demux *d, const unsigned char *buf, size_t n)
{
	size_t start = 0;

	for (size_t i = 0; i < n; i++) {
		if (d->dle) {
			d->dle = 0;
			if (buf[i] == DLE) {
				start = i;          /* a literal DLE: starts the next run */
				continue;
			}
			if (buf[i] == 'r') {
				/* The guest's console is set up: input may go. */
				d->ready = 1;
				start = i + 1;
				continue;
			}
			/* '1': the program's stdout; '2': its stderr; 'k': the kernel's messages. */
			d->fd = buf[i] == '1' ? STDOUT_FILENO : STDERR_FILENO;
			d->kernel = buf[i] != '1' && buf[i] != '2';
			start = i + 1;
			continue;
		}
		if (buf[i] == DLE) {
			emit(d, buf + start, i - start);
			d->dle = 1;
		}
	}
	if (!d->dle)
		emit(d, buf + start, n - start);
}

/* Reads what one source sent and demultiplexes it; returns 0 at its end. */
static int relay_source(int fd, struct demux *d, unsigned char *buf, size_t size)
{
	ssize_t n = read(fd, buf, size);

	if (n > 0) {
		demux_bytes(d, buf, (size_t)n);
		return 1;
	}
	return n < 0 && (errno == EINTR || errno == EAGAIN);
}

void stdio_relay(int to_vm, int from_vm, int bulk, unsigned flags)
{
	static unsigned char in[2 * IN_CHUNK + 2 + WS_MSG_MAX], out[65536];
	size_t in_len = 0, in_off = 0;
	int in_open = 1, eof_sent = 0, out_open = 1, bulk_open = bulk >= 0;
	/* One framing state per source: the kernel starts each afresh (kernel/lib/printk.c). */
	struct demux d = { .fd = STDERR_FILENO, .kernel = 1 };
	struct demux db = { .fd = STDERR_FILENO, .kernel = 1 };
	struct sigaction sa;

	/* A reader of husk's output that goes away must not kill the relay: the VM still has to stop. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	fcntl(to_vm, F_SETFL, fcntl(to_vm, F_GETFL) | O_NONBLOCK);
	if (bulk_open)
		fcntl(bulk, F_SETFL, fcntl(bulk, F_GETFL) | O_NONBLOCK);
	tty_make_raw();
	d.crlf = db.crlf = tty_raw && isatty(STDERR_FILENO);
	while (out_open || bulk_open) {
		struct pollfd p[4];
		int np = 0, op = -1, bp = -1, ip = -1, tp = -1;
		/* Input goes where the guest said it is ready: the bulk channel once it has. */
		int target = db.ready ? bulk : d.ready ? to_vm : -1;

		if (winch && in_open) {
			/* After the chunk being sent, which ends at a whole framing unit. */
			if (in_len == in_off)
				in_len = in_off = 0;
			in_len += winsize_msg(in + in_len);
			winch = 0;
		}

		if (out_open) {
			op = np;
			p[np++] = (struct pollfd){ .fd = from_vm, .events = POLLIN };
		}
		if (bulk_open) {
			bp = np;
			p[np++] = (struct pollfd){ .fd = bulk, .events = POLLIN };
		}
		if (in_open && in_len == in_off) {
			ip = np;
			p[np++] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
		}
		if (target >= 0 && (in_len > in_off || (!in_open && !eof_sent))) {
			tp = np;
			p[np++] = (struct pollfd){ .fd = target, .events = POLLOUT };
		}
		if (poll(p, np, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		/* COM1 first: it carries what the kernel wrote before the bulk channel existed. */
		if (op >= 0 && p[op].revents)
			out_open = relay_source(from_vm, &d, out, sizeof(out));
		if (bp >= 0 && p[bp].revents)
			bulk_open = relay_source(bulk, &db, out, sizeof(out));
		if (ip >= 0 && p[ip].revents) {
			unsigned char raw[IN_CHUNK];
			ssize_t n = read(STDIN_FILENO, raw, sizeof(raw));

			if (n > 0) {
				in_len = in_off = 0;
				for (ssize_t i = 0; i < n; i++) {
					if (raw[i] == GS && (flags & STDIO_ESCAPE_GS)) {
						in[in_len++] = DLE;
						in[in_len++] = ']';
						continue;
					}
					if (raw[i] == DLE)
						in[in_len++] = DLE;
					in[in_len++] = raw[i];
				}
			} else if (n == 0 || errno != EINTR) {
				in_open = 0;        /* end of husk's stdin (or none at all) */
			}
		}
		if (tp >= 0 && p[tp].revents) {
			if (p[tp].revents & (POLLERR | POLLHUP)) {
				/* The monitor closed its end: nothing more can be sent. */
				in_open = 0;
				in_len = in_off = 0;
				eof_sent = 1;
				continue;
			}
			if (in_len == in_off && !in_open) {
				static const unsigned char eof[2] = { DLE, 'e' };

				if (write(target, eof, 2) == 2)
					eof_sent = 1;
				continue;
			}
			ssize_t w = write(target, in + in_off, in_len - in_off);

			if (w > 0)
				in_off += (size_t)w;
		}
	}
	tty_restore();
}
