/* SPDX-License-Identifier: MIT */
/* sys_mm.c: brk, mmap, munmap, mprotect and madvise. */
#include "kernel.h"
#include "mm.h"
#include "sched.h"
#include "syscall.h"
#include "vfs.h"
#include <asm-generic/mman-common.h>
#include <linux/mman.h>

static unsigned prot_to_vm(int prot)
{
	return (prot & PROT_READ ? VM_READ : 0) | (prot & PROT_WRITE ? VM_WRITE : 0) |
	       (prot & PROT_EXEC ? VM_EXEC : 0);
}

long sys_brk(uint64_t addr)
{
	struct vm *vm = current_proc()->vm;
	uint64_t old_end = ALIGN_UP(vm->brk, PAGE_SIZE), new_end = ALIGN_UP(addr, PAGE_SIZE);

	/* Linux returns the current break when the request cannot be met. */
	if (addr < vm->brk_start || addr > USER_TOP)
		return vm->brk;
	if (new_end > old_end) {
		if (vm_map(vm, old_end, new_end - old_end, VM_READ | VM_WRITE, 0, VM_MAP_NOREPLACE, NULL, 0) < 0)
			return vm->brk;
		struct vma *v = vm_find(vm, old_end);
		if (v)
			v->name = "[heap]";
	} else if (new_end < old_end) {
		vm_unmap(vm, new_end, old_end - new_end);
	}
	vm->brk = addr;
	return addr;
}

long sys_mmap(uint64_t addr, size_t len, int prot, int flags, int fd, off_t off)
{
	struct vm *vm = current_proc()->vm;
	struct inode *ino = NULL;
	unsigned mapflags = 0, vmflags = 0;
	int type = flags & MAP_TYPE;

	if (len == 0 || (off & (PAGE_SIZE - 1)) || ALIGN_UP(len, PAGE_SIZE) < len)
		return -EINVAL;
	if (type != MAP_PRIVATE && type != MAP_SHARED && type != MAP_SHARED_VALIDATE)
		return -EINVAL;
	if (flags & MAP_FIXED_NOREPLACE)
		mapflags |= VM_MAP_NOREPLACE;
	else if (flags & MAP_FIXED)
		mapflags |= VM_MAP_FIXED;
	if ((mapflags) && (addr & (PAGE_SIZE - 1)))
		return -EINVAL;
	if (!(flags & MAP_ANONYMOUS)) {
		struct file *f = fd_get(current_proc()->fdt, fd);
		if (!f)
			return -EBADF;
		if (!S_ISREG(f->inode->mode))
			return -ENODEV;
		if (type != MAP_PRIVATE) {
			/* Shared file mappings need write-back to the file; not there yet. */
			printk_err("husk: mmap MAP_SHARED of a file is not implemented\n");
			return -ENOSYS;
		}
		ino = f->inode;
	} else if (type != MAP_PRIVATE) {
		/* One process: shared anonymous memory behaves like private memory. */
		vmflags |= VM_SHARED;
	}
	if (flags & MAP_GROWSDOWN)
		vmflags |= VM_GROWSDOWN;
	return vm_map(vm, ALIGN_DOWN(addr, PAGE_SIZE), len, prot_to_vm(prot), vmflags, mapflags, ino, off);
}

long sys_munmap(uint64_t addr, size_t len)
{
	if (len == 0)
		return -EINVAL;
	return vm_unmap(current_proc()->vm, addr, len);
}

long sys_mprotect(uint64_t addr, size_t len, int prot)
{
	if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_GROWSDOWN | PROT_GROWSUP))
		return -EINVAL;
	return vm_protect(current_proc()->vm, addr, len, prot_to_vm(prot));
}

long sys_madvise(uint64_t addr, size_t len, int advice)
{
	(void)len;
	if (addr & (PAGE_SIZE - 1))
		return -EINVAL;
	switch (advice) {
	case MADV_NORMAL:
	case MADV_RANDOM:
	case MADV_SEQUENTIAL:
	case MADV_WILLNEED:
	case MADV_DONTDUMP:
	case MADV_DODUMP:
	case MADV_HUGEPAGE:
	case MADV_NOHUGEPAGE:
	case MADV_FREE:    /* Linux may keep the pages; so do we. */
		return 0;
	case MADV_DONTNEED: {
		/* Private anonymous memory must read back as zeros: drop the pages. */
		struct vm *vm = current_proc()->vm;
		uint64_t end = addr + ALIGN_UP(len, PAGE_SIZE);
		for (uint64_t va = addr; va < end; va += PAGE_SIZE) {
			uint64_t *pte = pt_walk(vm->pml4, va, false);
			if (pte && (*pte & PTE_P)) {
				page_free(phys_to_virt(*pte & PTE_ADDR));
				*pte = 0;
				tlb_flush_page(va);
			}
		}
		return 0;
	}
	default:
		return -EINVAL;
	}
}

long sys_mremap(uint64_t old, size_t old_len, size_t new_len, int flags, uint64_t new_addr)
{
	if (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP))
		return -EINVAL;
	if (flags & MREMAP_DONTUNMAP) {
		printk_err("husk: mremap MREMAP_DONTUNMAP is not implemented\n");
		return -EINVAL;
	}
	if ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE))
		return -EINVAL;
	return vm_remap(current_proc()->vm, old, old_len, new_len, flags & MREMAP_MAYMOVE,
			flags & MREMAP_FIXED, new_addr);
}
