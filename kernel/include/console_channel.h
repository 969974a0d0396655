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
};

/* lib/printk.c: output and input go through ch from now on. */
void console_channel_set(const struct console_channel *ch);
/* lib/printk.c: back to the platform console, after flushing the channel (panic). */
void console_channel_drop(void);
/* lib/printk.c: waits until the console's output has left the guest (before the VM stops). */
void console_channel_flush(void);
/* lib/printk.c: the next raw input byte from the channel or, without one, the platform console. */
int console_raw_getc(void);
/* fs/devfs.c: from the channel's interrupt: input arrived, readers and pollers are woken. */
void console_input_arrived(void);

#endif
