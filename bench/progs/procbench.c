/* SPDX-License-Identifier: MIT */
/* procbench.c: process costs measured inside the guest: fork+exit+wait, fork of 256 MB, fork+exec+wait, posix_spawn, a 3-stage pipeline over 10 MB. */
/*
 * Prints one line per measurement, "procbench: NAME us_per_op=X", from
 * CLOCK_MONOTONIC read by the guest itself, so that VM boot and exit are
 * not counted.  bench/proc.sh parses the lines.  "exit" as argv[1] makes
 * the program end at once: it is the static program exec'd and spawned.
 */
#define _GNU_SOURCE
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;
static char self[256];

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void report(const char *name, double t0, int n)
{
	printf("procbench: %s us_per_op=%.1f\n", name, (now_us() - t0) / n);
	fflush(stdout);
}

static int reap(pid_t pid)
{
	int st;

	return waitpid(pid, &st, 0) == pid && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void fork_exit_wait(int n)
{
	double t0 = now_us();

	for (int i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid == 0)
			_exit(0);
		if (reap(pid) != 0)
			exit(1);
	}
	report("fork_exit_wait", t0, n);
}

static void fork_big(int n)
{
	size_t len = 256UL << 20;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	double t0;

	if (p == MAP_FAILED)
		exit(1);
	for (size_t i = 0; i < len; i += 4096)
		p[i] = 1;
	t0 = now_us();
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid == 0)
			_exit(0);
		if (reap(pid) != 0)
			exit(1);
	}
	report("fork_256mb", t0, n);
	munmap(p, len);
}

static void fork_exec_wait(int n)
{
	double t0 = now_us();

	for (int i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid == 0) {
			char *argv[] = { self, "exit", NULL };
			execve(self, argv, environ);
			_exit(127);
		}
		if (reap(pid) != 0)
			exit(1);
	}
	report("fork_exec_wait", t0, n);
}

static void spawn(int n)
{
	double t0 = now_us();

	for (int i = 0; i < n; i++) {
		char *argv[] = { self, "exit", NULL };
		pid_t pid;
		if (posix_spawn(&pid, self, NULL, NULL, argv, environ) != 0 || reap(pid) != 0)
			exit(1);
	}
	report("posix_spawn", t0, n);
}

static void pipeline(void)
{
	char *argv[] = { "/bin/sh", "-c", "head -c 10485760 /dev/zero | cat | wc -c >/dev/null", NULL };
	double t0 = now_us();
	pid_t pid;

	if (posix_spawn(&pid, argv[0], NULL, NULL, argv, environ) != 0 || reap(pid) != 0)
		exit(1);
	report("pipeline_10mb", t0, 1);
}

int main(int argc, char **argv)
{
	ssize_t len;

	if (argc > 1 && strcmp(argv[1], "exit") == 0)
		return 0;
	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len <= 0)
		return 1;
	self[len] = 0;
	fork_exit_wait(200);
	fork_big(5);
	fork_exec_wait(50);
	spawn(50);
	pipeline();
	printf("procbench: done\n");
	return 0;
}
