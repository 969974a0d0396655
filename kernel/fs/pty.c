/* SPDX-License-Identifier: MIT */
/* pty.c: pseudo-terminals: /dev/ptmx makes a master, /dev/pts/N is its slave, with the line discipline of pty_ldisc.c between them (the design notes are in pty.h). */
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

static struct pty *ptys[PTY_MAX];
static const struct file_ops pts_fops;

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
void pty_session_ended(int sid)
{
	for (int i = 0; i < PTY_MAX; i++) {
		struct pty *p = ptys[i];

		if (!p || !p->ctty || p->sid != sid)
			continue;
		/* The controlling process is gone: its foreground group is hung up, and the terminal is nobody's. */
		p->ctty = false;
		signal_send_pgrp(p->pgrp, SIGHUP, NULL);
		signal_send_pgrp(p->pgrp, SIGCONT, NULL);
	}
}

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
		bool eol = pty_eol_bit(p, i);
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
	if (done == n && p->in_ready > 0 && pty_eol_bit(p, p->in_head) && p->in[p->in_head] == 0) {
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

/*
 * Job control on the controlling terminal (Linux's __tty_check_change): a
 * process outside the foreground group gets sig (SIGTTIN to read, SIGTTOU
 * to write with TOSTOP or change the terminal) sent to its whole group, and
 * the call restarts once the group continues (-EINTR here; signal.c
 * restarts it unless a handler without SA_RESTART ran).  When the signal
 * is ignored or blocked, a read fails with EIO and the rest go on; an
 * orphaned group, which nobody could continue, gets EIO.
 */
static int job_control(struct pty *p, int sig)
{
	struct proc *me = current_proc();

	if (!p->ctty || p->sid != me->sid || me->pgid == p->pgrp)
		return 0;
	if (signal_ignored_or_blocked(sig))
		return sig == SIGTTIN ? -EIO : 0;
	if (proc_pgrp_orphaned(me->pgid))
		return -EIO;
	signal_send_pgrp(me->pgid, sig, NULL);
	return -EINTR;
}

ssize_t pty_slave_read(struct pty *p, struct file *f, void *buf, size_t n)
{
	uint8_t *k;
	ssize_t r;

	if ((r = job_control(p, SIGTTIN)))
		return r;
	if (n == 0)
		return 0;
	/* Read into the kernel, then copied out: buf is user memory.  The queue holds at most IN_SIZE. */
	n = MIN(n, (size_t)IN_SIZE);
	k = kmalloc(n);
	if (!k)
		return -ENOMEM;
	r = pty_canonical(p) ? canon_read(p, f, k, n) : raw_read(p, f, k, n);
	if (r > 0) {
		pty_changed(p);
		if (memcpy_user(buf, k, r))
			r = -EFAULT;
	}
	kfree(k);
	return r;
}

static ssize_t pts_read(struct file *f, void *buf, size_t n, off_t *off)
{
	int err;
	struct pty *p = slave_pty(f, &err);

	(void)off;
	if (!p)
		return err == -EIO && f->priv ? 0 : err;    /* hung up: end of file */
	return pty_slave_read(p, f, buf, n);
}

/*
 * Feeds the bytes one at a time to put (output processing for the slave,
 * input processing for the master), waiting for room as a pipe does.  A
 * slave write fails with EIO once the master is gone.
 */
static ssize_t pty_write(struct pty *p, struct file *f, const uint8_t *src, size_t n,
			 bool (*put)(struct pty *p, uint8_t c), bool hangup_eio)
{
	uint8_t k[64];           /* src is user memory: taken a piece at a time */
	size_t done = 0, base = 0, have = 0;

	while (done < n) {
		if (hangup_eio && !p->master_open)
			return done ? (ssize_t)done : -EIO;
		if (done == base + have) {
			base = done;
			have = MIN(n - done, sizeof(k));
			if (memcpy_user(k, src + done, have))
				return done ? (ssize_t)done : -EFAULT;
		}
		if (put(p, k[done - base])) {
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

static ssize_t pts_write(struct file *f, const void *buf, size_t n, off_t *off)
{
	int err;
	struct pty *p = slave_pty(f, &err);

	(void)off;
	if (!p)
		return err;
	if ((p->termios.c_lflag & TOSTOP) && (err = job_control(p, SIGTTOU)))
		return err;
	return pty_write(p, f, buf, n, pty_out_char, true);
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

		n += !(pty_eol_bit(p, i) && p->in[i] == 0 && pty_canonical(p));
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
	/* Changing the terminal from a background group is job control's business (SIGTTOU). */
	if (!master && (cmd == TIOCSPGRP || cmd == TCSETS || cmd == TCSETSW || cmd == TCSETSF ||
			cmd == TCFLSH) && (err = job_control(p, SIGTTOU)))
		return err;
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
			pty_in_flush(p);
		if (arg == TCIOFLUSH || (arg == TCIFLUSH) == master)
			p->out_len = 0;
		pty_changed(p);
		return 0;
	case TIOCSCTTY:
		if (!master) {
			p->ctty = true;
			p->sid = current_proc()->sid;
			p->pgrp = current_proc()->pgid;
		}
		return 0;
	case TIOCNOTTY:
		if (master || !p->ctty)
			return -ENOTTY;
		p->ctty = false;
		return 0;
	case TIOCGSID:
		return p->ctty ? put_int(arg, p->sid) : -ENOTTY;
	case TIOCGPGRP:
		if (!p->ctty)
			return master ? put_int(arg, 0) : -ENOTTY;
		return put_int(arg, p->pgrp);
	case TIOCSPGRP:
		if (copy_from_user(&v, (void *)arg, sizeof(v)))
			return -EFAULT;
		if (!p->ctty)
			return -ENOTTY;
		if (v < 0)
			return -EINVAL;
		if (!proc_pgrp_in_session(v, p->sid))
			return -EPERM;
		p->pgrp = v;
		return 0;
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
		pty_termios_changed(p, old_lflag, cmd == TCSETSF);
	if (cmd == TIOCSWINSZ && p->ctty && memcmp(&ws, &p->winsize, sizeof(ws)))
		signal_send_pgrp(p->pgrp, SIGWINCH, NULL);
	return 0;
}

long pty_slave_ioctl(struct pty *p, unsigned long cmd, unsigned long arg)
{
	return pty_ioctl(p, false, cmd, arg);
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
	uint8_t k[256];          /* buf is user memory: copied out a piece at a time */
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
		size_t c;

		for (c = 0; c < sizeof(k) && done + c < n && c < p->out_len; c++)
			k[c] = p->out[(p->out_head + c) % OUT_SIZE];
		if (memcpy_user((uint8_t *)buf + done, k, c))
			break;   /* the bytes stay queued */
		p->out_head = (p->out_head + c) % OUT_SIZE;
		p->out_len -= c;
		done += c;
	}
	pty_changed(p);
	return done ? (ssize_t)done : -EFAULT;
}

static ssize_t ptmx_write(struct file *f, const void *buf, size_t n, off_t *off)
{
	int err;
	struct pty *p = master_pty(f, &err);

	(void)off;
	if (!p)
		return err;
	return pty_write(p, f, buf, n, pty_ldisc_receive, false);
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
