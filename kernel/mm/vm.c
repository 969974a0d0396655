/* SPDX-License-Identifier: MIT */
/* vm.c: user address spaces: VMAs, demand paging, mmap/munmap/mprotect and access to user memory. */
#include "kernel.h"
#include "ipc.h"
#include "mm.h"
#include "sched.h"
#include "vfs.h"

#define MMAP_TOP 0x00007f0000000000UL    /* mmap searches downwards from here */
#define MMAP_BOTTOM 0x0000000010000UL

static struct list all_vms = LIST_INIT(all_vms);

struct vm *vm_create(void)
{
	struct vm *vm = kzalloc(sizeof(*vm));
	if (!vm)
		return NULL;
	vm->pml4 = pt_create();
	if (!vm->pml4) {
		kfree(vm);
		return NULL;
	}
	list_init(&vm->vmas);
	vm->mmap_base = MMAP_TOP;
	vm->refs = 1;
	list_add_tail(&all_vms, &vm->all_link);
	return vm;
}

/* Takes v out of its address space's list (which must already be out of all_vms, or v out of use) and frees it. */
static void vma_free(struct vma *v)
{
	list_del(&v->link);
	/* Counted after v is gone from the list: the last piece to go is the detach that may destroy it. */
	if (v->flags & VM_SYSVSHM)
		shm_unmapped(v->file);
	if (v->file)
		inode_unref(v->file);
	kfree(v);
}

void vm_destroy(struct vm *vm)
{
	struct list *it, *tmp;

	if (--vm->refs > 0)
		return;
	list_del(&vm->all_link);
	list_for_each_safe(it, tmp, &vm->vmas)
		vma_free(list_entry(it, struct vma, link));
	pt_destroy(vm->pml4);
	kfree(vm);
}

void vm_activate(struct vm *vm)
{
	pt_activate(vm->pml4);
}

struct vma *vm_find(struct vm *vm, uint64_t addr)
{
	struct list *it;
	list_for_each(it, &vm->vmas) {
		struct vma *v = list_entry(it, struct vma, link);
		if (addr < v->start)
			return NULL;
		if (addr < v->end)
			return v;
	}
	return NULL;
}

static uint64_t pte_flags(unsigned prot)
{
	uint64_t f = PTE_P | PTE_U;
	if (prot & VM_WRITE)
		f |= PTE_W;
	if (!(prot & VM_EXEC))
		f |= PTE_NX;
	return f;
}

#define PT_SPAN (1UL << 21)   /* what one last-level page table maps */

/*
 * Makes every page table that maps part of [start, end) this address
 * space's own (pt_own: fork shares them until a change); with drop, a
 * shared table wholly inside the range is let go of instead, for a range
 * being unmapped.  Done before anything changes, so that running out of
 * memory leaves the range as it was.  0 or -ENOMEM.
 */
static int own_tables(struct vm *vm, uint64_t start, uint64_t end, bool drop)
{
	for (uint64_t va = ALIGN_DOWN(start, PT_SPAN); va < end;) {
		uint64_t skip = pt_absent_end(vm->pml4, va);
		int err;

		if (skip != va) {
			va = skip;
			continue;
		}
		if (!(drop && va >= start && va + PT_SPAN <= end && pt_drop_shared(vm->pml4, va)) &&
		    (err = pt_own(vm->pml4, va)) < 0)
			return err;
		va += PT_SPAN;
	}
	return 0;
}

/* Clears the PTEs of [start, end) where they are, freeing the pages they held (unmap_pages' second half). */
static void clear_ptes(struct vm *vm, uint64_t start, uint64_t end)
{
	for (uint64_t va = start; va < end; va += PAGE_SIZE) {
		uint64_t *pte = pt_walk(vm->pml4, va, false);
		if (!pte) {
			/* Skip the whole hole: a 1 TiB reservation is a few steps, not 512 Ki. */
			va = pt_absent_end(vm->pml4, va) - PAGE_SIZE;
			continue;
		}
		if (*pte & PTE_P) {
			if (!(*pte & PTE_BORROWED))
				page_free(phys_to_virt(*pte & PTE_ADDR));
			*pte = 0;
			tlb_flush_page(va);
		}
	}
}

/* Unmaps and frees the pages of [start, end) (which must not straddle VMAs that stay); 0 or -ENOMEM (nothing changed). */
static int unmap_pages(struct vm *vm, uint64_t start, uint64_t end)
{
	int err = own_tables(vm, start, end, true);

	if (err)
		return err;
	clear_ptes(vm, start, end);
	return 0;
}

int vm_discard(struct vm *vm, uint64_t addr, uint64_t len)
{
	uint64_t end = addr + ALIGN_UP(len, PAGE_SIZE);

	if ((addr & (PAGE_SIZE - 1)) || end < addr || end > USER_TOP)
		return -EINVAL;
	return unmap_pages(vm, addr, end);
}

static void truncated_in(struct vm *vm, struct inode *ino, uint64_t size)
{
	struct list *it;

	list_for_each(it, &vm->vmas) {
		struct vma *v = list_entry(it, struct vma, link);
		if (v->file != ino)
			continue;
		/* First page of the VMA that lies wholly or partly beyond the new end. */
		uint64_t keep = ALIGN_UP(size, PAGE_SIZE);
		uint64_t from = keep > v->file_off ? v->start + (keep - v->file_off) : v->start;
		/* Private copies go too, as Linux's truncate does (and the file's pages a private mapping reads must). */
		if (from >= v->end || unmap_pages(vm, from, v->end) == 0)
			continue;
		/*
		 * No memory to give this process its own copy of a table fork
		 * shares: clear the entries in the shared table itself.  Every
		 * process that holds it maps the same file there (a change of
		 * mapping would have copied the table), and loses the same pages
		 * in its own turn, so no stale mapping of a freed page survives.
		 */
		clear_ptes(vm, from, v->end);
	}
}

void vm_file_truncated(struct inode *ino, uint64_t size)
{
	struct list *it;

	/* Every process that maps the file loses the file's pages past its end. */
	list_for_each(it, &all_vms)
		truncated_in(list_entry(it, struct vm, all_link), ino, size);
}

unsigned vm_file_map_count(struct inode *ino)
{
	struct list *it, *v;
	unsigned n = 0;

	list_for_each(it, &all_vms) {
		struct vm *vm = list_entry(it, struct vm, all_link);
		list_for_each(v, &vm->vmas) {
			struct vma *a = list_entry(v, struct vma, link);
			if (a->file == ino)
				n++;
		}
	}
	return n;
}

bool vm_file_mapped_writable(struct inode *ino)
{
	struct list *it, *v;

	list_for_each(it, &all_vms) {
		struct vm *vm = list_entry(it, struct vm, all_link);
		list_for_each(v, &vm->vmas) {
			struct vma *a = list_entry(v, struct vma, link);
			/* Read-only counts too unless it can never be made writable (Linux's VM_MAYWRITE). */
			if (a->file == ino && (a->flags & VM_SHARED) && ((a->prot & VM_WRITE) || !(a->flags & VM_NOWRITE)))
				return true;
		}
	}
	return false;
}

/* Splits the VMA at addr so that a VMA boundary falls there. */
static int vma_split(struct vma *v, uint64_t addr)
{
	struct vma *n;

	if (addr <= v->start || addr >= v->end)
		return 0;
	n = kmalloc(sizeof(*n));
	if (!n)
		return -ENOMEM;
	*n = *v;
	n->start = addr;
	if (v->file) {
		n->file_off = v->file_off + (addr - v->start);
		inode_ref(v->file);
	}
	v->end = addr;
	list_insert_after(&v->link, &n->link);
	return 0;
}

/*
 * Calls fn on every VMA inside [addr, end), splitting the VMAs that straddle
 * its edges first.  fn may free the VMA it is given.
 */
static int for_each_vma_in(struct vm *vm, uint64_t addr, uint64_t end,
			   void (*fn)(struct vm *, struct vma *, unsigned), unsigned arg)
{
	struct list *it, *next;

	for (it = vm->vmas.next; it != &vm->vmas; it = next) {
		struct vma *v = list_entry(it, struct vma, link);
		if (v->start >= end)
			break;
		if (v->end <= addr) {
			next = it->next;
			continue;
		}
		if (v->start < addr) {
			if (vma_split(v, addr) < 0)
				return -ENOMEM;
			next = it->next;   /* the part from addr on comes next */
			continue;
		}
		if (v->end > end && vma_split(v, end) < 0)
			return -ENOMEM;
		next = it->next;
		fn(vm, v, arg);
	}
	return 0;
}

static void unmap_vma(struct vm *vm, struct vma *v, unsigned unused)
{
	(void)unused;
	/* Cannot fail: vm_unmap made the tables of the range its own first. */
	unmap_pages(vm, v->start, v->end);
	vma_free(v);
}

int vm_unmap(struct vm *vm, uint64_t addr, uint64_t len)
{
	uint64_t end = addr + ALIGN_UP(len, PAGE_SIZE);
	int err;

	if ((addr & (PAGE_SIZE - 1)) || end < addr || end > USER_TOP)
		return -EINVAL;
	err = own_tables(vm, addr, end, true);
	if (err)
		return err;
	return for_each_vma_in(vm, addr, end, unmap_vma, 0);
}

static bool range_free(struct vm *vm, uint64_t start, uint64_t end)
{
	struct list *it;
	list_for_each(it, &vm->vmas) {
		struct vma *v = list_entry(it, struct vma, link);
		if (v->start < end && start < v->end)
			return false;
	}
	return true;
}

/* Highest free range of len bytes below vm->mmap_base. */
static uint64_t find_free(struct vm *vm, uint64_t len)
{
	uint64_t top = vm->mmap_base;
	struct list *it;

	/* Walk VMAs from the top down. */
	for (it = vm->vmas.prev; it != &vm->vmas; it = it->prev) {
		struct vma *v = list_entry(it, struct vma, link);
		if (v->start >= top)
			continue;
		if (v->end <= top - len && top - len >= MMAP_BOTTOM && top >= len)
			return top - len;
		top = v->start;
	}
	if (top >= len && top - len >= MMAP_BOTTOM)
		return top - len;
	return 0;
}

long vm_map(struct vm *vm, uint64_t addr, uint64_t len, unsigned prot, unsigned flags,
	    unsigned mapflags, struct inode *file, uint64_t off)
{
	struct vma *v;
	struct list *it;

	len = ALIGN_UP(len, PAGE_SIZE);
	if (len == 0 || (addr & (PAGE_SIZE - 1)))
		return -EINVAL;
	if (mapflags & (VM_MAP_FIXED | VM_MAP_NOREPLACE)) {
		if (addr + len < addr || addr + len > USER_TOP || addr < PAGE_SIZE)
			return -ENOMEM;
		if (!range_free(vm, addr, addr + len)) {
			if (mapflags & VM_MAP_NOREPLACE)
				return -EEXIST;
			int err = vm_unmap(vm, addr, len);
			if (err)
				return err;
		}
	} else {
		if (!addr || addr + len < addr || addr + len > USER_TOP || !range_free(vm, addr, addr + len))
			addr = find_free(vm, len);
		if (!addr)
			return -ENOMEM;
	}
	v = kzalloc(sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->start = addr;
	v->end = addr + len;
	v->prot = prot;
	v->flags = flags;
	v->file = file;
	v->file_off = off;
	v->file_end = file ? v->end : 0;
	if (file)
		inode_ref(file);
	/* Keep the list sorted by address. */
	for (it = vm->vmas.next; it != &vm->vmas; it = it->next)
		if (list_entry(it, struct vma, link)->start > addr)
			break;
	list_insert_after(it->prev, &v->link);
	return addr;
}

bool vm_range_mapped(struct vm *vm, uint64_t addr, uint64_t end)
{
	for (uint64_t a = addr; a < end;) {
		struct vma *v = vm_find(vm, a);
		if (!v)
			return false;
		a = v->end;
	}
	return true;
}

static void protect_vma(struct vm *vm, struct vma *v, unsigned prot)
{
	v->prot = prot;
	for (uint64_t va = v->start; va < v->end; va += PAGE_SIZE) {
		uint64_t *pte = pt_walk(vm->pml4, va, false);
		if (pte && (*pte & PTE_P)) {
			*pte = (*pte & (PTE_ADDR | PTE_BORROWED | PTE_COW)) | pte_flags(prot);
			/* A shared copy-on-write page stays read-only until a write copies it. */
			if (*pte & PTE_COW)
				*pte &= ~PTE_W;
			tlb_flush_page(va);
		}
	}
}

int vm_protect(struct vm *vm, uint64_t addr, uint64_t len, unsigned prot)
{
	uint64_t end = addr + ALIGN_UP(len, PAGE_SIZE);

	if ((addr & (PAGE_SIZE - 1)) || end < addr || end > USER_TOP)
		return -EINVAL;
	if (!vm_range_mapped(vm, addr, end))
		return -ENOMEM;
	/* As Linux: a mapping that may not be written cannot be made writable. */
	for (uint64_t a = addr; (prot & VM_WRITE) && a < end;) {
		struct vma *v = vm_find(vm, a);
		if (v->flags & VM_NOWRITE)
			return -EACCES;
		a = v->end;
	}
	if (own_tables(vm, addr, end, false) < 0)
		return -ENOMEM;
	return for_each_vma_in(vm, addr, end, protect_vma, prot);
}

/* Fills a new page for va in VMA v: file contents (up to file_end) or zeros. */
static int fill_page(struct vma *v, uint64_t va, void *page)
{
	if (v->file && va < v->file_end) {
		size_t n = MIN(PAGE_SIZE, v->file_end - va);
		ssize_t got = vfs_read_inode(v->file, page, n, v->file_off + (va - v->start));
		if (got < 0)
			return (int)got;
	}
	return 0;
}

/*
 * A private mapping of a ramfs file may read the file's own page until it
 * writes (then cow_break copies it), as Linux maps its page cache: exec and
 * shared libraries then copy nothing.  Only whole pages of file data
 * qualify (a page that ends in zeros past file_end is the mapping's own),
 * and only ramfs, whose pages stay put until the file shrinks
 * (truncated_in unmaps them then).  The file's page, or NULL.
 */
static void *private_file_page(struct vma *v, uint64_t va)
{
	uint64_t off = v->file_off + (va - v->start);

	if (!v->file || (v->flags & VM_SHARED) || !ramfs_is_file(v->file) || !v->file->iops->get_page ||
	    va + PAGE_SIZE > v->file_end || off + PAGE_SIZE > v->file->size)
		return NULL;
	return v->file->iops->get_page(v->file, off / PAGE_SIZE);
}

/*
 * Puts the page for va of VMA v into the empty PTE: the file's own page for
 * a shared file mapping or, until the first write, for a private one
 * (private_file_page), else a new page holding the file's bytes or zeros.
 * A file page wholly past the end of the file, shared or private, is
 * -ENXIO (SIGBUS for the program, EFAULT for a user copy), as on Linux;
 * the zeros past an ELF segment's file data (file_end) are not the file's.
 */
static int map_page(struct vma *v, uint64_t va, uint64_t *pte, bool write)
{
	void *page;

	if (v->file && va < v->file_end &&
	    v->file_off + (va - v->start) >= ALIGN_UP(v->file->size, PAGE_SIZE))
		return -ENXIO;
	if (v->file && (v->flags & VM_SHARED)) {
		uint64_t off = v->file_off + (va - v->start);
		page = v->file->iops->get_page(v->file, off / PAGE_SIZE);
		if (!page)
			return -ENOMEM;
		*pte = virt_to_phys(page) | pte_flags(v->prot) | PTE_BORROWED;
		return 0;
	}
	if (!write && (page = private_file_page(v, va))) {
		*pte = virt_to_phys(page) | (pte_flags(v->prot) & ~PTE_W) | PTE_BORROWED | PTE_COW;
		return 0;
	}
	page = page_alloc();
	if (!page)
		return -ENOMEM;
	if (fill_page(v, va, page) < 0) {
		page_free(page);
		return -EFAULT;
	}
	*pte = virt_to_phys(page) | pte_flags(v->prot);
	return 0;
}

/* The first write to a copy-on-write page: take it over when nobody else holds it, else copy it. */
static int cow_break(struct vma *v, uint64_t va, uint64_t *pte)
{
	void *old = phys_to_virt(*pte & PTE_ADDR), *page;
	bool borrowed = *pte & PTE_BORROWED;    /* a file's page (private_file_page): always copied */

	if (borrowed || page_refcount(old) > 1) {
		page = page_alloc_n_dirty(1);
		if (!page)
			return -ENOMEM;
		memcpy(page, old, PAGE_SIZE);
		if (!borrowed)
			page_free(old);
	} else {
		page = old;
	}
	*pte = virt_to_phys(page) | pte_flags(v->prot);
	tlb_flush_page(va);
	return 0;
}

int vm_fault(struct vm *vm, uint64_t addr, bool write, bool exec)
{
	struct vma *v = vm_find(vm, addr);
	uint64_t va = ALIGN_DOWN(addr, PAGE_SIZE);
	uint64_t *pte;

	if (!v)
		return -EFAULT;
	if ((write && !(v->prot & VM_WRITE)) || (exec && !(v->prot & VM_EXEC)) ||
	    (!write && !exec && !(v->prot & (VM_READ | VM_WRITE | VM_EXEC))))
		return -EFAULT;
	pte = pt_walk(vm->pml4, va, true);
	if (!pte)
		return -ENOMEM;
	if ((*pte & PTE_P) && write && (*pte & PTE_COW))
		return cow_break(v, va, pte);
	if ((*pte & PTE_P) && write && (*pte & PTE_W)) {
		/* Written through a table fork shared (pt_walk just made it ours), or a stale TLB entry. */
		tlb_flush_page(va);
		return 0;
	}
	if (*pte & PTE_P)
		return -EFAULT;   /* present yet faulted: a protection violation */
	return map_page(v, va, pte, write);
}

int vm_write(struct vm *vm, uint64_t addr, const void *src, size_t n)
{
	const char *s = src;

	while (n) {
		uint64_t va = ALIGN_DOWN(addr, PAGE_SIZE);
		size_t off = addr - va, k = MIN(n, PAGE_SIZE - off);
		struct vma *v = vm_find(vm, va);
		uint64_t *pte = v ? pt_walk(vm->pml4, va, true) : NULL;
		int err;

		if (!v)
			return -EFAULT;
		if (!pte)
			return -ENOMEM;
		if (!(*pte & PTE_P) && (err = map_page(v, va, pte, true)) < 0)
			return err;
		if ((*pte & PTE_COW) && (err = cow_break(v, va, pte)) < 0)
			return err;
		memcpy((char *)phys_to_virt(*pte & PTE_ADDR) + off, s, k);
		s += k;
		addr += k;
		n -= k;
	}
	return 0;
}

struct vm *vm_fork(struct vm *vm)
{
	struct vm *child = vm_create();
	struct list *it;

	if (!child)
		return NULL;
	child->brk_start = vm->brk_start;
	child->brk = vm->brk;
	child->mmap_base = vm->mmap_base;
	list_for_each(it, &vm->vmas) {
		struct vma *v = list_entry(it, struct vma, link), *n = kmalloc(sizeof(*n));
		if (!n)
			goto err;
		*n = *v;
		if (n->file)
			inode_ref(n->file);
		list_add_tail(&child->vmas, &n->link);
	}
	/* Page tables, not pages: private pages become copy-on-write when a table stops being shared. */
	if (pt_fork(vm->pml4, child->pml4) < 0)
		goto err;
	/* The parent's page tables just became read-only. */
	pt_activate(vm->pml4);
	return child;

err:
	vm_destroy(child);
	pt_activate(vm->pml4);
	return NULL;
}

bool user_ok(const void *uaddr, size_t n, bool write)
{
	uint64_t a = (uint64_t)uaddr, end = a + n;
	struct vm *vm = current_proc()->vm;

	if (n == 0)
		return true;
	if (end < a || end > USER_TOP)
		return false;
	for (uint64_t p = a; p < end;) {
		struct vma *v = vm_find(vm, p);
		if (!v || !(v->prot & (write ? VM_WRITE : VM_READ)))
			return false;
		p = v->end;
	}
	return true;
}

int memcpy_user(void *dst, const void *src, size_t n)
{
	return usercopy_raw(dst, src, n) ? -EFAULT : 0;
}

int memzero_user(void *dst, size_t n)
{
	return userzero_raw(dst, n) ? -EFAULT : 0;
}

int copy_from_user(void *dst, const void *usrc, size_t n)
{
	if (!user_ok(usrc, n, false))
		return -EFAULT;
	return memcpy_user(dst, usrc, n);
}

int copy_to_user(void *udst, const void *src, size_t n)
{
	if (!user_ok(udst, n, true))
		return -EFAULT;
	return memcpy_user(udst, src, n);
}

long strncpy_from_user(char *dst, const char *usrc, size_t max)
{
	struct vm *vm = current_proc()->vm;
	uint64_t a = (uint64_t)usrc;
	size_t done = 0;

	/* Page by page, each checked against the VMAs (PROT_NONE reads fail
	 * without a fault); a page unmapped meanwhile faults into -EFAULT. */
	while (done < max) {
		struct vma *v = a < USER_TOP ? vm_find(vm, a) : NULL;
		size_t chunk = MIN(max - done, PAGE_SIZE - (a & (PAGE_SIZE - 1)));
		long n;

		if (!v || !(v->prot & VM_READ))
			return -EFAULT;
		n = strncpy_user_raw(dst + done, (const char *)a, chunk);
		if (n < 0)
			return -EFAULT;
		if ((size_t)n < chunk)
			return done + n;
		done += chunk;
		a += chunk;
	}
	return -ENAMETOOLONG;
}

/* Moves the page-table entries of [from, from+len) to [to, to+len); the target must be empty. */
static int move_pages(struct vm *vm, uint64_t from, uint64_t to, uint64_t len)
{
	for (uint64_t off = 0; off < len; off += PAGE_SIZE) {
		uint64_t *src = pt_walk(vm->pml4, from + off, false), *dst;
		if (!src || !(*src & PTE_P))
			continue;
		/* Both ends in tables of this address space's own (the source may be shared since a fork). */
		src = pt_walk(vm->pml4, from + off, true);
		dst = src ? pt_walk(vm->pml4, to + off, true) : NULL;
		if (!dst)
			return -ENOMEM;
		*dst = *src;
		*src = 0;
		tlb_flush_page(from + off);
	}
	return 0;
}

long vm_remap(struct vm *vm, uint64_t old, uint64_t old_len, uint64_t new_len, bool may_move,
	      bool fixed, uint64_t new_addr)
{
	struct vma *v, *n;
	struct list *it;
	uint64_t dest;
	int err;

	old_len = ALIGN_UP(old_len, PAGE_SIZE);
	new_len = ALIGN_UP(new_len, PAGE_SIZE);
	if ((old & (PAGE_SIZE - 1)) || new_len == 0 || old + old_len < old || old + old_len > USER_TOP)
		return -EINVAL;
	if (fixed && ((new_addr & (PAGE_SIZE - 1)) || new_addr + new_len < new_addr || new_addr + new_len > USER_TOP ||
		      (new_addr < old + old_len && old < new_addr + new_len)))
		return -EINVAL;
	v = vm_find(vm, old);
	if (!v || old + old_len > v->end)
		return -EFAULT;
	/* Make the old range exactly one VMA. */
	if (vma_split(v, old) < 0)
		return -ENOMEM;
	v = vm_find(vm, old);
	if (old_len && vma_split(v, old + old_len) < 0)
		return -ENOMEM;
	if (!fixed && new_len <= old_len) {
		if (new_len < old_len)
			vm_unmap(vm, old + new_len, old_len - new_len);
		return old;
	}
	if (!fixed && range_free(vm, v->end, old + new_len) && old + new_len <= USER_TOP) {
		if (v->file && v->file_end == v->end)
			v->file_end = old + new_len;
		v->end = old + new_len;
		return old;
	}
	if (!may_move)
		return -ENOMEM;
	if (fixed) {
		err = vm_unmap(vm, new_addr, new_len);
		if (err)
			return err;
		dest = new_addr;
	} else {
		dest = find_free(vm, new_len);
		if (!dest)
			return -ENOMEM;
	}
	if (new_len < old_len) {
		vm_unmap(vm, old + new_len, old_len - new_len);
		old_len = new_len;
	}
	err = move_pages(vm, old, dest, old_len);
	if (err)
		return err;
	n = kmalloc(sizeof(*n));
	if (!n)
		return -ENOMEM;
	*n = *v;
	n->start = dest;
	n->end = dest + new_len;
	if (v->file) {
		uint64_t file_len = v->file_end > v->start ? v->file_end - v->start : 0;
		n->file_end = v->file_end == v->end ? n->end : dest + file_len;
		inode_ref(v->file);
	}
	for (it = vm->vmas.next; it != &vm->vmas; it = it->next)
		if (list_entry(it, struct vma, link)->start > dest)
			break;
	list_insert_after(it->prev, &n->link);
	/* Only now, with n in place: a System V segment moved is still attached. */
	vma_free(v);
	return dest;
}
