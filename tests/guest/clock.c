/* SPDX-License-Identifier: MIT */
/* clock.c: clock_gettime, clock_getres, nanosleep, clock_nanosleep, gettimeofday and time on the guest kernel. */
// husk-test: status=0 expect="SUCCESS"
#define _GNU_SOURCE
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include "check.h"

#define MS 1000000LL
#define JAN_1_2020 1577836800LL

static long long ns_of(const struct timespec *ts)
{
	return ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

static long long now(clockid_t id)
{
	struct timespec ts = { 0, 0 };

	CHECK(clock_gettime(id, &ts) == 0, "clock_gettime(%d) failed: %s", (int)id, strerror(errno));
	CHECK(ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000L, "clock %d tv_nsec out of range: %ld", (int)id,
	      ts.tv_nsec);
	return ns_of(&ts);
}

static void check_monotonic(void)
{
	long long prev = now(CLOCK_MONOTONIC), t;
	int backwards = 0;

	for (int i = 0; i < 10000; i++) {
		t = now(CLOCK_MONOTONIC);
		if (t < prev)
			backwards++;
		prev = t;
	}
	CHECK(backwards == 0, "CLOCK_MONOTONIC went backwards %d times in 10000 reads", backwards);
	CHECK(now(CLOCK_MONOTONIC) > 0, "CLOCK_MONOTONIC is not positive");
}

static void check_sleep(void)
{
	struct timespec req = { 0, 50 * MS };
	long long t0, dt;

	t0 = now(CLOCK_MONOTONIC);
	CHECK(nanosleep(&req, NULL) == 0, "nanosleep failed: %s", strerror(errno));
	dt = now(CLOCK_MONOTONIC) - t0;
	CHECK(dt >= 50 * MS, "nanosleep(50 ms) returned after %lld ns", dt);
	CHECK(dt < 5000 * MS, "nanosleep(50 ms) took %lld ns", dt);

	t0 = now(CLOCK_MONOTONIC);
	req = (struct timespec){ 0, 20 * MS };
	CHECK(clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL) == 0, "clock_nanosleep (relative) failed");
	dt = now(CLOCK_MONOTONIC) - t0;
	CHECK(dt >= 20 * MS && dt < 5000 * MS, "clock_nanosleep(20 ms) took %lld ns", dt);

	t0 = now(CLOCK_MONOTONIC);
	req = (struct timespec){ (t0 + 30 * MS) / 1000000000LL, (t0 + 30 * MS) % 1000000000LL };
	CHECK(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &req, NULL) == 0,
	      "clock_nanosleep (absolute) failed");
	dt = now(CLOCK_MONOTONIC) - t0;
	CHECK(dt >= 30 * MS && dt < 5000 * MS, "clock_nanosleep to +30 ms (absolute) took %lld ns", dt);

	req = (struct timespec){ 0, 1000000000L };
	CHECK(nanosleep(&req, NULL) == -1 && errno == EINVAL, "nanosleep with tv_nsec=1e9 did not fail with EINVAL");
}

static void check_realtime(void)
{
	struct timeval tv;
	long long rt = now(CLOCK_REALTIME), tod, t;

	CHECK(rt / 1000000000LL > JAN_1_2020, "CLOCK_REALTIME is %lld s, before 2020", rt / 1000000000LL);
	CHECK(gettimeofday(&tv, NULL) == 0, "gettimeofday failed: %s", strerror(errno));
	tod = tv.tv_sec * 1000000000LL + tv.tv_usec * 1000LL;
	CHECK(tv.tv_usec >= 0 && tv.tv_usec < 1000000, "tv_usec out of range: %ld", (long)tv.tv_usec);
	CHECK(tod >= rt - 1000 * MS && tod <= rt + 1000 * MS,
	      "gettimeofday (%lld ns) differs from CLOCK_REALTIME (%lld ns) by over 1 s", tod, rt);
	t = time(NULL);
	CHECK(t >= rt / 1000000000LL - 1 && t <= rt / 1000000000LL + 2, "time() is %lld, REALTIME %lld s", t,
	      rt / 1000000000LL);
	CHECK(now(CLOCK_BOOTTIME) >= 0, "CLOCK_BOOTTIME failed");
}

static void check_res(void)
{
	struct timespec res = { -1, -1 };
	clockid_t ids[] = { CLOCK_MONOTONIC, CLOCK_REALTIME };

	for (int i = 0; i < 2; i++) {
		CHECK(clock_getres(ids[i], &res) == 0, "clock_getres(%d) failed: %s", (int)ids[i], strerror(errno));
		CHECK(res.tv_sec == 0 && res.tv_nsec > 0 && res.tv_nsec <= 10 * MS,
		      "clock_getres(%d) is %lld.%09ld s, wanted between 1 ns and 10 ms", (int)ids[i],
		      (long long)res.tv_sec, res.tv_nsec);
	}
	CHECK(clock_gettime((clockid_t)12345, &res) == -1 && errno == EINVAL,
	      "clock_gettime of a bogus clock did not fail with EINVAL (errno %d)", errno);
}

/* CPU time moves while the program computes, not while it sleeps. */
static void check_cputime(void)
{
	struct timespec a, b, c;
	volatile unsigned long x = 0;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
	usleep(100000);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
	for (unsigned long i = 0; i < 50000000; i++)
		x += i;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c);
	long slept = (b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec);
	CHECK(slept < 50000000, "CPU time advanced %ld ns during a 100 ms sleep", slept);
	CHECK(c.tv_sec > 0 || c.tv_nsec > 1000000, "a busy loop used %ld.%09ld s of CPU time", (long)c.tv_sec, c.tv_nsec);
}

int main(void)
{
	check_cputime();
	check_monotonic();
	check_sleep();
	check_realtime();
	check_res();
	return check_finish("clock");
}
