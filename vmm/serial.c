/* SPDX-License-Identifier: MIT */
/* serial.c: a 16550 UART at COM1 on IRQ 4: output to stdout, input from stdin, polled or by interrupt. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
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
#define IER_RDI  0x01	/* interrupt when received data is available */
#define IER_THRI 0x02	/* interrupt when the transmit register is empty */
#define IIR_NO_INT 0x01
#define IIR_THRI   0x02
#define IIR_RDI    0x04
#define IIR_FIFO   0xc0	/* the FIFOs are on */
#define FCR_FE     0x01
#define COM1_GSI   4

struct uart {
	uint8_t ier, lcr, mcr, scr, dll, dlm;
	int fifo;		/* FCR enabled the FIFOs: IIR says so, the guest writes bursts */
	/* stdin side: a small buffer, refilled without blocking. */
	uint8_t in_buf[256];
	unsigned in_pos, in_len;
	int in_eof;
	/* stdout side: flushed at newline, when full, at exit, and by the I/O thread (out_hook_dispatch). */
	uint8_t out_buf[4096];
	unsigned out_len;
	int out_dead;
	/*
	 * Interrupts, as QEMU's 16550 gives them (not gated by MCR.OUT2):
	 * the line is up while IER enables a pending cause.  THRE is pending
	 * after a write or when IER.THRI is turned on, until IIR reports it or
	 * the next write.  stdin is watched by the I/O thread while the input
	 * buffer is empty; a stdin epoll cannot watch (a file, /dev/null) is
	 * read on demand instead, as a polling driver has it.
	 */
	int thre_pending;
	int irq_level;
	int stdin_watched;	/* stdin is in the I/O thread's epoll set */
	int stdin_armed;	/* ...and EPOLLIN is on */
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
	else if (u->out_len == 1 && u->stdin_watched)
		vmm_event_wake();   /* the I/O thread flushes a line left open (out_hook_fill) */
}

/*
 * Output that does not end a line (a prompt, a terminal's echo) must not
 * wait for the next newline: while some is buffered the I/O thread wakes
 * within OUT_LINGER_MS and writes it.
 */
#define OUT_LINGER_MS 5

static void out_hook_fill(void *opaque, struct pollfd *fds, unsigned *n, unsigned max, int *timeout_ms)
{
	struct uart *u = opaque;

	(void)fds; (void)n; (void)max;
	if (u->out_len && (*timeout_ms < 0 || *timeout_ms > OUT_LINGER_MS))
		*timeout_ms = OUT_LINGER_MS;
}

static void out_hook_dispatch(void *opaque, struct pollfd *fds, unsigned n, int error)
{
	struct uart *u = opaque;

	(void)fds; (void)n; (void)error;
	if (u->out_len)
		vmm_serial_flush();
}

/* Read what stdin has (it must not block), at most a buffer.  Returns 1 if there is input. */
static int uart_fill(struct uart *u)
{
	ssize_t n = read(STDIN_FILENO, u->in_buf, sizeof(u->in_buf));

	if (n <= 0) {
		if (n == 0 || (errno != EINTR && errno != EAGAIN))
			u->in_eof = 1;
		return 0;
	}
	u->in_pos = 0;
	u->in_len = n;
	return 1;
}

static void update_irq(struct uart *u)
{
	int rx = (u->ier & IER_RDI) && u->in_pos < u->in_len;
	int level = rx || ((u->ier & IER_THRI) && u->thre_pending);

	if (level != u->irq_level) {
		u->irq_level = level;
		vmm_irq_line(COM1_GSI, level);
	}
}

/* The input buffer is empty: let the I/O thread wait for more. */
static void arm_stdin(struct uart *u)
{
	if (u->stdin_watched && !u->stdin_armed && !u->in_eof &&
	    vmm_event_mod(STDIN_FILENO, EPOLLIN) == 0)
		u->stdin_armed = 1;
}

/* I/O thread, device lock held: stdin is readable. */
static void stdin_readable(void *opaque, uint32_t events)
{
	struct uart *u = opaque;

	(void)events;
	/* One buffer at a time: stdin is not watched again until the guest has read it. */
	vmm_event_mod(STDIN_FILENO, 0);
	u->stdin_armed = 0;
	if (u->in_pos == u->in_len)
		uart_fill(u);
	if (u->in_pos == u->in_len)
		arm_stdin(u);
	update_irq(u);
}

/* Is a byte of input waiting?  Reads stdin only when poll says it will not block. */
static int uart_input_ready(struct uart *u)
{
	struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };

	if (u->in_pos < u->in_len)
		return 1;
	if (u->in_eof)
		return 0;
	if (u->stdin_watched)
		return 0;	/* the I/O thread reads it */
	if (poll(&pfd, 1, 0) <= 0)
		return 0;
	if (pfd.revents & POLLNVAL) {
		u->in_eof = 1;
		return 0;
	}
	return uart_fill(u);
}

static uint32_t uart_in_locked(struct uart *u, uint16_t off)
{
	uint8_t c, v;

	switch (off) {
	case UART_RBR_THR:
		if (u->lcr & LCR_DLAB)
			return u->dll;
		if (!uart_input_ready(u))
			return 0;
		c = u->in_buf[u->in_pos++];
		if (u->in_pos == u->in_len) {
			/* A stdin epoll cannot watch is read ahead here, so RDI stays true. */
			if (!u->stdin_watched && (u->ier & IER_RDI))
				uart_input_ready(u);
			arm_stdin(u);
		}
		update_irq(u);
		return c;
	case UART_IER:
		return (u->lcr & LCR_DLAB) ? u->dlm : u->ier;
	case UART_IIR_FCR:
		v = u->fifo ? IIR_FIFO : 0;
		if ((u->ier & IER_RDI) && uart_input_ready(u))
			return v | IIR_RDI;
		if ((u->ier & IER_THRI) && u->thre_pending) {
			/* Reading IIR while it reports THRE clears it. */
			u->thre_pending = 0;
			update_irq(u);
			return v | IIR_THRI;
		}
		return v | IIR_NO_INT;
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

static uint32_t uart_in(void *opaque, uint16_t off, unsigned size)
{
	uint32_t v;

	(void)size;	/* wider reads see the byte register zero-extended */
	vmm_dev_lock();
	v = uart_in_locked(opaque, off);
	vmm_dev_unlock();
	return v;
}

static void uart_out_locked(struct uart *u, uint16_t off, uint32_t val)
{
	switch (off) {
	case UART_RBR_THR:
		if (u->lcr & LCR_DLAB) {
			u->dll = val;
		} else {
			uart_put(u, val);
			/* The byte is gone at once: the register is empty again. */
			u->thre_pending = 1;
			update_irq(u);
		}
		break;
	case UART_IER:
		if (u->lcr & LCR_DLAB) {
			u->dlm = val;
			break;
		}
		if ((val & IER_THRI) && !(u->ier & IER_THRI))
			u->thre_pending = 1;
		u->ier = val & 0x0f;
		if ((u->ier & IER_RDI) && !u->stdin_watched)
			uart_input_ready(u);
		update_irq(u);
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
	case UART_IIR_FCR:
		/* Only whether the FIFOs are on matters: output never waits, input is a buffer. */
		u->fifo = val & FCR_FE;
		break;
	default:
		/* LSR, MSR: read-only. */
		break;
	}
}

static void uart_out(void *opaque, uint16_t off, unsigned size, uint32_t val)
{
	(void)size;
	vmm_dev_lock();
	uart_out_locked(opaque, off, val);
	vmm_dev_unlock();
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

	int ret;

	/* A closed stdout must not kill the monitor before it reports the guest's status. */
	signal(SIGPIPE, SIG_IGN);
	ret = vmm_pio_register(&dev);
	if (ret)
		return ret;
	/* A terminal or a pipe: the I/O thread waits for input.  A file cannot be waited for. */
	if (vmm_event_add(STDIN_FILENO, 0, stdin_readable, &com1) == 0) {
		static const struct vmm_poll_hook out_hook = {
			.fill = out_hook_fill, .dispatch = out_hook_dispatch, .opaque = &com1,
		};

		com1.stdin_watched = 1;
		arm_stdin(&com1);
		ret = vmm_event_add_hook(&out_hook);
		if (ret)
			return ret;
	}
	return 0;
}
