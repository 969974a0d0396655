/* SPDX-License-Identifier: MIT */
/* netlink.c: AF_NETLINK sockets, NETLINK_ROUTE only: RTM_GETLINK, RTM_GETADDR and RTM_GETROUTE answered from lwIP's interfaces. */
#include "kernel.h"
#include "net.h"
#include "netdev.h"
#include "sched.h"
#include "vfs.h"
#include "lwip/netif.h"
#include "net/stack.h"
#include <asm-generic/poll.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

/*
 * The kernel side of NETLINK_ROUTE, for the requests programs make to learn
 * the network (getifaddrs, if_nameindex, "ip addr"): dumps of links,
 * addresses and routes, and single RTM_GETLINK lookups.  Every answer is
 * computed from lwIP's state when the request is sent and queued on the
 * socket, one netlink message per datagram, the dump ending with
 * NLMSG_DONE.  Requests that change the network (RTM_NEWADDR, ...) get
 * NLMSG_ERROR with EOPNOTSUPP; no multicast events are ever sent.
 */

#define NL_REQUEST_MAX (64 * 1024)
#define NL_MSG_MAX 1024                 /* one answer message; ours are far smaller */
#define LO_MTU 65536                    /* Linux's loopback MTU */
#define SOL_NETLINK 270

struct nlsock {
	struct socket sock;             /* first: file->priv points here */
	uint32_t portid;                /* 0 until bound (explicitly or by the first send) */
	uint32_t groups;
	struct list rxq;                /* struct nlmsgq */
	struct list link;               /* in nl_socks */
	struct waitq rq;
};

struct nlmsgq {
	struct list link;
	size_t len;
	uint8_t data[];
};

static struct list nl_socks = LIST_INIT(nl_socks);
static uint32_t portid_next = 0xfffff000u;
static const struct sock_ops netlink_ops;

static struct nlsock *nls(struct file *f)
{
	return f->priv;
}

static bool portid_used(uint32_t id)
{
	struct list *it;

	list_for_each(it, &nl_socks) {
		if (list_entry(it, struct nlsock, link)->portid == id)
			return true;
	}
	return false;
}

/* Linux gives the process's pid to its first netlink socket, then unique negative numbers. */
static void autobind(struct nlsock *s)
{
	uint32_t id = (uint32_t)current_proc()->pid;

	if (s->portid)
		return;
	while (portid_used(id))
		id = portid_next--;
	s->portid = id;
}

/* ---- building answers ---- */

struct nlb {
	uint8_t buf[NL_MSG_MAX];
	size_t len;
	bool overflow;
};

static void *nlb_put(struct nlb *b, size_t len)
{
	void *p;

	if (b->len + NLMSG_ALIGN(len) > sizeof(b->buf)) {
		b->overflow = true;
		return NULL;
	}
	p = b->buf + b->len;
	memset(p, 0, NLMSG_ALIGN(len));
	b->len += NLMSG_ALIGN(len);
	return p;
}

static void *nlb_begin(struct nlb *b, const struct nlmsghdr *req, struct nlsock *s, int type, int flags, size_t hdrlen)
{
	struct nlmsghdr *h;

	b->len = 0;
	b->overflow = false;
	h = nlb_put(b, NLMSG_HDRLEN);
	h->nlmsg_type = type;
	h->nlmsg_flags = flags;
	h->nlmsg_seq = req->nlmsg_seq;
	h->nlmsg_pid = s->portid;
	return nlb_put(b, hdrlen);
}

static void nlb_attr(struct nlb *b, int type, const void *data, size_t len)
{
	struct nlattr *a = nlb_put(b, NLA_HDRLEN + len);

	if (!a)
		return;
	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	memcpy((char *)a + NLA_HDRLEN, data, len);
}

static void nlb_u32(struct nlb *b, int type, uint32_t v)
{
	nlb_attr(b, type, &v, sizeof(v));
}

/* Queues the message built in b (its length set) on s. */
static int nlb_queue(struct nlsock *s, struct nlb *b)
{
	struct nlmsgq *q;

	if (b->overflow)
		return -EMSGSIZE;
	((struct nlmsghdr *)b->buf)->nlmsg_len = b->len;
	q = kmalloc(sizeof(*q) + b->len);
	if (!q)
		return -ENOMEM;
	q->len = b->len;
	memcpy(q->data, b->buf, b->len);
	list_add_tail(&s->rxq, &q->link);
	return 0;
}

static int queue_done(struct nlsock *s, struct nlb *b, const struct nlmsghdr *req)
{
	int *v = nlb_begin(b, req, s, NLMSG_DONE, NLM_F_MULTI, sizeof(int));

	*v = 0;
	return nlb_queue(s, b);
}

/* NLMSG_ERROR: err (0 = an acknowledgement) and the request's header. */
static int queue_error(struct nlsock *s, struct nlb *b, const struct nlmsghdr *req, int err)
{
	struct nlmsgerr *e = nlb_begin(b, req, s, NLMSG_ERROR, 0, sizeof(*e));

	e->error = err;
	e->msg = *req;
	return nlb_queue(s, b);
}

/* ---- links ---- */

static void build_link(struct nlb *b, struct nlsock *s, const struct nlmsghdr *req, struct netif *n, int flags)
{
	struct ifinfomsg *ifi = nlb_begin(b, req, s, RTM_NEWLINK, flags, sizeof(*ifi));
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint8_t zero[6] = { 0 };
	bool lo = net_netif_flags(n) & IFF_LOOPBACK;
	char name[16];

	net_netif_name(n, name, sizeof(name));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_type = lo ? ARPHRD_LOOPBACK : ARPHRD_ETHER;
	ifi->ifi_index = netif_get_index(n);
	ifi->ifi_flags = net_netif_flags(n);
	ifi->ifi_change = 0xffffffff;
	nlb_attr(b, IFLA_IFNAME, name, strlen(name) + 1);
	nlb_u32(b, IFLA_MTU, lo ? LO_MTU : n->mtu);
	nlb_u32(b, IFLA_TXQLEN, lo ? 1000 : 1000);
	nlb_attr(b, IFLA_OPERSTATE, &(uint8_t){ netif_is_link_up(n) ? (lo ? IF_OPER_UNKNOWN : IF_OPER_UP) : IF_OPER_DOWN }, 1);
	nlb_attr(b, IFLA_ADDRESS, lo ? zero : n->hwaddr, 6);
	nlb_attr(b, IFLA_BROADCAST, lo ? zero : bcast, 6);
}

static int get_links(struct nlsock *s, struct nlb *b, const struct nlmsghdr *req)
{
	const struct ifinfomsg *want = NLMSG_DATA(req);
	struct netif *n;
	int err;

	if (!(req->nlmsg_flags & NLM_F_DUMP)) {
		/* One link, by index. */
		if (req->nlmsg_len < NLMSG_LENGTH(sizeof(*want)))
			return -EINVAL;
		n = net_netif_by_index(want->ifi_index);
		if (!n)
			return -ENODEV;
		build_link(b, s, req, n, 0);
		return nlb_queue(s, b);
	}
	NETIF_FOREACH(n) {
		build_link(b, s, req, n, NLM_F_MULTI);
		err = nlb_queue(s, b);
		if (err)
			return err;
	}
	return queue_done(s, b, req);
}

/* ---- addresses ---- */

static int scope6(const ip6_addr_t *a)
{
	if (ip6_addr_isloopback(a))
		return RT_SCOPE_HOST;
	return ip6_addr_islinklocal(a) ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
}

static int queue_addr4(struct nlsock *s, struct nlb *b, const struct nlmsghdr *req, struct netif *n)
{
	struct ifaddrmsg *ifa = nlb_begin(b, req, s, RTM_NEWADDR, NLM_F_MULTI, sizeof(*ifa));
	uint32_t a = ip4_addr_get_u32(netif_ip4_addr(n)), m = ip4_addr_get_u32(netif_ip4_netmask(n));
	bool lo = net_netif_flags(n) & IFF_LOOPBACK;
	char name[16];

	net_netif_name(n, name, sizeof(name));
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = net_prefix_len4(netif_ip4_netmask(n));
	ifa->ifa_flags = IFA_F_PERMANENT;
	ifa->ifa_scope = lo ? RT_SCOPE_HOST : RT_SCOPE_UNIVERSE;
	ifa->ifa_index = netif_get_index(n);
	nlb_u32(b, IFA_ADDRESS, a);
	nlb_u32(b, IFA_LOCAL, a);
	if (!lo)
		nlb_u32(b, IFA_BROADCAST, a | ~m);
	nlb_attr(b, IFA_LABEL, name, strlen(name) + 1);
	return nlb_queue(s, b);
}

static int queue_addr6(struct nlsock *s, struct nlb *b, const struct nlmsghdr *req, struct netif *n, int i)
{
	struct ifaddrmsg *ifa = nlb_begin(b, req, s, RTM_NEWADDR, NLM_F_MULTI, sizeof(*ifa));
	const ip6_addr_t *a = netif_ip6_addr(n, i);

	ifa->ifa_family = AF_INET6;
	ifa->ifa_prefixlen = ip6_addr_isloopback(a) ? 128 : 64;
	ifa->ifa_flags = IFA_F_PERMANENT;
	ifa->ifa_scope = scope6(a);
	ifa->ifa_index = netif_get_index(n);
	nlb_attr(b, IFA_ADDRESS, a->addr, 16);
	return nlb_queue(s, b);
}

static int get_addrs(struct nlsock *s, struct nlb *b, const struct nlmsghdr *req)
{
	int family = req->nlmsg_len >= NLMSG_LENGTH(1) ? ((const struct ifaddrmsg *)NLMSG_DATA(req))->ifa_family : AF_UNSPEC;
	struct netif *n;
	int err = 0;

	NETIF_FOREACH(n) {
		if ((family == AF_UNSPEC || family == AF_INET) && !ip4_addr_isany_val(*netif_ip4_addr(n)))
			err = queue_addr4(s, b, req, n);
		for (int i = 0; !err && i < LWIP_IPV6_NUM_ADDRESSES; i++) {
			if ((family == AF_UNSPEC || family == AF_INET6) && ip6_addr_isvalid(netif_ip6_addr_state(n, i)))
				err = queue_addr6(s, b, req, n, i);
		}
		if (err)
			return err;
	}
	return queue_done(s, b, req);
}

/* ---- routes ---- */

struct route {
	int family, dst_len, type, scope, table;
	const void *dst, *gw, *prefsrc;
	int index;
};

static int queue_route(struct nlsock *s, struct nlb *b, const struct nlmsghdr *req, const struct route *r)
{
	struct rtmsg *rt = nlb_begin(b, req, s, RTM_NEWROUTE, NLM_F_MULTI, sizeof(*rt));
	size_t alen = r->family == AF_INET ? 4 : 16;

	rt->rtm_family = r->family;
	rt->rtm_dst_len = r->dst_len;
	rt->rtm_table = r->table;
	rt->rtm_protocol = r->gw ? RTPROT_BOOT : RTPROT_KERNEL;
	rt->rtm_scope = r->scope;
	rt->rtm_type = r->type;
	nlb_u32(b, RTA_TABLE, r->table);
	if (r->dst_len)
		nlb_attr(b, RTA_DST, r->dst, alen);
	if (r->gw)
		nlb_attr(b, RTA_GATEWAY, r->gw, alen);
	if (r->prefsrc)
		nlb_attr(b, RTA_PREFSRC, r->prefsrc, alen);
	nlb_u32(b, RTA_OIF, r->index);
	return nlb_queue(s, b);
}

/* What Linux lists for an interface's IPv4 address: the subnet (and a default route) in the main table; the address, the network and broadcast addresses in the local table. */
static int routes4(struct nlsock *s, struct nlb *b, const struct nlmsghdr *req, struct netif *n)
{
	uint32_t a = ip4_addr_get_u32(netif_ip4_addr(n)), m = ip4_addr_get_u32(netif_ip4_netmask(n));
	uint32_t net = a & m, bc = a | ~m, gw = ip4_addr_get_u32(netif_ip4_gw(n));
	int plen = net_prefix_len4(netif_ip4_netmask(n)), idx = netif_get_index(n), err = 0;
	bool lo = net_netif_flags(n) & IFF_LOOPBACK;
	struct route r = { .family = AF_INET, .index = idx };

	if (gw) {
		r = (struct route){ AF_INET, 0, RTN_UNICAST, RT_SCOPE_UNIVERSE, RT_TABLE_MAIN, NULL, &gw, NULL, idx };
		err = queue_route(s, b, req, &r);
	}
	if (!err && !lo) {
		r = (struct route){ AF_INET, plen, RTN_UNICAST, RT_SCOPE_LINK, RT_TABLE_MAIN, &net, NULL, &a, idx };
		err = queue_route(s, b, req, &r);
	}
	if (!err && lo) {
		r = (struct route){ AF_INET, plen, RTN_LOCAL, RT_SCOPE_HOST, RT_TABLE_LOCAL, &net, NULL, &a, idx };
		err = queue_route(s, b, req, &r);
	}
	if (!err) {
		r = (struct route){ AF_INET, 32, RTN_LOCAL, RT_SCOPE_HOST, RT_TABLE_LOCAL, &a, NULL, &a, idx };
		err = queue_route(s, b, req, &r);
	}
	if (!err && plen < 31) {
		r = (struct route){ AF_INET, 32, RTN_BROADCAST, RT_SCOPE_LINK, RT_TABLE_LOCAL, &net, NULL, &a, idx };
		err = queue_route(s, b, req, &r);
		if (!err) {
			r.dst = &bc;
			err = queue_route(s, b, req, &r);
		}
	}
	return err;
}

/* For each IPv6 address: its prefix in the main table and the address itself in the local table. */
static int routes6(struct nlsock *s, struct nlb *b, const struct nlmsghdr *req, struct netif *n, int i)
{
	const ip6_addr_t *a = netif_ip6_addr(n, i);
	ip6_addr_t prefix = *a;
	int idx = netif_get_index(n), err;
	bool loopback = ip6_addr_isloopback(a);
	struct route r;

	if (!loopback) {
		prefix.addr[2] = prefix.addr[3] = 0;
		if (ip6_addr_islinklocal(a))
			prefix.addr[1] = 0;
	}
	r = (struct route){ AF_INET6, loopback ? 128 : 64, RTN_UNICAST, RT_SCOPE_UNIVERSE, RT_TABLE_MAIN,
			    prefix.addr, NULL, NULL, idx };
	err = queue_route(s, b, req, &r);
	if (!err) {
		r = (struct route){ AF_INET6, 128, RTN_LOCAL, RT_SCOPE_UNIVERSE, RT_TABLE_LOCAL, a->addr, NULL, NULL, idx };
		err = queue_route(s, b, req, &r);
	}
	return err;
}

static int get_routes(struct nlsock *s, struct nlb *b, const struct nlmsghdr *req)
{
	int family = req->nlmsg_len >= NLMSG_LENGTH(1) ? ((const struct rtmsg *)NLMSG_DATA(req))->rtm_family : AF_UNSPEC;
	struct netif *n;
	int err = 0;

	if (!(req->nlmsg_flags & NLM_F_DUMP))
		return -EOPNOTSUPP;            /* a route lookup for one destination: not yet */
	NETIF_FOREACH(n) {
		if ((family == AF_UNSPEC || family == AF_INET) && !ip4_addr_isany_val(*netif_ip4_addr(n)))
			err = routes4(s, b, req, n);
		for (int i = 0; !err && i < LWIP_IPV6_NUM_ADDRESSES; i++) {
			if ((family == AF_UNSPEC || family == AF_INET6) && ip6_addr_isvalid(netif_ip6_addr_state(n, i)))
				err = routes6(s, b, req, n, i);
		}
		if (err)
			return err;
	}
	return queue_done(s, b, req);
}

/* ---- sock_ops ---- */

static int nl_request(struct nlsock *s, struct nlb *b, const struct nlmsghdr *h)
{
	switch (h->nlmsg_type) {
	case RTM_GETLINK:
		return get_links(s, b, h);
	case RTM_GETADDR:
		return get_addrs(s, b, h);
	case RTM_GETROUTE:
		return get_routes(s, b, h);
	default:
		return -EOPNOTSUPP;
	}
}

static ssize_t nl_sendmsg(struct file *f, struct kmsg *m, int flags)
{
	struct nlsock *s = nls(f);
	size_t len = kmsg_remaining(m), left;
	struct nlmsghdr *h;
	struct nlb *b;
	void *buf;
	int err;

	if (len > NL_REQUEST_MAX)
		return -EMSGSIZE;
	buf = kmalloc(len ? len : 1);
	b = kmalloc(sizeof(*b));
	if (!buf || !b) {
		kfree(buf);
		kfree(b);
		return -ENOBUFS;
	}
	if (kmsg_copy_in(m, buf, len) != len) {
		kfree(buf);
		kfree(b);
		return -EFAULT;
	}
	autobind(s);
	left = len;
	for (h = buf; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
		if (!(h->nlmsg_flags & NLM_F_REQUEST) || h->nlmsg_type < NLMSG_MIN_TYPE)
			continue;
		err = nl_request(s, b, h);
		if (err)
			queue_error(s, b, h, err);
		else if (h->nlmsg_flags & NLM_F_ACK)
			queue_error(s, b, h, 0);
	}
	kfree(b);
	kfree(buf);
	waitq_wake_all(&s->rq);
	poll_notify();
	return len;
}

static void nl_addr(void *addr, int *len, uint32_t pid, uint32_t groups)
{
	struct sockaddr_nl *a = addr;

	memset(a, 0, sizeof(*a));
	a->nl_family = AF_NETLINK;
	a->nl_pid = pid;
	a->nl_groups = groups;
	*len = sizeof(*a);
}

static ssize_t nl_recvmsg(struct file *f, struct kmsg *m, int flags)
{
	struct nlsock *s = nls(f);
	struct nlmsgq *q;
	size_t want = kmsg_remaining(m);
	uint64_t deadline = 0;
	int err;

	while (list_empty(&s->rxq)) {
		if (flags & MSG_DONTWAIT)
			return -EAGAIN;
		err = socket_wait(&s->sock, &s->rq, false, &deadline);
		if (err)
			return err;
	}
	q = list_entry(s->rxq.next, struct nlmsgq, link);
	if (kmsg_copy_out(m, q->data, MIN(want, q->len)) != MIN(want, q->len))
		return -EFAULT;       /* the message stays queued */
	if (q->len > want)
		m->out_flags |= MSG_TRUNC;
	nl_addr(&m->addr, &m->addrlen, 0, 0);
	want = (flags & MSG_TRUNC) ? q->len : MIN(want, q->len);
	if (!(flags & MSG_PEEK)) {
		list_del(&q->link);
		kfree(q);
	}
	return want;
}

static int nl_bind(struct file *f, const void *addr, int len)
{
	struct nlsock *s = nls(f);
	const struct sockaddr_nl *a = addr;

	if (len < (int)sizeof(*a) || a->nl_family != AF_NETLINK)
		return -EINVAL;
	if (a->nl_pid && s->portid != a->nl_pid) {
		if (s->portid)
			return -EINVAL;
		if (portid_used(a->nl_pid))
			return -EADDRINUSE;
		s->portid = a->nl_pid;
	}
	autobind(s);
	s->groups = a->nl_groups;
	return 0;
}

static int nl_connect(struct file *f, const void *addr, int len)
{
	const struct sockaddr_nl *a = addr;

	if (len < (int)sizeof(*a) || a->nl_family != AF_NETLINK)
		return -EINVAL;
	if (a->nl_pid)
		return -ECONNREFUSED;        /* only the kernel (port 0) answers */
	autobind(nls(f));
	return 0;
}

static int nl_getname(struct file *f, void *addr, int *len, bool peer)
{
	struct nlsock *s = nls(f);

	if (peer)
		nl_addr(addr, len, 0, 0);
	else
		nl_addr(addr, len, s->portid, s->groups);
	return 0;
}

static int nl_shutdown(struct file *f, int how)
{
	return how < SHUT_RD || how > SHUT_RDWR ? -EINVAL : 0;
}

static unsigned nl_poll(struct file *f)
{
	return (list_empty(&nls(f)->rxq) ? 0 : POLLIN | POLLRDNORM) | POLLOUT | POLLWRNORM;
}

static void nl_release(struct file *f)
{
	struct nlsock *s = nls(f);

	while (!list_empty(&s->rxq)) {
		struct nlmsgq *q = list_entry(s->rxq.next, struct nlmsgq, link);

		list_del(&q->link);
		kfree(q);
	}
	list_del(&s->link);
	kfree(s);
}

static int nl_setsockopt(struct file *f, int level, int name, const void *val, int len)
{
	if (level != SOL_NETLINK)
		return -ENOPROTOOPT;
	switch (name) {
	case NETLINK_EXT_ACK:
	case NETLINK_GET_STRICT_CHK:
	case NETLINK_CAP_ACK:
		/* Extended acknowledgements and strict checking: our answers have nothing to add. */
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

static const struct sock_ops netlink_ops = {
	.bind = nl_bind,
	.connect = nl_connect,
	.getname = nl_getname,
	.sendmsg = nl_sendmsg,
	.recvmsg = nl_recvmsg,
	.shutdown = nl_shutdown,
	.poll = nl_poll,
	.release = nl_release,
	.setsockopt = nl_setsockopt,
};

static int netlink_create(int type, int protocol, unsigned fflags, struct file **out)
{
	struct nlsock *s;

	if (type != SOCK_RAW && type != SOCK_DGRAM)
		return -ESOCKTNOSUPPORT;
	if (protocol != NETLINK_ROUTE)
		return -EPROTONOSUPPORT;
	net_stack_start();
	s = kzalloc(sizeof(*s));
	if (!s)
		return -ENOMEM;
	socket_init(&s->sock, &netlink_ops, AF_NETLINK, type, protocol);
	list_init(&s->rxq);
	waitq_init(&s->rq);
	*out = socket_file_alloc(&s->sock, fflags);
	if (!*out) {
		kfree(s);
		return -ENFILE;
	}
	list_add_tail(&nl_socks, &s->link);
	return 0;
}

const struct net_family netlink_family = {
	.family = AF_NETLINK,
	.create = netlink_create,
};
