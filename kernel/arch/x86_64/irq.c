// SPDX-License-Identifier: MIT
/* irq.c: the interrupt dispatch table: one handler per vector, installed in the IDT when registered. */
#include "irq.h"
#include "platform.h"
#include "x86.h"

struct irq_slot {
	void (*handler)(void *arg);
	void *arg;
	bool allocated;
};

static struct irq_slot irq_table[256];
static uint64_t irq_unclaimed;

static bool vector_ok(unsigned vector)
{
	return vector >= 32 && vector < 256 && vector != VEC_SPURIOUS;
}

int irq_alloc_vector(void)
{
	for (unsigned v = IRQ_VEC_FIRST; v <= IRQ_VEC_LAST; v++) {
		if (!irq_table[v].allocated && !irq_table[v].handler) {
			irq_table[v].allocated = true;
			return v;
		}
	}
	return -ENOSPC;
}

int irq_register(unsigned vector, void (*handler)(void *arg), void *arg)
{
	if (!vector_ok(vector) || !handler)
		return -EINVAL;
	if (irq_table[vector].handler)
		return -EBUSY;
	irq_table[vector].handler = handler;
	irq_table[vector].arg = arg;
	irq_table[vector].allocated = true;
	cpu_set_irq_gate(vector);
	return 0;
}

void irq_unregister(unsigned vector)
{
	if (!vector_ok(vector))
		return;
	irq_table[vector].handler = NULL;
	irq_table[vector].arg = NULL;
	irq_table[vector].allocated = false;
}

void irq_dispatch(unsigned vector)
{
	struct irq_slot *s = &irq_table[vector & 0xff];

	if (s->handler)
		s->handler(s->arg);
	else
		irq_unclaimed++;
	plat_irq_eoi(vector);
}
