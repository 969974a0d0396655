/* SPDX-License-Identifier: MIT */
/* blkdev.c: the block layer: device registry, request queueing and completion, synchronous I/O, and block special files in /dev. */
#include "blkdev.h"
#include "ktime.h"
#include "mm.h"
#include "sched.h"
#include "vfs.h"
#include <linux/fcntl.h>
#include <linux/fs.h>

/*
 * A request goes to the driver at once unless the driver says it is full
 * (-EAGAIN); then it waits in bd->waiting and is resubmitted after the next
 * completion, in order.  Synchronous callers sleep on bd->wait; every
 * completion wakes them all and each re-checks its own request.  Without a
 * thread (at boot) they poll the driver instead.
 */

static struct list blkdevs = LIST_INIT(blkdevs);
bool blk_poll_only;

int blkdev_register(struct blkdev *bd)
{
	struct inode *dev, *ino;
	int err;

	list_init(&bd->waiting);
	waitq_init(&bd->wait);
	err = vfs_lookup(NULL, "/dev", false, &dev);
	if (err)
		return err;
	err = vfs_create_child(dev, bd->name, S_IFBLK | 0660, &ino);
	inode_unref(dev);
	if (err)
		return err;
	ino->mode = S_IFBLK | 0660;
	ino->rdev = vfs_mkdev(bd->major, bd->minor);
	ramfs_set_fops(ino, &blkdev_fops);
	inode_unref(ino);
	list_add_tail(&blkdevs, &bd->link);
	return 0;
}

struct blkdev *blkdev_find(const char *name)
{
	struct list *it;

	if (strncmp(name, "/dev/", 5) == 0)
		name += 5;
	list_for_each(it, &blkdevs) {
		struct blkdev *bd = list_entry(it, struct blkdev, link);

		if (strcmp(bd->name, name) == 0)
			return bd;
	}
	return NULL;
}

struct blkdev *blkdev_by_rdev(uint64_t rdev)
{
	struct list *it;

	list_for_each(it, &blkdevs) {
		struct blkdev *bd = list_entry(it, struct blkdev, link);

		if (vfs_mkdev(bd->major, bd->minor) == rdev)
			return bd;
	}
	return NULL;
}

int blkdev_lookup(const char *path, struct blkdev **out)
{
	struct inode *ino;
	int err = vfs_lookup(NULL, path, false, &ino);

	if (err)
		return err;
	if (!S_ISBLK(ino->mode))
		err = -ENOTBLK;
	else if (ino->sb && (ino->sb->flags & SB_NODEV))
		err = -EACCES;
	else if (!(*out = blkdev_by_rdev(ino->rdev)))
		err = -ENXIO;
	inode_unref(ino);
	return err;
}

/* ---- requests ---- */

void blk_complete(struct blkdev *bd, struct blk_request *rq, int status)
{
	rq->status = status;
	rq->done = true;
	if (rq->op == BLK_READ)
		bd->reads++;
	else if (rq->op == BLK_WRITE)
		bd->writes++;
	else if (rq->op == BLK_FLUSH)
		bd->flushes++;
	if (bd->inflight)
		bd->inflight--;
	if (rq->end)
		rq->end(rq);
	/* Room in the driver: resubmit what waited, in order. */
	while (!list_empty(&bd->waiting)) {
		struct blk_request *w = list_entry(bd->waiting.next, struct blk_request, link);

		list_del(&w->link);
		bd->inflight++;
		if (bd->ops->submit(bd, w) == -EAGAIN) {
			bd->inflight--;
			list_add_head(&bd->waiting, &w->link);
			break;
		}
	}
	waitq_wake_all(&bd->wait);
}

void blk_submit(struct blkdev *bd, struct blk_request *rq)
{
	rq->done = false;
	rq->status = 0;
	list_init(&rq->link);
	if (rq->op != BLK_READ && bd->ro) {
		bd->inflight++;
		blk_complete(bd, rq, -EROFS);
		return;
	}
	if ((rq->op == BLK_FLUSH && !bd->can_flush) || (rq->op == BLK_DISCARD && !bd->can_discard)) {
		/* Nothing volatile to flush; a discard is only a hint. */
		bd->inflight++;
		blk_complete(bd, rq, 0);
		return;
	}
	if (rq->op != BLK_FLUSH &&
	    (rq->sector > bd->nsectors || rq->nsectors > bd->nsectors - rq->sector)) {
		bd->inflight++;
		blk_complete(bd, rq, -EIO);
		return;
	}
	if (!list_empty(&bd->waiting)) {
		list_add_tail(&bd->waiting, &rq->link);
		return;
	}
	bd->inflight++;
	if (bd->ops->submit(bd, rq) == -EAGAIN) {
		bd->inflight--;
		list_add_tail(&bd->waiting, &rq->link);
	}
}

/* Waits for one request: sleeps when a thread can, else polls the driver. */
static void wait_done(struct blkdev *bd, struct blk_request *rq)
{
	while (!rq->done) {
		/* The device may be done already (its interrupt not yet taken): look first. */
		if (bd->ops->poll) {
			bd->ops->poll(bd);
			if (rq->done)
				break;
		}
		if (current && !blk_poll_only)
			/* A short deadline covers a completion racing with going to sleep. */
			waitq_wait(&bd->wait, clock_monotonic_ns() + 10 * 1000 * 1000);
		else if (!bd->ops->poll)
			__asm__ volatile("pause");
	}
}

int blk_wait_all(struct blkdev *bd, struct blk_request *rqs, size_t n)
{
	int err = 0;

	for (size_t i = 0; i < n; i++) {
		wait_done(bd, &rqs[i]);
		if (rqs[i].status && !err)
			err = rqs[i].status;
	}
	return err;
}

static int blk_sync(struct blkdev *bd, enum blk_op op, uint64_t sector, void *buf, uint64_t n, bool fua)
{
	struct blk_request rq = {
		.op = op, .fua = fua, .sector = sector, .nsectors = (uint32_t)n, .buf = buf,
	};

	blk_submit(bd, &rq);
	wait_done(bd, &rq);
	return rq.status;
}

/* Large transfers go down in pieces of at most 1 MiB, all in flight together. */
#define PIECE_SECTORS 2048u
#define PIECES 8

static int blk_rw(struct blkdev *bd, enum blk_op op, uint64_t sector, void *buf, uint32_t n, bool fua)
{
	struct blk_request rqs[PIECES];
	size_t k = 0;
	int err = 0, e;

	if (n <= PIECE_SECTORS)
		return blk_sync(bd, op, sector, buf, n, fua);
	while (n) {
		uint32_t c = MIN(n, PIECE_SECTORS);

		rqs[k] = (struct blk_request){ .op = op, .fua = fua, .sector = sector, .nsectors = c, .buf = buf };
		blk_submit(bd, &rqs[k++]);
		sector += c;
		buf = (char *)buf + (size_t)c * BLK_SECTOR;
		n -= c;
		if (k == PIECES || !n) {
			e = blk_wait_all(bd, rqs, k);
			if (e && !err)
				err = e;
			k = 0;
		}
	}
	return err;
}

int blk_read(struct blkdev *bd, uint64_t sector, void *buf, uint32_t nsectors)
{
	return blk_rw(bd, BLK_READ, sector, buf, nsectors, false);
}

int blk_write(struct blkdev *bd, uint64_t sector, const void *buf, uint32_t nsectors, bool fua)
{
	int err = blk_rw(bd, BLK_WRITE, sector, (void *)buf, nsectors, false);

	/* No device here has a native FUA: a flush after the write does the same. */
	if (!err && fua)
		err = blk_flush(bd);
	return err;
}

int blk_flush(struct blkdev *bd)
{
	return blk_sync(bd, BLK_FLUSH, 0, NULL, 0, false);
}

int blk_discard(struct blkdev *bd, uint64_t sector, uint64_t nsectors)
{
	while (nsectors) {
		uint32_t c = (uint32_t)MIN(nsectors, 1u << 22);
		int err = blk_sync(bd, BLK_DISCARD, sector, NULL, c, false);

		if (err)
			return err;
		sector += c;
		nsectors -= c;
	}
	return 0;
}

/* ---- block special files: byte I/O through a bounce buffer ---- */

#define BOUNCE 65536u

static int bdev_open(struct file *f)
{
	struct blkdev *bd = blkdev_by_rdev(f->inode->rdev);

	if (!bd)
		return -ENXIO;
	if ((f->flags & O_ACCMODE) != O_RDONLY && bd->ro)
		return -EROFS;
	f->priv = bd;
	return 0;
}

static ssize_t bdev_io(struct file *f, void *ubuf, size_t n, off_t *off, bool write)
{
	struct blkdev *bd = f->priv;
	uint64_t size = bd->nsectors * BLK_SECTOR, pos = *off;
	uint8_t *bounce;
	size_t done = 0;
	int err = 0;

	if (*off < 0)
		return -EINVAL;
	if (pos >= size)
		return write && n ? -ENOSPC : 0;
	n = MIN(n, size - pos);
	bounce = kmalloc(BOUNCE);
	if (!bounce)
		return -ENOMEM;
	while (done < n) {
		uint64_t first = pos / BLK_SECTOR, skip = pos % BLK_SECTOR;
		size_t chunk = MIN(n - done, BOUNCE - skip);
		uint32_t secs = (uint32_t)ALIGN_UP(skip + chunk, BLK_SECTOR) / BLK_SECTOR;

		/* A partial sector is read first, so the write keeps its other bytes. */
		if (!write || skip || (skip + chunk) % BLK_SECTOR)
			err = blk_read(bd, first, bounce, secs);
		if (!err && write) {
			err = copy_from_user(bounce + skip, (char *)ubuf + done, chunk);
			if (!err)
				err = blk_write(bd, first, bounce, secs, false);
		} else if (!err) {
			err = copy_to_user((char *)ubuf + done, bounce + skip, chunk);
		}
		if (err)
			break;
		done += chunk;
		pos += chunk;
	}
	kfree(bounce);
	if (done == 0 && err)
		return err;
	*off += done;
	return done;
}

static ssize_t bdev_read(struct file *f, void *buf, size_t n, off_t *off)
{
	return bdev_io(f, buf, n, off, false);
}

static ssize_t bdev_write(struct file *f, const void *buf, size_t n, off_t *off)
{
	return bdev_io(f, (void *)buf, n, off, true);
}

static long bdev_ioctl(struct file *f, unsigned long cmd, unsigned long arg)
{
	struct blkdev *bd = f->priv;
	uint64_t size = bd->nsectors * BLK_SECTOR, range[2];
	int v;

	switch (cmd) {
	case BLKGETSIZE64:
		return copy_to_user((void *)arg, &size, sizeof(size));
	case BLKSSZGET:
		v = BLK_SECTOR;
		return copy_to_user((void *)arg, &v, sizeof(v));
	case BLKROGET:
		v = bd->ro;
		return copy_to_user((void *)arg, &v, sizeof(v));
	case BLKFLSBUF:
		return blk_flush(bd);
	case BLKDISCARD:
		if (copy_from_user(range, (void *)arg, sizeof(range)))
			return -EFAULT;
		if ((f->flags & O_ACCMODE) == O_RDONLY)
			return -EBADF;
		if (range[0] % BLK_SECTOR || range[1] % BLK_SECTOR || range[0] > size ||
		    range[1] > size - range[0])
			return -EINVAL;
		return blk_discard(bd, range[0] / BLK_SECTOR, range[1] / BLK_SECTOR);
	}
	return bd->ops->ioctl ? bd->ops->ioctl(bd, cmd, arg) : -ENOTTY;
}

int blkdev_fsync(struct inode *ino)
{
	struct blkdev *bd = blkdev_by_rdev(ino->rdev);

	return bd ? blk_flush(bd) : -ENXIO;
}

const struct file_ops blkdev_fops = {
	.open = bdev_open,
	.read = bdev_read,
	.write = bdev_write,
	.ioctl = bdev_ioctl,
	.seekable = true,
};
