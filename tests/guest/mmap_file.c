/* SPDX-License-Identifier: MIT */
/* mmap_file.c: file-backed private mappings, MAP_FIXED over mappings, shared anonymous memory, mprotect and mremap. */
// husk-test: status=0 expect="SUCCESS" backends=qemu,vmm
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <setjmp.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"

static sigjmp_buf jmp;
static void on_segv(int sig) { (void)sig; siglongjmp(jmp, 1); }

/* Returns 1 when writing to p faults. */
static int write_faults(volatile char *p)
{
	if (sigsetjmp(jmp, 1) == 0) {
		*p = 'x';
		return 0;
	}
	return 1;
}

int main(void)
{
	const char *path = "/tmp/mmap-test";
	char buf[8192];
	long pg = sysconf(_SC_PAGESIZE);

	signal(SIGSEGV, on_segv);
	/* A two-and-a-half page file with a known pattern. */
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = 'a' + i % 26;
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0, "open: %s", strerror(errno));
	CHECK(write(fd, buf, sizeof(buf)) == (ssize_t)sizeof(buf), "write");
	CHECK(write(fd, "tail", 4) == 4, "write tail");

	/* Read-only private mapping shows the file, and zeros past its end in the last page. */
	char *ro = mmap(NULL, 3 * pg, PROT_READ, MAP_PRIVATE, fd, 0);
	CHECK(ro != MAP_FAILED, "mmap ro: %s", strerror(errno));
	CHECK(memcmp(ro, buf, sizeof(buf)) == 0, "mapped bytes differ from the file");
	CHECK(memcmp(ro + 8192, "tail", 4) == 0 && ro[8196] == 0 && ro[3 * pg - 1] == 0, "tail of the last page");
	CHECK(write_faults(ro), "writing a PROT_READ mapping did not fault");

	/* mprotect makes it writable: a private copy; the file does not change. */
	CHECK(mprotect(ro, pg, PROT_READ | PROT_WRITE) == 0, "mprotect: %s", strerror(errno));
	ro[0] = 'Z';
	char c;
	CHECK(pread(fd, &c, 1, 0) == 1 && c == 'a', "a private write reached the file (%c)", c);
	CHECK(write_faults(ro + pg), "the second page became writable too");

	/* An offset mapping starts at that file page. */
	char *off = mmap(NULL, pg, PROT_READ, MAP_PRIVATE, fd, pg);
	CHECK(off != MAP_FAILED && off[0] == buf[pg], "offset mapping");
	CHECK(mmap(NULL, pg, PROT_READ, MAP_PRIVATE, fd, 100) == MAP_FAILED && errno == EINVAL, "unaligned offset accepted");

	/* MAP_FIXED replaces part of an anonymous mapping. */
	char *anon = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(anon != MAP_FAILED, "anon mmap");
	memset(anon, 'q', 4 * pg);
	char *fx = mmap(anon + pg, pg, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0);
	CHECK(fx == anon + pg, "MAP_FIXED returned %p, wanted %p", fx, anon + pg);
	CHECK(anon[0] == 'q' && anon[pg] == 'a' && anon[2 * pg] == 'q', "MAP_FIXED contents %c %c %c", anon[0], anon[pg], anon[2 * pg]);
	CHECK(mmap(anon, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) == MAP_FAILED &&
	      errno == EEXIST, "MAP_FIXED_NOREPLACE over a mapping");

	/* munmap of a middle page leaves a hole that faults. */
	CHECK(munmap(anon + 2 * pg, pg) == 0, "munmap middle");
	CHECK(anon[3 * pg] == 'q', "page after the hole lost");
	CHECK(write_faults(anon + 2 * pg), "the hole is still mapped");

	/* Shared anonymous memory is usable memory. */
	int *sh = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(sh != MAP_FAILED && sh[0] == 0, "shared anon");
	sh[10] = 1234;
	CHECK(sh[10] == 1234, "shared anon write");

	/* mremap: grow in place or move, keeping contents. */
	char *m = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	strcpy(m, "mremap keeps this");
	munmap(m + pg, pg);
	char *blocker = mmap(m + pg, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	CHECK(blocker == m + pg, "blocker at %p", blocker);
	CHECK(mremap(m, pg, 4 * pg, 0) == MAP_FAILED && errno == ENOMEM, "mremap grew over a mapping without MAYMOVE");
	char *m2 = mremap(m, pg, 4 * pg, MREMAP_MAYMOVE);
	CHECK(m2 != MAP_FAILED && m2 != m, "mremap move: %p", m2);
	CHECK(strcmp(m2, "mremap keeps this") == 0, "moved contents");
	m2[4 * pg - 1] = 1;
	CHECK(write_faults(m), "old range still mapped after the move");
	char *m3 = mremap(m2, 4 * pg, pg, 0);
	CHECK(m3 == m2, "shrink moved it");

	close(fd);
	CHECK(ro[pg] == buf[pg], "mapping gone after close");
	CHECK(munmap(ro, 3 * pg) == 0, "munmap");
	return check_finish("mmap_file");
}
