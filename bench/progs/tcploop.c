/* SPDX-License-Identifier: MIT */
/* tcploop.c: TCP over 127.0.0.1 between two threads: a bulk transfer and a run of connections, timed with RDTSC (guest instructions under QEMU -icount). */
/*
 * Prints "tcploop: bulk bytes=B tsc=T" and "tcploop: conns n=N tsc=T".
 * Under QEMU "-icount shift=0,sleep=off" RDTSC counts guest instructions
 * (bench/progs/icount.c), so T is deterministic work, whatever kernel runs
 * underneath.  As /init of a Linux guest, it first brings lo up (Linux
 * starts with it down); husk's lo is always up and the ioctl just fails.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define BULK (16 << 20)
#define CHUNK 65536
#define CONNS 200

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static int listener(struct sockaddr_in *a)
{
	socklen_t len = sizeof(*a);
	int l = socket(AF_INET, SOCK_STREAM, 0);

	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (l < 0 || bind(l, (struct sockaddr *)a, sizeof(*a)) || listen(l, 256) ||
	    getsockname(l, (struct sockaddr *)a, &len)) {
		perror("tcploop: listener");
		exit(1);
	}
	return l;
}

static void *sink(void *arg)
{
	static char buf[CHUNK];
	int c = accept(*(int *)arg, NULL, NULL);
	long total = 0;
	ssize_t n;

	while ((n = read(c, buf, sizeof(buf))) > 0)
		total += n;
	close(c);
	return (void *)total;
}

static void *acceptor(void *arg)
{
	for (int i = 0; i < CONNS; i++) {
		int c = accept(*(int *)arg, NULL, NULL);

		if (c < 0) {
			perror("tcploop: accept");
			exit(1);
		}
		close(c);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	static char buf[CHUNK];
	struct sockaddr_in a;
	struct ifreq r;
	pthread_t t;
	uint64_t t0, t1;
	void *got;
	int l, c, s;
	size_t chunk = argc > 1 ? (size_t)atoi(argv[1]) : CHUNK;

	memset(&r, 0, sizeof(r));
	strcpy(r.ifr_name, "lo");
	s = socket(AF_INET, SOCK_DGRAM, 0);
	if (ioctl(s, SIOCGIFFLAGS, &r) == 0 && !(r.ifr_flags & IFF_UP)) {
		r.ifr_flags |= IFF_UP;
		ioctl(s, SIOCSIFFLAGS, &r);
	}
	close(s);

	l = listener(&a);
	pthread_create(&t, NULL, sink, &l);
	c = socket(AF_INET, SOCK_STREAM, 0);
	memset(buf, 'x', sizeof(buf));
	t0 = rdtsc();
	if (connect(c, (struct sockaddr *)&a, sizeof(a))) {
		perror("tcploop: connect");
		return 1;
	}
	for (long sent = 0; sent < BULK;) {
		ssize_t w = write(c, buf, chunk < (size_t)(BULK - sent) ? chunk : (size_t)(BULK - sent));

		if (w <= 0) {
			perror("tcploop: write");
			return 1;
		}
		sent += w;
	}
	close(c);
	pthread_join(t, &got);
	t1 = rdtsc();
	if ((long)got != BULK) {
		fprintf(stderr, "tcploop: %ld of %d bytes arrived\n", (long)got, BULK);
		return 1;
	}
	printf("tcploop: bulk bytes=%d tsc=%llu\n", BULK, (unsigned long long)(t1 - t0));

	pthread_create(&t, NULL, acceptor, &l);
	t0 = rdtsc();
	for (int i = 0; i < CONNS; i++) {
		c = socket(AF_INET, SOCK_STREAM, 0);
		if (connect(c, (struct sockaddr *)&a, sizeof(a))) {
			perror("tcploop: connect");
			return 1;
		}
		close(c);
	}
	pthread_join(t, NULL);
	t1 = rdtsc();
	printf("tcploop: conns n=%d tsc=%llu\n", CONNS, (unsigned long long)(t1 - t0));
	close(l);
	fflush(stdout);
	return 0;
}
