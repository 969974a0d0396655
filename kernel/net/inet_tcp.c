/* SPDX-License-Identifier: MIT */
/* inet_tcp.c: TCP sockets (SOCK_STREAM of AF_INET/AF_INET6) over lwIP's raw TCP API. */
#include "inet.h"
#include "mm.h"
#include "signal.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "lwip/priv/tcp_priv.h"          /* TCP_KEEP*_DEFAULT */
#include <asm-generic/poll.h>
#include <linux/fcntl.h>
#include <linux/tcp.h>

#define LISTEN_BACKLOG_MAX 255          /* lwIP counts the backlog in a byte */

/* Data arrived since the last net_idle(): some PCB may hold a delayed ACK. */
static bool acks_owed;

static err_t tcp_recv_cb(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err);
static err_t tcp_sent_cb(void *arg, struct tcp_pcb *pcb, u16_t len);
static void tcp_err_cb(void *arg, err_t err);

static struct tcp_pcb *tpcb(struct isock *s)
{
	return s->pcb.tcp;
}

static void attach(struct isock *s, struct tcp_pcb *pcb)
{
	s->pcb.tcp = pcb;
	tcp_arg(pcb, s);
	tcp_recv(pcb, tcp_recv_cb);
	tcp_sent(pcb, tcp_sent_cb);
	tcp_err(pcb, tcp_err_cb);
	if (s->sock.keepalive)
		ip_set_option(pcb, SOF_KEEPALIVE);
	if (s->nodelay)
		tcp_nagle_disable(pcb);
}

/* The PCB goes on without the socket: lwIP finishes closing it (or it is aborted). */
static struct tcp_pcb *detach(struct isock *s)
{
	struct tcp_pcb *pcb = tpcb(s);

	if (!pcb)
		return NULL;
	tcp_arg(pcb, NULL);
	if (s->state == IS_LISTENING) {
		tcp_accept(pcb, NULL);
	} else {
		tcp_recv(pcb, NULL);
		tcp_sent(pcb, NULL);
		tcp_err(pcb, NULL);
	}
	s->pcb.tcp = NULL;
	return pcb;
}

int inet_tcp_create(struct isock *s)
{
	struct tcp_pcb *pcb = tcp_new_ip_type(isock_iptype(s));

	if (!pcb)
		return -ENOMEM;
	attach(s, pcb);
	return 0;
}

static ssize_t epipe(int flags)
{
	if (!(flags & MSG_NOSIGNAL))
		signal_send_self(SIGPIPE);
	return -EPIPE;
}

/* A pending error (SO_ERROR), taken. */
static int take_error(struct isock *s)
{
	int e = s->sock.error;

	s->sock.error = 0;
	return -e;
}

/* ---- lwIP callbacks ---- */

static err_t tcp_recv_cb(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct isock *s = arg;
	struct irx *r;

	if (!p) {
		s->rx_eof = true;
		isock_changed(s);
		return ERR_OK;
	}
	r = kmalloc(sizeof(*r));
	if (!r)
		return ERR_MEM;          /* lwIP keeps the data and offers it again later */
	r->p = p;
	r->off = 0;
	list_add_tail(&s->rxq, &r->link);
	s->rx_bytes += p->tot_len;
	/*
	 * A short segment is acknowledged at once rather than after lwIP's
	 * delayed-ACK timer (up to 250 ms): the sender's Nagle algorithm holds
	 * its next small write until this ACK, which would stall exchanges of
	 * small writes.  Except when this socket answered the last data it got
	 * (request/reply, Linux's "pingpong" mode): then the ACK waits to ride
	 * on the reply, or leaves when the CPU next idles (net_idle), and a
	 * keep-alive request costs one frame instead of two.
	 */
	if (p->tot_len < tcp_mss(pcb) && !s->replied)
		tcp_ack_now(pcb);
	s->replied = false;
	acks_owed = true;
	isock_changed(s);
	return ERR_OK;
}

void net_idle(void)
{
	if (!acks_owed)
		return;
	acks_owed = false;
	for (struct tcp_pcb *pcb = tcp_active_pcbs; pcb; pcb = pcb->next) {
		if (pcb->flags & TF_ACK_DELAY) {
			tcp_ack_now(pcb);
			tcp_output(pcb);
		}
	}
	net_kick();
}

static err_t tcp_sent_cb(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	isock_changed(arg);
	return ERR_OK;
}

/* lwIP freed the PCB: a reset, an abort or a timeout. */
static void tcp_err_cb(void *arg, err_t err)
{
	struct isock *s = arg;

	s->pcb.tcp = NULL;
	if (s->state == IS_CONNECTING)
		s->sock.error = err == ERR_RST ? ECONNREFUSED : ETIMEDOUT;
	else if (err == ERR_RST)
		s->sock.error = ECONNRESET;
	else if (err != ERR_CLSD)
		s->sock.error = ECONNABORTED;
	s->state = IS_CLOSED;
	s->rx_eof = true;
	isock_changed(s);
}

static err_t tcp_connected_cb(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct isock *s = arg;

	s->state = IS_CONNECTED;
	isock_changed(s);
	return ERR_OK;
}

/* A new connection on a listener: it waits, without a file, in the accept queue. */
static err_t tcp_accept_cb(void *arg, struct tcp_pcb *newpcb, err_t err)
{
	struct isock *l = arg, *c;

	if (err != ERR_OK || !newpcb)
		return ERR_VAL;
	c = isock_alloc(l->sock.family, SOCK_STREAM, IPPROTO_TCP, &inet_tcp_ops);
	if (!c) {
		tcp_abort(newpcb);
		return ERR_ABRT;
	}
	/* Options a Linux listener passes on to the connections it accepts. */
	c->v6only = l->v6only;
	c->nodelay = l->nodelay;
	c->tos = l->tos;
	c->sock.keepalive = l->sock.keepalive;
	c->sock.sndbuf = l->sock.sndbuf;
	c->sock.rcvbuf = l->sock.rcvbuf;
	c->sock.linger = l->sock.linger;
	c->state = IS_CONNECTED;
	attach(c, newpcb);
	c->listener = l;
	list_add_tail(&l->acceptq, &c->accept_link);
	l->accept_len++;
	isock_changed(l);
	return ERR_OK;
}

/* ---- sock_ops ---- */

static int tcp_do_bind(struct isock *s, const ip_addr_t *ip, uint16_t port)
{
	struct tcp_pcb *pcb = tpcb(s);

	if (s->sock.reuseaddr || s->sock.reuseport)
		ip_set_option(pcb, SOF_REUSEADDR);
	return lwip_errno(tcp_bind(pcb, ip, port));
}

/* The wildcard address of this socket's kind. */
static void any_addr(const struct isock *s, ip_addr_t *ip)
{
	if (s->sock.family == AF_INET)
		ip_addr_set_any(0, ip);
	else if (s->v6only)
		ip_addr_set_any(1, ip);
	else
		ip_addr_copy(*ip, *IP_ANY_TYPE);
}

/* AF_INET6's :: binds both stacks unless IPV6_V6ONLY; a v4-mapped address binds IPv4. */
static void bind_addr(const struct isock *s, ip_addr_t *ip)
{
	if (s->sock.family == AF_INET6 && IP_IS_V6(ip) && ip6_addr_isany(ip_2_ip6(ip)))
		any_addr(s, ip);
}

static int tcp_sock_bind(struct file *f, const void *addr, int len)
{
	struct isock *s = isock_of(f);
	ip_addr_t ip;
	uint16_t port;
	int err = isock_addr_in(s, addr, len, &ip, &port);

	if (err)
		return err;
	if (!tpcb(s) || s->state != IS_UNCONNECTED || tpcb(s)->local_port)
		return -EINVAL;
	bind_addr(s, &ip);
	return tcp_do_bind(s, &ip, port);
}

static int tcp_sock_listen(struct file *f, int backlog)
{
	struct isock *s = isock_of(f);
	struct tcp_pcb *lpcb;
	ip_addr_t any;
	err_t lerr;
	int err;

	backlog = backlog <= 0 ? 1 : MIN(backlog, LISTEN_BACKLOG_MAX);
	if (s->state == IS_LISTENING) {
		s->backlog = backlog;
		tcp_backlog_set(tpcb(s), (u8_t)backlog);
		return 0;
	}
	if (s->state != IS_UNCONNECTED || !tpcb(s))
		return -EINVAL;
	if (!tpcb(s)->local_port) {
		any_addr(s, &any);
		err = tcp_do_bind(s, &any, 0);
		if (err)
			return err;
	}
	lpcb = tcp_listen_with_backlog_and_err(tpcb(s), (u8_t)backlog, &lerr);
	if (!lpcb)
		return lwip_errno(lerr);
	/* The listening PCB replaces the one we had (lwIP freed it). */
	s->pcb.tcp = lpcb;
	s->state = IS_LISTENING;
	s->sock.listening = true;
	s->backlog = backlog;
	tcp_arg(lpcb, s);
	tcp_accept(lpcb, tcp_accept_cb);
	return 0;
}

static int tcp_sock_accept(struct file *f, unsigned fflags, struct file **out)
{
	struct isock *s = isock_of(f), *c;
	bool nonblock = f->flags & O_NONBLOCK;
	uint64_t deadline = 0;
	int err;

	for (;;) {
		if (s->state != IS_LISTENING)
			return -EINVAL;
		if (!list_empty(&s->acceptq))
			break;
		if (nonblock)
			return -EAGAIN;
		err = socket_wait(&s->sock, &s->rq, false, &deadline);
		if (err)
			return err;
	}
	c = list_entry(s->acceptq.next, struct isock, accept_link);
	*out = socket_file_alloc(&c->sock, fflags);
	if (!*out)
		return -ENFILE;
	list_del(&c->accept_link);
	list_init(&c->accept_link);
	c->listener = NULL;
	s->accept_len--;
	if (tpcb(c))
		tcp_backlog_accepted(tpcb(c));
	net_kick();
	return 0;
}

static int tcp_sock_connect(struct file *f, const void *addr, int len)
{
	struct isock *s = isock_of(f);
	uint64_t deadline = 0;
	ip_addr_t ip;
	uint16_t port;
	int err;

	switch (s->state) {
	case IS_LISTENING:
		return -EINVAL;
	case IS_CONNECTED:
		if (s->connect_pending) {          /* a non-blocking connect that has finished */
			s->connect_pending = false;
			return 0;
		}
		return -EISCONN;
	case IS_CONNECTING:
		return -EALREADY;
	case IS_CLOSED:
		if (s->connect_pending) {
			s->connect_pending = false;
			return s->sock.error ? take_error(s) : -ECONNREFUSED;
		}
		return -EISCONN;
	case IS_UNCONNECTED:
		break;
	}
	err = isock_addr_in(s, addr, len, &ip, &port);
	if (err)
		return err;
	if (!tpcb(s)) {
		err = inet_tcp_create(s);
		if (err)
			return err;
	}
	if (IP_IS_V4(&ip) && ip4_addr_isany(ip_2_ip4(&ip)))
		ip_addr_set_loopback(0, &ip);      /* Linux: connecting to 0.0.0.0 reaches this host */
	else if (IP_IS_V6(&ip) && ip6_addr_isany(ip_2_ip6(&ip)))
		ip_addr_set_loopback(1, &ip);
	err = lwip_errno(tcp_connect(tpcb(s), &ip, port, tcp_connected_cb));
	if (err)
		return err;
	s->state = IS_CONNECTING;
	net_kick();
	if (f->flags & O_NONBLOCK) {
		s->connect_pending = true;
		return -EINPROGRESS;
	}
	while (s->state == IS_CONNECTING) {
		err = socket_wait(&s->sock, &s->wq, true, &deadline);
		if (err) {
			/* Interrupted or out of time (SO_SNDTIMEO): the handshake goes on, as on Linux. */
			s->connect_pending = true;
			return err == -EAGAIN ? -EINPROGRESS : err;
		}
	}
	if (s->state != IS_CONNECTED)
		return s->sock.error ? take_error(s) : -ECONNREFUSED;
	return 0;
}

static int tcp_sock_getname(struct file *f, void *addr, int *len, bool peer)
{
	struct isock *s = isock_of(f);
	struct tcp_pcb *pcb = tpcb(s);
	ip_addr_t any;

	if (peer) {
		if (s->state != IS_CONNECTED || !pcb)
			return -ENOTCONN;
		*len = isock_addr_out(s, &pcb->remote_ip, pcb->remote_port, addr);
		return 0;
	}
	if (!pcb) {
		any_addr(s, &any);
		*len = isock_addr_out(s, &any, 0, addr);
		return 0;
	}
	*len = isock_addr_out(s, &pcb->local_ip, pcb->local_port, addr);
	return 0;
}

/* Whether a write would not block: room in lwIP's send buffer and queue. */
static bool writable(struct isock *s)
{
	struct tcp_pcb *pcb = tpcb(s);

	return pcb && tcp_sndbuf(pcb) > 0 && tcp_sndqueuelen(pcb) < TCP_SND_QUEUELEN - 1;
}

/* bounce: a page, which lwIP copies user data from (kernel buffers it takes directly). */
static ssize_t send_bounced(struct isock *s, struct kmsg *m, int flags, char *bounce)
{
	size_t total = kmsg_remaining(m), sent = 0;
	uint64_t deadline = 0;
	err_t lerr;
	int err;

	if (s->sock.error)
		return take_error(s);
	if (s->shut & ISHUT_WR)
		return epipe(flags);
	while (s->state == IS_CONNECTING) {
		if (flags & MSG_DONTWAIT)
			return -EAGAIN;
		err = socket_wait(&s->sock, &s->wq, true, &deadline);
		if (err)
			return err;
	}
	if (s->state == IS_CLOSED)
		return s->sock.error ? take_error(s) : epipe(flags);
	if (s->state != IS_CONNECTED)
		return -ENOTCONN;
	while (sent < total) {
		const struct iovec *v = &m->iov[m->cur_iov];
		const char *src;
		size_t chunk;
		u8_t wflags = TCP_WRITE_FLAG_COPY;

		if (!tpcb(s))
			break;
		if (m->cur_off == v->iov_len) {     /* an empty buffer */
			m->cur_iov++;
			m->cur_off = 0;
			continue;
		}
		chunk = MIN(v->iov_len - m->cur_off, (size_t)tcp_sndbuf(tpcb(s)));
		chunk = MIN(chunk, (size_t)0xffff);
		if (chunk == 0 || !writable(s)) {
			tcp_output(tpcb(s));
			net_kick();
			if (sent || (flags & MSG_DONTWAIT))
				break;
			err = socket_wait(&s->sock, &s->wq, true, &deadline);
			if (err)
				return err;
			if (s->shut & ISHUT_WR)
				return epipe(flags);
			continue;
		}
		src = (const char *)v->iov_base + m->cur_off;
		if ((uint64_t)src < USER_TOP) {
			/* lwIP copies with a plain memcpy, which must not meet a user address. */
			chunk = MIN(chunk, (size_t)PAGE_SIZE);
			if (memcpy_user(bounce, src, chunk)) {
				if (sent)
					break;
				return -EFAULT;
			}
			src = bounce;
			/* The copy may have slept on a page: look again. */
			if (!tpcb(s) || chunk > (size_t)tcp_sndbuf(tpcb(s)) || !writable(s))
				continue;
		}
		if (sent + chunk < total || s->cork || (flags & MSG_MORE))
			wflags |= TCP_WRITE_FLAG_MORE;
		lerr = tcp_write(tpcb(s), src, (u16_t)chunk, wflags);
		if (lerr == ERR_MEM) {
			/* The segment queue is full: send, then wait like a full buffer. */
			tcp_output(tpcb(s));
			net_kick();
			if (sent || (flags & MSG_DONTWAIT))
				break;
			err = socket_wait(&s->sock, &s->wq, true, &deadline);
			if (err)
				return err;
			continue;
		}
		if (lerr != ERR_OK)
			return sent ? (ssize_t)sent : lwip_errno(lerr);
		m->cur_off += chunk;
		sent += chunk;
		s->replied = true;
	}
	if (tpcb(s) && !s->cork && !(flags & MSG_MORE))
		tcp_output(tpcb(s));
	net_kick();
	if (sent)
		return sent;
	if (!tpcb(s))
		return s->sock.error ? take_error(s) : epipe(flags);
	return -EAGAIN;
}

static ssize_t tcp_sock_sendmsg(struct file *f, struct kmsg *m, int flags)
{
	char *bounce = kmalloc(PAGE_SIZE);
	ssize_t r;

	if (!bounce)
		return -ENOBUFS;
	r = send_bounced(isock_of(f), m, flags, bounce);
	kfree(bounce);
	return r;
}

/* Copies up to n bytes from the receive queue, from byte skip on; returns what
 * it copied (up to a user buffer that faulted), or -EFAULT when that was the first byte. */
static long rx_copy(struct isock *s, struct kmsg *m, size_t skip, size_t n)
{
	struct list *it;
	size_t done = 0;

	list_for_each(it, &s->rxq) {
		struct irx *r = list_entry(it, struct irx, link);
		size_t off = r->off;

		if (done == n)
			break;
		for (struct pbuf *q = r->p; q && done < n; q = q->next) {
			size_t c, got;

			if (off >= q->len) {
				off -= q->len;
				continue;
			}
			if (skip >= q->len - off) {
				skip -= q->len - off;
				off = 0;
				continue;
			}
			c = MIN(n - done, q->len - off - skip);
			got = kmsg_copy_out(m, (const char *)q->payload + off + skip, c);
			done += got;
			if (got != c)
				return done ? (long)done : -EFAULT;
			off = skip = 0;
		}
	}
	return done;
}

/* Drops n read bytes from the queue and opens the window by as much. */
static void rx_consume(struct isock *s, size_t n)
{
	size_t left = n;

	while (left && !list_empty(&s->rxq)) {
		struct irx *r = list_entry(s->rxq.next, struct irx, link);
		size_t c = MIN(left, r->p->tot_len - r->off);

		r->off += c;
		left -= c;
		if (r->off == r->p->tot_len) {
			list_del(&r->link);
			pbuf_free(r->p);
			kfree(r);
		}
	}
	s->rx_bytes -= n;
	if (tpcb(s)) {
		while (n) {
			u16_t c = (u16_t)MIN(n, (size_t)0xffff);

			tcp_recved(tpcb(s), c);
			n -= c;
		}
		net_kick();
	}
}

static ssize_t tcp_sock_recvmsg(struct file *f, struct kmsg *m, int flags)
{
	struct isock *s = isock_of(f);
	size_t want = kmsg_remaining(m), got = 0;
	uint64_t deadline = 0;
	int err;

	if (flags & MSG_OOB)
		return -EINVAL;
	if (s->state == IS_LISTENING || s->state == IS_UNCONNECTED)
		return -ENOTCONN;
	while (got < want) {
		if (s->rx_bytes) {
			long c = rx_copy(s, m, (flags & MSG_PEEK) ? got : 0, want - got);

			if (c < 0)
				return got ? (ssize_t)got : c;
			if (!(flags & MSG_PEEK))
				rx_consume(s, c);
			got += c;
			if (!(flags & MSG_WAITALL) || (flags & MSG_PEEK))
				break;
			continue;
		}
		/* Nothing queued; with MSG_WAITALL some may have been read already. */
		if (s->sock.error)
			return got ? (ssize_t)got : take_error(s);
		if (s->rx_eof || (s->shut & ISHUT_RD))
			break;
		if (flags & MSG_DONTWAIT)
			return got ? (ssize_t)got : -EAGAIN;
		err = socket_wait(&s->sock, &s->rq, false, &deadline);
		if (err)
			return got ? (ssize_t)got : err;
	}
	return got;
}

static int tcp_sock_shutdown(struct file *f, int how)
{
	struct isock *s = isock_of(f);

	if (how < SHUT_RD || how > SHUT_RDWR)
		return -EINVAL;
	if (s->state == IS_LISTENING && how != SHUT_WR) {
		s->shut |= ISHUT_RD;
		isock_changed(s);
		return 0;
	}
	if (s->state != IS_CONNECTED && s->state != IS_CONNECTING)
		return -ENOTCONN;
	if (how != SHUT_WR)
		s->shut |= ISHUT_RD;
	if (how != SHUT_RD && !(s->shut & ISHUT_WR)) {
		s->shut |= ISHUT_WR;
		if (tpcb(s) && s->state == IS_CONNECTED)
			tcp_shutdown(tpcb(s), 0, 1);
	}
	net_kick();
	isock_changed(s);
	return 0;
}

static unsigned tcp_sock_poll(struct file *f)
{
	struct isock *s = isock_of(f);
	unsigned ev = 0;

	if (s->state == IS_LISTENING)
		return list_empty(&s->acceptq) ? 0 : POLLIN | POLLRDNORM;
	if (s->sock.error)
		ev |= POLLERR;
	if (s->state == IS_UNCONNECTED)
		return ev | POLLOUT | POLLWRNORM | POLLHUP;
	if (s->state == IS_CONNECTING)
		return ev;
	if (s->rx_bytes || s->rx_eof || (s->shut & ISHUT_RD))
		ev |= POLLIN | POLLRDNORM;
	if (s->rx_eof)
		ev |= POLLRDHUP;
	if ((s->shut & ISHUT_WR) || s->state == IS_CLOSED || writable(s))
		ev |= POLLOUT | POLLWRNORM;
	if (s->state == IS_CLOSED || (s->rx_eof && (s->shut & ISHUT_WR)))
		ev |= POLLHUP;
	return ev;
}

static void tcp_sock_release(struct file *f)
{
	struct isock *s = isock_of(f);
	struct tcp_pcb *pcb;

	if (s->state == IS_LISTENING) {
		while (!list_empty(&s->acceptq)) {
			struct isock *c = list_entry(s->acceptq.next, struct isock, accept_link);

			list_del(&c->accept_link);
			pcb = detach(c);
			if (pcb)
				tcp_abort(pcb);
			isock_free(c);
		}
		pcb = detach(s);
		if (pcb)
			tcp_close(pcb);
	} else {
		bool reset = s->rx_bytes || (s->sock.linger.l_onoff && !s->sock.linger.l_linger);

		pcb = detach(s);
		/* Linux resets a connection closed with unread data, or with a zero linger time. */
		if (pcb && (reset || tcp_close(pcb) != ERR_OK))
			tcp_abort(pcb);
	}
	isock_free(s);
	net_kick();
}

/* ---- options ---- */

static int tcp_sock_setsockopt(struct file *f, int level, int name, const void *val, int len)
{
	struct isock *s = isock_of(f);
	struct tcp_pcb *pcb = tpcb(s);
	int v;

	if (level != IPPROTO_TCP)
		return inet_setsockopt(f, level, name, val, len);
	if (len < (int)sizeof(int))
		return -EINVAL;
	memcpy(&v, val, sizeof(v));
	switch (name) {
	case TCP_NODELAY:
		s->nodelay = v != 0;
		if (pcb && s->state != IS_LISTENING) {
			if (v)
				tcp_nagle_disable(pcb);
			else
				tcp_nagle_enable(pcb);
			tcp_output(pcb);
			net_kick();
		}
		return 0;
	case TCP_CORK:
		s->cork = v != 0;
		if (!s->cork && pcb && s->state == IS_CONNECTED) {
			tcp_output(pcb);
			net_kick();
		}
		return 0;
	case TCP_KEEPIDLE:
	case TCP_KEEPINTVL:
	case TCP_KEEPCNT:
		if (v < 1)
			return -EINVAL;
		if (pcb && s->state != IS_LISTENING) {
			if (name == TCP_KEEPIDLE)
				pcb->keep_idle = (u32_t)v * 1000;
			else if (name == TCP_KEEPINTVL)
				pcb->keep_intvl = (u32_t)v * 1000;
			else
				pcb->keep_cnt = (u32_t)v;
		}
		return 0;
	case TCP_MAXSEG:
	case TCP_QUICKACK:
		return 0;           /* accepted; lwIP picks its own segment size and acknowledges as it does */
	default:
		return -ENOPROTOOPT;
	}
}

static int tcp_sock_getsockopt(struct file *f, int level, int name, void *val, int *len)
{
	struct isock *s = isock_of(f);
	struct tcp_pcb *pcb = s->state == IS_LISTENING ? NULL : tpcb(s);
	int v;

	if (level != IPPROTO_TCP)
		return inet_getsockopt(f, level, name, val, len);
	switch (name) {
	case TCP_NODELAY:   v = s->nodelay; break;
	case TCP_CORK:      v = s->cork; break;
	case TCP_MAXSEG:    v = pcb ? tcp_mss(pcb) : TCP_MSS; break;
	case TCP_KEEPIDLE:  v = (int)((pcb ? pcb->keep_idle : TCP_KEEPIDLE_DEFAULT) / 1000); break;
	case TCP_KEEPINTVL: v = (int)((pcb ? pcb->keep_intvl : TCP_KEEPINTVL_DEFAULT) / 1000); break;
	case TCP_KEEPCNT:   v = (int)(pcb ? pcb->keep_cnt : TCP_KEEPCNT_DEFAULT); break;
	default:
		return -ENOPROTOOPT;
	}
	*len = MIN(*len, (int)sizeof(v));
	memcpy(val, &v, *len);
	return 0;
}

static void tcp_sockopt_changed(struct file *f, int name)
{
	struct isock *s = isock_of(f);

	if (name != SO_KEEPALIVE || !tpcb(s) || s->state == IS_LISTENING)
		return;
	if (s->sock.keepalive)
		ip_set_option(tpcb(s), SOF_KEEPALIVE);
	else
		ip_reset_option(tpcb(s), SOF_KEEPALIVE);
}

const struct sock_ops inet_tcp_ops = {
	.bind = tcp_sock_bind,
	.listen = tcp_sock_listen,
	.accept = tcp_sock_accept,
	.connect = tcp_sock_connect,
	.getname = tcp_sock_getname,
	.sendmsg = tcp_sock_sendmsg,
	.recvmsg = tcp_sock_recvmsg,
	.shutdown = tcp_sock_shutdown,
	.poll = tcp_sock_poll,
	.ioctl = inet_ioctl,
	.release = tcp_sock_release,
	.setsockopt = tcp_sock_setsockopt,
	.getsockopt = tcp_sock_getsockopt,
	.sockopt_changed = tcp_sockopt_changed,
};
