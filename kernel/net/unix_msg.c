/* SPDX-License-Identifier: MIT */
/* unix_msg.c: AF_UNIX messages: receive queues, stream and record boundaries, SCM_RIGHTS and SCM_CREDENTIALS. */
#include "unix.h"
#include "signal.h"

#define UNIX_MAX_DGRAM_QLEN 512     /* net.unix.max_dgram_qlen */
#define UNIX_CHUNK (64 * 1024)      /* a stream write is queued in pieces of at most this */

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

void unix_purge_queue(struct usock *u)
{
	struct list *it, *tmp;

	list_for_each_safe(it, tmp, &u->rxq) {
		struct skb *s = list_entry(it, struct skb, link);

		unqueue_skb(u, s);
		skb_free(s);
	}
}

/* ---- sending ---- */

/* Closes descriptors in flight that will not be delivered, and frees their array. */
static void drop_fds(struct file **fds, int nfds)
{
	for (int i = 0; i < nfds; i++)
		file_unref(fds[i]);
	kfree(fds);
}

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
				fds[nfds++] = fl;   /* fd_get's reference travels with the message */
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
	drop_fds(fds, nfds);
	return err;
}

static size_t queue_limit(const struct usock *to)
{
	return to->sock.rcvbuf > 0 ? (size_t)to->sock.rcvbuf : UNIX_BUF_DEFAULT;
}

bool unix_has_room(const struct usock *to, size_t len)
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
	uint64_t deadline = 0;
	struct skb *s;
	int err;

	if (len > queue_limit(to) - 32 || len > (size_t)u->sock.sndbuf)
		return -EMSGSIZE;
	while (!unix_has_room(to, len)) {
		if (flags & MSG_DONTWAIT)
			return -EAGAIN;
		err = socket_wait(&u->sock, &to->wq, true, &deadline);
		if (err)
			return err;
		if (to->dead)
			return connection_based(u) ? epipe(flags) : -ECONNREFUSED;
		if (connection_based(u) && (u->shut & SEND_SHUTDOWN))
			return epipe(flags);
	}
	s = skb_alloc(len);
	if (!s)
		return -ENOMEM;
	if (kmsg_copy_in(m, s->data, len) != len) {
		kfree(s);
		return -EFAULT;
	}
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
	uint64_t deadline = 0;

	do {
		struct usock *to = u->peer;
		size_t chunk = MIN(total - done, (size_t)UNIX_CHUNK);
		struct skb *s;
		int err;

		if ((u->shut & SEND_SHUTDOWN) || !to || to->dead || (to->shut & RCV_SHUTDOWN)) {
			err = epipe(flags);
			goto partial;
		}
		if (!unix_has_room(to, chunk)) {
			chunk = to->rx_bytes < queue_limit(to) ? MIN(chunk, queue_limit(to) - to->rx_bytes) : 0;
			if (chunk == 0) {
				if (flags & MSG_DONTWAIT) {
					err = -EAGAIN;
					goto partial;
				}
				err = socket_wait(&u->sock, &to->wq, true, &deadline);
				if (err)
					goto partial;
				continue;
			}
		}
		s = skb_alloc(chunk);
		if (!s) {
			err = -ENOMEM;
			goto partial;
		}
		if (kmsg_copy_in(m, s->data, chunk) != chunk) {
			kfree(s);
			err = -EFAULT;
			goto partial;
		}
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
		drop_fds(fds, nfds);
		return done ? (ssize_t)done : err;
	} while (done < total);
	return done;
}

ssize_t unix_sendmsg(struct file *f, struct kmsg *m, int flags)
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
		r = unix_find_socket(&m->addr, m->addrlen, &to);
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
	if (r < 0)
		drop_fds(fds, nfds);
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
	uint64_t deadline = 0;
	int err;

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
		err = socket_wait(&u->sock, &u->rq, false, &deadline);
		if (err)
			return err;
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
	if (kmsg_copy_out(m, s->data, n) != n) {
		m->controllen = 0;
		return -EFAULT;       /* the message stays queued */
	}
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
			if (kmsg_copy_out(m, s->data + s->off, n) != n) {
				err = -EFAULT;   /* the data stays queued; what came before is returned */
				stop = true;
				break;
			}
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

ssize_t unix_recvmsg(struct file *f, struct kmsg *m, int flags)
{
	struct usock *u = usock(f);

	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (u->sock.type == SOCK_STREAM)
		return stream_recv(u, m, flags);
	return record_recv(u, m, flags);
}
