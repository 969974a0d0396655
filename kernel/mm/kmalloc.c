/* SPDX-License-Identifier: MIT */
/* kmalloc.c: the kernel heap: power-of-two size classes, carved from pages up to 4 KiB, whole page runs up to 64 KiB, bare page runs beyond (freed ones kept for the next block of their size). */
#include "kernel.h"
#include "mm.h"

/*
 * Every block starts with a 16-byte header that records its size class (or
 * its page count for big blocks), so kfree needs no size.  Blocks are
 * 16-byte aligned.
 */
struct header {
	uint32_t class;      /* index into class_size, or BIG */
	uint32_t pages;      /* for BIG blocks */
	uint64_t pad;
};

#define BIG 0xffffffffu
#define NR_CLASSES 12
#define NR_CARVED 8       /* classes up to 4096 share pages; bigger ones are page runs kept for reuse */
static const uint32_t class_size[NR_CLASSES] = { 32, 64, 128, 256, 512, 1024, 2048, 4096,
						 8192, 16384, 32768, 65536 };

struct free_block {
	struct free_block *next;
};
static struct free_block *free_lists[NR_CLASSES];

/*
 * Freed big blocks: up to BIG_KEEP page runs wait here for a block of the
 * same page count.  The page allocator takes freed pages back one by one
 * and makes new runs only from memory never used before, so without this a
 * block allocated and freed again and again (a read-ahead buffer, a bounce
 * buffer) used up fresh memory every time.
 */
#define BIG_KEEP 32
struct big_run {
	struct big_run *next;
	uint32_t pages;
};
static struct big_run *big_runs;
static unsigned nr_big_runs;

/* A kept run of exactly pages pages, taken off the list, or NULL. */
static void *big_run_take(size_t pages)
{
	for (struct big_run **pp = &big_runs; *pp; pp = &(*pp)->next) {
		struct big_run *r = *pp;

		if (r->pages == pages) {
			*pp = r->next;
			nr_big_runs--;
			return r;
		}
	}
	return NULL;
}

static int size_class(size_t total)
{
	for (int c = 0; c < NR_CLASSES; c++)
		if (total <= class_size[c])
			return c;
	return -1;
}

void *kmalloc(size_t n)
{
	size_t total = n + sizeof(struct header);
	struct header *h;
	int c;

	if (total < n)
		return NULL;
	c = size_class(total);
	if (c < 0) {
		size_t pages = ALIGN_UP(total, PAGE_SIZE) / PAGE_SIZE;
		h = big_run_take(pages);
		if (!h)
			h = page_alloc_n_dirty(pages);
		if (!h)
			return NULL;
		h->class = BIG;
		h->pages = pages;
		return h + 1;
	}
	if (!free_lists[c] && c >= NR_CARVED) {
		/* A page run of its own; freed runs go back to this class's list, not to the page allocator. */
		h = page_alloc_n_dirty(class_size[c] / PAGE_SIZE);
		if (!h)
			return NULL;
		h->class = c;
		return h + 1;
	}
	if (!free_lists[c]) {
		/* Carve a fresh page into blocks of this class. */
		char *page = page_alloc_n_dirty(1);
		if (!page)
			return NULL;
		for (size_t off = 0; off + class_size[c] <= PAGE_SIZE; off += class_size[c]) {
			struct free_block *b = (struct free_block *)(page + off);
			b->next = free_lists[c];
			free_lists[c] = b;
		}
	}
	h = (struct header *)free_lists[c];
	free_lists[c] = free_lists[c]->next;
	h->class = c;
	return h + 1;
}

void *kzalloc(size_t n)
{
	void *p = kmalloc(n);
	if (p)
		memset(p, 0, n);
	return p;
}

static size_t usable_size(const struct header *h)
{
	if (h->class == BIG)
		return (size_t)h->pages * PAGE_SIZE - sizeof(*h);
	return class_size[h->class] - sizeof(*h);
}

void kfree(void *p)
{
	struct header *h;

	if (!p)
		return;
	h = (struct header *)p - 1;
	if (h->class == BIG) {
		char *base = (char *)h;
		uint32_t pages = h->pages;   /* freeing the first page overwrites the header */
		if (nr_big_runs < BIG_KEEP) {
			struct big_run *r = (struct big_run *)base;

			r->pages = pages;
			r->next = big_runs;
			big_runs = r;
			nr_big_runs++;
			return;
		}
		for (uint32_t i = 0; i < pages; i++)
			page_free(base + (size_t)i * PAGE_SIZE);
		return;
	}
	uint32_t c = h->class;   /* the free-list link overwrites the header */
	BUG_ON(c >= NR_CLASSES);
	((struct free_block *)h)->next = free_lists[c];
	free_lists[c] = (struct free_block *)h;
}

void *krealloc(void *p, size_t n)
{
	void *q;

	if (!p)
		return kmalloc(n);
	if (n <= usable_size((struct header *)p - 1))
		return p;
	q = kmalloc(n);
	if (!q)
		return NULL;
	memcpy(q, p, usable_size((struct header *)p - 1));
	kfree(p);
	return q;
}
