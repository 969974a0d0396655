/* SPDX-License-Identifier: MIT */
/* blkdev.h: the block layer: block devices, requests, and the synchronous helpers file systems use. */
#ifndef BLKDEV_H
#define BLKDEV_H

#include "kernel.h"
#include "sched.h"

#define BLK_SECTOR 512u

enum blk_op { BLK_READ, BLK_WRITE, BLK_FLUSH, BLK_DISCARD };

/*
 * One request.  The submitter owns it and keeps it alive until end() is
 * called (or, for the synchronous helpers, until they return).  buf is
 * kernel memory of nsectors * 512 bytes (READ, WRITE); FLUSH has no range.
 */
struct blk_request {
	struct list link;            /* in the device's wait queue, then the driver's */
	enum blk_op op;
	bool fua;                    /* WRITE: on stable storage before completion */
	uint64_t sector;
	uint32_t nsectors;
	void *buf;
	int status;                  /* 0 or -errno, valid once done */
	bool done;
	/* Called once when the request completes, possibly from an interrupt. */
	void (*end)(struct blk_request *rq);
	void *priv;                  /* the submitter's */
};

struct blkdev;

struct blkdev_ops {
	/*
	 * Starts rq.  The driver calls blk_complete(rq, status) when it is done,
	 * which may be before submit returns.  Returns 0, or -EAGAIN when the
	 * device cannot take another request now (the layer queues it and
	 * submits it again after the next completion).
	 */
	int (*submit)(struct blkdev *bd, struct blk_request *rq);
	/* Optional: completes what the device has finished, without interrupts
	 * (used while nothing can sleep, e.g. mounting volumes at boot). */
	void (*poll)(struct blkdev *bd);
	/* Optional: ioctl requests of the device's own (LOOP_*), -ENOTTY for others. */
	long (*ioctl)(struct blkdev *bd, unsigned long cmd, unsigned long arg);
};

struct blkdev {
	char name[16];               /* "vda", "loop0": the node is /dev/NAME */
	uint64_t nsectors;           /* size in 512-byte sectors */
	bool ro;                     /* writes, discards fail with -EROFS */
	bool can_flush;              /* has a volatile cache: FLUSH/FUA mean something */
	bool can_discard;
	unsigned major, minor;
	const struct blkdev_ops *ops;
	void *priv;                  /* the driver's */
	/* The layer's: */
	struct list link;            /* in the list of devices */
	struct list waiting;         /* requests the driver refused with -EAGAIN */
	struct waitq wait;           /* synchronous callers wait here */
	unsigned inflight;
	unsigned mounted;            /* superblocks using it: busy for LOOP_CLR_FD */
	uint64_t reads, writes, flushes; /* requests completed, for /proc/diskstats-like counts */
};

/* Makes the device known and creates /dev/NAME (S_IFBLK); 0 or -errno. */
int blkdev_register(struct blkdev *bd);
/* The device named "vda" or "/dev/vda", or the one a block node's rdev names; NULL if none. */
struct blkdev *blkdev_find(const char *name);
struct blkdev *blkdev_by_rdev(uint64_t rdev);
/* The device a path names (a block special file, after symlinks); -ENOTBLK, -ENXIO, ... */
int blkdev_lookup(const char *path, struct blkdev **out);

/*
 * Queues rq for the device.  Out-of-range requests and writes to a
 * read-only device complete at once with -EIO / -EROFS; FLUSH on a device
 * without a volatile cache completes at once with 0.
 */
void blk_submit(struct blkdev *bd, struct blk_request *rq);
/* Drivers: rq finished with status (0 or -errno). */
void blk_complete(struct blkdev *bd, struct blk_request *rq, int status);

/*
 * Synchronous helpers: submit and wait (sleeping, or polling the driver
 * when there is no thread to sleep).  Return 0 or -errno.
 */
int blk_read(struct blkdev *bd, uint64_t sector, void *buf, uint32_t nsectors);
int blk_write(struct blkdev *bd, uint64_t sector, const void *buf, uint32_t nsectors, bool fua);
int blk_flush(struct blkdev *bd);
int blk_discard(struct blkdev *bd, uint64_t sector, uint64_t nsectors);
/* Waits until every request in rqs[0..n) is done; returns the first error. */
int blk_wait_all(struct blkdev *bd, struct blk_request *rqs, size_t n);
/* Set when nothing may sleep any more (the VM is ending): waits poll the drivers. */
extern bool blk_poll_only;

/* Block special files in /dev: byte reads and writes through the layer, BLK* ioctls. */
struct file_ops;
extern const struct file_ops blkdev_fops;
/* fsync of a block special file: flushes the device. */
struct inode;
int blkdev_fsync(struct inode *ino);

/* block/loop.c: /dev/loop-control (devfs makes the node), whose LOOP_CTL_GET_FREE
 * makes /dev/loop0..7: block devices over open files (LOOP_SET_FD, LOOP_CONFIGURE). */
extern const struct file_ops loop_control_fops;

#endif
