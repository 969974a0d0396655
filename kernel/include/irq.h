/* SPDX-License-Identifier: MIT */
/* irq.h: device interrupts: a vector per source, a handler per vector, dispatched from trap(). */
#ifndef IRQ_H
#define IRQ_H

#include "kernel.h"

/*
 * Vectors 0x20..0x2f are the kernel's own (the timer); devices get vectors
 * from IRQ_VEC_FIRST to IRQ_VEC_LAST.  The kernel runs with interrupts off
 * except in user mode and in the idle loop, so a handler never interrupts
 * kernel code: it may wake threads and touch any kernel state without locks,
 * but must not sleep.  The platform acknowledges the interrupt after the
 * handler returns.
 */
#define IRQ_VEC_FIRST 0x30
#define IRQ_VEC_LAST  0xef

/* Returns a free device vector, or -ENOSPC. */
int irq_alloc_vector(void);
/*
 * Calls handler(arg) for every interrupt on vector (which irq_alloc_vector
 * returned, or a fixed vector of the platform such as its timer).  Returns
 * 0, -EINVAL for a vector out of range, or -EBUSY when it has a handler.
 */
int irq_register(unsigned vector, void (*handler)(void *arg), void *arg);
void irq_unregister(unsigned vector);
/* From trap(): runs the vector's handler and acknowledges it; an unclaimed vector is counted and acknowledged. */
void irq_dispatch(unsigned vector);

#endif
