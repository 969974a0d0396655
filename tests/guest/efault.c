/* SPDX-License-Identifier: MIT */
/* efault.c: a bad user buffer inside a system call is EFAULT, not a killed program: a buffer unmapped while read() blocks, a shared mapping past the end of its file, paths that run into such pages. */
// husk-test: status=0 expect="SUCCESS" backends=qemu,vmm
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>
#include "check.h"

#define PAGE 4096

static int p[2];
static char *volatile rbuf;
static volatile int entered;
static long rret;
static int rerr;

static void *reader(void *arg)
{
	(void)arg;
	entered = 1;
	rret = read(p[0], rbuf, 64);
	rerr = errno;
	return NULL;
}

/* A buffer unmapped by another thread while read() sleeps: EFAULT, and the
 * data stays in the pipe. */
static void unmapped_while_blocked(void)
{
	pthread_t t;
	char back[8] = { 0 };

	CHECK(pipe(p) == 0, "pipe");
	rbuf = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(rbuf != MAP_FAILED, "mmap");
	pthread_create(&t, NULL, reader, NULL);
	while (!entered)
		usleep(1000);
	usleep(150 * 1000);
	CHECK(munmap(rbuf, PAGE) == 0, "munmap");
	CHECK(write(p[1], "data", 4) == 4, "write");
	pthread_join(t, NULL);
	CHECK(rret == -1 && rerr == EFAULT, "read into a buffer unmapped meanwhile -> %ld (%s)", rret, strerror(rerr));
	CHECK(read(p[0], back, 4) == 4 && memcmp(back, "data", 4) == 0, "the data stayed in the pipe");
	close(p[0]);
	close(p[1]);
}

/* A MAP_SHARED page past the end of its file. */
static void shared_past_eof(void)
{
	int fd = open("/tmp/efault_file", O_CREAT | O_RDWR | O_TRUNC, 0644), out, q[2];
	char *map, *beyond, path[32];

	CHECK(fd >= 0 && write(fd, "0123456789", 10) == 10, "file");
	map = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(map != MAP_FAILED, "mmap shared: %s", strerror(errno));
	beyond = map + PAGE;

	/* write() from it, to a pipe and to a file */
	CHECK(pipe(q) == 0, "pipe");
	errno = 0;
	CHECK(write(q[1], beyond, 16) == -1 && errno == EFAULT, "write to a pipe from past EOF: %s", strerror(errno));
	out = open("/tmp/efault_out", O_CREAT | O_RDWR | O_TRUNC, 0644);
	errno = 0;
	CHECK(write(out, beyond, 16) == -1 && errno == EFAULT, "write to a file from past EOF: %s", strerror(errno));
	/* Part of the buffer is good: a short write of that part, or EFAULT (Linux writes the part). */
	{
		long n = write(out, beyond - 4, 8);

		CHECK(n == 4 || (n == -1 && errno == EFAULT), "write across EOF -> %ld (%s)", n, strerror(errno));
	}
	/* read() into it */
	CHECK(lseek(out, 0, SEEK_SET) == 0 && write(out, "abcdefgh", 8) == 8 && lseek(out, 0, SEEK_SET) == 0, "out");
	errno = 0;
	CHECK(read(out, beyond, 8) == -1 && errno == EFAULT, "read into past EOF: %s", strerror(errno));
	/* a path there: the kernel reads it byte by byte */
	errno = 0;
	CHECK(open(beyond, O_RDONLY) == -1 && errno == EFAULT, "open(path past EOF): %s", strerror(errno));
	/* a path that starts in the file and runs past EOF without a NUL */
	memset(map + PAGE - 10, 'a', 10);
	errno = 0;
	CHECK(open(map + PAGE - 10, O_RDONLY) == -1 && errno == EFAULT, "open(path running past EOF): %s",
	      strerror(errno));
	/* a struct the kernel writes: fstat */
	errno = 0;
	CHECK(syscall(SYS_fstat, fd, beyond) == -1 && errno == EFAULT, "fstat into past EOF: %s", strerror(errno));
	/* writev with one good and one bad buffer: the good part, or EFAULT */
	{
		struct iovec iov[2] = { { "good", 4 }, { beyond, 4 } };
		long n = writev(q[1], iov, 2);

		CHECK(n == 4 || (n == -1 && errno == EFAULT), "writev good+bad -> %ld (%s)", n, strerror(errno));
	}
	snprintf(path, sizeof(path), "/tmp/efault_file");
	CHECK(access(path, F_OK) == 0, "still alive and working");
	munmap(map, 2 * PAGE);
	close(out);
	close(fd);
	close(q[0]);
	close(q[1]);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	unmapped_while_blocked();
	shared_past_eof();
	return check_finish("efault");
}
