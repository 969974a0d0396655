/* SPDX-License-Identifier: MIT */
/* sys_mm.c: brk, mmap, munmap, mprotect and madvise. */
#include "kernel.h"
#include "mm.h"
#include "sched.h"
#include "syscall.h"
#include "vfs.h"
#include <asm-generic/mman-common.h>
#include <linux/mman.h>
#include <linux/fcntl.h>

static unsigned prot_to_vm(int prot)
{
	return (prot & PROT_READ ? VM_READ : 0) | (prot & PROT_WRITE ? VM_WRITE : 0) |
	       (prot & PROT_EXEC ? VM_EXEC : 0);
}

static long populate(uint64_t addr, size_t len);

/*
 * Linux's heuristic overcommit (vm.overcommit_memory=0): memory is committed
 * on touch, but one request for more private writable memory than the VM
 * has RAM (and swap, of which there is none) can never be met and fails
 * with ENOMEM at once, instead of the program being OOM-killed later at an
 * unrelated point.  PROT_NONE reservations, MAP_NORESERVE and shared file
 * mappings are not counted, as on Linux.
 */
static bool can_ever_fit(uint64_t len)
{
	return len <= page_total_bytes();
}

long sys_brk(uint64_t addr)
{
	struct vm *vm = current_proc()->vm;
	uint64_t old_end = ALIGN_UP(vm->brk, PAGE_SIZE), new_end = ALIGN_UP(addr, PAGE_SIZE);

	/* Linux returns the current break when the request cannot be met. */
	if (addr < vm->brk_start || addr > USER_TOP)
		return vm->brk;
	if (new_end > old_end) {
		if (!can_ever_fit(new_end - old_end))
			return vm->brk;
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
	struct inode *ino = NULL, *anon = NULL;
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
		/* Nothing sleeps before vm_map takes its own reference to the inode. */
		struct file *f = fd_peek(current_proc()->fdt, fd);

		if (!f)
			return -EBADF;
		/* Mapping /dev/zero (char 1:5) is anonymous memory, shared or private, as on Linux. */
		if (S_ISCHR(f->inode->mode) && f->inode->rdev == ((1 << 8) | 5)) {
			if (type != MAP_PRIVATE)
				goto shared_anon;
			goto map;
		}
		if (!S_ISREG(f->inode->mode))
			return -ENODEV;
		if ((f->flags & O_ACCMODE) == O_WRONLY)
			return -EACCES;
		if (type != MAP_PRIVATE) {
			/* The mapping shares the file's pages: writes are the file's data at once. */
			if (!f->inode->iops || !f->inode->iops->get_page)
				return -ENODEV;
			if ((prot & PROT_WRITE) && (f->flags & O_ACCMODE) != O_RDWR)
				return -EACCES;
			/* A sealed memfd must not change behind its seals. */
			if ((prot & PROT_WRITE) && (f->inode->seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)))
				return -EPERM;
			vmflags |= VM_SHARED;
			/* Nor may mprotect make it writable later (Linux clears VM_MAYWRITE). */
			if ((f->flags & O_ACCMODE) != O_RDWR || (f->inode->seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)))
				vmflags |= VM_NOWRITE;
		}
		ino = f->inode;
	} else if (type != MAP_PRIVATE) {
shared_anon:
		/* Shared anonymous memory is an unnamed file, as Linux's shmem: fork shares its pages. */
		anon = ramfs_create_unlinked(S_IFREG | 0600);
		if (!anon)
			return -ENOMEM;
		int err = vfs_truncate(anon, ALIGN_UP(len, PAGE_SIZE));
		if (err) {
			inode_unref(anon);
			return err;
		}
		ino = anon;
		off = 0;
		vmflags |= VM_SHARED;
	}
map:
	if ((prot & PROT_WRITE) && !(flags & MAP_NORESERVE) && !(ino && (vmflags & VM_SHARED)) &&
	    !can_ever_fit(ALIGN_UP(len, PAGE_SIZE)))
		return -ENOMEM;
	if (flags & MAP_GROWSDOWN)
		vmflags |= VM_GROWSDOWN;
	long r = vm_map(vm, ALIGN_DOWN(addr, PAGE_SIZE), len, prot_to_vm(prot), vmflags, mapflags, ino, off);
	if (anon)
		inode_unref(anon);    /* the mapping holds its own reference */
	/* MAP_POPULATE, MAP_LOCKED and mlockall(MCL_FUTURE): fault the range in now, as far as memory goes. */
	if (r >= 0 && ((flags & (MAP_POPULATE | MAP_LOCKED)) || vm->lock_future))
		populate(r, len);
	return r;
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
	case MADV_DONTNEED:
		/* Private memory reads back as zeros (or the file); shared file pages stay in the file. */
		return vm_discard(current_proc()->vm, addr, len);
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
	if (new_len > old_len) {
		struct vma *v = vm_find(current_proc()->vm, old);

		if (v && (v->prot & VM_WRITE) && !(v->file && (v->flags & VM_SHARED)) &&
		    !can_ever_fit(ALIGN_UP(new_len - old_len, PAGE_SIZE)))
			return -ENOMEM;
	}
	return vm_remap(current_proc()->vm, old, old_len, new_len, flags & MREMAP_MAYMOVE,
			flags & MREMAP_FIXED, new_addr);
}

/* Checks that [addr, addr+len) is page-aligned and fully mapped; -ENOMEM for holes, as Linux. */
static long range_mapped(uint64_t addr, size_t len)
{
	struct vm *vm = current_proc()->vm;
	uint64_t end = addr + ALIGN_UP(len, PAGE_SIZE);

	if ((addr & (PAGE_SIZE - 1)) || end < addr || end > USER_TOP)
		return -EINVAL;
	return vm_range_mapped(vm, addr, end) ? 0 : -ENOMEM;
}

long sys_msync(uint64_t addr, size_t len, int flags)
{
	if (flags & ~(MS_ASYNC | MS_SYNC | MS_INVALIDATE))
		return -EINVAL;
	if ((flags & MS_ASYNC) && (flags & MS_SYNC))
		return -EINVAL;
	long err = range_mapped(addr, len);
	struct vm *vm = current_proc()->vm;
	uint64_t end = ALIGN_UP(addr + len, PAGE_SIZE);

	if (err || !(flags & MS_SYNC))
		return err;
	/* Shared file mappings use the file's own pages (its page cache on a disk
	 * file system): MS_SYNC writes the file as fdatasync does. */
	for (uint64_t a = addr; a < end;) {
		struct vma *v = vm_find(vm, a);

		if (!v)
			break;
		if (v->file && (v->flags & VM_SHARED) && (v->prot & VM_WRITE)) {
			err = vfs_fsync(v->file, true);
			if (err)
				return err;
		}
		a = v->end;
	}
	return 0;
}

/*
 * Adds to *missing the pages of [start, end) that populating would bring in
 * (not present, in an accessible VMA); -ENOMEM if part of the range is not
 * mapped.  Counting stops early once more are missing than memory is free.
 */
static long count_missing(struct vm *vm, uint64_t start, uint64_t end, uint64_t *missing)
{
	uint64_t enough = page_free_bytes() / PAGE_SIZE + 1;

	for (uint64_t a = start; a < end;) {
		struct vma *v = vm_find(vm, a);
		uint64_t vend;

		if (!v)
			return -ENOMEM;
		vend = MIN(end, v->end);
		while (a < vend && *missing < enough) {
			uint64_t *pte = pt_walk(vm->pml4, a, false);
			/* No page table: every page up to the end of the hole is missing. */
			uint64_t next = pte ? a + PAGE_SIZE : MIN(pt_absent_end(vm->pml4, a), vend);

			if (!(pte && (*pte & PTE_P)) && (v->prot & (VM_READ | VM_WRITE | VM_EXEC)))
				*missing += (next - a) / PAGE_SIZE;
			a = next;
		}
		/* Enough to refuse, if the rest of the range is mapped at all. */
		if (*missing >= enough)
			return vm_range_mapped(vm, a, end) ? 0 : -ENOMEM;
	}
	return 0;
}

/* Can missing more pages (and their page tables) be had from free memory? */
static bool pages_available(uint64_t missing)
{
	return missing + missing / 512 + 16 <= page_free_bytes() / PAGE_SIZE;
}

/*
 * Brings every page of the range in now; pages are never swapped, so that
 * is all locking means.  What cannot fit in free memory is refused with
 * ENOMEM before anything is brought in, so a failed mlock leaves no memory
 * used behind.
 */
static long populate(uint64_t addr, size_t len)
{
	struct vm *vm = current_proc()->vm;
	uint64_t start = ALIGN_DOWN(addr, PAGE_SIZE), end = ALIGN_UP(addr + len, PAGE_SIZE);
	uint64_t missing = 0;
	long err;

	if (end < start || end > USER_TOP)
		return -EINVAL;
	err = count_missing(vm, start, end, &missing);
	if (err)
		return err;
	if (!pages_available(missing))
		return -ENOMEM;
	for (uint64_t a = start; a < end;) {
		struct vma *v = vm_find(vm, a);
		if (!v)
			return -ENOMEM;
		for (; a < MIN(end, v->end); a += PAGE_SIZE) {
			uint64_t *pte = pt_walk(vm->pml4, a, false);
			if (pte && (*pte & PTE_P))
				continue;
			if (v->prot & (VM_READ | VM_WRITE | VM_EXEC)) {
				/* As Linux: private writable memory is written, so that
				 * the page is the program's own, not the shared zero page. */
				bool write = (v->prot & VM_WRITE) && !(v->flags & VM_SHARED);
				int err = vm_fault(vm, a, write, false);
				if (err == -ENOMEM)
					return -ENOMEM;
			}
		}
	}
	return 0;
}

long sys_mlock(uint64_t addr, size_t len)
{
	return populate(addr, len);
}

long sys_mlock2(uint64_t addr, size_t len, int flags)
{
	if (flags & ~MLOCK_ONFAULT)
		return -EINVAL;
	return flags & MLOCK_ONFAULT ? range_mapped(ALIGN_DOWN(addr, PAGE_SIZE), len + (addr & (PAGE_SIZE - 1)))
				     : populate(addr, len);
}

long sys_munlock(uint64_t addr, size_t len)
{
	uint64_t start = ALIGN_DOWN(addr, PAGE_SIZE);
	return range_mapped(start, len + (addr - start));
}

long sys_mlockall(int flags)
{
	struct list *it;

	if (!flags || (flags & ~(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)) || flags == MCL_ONFAULT)
		return -EINVAL;
	/* With MCL_ONFAULT pages are locked as they fault in: never swapped, that is always so. */
	current_proc()->vm->lock_future = (flags & MCL_FUTURE) && !(flags & MCL_ONFAULT);
	if (!(flags & MCL_CURRENT) || (flags & MCL_ONFAULT))
		return 0;
	/* All or nothing, as for mlock: count first. */
	{
		uint64_t missing = 0;

		list_for_each(it, &current_proc()->vm->vmas) {
			struct vma *v = list_entry(it, struct vma, link);

			if (!(v->flags & VM_STACK))
				count_missing(current_proc()->vm, v->start, v->end, &missing);
		}
		if (!pages_available(missing))
			return -ENOMEM;
	}
	list_for_each(it, &current_proc()->vm->vmas) {
		struct vma *v = list_entry(it, struct vma, link);
		/* The stack reservation is 8 MiB: lock what is in use, as Linux does for MAP_GROWSDOWN. */
		if (v->flags & VM_STACK)
			continue;
		long err = populate(v->start, v->end - v->start);
		if (err)
			return err;
	}
	return 0;
}

long sys_munlockall(void)
{
	current_proc()->vm->lock_future = false;
	return 0;
}

long sys_mincore(uint64_t addr, size_t len, unsigned char *vec)
{
	struct vm *vm = current_proc()->vm;
	size_t pages = ALIGN_UP(len, PAGE_SIZE) / PAGE_SIZE;
	long err = range_mapped(addr, len);

	if (err)
		return err;
	if (!user_ok(vec, pages, true))
		return -EFAULT;
	for (size_t i = 0; i < pages;) {
		unsigned char k[64];
		size_t n = MIN(pages - i, sizeof(k));

		for (size_t j = 0; j < n; j++) {
			uint64_t *pte = pt_walk(vm->pml4, addr + (i + j) * PAGE_SIZE, false);
			k[j] = pte && (*pte & PTE_P) ? 1 : 0;
		}
		if (memcpy_user(vec + i, k, n))
			return -EFAULT;
		i += n;
	}
	return 0;
}
