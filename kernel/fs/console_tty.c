/* SPDX-License-Identifier: MIT */
/* console_tty.c: the console as a terminal when husk's stdin is one: the pty line discipline between the UART and the program. */
#include "kernel.h"
#include "mm.h"
#include "sched.h"
#include "signal.h"
#include "vfs.h"
#include "console.h"
#include "pty.h"
#include <asm-generic/poll.h>

/*
 * One struct pty stands for the console: its slave side is what the
 * program's descriptors read and write; the master side is the UART, fed
 * from the relay's input and drained to it.  It is pid 1's controlling
 * terminal from the start (session 1, foreground group 1), as the console
 * is for Linux's init.  The master never closes until the relay says
 * husk's stdin ended: then reads return 0 once what came before is read.
 */
static struct pty con;
/* A byte taken from the UART for which in[] had no room: it goes first next time. */
static int held = -1;

int console_tty_init(void)
{
	con.in = kmalloc(IN_SIZE);
	con.in_eol = kzalloc(IN_SIZE / 8);
	con.out = kmalloc(OUT_SIZE);
	if (!con.in || !con.in_eol || !con.out) {
		kfree(con.in);
		kfree(con.in_eol);
		kfree(con.out);
		return -ENOMEM;
	}
	tty_termios_init(&con.termios);
	console_initial_winsize(&con.winsize);
	waitq_init(&con.wait);
	con.index = -1;
	con.master_open = true;
	con.slaves = 1;
	con.ctty = true;
	con.sid = con.pgrp = 1;
	return 0;
}

/* Sends what output processing and echo queued in out[] to the host, as stream s. */
static void flush_out(enum console_stream s)
{
	while (con.out_len) {
		size_t chunk = MIN(con.out_len, (size_t)OUT_SIZE - con.out_head);

		console_write_stream(s, (const char *)con.out + con.out_head, chunk);
		con.out_head = (con.out_head + chunk) % OUT_SIZE;
		con.out_len -= chunk;
	}
	con.out_head = 0;
}

/* Takes what the UART holds through input processing; true when readers may see something new. */
static bool drain(void)
{
	bool was_open = con.master_open, moved = false;
	int c;

	for (;;) {
		c = held >= 0 ? held : console_in_getc();
		held = -1;
		if (c < 0)
			break;
		if (!pty_ldisc_receive(&con, (uint8_t)c)) {
			held = c;       /* in[] is full: the reader makes room */
			break;
		}
		moved = true;
	}
	if (console_in_ended())
		con.master_open = false;
	/* Echoes, ^C's "^C": the terminal's own output, on stdout. */
	flush_out(CON_STDOUT);
	return moved || was_open != con.master_open;
}

void console_tty_input(void)
{
	if (drain())
		pty_changed(&con);
}

ssize_t console_tty_read(struct file *f, void *buf, size_t n)
{
	ssize_t r;

	drain();
	r = pty_slave_read(&con, f, buf, n);
	if (r > 0 && held >= 0 && drain())
		pty_changed(&con);
	return r;
}

ssize_t console_tty_write(enum console_stream s, const void *buf, size_t n)
{
	const uint8_t *src = buf;

	for (size_t i = 0; i < n; i++) {
		if (pty_out_char(&con, src[i]))
			continue;
		flush_out(s);
		pty_out_char(&con, src[i]);
	}
	flush_out(s);
	return n;
}

unsigned console_tty_poll(void)
{
	drain();
	return POLLOUT | POLLWRNORM | (con.in_ready > 0 || !con.master_open ? POLLIN | POLLRDNORM : 0);
}

long console_tty_ioctl(unsigned long cmd, unsigned long arg)
{
	long err = pty_slave_ioctl(&con, cmd, arg);

	/* A switch to raw mode makes what was typed readable at once; ^C may have flushed echo. */
	flush_out(CON_STDOUT);
	return err;
}

void console_tty_resize(unsigned rows, unsigned cols)
{
	if (con.winsize.ws_row == rows && con.winsize.ws_col == cols)
		return;
	con.winsize.ws_row = (unsigned short)rows;
	con.winsize.ws_col = (unsigned short)cols;
	if (con.ctty)
		signal_send_pgrp(con.pgrp, SIGWINCH, NULL);
}
