/* SPDX-License-Identifier: MIT */
/* pagecache.c: cached pages of block-backed files, dirty tracking, write-back and the limits that keep it from taking all memory. */
#include "kernel.h"
#include "mm.h"
#include "pagecache.h"
#include "vfs.h"

/*
 * Limits: dirty pages of all files together stay under an eighth of memory
 * (a write past it writes its own file back first, so a writer pays for
 * what it dirties and memory never fills with unwritten data), and when the
 * pages of all files reach a quarter of memory, clean ones are dropped
 * (first the file being read or written, then the others, oldest cache
 * first) until an eighth of that limit is free again; mapped pages are
 * never dropped.
 */
size_t pcache_total_cached, pcache_total_dirty;
/* Every cache holding pages, so that one file's reads can evict another's clean pages. */
static struct list caches = LIST_INIT(caches);

struct pcache_page {
	uint8_t *data;
	bool dirty;
	bool mapped;
};

static size_t dirty_limit(void)
{
	return page_total_bytes() / PAGE_SIZE / 8;
}

static size_t cached_limit(void)
{
	return page_total_bytes() / PAGE_SIZE / 4;
}

void pcache_init(struct pcache *pc, const struct pcache_ops *ops)
{
	memset(pc, 0, sizeof(*pc));
	pc->ops = ops;
	list_init(&pc->all);
}

/* Counts a page in; the first one puts the cache on the list. */
static void count_page(struct pcache *pc)
{
	if (pc->cached++ == 0)
		list_add_tail(&caches, &pc->all);
	pcache_total_cached++;
}

static int grow(struct pcache *pc, uint64_t idx)
{
	size_t cap = pc->nslots ? pc->nslots : 16;
	struct pcache_page **s;

	if (idx < pc->nslots)
		return 0;
	if (idx >= SIZE_MAX / sizeof(*s) / 2)
		return -EFBIG;
	while (cap <= idx)
		cap *= 2;
	s = krealloc(pc->slots, cap * sizeof(*s));
	if (!s)
		return -ENOMEM;
	memset(s + pc->nslots, 0, (cap - pc->nslots) * sizeof(*s));
	pc->slots = s;
	pc->nslots = cap;
	return 0;
}

static void set_dirty(struct pcache *pc, struct pcache_page *p, bool dirty)
{
	if (p->dirty == dirty)
		return;
	p->dirty = dirty;
	if (dirty) {
		pc->dirty++;
		pcache_total_dirty++;
	} else {
		pc->dirty--;
		pcache_total_dirty--;
	}
}

static void drop(struct pcache *pc, uint64_t idx)
{
	struct pcache_page *p = pc->slots[idx];

	set_dirty(pc, p, false);
	page_free(p->data);
	kfree(p);
	pc->slots[idx] = NULL;
	pcache_total_cached--;
	if (--pc->cached == 0) {
		list_del(&pc->all);
		list_init(&pc->all);
	}
}

/* Drops clean, unmapped pages of pc until the total is down to target. */
static void shrink_one(struct pcache *pc, size_t target)
{
	for (size_t i = 0; i < pc->nslots && pc->cached && pcache_total_cached > target; i++) {
		struct pcache_page *p = pc->slots[i];

		if (p && !p->dirty && !p->mapped)
			drop(pc, i);
	}
}

/* At the limit: clean pages go, this file's first, then other files'. */
static void shrink(struct pcache *pc)
{
	size_t target = cached_limit() - cached_limit() / 8;
	struct list *it, *next;

	shrink_one(pc, target);
	for (it = caches.next; it != &caches && pcache_total_cached > target; it = next) {
		next = it->next;     /* shrink_one may take it off the list */
		if (it != &pc->all)
			shrink_one(list_entry(it, struct pcache, all), target);
	}
}

#define READAHEAD 256         /* pages read together on a miss: 1 MiB */

/* Adds a new page holding data (a page_alloc page) at idx. */
static struct pcache_page *insert(struct pcache *pc, uint64_t idx, uint8_t *data)
{
	struct pcache_page *p = kzalloc(sizeof(*p));

	if (!p)
		return NULL;
	p->data = data;
	pc->slots[idx] = p;
	count_page(pc);
	return p;
}

/*
 * A miss at idx while reading in order: the pages after it that are not
 * cached either, up to READAHEAD and the end of the file, come in with it.
 * Returns the page at idx, or NULL to let the caller read it alone.
 */
static struct pcache_page *read_ahead(struct pcache *pc, struct inode *ino, uint64_t idx)
{
	void *pages[READAHEAD];
	uint64_t last = (ino->size - 1) / PAGE_SIZE;
	unsigned n = 0;

	/* Only for a reader going through the file in order (random reads would pay for pages never read). */
	if (!pc->ops->readpages || idx != pc->ra_next || pcache_total_cached + READAHEAD >= cached_limit())
		return NULL;
	while (n < READAHEAD && idx + n <= last && !grow(pc, idx + n) && !pc->slots[idx + n]) {
		pages[n] = page_alloc_n_dirty(1);   /* readpages fills it whole */
		if (!pages[n])
			break;
		n++;
	}
	if (n < 2 || pc->ops->readpages(ino, idx, n, pages)) {
		while (n)
			page_free(pages[--n]);
		return NULL;
	}
	for (unsigned i = 0; i < n; i++) {
		if (!insert(pc, idx + i, pages[i])) {
			while (n > i)
				page_free(pages[--n]);
			break;
		}
	}
	return pc->slots[idx];
}

/* The cached page idx, read from the disk unless fill is false (it will be overwritten whole). */
static struct pcache_page *get(struct pcache *pc, struct inode *ino, uint64_t idx, bool fill, int *err)
{
	struct pcache_page *p;

	*err = grow(pc, idx);
	if (*err)
		return NULL;
	if (pc->slots[idx])
		return pc->slots[idx];
	/* (With room for a read-ahead, which is skipped when there is none.) */
	if (pcache_total_cached + READAHEAD >= cached_limit())
		shrink(pc);
	if (fill && (uint64_t)idx * PAGE_SIZE < ino->size) {
		p = read_ahead(pc, ino, idx);
		if (p)
			return p;
	}
	p = kzalloc(sizeof(*p));
	if (p)
		p->data = page_alloc();
	if (!p || !p->data) {
		kfree(p);
		*err = -ENOMEM;
		return NULL;
	}
	if (fill && (uint64_t)idx * PAGE_SIZE < ino->size) {
		*err = pc->ops->readpage(ino, idx, p->data);
		if (*err) {
			page_free(p->data);
			kfree(p);
			return NULL;
		}
	} else {
		memset(p->data, 0, PAGE_SIZE);
	}
	pc->slots[idx] = p;
	count_page(pc);
	return p;
}

ssize_t pcache_read(struct pcache *pc, struct inode *ino, void *buf, size_t n, uint64_t off)
{
	size_t done = 0;
	int err = 0;

	if (off >= ino->size)
		return 0;
	n = MIN(n, ino->size - off);
	while (done < n) {
		uint64_t idx = off / PAGE_SIZE;
		size_t po = off % PAGE_SIZE, chunk = MIN(PAGE_SIZE - po, n - done);
		struct pcache_page *p = get(pc, ino, idx, true, &err);

		if (!p)
			break;
		/* buf may be user memory: a fault ends the read (EFAULT if nothing was read). */
		if (memcpy_user((char *)buf + done, p->data + po, chunk)) {
			err = -EFAULT;
			break;
		}
		done += chunk;
		off += chunk;
		pc->ra_next = idx + (po + chunk == PAGE_SIZE);
	}
	return done ? (ssize_t)done : err;
}

ssize_t pcache_write(struct pcache *pc, struct inode *ino, const void *buf, size_t n, uint64_t off)
{
	size_t done = 0;
	int err = 0;

	if (pcache_total_dirty >= dirty_limit()) {
		err = pcache_writeback(pc, ino);
		if (err)
			return err;
	}
	while (done < n) {
		uint64_t idx = off / PAGE_SIZE;
		size_t po = off % PAGE_SIZE, chunk = MIN(PAGE_SIZE - po, n - done);
		/* A page written whole, or one wholly past the end, needs no read. */
		bool whole = chunk == PAGE_SIZE || idx * PAGE_SIZE >= ino->size;
		struct pcache_page *p = get(pc, ino, idx, !whole, &err);

		if (!p)
			break;
		/* buf may be user memory; part of it may have arrived before a fault. */
		if (memcpy_user(p->data + po, (const char *)buf + done, chunk)) {
			set_dirty(pc, p, true);
			err = -EFAULT;
			break;
		}
		set_dirty(pc, p, true);
		done += chunk;
		off += chunk;
		if (off > ino->size)
			ino->size = off;
		if (pcache_total_dirty >= dirty_limit()) {
			err = pcache_writeback(pc, ino);
			if (err)
				break;
		}
	}
	return done ? (ssize_t)done : err;
}

void *pcache_get_page(struct pcache *pc, struct inode *ino, uint64_t idx)
{
	int err;
	struct pcache_page *p = get(pc, ino, idx, true, &err);

	if (!p)
		return NULL;
	p->mapped = true;
	set_dirty(pc, p, true);
	return p->data;
}

#define WB_BATCH 256         /* dirty pages written back as one run: 1 MiB */

/* Writes pages [i, i + n) (dirty, consecutive, below the end of the file) back; 0 or -errno. */
static int write_run(struct pcache *pc, struct inode *ino, size_t i, unsigned n)
{
	uint64_t start = (uint64_t)i * PAGE_SIZE;
	size_t len = MIN((uint64_t)n * PAGE_SIZE, ino->size - start);
	void *pages[WB_BATCH];
	int err = -EOPNOTSUPP;

	for (unsigned k = 0; k < n; k++)
		pages[k] = pc->slots[i + k]->data;
	if (pc->ops->writepages)
		err = pc->ops->writepages(ino, i, n, pages, len);
	if (err == -EOPNOTSUPP) {
		err = 0;
		for (unsigned k = 0; k < n; k++) {
			int e = pc->ops->writepage(ino, i + k, pages[k], MIN(PAGE_SIZE, len - (size_t)k * PAGE_SIZE));

			if (e && !err)
				err = e;
			/* A page not written stays dirty; the others are clean. */
			if (!e && !pc->slots[i + k]->mapped)
				set_dirty(pc, pc->slots[i + k], false);
		}
		return err;
	}
	if (err)
		return err;
	/* A mapped page may change again behind our back: it stays dirty. */
	for (unsigned k = 0; k < n; k++)
		if (!pc->slots[i + k]->mapped)
			set_dirty(pc, pc->slots[i + k], false);
	return 0;
}

int pcache_writeback(struct pcache *pc, struct inode *ino)
{
	int err = 0;

	for (size_t i = 0; i < pc->nslots && pc->dirty;) {
		struct pcache_page *p = pc->slots[i];
		uint64_t start = (uint64_t)i * PAGE_SIZE;
		unsigned n = 1;
		int e;

		if (!p || !p->dirty) {
			i++;
			continue;
		}
		if (start >= ino->size) {
			set_dirty(pc, p, p->mapped);
			i++;
			continue;
		}
		/* The run of dirty pages from i that lie below the end of the file. */
		while (n < WB_BATCH && i + n < pc->nslots && pc->slots[i + n] && pc->slots[i + n]->dirty &&
		       (uint64_t)(i + n) * PAGE_SIZE < ino->size)
			n++;
		e = write_run(pc, ino, i, n);
		if (e && !err)
			err = e;
		i += n;
	}
	/* Nothing is left in flight: callers read, flush or free after this. */
	if (pc->ops->writepages_wait) {
		int e = pc->ops->writepages_wait(ino);

		if (e && !err)
			err = e;
	}
	return err;
}

void pcache_truncate(struct pcache *pc, uint64_t size)
{
	uint64_t keep = ALIGN_UP(size, PAGE_SIZE) / PAGE_SIZE;

	for (size_t i = keep; i < pc->nslots; i++)
		if (pc->slots[i])
			drop(pc, i);
	if (size % PAGE_SIZE && keep - 1 < pc->nslots && pc->slots[keep - 1])
		memset(pc->slots[keep - 1]->data + size % PAGE_SIZE, 0, PAGE_SIZE - size % PAGE_SIZE);
}

void pcache_release(struct pcache *pc)
{
	for (size_t i = 0; i < pc->nslots; i++)
		if (pc->slots[i])
			drop(pc, i);
	kfree(pc->slots);
	pc->slots = NULL;
	pc->nslots = 0;
}
