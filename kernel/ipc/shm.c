/* SPDX-License-Identifier: MIT */
/* shm.c: System V shared memory: shmget, shmat, shmdt, shmctl; a segment is an unnamed ramfs file mapped shared. */
#include "kernel.h"
#include "ipc.h"
#include "mm.h"
#include "sched.h"
#include "syscall.h"
#include "vfs.h"
#include <linux/ipc.h>
#include <linux/shm.h>
#include <asm/shmbuf.h>

/* Flags of shmget beyond the mode and IPC_CREAT/IPC_EXCL. */
#define SHM_HUGETLB_FLAG 04000
/* Mode bits Linux keeps in shm_perm.mode (its ipc/shm.c): marked for removal, locked. */
#define SHM_DEST   01000
#define SHM_LOCKED 02000
#define SHMLBA PAGE_SIZE
/* uapi's SHMMAX and SHMALL use ULONG_MAX, which a freestanding kernel does not get from limits.h. */
#ifndef ULONG_MAX
#define ULONG_MAX (~0UL)
#endif

struct shm_seg {
	struct ipc_obj obj;          /* first: shm_ids holds &seg->obj */
	struct inode *ino;           /* the pages: an unnamed ramfs file of the rounded-up size */
	size_t size;                 /* as asked for (shm_segsz) */
	int64_t atime, dtime;
	int cpid, lpid;
	bool attaching;              /* in shmat: an SHM_REMAP over its own last mapping must not destroy it */
};

static struct ipc_ids shm_ids = { .max = SHMMNI };

static struct shm_seg *seg_of(struct ipc_obj *o)
{
	return container_of(o, struct shm_seg, obj);
}

static void seg_destroy(struct shm_seg *s)
{
	ipc_remove(&shm_ids, &s->obj);
	inode_unref(s->ino);
	kfree(s);
}

/* The segment goes once it is marked for removal and nothing maps it any more. */
static void seg_destroy_if_done(struct shm_seg *s)
{
	if ((s->obj.mode & SHM_DEST) && !s->attaching && vm_file_map_count(s->ino) == 0)
		seg_destroy(s);
}

static struct shm_seg *seg_of_inode(struct inode *ino)
{
	for (int i = 0; i < shm_ids.nslots; i++)
		if (shm_ids.slots[i] && seg_of(shm_ids.slots[i])->ino == ino)
			return seg_of(shm_ids.slots[i]);
	return NULL;
}

void shm_unmapped(struct inode *ino)
{
	struct shm_seg *s = seg_of_inode(ino);
	struct proc *p = current_proc();

	if (!s)
		return;
	s->dtime = ipc_now();
	if (p)
		s->lpid = p->pid;
	seg_destroy_if_done(s);
}

static struct ipc_obj *seg_create(long size, int *err)
{
	struct shm_seg *s;

	*err = -EINVAL;
	if ((size_t)size < SHMMIN || (size_t)size > SHMMAX)
		return NULL;
	*err = -ENOMEM;
	s = kzalloc(sizeof(*s));
	if (!s)
		return NULL;
	s->ino = ramfs_create_unlinked(S_IFREG | 0600);
	if (!s->ino)
		goto err_free;
	if (vfs_truncate(s->ino, ALIGN_UP(size, PAGE_SIZE)) < 0)
		goto err_unref;
	s->size = size;
	s->cpid = current_proc()->pid;
	return &s->obj;

err_unref:
	inode_unref(s->ino);
err_free:
	kfree(s);
	return NULL;
}

static int seg_check(struct ipc_obj *o, long size)
{
	return (size_t)size > seg_of(o)->size ? -EINVAL : 0;
}

long sys_shmget(int key, size_t size, int flags)
{
	if (flags & SHM_HUGETLB_FLAG)
		return -ENOMEM;     /* no huge page pool, as a Linux with vm.nr_hugepages = 0 */
	return ipc_get(&shm_ids, key, flags, seg_create, seg_check, size);
}

long sys_shmat(int id, uint64_t addr, int flags)
{
	struct proc *p = current_proc();
	struct ipc_obj *o = ipc_lookup(&shm_ids, id);
	unsigned prot = VM_READ, mapflags = 0;
	struct shm_seg *s;
	long r;

	if (!o)
		return -EINVAL;
	s = seg_of(o);
	if (addr) {
		if (addr & (SHMLBA - 1)) {
			if (!(flags & SHM_RND))
				return -EINVAL;
			addr &= ~(uint64_t)(SHMLBA - 1);
		}
		if (!addr)
			return -EINVAL;
		mapflags = (flags & SHM_REMAP) ? VM_MAP_FIXED : VM_MAP_NOREPLACE;
	} else if (flags & SHM_REMAP) {
		return -EINVAL;
	}
	if (!(flags & SHM_RDONLY))
		prot |= VM_WRITE;
	if (flags & SHM_EXEC)
		prot |= VM_EXEC;
	r = ipc_permitted(o, (flags & SHM_RDONLY) ? 4 : 6);
	if (r)
		return r;
	s->attaching = true;
	/* A read-only attachment stays so: mprotect cannot make it writable (EACCES), as on Linux. */
	r = vm_map(p->vm, addr, ALIGN_UP(s->size, PAGE_SIZE), prot,
		   VM_SHARED | VM_SYSVSHM | ((flags & SHM_RDONLY) ? VM_NOWRITE : 0), mapflags, s->ino, 0);
	s->attaching = false;
	if (r < 0) {
		seg_destroy_if_done(s);   /* SHM_REMAP may have unmapped its last attachment */
		return r == -EEXIST ? -EINVAL : r;
	}
	s->atime = ipc_now();
	s->lpid = p->pid;
	return r;
}

long sys_shmdt(uint64_t addr)
{
	struct proc *p = current_proc();
	struct vma *v = vm_find(p->vm, addr);
	struct shm_seg *s;
	struct inode *ino;
	uint64_t end;

	if ((addr & (PAGE_SIZE - 1)) || !v || v->start != addr || v->file_off != 0 || !(v->flags & VM_SYSVSHM))
		return -EINVAL;
	s = seg_of_inode(v->file);
	if (!s)
		return -EINVAL;
	/*
	 * Every piece of this attachment (mprotect may have split it), and
	 * nothing else; each is a detach (shm_unmapped), and the last may
	 * destroy s: only ino and end, taken now, are used after the first.
	 */
	ino = s->ino;
	end = addr + ALIGN_UP(s->size, PAGE_SIZE);
	while (v && v->start < end && v->file == ino) {
		uint64_t start = v->start, len = v->end - v->start;
		vm_unmap(p->vm, start, len);
		v = vm_find(p->vm, start + len);
		if (v && v->start != start + len)
			break;
	}
	return 0;
}

static void fill_stat(struct shmid64_ds *ds, struct shm_seg *s)
{
	memset(ds, 0, sizeof(*ds));
	ipc_fill_perm(&ds->shm_perm, &s->obj);
	ds->shm_segsz = s->size;
	ds->shm_atime = s->atime;
	ds->shm_dtime = s->dtime;
	ds->shm_ctime = s->obj.ctime;
	ds->shm_cpid = s->cpid;
	ds->shm_lpid = s->lpid;
	ds->shm_nattch = vm_file_map_count(s->ino);
}

static long shm_info_cmd(int cmd, void *buf)
{
	if (cmd == IPC_INFO) {
		struct shminfo64 info = {
			.shmmax = SHMMAX, .shmmin = SHMMIN, .shmmni = SHMMNI,
			.shmseg = SHMSEG, .shmall = SHMALL,
		};
		if (copy_to_user(buf, &info, sizeof(info)))
			return -EFAULT;
	} else {
		struct shm_info info = { .used_ids = shm_ids.in_use };
		for (int i = 0; i < shm_ids.nslots; i++)
			if (shm_ids.slots[i]) {
				size_t pages = ALIGN_UP(seg_of(shm_ids.slots[i])->size, PAGE_SIZE) / PAGE_SIZE;
				info.shm_tot += pages;
				info.shm_rss += pages;
			}
		if (copy_to_user(buf, &info, sizeof(info)))
			return -EFAULT;
	}
	return ipc_highest(&shm_ids) < 0 ? 0 : ipc_highest(&shm_ids);
}

long sys_shmctl(int id, int cmd, void *buf)
{
	struct shmid64_ds ds;
	struct ipc_obj *o;
	long err;

	cmd &= ~IPC_64;
	if (id < 0 || cmd < 0)
		return -EINVAL;
	switch (cmd) {
	case IPC_INFO:
	case SHM_INFO:
		return shm_info_cmd(cmd, buf);
	}
	o = ipc_ctl_obj(&shm_ids, id, cmd == SHM_STAT || cmd == SHM_STAT_ANY);
	if (!o)
		return -EINVAL;
	switch (cmd) {
	case IPC_STAT:
	case SHM_STAT:
	case SHM_STAT_ANY:
		if (cmd != SHM_STAT_ANY && (err = ipc_permitted(o, 4)))
			return err;
		fill_stat(&ds, seg_of(o));
		if (copy_to_user(buf, &ds, sizeof(ds)))
			return -EFAULT;
		return cmd == IPC_STAT ? 0 : o->id;
	case IPC_SET:
		if (copy_from_user(&ds, buf, sizeof(ds)))
			return -EFAULT;
		if ((err = ipc_owner(o)))
			return err;
		ipc_set_perm(o, &ds.shm_perm);
		return 0;
	case IPC_RMID:
		if ((err = ipc_owner(o)))
			return err;
		/* Gone at the last detach; until then its id still works, under key IPC_PRIVATE. */
		o->mode |= SHM_DEST;
		o->key = IPC_PRIVATE;
		seg_destroy_if_done(seg_of(o));
		return 0;
	case SHM_LOCK:
	case SHM_UNLOCK:
		/* husk never swaps: the pages stay in memory either way; the flag is what shows. */
		if ((err = ipc_owner(o)))
			return err;
		if (cmd == SHM_LOCK)
			o->mode |= SHM_LOCKED;
		else
			o->mode &= ~SHM_LOCKED;
		return 0;
	}
	return -EINVAL;
}
