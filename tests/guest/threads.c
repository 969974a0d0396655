/* SPDX-License-Identifier: MIT */
/* threads.c: pthreads on the guest kernel: mutex contention (futex), condvars, TLS, join values, and preemption of a spinning thread. */
// husk-test: status=0 expect="SUCCESS" backends=qemu,vmm,xen
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "check.h"

#define NTHREADS 4
#define ROUNDS 100000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static long counter;
static int started, go;

static __thread int tls_value = 7;
static __thread char tls_buf[64];

struct worker {
	int id;
	int tls_initial;
	int tls_final;
	void *tls_addr;
	long tid;
};

static void *work(void *arg)
{
	struct worker *w = arg;

	w->tls_initial = tls_value;
	w->tls_addr = &tls_value;
	w->tid = syscall(SYS_gettid);
	tls_value = 100 + w->id;
	snprintf(tls_buf, sizeof(tls_buf), "worker %d", w->id);

	/* Handshake: report in, then wait until main says go, so all threads contend. */
	pthread_mutex_lock(&lock);
	started++;
	pthread_cond_broadcast(&cond);
	while (!go)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);

	for (int i = 0; i < ROUNDS; i++) {
		pthread_mutex_lock(&lock);
		counter++;
		pthread_mutex_unlock(&lock);
		if (i % 10000 == 0)
			sched_yield();
	}
	w->tls_final = tls_value;
	if (strncmp(tls_buf, "worker ", 7) != 0 || atoi(tls_buf + 7) != w->id)
		w->tls_final = -1;
	return (void *)(intptr_t)(1000 + w->id);
}

static void check_counter(void)
{
	pthread_t t[NTHREADS];
	struct worker w[NTHREADS];
	int rc;

	for (int i = 0; i < NTHREADS; i++) {
		w[i] = (struct worker){ .id = i };
		rc = pthread_create(&t[i], NULL, work, &w[i]);
		CHECK(rc == 0, "pthread_create #%d failed: %s", i, strerror(rc));
		if (rc)
			return;
	}
	pthread_mutex_lock(&lock);
	while (started < NTHREADS)
		pthread_cond_wait(&cond, &lock);
	go = 1;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);

	for (int i = 0; i < NTHREADS; i++) {
		void *ret = NULL;

		rc = pthread_join(t[i], &ret);
		CHECK(rc == 0, "pthread_join #%d failed: %s", i, strerror(rc));
		CHECK((intptr_t)ret == 1000 + i, "thread %d returned %ld, wanted %d", i, (long)(intptr_t)ret,
		      1000 + i);
		CHECK(w[i].tls_initial == 7, "thread %d saw TLS initial value %d, wanted 7", i,
		      w[i].tls_initial);
		CHECK(w[i].tls_final == 100 + i, "thread %d's TLS ended as %d, wanted %d", i, w[i].tls_final,
		      100 + i);
		CHECK(w[i].tls_addr != (void *)&tls_value, "thread %d shares main's TLS address", i);
		CHECK(w[i].tid > 0 && w[i].tid != getpid(), "thread %d has tid %ld (pid %d)", i, w[i].tid,
		      getpid());
		for (int j = 0; j < i; j++) {
			CHECK(w[i].tls_addr != w[j].tls_addr, "threads %d and %d share a TLS address", i, j);
			CHECK(w[i].tid != w[j].tid, "threads %d and %d share tid %ld", i, j, w[i].tid);
		}
	}
	CHECK(counter == (long)NTHREADS * ROUNDS, "counter is %ld, wanted %ld", counter,
	      (long)NTHREADS * ROUNDS);
	CHECK(tls_value == 7, "main's TLS value changed to %d", tls_value);
}

static volatile int stop_spinning;
static volatile unsigned long spins;

static void *spin(void *arg)
{
	(void)arg;
	while (!stop_spinning)
		spins++;	/* no system call: only a timer interrupt can take the CPU away */
	return NULL;
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void check_preemption(void)
{
	pthread_t t;
	struct timespec nap = { 0, 100 * 1000 * 1000 };
	long long t0;
	int rc = pthread_create(&t, NULL, spin, NULL);

	CHECK(rc == 0, "pthread_create (spinner) failed: %s", strerror(rc));
	if (rc)
		return;
	t0 = now_ns();
	/* If the spinner is never preempted, main never wakes and the test times out. */
	CHECK(nanosleep(&nap, NULL) == 0, "nanosleep failed: %s", strerror(errno));
	CHECK(now_ns() - t0 >= 100 * 1000 * 1000LL, "main slept only %lld ns", now_ns() - t0);
	stop_spinning = 1;
	rc = pthread_join(t, NULL);
	CHECK(rc == 0, "pthread_join (spinner) failed: %s", strerror(rc));
	CHECK(spins > 0, "the spinning thread never ran");
	printf("threads: spinner looped %lu times while main slept\n", spins);
}

int main(void)
{
	check_counter();
	check_preemption();
	return check_finish("threads");
}
