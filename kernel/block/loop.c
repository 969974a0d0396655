/* SPDX-License-Identifier: MIT */
/* loop.c: loop block devices over open files (LOOP_SET_FD, LOOP_CONFIGURE), and /dev/loop-control. */
#include "blkdev.h"
#include "mm.h"
#include "sched.h"
#include "vfs.h"
#include <linux/falloc.h>
#include <linux/fcntl.h>
#include <linux/loop.h>

/*
 * A loop device turns a file into a block device: requests become reads and
 * writes of the backing file through its file operations, a flush becomes
 * fsync of the file, a discard punches a hole.  Requests complete before
 * submit returns.  Devices are made on demand by LOOP_CTL_GET_FREE and
 * LOOP_CTL_ADD on /dev/loop-control (none exist at boot).
 */

#define LOOP_MAJOR 7
#define LOOP_MAX 8

struct loop {
	struct blkdev bd;
	struct file *backing;        /* referenced, or NULL when unbound */
	struct loop_info64 info;
};

static struct loop *loops[LOOP_MAX];

static int loop_submit(struct blkdev *bd, struct blk_request *rq)
{
	struct loop *lo = bd->priv;
	struct file *f = lo->backing;
	off_t off = (off_t)(rq->sector * BLK_SECTOR);
	size_t n = (size_t)rq->nsectors * BLK_SECTOR, done = 0;
	int err = 0;

	if (!f) {
		blk_complete(bd, rq, -ENXIO);
		return 0;
	}
	switch (rq->op) {
	case BLK_READ:
	case BLK_WRITE:
		while (done < n) {
			ssize_t r = rq->op == BLK_READ ?
				f->ops->read(f, (char *)rq->buf + done, n - done, &off) :
				f->ops->write(f, (char *)rq->buf + done, n - done, &off);

			if (r < 0) {
				err = (int)r;
				break;
			}
			if (r == 0) {
				/* Past the end of the file (it shrank): reads see zeros. */
				if (rq->op == BLK_WRITE) {
					err = -EIO;
					break;
				}
				memset((char *)rq->buf + done, 0, n - done);
				break;
			}
			done += r;
		}
		if (!err && rq->op == BLK_WRITE && rq->fua)
			err = vfs_fsync(f->inode, true);    /* asynchronous submitters' FUA */
		break;
	case BLK_FLUSH:
		err = vfs_fsync(f->inode, true);
		break;
	case BLK_DISCARD:
		err = vfs_fallocate(f->inode, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off, n);
		if (err == -EOPNOTSUPP)
			err = 0;      /* a discard is a hint */
		break;
	}
	blk_complete(bd, rq, err);
	return 0;
}

static void loop_bind(struct loop *lo, struct file *f, bool ro)
{
	file_ref(f);
	lo->backing = f;
	lo->bd.nsectors = f->inode->size / BLK_SECTOR;
	lo->bd.ro = ro || (f->flags & O_ACCMODE) == O_RDONLY;
	memset(&lo->info, 0, sizeof(lo->info));
	lo->info.lo_number = lo->bd.minor;
	lo->info.lo_inode = f->inode->ino;
	lo->info.lo_device = f->inode->dev;
	lo->info.lo_flags = lo->bd.ro ? LO_FLAGS_READ_ONLY : 0;
	if (f->path)
		strlcpy((char *)lo->info.lo_file_name, f->path, LO_NAME_SIZE);
}

static long set_fd(struct loop *lo, int fd, bool ro)
{
	struct file *f = fd_get(current_proc()->fdt, fd);
	long err = 0;

	if (!f || (f->flags & O_PATH))
		err = -EBADF;
	else if (lo->backing)
		err = -EBUSY;
	else if (!f->inode || !S_ISREG(f->inode->mode) || !f->ops->read || !f->ops->write)
		err = -EINVAL;
	else
		loop_bind(lo, f, ro);    /* takes its own reference */
	fput(f);
	return err;
}

static long loop_ioctl(struct blkdev *bd, unsigned long cmd, unsigned long arg)
{
	struct loop *lo = bd->priv;
	struct loop_config cfg;
	struct loop_info64 info;

	switch (cmd) {
	case LOOP_SET_FD:
		return set_fd(lo, (int)arg, false);
	case LOOP_CONFIGURE:
		if (copy_from_user(&cfg, (void *)arg, sizeof(cfg)))
			return -EFAULT;
		if (cfg.info.lo_offset || cfg.info.lo_sizelimit ||
		    (cfg.info.lo_flags & ~LO_FLAGS_READ_ONLY & ~LO_FLAGS_AUTOCLEAR))
			return -EINVAL;     /* offsets, limits and partitions are not supported */
		return set_fd(lo, (int)cfg.fd, cfg.info.lo_flags & LO_FLAGS_READ_ONLY);
	case LOOP_CLR_FD:
		if (!lo->backing)
			return -ENXIO;
		if (bd->mounted)
			return -EBUSY;
		file_unref(lo->backing);
		lo->backing = NULL;
		bd->nsectors = 0;
		/* Unbound, the device takes a read-write file again. */
		bd->ro = false;
		return 0;
	case LOOP_GET_STATUS64:
		if (!lo->backing)
			return -ENXIO;
		return copy_to_user((void *)arg, &lo->info, sizeof(lo->info));
	case LOOP_SET_STATUS64:
		if (!lo->backing)
			return -ENXIO;
		if (copy_from_user(&info, (void *)arg, sizeof(info)))
			return -EFAULT;
		if (info.lo_offset || info.lo_sizelimit)
			return -EINVAL;
		memcpy(lo->info.lo_file_name, info.lo_file_name, LO_NAME_SIZE);
		lo->info.lo_file_name[LO_NAME_SIZE - 1] = '\0';
		return 0;
	}
	return -ENOTTY;
}

static const struct blkdev_ops loop_ops = {
	.submit = loop_submit,
	.ioctl = loop_ioctl,
};

/* Makes /dev/loopN; 0 or -errno. */
static int loop_add(int n)
{
	struct loop *lo;
	int err;

	if (n < 0 || n >= LOOP_MAX)
		return -EINVAL;
	if (loops[n])
		return -EEXIST;
	lo = kzalloc(sizeof(*lo));
	if (!lo)
		return -ENOMEM;
	snprintk(lo->bd.name, sizeof(lo->bd.name), "loop%d", n);
	lo->bd.major = LOOP_MAJOR;
	lo->bd.minor = n;
	lo->bd.can_flush = true;
	lo->bd.can_discard = true;
	lo->bd.ops = &loop_ops;
	lo->bd.priv = lo;
	err = blkdev_register(&lo->bd);
	if (err) {
		kfree(lo);
		return err;
	}
	loops[n] = lo;
	return 0;
}

static long control_ioctl(struct file *f, unsigned long cmd, unsigned long arg)
{
	int err;

	switch (cmd) {
	case LOOP_CTL_GET_FREE:
		for (int i = 0; i < LOOP_MAX; i++) {
			if (!loops[i]) {
				err = loop_add(i);
				return err ? err : i;
			}
			if (!loops[i]->backing)
				return i;
		}
		return -ENOSPC;
	case LOOP_CTL_ADD:
		err = loop_add((int)arg);
		return err ? err : (long)arg;
	case LOOP_CTL_REMOVE:
		return -EOPNOTSUPP;
	}
	return -ENOTTY;
}

const struct file_ops loop_control_fops = {
	.ioctl = control_ioctl,
};
