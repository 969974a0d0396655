/* SPDX-License-Identifier: MIT */
/* sem.c: System V semaphores: semget, semop/semtimedop (all-or-nothing, blocking, SEM_UNDO), semctl. */
#include "kernel.h"
#include "ipc.h"
#include "ktime.h"
#include "sched.h"
#include "syscall.h"
#include <linux/ipc.h>
#include <linux/sem.h>
#include <asm/sembuf.h>
#include <linux/time_types.h>

struct ksem {
	int val;
	int pid;                     /* last process that changed it (GETPID) */
	int ncnt, zcnt;              /* threads waiting for it to grow, or to reach zero */
};

struct sem_set {
	struct ipc_obj obj;          /* first */
	int nsems;
	int64_t otime;
	struct waitq wait;           /* every thread blocked in semop on this set */
	int refs;                    /* the table's and each sleeper's */
	bool removed;                /* IPC_RMID: sleepers wake with EIDRM */
	struct ksem sems[];
};

/* The SEM_UNDO adjustments of a process, or of the processes sharing them (CLONE_SYSVSEM): Linux's struct sem_undo_list. */
struct sem_undo_list {
	int refs;                    /* processes whose semundo it is */
};

/* The adjustments of one sem_undo_list for one set (Linux's struct sem_undo). */
struct sem_undo {
	struct list link;            /* in undo_list */
	struct sem_undo_list *owner;
	int semid;
	int nsems;
	short adj[];
};

static struct ipc_ids sem_ids = { .max = SEMMNI };
static struct list undo_list = LIST_INIT(undo_list);

static struct sem_set *set_of(struct ipc_obj *o)
{
	return container_of(o, struct sem_set, obj);
}

static void set_put(struct sem_set *s)
{
	if (--s->refs == 0)
		kfree(s);
}

/* Drops every undo entry of semid (the set is gone); or, for semnum >= 0, zeroes that semaphore's (SETVAL, SETALL). */
static void undo_clear(int semid, int semnum)
{
	struct list *it, *tmp;

	list_for_each_safe(it, tmp, &undo_list) {
		struct sem_undo *u = list_entry(it, struct sem_undo, link);
		if (u->semid != semid)
			continue;
		if (semnum >= 0) {
			u->adj[semnum] = 0;
		} else {
			list_del(&u->link);
			kfree(u);
		}
	}
}

/* p's sem_undo_list, made on first use; NULL when memory ran out. */
static struct sem_undo_list *undo_list_of(struct proc *p)
{
	if (!p->semundo) {
		p->semundo = kzalloc(sizeof(*p->semundo));
		if (p->semundo)
			p->semundo->refs = 1;
	}
	return p->semundo;
}

int sem_clone(struct proc *parent, struct proc *child, bool share)
{
	child->semundo = NULL;
	if (!share)
		return 0;
	if (!undo_list_of(parent))
		return -ENOMEM;
	child->semundo = parent->semundo;
	child->semundo->refs++;
	return 0;
}

static struct sem_undo *undo_find(struct proc *p, struct sem_set *s, bool create)
{
	struct list *it;
	struct sem_undo *u;

	list_for_each(it, &undo_list) {
		u = list_entry(it, struct sem_undo, link);
		if (p->semundo && u->owner == p->semundo && u->semid == s->obj.id)
			return u;
	}
	if (!create || !undo_list_of(p))
		return NULL;
	u = kzalloc(sizeof(*u) + s->nsems * sizeof(short));
	if (!u)
		return NULL;
	u->owner = p->semundo;
	u->semid = s->obj.id;
	u->nsems = s->nsems;
	list_add_tail(&undo_list, &u->link);
	return u;
}

void sem_proc_exit(struct proc *p)
{
	struct sem_undo_list *l = p->semundo;
	struct list *it, *tmp;

	p->semundo = NULL;
	if (!l || --l->refs > 0)
		return;
	list_for_each_safe(it, tmp, &undo_list) {
		struct sem_undo *u = list_entry(it, struct sem_undo, link);
		struct ipc_obj *o;

		if (u->owner != l)
			continue;
		o = ipc_lookup(&sem_ids, u->semid);
		if (o) {
			struct sem_set *s = set_of(o);
			for (int i = 0; i < u->nsems && i < s->nsems; i++) {
				int v = s->sems[i].val + u->adj[i];
				if (!u->adj[i])
					continue;
				/* Linux clamps rather than fail: the process is gone. */
				s->sems[i].val = v < 0 ? 0 : v > SEMVMX ? SEMVMX : v;
				s->sems[i].pid = p->pid;
			}
			waitq_wake_all(&s->wait);
		}
		list_del(&u->link);
		kfree(u);
	}
	kfree(l);
}

static struct ipc_obj *set_create(long nsems, int *err)
{
	struct sem_set *s;

	*err = -EINVAL;
	if (nsems <= 0 || nsems > SEMMSL)
		return NULL;
	*err = -ENOMEM;
	s = kzalloc(sizeof(*s) + nsems * sizeof(struct ksem));
	if (!s)
		return NULL;
	s->nsems = nsems;
	s->refs = 1;
	waitq_init(&s->wait);
	return &s->obj;
}

static int set_check(struct ipc_obj *o, long nsems)
{
	return nsems > set_of(o)->nsems ? -EINVAL : 0;
}

long sys_semget(int key, int nsems, int flags)
{
	if (nsems < 0 || nsems > SEMMSL)
		return -EINVAL;
	return ipc_get(&sem_ids, key, flags, set_create, set_check, nsems);
}

/*
 * Tries sops as one atomic step.  Returns 0 when applied, 1 when it must
 * wait (*blocker is the operation that could not go), or -errno.
 */
static int try_ops(struct sem_set *s, const struct sembuf *sops, int nsops, struct sem_undo *u,
		   const struct sembuf **blocker, int *vals)
{
	for (int i = 0; i < nsops; i++)
		vals[i] = s->sems[sops[i].sem_num].val;
	/* Apply in order on the live values, then undo all if one cannot go. */
	for (int i = 0; i < nsops; i++) {
		struct ksem *k = &s->sems[sops[i].sem_num];
		int v = k->val + sops[i].sem_op;

		if ((sops[i].sem_op == 0 && k->val != 0) || v < 0 || v > SEMVMX ||
		    (u && (sops[i].sem_flg & SEM_UNDO) &&
		     (u->adj[sops[i].sem_num] - sops[i].sem_op < -SEMAEM - 1 ||
		      u->adj[sops[i].sem_num] - sops[i].sem_op > SEMAEM))) {
			int r = v > SEMVMX || (sops[i].sem_op != 0 && v >= 0) ? -ERANGE : 1;
			for (int j = i - 1; j >= 0; j--)
				s->sems[sops[j].sem_num].val = vals[j];
			if (r == 1 && (sops[i].sem_flg & IPC_NOWAIT))
				r = -EAGAIN;
			*blocker = &sops[i];
			return r;
		}
		k->val = v;
	}
	for (int i = 0; i < nsops; i++) {
		s->sems[sops[i].sem_num].pid = current_proc()->pid;
		if (u && (sops[i].sem_flg & SEM_UNDO))
			u->adj[sops[i].sem_num] -= sops[i].sem_op;
	}
	s->otime = ipc_now();
	return 0;
}

static long do_semop(int id, const struct sembuf *usops, unsigned nsops, uint64_t deadline)
{
	struct sembuf *sops;
	int *vals;
	const struct sembuf *blocker;
	struct ipc_obj *o;
	struct sem_set *s;
	struct sem_undo *u = NULL;
	bool alter = false, undo = false;
	long r;

	if (nsops < 1 || id < 0)
		return -EINVAL;
	if (nsops > SEMOPM)
		return -E2BIG;
	sops = kmalloc(nsops * (sizeof(*sops) + sizeof(*vals)));
	if (!sops)
		return -ENOMEM;
	vals = (int *)(sops + nsops);
	r = -EFAULT;
	if (copy_from_user(sops, usops, nsops * sizeof(*sops)))
		goto out_free;
	r = -EINVAL;
	o = ipc_lookup(&sem_ids, id);
	if (!o)
		goto out_free;
	s = set_of(o);
	for (unsigned i = 0; i < nsops; i++) {
		r = -EFBIG;
		if (sops[i].sem_num >= s->nsems)
			goto out_free;
		alter |= sops[i].sem_op != 0;
		undo |= (sops[i].sem_flg & SEM_UNDO) != 0;
	}
	r = ipc_permitted(o, alter ? 2 : 4);
	if (r)
		goto out_free;
	r = -ENOMEM;
	if (undo && !(u = undo_find(current_proc(), s, true)))
		goto out_free;
	s->refs++;
	for (;;) {
		r = try_ops(s, sops, nsops, u, &blocker, vals);
		if (r <= 0)
			break;
		struct ksem *k = &s->sems[blocker->sem_num];
		bool zero = blocker->sem_op == 0;
		if (zero)
			k->zcnt++;
		else
			k->ncnt++;
		r = waitq_wait(&s->wait, deadline);
		if (zero)
			k->zcnt--;
		else
			k->ncnt--;
		if (s->removed) {
			r = -EIDRM;
			break;
		}
		/* semop is never restarted, whatever SA_RESTART says (as Linux). */
		if (r == -ETIMEDOUT) {
			r = -EAGAIN;
			break;
		}
		if (r == -EINTR)
			break;
	}
	if (r == 0 && alter)
		waitq_wake_all(&s->wait);
	set_put(s);
out_free:
	kfree(sops);
	return r;
}

long sys_semop(int id, const void *sops, unsigned nsops)
{
	return do_semop(id, sops, nsops, 0);
}

long sys_semtimedop(int id, const void *sops, unsigned nsops, const void *utimeout)
{
	struct __kernel_timespec ts;
	uint64_t deadline = 0;

	if (utimeout) {
		if (copy_from_user(&ts, utimeout, sizeof(ts)))
			return -EFAULT;
		if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
			return -EINVAL;
		/* A zero timeout still has to mean "now", not "forever". */
		deadline = clock_monotonic_ns() + (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
		if (deadline == 0)
			deadline = 1;
	}
	return do_semop(id, sops, nsops, deadline);
}

static void fill_stat(struct semid64_ds *ds, struct sem_set *s)
{
	memset(ds, 0, sizeof(*ds));
	ipc_fill_perm(&ds->sem_perm, &s->obj);
	ds->sem_otime = s->otime;
	ds->sem_ctime = s->obj.ctime;
	ds->sem_nsems = s->nsems;
}

static long sem_info_cmd(int cmd, void *buf)
{
	struct seminfo info = {
		.semmap = SEMMAP, .semmni = SEMMNI, .semmns = SEMMNS, .semmnu = SEMMNU,
		.semmsl = SEMMSL, .semopm = SEMOPM, .semume = SEMUME, .semusz = SEMUSZ,
		.semvmx = SEMVMX, .semaem = SEMAEM,
	};

	if (cmd == SEM_INFO) {
		int n = 0;
		for (int i = 0; i < sem_ids.nslots; i++)
			if (sem_ids.slots[i])
				n += set_of(sem_ids.slots[i])->nsems;
		info.semusz = sem_ids.in_use;
		info.semaem = n;
	}
	if (copy_to_user(buf, &info, sizeof(info)))
		return -EFAULT;
	return ipc_highest(&sem_ids) < 0 ? 0 : ipc_highest(&sem_ids);
}

long sys_semctl(int id, int semnum, int cmd, unsigned long arg)
{
	void *buf = (void *)arg;
	struct semid64_ds ds;
	struct ipc_obj *o;
	struct sem_set *s;
	unsigned short *vals;
	long err;

	cmd &= ~IPC_64;
	if (id < 0 || cmd < 0)
		return -EINVAL;
	switch (cmd) {
	case IPC_INFO:
	case SEM_INFO:
		return sem_info_cmd(cmd, buf);
	}
	o = ipc_ctl_obj(&sem_ids, id, cmd == SEM_STAT || cmd == SEM_STAT_ANY);
	if (!o)
		return -EINVAL;
	s = set_of(o);
	switch (cmd) {
	case GETVAL: case GETPID: case GETNCNT: case GETZCNT: case SETVAL:
		if (semnum < 0 || semnum >= s->nsems)
			return -EINVAL;
	}
	switch (cmd) {
	case IPC_STAT:
	case SEM_STAT:
	case SEM_STAT_ANY:
		if (cmd != SEM_STAT_ANY && (err = ipc_permitted(o, 4)))
			return err;
		fill_stat(&ds, s);
		if (copy_to_user(buf, &ds, sizeof(ds)))
			return -EFAULT;
		return cmd == IPC_STAT ? 0 : o->id;
	case IPC_SET:
		if (copy_from_user(&ds, buf, sizeof(ds)))
			return -EFAULT;
		if ((err = ipc_owner(o)))
			return err;
		ipc_set_perm(o, &ds.sem_perm);
		return 0;
	case IPC_RMID:
		if ((err = ipc_owner(o)))
			return err;
		ipc_remove(&sem_ids, o);
		undo_clear(id, -1);
		s->removed = true;
		waitq_wake_all(&s->wait);
		set_put(s);
		return 0;
	case GETVAL: case GETPID: case GETNCNT: case GETZCNT: case GETALL:
		if ((err = ipc_permitted(o, 4)))
			return err;
		break;
	case SETVAL: case SETALL:
		if ((err = ipc_permitted(o, 2)))
			return err;
		break;
	default:
		return -EINVAL;
	}
	switch (cmd) {
	case GETVAL:
		return s->sems[semnum].val;
	case GETPID:
		return s->sems[semnum].pid;
	case GETNCNT:
		return s->sems[semnum].ncnt;
	case GETZCNT:
		return s->sems[semnum].zcnt;
	case GETALL:
		if (!(vals = kmalloc(s->nsems * sizeof(*vals))))
			return -ENOMEM;
		for (int i = 0; i < s->nsems; i++)
			vals[i] = s->sems[i].val;
		err = copy_to_user(buf, vals, s->nsems * sizeof(*vals)) ? -EFAULT : 0;
		kfree(vals);
		return err;
	case SETVAL: {
		int v = (int)arg;    /* union semun passed by value: its int member */
		if (v < 0 || v > SEMVMX)
			return -ERANGE;
		s->sems[semnum].val = v;
		s->sems[semnum].pid = current_proc()->pid;
		undo_clear(id, semnum);
		break;
	}
	case SETALL:
		if (!(vals = kmalloc(s->nsems * sizeof(*vals))))
			return -ENOMEM;
		err = copy_from_user(vals, buf, s->nsems * sizeof(*vals)) ? -EFAULT : 0;
		for (int i = 0; i < s->nsems && !err; i++)
			if (vals[i] > SEMVMX)
				err = -ERANGE;
		for (int i = 0; i < s->nsems && !err; i++) {
			s->sems[i].val = vals[i];
			s->sems[i].pid = current_proc()->pid;
			undo_clear(id, i);
		}
		kfree(vals);
		if (err)
			return err;
		break;
	}
	s->obj.ctime = ipc_now();
	waitq_wake_all(&s->wait);
	return 0;
}
