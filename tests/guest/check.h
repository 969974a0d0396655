/* SPDX-License-Identifier: MIT */
/* check.h: the check/report helpers every guest test shares (header-only; guest tests are single files). */
#ifndef HUSK_GUEST_CHECK_H
#define HUSK_GUEST_CHECK_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * CHECK(cond, fmt, ...) records a failure, with file, line, the condition
 * and a message saying what differed, and carries on, so one run reports
 * every broken check.  check_finish() prints the marker "SUCCESS" only when
 * no check failed and returns the exit status the test should end with.
 */
static int check_failures;

static void check_at(int ok, const char *expr, const char *file, int line,
		     const char *fmt, ...)
{
	va_list ap;

	if (ok)
		return;
	check_failures++;
	printf("FAIL %s:%d: %s: ", file, line, expr);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

#define CHECK(cond, ...) check_at(!!(cond), #cond, __FILE__, __LINE__, __VA_ARGS__)

/* Is this a native run (tests/run.sh --native), not a husk VM? */
__attribute__((unused)) static int check_native(void)
{
	const char *v = getenv("HUSK_NATIVE");

	return v && strcmp(v, "1") == 0;
}

static int check_finish(const char *name)
{
	if (check_failures) {
		printf("%s: %d check(s) failed\n", name, check_failures);
		fflush(stdout);
		return 1;
	}
	printf("%s: all checks passed\nSUCCESS\n", name);
	fflush(stdout);
	return 0;
}

#endif
