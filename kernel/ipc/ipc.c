/* SPDX-License-Identifier: MIT */
/* ipc.c: System V IPC identifiers, keys and permissions, shared by shm.c, sem.c and msg.c. */
#include "kernel.h"
#include "ipc.h"
#include "ktime.h"
#include "sched.h"
#include <linux/ipc.h>

#define IPC_SEQ_MULT 32768    /* Linux's IPCMNI: ids are slot + seq * 32768 */

int64_t ipc_now(void)
{
	return clock_realtime_ns() / 1000000000;
}

static bool in_group(const struct cred *c, unsigned gid)
{
	if (c->egid == gid)
		return true;
	for (int i = 0; i < c->ngroups; i++)
		if (c->groups[i] == gid)
			return true;
	return false;
}

int ipc_permitted(const struct ipc_obj *o, unsigned want)
{
	const struct cred *c = &current_proc()->cred;
	unsigned granted = o->mode;

	if (c->euid == 0)
		return 0;     /* CAP_IPC_OWNER */
	if (c->euid == o->uid || c->euid == o->cuid)
		granted >>= 6;
	else if (in_group(c, o->gid) || in_group(c, o->cgid))
		granted >>= 3;
	return (want & ~granted & 7) ? -EACCES : 0;
}

int ipc_owner(const struct ipc_obj *o)
{
	const struct cred *c = &current_proc()->cred;

	if (c->euid == 0 || c->euid == o->uid || c->euid == o->cuid)
		return 0;
	return -EPERM;
}

void ipc_fill_perm(struct ipc64_perm *p, const struct ipc_obj *o)
{
	memset(p, 0, sizeof(*p));
	p->key = o->key;
	p->uid = o->uid;
	p->gid = o->gid;
	p->cuid = o->cuid;
	p->cgid = o->cgid;
	p->mode = o->mode;
	p->seq = o->seq;
}

void ipc_set_perm(struct ipc_obj *o, const struct ipc64_perm *p)
{
	o->uid = p->uid;
	o->gid = p->gid;
	o->mode = (o->mode & ~0777u) | (p->mode & 0777);
	o->ctime = ipc_now();
}

struct ipc_obj *ipc_at(struct ipc_ids *ids, int idx)
{
	if (idx < 0 || idx >= ids->nslots)
		return NULL;
	return ids->slots[idx];
}

struct ipc_obj *ipc_lookup(struct ipc_ids *ids, int id)
{
	struct ipc_obj *o;

	if (id < 0)
		return NULL;
	o = ipc_at(ids, id % IPC_SEQ_MULT);
	return o && o->id == id ? o : NULL;
}

struct ipc_obj *ipc_ctl_obj(struct ipc_ids *ids, int id, bool by_index)
{
	return by_index ? ipc_at(ids, id) : ipc_lookup(ids, id);
}

int ipc_highest(struct ipc_ids *ids)
{
	for (int i = ids->nslots - 1; i >= 0; i--)
		if (ids->slots[i])
			return i;
	return -1;
}

void ipc_remove(struct ipc_ids *ids, struct ipc_obj *o)
{
	int idx = o->id % IPC_SEQ_MULT;

	if (idx < ids->nslots && ids->slots[idx] == o) {
		ids->slots[idx] = NULL;
		ids->in_use--;
	}
	o->key = IPC_PRIVATE;
}

/* A free slot, growing the table when full; the slot or -ENOSPC/-ENOMEM. */
static int free_slot(struct ipc_ids *ids)
{
	int idx;

	if (ids->in_use >= ids->max)
		return -ENOSPC;
	for (idx = 0; idx < ids->nslots && ids->slots[idx]; idx++)
		;
	if (idx == ids->nslots) {
		int n = ids->nslots ? ids->nslots * 2 : 16;
		struct ipc_obj **s = krealloc(ids->slots, n * sizeof(*s));

		if (!s)
			return -ENOMEM;
		memset(s + ids->nslots, 0, (n - ids->nslots) * sizeof(*s));
		ids->slots = s;
		ids->nslots = n;
	}
	return idx;
}

long ipc_get(struct ipc_ids *ids, int key, int flags,
	     struct ipc_obj *(*create)(long arg, int *err), int (*check)(struct ipc_obj *o, long arg),
	     long arg)
{
	const struct cred *c = &current_proc()->cred;
	struct ipc_obj *o = NULL;
	int err, idx;

	if (key != IPC_PRIVATE) {
		for (int i = 0; i < ids->nslots; i++)
			if (ids->slots[i] && ids->slots[i]->key == key) {
				o = ids->slots[i];
				break;
			}
	}
	if (o) {
		if ((flags & (IPC_CREAT | IPC_EXCL)) == (IPC_CREAT | IPC_EXCL))
			return -EEXIST;
		/* The request's mode bits ask for that access in any class (Linux's ipcperms). */
		err = ipc_permitted(o, ((flags >> 6) | (flags >> 3) | flags) & 7);
		if (err)
			return err;
		err = check ? check(o, arg) : 0;
		return err ? err : o->id;
	}
	if (key != IPC_PRIVATE && !(flags & IPC_CREAT))
		return -ENOENT;
	idx = free_slot(ids);
	if (idx < 0)
		return idx;
	o = create(arg, &err);
	if (!o)
		return err;
	o->key = key;
	o->uid = o->cuid = c->euid;
	o->gid = o->cgid = c->egid;
	o->mode = flags & 0777;
	o->ctime = ipc_now();
	o->seq = ids->seq++ % (0x7fffffff / IPC_SEQ_MULT);
	o->id = idx + o->seq * IPC_SEQ_MULT;
	ids->slots[idx] = o;
	ids->in_use++;
	return o->id;
}
