/* SPDX-License-Identifier: MIT */
/* unix.c: AF_UNIX sockets: creation, path, abstract and automatic names, listen/connect/accept, shutdown, poll; the sock_ops table. */
#include "unix.h"
#include <asm-generic/ioctls.h>
#include <asm-generic/poll.h>
#include <linux/fcntl.h>

#define ADDR_FAMILY_LEN ((int)sizeof(__kernel_sa_family_t))

static struct list bound_socks = LIST_INIT(bound_socks);
static unsigned autobind_next;

static const struct sock_ops unix_ops;

/* ---- sockets ---- */

static struct usock *usock_alloc(int type)
{
	struct usock *u = kzalloc(sizeof(*u));

	if (!u)
		return NULL;
	socket_init(&u->sock, &unix_ops, AF_UNIX, type, 0);
	u->refs = 1;
	list_init(&u->bound_link);
	list_init(&u->rxq);
	list_init(&u->backlog);
	list_init(&u->backlog_link);
	waitq_init(&u->rq);
	waitq_init(&u->wq);
	return u;
}

void usock_unref(struct usock *u)
{
	BUG_ON(u->refs <= 0);
	if (--u->refs > 0)
		return;
	BUG_ON(u->peer || !list_empty(&u->bound_link) || !list_empty(&u->backlog));
	unix_purge_queue(u);
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
	unix_purge_queue(u);
	u->shut = SHUTDOWN_MASK;
	changed(u);
}

static struct file *usock_file(struct usock *u, unsigned fflags)
{
	return socket_file_alloc(&u->sock, fflags);
}

static int check_type(int type, int protocol)
{
	if (type != SOCK_STREAM && type != SOCK_DGRAM && type != SOCK_SEQPACKET)
		return -ESOCKTNOSUPPORT;
	if (protocol != 0 && protocol != AF_UNIX)
		return -EPROTONOSUPPORT;
	return 0;
}

static int unix_socket_create(int type, int protocol, unsigned fflags, struct file **out)
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

static int unix_socketpair(int type, int protocol, unsigned fflags, struct file **a, struct file **b)
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

/* The file-system node a path name (not NUL-terminated) names; bind creates it. */
static int path_inode(const char *name, int namelen, bool create, struct inode **ino)
{
	char *path = kmalloc(namelen + 1);
	int err;

	if (!path)
		return -ENOMEM;
	memcpy(path, name, namelen);
	path[namelen] = 0;
	if (create)
		err = vfs_mknod(NULL, path, S_IFSOCK | 0777, ino);
	else
		err = vfs_lookup(NULL, path, false, ino);
	kfree(path);
	return err;
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

int unix_find_socket(const void *addr, int len, struct usock **out)
{
	const char *name;
	int namelen, err = parse_addr(addr, len, &name, &namelen);
	struct inode *ino;

	if (err)
		return err;
	if (namelen == 0)
		return -EINVAL;
	if (name[0] == 0) {
		*out = find_abstract(name, namelen);
		return *out ? 0 : -ECONNREFUSED;
	}
	err = path_inode(name, namelen, false, &ino);
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
	err = path_inode(name, namelen, true, &ino);
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
	uint64_t deadline = 0;

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
		err = socket_wait(&u->sock, &l->wq, true, &deadline);
		if (err)
			goto out;
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
	err = unix_find_socket(addr, len, &target);
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
	uint64_t deadline = 0;
	int err;

	if (u->state != US_LISTENING)
		return -EINVAL;
	while (list_empty(&u->backlog)) {
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		err = socket_wait(&u->sock, &u->rq, false, &deadline);
		if (err)
			return err;
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
	if (!to || to->dead || (u->shut & SEND_SHUTDOWN) || unix_has_room(to, 1))
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

const struct net_family unix_family = {
	.family = AF_UNIX,
	.create = unix_socket_create,
	.socketpair = unix_socketpair,
};
