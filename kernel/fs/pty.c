/* SPDX-License-Identifier: MIT */
/* pty.c: pseudo-terminals: /dev/ptmx makes a master, /dev/pts/N is its slave, and a line discipline (canonical editing, echo, CR/NL mapping, VMIN/VTIME) sits between them. */
#include "kernel.h"
#include "ktime.h"
#include "sched.h"
#include "signal.h"
#include "vfs.h"
#include <asm-generic/ioctls.h>
#include <asm-generic/poll.h>
#include <asm-generic/termbits.h>
#include <asm-generic/termios.h>
#include <linux/tty.h>
#include <linux/fcntl.h>

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
 * One session: TIOCSCTTY makes the slave the controlling terminal (never an
 * open without O_NOCTTY), the foreground process group is the process.  With
 * ISIG, ^C and ^\ flush the queues and signal the process when the slave is
 * its controlling terminal; ^Z sends SIGTSTP only to a handler (a stop
 * would end the VM, and Linux discards it for an orphaned group).  Not
 * done: IXON flow control (^S/^Q are consumed, output never stops), VREPRINT,
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

static struct pty *ptys[PTY_MAX];
static const struct file_ops pts_fops;

static void pty_changed(struct pty *p)
{
	waitq_wake_all(&p->wait);
	poll_notify();
}

static bool is_cc(const struct pty *p, int idx, uint8_t c)
{
	/* A control character set to 0 (_POSIX_VDISABLE) is disabled. */
	return p->termios.c_cc[idx] != 0 && p->termios.c_cc[idx] == c;
}

static bool canonical(const struct pty *p)
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
static bool out_char(struct pty *p, uint8_t c)
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
	out_char(p, c);
}

/* ---- master to slave: input processing ---- */

static bool eol_bit(const struct pty *p, size_t i)
{
	return p->in_eol[i / 8] & (1u << (i % 8));
}

static void in_flush(struct pty *p)
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
	if (eol || !canonical(p))
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
				out_char(p, '\n');
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
		in_flush(p);
		p->out_len = 0;
	}
	if (p->termios.c_lflag & ECHO)
		echo_char(p, c);
	if (!p->ctty || !current)
		return;
	if (sig == SIGTSTP && current_proc()->sigactions[SIGTSTP - 1].handler == (uint64_t)SIG_DFL)
		return;
	signal_send_proc(sig, NULL);
}

/* Runs one byte written to the master through the slave's input processing;
 * false when in[] is full and the writer must wait. */
static bool ldisc_receive(struct pty *p, uint8_t c)
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
static void termios_changed(struct pty *p, tcflag_t old_lflag, bool flush)
{
	if (flush)
		in_flush(p);
	if ((old_lflag ^ p->termios.c_lflag) & ICANON) {
		memset(p->in_eol, 0, IN_SIZE / 8);
		if (canonical(p) && p->in_len > 0) {
			size_t last = (p->in_head + p->in_len - 1) % IN_SIZE;

			p->in_eol[last / 8] |= 1u << (last % 8);
		}
		p->in_ready = p->in_len;
		p->lnext = false;
	}
	pty_changed(p);
}

/* ---- allocation ---- */

static void pts_path(const struct pty *p, char *buf, size_t n)
{
	snprintk(buf, n, "/dev/pts/%d", p->index);
}

static void pty_free(struct pty *p)
{
	ptys[p->index] = NULL;
	if (p->node)
		inode_unref(p->node);
	kfree(p->in);
	kfree(p->in_eol);
	kfree(p->out);
	kfree(p);
}

/* Removes /dev/pts/N if the name still leads to this pty's node. */
static void pts_unlink(struct pty *p)
{
	struct inode *ino;
	char path[32];

	pts_path(p, path, sizeof(path));
	if (vfs_lookup(vfs_root(), path, true, &ino))
		return;
	if (ino == p->node)
		vfs_unlink(vfs_root(), path, false);
	inode_unref(ino);
}

/* What open(/dev/ptmx) does: a new pty with the lowest free number and its node /dev/pts/N. */
static int ptmx_open(struct file *f)
{
	struct pty *p;
	char path[32];
	int i, err = -ENOMEM;

	for (i = 0; i < PTY_MAX && ptys[i]; i++)
		;
	if (i == PTY_MAX)
		return -ENOSPC;
	p = kzalloc(sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->index = i;
	p->in = kmalloc(IN_SIZE);
	p->in_eol = kzalloc(IN_SIZE / 8);
	p->out = kmalloc(OUT_SIZE);
	if (!p->in || !p->in_eol || !p->out)
		goto err;
	tty_termios_init(&p->termios);
	waitq_init(&p->wait);
	p->locked = true;             /* until unlockpt(), as on Linux */
	p->master_open = true;
	ptys[i] = p;
	pts_path(p, path, sizeof(path));
	err = vfs_mknod(vfs_root(), path, S_IFCHR, &p->node);
	if (err)
		goto err;
	p->node->mode = S_IFCHR | 0620;
	p->node->rdev = vfs_mkdev(PTS_MAJOR, i);
	p->node->uid = current ? current_proc()->cred.fsuid : 0;
	p->node->gid = TTY_GID;
	ramfs_set_fops(p->node, &pts_fops);
	f->priv = p;
	return 0;
err:
	pty_free(p);
	return err;
}

static void slave_attach(struct pty *p, struct file *f)
{
	f->priv = p;
	p->slaves++;
	p->slave_closed = false;
	pty_changed(p);
}

/* What open(/dev/pts/N) does: -EIO while the pty is locked or its master closed. */
static int pts_open(struct file *f)
{
	unsigned idx = (unsigned)((f->inode->rdev & 0xff) | ((f->inode->rdev >> 12) & ~0xffu));
	struct pty *p = idx < PTY_MAX ? ptys[idx] : NULL;

	if (!p || p->node != f->inode || !p->master_open || p->locked)
		return -EIO;
	slave_attach(p, f);
	return 0;
}

/* The pty of a master file (made by ptmx_open). */
static struct pty *master_pty(struct file *f, int *err)
{
	*err = f->priv ? 0 : -EIO;
	return f->priv;
}

/* The pty of a slave file; NULL with *err -EIO when locked or hung up. */
static struct pty *slave_pty(struct file *f, int *err)
{
	struct pty *p = f->priv;

	*err = p ? 0 : -EIO;
	if (p && !p->master_open) {
		*err = -EIO;
		return NULL;
	}
	return p;
}

/* TIOCGPTPEER: the slave as a new descriptor, without a path lookup. */
static long open_peer(struct pty *p, unsigned flags)
{
	struct file *f;
	char path[32];
	int fd;

	if (p->locked)
		return -EIO;
	f = file_alloc(p->node, &pts_fops, flags & (O_ACCMODE | O_NONBLOCK));
	if (!f)
		return -ENOMEM;
	pts_path(p, path, sizeof(path));
	f->path = kstrdup(path);
	slave_attach(p, f);
	fd = fd_install(current_proc()->fdt, f, 0, flags & O_CLOEXEC);
	if (fd < 0)
		file_unref(f);
	return fd;
}

/* ---- the slave ---- */

static ssize_t canon_read(struct pty *p, struct file *f, uint8_t *dst, size_t n)
{
	size_t done = 0;

	while (p->in_ready == 0) {
		if (!p->master_open)
			return 0;
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		if (waitq_wait(&p->wait, 0) == -EINTR)
			return -EINTR;
	}
	while (done < n && p->in_ready > 0) {
		size_t i = p->in_head;
		bool eol = eol_bit(p, i);
		uint8_t c = p->in[i];

		p->in_head = (i + 1) % IN_SIZE;
		p->in_ready--;
		p->in_len--;
		if (eol && c == 0)
			break;            /* ^D: the line ends without it */
		dst[done++] = c;
		if (eol)
			break;
	}
	/* "abc^D" read 3 bytes at a time is "abc" then the next line, not an empty read. */
	if (done == n && p->in_ready > 0 && eol_bit(p, p->in_head) && p->in[p->in_head] == 0) {
		p->in_head = (p->in_head + 1) % IN_SIZE;
		p->in_ready--;
		p->in_len--;
	}
	return done;
}

static size_t raw_take(struct pty *p, uint8_t *dst, size_t n)
{
	size_t done = 0;

	while (done < n && p->in_ready > 0) {
		dst[done++] = p->in[p->in_head];
		p->in_head = (p->in_head + 1) % IN_SIZE;
		p->in_ready--;
		p->in_len--;
	}
	return done;
}

/*
 * Non-canonical reads, as termios(3) describes VMIN and VTIME (tenths of a
 * second): MIN > 0 waits for MIN bytes (at most n), with TIME > 0 also ending
 * TIME after the last byte once one came; MIN = 0 returns what there is,
 * waiting at most TIME for the first byte.
 */
static ssize_t raw_read(struct pty *p, struct file *f, uint8_t *dst, size_t n)
{
	unsigned vmin = p->termios.c_cc[VMIN], vtime = p->termios.c_cc[VTIME];
	uint64_t tick = vtime * 100000000ULL, deadline = 0;
	size_t want = vmin ? MIN((size_t)vmin, n) : 1, done = 0;
	int err;

	if (vmin == 0 && vtime)
		deadline = clock_monotonic_ns() + tick;
	for (;;) {
		size_t got = raw_take(p, dst + done, n - done);

		done += got;
		if (done >= want || !p->master_open || (vmin == 0 && vtime == 0))
			break;
		if (f->flags & O_NONBLOCK) {
			if (done == 0)
				return -EAGAIN;
			break;
		}
		if (vmin && vtime && got)
			deadline = clock_monotonic_ns() + tick;
		err = waitq_wait(&p->wait, deadline);
		if (err == -EINTR)
			return done ? (ssize_t)done : -EINTR;
		if (err == -ETIMEDOUT && p->in_ready == 0)
			break;
	}
	return done;
}

static ssize_t pts_read(struct file *f, void *buf, size_t n, off_t *off)
{
	int err;
	struct pty *p = slave_pty(f, &err);
	ssize_t r;

	(void)off;
	if (!p)
		return err == -EIO && f->priv ? 0 : err;    /* hung up: end of file */
	if (n == 0)
		return 0;
	r = canonical(p) ? canon_read(p, f, buf, n) : raw_read(p, f, buf, n);
	if (r > 0)
		pty_changed(p);
	return r;
}

static ssize_t pts_write(struct file *f, const void *buf, size_t n, off_t *off)
{
	int err;
	struct pty *p = slave_pty(f, &err);
	const uint8_t *src = buf;
	size_t done = 0;

	(void)off;
	if (!p)
		return err;
	while (done < n) {
		if (!p->master_open)
			return done ? (ssize_t)done : -EIO;
		if (out_char(p, src[done])) {
			done++;
			continue;
		}
		pty_changed(p);
		if (f->flags & O_NONBLOCK)
			return done ? (ssize_t)done : -EAGAIN;
		if (waitq_wait(&p->wait, 0) == -EINTR)
			return done ? (ssize_t)done : -EINTR;
	}
	pty_changed(p);
	return done;
}

static unsigned pts_poll(struct file *f)
{
	int err;
	struct pty *p = slave_pty(f, &err);
	unsigned ev = 0;

	if (!p)
		return f->priv ? POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM | POLLERR | POLLHUP : POLLERR;
	if (p->in_ready > 0)
		ev |= POLLIN | POLLRDNORM;
	if (p->out_len < OUT_SIZE)
		ev |= POLLOUT | POLLWRNORM;
	return ev;
}

/* Readable bytes for FIONREAD: complete lines in canonical mode, without ^D markers. */
static int slave_inq(const struct pty *p)
{
	int n = 0;

	for (size_t k = 0; k < p->in_ready; k++) {
		size_t i = (p->in_head + k) % IN_SIZE;

		n += !(eol_bit(p, i) && p->in[i] == 0 && canonical(p));
	}
	return n;
}

/* ---- ioctls of both sides ---- */

static long put_int(unsigned long arg, int v)
{
	return copy_to_user((void *)arg, &v, sizeof(v));
}

static long pty_ioctl(struct pty *p, bool master, unsigned long cmd, unsigned long arg)
{
	tcflag_t old_lflag = p->termios.c_lflag;
	struct winsize ws = p->winsize;
	int v;
	long err;

	/* The request is an int in Linux's ioctl(2): musl passes _IOR values sign-extended. */
	cmd = (unsigned)cmd;
	switch (cmd) {
	case TIOCGPTN:
		return master ? put_int(arg, p->index) : -ENOTTY;
	case TIOCSPTLCK:
		if (!master)
			return -ENOTTY;
		if (copy_from_user(&v, (void *)arg, sizeof(v)))
			return -EFAULT;
		p->locked = v != 0;
		return 0;
	case TIOCGPTLCK:
		return master ? put_int(arg, p->locked) : -ENOTTY;
	case TIOCGPTPEER:
		return master ? open_peer(p, (unsigned)arg) : -ENOTTY;
	case FIONREAD:
		return put_int(arg, master ? (int)p->out_len : slave_inq(p));
	case TIOCOUTQ:
		return put_int(arg, master ? 0 : (int)p->out_len);
	case TCFLSH:
		if (arg > TCIOFLUSH)
			return -EINVAL;
		/* The master's input is the slave's output. */
		if (arg == TCIOFLUSH || (arg == TCIFLUSH) != master)
			in_flush(p);
		if (arg == TCIOFLUSH || (arg == TCIFLUSH) == master)
			p->out_len = 0;
		pty_changed(p);
		return 0;
	case TIOCSCTTY:
		if (!master)
			p->ctty = true;
		return 0;
	case TIOCNOTTY:
		if (master || !p->ctty)
			return -ENOTTY;
		p->ctty = false;
		return 0;
	case TIOCGSID:
		return p->ctty ? put_int(arg, current_proc()->pid) : -ENOTTY;
	case TIOCGPGRP:
		if (!p->ctty)
			return master ? put_int(arg, 0) : -ENOTTY;
		return put_int(arg, current_proc()->pid);
	case TIOCSPGRP:
		if (copy_from_user(&v, (void *)arg, sizeof(v)))
			return -EFAULT;
		if (!p->ctty)
			return -ENOTTY;
		return v < 0 ? -EINVAL : v != current_proc()->pid ? -EPERM : 0;
	case TIOCGETD:
		return put_int(arg, N_TTY);
	case TIOCSETD:
		if (copy_from_user(&v, (void *)arg, sizeof(v)))
			return -EFAULT;
		return v == N_TTY ? 0 : -EINVAL;
	case TIOCEXCL:
	case TIOCNXCL:
		return 0;
	}
	err = tty_settings_ioctl(&p->termios, &p->winsize, cmd, arg);
	if (err)
		return err;
	if (cmd == TCSETS || cmd == TCSETSW || cmd == TCSETSF)
		termios_changed(p, old_lflag, cmd == TCSETSF);
	if (cmd == TIOCSWINSZ && p->ctty && memcmp(&ws, &p->winsize, sizeof(ws)))
		signal_send_proc(SIGWINCH, NULL);
	return 0;
}

static long pts_ioctl(struct file *f, unsigned long cmd, unsigned long arg)
{
	int err;
	struct pty *p = slave_pty(f, &err);

	return p ? pty_ioctl(p, false, cmd, arg) : err;
}

static void pts_release(struct file *f)
{
	struct pty *p = f->priv;

	if (!p)
		return;
	if (--p->slaves == 0)
		p->slave_closed = true;
	pty_changed(p);
	if (p->slaves == 0 && !p->master_open)
		pty_free(p);
}

static const struct file_ops pts_fops = {
	.open = pts_open,
	.read = pts_read,
	.write = pts_write,
	.poll = pts_poll,
	.ioctl = pts_ioctl,
	.release = pts_release,
};

/* ---- the master ---- */

static ssize_t ptmx_read(struct file *f, void *buf, size_t n, off_t *off)
{
	int err;
	struct pty *p = master_pty(f, &err);
	uint8_t *dst = buf;
	size_t done = 0;

	(void)off;
	if (!p)
		return err;
	if (n == 0)
		return 0;
	while (p->out_len == 0) {
		if (p->slave_closed)
			return -EIO;
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		if (waitq_wait(&p->wait, 0) == -EINTR)
			return -EINTR;
	}
	while (done < n && p->out_len > 0) {
		dst[done++] = p->out[p->out_head];
		p->out_head = (p->out_head + 1) % OUT_SIZE;
		p->out_len--;
	}
	pty_changed(p);
	return done;
}

static ssize_t ptmx_write(struct file *f, const void *buf, size_t n, off_t *off)
{
	int err;
	struct pty *p = master_pty(f, &err);
	const uint8_t *src = buf;
	size_t done = 0;

	(void)off;
	if (!p)
		return err;
	while (done < n) {
		if (ldisc_receive(p, src[done])) {
			done++;
			continue;
		}
		pty_changed(p);
		if (f->flags & O_NONBLOCK)
			return done ? (ssize_t)done : -EAGAIN;
		if (waitq_wait(&p->wait, 0) == -EINTR)
			return done ? (ssize_t)done : -EINTR;
	}
	pty_changed(p);
	return done;
}

static unsigned ptmx_poll(struct file *f)
{
	int err;
	struct pty *p = master_pty(f, &err);
	unsigned ev = 0;

	if (!p)
		return POLLERR;
	if (p->out_len > 0)
		ev |= POLLIN | POLLRDNORM;
	if (p->in_len < IN_SIZE)
		ev |= POLLOUT | POLLWRNORM;
	if (p->slave_closed)
		ev |= POLLHUP;
	return ev;
}

static long ptmx_ioctl(struct file *f, unsigned long cmd, unsigned long arg)
{
	int err;
	struct pty *p = master_pty(f, &err);

	return p ? pty_ioctl(p, true, cmd, arg) : err;
}

static void ptmx_release(struct file *f)
{
	struct pty *p = f->priv;

	if (!p)
		return;
	p->master_open = false;
	pts_unlink(p);
	pty_changed(p);
	if (p->slaves == 0)
		pty_free(p);
}

const struct file_ops ptmx_fops = {
	.open = ptmx_open,
	.read = ptmx_read,
	.write = ptmx_write,
	.poll = ptmx_poll,
	.ioctl = ptmx_ioctl,
	.release = ptmx_release,
};
