/* SPDX-License-Identifier: MIT */
/* netifs.c: the network interfaces as a program sees them: getifaddrs and if_nameindex (NETLINK_ROUTE underneath), SIOCGIF* ioctls, a route dump. */
// husk-test: status=0 expect="SUCCESS" backends=qemu,vmm
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"

/* The netlink ABI (linux/netlink.h and linux/rtnetlink.h, which musl-gcc does not see). */
struct nlmsghdr {
	uint32_t nlmsg_len;
	uint16_t nlmsg_type, nlmsg_flags;
	uint32_t nlmsg_seq, nlmsg_pid;
};
struct nlmsgerr {
	int error;
	struct nlmsghdr msg;
};
struct rtmsg {
	unsigned char rtm_family, rtm_dst_len, rtm_src_len, rtm_tos, rtm_table, rtm_protocol, rtm_scope, rtm_type;
	unsigned rtm_flags;
};
struct rtattr {
	unsigned short rta_len, rta_type;
};
#ifndef NETLINK_ROUTE
#define NETLINK_ROUTE 0
#endif
#define NLM_F_REQUEST 1
#define NLM_F_ACK 4
#define NLM_F_DUMP 0x300
#define NLMSG_ERROR 2
#define NLMSG_DONE 3
#define RTM_NEWADDR 20
#define RTM_NEWROUTE 24
#define RTM_GETROUTE 26
#define RTN_LOCAL 2
#define RTA_DST 1
#define RTA_OIF 4
#define NLMSG_ALIGN(len) (((len) + 3) & ~3u)
#define NLMSG_HDRLEN ((int)NLMSG_ALIGN(sizeof(struct nlmsghdr)))
#define NLMSG_DATA(h) ((void *)((char *)(h) + NLMSG_HDRLEN))
#define NLMSG_OK(h, len) ((len) >= (int)sizeof(struct nlmsghdr) && (h)->nlmsg_len >= sizeof(struct nlmsghdr) && \
			  (h)->nlmsg_len <= (unsigned)(len))
#define NLMSG_NEXT(h, len) ((len) -= NLMSG_ALIGN((h)->nlmsg_len), (struct nlmsghdr *)((char *)(h) + NLMSG_ALIGN((h)->nlmsg_len)))
#define RTA_ALIGN(len) (((len) + 3) & ~3u)
#define RTA_OK(a, len) ((len) >= (int)sizeof(struct rtattr) && (a)->rta_len >= sizeof(struct rtattr) && (a)->rta_len <= (len))
#define RTA_NEXT(a, len) ((len) -= RTA_ALIGN((a)->rta_len), (struct rtattr *)((char *)(a) + RTA_ALIGN((a)->rta_len)))
#define RTA_DATA(a) ((void *)((char *)(a) + RTA_ALIGN(sizeof(struct rtattr))))
#define RTM_RTA(r) ((struct rtattr *)((char *)(r) + NLMSG_ALIGN(sizeof(struct rtmsg))))
#define RTM_PAYLOAD(h) ((int)((h)->nlmsg_len - NLMSG_ALIGN(NLMSG_HDRLEN + sizeof(struct rtmsg))))

static void test_getifaddrs(void)
{
	struct ifaddrs *ifa, *i;
	int lo4 = 0, lo6 = 0;
	char txt[64];

	CHECK(getifaddrs(&ifa) == 0, "getifaddrs: %s", strerror(errno));
	if (!ifa)
		return;
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr)
			continue;
		if (i->ifa_addr->sa_family == AF_INET) {
			inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, txt, sizeof(txt));
			printf("%s inet %s\n", i->ifa_name, txt);
			if (!strcmp(i->ifa_name, "lo") && !strcmp(txt, "127.0.0.1")) {
				lo4++;
				CHECK((i->ifa_flags & (IFF_UP | IFF_LOOPBACK)) == (IFF_UP | IFF_LOOPBACK), "lo flags %x", i->ifa_flags);
				CHECK(i->ifa_netmask && ((struct sockaddr_in *)i->ifa_netmask)->sin_addr.s_addr == htonl(0xff000000),
				      "lo netmask");
			}
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, txt, sizeof(txt));
			printf("%s inet6 %s\n", i->ifa_name, txt);
			if (!strcmp(i->ifa_name, "lo") && !strcmp(txt, "::1"))
				lo6++;
		}
	}
	CHECK(lo4 == 1, "lo has 127.0.0.1 %d times", lo4);
	CHECK(lo6 == 1, "lo has ::1 %d times", lo6);
	freeifaddrs(ifa);
}

static void test_nameindex(void)
{
	struct if_nameindex *ni = if_nameindex(), *p;
	int found = 0;

	CHECK(ni != NULL, "if_nameindex: %s", strerror(errno));
	for (p = ni; p && p->if_index; p++)
		if (!strcmp(p->if_name, "lo"))
			found = p->if_index;
	CHECK(found > 0 && if_nametoindex("lo") == (unsigned)found, "lo index %d", found);
	if (ni)
		if_freenameindex(ni);
}

static void test_ioctls(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct ifreq r[8], q;
	struct ifconf c = { .ifc_len = sizeof(r), .ifc_req = r };
	int lo = 0;

	CHECK(ioctl(fd, SIOCGIFCONF, &c) == 0, "SIOCGIFCONF: %s", strerror(errno));
	for (int i = 0; i < c.ifc_len / (int)sizeof(struct ifreq); i++)
		if (!strcmp(r[i].ifr_name, "lo") &&
		    ((struct sockaddr_in *)&r[i].ifr_addr)->sin_addr.s_addr == htonl(INADDR_LOOPBACK))
			lo++;
	CHECK(lo == 1, "SIOCGIFCONF lists lo with 127.0.0.1 %d times", lo);
	memset(&q, 0, sizeof(q));
	strcpy(q.ifr_name, "lo");
	CHECK(ioctl(fd, SIOCGIFFLAGS, &q) == 0 && (q.ifr_flags & IFF_LOOPBACK) && (q.ifr_flags & IFF_UP),
	      "SIOCGIFFLAGS lo: %x", q.ifr_flags);
	CHECK(ioctl(fd, SIOCGIFMTU, &q) == 0 && q.ifr_mtu == 65536, "SIOCGIFMTU lo: %d", q.ifr_mtu);
	CHECK(ioctl(fd, SIOCGIFINDEX, &q) == 0 && q.ifr_ifindex == (int)if_nametoindex("lo"), "SIOCGIFINDEX: %d", q.ifr_ifindex);
	memset(q.ifr_name, 0, sizeof(q.ifr_name));
	CHECK(ioctl(fd, SIOCGIFNAME, &q) == 0 && !strcmp(q.ifr_name, "lo"), "SIOCGIFNAME: %s", q.ifr_name);
	strcpy(q.ifr_name, "nosuch0");
	CHECK(ioctl(fd, SIOCGIFFLAGS, &q) == -1 && errno == ENODEV, "an unknown interface: %s", strerror(errno));
	close(fd);
}

/* A raw RTM_GETROUTE dump: 127.0.0.1 is a local route on lo; a change request gets NLMSG_ERROR (husk: EOPNOTSUPP; Linux: EINVAL for this malformed one). */
static void test_routes(void)
{
	struct {
		struct nlmsghdr h;
		struct rtmsg r;
	} req = { { sizeof(req), RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP, 7, 0 }, { .rtm_family = AF_INET } };
	static char buf[16384];
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE), local = 0, done = 0, len;
	unsigned lo = if_nametoindex("lo");
	ssize_t n;

	CHECK(fd >= 0, "netlink socket: %s", strerror(errno));
	CHECK(send(fd, &req, sizeof(req), 0) == sizeof(req), "send: %s", strerror(errno));
	while (!done && (n = recv(fd, buf, sizeof(buf), 0)) > 0) {
		len = (int)n;
		for (struct nlmsghdr *h = (void *)buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
			struct rtmsg *r = NLMSG_DATA(h);
			int alen = RTM_PAYLOAD(h);
			unsigned oif = 0;
			struct in_addr dst = { 0 };

			if (h->nlmsg_type == NLMSG_DONE) {
				done = 1;
				break;
			}
			CHECK(h->nlmsg_type == RTM_NEWROUTE && h->nlmsg_seq == 7, "type %d seq %u", h->nlmsg_type, h->nlmsg_seq);
			for (struct rtattr *a = RTM_RTA(r); RTA_OK(a, alen); a = RTA_NEXT(a, alen)) {
				if (a->rta_type == RTA_OIF)
					oif = *(unsigned *)RTA_DATA(a);
				if (a->rta_type == RTA_DST)
					memcpy(&dst, RTA_DATA(a), 4);
			}
			if (r->rtm_type == RTN_LOCAL && r->rtm_dst_len == 32 && dst.s_addr == htonl(INADDR_LOOPBACK) && oif == lo)
				local++;
		}
	}
	CHECK(done && local == 1, "route dump: done %d, local 127.0.0.1 routes %d", done, local);

	req.h.nlmsg_type = RTM_NEWADDR;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	CHECK(send(fd, &req, sizeof(req), 0) == sizeof(req), "send: %s", strerror(errno));
	n = recv(fd, buf, sizeof(buf), 0);
	CHECK(n > 0 && ((struct nlmsghdr *)buf)->nlmsg_type == NLMSG_ERROR &&
	      ((struct nlmsgerr *)NLMSG_DATA((struct nlmsghdr *)buf))->error < 0,
	      "a change request: %zd bytes", n);
	close(fd);
}

int main(void)
{
	test_getifaddrs();
	test_nameindex();
	test_ioctls();
	test_routes();
	return check_finish("netifs");
}
