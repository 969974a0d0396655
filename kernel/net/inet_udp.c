/* SPDX-License-Identifier: MIT */
/* inet_udp.c: UDP sockets (SOCK_DGRAM of AF_INET/AF_INET6) over lwIP's raw UDP API. */
#include "inet.h"
#include "lwip/pbuf.h"
#include "lwip/netif.h"
#include "lwip/udp.h"
#include <asm-generic/poll.h>
#include <linux/fcntl.h>

#define UDP_PAYLOAD_MAX 65507           /* 65535 - IPv4 and UDP headers */

static struct udp_pcb *upcb(struct isock *s)
{
	return s->pcb.udp;
}

static void udp_recv_cb(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
	struct isock *s = arg;
	struct irx *r;

	/* A full receive buffer drops the datagram, as on Linux. */
	if (s->rx_bytes + p->tot_len > (size_t)s->sock.rcvbuf || (s->shut & ISHUT_RD)) {
		pbuf_free(p);
		return;
	}
	r = kmalloc(sizeof(*r));
	if (!r) {
		pbuf_free(p);
		return;
	}
	r->p = p;
	r->off = 0;
	ip_addr_copy(r->from, *addr);
	r->port = port;
	list_add_tail(&s->rxq, &r->link);
	s->rx_bytes += p->tot_len;
	isock_changed(s);
}

int inet_udp_create(struct isock *s)
{
	struct udp_pcb *pcb = udp_new_ip_type(isock_iptype(s));

	if (!pcb)
		return -ENOMEM;
	s->pcb.udp = pcb;
	udp_recv(pcb, udp_recv_cb, s);
	return 0;
}

static int udp_sock_bind(struct file *f, const void *addr, int len)
{
	struct isock *s = isock_of(f);
	ip_addr_t ip;
	uint16_t port;
	int err = isock_addr_in(s, addr, len, &ip, &port);

	if (err)
		return err;
	if (upcb(s)->local_port)
		return -EINVAL;
	if (s->sock.family == AF_INET6 && IP_IS_V6(&ip) && ip6_addr_isany(ip_2_ip6(&ip)) && !s->v6only)
		ip_addr_copy(ip, *IP_ANY_TYPE);
	if (s->sock.reuseaddr || s->sock.reuseport)
		ip_set_option(upcb(s), SOF_REUSEADDR);
	err = lwip_errno(udp_bind(upcb(s), &ip, port));
	if (!err && s->state == IS_UNCONNECTED)
		s->state = IS_CLOSED;         /* bound: IPV6_V6ONLY may no longer change */
	return err;
}

static int udp_sock_connect(struct file *f, const void *addr, int len)
{
	struct isock *s = isock_of(f);
	ip_addr_t ip;
	uint16_t port;
	int err;

	if (len >= (int)sizeof(__kernel_sa_family_t) && ((const struct sockaddr_in *)addr)->sin_family == AF_UNSPEC) {
		udp_disconnect(upcb(s));
		s->state = upcb(s)->local_port ? IS_CLOSED : IS_UNCONNECTED;
		return 0;
	}
	err = isock_addr_in(s, addr, len, &ip, &port);
	if (err)
		return err;
	err = lwip_errno(udp_connect(upcb(s), &ip, port));
	if (!err)
		s->state = IS_CONNECTED;
	return err;
}

static int udp_sock_getname(struct file *f, void *addr, int *len, bool peer)
{
	struct isock *s = isock_of(f);
	struct udp_pcb *pcb = upcb(s);

	if (peer) {
		if (s->state != IS_CONNECTED)
			return -ENOTCONN;
		*len = isock_addr_out(s, &pcb->remote_ip, pcb->remote_port, addr);
	} else {
		*len = isock_addr_out(s, &pcb->local_ip, pcb->local_port, addr);
	}
	return 0;
}

/* Whether ip is the limited broadcast address or an interface's directed one. */
static bool is_broadcast(const ip_addr_t *ip)
{
	struct netif *n;

	if (!IP_IS_V4(ip) || ip4_addr_isany(ip_2_ip4(ip)))
		return false;
	if (ip4_addr_get_u32(ip_2_ip4(ip)) == IPADDR_BROADCAST)
		return true;
	NETIF_FOREACH(n) {
		if (ip4_addr_isbroadcast(ip_2_ip4(ip), n))
			return true;
	}
	return false;
}

static ssize_t udp_sock_sendmsg(struct file *f, struct kmsg *m, int flags)
{
	struct isock *s = isock_of(f);
	size_t len = kmsg_remaining(m);
	ip_addr_t ip;
	uint16_t port;
	struct pbuf *p;
	int err;

	if (s->shut & ISHUT_WR)
		return -EPIPE;
	if (m->addrlen) {
		err = isock_addr_in(s, &m->addr, m->addrlen, &ip, &port);
		if (err)
			return err;
	} else if (s->state != IS_CONNECTED) {
		return -EDESTADDRREQ;
	} else {
		ip_addr_copy(ip, upcb(s)->remote_ip);
	}
	/* Linux sends to a broadcast address only with SO_BROADCAST. */
	if (!s->sock.broadcast && is_broadcast(&ip))
		return -EACCES;
	if (len > UDP_PAYLOAD_MAX)
		return -EMSGSIZE;
	p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)len, PBUF_RAM);
	if (!p)
		return -ENOBUFS;
	if (kmsg_copy_in(m, p->payload, len) != len) {
		pbuf_free(p);
		return -EFAULT;
	}
	upcb(s)->tos = (u8_t)s->tos;
	if (m->addrlen)
		err = lwip_errno(udp_sendto(upcb(s), p, &ip, port));
	else
		err = lwip_errno(udp_send(upcb(s), p));
	pbuf_free(p);
	if (!err && s->state == IS_UNCONNECTED)
		s->state = IS_CLOSED;         /* sending bound it to a port */
	net_kick();
	return err ? err : (ssize_t)len;
}

static ssize_t udp_sock_recvmsg(struct file *f, struct kmsg *m, int flags)
{
	struct isock *s = isock_of(f);
	size_t want = kmsg_remaining(m), n;
	uint64_t deadline = 0;
	struct irx *r;
	int err;

	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	while (list_empty(&s->rxq)) {
		if (s->sock.error) {
			int e = s->sock.error;

			s->sock.error = 0;
			return -e;
		}
		if (s->shut & ISHUT_RD)
			return 0;
		if (flags & MSG_DONTWAIT)
			return -EAGAIN;
		err = socket_wait(&s->sock, &s->rq, false, &deadline);
		if (err)
			return err;
	}
	r = list_entry(s->rxq.next, struct irx, link);
	n = MIN(want, (size_t)r->p->tot_len);
	for (struct pbuf *q = r->p; q && n; q = q->next) {
		size_t c = MIN(n, (size_t)q->len);

		if (kmsg_copy_out(m, q->payload, c) != c)
			return -EFAULT;   /* the datagram stays queued */
		n -= c;
	}
	n = r->p->tot_len;
	if (n > want)
		m->out_flags |= MSG_TRUNC;
	m->addrlen = isock_addr_out(s, &r->from, r->port, &m->addr);
	if (!(flags & MSG_PEEK)) {
		list_del(&r->link);
		s->rx_bytes -= r->p->tot_len;
		pbuf_free(r->p);
		kfree(r);
	}
	return (flags & MSG_TRUNC) ? (ssize_t)n : (ssize_t)MIN(n, want);
}

static int udp_sock_shutdown(struct file *f, int how)
{
	struct isock *s = isock_of(f);

	if (how < SHUT_RD || how > SHUT_RDWR)
		return -EINVAL;
	if (s->state != IS_CONNECTED)
		return -ENOTCONN;
	if (how != SHUT_WR)
		s->shut |= ISHUT_RD;
	if (how != SHUT_RD)
		s->shut |= ISHUT_WR;
	isock_changed(s);
	return 0;
}

static unsigned udp_sock_poll(struct file *f)
{
	struct isock *s = isock_of(f);
	unsigned ev = POLLOUT | POLLWRNORM;

	if (!list_empty(&s->rxq) || (s->shut & ISHUT_RD))
		ev |= POLLIN | POLLRDNORM;
	if (s->sock.error)
		ev |= POLLERR;
	if (s->shut == (ISHUT_RD | ISHUT_WR))
		ev |= POLLHUP;
	return ev;
}

static void udp_sock_release(struct file *f)
{
	struct isock *s = isock_of(f);

	if (upcb(s))
		udp_remove(upcb(s));
	isock_free(s);
}

const struct sock_ops inet_udp_ops = {
	.bind = udp_sock_bind,
	.listen = NULL,
	.accept = NULL,
	.connect = udp_sock_connect,
	.getname = udp_sock_getname,
	.sendmsg = udp_sock_sendmsg,
	.recvmsg = udp_sock_recvmsg,
	.shutdown = udp_sock_shutdown,
	.poll = udp_sock_poll,
	.ioctl = inet_ioctl,
	.release = udp_sock_release,
	.setsockopt = inet_setsockopt,
	.getsockopt = inet_getsockopt,
};
