/* SPDX-License-Identifier: MIT */
/* pty.h: what the pseudo-terminal files (pty.c) and their line discipline (pty_ldisc.c) share. */
#ifndef FS_PTY_H
#define FS_PTY_H

#include "kernel.h"
#include "sched.h"
#include <asm-generic/termbits.h>
#include <asm-generic/termios.h>

/*
 * A pty carries bytes two ways:
 *
 *   master write -> input processing (ICRNL, canonical editing, echo) -> in[] -> slave read
 *   slave write  -> output processing (OPOST: ONLCR, OCRNL)          -> out[] -> master read
 *
 * Echoes go into out[] like the slave's own output.  There is one termios
 * and one window size, the slave's: ioctls on the master reach them, as on
 * Linux.  in[] holds at most 64 KiB and a canonical line at most 4095 bytes
 * (Linux: 4 KiB in n_tty behind 64 KiB of flip buffers); characters past the
 * end of a full line are dropped, a full buffer makes the writer wait.  In
 * canonical mode a bit per byte of in[] marks where a line ends; ^D ends a
 * line with a NUL that the reader does not return (Linux's __DISABLED_CHAR).
 *
 * Opening /dev/ptmx makes a new pty (ptmx_open); opening /dev/pts/N attaches
 * to one and fails with EIO while it is locked or its master is gone
 * (pts_open), both through the file_ops open hook.
 *
 * Closing the master hangs the slave up (reads return 0, writes and ioctls
 * fail with EIO, poll says POLLHUP) and removes /dev/pts/N, as on Linux; the
 * number is free again once the slave is closed too.  Closing the last
 * slave file makes master reads fail with EIO once out[] is empty, until a
 * slave is opened again.
 *
 * The controlling terminal: TIOCSCTTY makes the slave the controlling
 * terminal of the caller's session (never an open without O_NOCTTY), with
 * the caller's group in the foreground (TIOCSPGRP changes it).  With ISIG,
 * ^C, ^\ and ^Z flush the queues and signal the foreground group.  Job
 * control (pty.c's job_control): a background group that reads, writes with
 * TOSTOP, or changes the terminal (TIOCSPGRP, TCSETS*, TCFLSH) gets SIGTTIN
 * or SIGTTOU and the call restarts once it continues; EIO for a read when
 * SIGTTIN is ignored or blocked, or when the group is orphaned.  Not done:
 * IXON flow control (^S/^Q are consumed, output never stops), VREPRINT,
 * tab expansion and column tracking (ONOCR, ONLRET), TIOCPKT, TIOCSTI.
 */

#define PTY_MAX 256               /* /dev/pts/0 .. 255 */
#define PTS_MAJOR 136
#define TTY_GID 5
#define IN_SIZE (64 * 1024)
#define OUT_SIZE (64 * 1024)
#define CANON_MAX 4095            /* bytes in one canonical line, as N_TTY_BUF_SIZE - 1 */

struct pty {
	int index;
	struct termios termios;   /* the slave's; the master's ioctls reach it too */
	struct winsize winsize;
	bool locked;              /* TIOCSPTLCK: the slave cannot be opened */
	bool master_open;         /* false once the master is closed: the slave is hung up */
	int slaves;               /* slave files open (and used, see above) */
	bool slave_closed;        /* the last slave closed: master reads fail with EIO */
	bool ctty;                /* the slave is the controlling terminal (TIOCSCTTY) */
	int sid, pgrp;            /* its session and foreground process group, while ctty */
	bool lnext;               /* the next input byte is literal (VLNEXT) */
	struct inode *node;       /* /dev/pts/N (referenced) */
	/* Master to slave: in[head .. head+ready) can be read, the rest up to len is the line being edited. */
	uint8_t *in, *in_eol;
	size_t in_head, in_ready, in_len;
	/* Slave to master. */
	uint8_t *out;
	size_t out_head, out_len;
	struct waitq wait;        /* readers and writers on both sides */
};

/* pty_ldisc.c: the line discipline. */
/* Wakes everyone waiting on either side and pollers. */
void pty_changed(struct pty *p);
/* Canonical (line) mode is on. */
bool pty_canonical(const struct pty *p);
/* Byte i of in[] (counted from in_head) ends a canonical line. */
bool pty_eol_bit(const struct pty *p, size_t i);
/* Drops all input, read or being edited. */
void pty_in_flush(struct pty *p);
/* One byte of slave output through OPOST into out[]; false when out[] is full. */
bool pty_out_char(struct pty *p, uint8_t c);
/* One byte written by the master through input processing into in[]; false when in[] is full. */
bool pty_ldisc_receive(struct pty *p, uint8_t c);
/* pty.c: a slave's read (canonical, or by VMIN/VTIME) and ioctls, for the console's terminal too (console_tty.c). */
ssize_t pty_slave_read(struct pty *p, struct file *f, void *buf, size_t n);
long pty_slave_ioctl(struct pty *p, unsigned long cmd, unsigned long arg);
/* After TCSETS*: switching ICANON makes what was typed so far readable; flush drops input (TCSETSF). */
void pty_termios_changed(struct pty *p, tcflag_t old_lflag, bool flush);

#endif
