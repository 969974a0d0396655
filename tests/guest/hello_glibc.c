/* SPDX-License-Identifier: MIT */
/* hello_glibc.c: a static glibc program: stdio, a file in /tmp and a thread (glibc's TLS and start-up differ from musl's). */
// husk-test: status=0 expect="Hello from glibc" expect="SUCCESS"
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "check.h"

static __thread int tls = 5;

static void *thread_main(void *arg)
{
	int *out = arg;

	*out = tls;	/* a fresh thread sees the TLS initial value */
	tls = 9;
	return (void *)"thread done";
}

int main(void)
{
	pthread_t t;
	void *ret = NULL;
	int seen = 0, rc;
	char buf[64] = { 0 };
	FILE *f;

	printf("Hello from glibc %s\n", "static");
	f = fopen("/tmp/glibc.txt", "w");
	CHECK(f != NULL, "fopen(/tmp/glibc.txt, w) failed: %s", strerror(errno));
	if (f) {
		fprintf(f, "written by %s %d\n", "glibc", 42);
		CHECK(fclose(f) == 0, "fclose failed: %s", strerror(errno));
	}
	f = fopen("/tmp/glibc.txt", "r");
	CHECK(f && fgets(buf, sizeof(buf), f) && strcmp(buf, "written by glibc 42\n") == 0,
	      "/tmp/glibc.txt reads back \"%s\"", buf);
	if (f)
		fclose(f);
	CHECK(unlink("/tmp/glibc.txt") == 0, "unlink failed: %s", strerror(errno));
	/* glibc registers rseq at start-up and reads the CPU number from it. */
	CHECK(sched_getcpu() == 0, "sched_getcpu() = %d, wanted 0 (the one CPU)", sched_getcpu());

	rc = pthread_create(&t, NULL, thread_main, &seen);
	CHECK(rc == 0, "pthread_create failed: %s", strerror(rc));
	if (rc == 0) {
		CHECK(pthread_join(t, &ret) == 0, "pthread_join failed");
		CHECK(ret && strcmp(ret, "thread done") == 0, "thread returned %p", ret);
		CHECK(seen == 5, "thread saw TLS %d, wanted 5", seen);
		CHECK(tls == 5, "main's TLS changed to %d", tls);
	}
	return check_finish("hello_glibc");
}
