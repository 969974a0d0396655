/* SPDX-License-Identifier: MIT */
/* pagecache.h: the page cache of block-backed files: reads, writes and shared mappings go through cached pages, written back when dirty. */
#ifndef PAGECACHE_H
#define PAGECACHE_H

#include "kernel.h"

struct inode;

/* How a file system moves one page of a file between the cache and the disk. */
struct pcache_ops {
	/* Fills page (PAGE_SIZE bytes) with file bytes [idx * PAGE_SIZE, ...); zeros past the end. */
	int (*readpage)(struct inode *ino, uint64_t idx, void *page);
	/* Writes the first len bytes of page as file bytes at idx * PAGE_SIZE. */
	int (*writepage)(struct inode *ino, uint64_t idx, const void *page, size_t len);
	/* Optional read-ahead: fills pages[0..n) with file pages idx..idx+n-1 (as
	 * readpage would), in as few device requests as it can. */
	int (*readpages)(struct inode *ino, uint64_t idx, unsigned n, void **pages);
	/* Optional write-back of a run: writes the first len bytes of pages[0..n)
	 * (consecutive file pages from idx; only the last may be partial) in as
	 * few device requests as it can, which may still be in flight when it
	 * returns.  -EOPNOTSUPP (before writing anything): use writepage per page. */
	int (*writepages)(struct inode *ino, uint64_t idx, unsigned n, void **pages, size_t len);
	/* Optional: waits for what writepages left in flight (the page data was
	 * copied); called before pcache_writeback returns.  0 or the first error. */
	int (*writepages_wait)(struct inode *ino);
};

struct pcache_page;

/*
 * The cache of one file, kept by its file system next to the inode.  Pages
 * are indexed by file page number.  A page handed to a shared mapping
 * (pcache_get_page) stays until truncate or pcache_release and counts as
 * dirty from then on: the mapping can change it at any time.
 */
struct pcache {
	struct pcache_page **slots;
	size_t nslots;
	size_t cached, dirty;
	uint64_t ra_next;             /* the page a sequential reader reads next: misses there read ahead */
	struct list all;              /* in the page cache's list of caches holding pages */
	const struct pcache_ops *ops;
};

void pcache_init(struct pcache *pc, const struct pcache_ops *ops);
/* read/write(2) on the file: like the inode ops (size from ino->size; write extends it). */
ssize_t pcache_read(struct pcache *pc, struct inode *ino, void *buf, size_t n, uint64_t off);
ssize_t pcache_write(struct pcache *pc, struct inode *ino, const void *buf, size_t n, uint64_t off);
/* The page for a MAP_SHARED mapping (see inode_ops.get_page), or NULL. */
void *pcache_get_page(struct pcache *pc, struct inode *ino, uint64_t idx);
/* Writes every dirty page down (not flushing the device); 0 or the first error. */
int pcache_writeback(struct pcache *pc, struct inode *ino);
/* The file shrinks (or grows) to size: pages past it go, the tail of the last is zeroed. */
void pcache_truncate(struct pcache *pc, uint64_t size);
/* Forgets every page (written back first by the caller when it matters). */
void pcache_release(struct pcache *pc);

/* Pages cached and dirty in all files, for the write-back limits. */
extern size_t pcache_total_cached, pcache_total_dirty;

#endif
