/* SPDX-License-Identifier: MIT */
/* serial.c: a 16550 UART at COM1, enough for a polling driver: output to stdout, input from stdin. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <husk/abi.h>
#include "vmm.h"

/* Register offsets (DLAB = 0 unless noted). */
#define UART_RBR_THR 0	/* receive buffer / transmit holding; DLL with DLAB */
#define UART_IER     1	/* DLM with DLAB */
#define UART_IIR_FCR 2
#define UART_LCR     3
#define UART_MCR     4
#define UART_LSR     5
#define UART_MSR     6
#define UART_SCR     7

#define LCR_DLAB 0x80
#define LSR_DR   0x01
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define IIR_NO_INT 0x01

struct uart {
	uint8_t ier, lcr, mcr, scr, dll, dlm;
	/* stdin side: a small buffer, refilled without blocking. */
	uint8_t in_buf[256];
	unsigned in_pos, in_len;
	int in_eof;
	/* stdout side: flushed at newline, when full, and at exit. */
	uint8_t out_buf[4096];
	unsigned out_len;
	int out_dead;
};

static struct uart com1;

void vmm_serial_flush(void)
{
	unsigned done = 0;

	while (done < com1.out_len && !com1.out_dead) {
		ssize_t n = write(STDOUT_FILENO, com1.out_buf + done, com1.out_len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			struct pollfd pfd = { .fd = STDOUT_FILENO, .events = POLLOUT };

			poll(&pfd, 1, -1);
			continue;
		}
		if (n <= 0) {
			/* Nobody is listening; the guest keeps running. */
			com1.out_dead = 1;
			break;
		}
		done += n;
	}
	com1.out_len = 0;
}

static void uart_put(struct uart *u, uint8_t c)
{
	u->out_buf[u->out_len++] = c;
	if (c == '\n' || u->out_len == sizeof(u->out_buf))
		vmm_serial_flush();
}

/* Is a byte of input waiting?  Reads stdin only when poll says it will not block. */
static int uart_input_ready(struct uart *u)
{
	struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
	ssize_t n;

	if (u->in_pos < u->in_len)
		return 1;
	if (u->in_eof)
		return 0;
	if (poll(&pfd, 1, 0) <= 0)
		return 0;
	if (pfd.revents & POLLNVAL) {
		u->in_eof = 1;
		return 0;
	}
	n = read(STDIN_FILENO, u->in_buf, sizeof(u->in_buf));
	if (n <= 0) {
		if (n == 0 || (errno != EINTR && errno != EAGAIN))
			u->in_eof = 1;
		return 0;
	}
	u->in_pos = 0;
	u->in_len = n;
	return 1;
}

static uint32_t uart_in(void *opaque, uint16_t off, unsigned size)
{
	struct uart *u = opaque;

	(void)size;	/* wider reads see the byte register zero-extended */
	switch (off) {
	case UART_RBR_THR:
		if (u->lcr & LCR_DLAB)
			return u->dll;
		return uart_input_ready(u) ? u->in_buf[u->in_pos++] : 0;
	case UART_IER:
		return (u->lcr & LCR_DLAB) ? u->dlm : u->ier;
	case UART_IIR_FCR:
		return IIR_NO_INT;
	case UART_LCR:
		return u->lcr;
	case UART_MCR:
		return u->mcr;
	case UART_LSR:
		/* Output is never busy: every byte goes straight to the buffer. */
		return LSR_THRE | LSR_TEMT | (uart_input_ready(u) ? LSR_DR : 0);
	case UART_SCR:
		return u->scr;
	default:
		return 0;
	}
}

static void uart_out(void *opaque, uint16_t off, unsigned size, uint32_t val)
{
	struct uart *u = opaque;

	(void)size;
	switch (off) {
	case UART_RBR_THR:
		if (u->lcr & LCR_DLAB)
			u->dll = val;
		else
			uart_put(u, val);
		break;
	case UART_IER:
		if (u->lcr & LCR_DLAB)
			u->dlm = val;
		else
			u->ier = val & 0x0f;
		break;
	case UART_LCR:
		u->lcr = val;
		break;
	case UART_MCR:
		u->mcr = val & 0x1f;
		break;
	case UART_SCR:
		u->scr = val;
		break;
	default:
		/* FCR, LSR, MSR: nothing to do for a FIFO-less, interrupt-less UART. */
		break;
	}
}

int vmm_serial_init(void)
{
	static const struct vmm_pio_dev dev = {
		.name = "com1",
		.base = HUSK_COM1_PORT,
		.len = 8,
		.in = uart_in,
		.out = uart_out,
		.opaque = &com1,
	};

	/* A closed stdout must not kill the monitor before it reports the guest's status. */
	signal(SIGPIPE, SIG_IGN);
	return vmm_pio_register(&dev);
}
