/* SPDX-License-Identifier: MIT */
/* test_kmalloc.c: unit tests for the kernel heap (kernel/mm/kmalloc.c) over a fake page allocator. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel.h"
#include "mm.h"

static int failures;
static long pages_out;
static void *runs[100000];   /* every page run handed out, released at the end */
static int nr_runs;

#define CHECK(cond) do { \
	if (!(cond)) { \
		printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); \
		failures++; \
	} \
} while (0)

/* The page allocator kmalloc sits on: aligned host memory, filled with junk as real pages may be. */
void *page_alloc_n_dirty(size_t n)
{
	void *p = aligned_alloc(PAGE_SIZE, n * PAGE_SIZE);
	if (p) {
		memset(p, 0xa5, n * PAGE_SIZE);
		pages_out += n;
		runs[nr_runs++] = p;
	}
	return p;
}

void page_free(void *p)
{
	/* Big blocks are freed page by page; only the first page of a run came from aligned_alloc. */
	pages_out--;
	(void)p;
}

void panic(const char *fmt, ...)
{
	printf("panic: %s\n", fmt);
	abort();
}

#include "../../kernel/mm/kmalloc.c"

int main(void)
{
	enum { N = 4000 };
	static unsigned char *ptrs[N];
	static size_t sizes[N];

	/* Every size class and big blocks, each filled with its own pattern. */
	for (int i = 0; i < N; i++) {
		sizes[i] = 1 + (size_t)(i * 7919) % 9000 + (i % 500 == 0 ? 200000 : 0);
		ptrs[i] = kmalloc(sizes[i]);
		CHECK(ptrs[i] != NULL);
		CHECK(((uintptr_t)ptrs[i] & 15) == 0);
		memset(ptrs[i], i & 0xff, sizes[i]);
	}
	/* Free every other block, then allocate again: survivors keep their bytes. */
	for (int i = 0; i < N; i += 2) {
		kfree(ptrs[i]);
		ptrs[i] = NULL;
	}
	for (int i = 0; i < N; i += 2) {
		sizes[i] = 1 + (size_t)(i * 31) % 5000;
		ptrs[i] = kzalloc(sizes[i]);
		CHECK(ptrs[i] != NULL);
		for (size_t k = 0; ptrs[i] && k < sizes[i]; k++)
			if (ptrs[i][k] != 0) {
				CHECK(!"kzalloc memory not zero");
				break;
			}
		memset(ptrs[i], i & 0xff, sizes[i]);
	}
	for (int i = 0; i < N; i++) {
		for (size_t k = 0; k < sizes[i]; k += 97)
			if (ptrs[i][k] != (i & 0xff)) {
				printf("block %d byte %zu overwritten\n", i, k);
				CHECK(!"a live block was overwritten");
				break;
			}
	}
	/* krealloc keeps the contents. */
	unsigned char *r = kmalloc(10);
	memcpy(r, "0123456789", 10);
	r = krealloc(r, 100000);
	CHECK(r && memcmp(r, "0123456789", 10) == 0);
	kfree(r);
	CHECK(kmalloc(SIZE_MAX) == NULL);
	/* A big block freed and allocated again reuses its run: no new pages. */
	void *b = kmalloc(128 * 1024);
	long out = pages_out;
	kfree(b);
	for (int i = 0; i < 100; i++) {
		void *c = kmalloc(128 * 1024);
		CHECK(c == b);
		memset(c, 0x5a, 128 * 1024);
		kfree(c);
	}
	CHECK(pages_out == out);
	kfree(NULL);
	for (int i = 0; i < N; i++)
		kfree(ptrs[i]);

	for (int i = 0; i < nr_runs; i++)
		free(runs[i]);
	if (failures)
		printf("test_kmalloc: %d check(s) failed\n", failures);
	return failures ? 1 : 0;
}
