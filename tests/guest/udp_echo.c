/* SPDX-License-Identifier: MIT */
/* udp_echo.c: a UDP echo server on port 7001 over IPv4 and IPv6, for tests/net/husk_tap_udp.sh (no husk-test line: it needs a client): echoes every datagram, prints the first per family, exits 0 once both families were seen and 5 s passed with no more datagrams (an echo lost while the guest resolved the client's address is answered on the client's retry). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int bound(int family)
{
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_port = htons(7001) };
	struct sockaddr_in s4 = { .sin_family = AF_INET, .sin_port = htons(7001) };
	int one = 1, fd = socket(family, SOCK_DGRAM, 0);

	if (fd < 0) {
		printf("udp_echo: socket: %s\n", strerror(errno));
		return -1;
	}
	if (family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (family == AF_INET6 ? bind(fd, (void *)&s6, sizeof(s6)) : bind(fd, (void *)&s4, sizeof(s4))) {
		printf("udp_echo: bind: %s\n", strerror(errno));
		return -1;
	}
	return fd;
}

int main(void)
{
	struct pollfd p[2] = { { .fd = bound(AF_INET), .events = POLLIN },
			       { .fd = bound(AF_INET6), .events = POLLIN } };
	int seen[2] = { 0, 0 };

	if (p[0].fd < 0 || p[1].fd < 0)
		return 1;
	printf("udp_echo: listening on port 7001\n");
	fflush(stdout);
	for (;;) {
		int ready = poll(p, 2, seen[0] && seen[1] ? 5000 : -1);

		if (ready == 0)
			break;
		if (ready < 0) {
			printf("udp_echo: poll: %s\n", strerror(errno));
			return 1;
		}
		for (int i = 0; i < 2; i++) {
			struct sockaddr_storage from;
			socklen_t len = sizeof(from);
			char buf[2048];
			ssize_t n;

			if (!(p[i].revents & POLLIN))
				continue;
			n = recvfrom(p[i].fd, buf, sizeof(buf), 0, (void *)&from, &len);
			if (n < 0) {
				printf("udp_echo: recvfrom: %s\n", strerror(errno));
				return 1;
			}
			if (sendto(p[i].fd, buf, n, 0, (void *)&from, len) != n) {
				printf("udp_echo: sendto: %s\n", strerror(errno));
				return 1;
			}
			if (!seen[i])
				printf("udp_echo: IPv%d: %.*s", i ? 6 : 4, (int)n, buf);
			fflush(stdout);
			seen[i] = 1;
		}
	}
	return 0;
}
