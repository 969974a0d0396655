/* SPDX-License-Identifier: MIT */
/* uart.c: the 16550 serial port on COM1, the PVH console: output polled, input by interrupt. */
#include "kernel.h"
#include "platform.h"
#include "husk/abi.h"
#include "../../arch/x86_64/x86.h"

#define COM HUSK_COM1_PORT
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY  0x20

void uart_init(void)
{
	outb(COM + 1, 0x00);  /* no interrupts */
	outb(COM + 3, 0x03);  /* 8N1 */
}

void uart_write(const char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		while (!(inb(COM + 5) & LSR_THR_EMPTY))
			;
		outb(COM, buf[i]);
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
