/* SPDX-License-Identifier: MIT */
/* net_dhcp.c: eth0 configured by DHCP from QEMU's user-mode network (a private network inside QEMU): address, netmask, /etc/resolv.conf, IPv6 link-local and SLAAC addresses; TCP through the NIC to an echo (QEMU's guestfwd runs cat: no host network) and to eth0's own address; no answer ends the VM with a clear message. */
// husk-test: name=mmio opts="--verbose" mem=128M qemu="-netdev user,id=n0,net=10.0.2.0/24,ipv6-net=fec0::/64,guestfwd=tcp:10.0.2.100:7-cmd:cat -device virtio-net-device,netdev=n0,mac=52:54:00:12:34:56" expect="SUCCESS" kexpect="husk: eth0: 10.0.2.15/24 by DHCP"
// husk-test: name=pci machine=q35 mem=128M qemu="-netdev user,id=n0,net=10.0.2.0/24,ipv6-net=fec0::/64,guestfwd=tcp:10.0.2.100:7-cmd:cat -device virtio-net-pci,netdev=n0,mac=52:54:00:12:34:57" expect="SUCCESS"
// husk-test: name=user args=nofwd opts="--net user" mem=128M expect="SUCCESS" backends=qemu,vmm
// husk-test: name=noanswer qemu="-netdev hubport,id=n0,hubid=7 -device virtio-net-device,netdev=n0" status=69 kexpect="husk: no DHCP answer on eth0 after 10 s"
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

/* Looks for eth0's addresses; returns how many of the three wanted ones it has. */
static int scan(int *v4, int *ll, int *slaac, int verbose)
{
	struct ifaddrs *ifa, *i;
	char txt[64];

	*v4 = *ll = *slaac = 0;
	if (getifaddrs(&ifa))
		return 0;
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr || strcmp(i->ifa_name, "eth0"))
			continue;
		if (i->ifa_addr->sa_family == AF_INET) {
			struct sockaddr_in *a = (void *)i->ifa_addr, *m = (void *)i->ifa_netmask;

			inet_ntop(AF_INET, &a->sin_addr, txt, sizeof(txt));
			if (!strcmp(txt, "10.0.2.15") && m && m->sin_addr.s_addr == htonl(0xffffff00))
				*v4 = 1;
			CHECK((i->ifa_flags & (IFF_UP | IFF_RUNNING | IFF_BROADCAST)) == (IFF_UP | IFF_RUNNING | IFF_BROADCAST),
			      "eth0 flags %x", i->ifa_flags);
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			struct sockaddr_in6 *a = (void *)i->ifa_addr;

			inet_ntop(AF_INET6, &a->sin6_addr, txt, sizeof(txt));
			/* Both come from the MAC 52:54:00:xx:xx:xx (QEMU's and husk's) by EUI-64. */
			if (!strncmp(txt, "fe80::5054:ff:fe", 16))
				*ll = 1;
			if (!strncmp(txt, "fec0::5054:ff:fe", 16))
				*slaac = 1;
		} else {
			continue;
		}
		if (verbose)
			printf("eth0 %s\n", txt);
	}
	freeifaddrs(ifa);
	return *v4 + *ll + *slaac;
}

static unsigned char out[256 * 1024], in[256 * 1024];

static void *sender(void *arg)
{
	int fd = *(int *)arg;
	size_t off = 0;

	while (off < sizeof(out)) {
		ssize_t w = write(fd, out + off, sizeof(out) - off);

		CHECK(w > 0, "write: %s", strerror(errno));
		if (w <= 0)
			break;
		off += w;
	}
	return NULL;
}

/* Sends 256 KiB to addr:port and expects the same bytes back (from cat, or from our own echo thread). */
static void echo_through(const char *addr, int port, const char *what)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	size_t got = 0;
	pthread_t t;

	for (size_t i = 0; i < sizeof(out); i++)
		out[i] = (unsigned char)(i * 7 + i / 251);
	inet_pton(AF_INET, addr, &a.sin_addr);
	CHECK(connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0, "%s: connect: %s", what, strerror(errno));
	pthread_create(&t, NULL, sender, &fd);
	while (got < sizeof(in)) {
		ssize_t r = read(fd, in + got, sizeof(in) - got);

		if (r <= 0)
			break;
		got += r;
	}
	pthread_join(t, NULL);
	CHECK(got == sizeof(in) && memcmp(in, out, sizeof(in)) == 0, "%s: %zu of %zu bytes came back intact", what, got, sizeof(in));
	printf("%s: %zu bytes echoed\n", what, got);
	close(fd);
}

static void *self_echo(void *arg)
{
	int l = *(int *)arg, c = accept(l, NULL, NULL);
	static unsigned char buf[16384];
	ssize_t r;

	while ((r = read(c, buf, sizeof(buf))) > 0)
		if (write(c, buf, r) != r)
			break;
	close(c);
	return NULL;
}

int main(int argc, char **argv)
{
	char buf[256] = "";
	int fd, v4, ll, slaac, n;
	struct timespec ts = { 0, 100 * 1000 * 1000 };

	/* The kernel waited for the IPv4 lease before starting us; IPv6 addresses wait for DAD (about a second). */
	CHECK(scan(&v4, &ll, &slaac, 0) >= 1 && v4, "no 10.0.2.15/24 on eth0 at start");
	for (int i = 0; i < 100 && scan(&v4, &ll, &slaac, 0) < 3; i++)
		nanosleep(&ts, NULL);
	scan(&v4, &ll, &slaac, 1);
	CHECK(v4 && ll && slaac, "eth0: IPv4 %d, link-local %d, SLAAC %d", v4, ll, slaac);
	fd = open("/etc/resolv.conf", O_RDONLY);
	CHECK(fd >= 0, "/etc/resolv.conf: %s", strerror(errno));
	n = read(fd, buf, sizeof(buf) - 1);
	CHECK(n > 0 && strstr(buf, "nameserver 10.0.2.3\n"), "resolv.conf: %s", buf);
	close(fd);

	/* Through the NIC and QEMU's TCP stack (which checks our checksums) to cat; not with husk's --net user. */
	if (argc < 2 || strcmp(argv[1], "nofwd"))
		echo_through("10.0.2.100", 7, "guestfwd cat");
	/* To our own eth0 address: lwIP loops it back without the NIC. */
	{
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(7007) };
		int l = socket(AF_INET, SOCK_STREAM, 0);
		pthread_t t;

		CHECK(bind(l, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(l, 1) == 0, "listen: %s", strerror(errno));
		pthread_create(&t, NULL, self_echo, &l);
		echo_through("10.0.2.15", 7007, "own address");
		pthread_join(t, NULL);
		close(l);
	}
	return check_finish("net_dhcp");
}
