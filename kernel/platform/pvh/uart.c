/* SPDX-License-Identifier: MIT */
/* uart.c: the 16550 serial port on COM1, the PVH console: FIFOs on, output polled, input by interrupt. */
#include "kernel.h"
#include "platform.h"
#include "husk/abi.h"
#include "../../arch/x86_64/x86.h"

#define COM HUSK_COM1_PORT
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY  0x20
#define IIR_FIFO_ON    0xc0
/* FIFO on, both FIFOs cleared, receive interrupt at 14 bytes (or after a quiet spell). */
#define FCR_FIFO_14    0xc7
#define FIFO_SIZE      16

/* The transmit FIFO is there (a 16550A): FIFO_SIZE bytes may follow each THR-empty. */
static size_t tx_burst = 1;

void uart_init(void)
{
	outb(COM + 1, 0x00);  /* no interrupts */
	outb(COM + 3, 0x80);  /* DLAB: the divisor latch */
	outb(COM + 0, 0x01);  /* 115200 baud: QEMU's FIFO timeout is four characters at this rate */
	outb(COM + 1, 0x00);
	outb(COM + 3, 0x03);  /* 8N1 */
	/*
	 * With the FIFOs the receive interrupt comes once per 14 bytes rather
	 * than per byte, which is what bounds piped input under QEMU (each
	 * interrupt is a round trip between its I/O thread and the vCPU).
	 */
	outb(COM + 2, FCR_FIFO_14);
	if ((inb(COM + 2) & IIR_FIFO_ON) == IIR_FIFO_ON)
		tx_burst = FIFO_SIZE;
}

void uart_write(const char *buf, size_t n)
{
	size_t i = 0;

	while (i < n) {
		while (!(inb(COM + 5) & LSR_THR_EMPTY))
			;
		for (size_t k = 0; k < tx_burst && i < n; k++)
			outb(COM, buf[i++]);
	}
}

void uart_enable_rx_irq(void)
{
	outb(COM + 4, 0x0b);  /* DTR, RTS, OUT2 (which gates the IRQ line on PCs) */
	outb(COM + 1, 0x01);  /* interrupt: received data available */
}

int uart_getc(void)
{
	if (!(inb(COM + 5) & LSR_DATA_READY))
		return -1;
	return inb(COM);
}
