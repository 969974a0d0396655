/* SPDX-License-Identifier: MIT */
/* socket.c: the socket core: the family table, socket files (socket_fops), message copying, SOL_SOCKET options. */
#include "kernel.h"
#include "ktime.h"
#include "mm.h"
#include "net.h"
#include "sched.h"
#include "vfs.h"
#include <linux/fcntl.h>

#define SOCKBUF_MIN 2304              /* SO_SNDBUF/SO_RCVBUF floor, after doubling */
#define SOCKBUF_MAX (4 * 1024 * 1024)
#define SOCKBUF_DEFAULT 212992        /* Linux's default SO_SNDBUF/SO_RCVBUF */

/* ---- families ---- */

/* Every family the kernel has, by AF_* number. */
static const struct net_family *const families[] = {
	[AF_UNIX] = &unix_family,
	[AF_INET] = &inet_family,
	[AF_INET6] = &inet6_family,
	[AF_NETLINK] = &netlink_family,
};

const struct net_family *net_family_find(int family)
{
	if (family < 0 || family >= (int)ARRAY_SIZE(families))
		return NULL;
	return families[family];
}

/* ---- messages ---- */

size_t kmsg_remaining(const struct kmsg *m)
{
	size_t n = 0;

	for (int i = m->cur_iov; i < m->iovcnt; i++)
		n += m->iov[i].iov_len - (i == m->cur_iov ? m->cur_off : 0);
	return n;
}

static size_t kmsg_copy(struct kmsg *m, void *kbuf, size_t n, bool in)
{
	size_t done = 0;

	while (done < n && m->cur_iov < m->iovcnt) {
		const struct iovec *v = &m->iov[m->cur_iov];
		size_t chunk = MIN(n - done, v->iov_len - m->cur_off), left;
		char *u = (char *)v->iov_base + m->cur_off;

		if (in)
			left = usercopy_raw((char *)kbuf + done, u, chunk);
		else
			left = usercopy_raw(u, (const char *)kbuf + done, chunk);
		done += chunk - left;
		m->cur_off += chunk - left;
		if (left)
			break;
		if (m->cur_off == v->iov_len) {
			m->cur_iov++;
			m->cur_off = 0;
		}
	}
	return done;
}

size_t kmsg_copy_in(struct kmsg *m, void *dst, size_t n)
{
	return kmsg_copy(m, dst, n, true);
}

size_t kmsg_copy_out(struct kmsg *m, const void *src, size_t n)
{
	return kmsg_copy(m, (void *)src, n, false);
}

/* ---- socket files ---- */

static struct socket *sock_of(struct file *f)
{
	return f->priv;
}

static int nonblock_flags(struct file *f, int flags)
{
	return (f->flags & O_NONBLOCK) ? flags | MSG_DONTWAIT : flags;
}

static ssize_t sock_read(struct file *f, void *buf, size_t n, off_t *off)
{
	struct iovec iov = { buf, n };
	struct kmsg m = { .iov = &iov, .iovcnt = 1 };

	return sock_of(f)->ops->recvmsg(f, &m, nonblock_flags(f, 0));
}

static ssize_t sock_write(struct file *f, const void *buf, size_t n, off_t *off)
{
	struct iovec iov = { (void *)buf, n };
	struct kmsg m = { .iov = &iov, .iovcnt = 1 };

	return sock_of(f)->ops->sendmsg(f, &m, nonblock_flags(f, 0));
}

static unsigned sock_poll(struct file *f)
{
	return sock_of(f)->ops->poll(f);
}

static long sock_ioctl(struct file *f, unsigned long cmd, unsigned long arg)
{
	long r = sock_of(f)->ops->ioctl ? sock_of(f)->ops->ioctl(f, cmd, arg) : -ENOTTY;

	/* Interface ioctls work on a socket of any family (musl's if_nametoindex uses AF_UNIX). */
	return r == -ENOTTY ? net_ifioctl(cmd, arg) : r;
}

static void sock_release(struct file *f)
{
	sock_of(f)->ops->release(f);
}

const struct file_ops socket_fops = {
	.read = sock_read,
	.write = sock_write,
	.poll = sock_poll,
	.ioctl = sock_ioctl,
	.release = sock_release,
};

struct file *socket_file_alloc(struct socket *s, unsigned fflags)
{
	struct inode *ino = inode_alloc(S_IFSOCK | 0777, NULL, NULL);
	struct file *f;

	if (!ino)
		return NULL;
	f = file_alloc(ino, &socket_fops, O_RDWR | (fflags & O_NONBLOCK));
	inode_unref(ino);
	if (f)
		f->priv = s;
	return f;
}

void socket_init(struct socket *s, const struct sock_ops *ops, int family, int type, int protocol)
{
	s->ops = ops;
	s->family = family;
	s->type = type;
	s->protocol = protocol;
	s->sndbuf = s->rcvbuf = SOCKBUF_DEFAULT;
}

int socket_wait(struct socket *s, struct waitq *q, bool send, uint64_t *deadline)
{
	uint64_t t = send ? s->sndtimeo_ns : s->rcvtimeo_ns;
	int r;

	if (!*deadline)
		*deadline = t ? clock_monotonic_ns() + t : UINT64_MAX;
	r = waitq_wait(q, *deadline == UINT64_MAX ? 0 : *deadline);
	return r == -ETIMEDOUT ? -EAGAIN : r;
}

/* ---- options ---- */

/* struct timeval (SO_RCVTIMEO_OLD) and struct __kernel_sock_timeval (_NEW) are alike on x86-64. */
struct sock_timeval {
	int64_t tv_sec;
	int64_t tv_usec;
};

static int timeo_set(uint64_t *ns, const void *val, int len)
{
	struct sock_timeval tv;

	if (len < (int)sizeof(tv))
		return -EINVAL;
	memcpy(&tv, val, sizeof(tv));
	if (tv.tv_usec < 0 || tv.tv_usec >= 1000000)
		return -EDOM;
	if (tv.tv_sec < 0)                    /* Linux: a negative time means "do not wait at all"... */
		*ns = 1;                      /* ...as good as the shortest timeout */
	else if (tv.tv_sec > (int64_t)(UINT64_MAX / 2000000000ull))
		*ns = 0;
	else
		*ns = (uint64_t)tv.tv_sec * 1000000000ull + (uint64_t)tv.tv_usec * 1000;
	return 0;
}

static int sol_socket_set(struct socket *s, int name, const void *val, int len)
{
	int v;

	if (name == SO_RCVTIMEO_OLD || name == SO_RCVTIMEO_NEW)
		return timeo_set(&s->rcvtimeo_ns, val, len);
	if (name == SO_SNDTIMEO_OLD || name == SO_SNDTIMEO_NEW)
		return timeo_set(&s->sndtimeo_ns, val, len);
	if (name == SO_LINGER) {
		if (len < (int)sizeof(struct linger))
			return -EINVAL;
		memcpy(&s->linger, val, sizeof(s->linger));
		return 0;
	}
	if (len < (int)sizeof(int))
		return -EINVAL;
	memcpy(&v, val, sizeof(v));
	switch (name) {
	case SO_SNDBUF:
	case SO_RCVBUF:
		/* Linux doubles the value to leave room for its bookkeeping, and reports the double. */
		v = (int)MIN(MAX((int64_t)v * 2, SOCKBUF_MIN), (int64_t)SOCKBUF_MAX);
		if (name == SO_SNDBUF)
			s->sndbuf = v;
		else
			s->rcvbuf = v;
		return 0;
	case SO_REUSEADDR:  s->reuseaddr = v != 0; return 0;
	case SO_REUSEPORT:  s->reuseport = v != 0; return 0;
	case SO_KEEPALIVE:  s->keepalive = v != 0; return 0;
	case SO_PASSCRED:   s->passcred = v != 0; return 0;
	case SO_BROADCAST:  s->broadcast = v != 0; return 0;
	default:
		return -ENOPROTOOPT;
	}
}

int socket_setsockopt(struct file *f, int level, int name, const void *val, int len)
{
	struct socket *s = sock_of(f);
	int err;

	if (level != SOL_SOCKET)
		return s->ops->setsockopt ? s->ops->setsockopt(f, level, name, val, len) : -ENOPROTOOPT;
	err = sol_socket_set(s, name, val, len);
	if (!err && s->ops->sockopt_changed)
		s->ops->sockopt_changed(f, name);
	return err;
}

int socket_getsockopt(struct file *f, int level, int name, void *val, int *len)
{
	struct socket *s = sock_of(f);
	struct ucred cred;
	struct sock_timeval tv;
	const void *p = NULL;
	int v = 0, n = sizeof(int);

	if (level != SOL_SOCKET)
		return s->ops->getsockopt ? s->ops->getsockopt(f, level, name, val, len) : -ENOPROTOOPT;
	switch (name) {
	case SO_TYPE:      v = s->type; break;
	case SO_DOMAIN:    v = s->family; break;
	case SO_PROTOCOL:  v = s->protocol; break;
	case SO_ERROR:     v = s->error; s->error = 0; break;
	case SO_SNDBUF:    v = s->sndbuf; break;
	case SO_RCVBUF:    v = s->rcvbuf; break;
	case SO_REUSEADDR: v = s->reuseaddr; break;
	case SO_REUSEPORT: v = s->reuseport; break;
	case SO_KEEPALIVE: v = s->keepalive; break;
	case SO_PASSCRED:  v = s->passcred; break;
	case SO_BROADCAST: v = s->broadcast; break;
	case SO_RCVTIMEO_OLD:
	case SO_RCVTIMEO_NEW:
	case SO_SNDTIMEO_OLD:
	case SO_SNDTIMEO_NEW: {
		uint64_t ns = (name == SO_RCVTIMEO_OLD || name == SO_RCVTIMEO_NEW) ? s->rcvtimeo_ns : s->sndtimeo_ns;

		tv.tv_sec = (int64_t)(ns / 1000000000ull);
		tv.tv_usec = (int64_t)(ns % 1000000000ull / 1000);
		p = &tv;
		n = sizeof(tv);
		break;
	}
	case SO_ACCEPTCONN: v = s->listening; break;
	case SO_LINGER:
		p = &s->linger;
		n = sizeof(s->linger);
		break;
	case SO_PEERCRED:
		/* One process and one user: the peer is always this one. */
		cred.pid = current_proc()->pid;
		cred.uid = cred.gid = 0;
		p = &cred;
		n = sizeof(cred);
		break;
	default:
		return -ENOPROTOOPT;
	}
	if (!p)
		p = &v;
	n = MIN(n, *len);
	memcpy(val, p, n);
	*len = n;
	return 0;
}
