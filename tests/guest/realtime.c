/* SPDX-License-Identifier: MIT */
/* realtime.c: prints CLOCK_MONOTONIC and CLOCK_REALTIME around sleep(2); run by tests/host/realtime.sh, which compares them with the host clock. */
#define _GNU_SOURCE
#include <time.h>
#include <unistd.h>
#include "check.h"

static long long ns(clockid_t id)
{
	struct timespec ts;

	CHECK(clock_gettime(id, &ts) == 0, "clock_gettime(%d): %s", (int)id, strerror(errno));
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* One line per sample, written at once, so the host can timestamp it as it arrives. */
static void sample(const char *tag, long long *mono, long long *real)
{
	char line[128];

	*mono = ns(CLOCK_MONOTONIC);
	*real = ns(CLOCK_REALTIME);
	int n = snprintf(line, sizeof(line), "%s %lld %lld\n", tag, *mono, *real);
	CHECK(write(1, line, n) == n, "write: %s", strerror(errno));
}

int main(void)
{
	long long m0, r0, m1, r1;

	sample("realtime-start", &m0, &r0);
	CHECK(sleep(2) == 0, "sleep(2) was interrupted");
	sample("realtime-end", &m1, &r1);
	CHECK(m1 - m0 >= 2000000000LL, "sleep(2) took %lld ns of CLOCK_MONOTONIC", m1 - m0);
	/* The two clocks advance together (nobody sets the time here); the slack is for a host stall between two reads. */
	CHECK(llabs((r1 - r0) - (m1 - m0)) < 200000000LL, "CLOCK_REALTIME advanced %lld ns, CLOCK_MONOTONIC %lld",
	      r1 - r0, m1 - m0);
	/* The guest's time of day is the host's: some time after 2020. */
	CHECK(r0 > 1577836800LL * 1000000000LL, "CLOCK_REALTIME is %lld ns: not the host's time of day", r0);
	return check_finish("realtime");
}
