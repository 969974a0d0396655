/* SPDX-License-Identifier: MIT */
/* exec_threads.c: execve from a process with several threads (from a secondary thread, then from the main one): the others end, the caller takes the pid; a failed execve leaves the threads running. */
// husk-test: status=0 expect="exec from a thread: ok" expect="exec from main: ok" expect="SUCCESS" timeout=300
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "check.h"

static char self[256];
static char pidstr[16];
static int block_pipe[2];
static volatile unsigned long spins;
static pthread_barrier_t started;

static void *spinner(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&started);
	for (;;)
		spins++;
	return NULL;
}

static void *reader(void *arg)
{
	char c;
	(void)arg;
	pthread_barrier_wait(&started);
	read(block_pipe[0], &c, 1);      /* never returns: nobody writes */
	return NULL;
}

static void *sleeper(void *arg)
{
	struct timespec ts = { 1000, 0 };
	(void)arg;
	pthread_barrier_wait(&started);
	nanosleep(&ts, NULL);
	return NULL;
}

static void exec_after(const char *mode)
{
	char *args[] = { (char *)"exec_threads", (char *)"after", pidstr, (char *)mode, NULL };
	char *envp[] = { (char *)"EXEC_THREADS=yes", NULL };

	execve(self, args, envp);
	printf("FAIL execve %s: %s\n", mode, strerror(errno));
	exit(1);
}

static void *execer(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&started);
	exec_after("thread");
	return NULL;
}

/* Starts the three kinds of threads (plus the execer when from_thread). */
static void start_threads(int from_thread)
{
	pthread_t t;

	pipe(block_pipe);
	pthread_barrier_init(&started, NULL, from_thread ? 5 : 4);
	pthread_create(&t, NULL, spinner, NULL);
	pthread_create(&t, NULL, reader, NULL);
	pthread_create(&t, NULL, sleeper, NULL);
	if (from_thread)
		pthread_create(&t, NULL, execer, NULL);
}

static int threads_now(void)
{
	char buf[4096];
	int fd = open("/proc/self/status", O_RDONLY), n;
	char *p;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n < 0 ? 0 : n] = 0;
	p = strstr(buf, "\nThreads:\t");
	return p ? atoi(p + 10) : -1;
}

static void check_after(const char *pid, const char *mode)
{
	CHECK(getpid() == atoi(pid), "pid %d, was %s", getpid(), pid);
	CHECK(syscall(SYS_gettid) == getpid(), "tid %ld is the pid %d", syscall(SYS_gettid), getpid());
	CHECK(threads_now() == 1, "%d threads after execve", threads_now());
	CHECK(getenv("EXEC_THREADS") && strcmp(getenv("EXEC_THREADS"), "yes") == 0, "environment");
	printf("exec from %s: %s\n", strcmp(mode, "thread") == 0 ? "a thread" : "main",
	       check_failures ? "FAILED" : "ok");
}

int main(int argc, char **argv)
{
	long n;

	setvbuf(stdout, NULL, _IONBF, 0);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[n < 0 ? 0 : n] = 0;
	snprintf(pidstr, sizeof(pidstr), "%d", getpid());
	if (argc == 4 && strcmp(argv[1], "after") == 0) {
		check_after(argv[2], argv[3]);
		if (strcmp(argv[3], "thread") == 0) {
			/* Again, from the main thread this time. */
			start_threads(0);
			pthread_barrier_wait(&started);
			exec_after("main");
		}
		return check_finish("exec_threads");
	}

	/* A failed execve changes nothing: the threads still run. */
	start_threads(0);
	pthread_barrier_wait(&started);
	{
		char *args[] = { (char *)"nope", NULL };
		unsigned long before;
		struct timespec ts = { 0, 20000000 };

		errno = 0;
		CHECK(execve("/no/such/program", args, args + 1) == -1 && errno == ENOENT, "failed execve: %s", strerror(errno));
		CHECK(threads_now() == 4, "%d threads after a failed execve", threads_now());
		before = spins;
		nanosleep(&ts, NULL);
		CHECK(spins != before, "the spinner still runs");
	}
	/* Now from a new thread, while the others spin, read and sleep. */
	pthread_barrier_init(&started, NULL, 2);
	{
		pthread_t t;
		pthread_create(&t, NULL, execer, NULL);
		pthread_barrier_wait(&started);
		pthread_join(t, NULL);     /* never returns: the execve ends us */
	}
	printf("FAIL still here after execve\n");
	return 1;
}
