/* SPDX-License-Identifier: MIT */
/* console_channel.h: a bulk transport for the console's framed stream (husk.mux), beside the platform's UART. */
#ifndef CONSOLE_CHANNEL_H
#define CONSOLE_CHANNEL_H

#include "kernel.h"

/*
 * The platform console (the 16550 on PVH) carries every byte the kernel
 * writes until a driver registers a channel (drivers/virtio_console.c);
 * from then on the console's output and input go through the channel, with
 * the husk.mux framing started afresh on it (the relay keeps one framing
 * state per source).  A panic drops the channel: its queued output is
 * flushed, and the panic message goes out on the UART, which needs no
 * driver state to work.
 */
struct console_channel {
	/*
	 * Queues n bytes of output; may send full buffers to the device and
	 * wait (spinning) for one to come back.  Callable with interrupts off.
	 */
	void (*write)(const char *buf, size_t n);
	/* Sends what write queued (the end of one write call or message). */
	void (*push)(void);
	/* Pushes and waits until the device has taken everything, at most a bounded time. */
	void (*flush)(void);
	/* The next received byte (framing still on), or -1 when none has arrived. */
	int (*getc)(void);
	/*
	 * The received bytes that follow, as one contiguous run (*p; its
	 * length returned, 0 when none), for copying in bulk; consume() then
	 * takes n of them (at most the run's length).
	 */
	size_t (*peek)(const char **p);
	void (*consume)(size_t n);
};

/* lib/printk.c: output and input go through ch from now on. */
void console_channel_set(const struct console_channel *ch);
/* lib/printk.c: back to the platform console, after flushing the channel (panic). */
void console_channel_drop(void);
/* lib/printk.c: waits until the console's output has left the guest (before the VM stops). */
void console_channel_flush(void);
/* lib/printk.c: the next raw input byte from the channel or, without one, the platform console. */
int console_raw_getc(void);
/* lib/printk.c: the channel's peek and consume (no run without a channel). */
size_t console_raw_peek(const char **p);
void console_raw_consume(size_t n);
/* fs/devfs.c: from the channel's interrupt: input arrived, readers and pollers are woken. */
void console_input_arrived(void);

/*
 * The offset of the first DLE (the framing's escape) in p[0..n), or n.
 * repne scasb: where guest kernel code is emulated (kvm_pvm) one string
 * instruction costs less than a loop (measured: a word-at-a-time loop took
 * 1.8 times as long for piped input on husk-vmm).
 */
static inline size_t console_find_dle(const char *p, size_t n)
{
	const char *d = p;
	size_t left = n;

	if (!n)
		return 0;
	__asm__ volatile("repne scasb" : "+D"(d), "+c"(left) : "a"(CONSOLE_DLE) : "cc", "memory");
	/* d is one past the byte that stopped the scan (a DLE, or the last one). */
	return d[-1] == CONSOLE_DLE ? (size_t)(d - 1 - p) : n;
}

#endif
