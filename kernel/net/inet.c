/* SPDX-License-Identifier: MIT */
/* inet.c: AF_INET and AF_INET6 sockets: the two families, socket creation, addresses, IP-level options, ioctls. */
#include "inet.h"
#include "lwip/err.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"
#include <asm-generic/ioctls.h>
#include <linux/fcntl.h>

#define SIN6_LEN_RFC2133_ 24          /* a sockaddr_in6 without sin6_scope_id, which Linux accepts */

struct isock *isock_alloc(int family, int type, int protocol, const struct sock_ops *ops)
{
	struct isock *s = kzalloc(sizeof(*s));

	if (!s)
		return NULL;
	socket_init(&s->sock, ops, family, type, protocol);
	waitq_init(&s->rq);
	waitq_init(&s->wq);
	list_init(&s->rxq);
	list_init(&s->acceptq);
	list_init(&s->accept_link);
	return s;
}

void isock_purge_rx(struct isock *s)
{
	while (!list_empty(&s->rxq)) {
		struct irx *r = list_entry(s->rxq.next, struct irx, link);

		list_del(&r->link);
		pbuf_free(r->p);
		kfree(r);
	}
	s->rx_bytes = 0;
}

void isock_free(struct isock *s)
{
	isock_purge_rx(s);
	kfree(s);
}

uint8_t isock_iptype(const struct isock *s)
{
	if (s->sock.family == AF_INET)
		return IPADDR_TYPE_V4;
	return s->v6only ? IPADDR_TYPE_V6 : IPADDR_TYPE_ANY;
}

static bool v4mapped(const struct in6_addr *a)
{
	return a->s6_addr32[0] == 0 && a->s6_addr32[1] == 0 && a->s6_addr32[2] == htonl(0xffff);
}

int isock_addr_in(const struct isock *s, const void *addr, int len, ip_addr_t *ip, uint16_t *port)
{
	const struct sockaddr_in *sin = addr;
	const struct sockaddr_in6 *sin6 = addr;

	if (len < (int)sizeof(__kernel_sa_family_t))
		return -EINVAL;
	if (s->sock.family == AF_INET) {
		if (len < (int)sizeof(*sin))
			return -EINVAL;
		/* Linux takes AF_UNSPEC for AF_INET (bind: as INADDR_ANY). */
		if (sin->sin_family != AF_INET && sin->sin_family != AF_UNSPEC)
			return -EAFNOSUPPORT;
		ip_addr_set_ip4_u32_val(*ip, sin->sin_addr.s_addr);
		*port = ntohs(sin->sin_port);
		return 0;
	}
	if (sin6->sin6_family != AF_INET6)
		return -EAFNOSUPPORT;
	if (len < SIN6_LEN_RFC2133_)
		return -EINVAL;
	*port = ntohs(sin6->sin6_port);
	if (v4mapped(&sin6->sin6_addr)) {
		if (s->v6only)
			return -ENETUNREACH;
		ip_addr_set_ip4_u32_val(*ip, sin6->sin6_addr.s6_addr32[3]);
		return 0;
	}
	IP_ADDR6(ip, sin6->sin6_addr.s6_addr32[0], sin6->sin6_addr.s6_addr32[1],
		 sin6->sin6_addr.s6_addr32[2], sin6->sin6_addr.s6_addr32[3]);
	ip6_addr_clear_zone(ip_2_ip6(ip));
	if (ip6_addr_islinklocal(ip_2_ip6(ip)) && len >= (int)sizeof(*sin6) && sin6->sin6_scope_id)
		ip6_addr_set_zone(ip_2_ip6(ip), (u8_t)sin6->sin6_scope_id);
	return 0;
}

int isock_addr_out(const struct isock *s, const ip_addr_t *ip, uint16_t port, void *addr)
{
	struct sockaddr_in *sin = addr;
	struct sockaddr_in6 *sin6 = addr;

	if (s->sock.family == AF_INET) {
		memset(sin, 0, sizeof(*sin));
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		sin->sin_addr.s_addr = IP_IS_V4(ip) ? ip_addr_get_ip4_u32(ip) : 0;
		return sizeof(*sin);
	}
	memset(sin6, 0, sizeof(*sin6));
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	if (IP_IS_ANY_TYPE_VAL(*ip)) {
		/* unspecified: :: */
	} else if (IP_IS_V4(ip)) {
		if (!ip4_addr_isany_val(*ip_2_ip4(ip))) {
			sin6->sin6_addr.s6_addr32[2] = htonl(0xffff);
			sin6->sin6_addr.s6_addr32[3] = ip_addr_get_ip4_u32(ip);
		}
	} else {
		for (int i = 0; i < 4; i++)
			sin6->sin6_addr.s6_addr32[i] = ip_2_ip6(ip)->addr[i];
		if (ip6_addr_has_zone(ip_2_ip6(ip)))
			sin6->sin6_scope_id = ip6_addr_zone(ip_2_ip6(ip));
	}
	return sizeof(*sin6);
}

int lwip_errno(int err)
{
	switch (err) {
	case ERR_OK:         return 0;
	case ERR_MEM:        return -ENOMEM;
	case ERR_BUF:        return -ENOBUFS;
	case ERR_TIMEOUT:    return -ETIMEDOUT;
	case ERR_RTE:        return -ENETUNREACH;
	case ERR_INPROGRESS: return -EINPROGRESS;
	case ERR_VAL:        return -EINVAL;
	case ERR_WOULDBLOCK: return -EAGAIN;
	case ERR_USE:        return -EADDRINUSE;
	case ERR_ALREADY:    return -EALREADY;
	case ERR_ISCONN:     return -EISCONN;
	case ERR_CONN:       return -ENOTCONN;
	case ERR_IF:         return -ENETDOWN;
	case ERR_ABRT:       return -ECONNABORTED;
	case ERR_RST:        return -ECONNRESET;
	case ERR_CLSD:       return -ENOTCONN;
	case ERR_ARG:        return -EINVAL;
	default:             return -EIO;
	}
}

/* Whether the socket has a local port (bound, or by connecting). */
static bool inet_bound(const struct isock *s)
{
	if (!s->pcb.any)
		return false;
	return s->sock.type == SOCK_STREAM ? s->pcb.tcp->local_port != 0 : s->pcb.udp->local_port != 0;
}

/* ---- IP-level options ---- */

static int opt_int(const void *val, int len, int *v)
{
	if (len >= (int)sizeof(int)) {
		memcpy(v, val, sizeof(int));
		return 0;
	}
	if (len >= 1) {          /* Linux takes a byte for the IP_* integer options */
		*v = *(const unsigned char *)val;
		return 0;
	}
	return -EINVAL;
}

int inet_setsockopt(struct file *f, int level, int name, const void *val, int len)
{
	struct isock *s = isock_of(f);
	int v, err;

	if (level == IPPROTO_IP && name == IP_TOS) {
		err = opt_int(val, len, &v);
		if (err)
			return err;
		s->tos = v & 0xfc;
		return 0;
	}
	if (level == IPPROTO_IPV6 && s->sock.family == AF_INET6) {
		err = opt_int(val, len, &v);
		if (err)
			return err;
		switch (name) {
		case IPV6_V6ONLY:
			/* Only before the socket has a local address (Linux: EINVAL after bind). */
			if (s->state != IS_UNCONNECTED || inet_bound(s))
				return -EINVAL;
			s->v6only = v != 0;
			return 0;
		case IPV6_TCLASS:
			s->tos = v & 0xff;
			return 0;
		}
	}
	return -ENOPROTOOPT;
}

int inet_getsockopt(struct file *f, int level, int name, void *val, int *len)
{
	struct isock *s = isock_of(f);
	int v;

	if (level == IPPROTO_IP && name == IP_TOS)
		v = s->tos;
	else if (level == IPPROTO_IPV6 && s->sock.family == AF_INET6 && name == IPV6_V6ONLY)
		v = s->v6only;
	else if (level == IPPROTO_IPV6 && s->sock.family == AF_INET6 && name == IPV6_TCLASS)
		v = s->tos;
	else
		return -ENOPROTOOPT;
	*len = MIN(*len, (int)sizeof(v));
	memcpy(val, &v, *len);
	return 0;
}

long inet_ioctl(struct file *f, unsigned long cmd, unsigned long arg)
{
	struct isock *s = isock_of(f);
	int v;

	switch (cmd) {
	case FIONREAD:
		if (s->state == IS_LISTENING)
			return -EINVAL;
		v = (int)MIN(s->rx_bytes, (size_t)INT32_MAX);
		if (s->sock.type == SOCK_DGRAM)
			v = list_empty(&s->rxq) ? 0 :
				list_entry(s->rxq.next, struct irx, link)->p->tot_len;
		return copy_to_user((void *)arg, &v, sizeof(v));
	default:
		return -ENOTTY;
	}
}

/* ---- the families ---- */

static int inet_create(int family, int type, int protocol, unsigned fflags, struct file **out)
{
	struct isock *s;
	int err;

	switch (type) {
	case SOCK_STREAM:
		if (protocol != 0 && protocol != IPPROTO_TCP)
			return -EPROTONOSUPPORT;
		protocol = IPPROTO_TCP;
		break;
	case SOCK_DGRAM:
		if (protocol != 0 && protocol != IPPROTO_UDP)
			return -EPROTONOSUPPORT;
		protocol = IPPROTO_UDP;
		break;
	case SOCK_RAW:
		/* Raw and ping sockets are not there yet: say so once. */
		printk_err("husk: SOCK_RAW sockets (protocol %d) are not supported yet\n", protocol);
		return -EPROTONOSUPPORT;
	default:
		return -ESOCKTNOSUPPORT;
	}
	net_stack_start();
	s = isock_alloc(family, type, protocol, type == SOCK_STREAM ? &inet_tcp_ops : &inet_udp_ops);
	if (!s)
		return -ENOMEM;
	*out = socket_file_alloc(&s->sock, fflags);
	if (!*out) {
		isock_free(s);
		return -ENFILE;
	}
	/* The file exists first so that closing it (release) undoes everything. */
	err = type == SOCK_STREAM ? inet_tcp_create(s) : inet_udp_create(s);
	if (err) {
		file_unref(*out);
		*out = NULL;
	}
	return err;
}

static int inet4_create(int type, int protocol, unsigned fflags, struct file **out)
{
	return inet_create(AF_INET, type, protocol, fflags, out);
}

static int inet6_create(int type, int protocol, unsigned fflags, struct file **out)
{
	return inet_create(AF_INET6, type, protocol, fflags, out);
}

const struct net_family inet_family = {
	.family = AF_INET,
	.create = inet4_create,
};

const struct net_family inet6_family = {
	.family = AF_INET6,
	.create = inet6_create,
};
