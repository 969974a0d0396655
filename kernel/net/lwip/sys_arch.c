/* SPDX-License-Identifier: MIT */
/* sys_arch.c: lwIP's port: its clock (sys_now), its allocator hooks, and net_kick(), which runs its timeouts and loopback from a kernel timer. */
#include "kernel.h"
#include "ktime.h"
#include "sched.h"
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/timeouts.h"
#include "net.h"
#include "net/stack.h"

u32_t sys_now(void)
{
	return (u32_t)(clock_monotonic_ns() / 1000000);
}

void *husk_lwip_calloc(unsigned long n, unsigned long size)
{
	if (size && n > (unsigned long)-1 / size)
		return NULL;
	return kzalloc(n * size);
}

static struct ktimer lwip_timer;

static void lwip_timer_fn(struct ktimer *t)
{
	sys_check_timeouts();
	net_kick();
	net_tx_flush();
}

/* Packets sent to a local address wait in their netif's loop queue until polled. */
static bool loop_pending(void)
{
	struct netif *n;

	NETIF_FOREACH(n) {
		if (n->loop_first)
			return true;
	}
	return false;
}

void net_kick(void)
{
	u32_t sleep;

	/* Each round may answer with more looped packets (an ACK for data); bounded all the same. */
	for (int i = 0; i < 64 && loop_pending(); i++)
		net_poll_loopback();
	sleep = sys_timeouts_sleeptime();
	if (sleep == SYS_TIMEOUTS_SLEEPTIME_INFINITE) {
		ktimer_cancel(&lwip_timer);
		return;
	}
	uint64_t deadline = clock_monotonic_ns() + (uint64_t)sleep * 1000000;
	if (lwip_timer.deadline && lwip_timer.deadline <= deadline)
		return;
	ktimer_cancel(&lwip_timer);
	lwip_timer.fn = lwip_timer_fn;
	ktimer_add(&lwip_timer, deadline);
}

/*
 * The one C library function lwIP calls that the kernel lacks: netif.c
 * parses interface numbers with atoi(), which glibc's <stdlib.h> inlines
 * as strtol().  Decimal only, as lwIP uses it.
 */
long strtol(const char *s, char **end, int base)
{
	long v = 0;
	bool neg = false;

	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (*s++ - '0');
	if (end)
		*end = (char *)s;
	return neg ? -v : v;
}
