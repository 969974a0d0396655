/* SPDX-License-Identifier: MIT */
/* devfs.c: the device nodes of /dev (null, zero, full, random, console, ptmx, pts/), the console as a terminal, and the settings every terminal shares. */
#include "kernel.h"
#include "ktime.h"
#include "mm.h"
#include "platform.h"
#include "sched.h"
#include "blkdev.h"
#include "vfs.h"
#include "console.h"
#include "console_channel.h"
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
	return memzero_user(buf, n) ? -EFAULT : (ssize_t)n;
}

static ssize_t full_write(struct file *f, const void *buf, size_t n, off_t *off)
{
	(void)f; (void)buf; (void)n; (void)off;
	return -ENOSPC;
}

static ssize_t random_read(struct file *f, void *buf, size_t n, off_t *off)
{
	(void)f; (void)off;
	return random_bytes_user(buf, n) ? -EFAULT : (ssize_t)n;
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

/* ---- terminal settings ---- */

void tty_termios_init(struct termios *t)
{
	/* Linux's tty_std_termios and INIT_C_CC. */
	static const uint8_t cc[NCCS] = {
		[VINTR] = 3, [VQUIT] = 0x1c, [VERASE] = 0x7f, [VKILL] = 0x15, [VEOF] = 4,
		[VMIN] = 1, [VSTART] = 0x11, [VSTOP] = 0x13, [VSUSP] = 0x1a, [VREPRINT] = 0x12,
		[VDISCARD] = 0x0f, [VWERASE] = 0x17, [VLNEXT] = 0x16,
	};

	memset(t, 0, sizeof(*t));
	t->c_iflag = ICRNL | IXON;
	t->c_oflag = OPOST | ONLCR;
	t->c_cflag = B38400 | CS8 | CREAD | HUPCL;
	t->c_lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN;
	memcpy(t->c_cc, cc, sizeof(cc));
}

long tty_settings_ioctl(struct termios *t, struct winsize *ws, unsigned long cmd, unsigned long arg)
{
	void *uarg = (void *)arg;
	struct termios nt;
	struct winsize nws;

	switch (cmd) {
	case TCGETS:
		return copy_to_user(uarg, t, sizeof(*t));
	case TCSETS:
	case TCSETSW:
	case TCSETSF:
		if (copy_from_user(&nt, uarg, sizeof(nt)))
			return -EFAULT;
		*t = nt;
		return 0;
	case TIOCGWINSZ:
		return copy_to_user(uarg, ws, sizeof(*ws));
	case TIOCSWINSZ:
		if (copy_from_user(&nws, uarg, sizeof(nws)))
			return -EFAULT;
		*ws = nws;
		return 0;
	case TCSBRK:
	case TCSBRKP:
		return 0;
	case TCXONC:
		return arg <= TCION ? 0 : -EINVAL;
	default:
		return -ENOTTY;
	}
}

/* ---- the console ---- */

/* Bytes received but not yet read: poll must look at input without losing it. */
static uint8_t con_in[4096];
static size_t con_head, con_len;
/*
 * With "husk.mux" the host's relay frames its input (console.h): con_dle
 * holds a DLE whose second byte has not arrived, con_eof says the end was
 * seen (reads then return 0), con_ws collects a window size message.
 */
static bool con_dle, con_eof;
static char con_ws[16];
static int con_ws_len = -1;     /* -1: not in a window size message */
bool console_notty;
/* husk's stdin is a terminal: the console is one too, through console_tty.c. */
static bool console_tty;
static struct termios con_termios;
static struct winsize con_winsize = { .ws_row = 24, .ws_col = 80 };
static struct inode *console_inode;
/* The platform's console interrupts on input (plat_console_irq_init). */
static bool con_irq;

/* "ROWSxCOLS": both from 1 to 65535; 0 when malformed. */
static int parse_winsize(const char *s, unsigned long v[2])
{
	v[0] = v[1] = 0;
	for (int i = 0; i < 2; i++, s++) {
		for (; *s >= '0' && *s <= '9' && v[i] <= 0xffff; s++)
			v[i] = v[i] * 10 + (unsigned long)(*s - '0');
		if (v[i] == 0 || v[i] > 0xffff || *s != (i ? '\0' : 'x'))
			return 0;
	}
	return 1;
}

/* One byte of a DLE 'w' message: at its ';' the new size is handed on. */
static void winsize_byte(int c)
{
	unsigned long v[2];

	if (c != ';') {
		if (con_ws_len < (int)sizeof(con_ws) - 1)
			con_ws[con_ws_len++] = (char)c;
		return;
	}
	con_ws[con_ws_len] = 0;
	con_ws_len = -1;
	if (!parse_winsize(con_ws, v))
		return;
	con_winsize.ws_row = (unsigned short)v[0];
	con_winsize.ws_col = (unsigned short)v[1];
	if (console_tty)
		console_tty_resize((unsigned)v[0], (unsigned)v[1]);
}

int console_in_getc(void)
{
	int c;

	while ((c = console_raw_getc()) >= 0) {
		if (!console_mux)
			return c;
		if (con_ws_len >= 0) {
			winsize_byte(c);
			continue;
		}
		if (con_dle) {
			con_dle = false;
			if (c == 'e')
				con_eof = true;
			else if (c == 'w')
				con_ws_len = 0;
			else if (c == CONSOLE_DLE)
				return c;
			else if (c == ']')
				return 0x1d;    /* ^], which xl console would take as its own escape */
			continue;       /* no other code is sent: dropped */
		}
		if (c == CONSOLE_DLE) {
			con_dle = true;
			continue;
		}
		return c;
	}
	return -1;
}

bool console_in_ended(void)
{
	return con_eof;
}

void console_initial_winsize(struct winsize *ws)
{
	*ws = con_winsize;
}

/* Appends n bytes to con_in (which has room for them). */
static void con_in_put(const void *p, size_t n)
{
	size_t at = (con_head + con_len) % sizeof(con_in), first = MIN(n, sizeof(con_in) - at);

	memcpy(con_in + at, p, first);
	memcpy(con_in, (const char *)p + first, n - first);
	con_len += n;
}

/*
 * Moves what arrived into con_in.  From a bulk channel, runs of data
 * without a DLE are copied whole; the framing's other bytes go through
 * console_in_getc.
 */
static void console_drain(void)
{
	while (con_len < sizeof(con_in)) {
		const char *p;
		size_t n = console_mux && !con_dle && con_ws_len < 0 ? console_raw_peek(&p) : 0;
		uint8_t b;
		int c;

		if (n) {
			n = console_find_dle(p, MIN(n, sizeof(con_in) - con_len));
			if (n) {
				con_in_put(p, n);
				console_raw_consume(n);
				continue;
			}
		}
		c = console_in_getc();
		if (c < 0)
			return;
		b = (uint8_t)c;
		con_in_put(&b, 1);
	}
}

/* Takes n (at most con_len) bytes from con_in into dst. */
static void con_in_take(void *dst, size_t n)
{
	size_t first = MIN(n, sizeof(con_in) - con_head);

	memcpy(dst, con_in + con_head, first);
	memcpy((char *)dst + first, con_in, n - first);
	con_head = (con_head + n) % sizeof(con_in);
	con_len -= n;
}

/*
 * Whether a read would return data: any byte in raw mode; in canonical
 * mode a whole line (or end of file), as input arrives in pieces.
 */
static bool console_readable(void)
{
	if (con_eof)
		return true;
	if (console_notty || !(con_termios.c_lflag & ICANON) || con_len == sizeof(con_in))
		return con_len > 0;
	for (size_t i = 0; i < con_len; i++) {
		uint8_t c = con_in[(con_head + i) % sizeof(con_in)];
		if (c == '\n' || c == con_termios.c_cc[VEOF] ||
		    (c == con_termios.c_cc[VEOL] && c != 0) || (c == '\r' && (con_termios.c_iflag & ICRNL)))
			return true;
	}
	return false;
}

/* From the UART's interrupt or the bulk channel's (console_channel.h): take what arrived and wake readers and pollers. */
void console_input_arrived(void)
{
	size_t before = con_len;
	bool eof = con_eof;

	if (console_tty) {
		console_tty_input();
		return;
	}
	console_drain();
	if (con_len != before || con_eof != eof) {
		waitq_wake_all(&console_waitq);
		poll_notify();
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
	uint8_t dst[sizeof(con_in)];   /* buf is user memory: copied out at the end */
	size_t done = 0;

	(void)off;
	if (console_tty)
		return console_tty_read(f, buf, n);
	if (n == 0)
		return 0;
	for (;;) {
		console_drain();
		if (console_readable())
			break;
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		/* The receive interrupt wakes us (console_input_arrived). */
		if (waitq_wait(&console_waitq, 0) == -EINTR)
			return -EINTR;
	}
	n = MIN(n, sizeof(dst));
	if (console_notty) {
		/* A pipe or a file on the host: the bytes as they came, no line discipline. */
		done = MIN(n, con_len);
		con_in_take(dst, done);
		return memcpy_user(buf, dst, done) ? -EFAULT : (ssize_t)done;
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
	return memcpy_user(buf, dst, done) ? -EFAULT : (ssize_t)done;
}

static ssize_t console_fwrite(struct file *f, const void *buf, size_t n, off_t *off)
{
	enum console_stream s = f->priv ? (enum console_stream)(uintptr_t)f->priv : CON_STDOUT;
	char k[256];   /* buf is user memory: through the user copies, a piece at a time */

	(void)off;
	for (size_t done = 0; done < n; done += sizeof(k)) {
		size_t chunk = MIN(n - done, sizeof(k));

		if (memcpy_user(k, (const char *)buf + done, chunk)) {
			console_push();
			return done ? (ssize_t)done : -EFAULT;
		}
		/* Descriptor 2 of the first process writes to stderr; /dev/console, /dev/tty and fd 0/1 to stdout. */
		if (console_tty)
			console_tty_write(s, k, chunk);
		else
			console_queue_stream(s, k, chunk);
	}
	console_push();
	return n;
}

static unsigned console_poll(struct file *f)
{
	(void)f;
	if (console_tty)
		return console_tty_poll();
	console_drain();
	return POLLOUT | POLLWRNORM | (console_readable() ? POLLIN | POLLRDNORM : 0);
}

/* The console's foreground process group (tcsetpgrp), in pid 1's session. */
static int console_pgrp = 1;

static long console_ioctl(struct file *f, unsigned long cmd, unsigned long arg)
{
	void *uarg = (void *)arg;
	int v;

	(void)f;
	if (console_tty)
		return console_tty_ioctl(cmd, arg);
	if (console_notty && cmd != FIONREAD)
		return -ENOTTY;
	switch (cmd) {
	case TIOCGPGRP:
		/* The console is pid 1's controlling terminal; its foreground group starts as pid 1's. */
		v = console_pgrp;
		return copy_to_user(uarg, &v, sizeof(v));
	case TIOCGSID:
		v = 1;
		return copy_to_user(uarg, &v, sizeof(v));
	case TIOCSPGRP:
		if (copy_from_user(&v, uarg, sizeof(v)))
			return -EFAULT;
		if (v <= 0)
			return -EINVAL;
		if (!proc_pgrp_in_session(v, 1))
			return -EPERM;
		console_pgrp = v;
		return 0;
	case TIOCSCTTY:
	case TIOCNOTTY:
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
		return tty_settings_ioctl(&con_termios, &con_winsize, cmd, arg);
	}
}

static const struct file_ops console_fops = {
	.read = console_read,
	.write = console_fwrite,
	.poll = console_poll,
	.ioctl = console_ioctl,
};

void console_winsize_option(const char *s)
{
	unsigned long v[2];

	if (!parse_winsize(s, v))
		return;   /* malformed: the default 24x80 stays */
	con_winsize.ws_row = (unsigned short)v[0];
	con_winsize.ws_col = (unsigned short)v[1];
}

struct file *console_file_open(enum console_stream stream)
{
	struct file *f;

	if (!console_inode) {
		console_inode = inode_alloc(S_IFCHR | 0620, NULL, &console_fops);
		if (!console_inode)
			return NULL;
		console_inode->nlink = 1;  /* never freed */
	}
	f = file_alloc(console_inode, &console_fops, O_RDWR);
	if (f)
		f->priv = (void *)(uintptr_t)stream;
	return f;
}

/* ---- /dev ---- */

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
	{ "ptmx", 5, 2, 0666, &ptmx_fops },
	{ "loop-control", 10, 237, 0660, &loop_control_fops },
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
	/* Entries go straight into the directory: a path walk each would cost ~1,000 instructions of boot. */
	for (size_t i = 0; i < ARRAY_SIZE(devices); i++) {
		err = vfs_create_child(dir, devices[i].name, S_IFCHR | devices[i].perm, &ino);
		if (err)
			goto out;
		ino->mode = S_IFCHR | devices[i].perm;
		ino->rdev = vfs_mkdev(devices[i].major, devices[i].minor);
		ramfs_set_fops(ino, devices[i].fops);
		if (devices[i].fops == &console_fops && devices[i].minor == 1 && !console_inode) {
			console_inode = ino;
			inode_ref(ino);
		}
		inode_unref(ino);
	}
	for (size_t i = 0; i < ARRAY_SIZE(dev_links); i++) {
		err = vfs_symlink_child(dir, dev_links[i].name, dev_links[i].target);
		if (err)
			goto out;
	}
	err = vfs_create_child(dir, "shm", S_IFDIR | 01777, &ino);
	if (err)
		goto out;
	ino->mode = S_IFDIR | 01777;
	inode_unref(ino);
	/* Pseudo-terminal slaves appear here (fs/pty.c). */
	err = vfs_create_child(dir, "pts", S_IFDIR | 0755, &ino);
	if (err)
		goto out;
	ino->mode = S_IFDIR | 0755;
	inode_unref(ino);
	/* The terminal starts as Linux leaves a serial console: cooked, with echo. */
	tty_termios_init(&con_termios);
	/*
	 * Input comes by interrupt on every platform (the UART's, Xen's console
	 * event channel).  A console that cannot interrupt (Xen without a PV
	 * console ring) has no input at all: its readers wait for a signal.
	 */
	con_irq = plat_console_irq_init(console_input_arrived) == 0;
	/*
	 * Behind the relay, with a terminal as husk's stdin, the console is a
	 * terminal with a line discipline (its readers wait for the interrupt).
	 */
	console_tty = console_mux && !console_notty && con_irq && console_tty_init() == 0;
out:
	inode_unref(dir);
	return err;
}
