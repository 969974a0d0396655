/* SPDX-License-Identifier: MIT */
/* etxtbsy.c: a running program's file refuses writers (open for writing, O_TRUNC, truncate) with ETXTBSY, and takes them again once no process runs it. */
// husk-test: status=0 expect="etxtbsy: ok" expect="SUCCESS" backends=qemu,vmm timeout=300
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"

#define COPY "/tmp/etxtbsy-copy"

/* Copies /proc/self/exe to COPY, executable. */
static int copy_self(void)
{
	char buf[65536];
	int in = open("/proc/self/exe", O_RDONLY), out = open(COPY, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	ssize_t n;

	if (in < 0 || out < 0)
		return -1;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n)
			return -1;
	close(in);
	return close(out) || n < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "child")) {
		/* Running COPY: say so on the pipe, then wait for the parent's word. */
		int fd = atoi(argv[2]);
		char c;
		if (write(fd, "r", 1) != 1 || read(fd, &c, 1) != 1)
			return 3;
		return 0;
	}

	errno = 0;
	CHECK(open("/proc/self/exe", O_WRONLY) == -1 && errno == ETXTBSY, "own file opened for writing: errno %d",
	      errno);
	CHECK(copy_self() == 0, "copy of the program: errno %d", errno);

	int sv[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
	pid_t pid = fork();
	if (pid == 0) {
		char arg[16];
		close(sv[0]);
		snprintf(arg, sizeof(arg), "%d", sv[1]);
		execl(COPY, COPY, "child", arg, (char *)NULL);
		_exit(127);
	}
	close(sv[1]);
	char c = 0;
	CHECK(read(sv[0], &c, 1) == 1 && c == 'r', "the child did not start");
	errno = 0;
	CHECK(open(COPY, O_WRONLY) == -1 && errno == ETXTBSY, "O_WRONLY while running: errno %d", errno);
	errno = 0;
	CHECK(open(COPY, O_RDWR) == -1 && errno == ETXTBSY, "O_RDWR while running: errno %d", errno);
	errno = 0;
	CHECK(open(COPY, O_RDONLY | O_TRUNC) == -1 && errno == ETXTBSY, "O_TRUNC while running: errno %d", errno);
	errno = 0;
	CHECK(truncate(COPY, 0) == -1 && errno == ETXTBSY, "truncate while running: errno %d", errno);
	int ro = open(COPY, O_RDONLY);
	CHECK(ro >= 0, "read-only open while running: errno %d", errno);
	close(ro);
	CHECK(write(sv[0], "g", 1) == 1, "release the child");
	int st = 0;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %#x", st);
	int fd = open(COPY, O_WRONLY);
	CHECK(fd >= 0, "O_WRONLY once nothing runs it: errno %d", errno);
	close(fd);
	CHECK(unlink(COPY) == 0, "unlink");
	printf("etxtbsy: ok\n");
	return check_finish("etxtbsy");
}
