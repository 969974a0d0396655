/* SPDX-License-Identifier: MIT */
/* memory.c: anonymous mmap, munmap, MAP_FIXED, mprotect, madvise, brk and malloc under the guest kernel's memory manager. */
// husk-test: status=0 expect="SUCCESS"
// husk-test: name=big args="big" mem=256M status=0 expect="SUCCESS"
#define _GNU_SOURCE
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "check.h"

#define MiB (1UL << 20)
#define PAGE 4096UL

/* Writes a per-page value to every page of [p, p+len) and checks it reads back. */
static void touch_pages(unsigned char *p, size_t len, const char *what)
{
	size_t bad = len;

	for (size_t off = 0; off < len; off += PAGE) {
		CHECK(p[off] == 0 && p[off + PAGE - 1] == 0, "%s: fresh page at +%zu is not zero", what, off);
		p[off] = (unsigned char)(off / PAGE + 1);
		p[off + PAGE - 1] = (unsigned char)(off / PAGE + 2);
	}
	for (size_t off = 0; off < len && bad == len; off += PAGE)
		if (p[off] != (unsigned char)(off / PAGE + 1) ||
		    p[off + PAGE - 1] != (unsigned char)(off / PAGE + 2))
			bad = off;
	CHECK(bad == len, "%s: page at +%zu lost its value", what, bad);
}

static void check_mmap(void)
{
	size_t len = 16 * MiB;
	unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	CHECK(p != MAP_FAILED, "mmap 16 MiB failed: %s", strerror(errno));
	if (p == MAP_FAILED)
		return;
	CHECK(((uintptr_t)p & (PAGE - 1)) == 0, "mmap returned unaligned %p", (void *)p);
	touch_pages(p, len, "16 MiB mmap");
	CHECK(munmap(p, len) == 0, "munmap failed: %s", strerror(errno));
	/* The freed range can be mapped again, and comes back zeroed. */
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED, "second mmap 16 MiB failed: %s", strerror(errno));
	if (p != MAP_FAILED) {
		touch_pages(p, len, "second 16 MiB mmap");
		munmap(p, len);
	}
}

static void check_fixed(void)
{
	unsigned char *p = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned char *q;

	CHECK(p != MAP_FAILED, "mmap 3 pages failed: %s", strerror(errno));
	if (p == MAP_FAILED)
		return;
	memset(p, 0x5a, 3 * PAGE);
	q = mmap(p + PAGE, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	CHECK(q == p + PAGE, "MAP_FIXED returned %p, wanted %p", (void *)q, (void *)(p + PAGE));
	CHECK(p[PAGE] == 0 && p[2 * PAGE - 1] == 0, "MAP_FIXED page was not replaced by zeros");
	CHECK(p[PAGE - 1] == 0x5a && p[2 * PAGE] == 0x5a, "MAP_FIXED disturbed the neighbouring pages");

	CHECK(mprotect(p, PAGE, PROT_READ) == 0, "mprotect(PROT_READ) failed: %s", strerror(errno));
	CHECK(p[0] == 0x5a, "read-only page lost its contents");
	CHECK(mprotect(p, PAGE, PROT_READ | PROT_WRITE) == 0, "mprotect back to RW failed: %s",
	      strerror(errno));
	p[0] = 1;
	CHECK(p[0] == 1, "write after mprotect RW did not stick");
	CHECK(syscall(SYS_mprotect, p + 1, PAGE, PROT_READ) == -1 && errno == EINVAL,
	      "mprotect on an unaligned address did not fail with EINVAL");

	CHECK(madvise(p + 2 * PAGE, PAGE, MADV_DONTNEED) == 0, "madvise failed: %s", strerror(errno));
	CHECK(p[2 * PAGE] == 0, "MADV_DONTNEED on private anonymous memory did not zero the page");
	CHECK(munmap(p, 3 * PAGE) == 0, "munmap of 3 pages failed");
	CHECK(mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED && errno == EINVAL,
	      "mmap of length 0 did not fail with EINVAL");
}

static void check_brk(void)
{
	uintptr_t cur = syscall(SYS_brk, 0), got;
	unsigned char *p = (unsigned char *)cur;

	CHECK(cur != 0, "brk(0) returned 0");
	got = syscall(SYS_brk, cur + MiB);
	CHECK(got == cur + MiB, "brk(+1 MiB) returned %#lx, wanted %#lx", (unsigned long)got,
	      (unsigned long)(cur + MiB));
	if (got != cur + MiB)
		return;
	/* The old break need not be page-aligned; touch from the next page. */
	p = (unsigned char *)((cur + PAGE - 1) & ~(PAGE - 1));
	memset(p, 0x77, cur + MiB - (uintptr_t)p);
	CHECK(p[0] == 0x77 && ((unsigned char *)(cur + MiB))[-1] == 0x77, "brk memory not writable");
	got = syscall(SYS_brk, cur);
	CHECK(got == cur, "brk shrink returned %#lx, wanted %#lx", (unsigned long)got, (unsigned long)cur);
}

static void check_malloc(void)
{
	enum { N = 20000 };
	static unsigned char *ptrs[N];
	static size_t sizes[N];
	int bad = -1;

	for (int i = 0; i < N; i++) {
		sizes[i] = 1 + (i * 37) % 700 + (i % 97 == 0 ? 70000 : 0);
		ptrs[i] = malloc(sizes[i]);
		CHECK(ptrs[i] != NULL, "malloc(%zu) #%d failed", sizes[i], i);
		if (!ptrs[i])
			return;
		memset(ptrs[i], i & 0xff, sizes[i]);
	}
	for (int i = 0; i < N; i += 2) {
		free(ptrs[i]);
		ptrs[i] = NULL;
	}
	for (int i = 1; i < N; i += 2) {
		if (ptrs[i][0] != (i & 0xff) || ptrs[i][sizes[i] - 1] != (i & 0xff)) {
			bad = i;
			break;
		}
		ptrs[i] = realloc(ptrs[i], sizes[i] * 2);
		CHECK(ptrs[i] && ptrs[i][sizes[i] - 1] == (i & 0xff), "realloc #%d lost data", i);
	}
	CHECK(bad < 0, "block %d was overwritten after freeing its neighbours", bad);
	for (int i = 0; i < N; i++)
		free(ptrs[i]);

	/* 32 MiB from malloc (mmap-backed in musl), touched sparsely: fits the default 64M VM. */
	{
		size_t len = 32 * MiB;
		unsigned char *b = malloc(len);

		CHECK(b != NULL, "malloc(32 MiB) failed");
		if (b) {
			for (size_t off = 0; off < len; off += 64 * 1024)
				b[off] = (unsigned char)(off >> 16);
			for (size_t off = 0; off < len; off += 64 * 1024)
				if (b[off] != (unsigned char)(off >> 16))
					bad = (int)(off >> 16);
			CHECK(bad < 0, "32 MiB block lost the value at 64K-chunk %d", bad);
			free(b);
		}
	}
}

/* "big": 128 MiB touched page by page, needs the VM to have more than the default memory. */
static void check_big(void)
{
	size_t len = 128 * MiB;
	unsigned char *b = malloc(len);

	CHECK(b != NULL, "malloc(128 MiB) failed");
	if (b) {
		touch_pages(b, len - PAGE, "128 MiB malloc");
		free(b);
	}
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "big") == 0) {
		check_big();
		return check_finish("memory big");
	}
	check_mmap();
	check_fixed();
	check_brk();
	check_malloc();
	return check_finish("memory");
}
