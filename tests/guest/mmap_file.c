/* SPDX-License-Identifier: MIT */
/* mmap_file.c: file-backed private and shared mappings, MAP_FIXED over mappings, shared anonymous memory, mprotect, mremap, msync, mlock, mincore. */
// husk-test: status=0 expect="SUCCESS" backends=qemu,vmm
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <setjmp.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

static sigjmp_buf jmp;
static volatile int last_sig;
static void on_segv(int sig) { last_sig = sig; siglongjmp(jmp, 1); }

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

	/* A shared mapping is the file: writes go both ways at once. */
	char *sh2 = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(sh2 != MAP_FAILED, "mmap MAP_SHARED: %s", strerror(errno));
	if (sh2 != MAP_FAILED) {
		memcpy(sh2 + 100, "SHARED", 6);
		char got[7] = { 0 };
		CHECK(pread(fd, got, 6, 100) == 6 && !strcmp(got, "SHARED"), "read() does not see the mapped write: %s", got);
		CHECK(pwrite(fd, "WRITE", 5, pg + 10) == 5, "pwrite");
		CHECK(memcmp(sh2 + pg + 10, "WRITE", 5) == 0, "the mapping does not see write()");
		CHECK(msync(sh2, 2 * pg, MS_SYNC) == 0, "msync: %s", strerror(errno));
		CHECK(msync(sh2 + 1, pg, MS_SYNC) == -1 && errno == EINVAL, "unaligned msync accepted");
		/* Shrinking the file takes the pages beyond the end away: SIGBUS there. */
		signal(SIGBUS, on_segv);
		CHECK(ftruncate(fd, 100) == 0, "ftruncate");
		CHECK(sh2[0] == 'a' && sh2[99] == buf[99], "the first page survives the truncate");
		last_sig = 0;
		if (sigsetjmp(jmp, 1) == 0)
			(void)*(volatile char *)(sh2 + pg);
		CHECK(last_sig == SIGBUS, "access beyond the end of the file gave signal %d, wanted SIGBUS", last_sig);
		munmap(sh2, 2 * pg);
	}
	int rofd = open(path, O_RDONLY);
	CHECK(mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, rofd, 0) == MAP_FAILED && errno == EACCES,
	      "writable shared mapping of a read-only descriptor");
	close(rofd);

	/* /dev/zero maps as anonymous memory: privately at any offset; shared mappings at an
	 * offset are accepted (ljsyscall finds the page size that way) but, as on Linux,
	 * only the private kind is touched here. */
	int zfd = open("/dev/zero", O_RDWR);
	char *z = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE, zfd, pg);
	CHECK(z != MAP_FAILED && z[0] == 0 && z[pg - 1] == 0, "private /dev/zero at an offset: %s", strerror(errno));
	if (z != MAP_FAILED)
		z[5] = 1;
	CHECK(mmap(NULL, pg, PROT_READ, MAP_SHARED, zfd, pg) != MAP_FAILED, "shared /dev/zero at an offset: %s",
	      strerror(errno));
	CHECK(mmap(NULL, pg, PROT_READ, MAP_PRIVATE, 0, 0) == MAP_FAILED, "mapping the console worked");
	close(zfd);

	/* mlock faults everything in; mincore shows it. */
	char *lk = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned char vec[4];
	CHECK(mincore(lk, 4 * pg, vec) == 0 && vec[0] == 0, "fresh memory already resident");
	CHECK(mlock(lk, 4 * pg) == 0, "mlock: %s", strerror(errno));
	CHECK(mincore(lk, 4 * pg, vec) == 0 && vec[0] && vec[3], "mlock did not bring the pages in");
	CHECK(munlock(lk, 4 * pg) == 0, "munlock");
	CHECK(mlock((void *)0x1000, pg) == -1 && errno == ENOMEM, "mlock of unmapped memory");
	/* MAP_POPULATE and mlockall(MCL_FUTURE) bring new mappings in at once. */
	char *pop = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	CHECK(mincore(pop, 2 * pg, vec) == 0 && vec[0] && vec[1], "MAP_POPULATE left pages out");
	CHECK(mlockall(MCL_FUTURE) == 0, "mlockall: %s", strerror(errno));
	char *fut = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(mincore(fut, 2 * pg, vec) == 0 && vec[0] && vec[1], "MCL_FUTURE did not fault in a new mapping");
	CHECK(munlockall() == 0, "munlockall");
	char *lazy = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(mincore(lazy, pg, vec) == 0 && vec[0] == 0, "after munlockall new memory is still faulted in");

	close(fd);
	/* (Within the first 100 bytes: the file was truncated, and Linux drops unwritten private pages past the end.) */
	CHECK(ro[1] == buf[1], "mapping gone after close");
	CHECK(munmap(ro, 3 * pg) == 0, "munmap");
	/* A private mapping reads the file's own pages until it writes one: the file's later
	 * changes show through untouched pages, its own writes never reach the file, and when
	 * the file shrinks every page past the end goes, private copies too (as Linux). */
	{
		int tfd = open("/tmp/mmap-priv", O_RDWR | O_CREAT | O_TRUNC, 0644);
		char x[2 * 4096], got = 0;
		memset(x, 'x', sizeof(x));
		CHECK(tfd >= 0 && write(tfd, x, 2 * pg) == 2 * pg, "private file: %s", strerror(errno));
		char *pm = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE, tfd, 0);
		CHECK(pm != MAP_FAILED && pm[0] == 'x' && pm[pg] == 'x', "private mapping reads the file");
		CHECK(pwrite(tfd, "y", 1, pg) == 1 && pm[pg] == 'y', "an untouched private page shows the file's change");
		pm[0] = 'P';
		CHECK(pread(tfd, &got, 1, 0) == 1 && got == 'x', "a private write reached the file (%c)", got);
		CHECK(pwrite(tfd, "z", 1, 0) == 1 && pm[0] == 'P', "the written page is the mapping's own");
		pid_t child = fork();
		if (child == 0)
			_exit(pm[0] == 'P' && pm[pg] == 'y' ? 0 : 1);
		int st;
		CHECK(waitpid(child, &st, 0) == child && WIFEXITED(st) && WEXITSTATUS(st) == 0, "the child sees the same");
		CHECK(ftruncate(tfd, 0) == 0 && ftruncate(tfd, 2 * pg) == 0, "truncate: %s", strerror(errno));
		CHECK(pm[0] == 0 && pm[pg] == 0, "after the file shrank and grew: %d %d, want zeros", pm[0], pm[pg]);
		munmap(pm, 2 * pg);
		close(tfd);
		unlink("/tmp/mmap-priv");
	}
	return check_finish("mmap_file");
}
