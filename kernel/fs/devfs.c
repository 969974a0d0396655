/* SPDX-License-Identifier: MIT */
/* devfs.c: the device nodes of /dev (null, zero, full, random, console) and the console as a terminal. */
#include "kernel.h"
#include "ktime.h"
#include "mm.h"
#include "platform.h"
#include "sched.h"
#include "vfs.h"
#include <asm-generic/ioctls.h>
#include <asm-generic/poll.h>
#include <asm-generic/termbits.h>
#include <asm-generic/termios.h>
#include <linux/fcntl.h>

/*
 * /dev is an ordinary ramfs directory: device nodes are ramfs inodes whose
 * open() uses the file operations below, so /dev/shm and the symlinks in
 * /dev need nothing special.
 */

struct waitq console_waitq = WAITQ_INIT(console_waitq);

static ssize_t null_read(struct file *f, void *buf, size_t n, off_t *off)
{
	(void)f; (void)buf; (void)n; (void)off;
	return 0;
}

static ssize_t sink_write(struct file *f, const void *buf, size_t n, off_t *off)
{
	(void)f; (void)buf; (void)off;
	return n;
}

static ssize_t zero_read(struct file *f, void *buf, size_t n, off_t *off)
{
	(void)f; (void)off;
	memset(buf, 0, n);
	return n;
}

static ssize_t full_write(struct file *f, const void *buf, size_t n, off_t *off)
{
	(void)f; (void)buf; (void)n; (void)off;
	return -ENOSPC;
}

static ssize_t random_read(struct file *f, void *buf, size_t n, off_t *off)
{
	(void)f; (void)off;
	random_bytes(buf, n);
	return n;
}

static unsigned always_ready(struct file *f)
{
	(void)f;
	return POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM;
}

static const struct file_ops null_fops = {
	.read = null_read, .write = sink_write, .poll = always_ready, .seekable = true,
};
static const struct file_ops zero_fops = {
	.read = zero_read, .write = sink_write, .poll = always_ready, .seekable = true,
};
static const struct file_ops full_fops = {
	.read = zero_read, .write = full_write, .poll = always_ready, .seekable = true,
};
static const struct file_ops random_fops = {
	.read = random_read, .write = sink_write, .poll = always_ready, .seekable = true,
};

/* ---- the console ---- */

/* Bytes received but not yet read: poll must look at input without losing it. */
static uint8_t con_in[256];
static size_t con_head, con_len;
static struct termios con_termios;
static struct winsize con_winsize = { .ws_row = 24, .ws_col = 80 };
static struct inode *console_inode;

static void console_drain(void)
{
	int c;

	while (con_len < sizeof(con_in) && (c = plat_console_getc()) >= 0) {
		con_in[(con_head + con_len) % sizeof(con_in)] = (uint8_t)c;
		con_len++;
	}
}

static int console_pop(void)
{
	int c = con_in[con_head];

	con_head = (con_head + 1) % sizeof(con_in);
	con_len--;
	return c;
}

static ssize_t console_read(struct file *f, void *buf, size_t n, off_t *off)
{
	uint8_t *dst = buf;
	size_t done = 0;

	(void)off;
	if (n == 0)
		return 0;
	for (;;) {
		console_drain();
		if (con_len > 0)
			break;
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		/* No interrupt may tell us about input: look again every 10 ms. */
		if (waitq_wait(&console_waitq, clock_monotonic_ns() + 10000000ULL) == -EINTR)
			return -EINTR;
	}
	while (done < n && con_len > 0) {
		int c = console_pop();

		if ((con_termios.c_lflag & ICANON) && c == con_termios.c_cc[VEOF])
			break;          /* end of file: what came before it, or 0 bytes */
		if (c == '\r' && (con_termios.c_iflag & ICRNL))
			c = '\n';
		dst[done++] = (uint8_t)c;
		if ((con_termios.c_lflag & ICANON) && c == '\n')
			break;
	}
	return done;
}

static ssize_t console_fwrite(struct file *f, const void *buf, size_t n, off_t *off)
{
	(void)f; (void)off;
	console_write(buf, n);
	return n;
}

static unsigned console_poll(struct file *f)
{
	(void)f;
	console_drain();
	return POLLOUT | POLLWRNORM | (con_len ? POLLIN | POLLRDNORM : 0);
}

static long console_ioctl(struct file *f, unsigned long cmd, unsigned long arg)
{
	void *uarg = (void *)arg;
	int v;

	(void)f;
	switch (cmd) {
	case TCGETS:
		return copy_to_user(uarg, &con_termios, sizeof(con_termios));
	case TCSETS:
	case TCSETSW:
	case TCSETSF:
		return copy_from_user(&con_termios, uarg, sizeof(con_termios));
	case TIOCGWINSZ:
		return copy_to_user(uarg, &con_winsize, sizeof(con_winsize));
	case TIOCSWINSZ:
		return copy_from_user(&con_winsize, uarg, sizeof(con_winsize));
	case TIOCGPGRP:
	case TIOCGSID:
		v = current ? current_proc()->pid : 1;
		return copy_to_user(uarg, &v, sizeof(v));
	case TIOCSPGRP:
	case TIOCSCTTY:
	case TIOCNOTTY:
	case TCSBRK:
	case TCSBRKP:
	case TCXONC:
		return 0;
	case TCFLSH:
		if (arg == TCIFLUSH || arg == TCIOFLUSH)
			con_len = 0;
		return 0;
	case FIONREAD:
		console_drain();
		v = (int)con_len;
		return copy_to_user(uarg, &v, sizeof(v));
	default:
		return -ENOTTY;
	}
}

static const struct file_ops console_fops = {
	.read = console_read,
	.write = console_fwrite,
	.poll = console_poll,
	.ioctl = console_ioctl,
	.poll_recheck_ns = 10000000ULL,
};

struct file *console_file_open(void)
{
	if (!console_inode) {
		console_inode = inode_alloc(S_IFCHR | 0620, NULL, &console_fops);
		if (!console_inode)
			return NULL;
		console_inode->nlink = 1;  /* never freed */
	}
	return file_alloc(console_inode, &console_fops, O_RDWR);
}

/* ---- /dev ---- */

/* Linux's encoding of a device number (new_encode_dev). */
static uint64_t mkdev(unsigned major, unsigned minor)
{
	return (minor & 0xff) | (major << 8) | ((uint64_t)(minor & ~0xffu) << 12);
}

static const struct {
	const char *name;
	unsigned major, minor, perm;
	const struct file_ops *fops;
} devices[] = {
	{ "null", 1, 3, 0666, &null_fops },
	{ "zero", 1, 5, 0666, &zero_fops },
	{ "full", 1, 7, 0666, &full_fops },
	{ "random", 1, 8, 0666, &random_fops },
	{ "urandom", 1, 9, 0666, &random_fops },
	{ "tty", 5, 0, 0666, &console_fops },
	{ "console", 5, 1, 0620, &console_fops },
};

static const struct {
	const char *name, *target;
} dev_links[] = {
	{ "fd", "/proc/self/fd" },
	{ "stdin", "/proc/self/fd/0" },
	{ "stdout", "/proc/self/fd/1" },
	{ "stderr", "/proc/self/fd/2" },
};

int devfs_init(void)
{
	struct inode *dir, *ino;
	int err;

	err = vfs_mknod(vfs_root(), "/dev", S_IFDIR | 0755, &dir);
	if (err)
		return err;
	dir->mode = S_IFDIR | 0755;
	for (size_t i = 0; i < ARRAY_SIZE(devices); i++) {
		err = vfs_mknod(dir, devices[i].name, S_IFCHR, &ino);
		if (err)
			goto out;
		ino->mode = S_IFCHR | devices[i].perm;
		ino->rdev = mkdev(devices[i].major, devices[i].minor);
		ramfs_set_fops(ino, devices[i].fops);
		if (devices[i].fops == &console_fops && devices[i].minor == 1 && !console_inode) {
			console_inode = ino;
			inode_ref(ino);
		}
		inode_unref(ino);
	}
	for (size_t i = 0; i < ARRAY_SIZE(dev_links); i++) {
		err = vfs_symlink(dev_links[i].target, dir, dev_links[i].name);
		if (err)
			goto out;
	}
	err = vfs_mknod(dir, "shm", S_IFDIR, &ino);
	if (err)
		goto out;
	ino->mode = S_IFDIR | 01777;
	inode_unref(ino);
	/* The terminal starts as Linux leaves a serial console: cooked, with echo. */
	con_termios.c_iflag = ICRNL | IXON;
	con_termios.c_oflag = OPOST | ONLCR;
	con_termios.c_cflag = B38400 | CS8 | CREAD | HUPCL;
	con_termios.c_lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN;
	con_termios.c_cc[VINTR] = 3;
	con_termios.c_cc[VQUIT] = 0x1c;
	con_termios.c_cc[VERASE] = 0x7f;
	con_termios.c_cc[VKILL] = 0x15;
	con_termios.c_cc[VEOF] = 4;
	con_termios.c_cc[VMIN] = 1;
	con_termios.c_cc[VSUSP] = 0x1a;
out:
	inode_unref(dir);
	return err;
}
