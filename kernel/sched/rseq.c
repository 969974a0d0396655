/* SPDX-License-Identifier: MIT */
/* rseq.c: restartable sequences: registration, the CPU number fields, and aborting a critical section that was interrupted. */
#include "kernel.h"
#include "mm.h"
#include "sched.h"
#include "syscall.h"
#include <linux/rseq.h>

#define RSEQ_MIN_LEN 32

/* The one CPU is CPU 0: that is what the cpu_id fields say from registration on. */
static int rseq_set_cpu(uint64_t addr)
{
	uint32_t ids[2] = { 0, 0 };   /* cpu_id_start, cpu_id */
	return copy_to_user((void *)addr, ids, sizeof(ids));
}

long sys_rseq(void *urseq, uint32_t len, int flags, uint32_t sig)
{
	uint64_t addr = (uint64_t)urseq;

	if (flags & RSEQ_FLAG_UNREGISTER) {
		if (flags & ~RSEQ_FLAG_UNREGISTER)
			return -EINVAL;
		if (current->rseq != addr)
			return -EINVAL;
		if (len != current->rseq_len)
			return -EINVAL;
		if (sig != current->rseq_sig)
			return -EPERM;
		current->rseq = 0;
		return 0;
	}
	if (flags)
		return -EINVAL;
	if (current->rseq) {
		if (current->rseq != addr || len != current->rseq_len)
			return -EINVAL;
		return sig == current->rseq_sig ? -EBUSY : -EPERM;
	}
	if ((addr & 31) || len < RSEQ_MIN_LEN || !user_ok(urseq, len, true))
		return -EINVAL;
	if (rseq_set_cpu(addr))
		return -EFAULT;
	current->rseq = addr;
	current->rseq_len = len;
	current->rseq_sig = sig;
	return 0;
}

bool rseq_fixup(struct trapframe *tf)
{
	struct rseq_cs cs;
	uint64_t cs_addr, zero = 0;
	uint32_t sig;

	if (copy_from_user(&cs_addr, (void *)(current->rseq + offsetof(struct rseq, rseq_cs)), sizeof(cs_addr)))
		return false;
	if (!cs_addr)
		return true;
	if (copy_from_user(&cs, (void *)cs_addr, sizeof(cs)) || cs.version != 0)
		return false;
	if (cs.start_ip + cs.post_commit_offset < cs.start_ip)
		return false;
	if (tf->rip >= cs.start_ip && tf->rip < cs.start_ip + cs.post_commit_offset) {
		/* The abort handler must carry the registered signature just before it. */
		if (cs.abort_ip >= cs.start_ip && cs.abort_ip < cs.start_ip + cs.post_commit_offset)
			return false;
		if (copy_from_user(&sig, (void *)(cs.abort_ip - sizeof(sig)), sizeof(sig)) || sig != current->rseq_sig)
			return false;
		tf->rip = cs.abort_ip;
	}
	/* The critical section is over either way. */
	return copy_to_user((void *)(current->rseq + offsetof(struct rseq, rseq_cs)), &zero, sizeof(zero)) == 0;
}
