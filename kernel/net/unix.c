/* SPDX-License-Identifier: MIT */
/* unix.c: AF_UNIX sockets: stream, datagram and seqpacket; path, abstract and automatic names; SCM_RIGHTS. */
#include "kernel.h"
#include "net.h"
#include "sched.h"
#include "signal.h"
#include "vfs.h"
#include <asm-generic/ioctls.h>
#include <asm-generic/poll.h>
#include <linux/fcntl.h>
#include <linux/un.h>

/*
 * Every socket has a receive queue of messages (struct skb).  A sender puts
 * a message straight into its peer's queue; a stream reader may take bytes
 * from several messages, a datagram or seqpacket reader takes one message.
 * Descriptors passed with SCM_RIGHTS ride on the message as referenced files.
 *
 * A connect() to a listening socket makes the server side at once: a new
 * socket, connected to the client, waiting in the listener's backlog until
 * accept() gives it a file.  So data can flow before accept, as in Linux.
 *
 * References: a socket's file holds one, a peer pointer holds one, a
 * listener's backlog holds its pending sockets.  When a file is closed the
 * socket is marked dead, drops its peer and its queue; the other side sees
 * the shutdown flags and the dead flag.
 *
 * Blocking: readers and accept wait on the socket's rq; writers wait on the
 * wq of the socket whose queue they fill; connect waits on the listener's wq.
 * Every change wakes both queues of the sockets involved and poll_notify().
 */

#define RCV_SHUTDOWN 1
#define SEND_SHUTDOWN 2
#define SHUTDOWN_MASK 3

#define UNIX_BUF_DEFAULT 212992     /* Linux's default SO_SNDBUF/SO_RCVBUF */
#define UNIX_MAX_DGRAM_QLEN 512     /* net.unix.max_dgram_qlen */
#define UNIX_CHUNK (64 * 1024)      /* a stream write is queued in pieces of at most this */
#define ADDR_FAMILY_LEN ((int)sizeof(__kernel_sa_family_t))

enum ustate { US_UNCONNECTED, US_LISTENING, US_CONNECTED };

struct skb {
	struct list link;
	size_t len, off;                /* unread data is data[off..len) */
	struct file **fds;              /* SCM_RIGHTS in flight, referenced */
	int nfds;
	struct sockaddr_un from;        /* sender's address (datagrams) */
	int fromlen;
	uint8_t data[];
};

struct usock {
	struct socket sock;             /* first: file->priv points here */
	int refs;
	enum ustate state;
	bool dead;                      /* its file is closed */
	struct usock *peer;             /* referenced */
	struct sockaddr_un addr;        /* bound address; addrlen 0 = unbound */
	int addrlen;
	struct inode *bound_ino;        /* the S_IFSOCK node of a path name */
	struct list bound_link;         /* in bound_socks while bound */
	struct list rxq;
	size_t rx_bytes;
	int rx_count;
	unsigned shut;                  /* RCV_SHUTDOWN | SEND_SHUTDOWN */
	struct list backlog;            /* listening: pending server-side sockets */
	int backlog_len, backlog_max;
	struct list backlog_link;
	struct waitq rq, wq;
};

static struct list bound_socks = LIST_INIT(bound_socks);
static unsigned autobind_next;

static const struct sock_ops unix_ops;

static struct usock *usock(struct file *f)
{
	return f->priv;
}

static bool connection_based(const struct usock *u)
{
	return u->sock.type != SOCK_DGRAM;
}

static void changed(struct usock *u)
{
	waitq_wake_all(&u->rq);
	waitq_wake_all(&u->wq);
	poll_notify();
}

/* ---- messages ---- */

static struct skb *skb_alloc(size_t len)
{
	struct skb *s = kmalloc(sizeof(*s) + len);

	if (!s)
		return NULL;
	memset(s, 0, sizeof(*s));
	list_init(&s->link);
	s->len = len;
	return s;
}

static void skb_free(struct skb *s)
{
	for (int i = 0; i < s->nfds; i++)
		if (s->fds[i])
			file_unref(s->fds[i]);
	kfree(s->fds);
	kfree(s);
}

static void queue_skb(struct usock *to, struct skb *s)
{
	list_add_tail(&to->rxq, &s->link);
	to->rx_bytes += s->len;
	to->rx_count++;
	changed(to);
}

static void unqueue_skb(struct usock *u, struct skb *s)
{
	list_del(&s->link);
	u->rx_bytes -= s->len - s->off;
	u->rx_count--;
}

static void purge_queue(struct usock *u)
{
	struct list *it, *tmp;

	list_for_each_safe(it, tmp, &u->rxq) {
		struct skb *s = list_entry(it, struct skb, link);

		unqueue_skb(u, s);
		skb_free(s);
	}
}

/* ---- sockets ---- */

static struct usock *usock_alloc(int type)
{
	struct usock *u = kzalloc(sizeof(*u));

	if (!u)
		return NULL;
	u->sock.ops = &unix_ops;
	u->sock.family = AF_UNIX;
	u->sock.type = type;
	u->sock.sndbuf = u->sock.rcvbuf = UNIX_BUF_DEFAULT;
	u->refs = 1;
	list_init(&u->bound_link);
	list_init(&u->rxq);
	list_init(&u->backlog);
	list_init(&u->backlog_link);
	waitq_init(&u->rq);
	waitq_init(&u->wq);
	return u;
}

static void usock_ref(struct usock *u)
{
	u->refs++;
}

static void usock_unref(struct usock *u)
{
	BUG_ON(u->refs <= 0);
	if (--u->refs > 0)
		return;
	BUG_ON(u->peer || !list_empty(&u->bound_link) || !list_empty(&u->backlog));
	purge_queue(u);
	kfree(u);
}

static void connect_pair(struct usock *a, struct usock *b)
{
	a->peer = b;
	usock_ref(b);
	b->peer = a;
	usock_ref(a);
	a->state = b->state = US_CONNECTED;
}

/* The socket goes away: its file is closed, or (embryo) a connection never accepted is dropped with its listener. */
static void unix_close(struct usock *u, bool embryo)
{
	struct usock *peer = u->peer;
	struct list *it, *tmp;

	u->dead = true;
	if (!list_empty(&u->bound_link)) {
		list_del(&u->bound_link);
		if (u->bound_ino)
			inode_unref(u->bound_ino);
		u->bound_ino = NULL;
	}
	list_for_each_safe(it, tmp, &u->backlog) {
		struct usock *p = list_entry(it, struct usock, backlog_link);

		list_del(&p->backlog_link);
		unix_close(p, true);
		usock_unref(p);
	}
	u->backlog_len = 0;
	if (peer) {
		if (connection_based(u)) {
			/* Linux: the peer sees a reset when data or a connection was left unread. */
			if (!list_empty(&u->rxq) || embryo)
				peer->sock.error = ECONNRESET;
			peer->shut = SHUTDOWN_MASK;
		}
		u->peer = NULL;
		changed(peer);
		usock_unref(peer);
	}
	purge_queue(u);
	u->shut = SHUTDOWN_MASK;
	changed(u);
}

static struct file *usock_file(struct usock *u, unsigned fflags)
{
	struct inode *ino = inode_alloc(S_IFSOCK | 0777, NULL, NULL);
	struct file *f;

	if (!ino)
		return NULL;
	f = file_alloc(ino, &socket_fops, O_RDWR | (fflags & O_NONBLOCK));
	inode_unref(ino);
	if (f)
		f->priv = u;
	return f;
}

static int check_type(int type, int protocol)
{
	if (type != SOCK_STREAM && type != SOCK_DGRAM && type != SOCK_SEQPACKET)
		return -ESOCKTNOSUPPORT;
	if (protocol != 0 && protocol != AF_UNIX)
		return -EPROTONOSUPPORT;
	return 0;
}

int unix_socket_create(int type, int protocol, unsigned fflags, struct file **out)
{
	struct usock *u;
	int err = check_type(type, protocol);

	if (err)
		return err;
	u = usock_alloc(type);
	if (!u)
		return -ENOMEM;
	*out = usock_file(u, fflags);
	if (!*out) {
		usock_unref(u);
		return -ENFILE;
	}
	return 0;
}

int unix_socketpair(int type, int protocol, unsigned fflags, struct file **a, struct file **b)
{
	struct usock *ua, *ub;
	int err = unix_socket_create(type, protocol, fflags, a);

	if (err)
		return err;
	err = unix_socket_create(type, protocol, fflags, b);
	if (err) {
		file_unref(*a);
		return err;
	}
	ua = usock(*a);
	ub = usock(*b);
	connect_pair(ua, ub);
	return 0;
}

/* ---- names ---- */

/* Checks a user address; returns 0 with the path (or abstract name) span in name and namelen. */
static int parse_addr(const void *addr, int len, const char **name, int *namelen)
{
	const struct sockaddr_un *sun = addr;

	if (len < ADDR_FAMILY_LEN || len > (int)sizeof(*sun) || sun->sun_family != AF_UNIX)
		return -EINVAL;
	*name = sun->sun_path;
	*namelen = len - ADDR_FAMILY_LEN;
	if (*namelen > 0 && sun->sun_path[0] != 0)
		*namelen = strnlen(sun->sun_path, *namelen);
	return 0;
}

static struct usock *find_abstract(const char *name, int len)
{
	struct list *it;

	list_for_each(it, &bound_socks) {
		struct usock *u = list_entry(it, struct usock, bound_link);

		if (!u->bound_ino && u->addrlen - ADDR_FAMILY_LEN == len &&
		    memcmp(u->addr.sun_path, name, len) == 0)
			return u;
	}
	return NULL;
}

static struct usock *find_inode(struct inode *ino)
{
	struct list *it;

	list_for_each(it, &bound_socks) {
		struct usock *u = list_entry(it, struct usock, bound_link);

		if (u->bound_ino == ino)
			return u;
	}
	return NULL;
}

/* The live socket an address names: -ENOENT/-ECONNREFUSED as Linux says. */
static int find_socket(const void *addr, int len, struct usock **out)
{
	const char *name;
	int namelen, err = parse_addr(addr, len, &name, &namelen);
	struct inode *ino;
	char *path;

	if (err)
		return err;
	if (namelen == 0)
		return -EINVAL;
	if (name[0] == 0) {
		*out = find_abstract(name, namelen);
		return *out ? 0 : -ECONNREFUSED;
	}
	path = kmalloc(namelen + 1);
	if (!path)
		return -ENOMEM;
	memcpy(path, name, namelen);
	path[namelen] = 0;
	err = vfs_lookup(NULL, path, false, &ino);
	kfree(path);
	if (err)
		return err;
	*out = S_ISSOCK(ino->mode) ? find_inode(ino) : NULL;
	inode_unref(ino);
	return *out ? 0 : -ECONNREFUSED;
}

static void set_bound(struct usock *u, const char *name, int namelen, struct inode *ino)
{
	u->addr.sun_family = AF_UNIX;
	memcpy(u->addr.sun_path, name, namelen);
	u->addrlen = ADDR_FAMILY_LEN + namelen;
	u->bound_ino = ino;
	list_add_tail(&bound_socks, &u->bound_link);
}

/* An empty address: a unique abstract name "\0XXXXX", as Linux picks. */
static int autobind(struct usock *u)
{
	char name[8];

	for (unsigned tries = 0; tries < 0x100000; tries++) {
		name[0] = 0;
		snprintk(name + 1, sizeof(name) - 1, "%05x", autobind_next++ & 0xfffff);
		if (!find_abstract(name, 6)) {
			set_bound(u, name, 6, NULL);
			return 0;
		}
	}
	return -ENOSPC;
}

static int unix_bind(struct file *f, const void *addr, int len)
{
	struct usock *u = usock(f);
	const char *name;
	int namelen, err = parse_addr(addr, len, &name, &namelen);
	struct inode *ino;
	char *path;

	if (err)
		return err;
	if (u->addrlen)
		return -EINVAL;
	if (namelen == 0)
		return autobind(u);
	if (name[0] == 0) {
		if (find_abstract(name, namelen))
			return -EADDRINUSE;
		set_bound(u, name, namelen, NULL);
		return 0;
	}
	path = kmalloc(namelen + 1);
	if (!path)
		return -ENOMEM;
	memcpy(path, name, namelen);
	path[namelen] = 0;
	err = vfs_mknod(NULL, path, S_IFSOCK | 0777, &ino);
	kfree(path);
	if (err)
		return err == -EEXIST ? -EADDRINUSE : err;
	/* The name keeps its NUL, so getsockname reports strlen + 1 like Linux. */
	set_bound(u, name, namelen, ino);
	u->addr.sun_path[namelen] = 0;
	if (namelen < (int)sizeof(u->addr.sun_path))
		u->addrlen++;
	return 0;
}

static int unix_getname(struct file *f, void *addr, int *len, bool peer)
{
	struct usock *u = usock(f);

	if (peer) {
		if (u->state != US_CONNECTED || !u->peer)
			return -ENOTCONN;
		u = u->peer;
	}
	if (!u->addrlen) {
		memset(addr, 0, ADDR_FAMILY_LEN);
		*(__kernel_sa_family_t *)addr = AF_UNIX;
		*len = ADDR_FAMILY_LEN;
		return 0;
	}
	memcpy(addr, &u->addr, u->addrlen);
	*len = u->addrlen;
	return 0;
}

/* ---- connections ---- */

static int unix_listen(struct file *f, int backlog)
{
	struct usock *u = usock(f);

	if (!connection_based(u))
		return -EOPNOTSUPP;
	if (u->state == US_CONNECTED || !u->addrlen)
		return -EINVAL;
	if (backlog < 0 || backlog > 4096)
		backlog = 4096;
	u->backlog_max = backlog;
	u->state = US_LISTENING;
	u->sock.listening = true;
	changed(u);
	return 0;
}

static int unix_stream_connect(struct usock *u, struct usock *l, bool nonblock)
{
	struct usock *p;
	int err = 0;

	if (l->state != US_LISTENING || l->dead)
		return -ECONNREFUSED;
	if (l->sock.type != u->sock.type)
		return -EPROTOTYPE;
	usock_ref(l);
	/* Linux lets a backlog of n hold n + 1 connections. */
	while (l->backlog_len > l->backlog_max) {
		if (nonblock) {
			err = -EAGAIN;
			goto out;
		}
		if (waitq_wait(&l->wq, 0) == -EINTR) {
			err = -EINTR;
			goto out;
		}
		if (l->dead || l->state != US_LISTENING) {
			err = -ECONNREFUSED;
			goto out;
		}
		if (u->state != US_UNCONNECTED) {
			err = -EISCONN;
			goto out;
		}
	}
	p = usock_alloc(u->sock.type);
	if (!p) {
		err = -ENOMEM;
		goto out;
	}
	/* The accepted socket is named like the listener, as in Linux. */
	memcpy(&p->addr, &l->addr, sizeof(p->addr));
	p->addrlen = l->addrlen;
	connect_pair(u, p);
	list_add_tail(&l->backlog, &p->backlog_link);
	l->backlog_len++;
	changed(l);
	changed(u);
out:
	usock_unref(l);
	return err;
}

static int unix_connect(struct file *f, const void *addr, int len)
{
	struct usock *u = usock(f), *target;
	int err;

	if (len >= ADDR_FAMILY_LEN && ((const struct sockaddr_un *)addr)->sun_family == AF_UNSPEC &&
	    !connection_based(u)) {
		/* A datagram socket forgets its default peer. */
		if (u->peer) {
			usock_unref(u->peer);
			u->peer = NULL;
		}
		u->state = US_UNCONNECTED;
		return 0;
	}
	err = find_socket(addr, len, &target);
	if (err)
		return err;
	if (connection_based(u)) {
		if (u->state == US_CONNECTED)
			return -EISCONN;
		if (u->state == US_LISTENING)
			return -EINVAL;
		return unix_stream_connect(u, target, f->flags & O_NONBLOCK);
	}
	if (target->sock.type != SOCK_DGRAM)
		return -EPROTOTYPE;
	if (target->peer && target->peer != u && target != u)
		return -EPERM;
	if (u->peer)
		usock_unref(u->peer);
	u->peer = target;
	usock_ref(target);
	u->state = US_CONNECTED;
	changed(u);
	return 0;
}

static int unix_accept(struct file *f, unsigned fflags, struct file **out)
{
	struct usock *u = usock(f), *p;

	if (u->state != US_LISTENING)
		return -EINVAL;
	while (list_empty(&u->backlog)) {
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		if (waitq_wait(&u->rq, 0) == -EINTR)
			return -EINTR;
		if (u->state != US_LISTENING)
			return -EINVAL;
	}
	p = list_entry(u->backlog.next, struct usock, backlog_link);
	*out = usock_file(p, fflags);
	if (!*out)
		return -ENFILE;
	list_del(&p->backlog_link);
	u->backlog_len--;
	changed(u);                  /* room in the backlog for a waiting connect */
	return 0;
}

static int unix_shutdown(struct file *f, int how)
{
	struct usock *u = usock(f);
	unsigned mine, theirs = 0;

	if (how < SHUT_RD || how > SHUT_RDWR)
		return -EINVAL;
	mine = how + 1;              /* SHUT_RD -> RCV, SHUT_WR -> SEND, SHUT_RDWR -> both */
	if (connection_based(u) && u->state != US_CONNECTED)
		return -ENOTCONN;
	u->shut |= mine;
	if (mine & RCV_SHUTDOWN)
		theirs |= SEND_SHUTDOWN;
	if (mine & SEND_SHUTDOWN)
		theirs |= RCV_SHUTDOWN;
	if (u->peer && connection_based(u)) {
		u->peer->shut |= theirs;
		changed(u->peer);
	}
	changed(u);
	return 0;
}

/* ---- sending ---- */

/* The files named by SCM_RIGHTS in a kernel copy of the control data, referenced. */
static int parse_control(struct kmsg *m, struct file ***fdsp, int *nfdsp)
{
	uint8_t *p = m->control, *end = p + m->controllen;
	struct file **fds = NULL;
	int nfds = 0, err = 0;

	while (m->control && end - p >= (ptrdiff_t)sizeof(struct cmsghdr)) {
		struct cmsghdr *c = (struct cmsghdr *)p;
		size_t datalen;

		if (c->cmsg_len < sizeof(*c) || c->cmsg_len > (size_t)(end - p)) {
			err = -EINVAL;
			goto err;
		}
		datalen = c->cmsg_len - sizeof(*c);
		if (c->cmsg_level != SOL_SOCKET) {
			err = -EINVAL;
			goto err;
		}
		if (c->cmsg_type == SCM_RIGHTS) {
			const int *ufds = (const int *)(c + 1);
			int n = datalen / sizeof(int);
			struct file **grown;

			if (n == 0 || nfds + n > SCM_MAX_FD) {
				err = -EINVAL;
				goto err;
			}
			grown = krealloc(fds, (nfds + n) * sizeof(*fds));
			if (!grown) {
				err = -ENOMEM;
				goto err;
			}
			fds = grown;
			for (int i = 0; i < n; i++) {
				struct file *fl = fd_get(current_proc()->fdt, ufds[i]);

				if (!fl) {
					err = -EBADF;
					goto err;
				}
				file_ref(fl);
				fds[nfds++] = fl;
			}
		} else if (c->cmsg_type != SCM_CREDENTIALS) {
			err = -EINVAL;
			goto err;
		}
		/* SCM_CREDENTIALS: there is one user and one process, so nothing to check. */
		p += CMSG_ALIGN(c->cmsg_len);
	}
	*fdsp = fds;
	*nfdsp = nfds;
	return 0;
err:
	for (int i = 0; i < nfds; i++)
		file_unref(fds[i]);
	kfree(fds);
	return err;
}

static size_t queue_limit(const struct usock *to)
{
	return to->sock.rcvbuf > 0 ? (size_t)to->sock.rcvbuf : UNIX_BUF_DEFAULT;
}

static bool has_room(const struct usock *to, size_t len)
{
	if (!connection_based(to) && to->rx_count >= UNIX_MAX_DGRAM_QLEN)
		return false;
	return to->rx_bytes == 0 || to->rx_bytes + len <= queue_limit(to);
}

static ssize_t epipe(int flags)
{
	if (!(flags & MSG_NOSIGNAL))
		signal_send_self(SIGPIPE);
	return -EPIPE;
}

/* One message (datagram or seqpacket record) to `to`, waiting for room. */
static ssize_t send_record(struct usock *u, struct usock *to, struct kmsg *m, int flags,
			   struct file **fds, int nfds)
{
	size_t len = kmsg_remaining(m);
	struct skb *s;

	if (len > queue_limit(to) - 32 || len > (size_t)u->sock.sndbuf)
		return -EMSGSIZE;
	while (!has_room(to, len)) {
		if (flags & MSG_DONTWAIT)
			return -EAGAIN;
		if (waitq_wait(&to->wq, 0) == -EINTR)
			return -EINTR;
		if (to->dead)
			return connection_based(u) ? epipe(flags) : -ECONNREFUSED;
		if (connection_based(u) && (u->shut & SEND_SHUTDOWN))
			return epipe(flags);
	}
	s = skb_alloc(len);
	if (!s)
		return -ENOMEM;
	kmsg_copy_in(m, s->data, len);
	s->fds = fds;
	s->nfds = nfds;
	memcpy(&s->from, &u->addr, sizeof(s->from));
	s->fromlen = u->addrlen;
	queue_skb(to, s);
	return len;
}

static ssize_t stream_send(struct usock *u, struct kmsg *m, int flags, struct file **fds, int nfds)
{
	size_t total = kmsg_remaining(m), done = 0;

	do {
		struct usock *to = u->peer;
		size_t chunk = MIN(total - done, (size_t)UNIX_CHUNK);
		struct skb *s;
		int err;

		if ((u->shut & SEND_SHUTDOWN) || !to || to->dead || (to->shut & RCV_SHUTDOWN)) {
			err = epipe(flags);
			goto partial;
		}
		if (!has_room(to, chunk)) {
			chunk = to->rx_bytes < queue_limit(to) ? MIN(chunk, queue_limit(to) - to->rx_bytes) : 0;
			if (chunk == 0) {
				if (flags & MSG_DONTWAIT) {
					err = -EAGAIN;
					goto partial;
				}
				if (waitq_wait(&to->wq, 0) == -EINTR) {
					err = -EINTR;
					goto partial;
				}
				continue;
			}
		}
		s = skb_alloc(chunk);
		if (!s) {
			err = -ENOMEM;
			goto partial;
		}
		kmsg_copy_in(m, s->data, chunk);
		if (nfds) {      /* the descriptors go with the first piece */
			s->fds = fds;
			s->nfds = nfds;
			fds = NULL;
			nfds = 0;
		}
		queue_skb(to, s);
		done += chunk;
		continue;
partial:
		if (fds) {
			for (int i = 0; i < nfds; i++)
				file_unref(fds[i]);
			kfree(fds);
		}
		return done ? (ssize_t)done : err;
	} while (done < total);
	return done;
}

static ssize_t unix_sendmsg(struct file *f, struct kmsg *m, int flags)
{
	struct usock *u = usock(f), *to;
	struct file **fds = NULL;
	int nfds = 0;
	ssize_t r;

	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (connection_based(u)) {
		if (m->addrlen)
			return u->state == US_CONNECTED ? -EISCONN : -EOPNOTSUPP;
		if (u->state != US_CONNECTED)
			return -ENOTCONN;
		if ((u->shut & SEND_SHUTDOWN) || !u->peer || u->peer->dead || (u->peer->shut & RCV_SHUTDOWN))
			return epipe(flags);
	}
	if (m->addrlen) {
		r = find_socket(&m->addr, m->addrlen, &to);
		if (r)
			return r;
		if (to->sock.type != SOCK_DGRAM)
			return -EPROTOTYPE;
		if (to->peer && to->peer != u && to != u)
			return -EPERM;
	} else if (!connection_based(u)) {
		to = u->peer;
		if (!to)
			return -ENOTCONN;
		if (to->dead)
			return -ECONNREFUSED;
	} else {
		to = u->peer;
	}
	r = parse_control(m, &fds, &nfds);
	if (r)
		return r;
	if (u->sock.type == SOCK_STREAM)
		return stream_send(u, m, flags, fds, nfds);
	usock_ref(to);
	r = send_record(u, to, m, flags, fds, nfds);
	usock_unref(to);
	if (r < 0) {
		for (int i = 0; i < nfds; i++)
			file_unref(fds[i]);
		kfree(fds);
	}
	return r;
}

/* ---- receiving ---- */

static void put_cmsg(struct kmsg *m, size_t *used, int type, const void *data, size_t len)
{
	struct cmsghdr c = { .cmsg_len = CMSG_LEN(len), .cmsg_level = SOL_SOCKET, .cmsg_type = type };
	size_t space = CMSG_SPACE(len);

	if (*used + CMSG_LEN(len) > m->controllen) {
		m->out_flags |= MSG_CTRUNC;
		return;
	}
	memcpy((char *)m->control + *used, &c, sizeof(c));
	memcpy((char *)m->control + *used + sizeof(c), data, len);
	*used += MIN(space, m->controllen - *used);
}

/* Hands the skb's descriptors to the process (all of them, or copies when peeking). */
static void receive_fds(struct kmsg *m, size_t *used, struct skb *s, int flags)
{
	size_t room = m->controllen > *used + CMSG_LEN(0) ? m->controllen - *used - CMSG_LEN(0) : 0;
	int n = MIN(s->nfds, (int)(room / sizeof(int)));
	int *fdv, got = 0;

	if (n < s->nfds)
		m->out_flags |= MSG_CTRUNC;
	fdv = n ? kmalloc(n * sizeof(int)) : NULL;
	if (!fdv)
		n = 0;
	for (int i = 0; i < n; i++) {
		int fd;

		file_ref(s->fds[i]);
		fd = fd_install(current_proc()->fdt, s->fds[i], 0, flags & MSG_CMSG_CLOEXEC);
		if (fd < 0) {
			file_unref(s->fds[i]);
			m->out_flags |= MSG_CTRUNC;
			break;
		}
		fdv[got++] = fd;
	}
	if (got)
		put_cmsg(m, used, SCM_RIGHTS, fdv, got * sizeof(int));
	kfree(fdv);
	if (!(flags & MSG_PEEK)) {
		/* Whatever did not fit is closed, as Linux does. */
		for (int i = 0; i < s->nfds; i++)
			file_unref(s->fds[i]);
		kfree(s->fds);
		s->fds = NULL;
		s->nfds = 0;
	}
}

static void receive_control(struct usock *u, struct kmsg *m, size_t *used, struct skb *s, int flags)
{
	if (u->sock.passcred) {
		struct ucred cred = { .pid = current_proc()->pid, .uid = 0, .gid = 0 };

		put_cmsg(m, used, SCM_CREDENTIALS, &cred, sizeof(cred));
	}
	if (s && s->nfds)
		receive_fds(m, used, s, flags);
}

/* Waits until the queue has a message; 1 when there is one, 0 at end of file, or -errno. */
static int wait_data(struct usock *u, int flags)
{
	while (list_empty(&u->rxq)) {
		if (u->sock.error) {
			int err = -u->sock.error;

			u->sock.error = 0;
			return err;
		}
		if (u->shut & RCV_SHUTDOWN)
			return 0;
		if (connection_based(u) && u->state != US_CONNECTED)
			return u->sock.type == SOCK_STREAM ? -EINVAL : -ENOTCONN;
		if (flags & MSG_DONTWAIT)
			return -EAGAIN;
		if (waitq_wait(&u->rq, 0) == -EINTR)
			return -EINTR;
	}
	return 1;
}

static ssize_t record_recv(struct usock *u, struct kmsg *m, int flags)
{
	size_t used = 0, want = kmsg_remaining(m), n, len;
	int err = wait_data(u, flags);
	struct skb *s;

	m->addrlen = 0;
	if (err <= 0) {
		m->controllen = 0;
		return err;
	}
	s = list_entry(u->rxq.next, struct skb, link);
	len = s->len;
	n = MIN(want, len);
	kmsg_copy_out(m, s->data, n);
	if (n < s->len)
		m->out_flags |= MSG_TRUNC;
	if (s->fromlen) {
		memcpy(&m->addr, &s->from, s->fromlen);
		m->addrlen = s->fromlen;
	}
	receive_control(u, m, &used, s, flags);
	m->controllen = used;
	if (!(flags & MSG_PEEK)) {
		unqueue_skb(u, s);
		skb_free(s);
		changed(u);
	}
	return (flags & MSG_TRUNC) ? (ssize_t)len : (ssize_t)n;
}

static ssize_t stream_recv(struct usock *u, struct kmsg *m, int flags)
{
	size_t used = 0, want = kmsg_remaining(m), done = 0;
	bool stop = false;
	int err = 0;

	m->addrlen = 0;
	if (u->state == US_LISTENING) {
		m->controllen = 0;
		return -EINVAL;
	}
	while (!stop && done < want) {
		struct list *it, *tmp;

		err = wait_data(u, flags);
		if (err <= 0)
			break;
		list_for_each_safe(it, tmp, &u->rxq) {
			struct skb *s = list_entry(it, struct skb, link);
			size_t n;

			/* Descriptors end a read: data before them and after them is not merged. */
			if (s->nfds && done) {
				stop = true;
				break;
			}
			n = MIN(s->len - s->off, want - done);
			kmsg_copy_out(m, s->data + s->off, n);
			done += n;
			if (s->nfds) {
				receive_control(u, m, &used, s, flags);
				stop = true;
			}
			if (!(flags & MSG_PEEK)) {
				s->off += n;
				u->rx_bytes -= n;
				if (s->off == s->len) {
					list_del(&s->link);
					u->rx_count--;
					skb_free(s);
				}
			}
			if (stop || done == want)
				break;
		}
		if (!(flags & MSG_PEEK))
			changed(u);
		if (!(flags & MSG_WAITALL) || (flags & MSG_PEEK))
			break;
	}
	if (done && !used)
		receive_control(u, m, &used, NULL, flags);
	m->controllen = used;
	return done ? (ssize_t)done : err;
}

static ssize_t unix_recvmsg(struct file *f, struct kmsg *m, int flags)
{
	struct usock *u = usock(f);

	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (u->sock.type == SOCK_STREAM)
		return stream_recv(u, m, flags);
	return record_recv(u, m, flags);
}

/* ---- poll, ioctl, release ---- */

static unsigned unix_poll(struct file *f)
{
	struct usock *u = usock(f), *to = u->peer;
	unsigned ev = 0;

	if (u->state == US_LISTENING)
		return list_empty(&u->backlog) ? 0 : POLLIN | POLLRDNORM;
	if (u->sock.error)
		ev |= POLLERR;
	if (u->shut == SHUTDOWN_MASK)
		ev |= POLLHUP;
	if (u->shut & RCV_SHUTDOWN)
		ev |= POLLRDHUP | POLLIN | POLLRDNORM;
	if (!list_empty(&u->rxq))
		ev |= POLLIN | POLLRDNORM;
	if (connection_based(u) && u->state == US_UNCONNECTED)
		ev |= POLLHUP;
	/* Writable when a write would not block: room in the peer's queue, or an error to report. */
	if (!to || to->dead || (u->shut & SEND_SHUTDOWN) || has_room(to, 1))
		ev |= POLLOUT | POLLWRNORM | POLLWRBAND;
	return ev;
}

static long unix_ioctl(struct file *f, unsigned long cmd, unsigned long arg)
{
	struct usock *u = usock(f);
	int v = 0;

	if (cmd != FIONREAD)
		return -ENOTTY;
	if (u->state == US_LISTENING)
		return -EINVAL;
	if (u->sock.type == SOCK_STREAM)
		v = (int)u->rx_bytes;
	else if (!list_empty(&u->rxq))
		v = (int)list_entry(u->rxq.next, struct skb, link)->len;
	return copy_to_user((void *)arg, &v, sizeof(v));
}

static void unix_release(struct file *f)
{
	struct usock *u = usock(f);

	unix_close(u, false);
	usock_unref(u);
}

static const struct sock_ops unix_ops = {
	.bind = unix_bind,
	.listen = unix_listen,
	.accept = unix_accept,
	.connect = unix_connect,
	.getname = unix_getname,
	.sendmsg = unix_sendmsg,
	.recvmsg = unix_recvmsg,
	.shutdown = unix_shutdown,
	.poll = unix_poll,
	.ioctl = unix_ioctl,
	.release = unix_release,
};
