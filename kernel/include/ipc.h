/* SPDX-License-Identifier: MIT */
/* ipc.h: System V IPC (shared memory, semaphores, message queues): identifiers, keys and permissions (kernel/ipc/). */
#ifndef IPC_H
#define IPC_H

#include "kernel.h"

struct proc;
struct ipc64_perm;
struct inode;

/*
 * What every IPC object has: its key, its id and its permissions.  An id
 * is slot + 32768 * sequence, as on Linux, so a removed object's id does
 * not name the next object put in its slot.
 */
struct ipc_obj {
	int id;
	int key;                     /* IPC_PRIVATE (0) once removed */
	unsigned uid, gid, cuid, cgid;
	unsigned mode;               /* low 9 bits: rwx for owner, group, others; plus SHM_DEST/SHM_LOCKED */
	unsigned short seq;
	int64_t ctime;               /* last change, seconds */
};

/* The objects of one kind (shm, sem or msg). */
struct ipc_ids {
	struct ipc_obj **slots;
	int nslots;                  /* allocated */
	int max;                     /* SHMMNI, SEMMNI or MSGMNI */
	int in_use;
	unsigned short seq;
};

/*
 * get(2) for one kind: finds key (or, for IPC_PRIVATE and a missing key
 * with IPC_CREAT, makes a new object with create(arg), which returns a
 * zeroed object of its kind or an ERR_PTR-style NULL with *err set).
 * check(obj, arg) validates an existing object against the request (size,
 * count).  Returns the id or -errno (EEXIST, ENOENT, EACCES, ENOSPC, ...).
 */
long ipc_get(struct ipc_ids *ids, int key, int flags,
	     struct ipc_obj *(*create)(long arg, int *err), int (*check)(struct ipc_obj *o, long arg),
	     long arg);
/* The object with this id, or NULL (the callers return EINVAL). */
struct ipc_obj *ipc_lookup(struct ipc_ids *ids, int id);
/* The object in slot idx (the *_STAT commands take an index), or NULL. */
struct ipc_obj *ipc_at(struct ipc_ids *ids, int idx);
/* The object a *ctl call names: by slot index for the *_STAT commands, else by id. */
struct ipc_obj *ipc_ctl_obj(struct ipc_ids *ids, int id, bool by_index);
/* Highest slot in use, or -1 (what IPC_INFO returns). */
int ipc_highest(struct ipc_ids *ids);
/* Takes o out of its table (IPC_RMID); the caller frees it when it may. */
void ipc_remove(struct ipc_ids *ids, struct ipc_obj *o);
/* 0 when the caller may access o for want (a mask of 4 read, 2 write), else -EACCES. */
int ipc_permitted(const struct ipc_obj *o, unsigned want);
/* 0 when the caller owns o or created it or is root (IPC_SET, IPC_RMID), else -EPERM. */
int ipc_owner(const struct ipc_obj *o);
/* Fills a Linux ipc64_perm from o. */
void ipc_fill_perm(struct ipc64_perm *p, const struct ipc_obj *o);
/* IPC_SET: takes uid, gid and the mode's low 9 bits from p. */
void ipc_set_perm(struct ipc_obj *o, const struct ipc64_perm *p);
/* Seconds of real time, for the *_time fields. */
int64_t ipc_now(void);

/*
 * ipc/shm.c: a VMA of the System V segment whose file is ino went away
 * (shmdt, munmap, mremap, exit, exec: mm/vm.c calls it for every VM_SYSVSHM
 * VMA it frees, once that VMA no longer counts): records the detach time and
 * pid, and destroys a segment marked for removal that nothing maps any more.
 */
struct inode;
void shm_unmapped(struct inode *ino);
/*
 * ipc/sem.c: a process that ends lets go of its SEM_UNDO adjustments; the
 * last process sharing them (CLONE_SYSVSEM) applies and drops them.
 */
void sem_proc_exit(struct proc *p);
/*
 * clone: with share (CLONE_SYSVSEM) child shares parent's SEM_UNDO
 * adjustments, as Linux: they are applied when the last of the processes
 * sharing them ends; without, child starts with none.  0 or -ENOMEM.
 */
int sem_clone(struct proc *parent, struct proc *child, bool share);

#endif
