/* SPDX-License-Identifier: MIT */
/* exec.h: loading a program into a fresh address space (exec/exec.c). */
#ifndef EXEC_H
#define EXEC_H

#include "kernel.h"

struct proc;
struct trapframe;

/*
 * Loads the ELF program at path (static, static-PIE, or dynamic with its
 * PT_INTERP) into proc's address space and sets up the initial stack with
 * argv, envp and the auxiliary vector.  On success fills *tf with the user
 * registers to start with and returns 0; on failure prints why and returns
 * -ENOENT, -EACCES, -ENOEXEC or -ENOMEM.
 */
int exec_load(struct proc *proc, const char *path, char *const argv[], char *const envp[],
	      struct trapframe *tf);
/* Writes "symbol+0xoff" for a user address of proc's program (from its symbol table), or "?". */
void exec_symbolize(struct proc *proc, uint64_t addr, char *buf, size_t size);

#endif
