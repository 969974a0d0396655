/* SPDX-License-Identifier: MIT */
/* mm.h: physical pages, the direct map, user address spaces and access to user memory. */
#ifndef MM_H
#define MM_H

#include "kernel.h"

#define PAGE_SIZE 4096UL
#define PAGE_SHIFT 12

/* All physical memory is mapped at DIRECT_MAP_BASE; the kernel image at KERNEL_VMA. */
#define DIRECT_MAP_BASE 0xffff888000000000UL
#define KERNEL_VMA      0xffffffff80000000UL
#define USER_TOP        0x00007ffffffff000UL  /* first address above user space */

static inline void *phys_to_virt(uint64_t pa) { return (void *)(pa + DIRECT_MAP_BASE); }
uint64_t virt_to_phys(const void *va);
/* Maps device memory (uncached) into the kernel half; returns its address. */
void *kernel_map_mmio(uint64_t pa, size_t len);

/* arch/x86_64/paging.c: page tables. */
#define PTE_P    0x1UL
#define PTE_W    0x2UL
#define PTE_U    0x4UL
#define PTE_PWT  0x8UL
#define PTE_PCD  0x10UL
#define PTE_A    0x20UL
#define PTE_D    0x40UL
#define PTE_PS   0x80UL
#define PTE_NX   (1UL << 63)
#define PTE_BORROWED (1UL << 9)   /* software bit: the page belongs to a file, not to the mapping */
#define PTE_COW (1UL << 10)       /* software bit: a private page shared after fork; copied on the first write */
#define PTE_ADDR 0x000ffffffffff000UL
struct mem_range;
/* Maps all usable RAM at DIRECT_MAP_BASE and makes the SYSCALL entry page user-executable. */
void paging_map_direct(const struct mem_range *ranges, int n);
/* Returns a new top-level table that shares the kernel half, or NULL. */
uint64_t *pt_create(void);
/* Frees the user half of a page table tree and every page it maps (a shared table: only this tree's reference). */
void pt_destroy(uint64_t *pml4);
/*
 * Returns the PTE for va, creating intermediate tables when alloc; NULL if
 * absent or out of memory.  Without alloc the PTE may sit in a table shared
 * with other address spaces (pt_fork): read it only.  With alloc the table
 * is first made this address space's own (pt_own), so the PTE may be changed.
 */
uint64_t *pt_walk(uint64_t *pml4, uint64_t va, bool alloc);
/*
 * fork: shares every last-level table of src's user half with dst (which
 * has none yet) rather than copying it: both map it read-only, and the
 * first write below it, or any change through pt_walk(alloc)/pt_own, gives
 * the changer its own table (private pages then copy-on-write, PTE_COW).
 * Cost scales with page tables, not pages.  0 or -ENOMEM (dst keeps what
 * it got; pt_destroy frees it).
 */
int pt_fork(uint64_t *src, uint64_t *dst);
/* Makes the last-level table that maps va this address space's own if it is shared; 0 (also when there is none) or -ENOMEM. */
int pt_own(uint64_t *pml4, uint64_t va);
/*
 * If the table that maps the 2 MiB around va is shared with another address
 * space, lets go of it (the 2 MiB are unmapped here, nothing is freed that
 * the others use) and returns true; else changes nothing and returns false.
 */
bool pt_drop_shared(uint64_t *pml4, uint64_t va);
/* The end of the region around va that has no page table at all (its 2 MiB,
 * 1 GiB or 512 GiB), or va when va's page table exists: walks skip holes. */
uint64_t pt_absent_end(uint64_t *pml4, uint64_t va);
void pt_activate(uint64_t *pml4);
/* Switches to the kernel's own tables (no user half): before freeing the current address space. */
void pt_activate_kernel(void);
void tlb_flush_page(uint64_t va);

/* mm/page.c: physical page allocator over the boot memory map. */
void page_init(void);
/* Returns the kernel (direct-map) address of one zeroed page, or NULL. */
void *page_alloc(void);
/* Returns n physically contiguous zeroed pages, or NULL. */
void *page_alloc_n(size_t n);
/* The same without zeroing, for memory the caller overwrites anyway. */
void *page_alloc_n_dirty(size_t n);
/*
 * Pages are reference-counted so that address spaces can share them (fork's
 * copy-on-write).  A page starts with one reference; page_ref() adds one;
 * page_free() drops one and frees the page when it was the last.
 */
void page_free(void *p);
void page_ref(void *p);
unsigned page_refcount(const void *p);
/* Memory statistics for sysinfo and /proc/meminfo. */
uint64_t page_total_bytes(void);
uint64_t page_free_bytes(void);
/* The VM's memory as the platform reported it, rounded up to MiB: the -m it was given, for messages. */
uint64_t page_vm_mib(void);
/* Ends the VM (status 125) because its memory ran out while the kernel set itself up; what says where. */
void boot_out_of_memory(const char *what) __noreturn;

/* VMA protection and flags. */
#define VM_READ    0x1
#define VM_WRITE   0x2
#define VM_EXEC    0x4
#define VM_SHARED  0x8
#define VM_GROWSDOWN 0x10
#define VM_STACK   0x20
#define VM_SYSVSHM 0x40   /* a System V shared memory attachment (ipc/shm.c): unmapping any of it is a detach */
#define VM_NOWRITE 0x80   /* shared, and may never become writable (Linux's !VM_MAYWRITE): a read-only descriptor or a write-sealed memfd */

struct inode;

/* A mapped range of user addresses [start, end). */
struct vma {
	struct list link;     /* in vm->vmas, sorted by start */
	uint64_t start, end;
	unsigned prot;        /* VM_READ | VM_WRITE | VM_EXEC */
	unsigned flags;       /* VM_SHARED, VM_STACK, ... */
	struct inode *file;   /* backing file or NULL for anonymous memory */
	uint64_t file_off;    /* file offset that corresponds to start */
	uint64_t file_end;    /* user address where file data stops; the rest reads as zeros */
	const char *name;     /* "[heap]", "[stack]" or NULL, for /proc/self/maps */
};

/* A user address space: page tables plus the list of VMAs. */
struct vm {
	uint64_t *pml4;       /* kernel address of the top-level page table */
	struct list vmas;
	uint64_t brk_start, brk;
	uint64_t mmap_base;   /* mmap without a hint searches downwards from here */
	int refs;
	bool lock_future;     /* mlockall(MCL_FUTURE): new mappings are faulted in at once */
	struct list all_link; /* in the list of every address space (vm_file_truncated) */
};

struct vm *vm_create(void);
void vm_destroy(struct vm *vm);
/*
 * A copy of vm for fork: the same VMAs, private pages shared copy-on-write
 * (read-only in both until one writes), shared pages shared.  Copies page
 * tables only, no data.  Returns NULL when memory runs out.
 */
struct vm *vm_fork(struct vm *vm);
void vm_activate(struct vm *vm);

/* Maps [addr, addr+len) with the given protection; fixed or searching for a free range. */
#define VM_MAP_FIXED 0x1
#define VM_MAP_NOREPLACE 0x2
long vm_map(struct vm *vm, uint64_t addr, uint64_t len, unsigned prot, unsigned flags,
	    unsigned mapflags, struct inode *file, uint64_t off);
int vm_unmap(struct vm *vm, uint64_t addr, uint64_t len);
/* Drops the pages of [addr, addr+len) but keeps the mappings: they fault in afresh (MADV_DONTNEED). */
int vm_discard(struct vm *vm, uint64_t addr, uint64_t len);
/* Unmaps shared-mapping pages of ino at or beyond size (the file is shrinking). */
void vm_file_truncated(struct inode *ino, uint64_t size);
/*
 * How many VMAs map ino, over every address space: a System V segment's
 * attach count, which on Linux too counts each piece that munmap, mprotect
 * or mremap leaves, and each fork's copy.
 */
unsigned vm_file_map_count(struct inode *ino);
/* Whether any process maps ino shared and writable, or able to be made so by
 * mprotect (memfd's F_SEAL_WRITE must not come then: -EBUSY, as Linux). */
bool vm_file_mapped_writable(struct inode *ino);
/*
 * Changes the protection of [addr, addr+len) to prot (VM_*): -EINVAL for a
 * bad range, -ENOMEM where it is not all mapped, -EACCES when write is asked
 * of a VM_NOWRITE mapping.
 */
int vm_protect(struct vm *vm, uint64_t addr, uint64_t len, unsigned prot);
struct vma *vm_find(struct vm *vm, uint64_t addr);
/* Whether every page of [addr, end) belongs to some VMA. */
bool vm_range_mapped(struct vm *vm, uint64_t addr, uint64_t end);
/* mremap: resizes [old, old+old_len) in place or, when allowed, moves it; returns the new address or -errno. */
long vm_remap(struct vm *vm, uint64_t old, uint64_t old_len, uint64_t new_len, bool may_move,
	      bool fixed, uint64_t new_addr);
/* Handles a page fault at addr; returns 0 when resolved, -EFAULT when the access is invalid. */
int vm_fault(struct vm *vm, uint64_t addr, bool write, bool exec);
/* Copies n bytes of kernel memory into user memory at addr right now (used by exec). */
int vm_write(struct vm *vm, uint64_t addr, const void *src, size_t n);

/*
 * Access to user memory of the current thread.  The kernel and the user
 * share one address space, so a user pointer that passed user_ok() may be
 * dereferenced directly: pages are faulted in on demand.  But a page can
 * still fail then (another thread unmapped it, a shared file mapping lies
 * past the end of the file), which kills the program; the copies below
 * return -EFAULT instead (their instructions are in the exception table),
 * so data that comes from or goes to user memory goes through them.
 */
bool user_ok(const void *uaddr, size_t n, bool write);
int copy_from_user(void *dst, const void *usrc, size_t n);  /* 0 or -EFAULT */
int copy_to_user(void *udst, const void *src, size_t n);    /* 0 or -EFAULT */
/* memcpy where dst or src may be user memory already checked with user_ok
 * (or kernel memory): 0, or -EFAULT when user memory faulted. */
int memcpy_user(void *dst, const void *src, size_t n);
/* memset(dst, 0, n) on the same terms. */
int memzero_user(void *dst, size_t n);
/* The architecture's faultable primitives (arch/x86_64/usercopy.S):
 * usercopy_raw and userzero_raw return the bytes not done; strncpy_user_raw the length,
 * max when no NUL came first, or -1 on a fault. */
size_t usercopy_raw(void *dst, const void *src, size_t n);
long strncpy_user_raw(char *dst, const char *src, size_t max);
size_t userzero_raw(void *dst, size_t n);
/* Copies a NUL-terminated string of at most max-1 bytes; returns its length, -EFAULT or -ENAMETOOLONG. */
long strncpy_from_user(char *dst, const char *usrc, size_t max);
/*
 * Debugging (kernel option "smap"): from now on every kernel access to user
 * memory outside the copies above faults (SMAP) and is reported on the
 * console, once per instruction, with a backtrace; the access then goes
 * through.  false when the CPU has no SMAP (QEMU's "max" CPU has it).
 */
bool user_access_checks_enable(void);

#endif
