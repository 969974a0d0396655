/* SPDX-License-Identifier: MIT */
/* netif.c: starting lwIP, its interfaces (loopback; each netdev as an Ethernet netif), their configuration (net.ip=, DHCP, resolv.conf), and the SIOCGIF* ioctls. */
#include "kernel.h"
#include "ktime.h"
#include "net.h"
#include "netdev.h"
#include "husk/abi.h"
#include "sched.h"
#include "platform.h"
#include "vfs.h"
#include "lwip/dhcp.h"
#include "lwip/dns.h"
#include "lwip/etharp.h"
#include "lwip/ethip6.h"
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/prot/ip.h"
#include "lwip/prot/ip6.h"
#include "netif/ethernet.h"
#include "net/stack.h"
#include <linux/fcntl.h>
#include <linux/in.h>
#include <linux/sockios.h>
#include "mm.h"

#define TX_FRAGS_MAX 16
#define ETH_HLEN 14
#define TX_HDR_MAX (ETH_HLEN + 40 + 20)   /* Ethernet, IPv6, TCP: what offload reads and writes */


static bool started;

/* ---- netdevs as lwIP interfaces ---- */

/*
 * Transmit batching.  Each time the kernel tells a device about new frames
 * is an exit to the monitor (under QEMU TCG the vCPU also waits for QEMU's
 * main loop), so the netdevs run with tx_batched: frames are queued and the
 * devices are told by net_tx_flush(), which runs when the sending thread
 * gives up the CPU (schedule()), at the end of a run of the stack from an
 * interrupt (a received frame: the driver; lwIP's timer), and at the latest
 * TX_FLUSH_NS after the first unannounced frame (a program that goes on
 * computing after a send).  A server answering several connections from
 * one epoll_wait thus tells the device once for all the replies.
 */
#define TX_FLUSH_NS 2000000ULL
static bool tx_pending;
static struct ktimer tx_timer;

void net_tx_flush(void)
{
	struct list *it;

	/* A large frame the device had no room for stays pending: tx_ready sends it. */
	net_tso_flush();
	if (!tx_pending)
		return;
	tx_pending = false;
	list_for_each(it, &netdev_list)
		netdev_tx_flush(list_entry(it, struct netdev, link));
}

static void tx_timer_fn(struct ktimer *t)
{
	net_tx_flush();
}

void net_tx_queued(struct netdev *nd)
{
	if (!nd->tx_batched)
		return;
	tx_pending = true;
	if (!tx_timer.deadline) {
		tx_timer.fn = tx_timer_fn;
		ktimer_add(&tx_timer, clock_monotonic_ns() + TX_FLUSH_NS);
	}
}

static struct netdev *netdev_of(const struct netif *n)
{
	return n == netif_get_by_index(1) ? NULL : n->state;
}

/*
 * Transmit checksum offload (NETDEV_F_TX_CSUM), for TCP only: lwIP leaves
 * the TCP checksum to the device (the netif's NETIF_CHECKSUM_GEN_TCP is
 * off) and this puts the pseudo-header sum in the field, as the device
 * expects.  UDP keeps lwIP's software checksum: a datagram larger than the
 * MTU is fragmented by IP after the checksum, which no device completes.
 */
bool net_tcp_csum_prepare(uint8_t *f, size_t hlen, size_t len, struct netdev_csum *c)
{
	uint32_t sum = 0;
	size_t l4, l4len;
	uint16_t type;

	/* f holds the first hlen bytes of the len-byte frame: all of it, or at least TX_HDR_MAX. */
	if (hlen < ETH_HLEN + 20)
		return false;
	type = (uint16_t)(f[12] << 8 | f[13]);
	if (type == 0x0800) {
		const uint8_t *ip = f + ETH_HLEN;
		size_t ihl = (size_t)(ip[0] & 0xf) * 4, tot = (size_t)(ip[2] << 8 | ip[3]);

		if (ip[9] != IP_PROTO_TCP || ihl != 20 || tot < ihl + 20 || ETH_HLEN + tot > len ||
		    ETH_HLEN + ihl + 18 > hlen)
			return false;
		l4 = ETH_HLEN + ihl;
		l4len = tot - ihl;
		for (int i = 12; i < 20; i += 2)
			sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	} else if (type == 0x86dd) {
		const uint8_t *ip = f + ETH_HLEN;

		/* lwIP sends TCP over IPv6 without extension headers. */
		if (hlen < ETH_HLEN + 40 + 18 || ip[6] != IP6_NEXTH_TCP)
			return false;
		l4 = ETH_HLEN + 40;
		l4len = (size_t)(ip[4] << 8 | ip[5]);
		if (l4 + l4len > len)
			return false;
		for (int i = 8; i < 40; i += 2)
			sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	} else {
		return false;
	}
	sum += IP_PROTO_TCP + (uint32_t)l4len;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	f[l4 + 16] = (uint8_t)(sum >> 8);
	f[l4 + 17] = (uint8_t)sum;
	c->start = (uint16_t)l4;
	c->offset = 16;
	return true;
}

static err_t netdev_linkoutput(struct netif *n, struct pbuf *p)
{
	struct netdev *nd = n->state;
	struct netdev_frag frags[TX_FRAGS_MAX];
	struct netdev_csum csum = { 0 }, *cp = NULL;
	void *flat = NULL;
	int nfrags = 0, err;

	if (nd->features & NETDEV_F_TSO) {
		err = net_tso_output(nd, p);
		if (err < 0)
			return ERR_BUF;     /* lwIP keeps a TCP segment and sends it again later */
		if (err > 0)
			goto queued;
	}

	/* The headers must be in one piece for offload, and a long chain must be for the driver. */
	if (pbuf_clen(p) > TX_FRAGS_MAX || ((nd->features & NETDEV_F_TX_CSUM) && p->len < TX_HDR_MAX && p->next)) {
		flat = kmalloc(p->tot_len);
		if (!flat)
			return ERR_MEM;
		pbuf_copy_partial(p, flat, p->tot_len, 0);
		frags[nfrags].data = flat;
		frags[nfrags++].len = p->tot_len;
	} else {
		for (struct pbuf *q = p; q; q = q->next) {
			frags[nfrags].data = q->payload;
			frags[nfrags++].len = q->len;
		}
	}
	if ((nd->features & NETDEV_F_TX_CSUM) &&
	    net_tcp_csum_prepare((uint8_t *)frags[0].data, frags[0].len, p->tot_len, &csum))
		cp = &csum;
	/* A full ring: lwIP keeps a TCP segment to send again; any other frame is lost, as on a wire. */
	err = nd->ops->xmit(nd, frags, nfrags, cp);
	kfree(flat);
	if (err)
		return ERR_BUF;
queued:
	net_tx_queued(nd);
	return ERR_OK;
}

#define RX_L4_CHECKS (NETIF_CHECKSUM_CHECK_TCP | NETIF_CHECKSUM_CHECK_UDP)

/* The netif's checksum flags apart from receive: TCP left to the device when it offers it. */
static u16_t tx_csum_ctrl(const struct netdev *nd)
{
	return (nd->features & NETDEV_F_TX_CSUM) ? NETIF_CHECKSUM_ENABLE_ALL & ~NETIF_CHECKSUM_GEN_TCP :
		NETIF_CHECKSUM_ENABLE_ALL;
}

static void netdev_rx_frame(struct netdev *nd, const void *frame, size_t len, unsigned flags)
{
	struct netif *n = nd->stack;
	struct pbuf *p;

	if (len > 0xffff) {
		nd->rx_dropped++;
		return;
	}
	p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL);
	if (!p) {
		nd->rx_dropped++;
		return;
	}
	pbuf_take(p, frame, (u16_t)len);
	/* A frame the device checked skips lwIP's checks of its TCP/UDP checksum. */
	if (nd->features & NETDEV_F_RX_CSUM)
		NETIF_SET_CHECKSUM_CTRL(n, (flags & NETDEV_RX_CSUM_OK) ? tx_csum_ctrl(nd) & ~RX_L4_CHECKS :
					tx_csum_ctrl(nd));
	if (n->input(p, n) != ERR_OK)
		pbuf_free(p);
	net_kick();
}

/* From the driver's transmit interrupt: the end of a run of the stack, like any other. */
static void netdev_tx_ready_cb(struct netdev *nd)
{
	net_tx_flush();
	net_kick();
}

/* The end of a run of received frames: what they made the stack send goes to the device. */
static void netdev_rx_done_cb(struct netdev *nd)
{
	net_tso_flush();
}

void net_poll_loopback(void)
{
	struct netif *n;

	/*
	 * A packet to one of eth0's own addresses loops inside lwIP without a
	 * TCP checksum when the device would have made it: such packets never
	 * touched a wire, so their checksums are not checked either.
	 */
	NETIF_FOREACH(n) {
		if (netdev_of(n))
			NETIF_SET_CHECKSUM_CTRL(n, tx_csum_ctrl(n->state) & ~RX_L4_CHECKS);
	}
	netif_poll_all();
	NETIF_FOREACH(n) {
		if (netdev_of(n))
			NETIF_SET_CHECKSUM_CTRL(n, tx_csum_ctrl(n->state));
	}
}

static err_t netdev_netif_init(struct netif *n)
{
	struct netdev *nd = n->state;

	n->name[0] = 'e';
	n->name[1] = 'n';
	n->hwaddr_len = ETH_HWADDR_LEN;
	memcpy(n->hwaddr, nd->mac, ETH_HWADDR_LEN);
	n->mtu = nd->mtu ? nd->mtu : 1500;
	n->mtu6 = n->mtu;
	n->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET | NETIF_FLAG_MLD6;
	n->output = etharp_output;
	n->output_ip6 = ethip6_output;
	n->linkoutput = netdev_linkoutput;
	NETIF_SET_CHECKSUM_CTRL(n, tx_csum_ctrl(nd));
	return ERR_OK;
}

static void netdev_attach(struct netdev *nd)
{
	struct netif *n = kzalloc(sizeof(*n));

	if (!n || !netif_add(n, IP4_ADDR_ANY4, IP4_ADDR_ANY4, IP4_ADDR_ANY4, nd, netdev_netif_init,
			     ethernet_input)) {
		printk_err("husk: %s: out of memory attaching it to the network stack\n", nd->name);
		kfree(n);
		return;
	}
	nd->stack = n;
	nd->rx = netdev_rx_frame;
	nd->tx_ready = netdev_tx_ready_cb;
	nd->rx_done = netdev_rx_done_cb;
	nd->tx_batched = nd->ops->flush != NULL;
	netif_create_ip6_linklocal_address(n, 1);
	netif_set_ip6_autoconfig_enabled(n, 1);
	if (!netif_default)
		netif_set_default(n);
	netif_set_up(n);
	if (nd->link_up)
		netif_set_link_up(n);
}

/* ---- configuration (include/husk/abi.h: net.ip=, net.gw=, net.dns=) ---- */

/* The value of kernel option name= (before "--"), copied into buf; false when absent. */
static bool cmdline_option(const char *name, char *buf, size_t size)
{
	const char *s = boot_info.cmdline;
	size_t n = strlen(name);

	while (*s) {
		const char *w = s, *e;

		while (*s && *s != ' ')
			s++;
		e = s;
		while (*s == ' ')
			s++;
		if (e - w == 2 && w[0] == '-' && w[1] == '-')
			return false;
		if ((size_t)(e - w) > n && !strncmp(w, name, n) && w[n] == '=') {
			size_t len = MIN((size_t)(e - w - n - 1), size - 1);

			memcpy(buf, w + n + 1, len);
			buf[len] = 0;
			return true;
		}
	}
	return false;
}

/* Writes /etc/resolv.conf naming the DNS servers lwIP knows (from DHCP or net.dns=). */
static void write_resolv_conf(void)
{
	char text[256], a[IPADDR_STRLEN_MAX];
	struct inode *ino;
	size_t len = 0;
	int err;

	for (u8_t i = 0; i < DNS_MAX_SERVERS; i++) {
		const ip_addr_t *d = dns_getserver(i);

		if (ip_addr_isany(d))
			continue;
		ipaddr_ntoa_r(d, a, sizeof(a));
		len += snprintk(text + len, sizeof(text) - len, "nameserver %s\n", a);
	}
	if (!len)
		return;
	vfs_mkdir(vfs_root(), "/etc", 0755);      /* an image without /etc; EEXIST otherwise */
	err = vfs_lookup(vfs_root(), "/etc/resolv.conf", false, &ino);
	if (err == -ENOENT)
		err = vfs_create(vfs_root(), "/etc/resolv.conf", S_IFREG | 0644, true, &ino);
	if (err) {
		printk_err("husk: cannot write /etc/resolv.conf (%d)\n", err);
		return;
	}
	vfs_truncate(ino, 0);
	ino->iops->write(ino, text, len, 0);
	inode_unref(ino);
}

static void dhcp_status_cb(struct netif *n)
{
	if (dhcp_supplied_address(n))
		write_resolv_conf();
}

/* ADDR/PREFIX into an address and netmask; false when malformed. */
static bool parse_cidr(char *s, ip4_addr_t *addr, ip4_addr_t *mask)
{
	char *slash = strchr(s, '/');
	uint64_t prefix = 24;

	if (slash) {
		*slash = 0;
		if (kstrtou64(slash + 1, &prefix) || prefix > 32)
			return false;
	}
	if (!ip4addr_aton(s, addr))
		return false;
	ip4_addr_set_u32(mask, prefix ? lwip_htonl(0xffffffffu << (32 - prefix)) : 0);
	return true;
}

static void wake_nop(struct ktimer *t)
{
}

/* Boot waits for DHCP's lease, bounded by net.dhcp_wait seconds; none ends the VM. */
static void wait_for_lease(struct netif *n, const char *name)
{
	char opt[16];
	uint64_t secs = 10, start = clock_monotonic_ns(), deadline;
	struct ktimer t = { .fn = wake_nop };

	if (cmdline_option("net.dhcp_wait", opt, sizeof(opt)) && kstrtou64(opt, &secs))
		printk_err("husk: net.dhcp_wait=%s is not a number of seconds\n", opt);
	deadline = start + secs * 1000000000ull;
	while (!dhcp_supplied_address(n)) {
		if (clock_monotonic_ns() >= deadline) {
			printk_err("husk: no DHCP answer on %s after %lu s\n", name, (unsigned long)secs);
			machine_exit(HUSK_STATUS_NONET);
		}
		ktimer_add(&t, deadline);
		sched_wait_interrupt();
		ktimer_cancel(&t);
	}
	if (!kernel_quiet) {
		char a[IPADDR_STRLEN_MAX];

		ip4addr_ntoa_r(netif_ip4_addr(n), a, sizeof(a));
		printk("husk: %s: %s/%d by DHCP after %lu ms\n", name, a,
		       net_prefix_len4(netif_ip4_netmask(n)),
		       (unsigned long)((clock_monotonic_ns() - start) / 1000000));
	}
}

static void configure(struct netif *n, const char *name)
{
	char ip[64], gw[64], dns[64];
	ip4_addr_t addr, mask, gwaddr;
	ip_addr_t dnsaddr;

	if (cmdline_option("net.dns", dns, sizeof(dns))) {
		if (ipaddr_aton(dns, &dnsaddr))
			dns_setserver(0, &dnsaddr);
		else
			printk_err("husk: net.dns=%s is not an address\n", dns);
	}
	if (!cmdline_option("net.ip", ip, sizeof(ip)) || !strcmp(ip, "dhcp")) {
		netif_set_status_callback(n, dhcp_status_cb);
		if (dhcp_start(n) != ERR_OK) {
			printk_err("husk: %s: cannot start DHCP\n", name);
			return;
		}
		net_kick();
		wait_for_lease(n, name);
		return;
	}
	if (!parse_cidr(ip, &addr, &mask)) {
		printk_err("husk: net.ip=%s is not ADDR/PREFIX or dhcp\n", ip);
		return;
	}
	ip4_addr_set_zero(&gwaddr);
	if (cmdline_option("net.gw", gw, sizeof(gw)) && !ip4addr_aton(gw, &gwaddr))
		printk_err("husk: net.gw=%s is not an address\n", gw);
	netif_set_addr(n, &addr, &mask, &gwaddr);
	write_resolv_conf();
}

void net_stack_start(void)
{
	struct list *it;

	if (started)
		return;
	started = true;
	/* lwIP's loopback interface ("lo", index 1) has 127.0.0.1/8 and ::1. */
	lwip_init();
	list_for_each(it, &netdev_list)
		netdev_attach(list_entry(it, struct netdev, link));
	if (!list_empty(&netdev_list)) {
		struct netdev *nd = list_entry(netdev_list.next, struct netdev, link);

		if (nd->stack)
			configure(nd->stack, nd->name);
	}
	net_kick();
}

void net_init(void)
{
	if (!list_empty(&netdev_list))
		net_stack_start();
}

/* ---- names and ioctls ---- */

int net_prefix_len4(const ip4_addr_t *mask)
{
	uint32_t m = lwip_ntohl(ip4_addr_get_u32(mask));
	int n = 0;

	while (m & 0x80000000u) {
		m <<= 1;
		n++;
	}
	return n;
}

struct netif *net_netif_by_index(int idx)
{
	if (idx <= 0 || idx > 255)
		return NULL;
	return netif_get_by_index((u8_t)idx);
}

void net_netif_name(const struct netif *n, char *buf, size_t size)
{
	struct netdev *nd = netdev_of(n);

	strlcpy(buf, nd ? nd->name : "lo", size);
}

unsigned net_netif_flags(const struct netif *n)
{
	unsigned f = 0;

	if (netif_is_up(n))
		f |= IFF_UP;
	if (netif_is_link_up(n))
		f |= IFF_RUNNING | IFF_LOWER_UP;
	if (!netdev_of(n))
		f |= IFF_LOOPBACK;
	else
		f |= IFF_BROADCAST | IFF_MULTICAST;
	return f;
}

/* struct ifreq and struct ifconf as Linux lays them out (40 and 16 bytes). */
struct k_ifreq {
	char name[16];
	union {
		struct sockaddr_in addr;
		struct {
			unsigned short family;
			uint8_t data[14];
		} hwaddr;
		short flags;
		int ivalue;
		uint8_t pad[24];
	};
};

struct k_ifconf {
	int len;
	int pad;
	void *buf;
};

static struct netif *netif_by_name(const char *name)
{
	struct netif *n;
	char buf[16];

	NETIF_FOREACH(n) {
		net_netif_name(n, buf, sizeof(buf));
		if (!strcmp(buf, name))
			return n;
	}
	return NULL;
}

static void fill_addr(struct sockaddr_in *sin, const ip4_addr_t *a)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = ip4_addr_get_u32(a);
}

static long ifconf(void *uarg)
{
	struct k_ifconf c;
	struct k_ifreq r;
	struct netif *n;
	int used = 0;

	if (copy_from_user(&c, uarg, sizeof(c)))
		return -EFAULT;
	NETIF_FOREACH(n) {
		if (ip4_addr_isany_val(*netif_ip4_addr(n)))
			continue;           /* Linux lists interfaces with an IPv4 address */
		if (c.buf) {
			if (used + (int)sizeof(r) > c.len)
				break;
			memset(&r, 0, sizeof(r));
			net_netif_name(n, r.name, sizeof(r.name));
			fill_addr(&r.addr, netif_ip4_addr(n));
			if (copy_to_user((char *)c.buf + used, &r, sizeof(r)))
				return -EFAULT;
		}
		used += sizeof(r);
	}
	c.len = used;
	return copy_to_user(uarg, &c, sizeof(c));
}

long net_ifioctl(unsigned long cmd, unsigned long arg)
{
	void *uarg = (void *)arg;
	struct k_ifreq r;
	struct netif *n;
	struct netdev *nd;

	switch (cmd) {
	case SIOCGIFCONF:
		net_stack_start();
		return ifconf(uarg);
	case SIOCGIFNAME:
	case SIOCGIFINDEX:
	case SIOCGIFFLAGS:
	case SIOCGIFADDR:
	case SIOCGIFNETMASK:
	case SIOCGIFBRDADDR:
	case SIOCGIFHWADDR:
	case SIOCGIFMTU:
		break;
	default:
		return -ENOTTY;
	}
	net_stack_start();
	if (copy_from_user(&r, uarg, sizeof(r)))
		return -EFAULT;
	r.name[sizeof(r.name) - 1] = 0;
	n = cmd == SIOCGIFNAME ? net_netif_by_index(r.ivalue) : netif_by_name(r.name);
	if (!n)
		return -ENODEV;
	nd = netdev_of(n);
	switch (cmd) {
	case SIOCGIFNAME:
		net_netif_name(n, r.name, sizeof(r.name));
		break;
	case SIOCGIFINDEX:
		r.ivalue = netif_get_index(n);
		break;
	case SIOCGIFFLAGS:
		r.flags = (short)net_netif_flags(n);
		break;
	case SIOCGIFADDR:
	case SIOCGIFNETMASK:
	case SIOCGIFBRDADDR:
		if (ip4_addr_isany_val(*netif_ip4_addr(n)))
			return -EADDRNOTAVAIL;
		if (cmd == SIOCGIFADDR) {
			fill_addr(&r.addr, netif_ip4_addr(n));
		} else if (cmd == SIOCGIFNETMASK) {
			fill_addr(&r.addr, netif_ip4_netmask(n));
		} else {
			ip4_addr_t b;

			ip4_addr_set_u32(&b, ip4_addr_get_u32(netif_ip4_addr(n)) | ~ip4_addr_get_u32(netif_ip4_netmask(n)));
			fill_addr(&r.addr, &b);
		}
		break;
	case SIOCGIFHWADDR:
		memset(&r.hwaddr, 0, sizeof(r.hwaddr));
		r.hwaddr.family = nd ? ARPHRD_ETHER : ARPHRD_LOOPBACK;
		if (nd)
			memcpy(r.hwaddr.data, nd->mac, 6);
		break;
	case SIOCGIFMTU:
		r.ivalue = nd ? (int)n->mtu : 65536;
		break;
	}
	return copy_to_user(uarg, &r, sizeof(r));
}
