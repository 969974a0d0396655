/* SPDX-License-Identifier: MIT */
/* ksyms.h: kernel symbol lookup for backtraces (table generated at link time by scripts/ksyms.sh). */
#ifndef KSYMS_H
#define KSYMS_H

#include "kernel.h"

/* Writes "name+0xoff" for a kernel text address into buf, or "?" when unknown. */
void ksyms_lookup(uint64_t addr, char *buf, size_t size);

#endif
