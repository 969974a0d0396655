/* SPDX-License-Identifier: MIT */
/* msg.c: System V message queues: msgget, msgsnd, msgrcv (types, IPC_NOWAIT, MSG_NOERROR, MSG_EXCEPT), msgctl. */
#include "kernel.h"
#include "ipc.h"
#include "sched.h"
#include "syscall.h"
#include <linux/ipc.h>
#include <linux/msg.h>
#include <asm/msgbuf.h>

#define MSG_COPY_FLAG 040000

struct kmsg {
	struct list link;
	long type;
	size_t len;
	char text[];
};

struct msg_queue {
	struct ipc_obj obj;          /* first */
	struct list msgs;            /* in send order */
	size_t cbytes, qnum, qbytes;
	int lspid, lrpid;
	int64_t stime, rtime;
	struct waitq wait;           /* senders waiting for room and receivers waiting for a message */
	int refs;                    /* the table's and each sleeper's */
	bool removed;
};

static struct ipc_ids msg_ids = { .max = MSGMNI };

static struct msg_queue *queue_of(struct ipc_obj *o)
{
	return container_of(o, struct msg_queue, obj);
}

static void queue_put(struct msg_queue *q)
{
	struct list *it, *tmp;

	if (--q->refs > 0)
		return;
	list_for_each_safe(it, tmp, &q->msgs)
		kfree(list_entry(it, struct kmsg, link));
	kfree(q);
}

static struct ipc_obj *queue_create(long unused, int *err)
{
	struct msg_queue *q = kzalloc(sizeof(*q));

	*err = -ENOMEM;
	if (!q)
		return NULL;
	list_init(&q->msgs);
	q->qbytes = MSGMNB;
	q->refs = 1;
	waitq_init(&q->wait);
	return &q->obj;
}

long sys_msgget(int key, int flags)
{
	return ipc_get(&msg_ids, key, flags, queue_create, NULL, 0);
}

/* Sleeps on q until woken; -EIDRM, -EINTR or 0.  The caller holds a reference. */
static long queue_wait(struct msg_queue *q)
{
	long r = waitq_wait(&q->wait, 0);

	if (q->removed)
		return -EIDRM;
	return r;
}

long sys_msgsnd(int id, const void *umsg, size_t size, int flags)
{
	struct ipc_obj *o;
	struct msg_queue *q;
	struct kmsg *m;
	long r;

	if ((long)size < 0 || size > MSGMAX || id < 0)
		return -EINVAL;
	m = kmalloc(sizeof(*m) + size);
	if (!m)
		return -ENOMEM;
	r = -EFAULT;
	if (copy_from_user(&m->type, umsg, sizeof(long)) ||
	    copy_from_user(m->text, (const char *)umsg + sizeof(long), size))
		goto out_free;
	r = -EINVAL;
	if (m->type < 1)
		goto out_free;
	m->len = size;
	o = ipc_lookup(&msg_ids, id);
	if (!o)
		goto out_free;
	q = queue_of(o);
	if ((r = ipc_permitted(o, 2)))
		goto out_free;
	q->refs++;
	/* Room is counted in bytes and, as Linux does, in messages (qnum below qbytes). */
	while (q->cbytes + size > q->qbytes || q->qnum + 1 > q->qbytes) {
		r = -EAGAIN;
		if (flags & IPC_NOWAIT)
			break;
		r = queue_wait(q);
		if (r)
			break;
	}
	if (!r) {
		list_add_tail(&q->msgs, &m->link);
		q->cbytes += size;
		q->qnum++;
		q->lspid = current_proc()->pid;
		q->stime = ipc_now();
		waitq_wake_all(&q->wait);
		m = NULL;
		r = 0;
	}
	queue_put(q);
out_free:
	kfree(m);
	return r;
}

/* The message msgrcv(type, flags) takes, or NULL. */
static struct kmsg *find(struct msg_queue *q, long type, int flags)
{
	struct kmsg *best = NULL;
	struct list *it;

	list_for_each(it, &q->msgs) {
		struct kmsg *m = list_entry(it, struct kmsg, link);
		if (type == 0)
			return m;
		if (type > 0 && ((m->type == type) != !!(flags & MSG_EXCEPT)))
			return m;
		/* Negative: the lowest type not above |type|, the first of them. */
		if (type < 0 && m->type <= -type && (!best || m->type < best->type))
			best = m;
	}
	return best;
}

long sys_msgrcv(int id, void *umsg, size_t size, long type, int flags)
{
	struct ipc_obj *o;
	struct msg_queue *q;
	struct kmsg *m;
	long r;

	if ((long)size < 0 || id < 0)
		return -EINVAL;
	if (flags & MSG_COPY_FLAG)
		return -ENOSYS;    /* Linux without CONFIG_CHECKPOINT_RESTORE says the same */
	o = ipc_lookup(&msg_ids, id);
	if (!o)
		return -EINVAL;
	q = queue_of(o);
	if ((r = ipc_permitted(o, 4)))
		return r;
	q->refs++;
	for (;;) {
		m = find(q, type, flags);
		if (m) {
			if (m->len > size && !(flags & MSG_NOERROR)) {
				r = -E2BIG;
				break;
			}
			size = MIN(size, m->len);
			if (copy_to_user(umsg, &m->type, sizeof(long)) ||
			    copy_to_user((char *)umsg + sizeof(long), m->text, size)) {
				r = -EFAULT;
				break;
			}
			list_del(&m->link);
			q->cbytes -= m->len;
			q->qnum--;
			q->lrpid = current_proc()->pid;
			q->rtime = ipc_now();
			kfree(m);
			waitq_wake_all(&q->wait);
			r = size;
			break;
		}
		r = -ENOMSG;
		if (flags & IPC_NOWAIT)
			break;
		r = queue_wait(q);
		if (r)
			break;
	}
	queue_put(q);
	return r;
}

static void fill_stat(struct msqid64_ds *ds, struct msg_queue *q)
{
	memset(ds, 0, sizeof(*ds));
	ipc_fill_perm(&ds->msg_perm, &q->obj);
	ds->msg_stime = q->stime;
	ds->msg_rtime = q->rtime;
	ds->msg_ctime = q->obj.ctime;
	ds->msg_cbytes = q->cbytes;
	ds->msg_qnum = q->qnum;
	ds->msg_qbytes = q->qbytes;
	ds->msg_lspid = q->lspid;
	ds->msg_lrpid = q->lrpid;
}

static long msg_info_cmd(int cmd, void *buf)
{
	struct msginfo info = {
		.msgpool = MSGPOOL, .msgmap = MSGMAP, .msgmax = MSGMAX, .msgmnb = MSGMNB,
		.msgmni = MSGMNI, .msgssz = MSGSSZ, .msgtql = MSGTQL, .msgseg = MSGSEG,
	};

	if (cmd == MSG_INFO) {
		int msgs = 0, bytes = 0;
		for (int i = 0; i < msg_ids.nslots; i++)
			if (msg_ids.slots[i]) {
				msgs += queue_of(msg_ids.slots[i])->qnum;
				bytes += queue_of(msg_ids.slots[i])->cbytes;
			}
		info.msgpool = msg_ids.in_use;
		info.msgmap = msgs;
		info.msgtql = bytes;
	}
	if (copy_to_user(buf, &info, sizeof(info)))
		return -EFAULT;
	return ipc_highest(&msg_ids) < 0 ? 0 : ipc_highest(&msg_ids);
}

long sys_msgctl(int id, int cmd, void *buf)
{
	struct msqid64_ds ds;
	struct ipc_obj *o;
	struct msg_queue *q;
	long err;

	cmd &= ~IPC_64;
	if (id < 0 || cmd < 0)
		return -EINVAL;
	switch (cmd) {
	case IPC_INFO:
	case MSG_INFO:
		return msg_info_cmd(cmd, buf);
	}
	o = ipc_ctl_obj(&msg_ids, id, cmd == MSG_STAT || cmd == MSG_STAT_ANY);
	if (!o)
		return -EINVAL;
	q = queue_of(o);
	switch (cmd) {
	case IPC_STAT:
	case MSG_STAT:
	case MSG_STAT_ANY:
		if (cmd != MSG_STAT_ANY && (err = ipc_permitted(o, 4)))
			return err;
		fill_stat(&ds, q);
		if (copy_to_user(buf, &ds, sizeof(ds)))
			return -EFAULT;
		return cmd == IPC_STAT ? 0 : o->id;
	case IPC_SET:
		if (copy_from_user(&ds, buf, sizeof(ds)))
			return -EFAULT;
		if ((err = ipc_owner(o)))
			return err;
		/* Raising the limit above MSGMNB takes CAP_SYS_RESOURCE. */
		if (ds.msg_qbytes > MSGMNB && ds.msg_qbytes > q->qbytes && current_proc()->cred.euid != 0)
			return -EPERM;
		ipc_set_perm(o, &ds.msg_perm);
		q->qbytes = ds.msg_qbytes;
		waitq_wake_all(&q->wait);
		return 0;
	case IPC_RMID:
		if ((err = ipc_owner(o)))
			return err;
		ipc_remove(&msg_ids, o);
		q->removed = true;
		waitq_wake_all(&q->wait);
		queue_put(q);
		return 0;
	}
	return -EINVAL;
}
