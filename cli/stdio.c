/* SPDX-License-Identifier: MIT */
/* stdio.c: the relay between husk's stdin/stdout/stderr and the VM's multiplexed console (husk.mux). */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* The framing shared with the kernel (kernel/include/kernel.h). */
#define DLE 0x10

#define IN_CHUNK 32768

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
	int broken[3];
};

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
			/* '1': the program's stdout; '2': its stderr; 'k': the kernel's messages. */
			d->fd = buf[i] == '1' ? STDOUT_FILENO : STDERR_FILENO;
			start = i + 1;
			continue;
		}
		if (buf[i] == DLE) {
			put(d->fd, buf + start, i - start, &d->broken[d->fd]);
			d->dle = 1;
		}
	}
	if (!d->dle)
		put(d->fd, buf + start, n - start, &d->broken[d->fd]);
}

void stdio_relay(int to_vm, int from_vm)
{
	static unsigned char in[2 * IN_CHUNK + 2], out[65536];
	size_t in_len = 0, in_off = 0;
	int in_open = 1, eof_sent = 0, out_open = 1;
	struct demux d = { .fd = STDERR_FILENO };
	struct sigaction sa;

	/* A reader of husk's output that goes away must not kill the relay: the VM still has to stop. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	fcntl(to_vm, F_SETFL, fcntl(to_vm, F_GETFL) | O_NONBLOCK);
	while (out_open) {
		struct pollfd p[3];
		int np = 0, ip = -1, tp = -1;

		p[np++] = (struct pollfd){ .fd = from_vm, .events = POLLIN };
		if (in_open && in_len == in_off) {
			ip = np;
			p[np++] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
		}
		if (in_len > in_off || (!in_open && !eof_sent)) {
			tp = np;
			p[np++] = (struct pollfd){ .fd = to_vm, .events = POLLOUT };
		}
		if (poll(p, np, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[0].revents) {
			ssize_t n = read(from_vm, out, sizeof(out));

			if (n > 0)
				demux_bytes(&d, out, (size_t)n);
			else if (n == 0 || errno != EINTR)
				out_open = 0;
		}
		if (ip >= 0 && p[ip].revents) {
			unsigned char raw[IN_CHUNK];
			ssize_t n = read(STDIN_FILENO, raw, sizeof(raw));

			if (n > 0) {
				in_len = in_off = 0;
				for (ssize_t i = 0; i < n; i++) {
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
				/* The monitor closed its stdin: nothing more can be sent. */
				in_open = 0;
				in_len = in_off = 0;
				eof_sent = 1;
				continue;
			}
			if (in_len == in_off && !in_open) {
				static const unsigned char eof[2] = { DLE, 'e' };

				if (write(to_vm, eof, 2) == 2)
					eof_sent = 1;
				continue;
			}
			ssize_t w = write(to_vm, in + in_off, in_len - in_off);

			if (w > 0)
				in_off += (size_t)w;
		}
	}
}
