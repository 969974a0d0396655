/* SPDX-License-Identifier: MIT */
/* pipes.c: pipe capacity (64 KiB, F_GETPIPE_SZ/F_SETPIPE_SZ with data kept across a resize), PIPE_BUF atomicity, and 8 MiB through a 3-process pipeline byte for byte. */
// husk-test: status=0 expect="SUCCESS" expect="pipeline: 8388608 bytes" timeout=300
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"

/* The byte at position i of every stream here. */
static unsigned char pattern(uint64_t i)
{
	return (unsigned char)(i * 7 + (i >> 12));
}

/* Writes bytes [from, from+n) of the pattern without blocking; the count written, or -errno. */
static long put(int fd, uint64_t from, size_t n)
{
	unsigned char buf[4096];
	size_t done = 0;

	while (done < n) {
		size_t k = n - done < sizeof(buf) ? n - done : sizeof(buf);
		for (size_t i = 0; i < k; i++)
			buf[i] = pattern(from + done + i);
		ssize_t w = write(fd, buf, k);
		if (w < 0)
			return done ? (long)done : -errno;
		done += w;
		if ((size_t)w < k)
			break;
	}
	return done;
}

/* Reads n bytes and checks they are the pattern from position from on; the count that matched. */
static size_t take(int fd, uint64_t from, size_t n)
{
	unsigned char buf[4096];
	size_t done = 0;

	while (done < n) {
		size_t k = n - done < sizeof(buf) ? n - done : sizeof(buf);
		ssize_t r = read(fd, buf, k);
		if (r <= 0)
			break;
		for (ssize_t i = 0; i < r; i++)
			if (buf[i] != pattern(from + done + i))
				return done + i;
		done += r;
	}
	return done;
}

static void test_capacity(void)
{
	int p[2], fd;
	long n;

	CHECK(pipe2(p, O_NONBLOCK) == 0, "pipe2");
	CHECK(fcntl(p[0], F_GETPIPE_SZ) == 65536 && fcntl(p[1], F_GETPIPE_SZ) == 65536,
	      "a new pipe holds %d bytes, wanted 65536", fcntl(p[0], F_GETPIPE_SZ));
	n = put(p[1], 0, 200000);
	CHECK(n == 65536, "a full pipe took %ld bytes, wanted 65536", n);
	CHECK(put(p[1], n, 1) == -EAGAIN, "a write to a full pipe did not fail with EAGAIN");

	/* Move the ring's start, then fill again so the data wraps round the end of the buffer. */
	/* (Whole pages: Linux counts a pipe's capacity in page buffers.) */
	CHECK(take(p[0], 0, 8192) == 8192, "first 8192 bytes");
	CHECK(put(p[1], 65536, 8192) == 8192, "refill 8192 bytes");
	CHECK(fcntl(p[1], F_SETPIPE_SZ, 4096) == -1 && errno == EBUSY, "shrinking below the data held: errno %d", errno);
	CHECK(fcntl(p[1], F_SETPIPE_SZ, 100000) == 131072, "F_SETPIPE_SZ 100000: %s", strerror(errno));
	CHECK(fcntl(p[0], F_GETPIPE_SZ) == 131072, "both ends see the new size");
	n = put(p[1], 73728, 200000);
	CHECK(n == 65536, "the grown pipe took %ld more bytes, wanted 65536", n);
	CHECK(take(p[0], 8192, 131072) == 131072, "the data kept across the resize is out of order or lost");

	/* A page is the least; PIPE_BUF writes are all or nothing. */
	CHECK(fcntl(p[1], F_SETPIPE_SZ, 0) == 4096, "F_SETPIPE_SZ 0: %s", strerror(errno));
	CHECK(put(p[1], 0, 200) == 200, "200 bytes");
	CHECK(put(p[1], 200, 4000) == -EAGAIN, "4000 bytes into 3896 free were not refused whole");
	CHECK(put(p[1], 200, 3896) == 3896, "the rest of the page");
	CHECK(take(p[0], 0, 4096) == 4096, "the page's bytes");

	CHECK(fcntl(p[1], F_SETPIPE_SZ, 3u << 30) == -1 && errno == EINVAL, "3 GiB: errno %d", errno);
	/* Linux lets a privileged process past pipe-max-size; husk does not. */
	if (!check_native())
		CHECK(fcntl(p[1], F_SETPIPE_SZ, 2 << 20) == -1 && errno == EPERM, "2 MiB: errno %d", errno);
	fd = open("/proc/self/exe", O_RDONLY);
	CHECK(fcntl(fd, F_GETPIPE_SZ) == -1 && errno == EBADF, "F_GETPIPE_SZ on a file: errno %d", errno);
	close(fd);
	close(p[0]);
	close(p[1]);
}

/*
 * 8 MiB from a writer (odd write sizes, up to 100 KiB, larger than the
 * pipe) through a copier (reads of up to 64 KiB) to a reader (reads of
 * 1000 bytes) that checks every byte: blocking both ways, wake-ups once
 * per write.
 */
static void test_pipeline(void)
{
	const uint64_t total = 8 << 20;
	int a[2], b[2];
	pid_t w, c;

	CHECK(pipe(a) == 0 && pipe(b) == 0, "pipes");
	w = fork();
	if (w == 0) {
		static unsigned char buf[100000];
		uint64_t at = 0;
		size_t k = 1;

		close(a[0]);
		close(b[0]);
		close(b[1]);
		while (at < total) {
			k = (k * 37 + 11) % sizeof(buf) + 1;
			if (k > total - at)
				k = total - at;
			for (size_t i = 0; i < k; i++)
				buf[i] = pattern(at + i);
			if (write(a[1], buf, k) != (ssize_t)k)
				_exit(1);
			at += k;
		}
		_exit(0);
	}
	c = fork();
	if (c == 0) {
		static unsigned char buf[65536];
		ssize_t r;

		close(a[1]);
		close(b[0]);
		while ((r = read(a[0], buf, sizeof(buf))) > 0)
			for (ssize_t off = 0; off < r;) {
				ssize_t k = write(b[1], buf + off, r - off);
				if (k <= 0)
					_exit(1);
				off += k;
			}
		_exit(r < 0);
	}
	close(a[0]);
	close(a[1]);
	close(b[1]);
	uint64_t got = 0;
	unsigned char buf[1000];
	ssize_t r;
	int bad = 0, st;
	while ((r = read(b[0], buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < r && !bad; i++)
			bad = buf[i] != pattern(got + i);
		got += r;
	}
	close(b[0]);
	CHECK(!bad && got == total, "the reader got %llu bytes%s", (unsigned long long)got, bad ? ", not in order" : "");
	CHECK(waitpid(w, &st, 0) == w && WIFEXITED(st) && WEXITSTATUS(st) == 0, "writer status %#x", st);
	CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0, "copier status %#x", st);
	if (!bad)
		printf("pipeline: %llu bytes\n", (unsigned long long)got);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	test_capacity();
	test_pipeline();
	return check_finish("pipes");
}
