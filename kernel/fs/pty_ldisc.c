/* SPDX-License-Identifier: MIT */
/* pty_ldisc.c: the pseudo-terminal line discipline: output processing, input processing with canonical editing, echo and signals. */
#include "kernel.h"
#include "ktime.h"
#include "sched.h"
#include "signal.h"
#include "vfs.h"
#include "pty.h"
#include <asm-generic/ioctls.h>
#include <asm-generic/poll.h>
#include <asm-generic/termbits.h>
#include <asm-generic/termios.h>
#include <linux/tty.h>
#include <linux/fcntl.h>

void pty_changed(struct pty *p)
{
	waitq_wake_all(&p->wait);
	poll_notify();
}

static bool is_cc(const struct pty *p, int idx, uint8_t c)
{
	/* A control character set to 0 (_POSIX_VDISABLE) is disabled. */
	return p->termios.c_cc[idx] != 0 && p->termios.c_cc[idx] == c;
}

bool pty_canonical(const struct pty *p)
{
	return p->termios.c_lflag & ICANON;
}

/* ---- slave to master: output processing ---- */

static bool out_bytes(struct pty *p, const char *s, size_t n)
{
	if (OUT_SIZE - p->out_len < n)
		return false;
	for (size_t i = 0; i < n; i++)
		p->out[(p->out_head + p->out_len++) % OUT_SIZE] = (uint8_t)s[i];
	return true;
}

/* Queues c for the master after OPOST processing; false when out[] has no room. */
bool pty_out_char(struct pty *p, uint8_t c)
{
	tcflag_t o = p->termios.c_oflag;

	if (o & OPOST) {
		if (c == '\n' && (o & ONLCR))
			return out_bytes(p, "\r\n", 2);
		if (c == '\r' && (o & OCRNL))
			c = '\n';
	}
	return out_bytes(p, (const char *)&c, 1);
}

static bool is_ctl(uint8_t c)
{
	return (c < 0x20 && c != '\t' && c != '\n') || c == 0x7f;
}

/* Echoes c as the slave would print it: ^X for a control character with ECHOCTL.  Dropped when out[] is full. */
static void echo_char(struct pty *p, uint8_t c)
{
	if ((p->termios.c_lflag & ECHOCTL) && is_ctl(c)) {
		char s[2] = { '^', (char)(c ^ 0x40) };

		out_bytes(p, s, 2);
		return;
	}
	pty_out_char(p, c);
}

/* ---- master to slave: input processing ---- */

bool pty_eol_bit(const struct pty *p, size_t i)
{
	return p->in_eol[i / 8] & (1u << (i % 8));
}

void pty_in_flush(struct pty *p)
{
	p->in_head = p->in_ready = p->in_len = 0;
	memset(p->in_eol, 0, IN_SIZE / 8);
}

/* Appends c; eol ends a canonical line, making it readable. */
static void in_put(struct pty *p, uint8_t c, bool eol)
{
	size_t i = (p->in_head + p->in_len) % IN_SIZE;

	p->in[i] = c;
	if (eol)
		p->in_eol[i / 8] |= 1u << (i % 8);
	else
		p->in_eol[i / 8] &= ~(1u << (i % 8));
	p->in_len++;
	if (eol || !pty_canonical(p))
		p->in_ready = p->in_len;
}

/* Takes the last byte off the line being edited; -1 when it is empty. */
static int in_unput(struct pty *p)
{
	if (p->in_len == p->in_ready)
		return -1;
	p->in_len--;
	return p->in[(p->in_head + p->in_len) % IN_SIZE];
}

static void echo_erase(struct pty *p, int c)
{
	if (is_ctl((uint8_t)c) && (p->termios.c_lflag & ECHOCTL))
		out_bytes(p, "\b \b\b \b", 6);
	else
		out_bytes(p, "\b \b", 3);
}

/* VERASE, VWERASE and VKILL on the line being edited. */
static void edit_line(struct pty *p, uint8_t c, int which)
{
	tcflag_t l = p->termios.c_lflag;
	bool visual = (l & ECHO) && (l & ECHOE);
	bool seen_word = false;
	int e;

	if (p->in_len == p->in_ready)
		return;                   /* nothing to edit: not even an echo */
	if (which == VKILL && !((l & ECHOKE) && visual)) {
		while (in_unput(p) >= 0)
			;
		if (l & ECHO) {
			echo_char(p, c);
			if (l & ECHOK)
				pty_out_char(p, '\n');
		}
		return;
	}
	if (which == VERASE && (l & ECHO) && !visual)
		echo_char(p, c);
	while ((e = in_unput(p)) >= 0) {
		if (which == VWERASE && (e == ' ' || e == '\t') && seen_word) {
			p->in_len++;          /* the blank before the word stays */
			break;
		}
		seen_word |= e != ' ' && e != '\t';
		if (visual)
			echo_erase(p, e);
		if (which == VERASE)
			break;
	}
}

/* ISIG: ^C, ^\ and ^Z are consumed, flush the queues and signal the process when the slave is its terminal. */
static void input_signal(struct pty *p, uint8_t c, int sig)
{
	if (!(p->termios.c_lflag & NOFLSH)) {
		pty_in_flush(p);
		p->out_len = 0;
	}
	if (p->termios.c_lflag & ECHO)
		echo_char(p, c);
	if (!p->ctty || !current)
		return;
	signal_send_pgrp(p->pgrp, sig, NULL);
}

/* Runs one byte written to the master through the slave's input processing;
 * false when in[] is full and the writer must wait. */
bool pty_ldisc_receive(struct pty *p, uint8_t c)
{
	const struct termios *t = &p->termios;
	tcflag_t l = t->c_lflag;
	bool canon = l & ICANON, nl;

	if (t->c_iflag & ISTRIP)
		c &= 0x7f;
	if (p->lnext) {
		if (p->in_len == IN_SIZE)
			return false;
		p->lnext = false;
		goto ordinary;
	}
	if (c == '\r') {
		if (t->c_iflag & IGNCR)
			return true;
		if (t->c_iflag & ICRNL)
			c = '\n';
	} else if (c == '\n' && (t->c_iflag & INLCR)) {
		c = '\r';
	}
	if (l & ISIG) {
		int sig = is_cc(p, VINTR, c) ? SIGINT : is_cc(p, VQUIT, c) ? SIGQUIT :
			  is_cc(p, VSUSP, c) ? SIGTSTP : 0;

		if (sig) {
			input_signal(p, c, sig);
			return true;
		}
	}
	if ((t->c_iflag & IXON) && (is_cc(p, VSTART, c) || is_cc(p, VSTOP, c)))
		return true;
	if ((l & IEXTEN) && is_cc(p, VLNEXT, c)) {
		p->lnext = true;
		return true;
	}
	if (canon) {
		if (is_cc(p, VERASE, c) || is_cc(p, VKILL, c) || ((l & IEXTEN) && is_cc(p, VWERASE, c))) {
			edit_line(p, c, is_cc(p, VERASE, c) ? VERASE : is_cc(p, VKILL, c) ? VKILL : VWERASE);
			return true;
		}
		nl = c == '\n' || is_cc(p, VEOL, c) || is_cc(p, VEOL2, c);
		if (nl || is_cc(p, VEOF, c)) {
			if (p->in_len == IN_SIZE)
				return false;
			if (nl && ((l & ECHO) || (c == '\n' && (l & ECHONL))))
				echo_char(p, c);
			in_put(p, nl ? c : 0, true);
			return true;
		}
		if (p->in_len - p->in_ready >= CANON_MAX)
			return true;          /* the line is full: dropped, as Linux does */
	}
	if (p->in_len == IN_SIZE)
		return false;
ordinary:
	if (l & ECHO)
		echo_char(p, c);
	in_put(p, c, false);
	return true;
}

/* After TCSETS*: a switch of ICANON makes everything typed so far readable (as Linux's n_tty_set_termios). */
void pty_termios_changed(struct pty *p, tcflag_t old_lflag, bool flush)
{
	if (flush)
		pty_in_flush(p);
	if ((old_lflag ^ p->termios.c_lflag) & ICANON) {
		memset(p->in_eol, 0, IN_SIZE / 8);
		if (pty_canonical(p) && p->in_len > 0) {
			size_t last = (p->in_head + p->in_len - 1) % IN_SIZE;

			p->in_eol[last / 8] |= 1u << (last % 8);
		}
		p->in_ready = p->in_len;
		p->lnext = false;
	}
	pty_changed(p);
}
