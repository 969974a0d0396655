/* SPDX-License-Identifier: MIT */
/* fork_tables.c: fork shares page tables until a change: writes from both sides, munmap/mprotect/mremap/truncation in either process, fork of a fork, either side exiting first, a vfork child's fault, kernel writes, and no memory lost. */
// husk-test: status=0 expect="SUCCESS" timeout=600
// husk-test: name=vmm args="quick" status=0 expect="SUCCESS" backends=vmm timeout=600
// husk-test: name=xen args="quick" status=0 expect="SUCCESS" backends=xen timeout=600
/*
 * Each test maps an 8 MiB private region aligned to 2 MiB (four whole
 * last-level page tables), marks every page, forks, and changes the region
 * in one process while the other still shares its tables, then checks that
 * each process sees exactly its own writes.  Children report through their
 * exit status: 0 when every check held, else the number of the first one
 * that failed.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"

#define MIB (1UL << 20)
#define PG 4096UL
#define LEN (8 * MIB)

/* Maps the region, 2 MiB aligned, with every page marked tag. */
static char *region(char tag)
{
	char *raw = mmap(NULL, LEN + 2 * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *p;

	if (raw == MAP_FAILED) {
		printf("FAIL: mmap of the region: errno %d\n", errno);
		exit(1);
	}
	p = (char *)(((uintptr_t)raw + 2 * MIB - 1) & ~(2 * MIB - 1));
	if (p > raw)
		munmap(raw, p - raw);
	munmap(p + LEN, raw + 2 * MIB - p);
	for (size_t off = 0; off < LEN; off += PG)
		p[off] = p[off + PG - 1] = tag;
	return p;
}

static void mark(char *p, size_t len, char tag)
{
	for (size_t off = 0; off < len; off += PG)
		p[off] = p[off + PG - 1] = tag;
}

/* Pages of [p, p+len) not marked tag at both ends. */
static size_t wrong(const char *p, size_t len, char tag)
{
	size_t n = 0;

	for (size_t off = 0; off < len; off += PG)
		n += p[off] != tag || p[off + PG - 1] != tag;
	return n;
}

static int reap(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1000 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

/* Checks that the child ended with status 0; else says which of its checks failed. */
static void child_ok(pid_t pid, const char *what)
{
	int r = reap(pid);

	CHECK(r == 0, what, r);
}

static void token_wait(int fd)
{
	char c;

	if (read(fd, &c, 1) != 1)
		_exit(99);
}

static void token_send(int fd)
{
	if (write(fd, "t", 1) != 1)
		printf("FAIL: token write: errno %d\n", errno);
}

/* Parent and child write disjoint halves while both hold the tables; the child also lets the kernel write (read from a pipe). */
static void test_both_write(void)
{
	char *p = region('a');
	int go[2], data[2];

	CHECK(pipe(go) == 0 && pipe(data) == 0, "pipes");
	pid_t pid = fork();
	if (pid == 0) {
		token_wait(go[0]);            /* the parent has written its half by now */
		if (wrong(p, LEN, 'a'))
			_exit(1);
		mark(p + LEN / 2, LEN / 2, 'c');
		if (read(data[0], p + 3 * PG, 5) != 5 || memcmp(p + 3 * PG, "kern!", 5))
			_exit(2);
		p[3 * PG] = 'a';
		if (wrong(p, LEN / 2, 'a') || wrong(p + LEN / 2, LEN / 2, 'c'))
			_exit(3);
		_exit(0);
	}
	mark(p, LEN / 2, 'P');
	CHECK(write(data[1], "kern!", 5) == 5, "pipe write");
	token_send(go[1]);
	child_ok(pid, "child of the both-write test: check %d failed");
	CHECK(wrong(p, LEN / 2, 'P') == 0 && wrong(p + LEN / 2, LEN / 2, 'a') == 0,
	      "the parent saw the child's writes or lost its own");
	close(go[0]);
	close(go[1]);
	close(data[0]);
	close(data[1]);
	munmap(p, LEN);
}

/* munmap of part of a table and of a whole table, in the child or in the parent while the other holds the tables. */
static void test_unmap(bool in_child)
{
	char *p = region('a');
	int go[2];

	CHECK(pipe(go) == 0, "pipe");
	pid_t pid = fork();
	if (pid == 0) {
		if (in_child) {
			if (munmap(p + 1 * MIB, 2 * MIB) || munmap(p + 4 * MIB, 2 * MIB))
				_exit(1);
			if (wrong(p, MIB, 'a') || wrong(p + 3 * MIB, MIB, 'a') || wrong(p + 6 * MIB, 2 * MIB, 'a'))
				_exit(2);
			/* The holes are holes: new memory there is zero. */
			char *q = mmap(p + 4 * MIB, 2 * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
			if (q != p + 4 * MIB || q[0] || q[2 * MIB - 1])
				_exit(3);
			mark(q, 2 * MIB, 'z');
			_exit(0);
		}
		token_wait(go[0]);
		_exit(wrong(p, LEN, 'a') ? 4 : 0);
	}
	if (in_child) {
		child_ok(pid, "child munmap: check %d failed");
		CHECK(wrong(p, LEN, 'a') == 0, "the child's munmap changed the parent's memory");
	} else {
		CHECK(munmap(p + 1 * MIB, 2 * MIB) == 0 && munmap(p + 4 * MIB, 2 * MIB) == 0, "parent munmap");
		CHECK(wrong(p, MIB, 'a') == 0 && wrong(p + 6 * MIB, 2 * MIB, 'a') == 0, "the parent lost what it kept");
		mark(p + 6 * MIB, MIB, 'P');
		token_send(go[1]);
		child_ok(pid, "child after the parent's munmap: check %d failed");
	}
	close(go[0]);
	close(go[1]);
	munmap(p, LEN);
}

/* mprotect inside the shared region, in either process. */
static void test_protect(bool in_child)
{
	char *p = region('a');
	int go[2];

	CHECK(pipe(go) == 0, "pipe");
	pid_t pid = fork();
	if (pid == 0) {
		if (in_child) {
			if (mprotect(p + 1 * MIB, 2 * MIB, PROT_READ) || wrong(p, LEN, 'a'))
				_exit(1);
			/* A write there must fault now, in a grandchild that shares the tables again. */
			pid_t g = fork();
			if (g == 0) {
				p[2 * MIB] = 'x';
				_exit(0);
			}
			if (reap(g) != 1000 + SIGSEGV)
				_exit(2);
			mark(p + 4 * MIB, MIB, 'c');
			if (mprotect(p + 1 * MIB, 2 * MIB, PROT_READ | PROT_WRITE))
				_exit(3);
			mark(p + 1 * MIB, 2 * MIB, 'c');
			_exit(wrong(p + 1 * MIB, 2 * MIB, 'c') || wrong(p + 4 * MIB, MIB, 'c') || wrong(p, MIB, 'a') ? 4 : 0);
		}
		token_wait(go[0]);
		if (wrong(p, LEN, 'a'))
			_exit(5);
		mark(p, LEN, 'c');
		_exit(wrong(p, LEN, 'c') ? 6 : 0);
	}
	if (in_child) {
		child_ok(pid, "child mprotect: check %d failed");
		mark(p + 1 * MIB, 2 * MIB, 'P');
		CHECK(wrong(p, MIB, 'a') == 0 && wrong(p + 1 * MIB, 2 * MIB, 'P') == 0 && wrong(p + 3 * MIB, 5 * MIB, 'a') == 0,
		      "the parent saw the child's writes");
	} else {
		CHECK(mprotect(p + 3 * MIB, 3 * MIB, PROT_READ) == 0, "parent mprotect read-only");
		CHECK(wrong(p, LEN, 'a') == 0, "read after mprotect");
		CHECK(mprotect(p + 3 * MIB, 3 * MIB, PROT_READ | PROT_WRITE) == 0, "parent mprotect back");
		mark(p + 3 * MIB, 3 * MIB, 'P');
		token_send(go[1]);
		child_ok(pid, "child after the parent's mprotect: check %d failed");
		CHECK(wrong(p, 3 * MIB, 'a') == 0 && wrong(p + 3 * MIB, 3 * MIB, 'P') == 0, "the parent saw the child's writes");
	}
	close(go[0]);
	close(go[1]);
	munmap(p, LEN);
}

/* mremap that moves part of the shared region, in either process. */
static void test_remap(bool in_child)
{
	char *p = region('a');
	int go[2];

	CHECK(pipe(go) == 0, "pipe");
	pid_t pid = fork();
	if (pid == 0) {
		if (in_child) {
			char *q = mremap(p + 1 * MIB, 3 * MIB, 6 * MIB, MREMAP_MAYMOVE);
			if (q == MAP_FAILED || wrong(q, 3 * MIB, 'a') || q[5 * MIB])
				_exit(1);
			mark(q, 3 * MIB, 'm');
			_exit(wrong(p, MIB, 'a') || wrong(p + 4 * MIB, 4 * MIB, 'a') ? 2 : 0);
		}
		token_wait(go[0]);
		_exit(wrong(p, LEN, 'a') ? 3 : 0);
	}
	if (in_child) {
		child_ok(pid, "child mremap: check %d failed");
		CHECK(wrong(p, LEN, 'a') == 0, "the child's mremap changed the parent's memory");
	} else {
		char *q = mremap(p + 1 * MIB, 3 * MIB, 6 * MIB, MREMAP_MAYMOVE);
		CHECK(q != MAP_FAILED, "parent mremap: errno %d", errno);
		if (q != MAP_FAILED) {
			CHECK(wrong(q, 3 * MIB, 'a') == 0, "moved pages lost their contents");
			mark(q, 3 * MIB, 'M');
			munmap(q, 6 * MIB);
		}
		mark(p, MIB, 'P');
		token_send(go[1]);
		child_ok(pid, "child after the parent's mremap: check %d failed");
	}
	close(go[0]);
	close(go[1]);
	munmap(p, LEN);
}

/*
 * Three processes on the same tables: a grandchild writes everything; then
 * (exit_first) the middle process exits before the grandchild has looked
 * at the region at all, so the grandchild holds tables its parent let go of.
 */
static void test_fork_of_fork(bool exit_first)
{
	char *p = region('a');
	int go[2];

	CHECK(pipe(go) == 0, "pipe");
	pid_t pid = fork();
	if (pid == 0) {
		pid_t g = fork();
		if (g == 0) {
			if (exit_first)
				token_wait(go[0]);     /* the middle process is gone */
			if (wrong(p, LEN, 'a'))
				_exit(11);
			mark(p, LEN, 'g');
			_exit(wrong(p, LEN, 'g') ? 12 : 0);
		}
		if (exit_first)
			_exit(g < 0 ? 13 : 0);
		if (reap(g) != 0)
			_exit(14);
		if (wrong(p, LEN, 'a'))
			_exit(15);
		mark(p + 2 * MIB, 2 * MIB, 'c');
		_exit(0);
	}
	child_ok(pid, "middle process: check %d failed");
	if (exit_first) {
		/* The grandchild is ours now (subreaper); the middle process's tables are gone. */
		token_send(go[1]);
		int st;
		pid_t g = waitpid(-1, &st, 0);
		CHECK(g > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "orphaned grandchild: status %#x", st);
	}
	CHECK(wrong(p, LEN, 'a') == 0, "the parent saw a descendant's writes");
	mark(p, LEN, 'P');
	CHECK(wrong(p, LEN, 'P') == 0, "parent writes after its descendants exited");
	close(go[0]);
	close(go[1]);
	munmap(p, LEN);
}

/* A vfork child faults on tables the parent still shares with a fork child: the parent sees the vfork child's writes, the fork child does not. */
static void test_vfork_fault(void)
{
	char *p = region('a');
	int go[2];

	CHECK(pipe(go) == 0, "pipe");
	pid_t pid = fork();
	if (pid == 0) {
		token_wait(go[0]);
		_exit(wrong(p, LEN, 'a') ? 1 : 0);
	}
	pid_t v = vfork();
	if (v == 0) {
		p[0] = 'v';
		p[5 * MIB] = 'v';
		_exit(0);
	}
	CHECK(reap(v) == 0, "vfork child");
	CHECK(p[0] == 'v' && p[5 * MIB] == 'v', "the vfork child's writes are not in the parent: %c %c", p[0], p[5 * MIB]);
	p[0] = p[5 * MIB] = 'a';
	token_send(go[1]);
	child_ok(pid, "the fork child saw the vfork child's writes (check %d)");
	close(go[0]);
	close(go[1]);
	munmap(p, LEN);
}

/*
 * A file mapping's truncation in one process unmaps the pages past the end
 * in both, private copies too: once the file grows back, both read the
 * file's new zeros there, not the old bytes.
 */
static void test_truncate(void)
{
	char *p = region('a'), *m;
	int fd = open("/tmp/fork_tables.map", O_RDWR | O_CREAT | O_TRUNC, 0600);
	static char page[PG];

	CHECK(fd >= 0, "open: errno %d", errno);
	memset(page, 'f', sizeof(page));
	for (size_t off = 0; off < 4 * MIB; off += PG)
		CHECK(write(fd, page, PG) == PG, "write");
	/* The file's pages, mapped privately over the first half of the region: two whole tables. */
	m = mmap(p, 4 * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd, 0);
	CHECK(m == p, "mmap of the file: errno %d", errno);
	CHECK(wrong(p, 4 * MIB, 'f') == 0, "the file's bytes");
	p[0] = p[PG - 1] = 'F';                  /* a private copy below the new end */
	p[3 * MIB] = p[3 * MIB + PG - 1] = 'F';  /* and one above it */
	pid_t pid = fork();
	if (pid == 0) {
		if (ftruncate(fd, 1 * MIB) || ftruncate(fd, 4 * MIB))
			_exit(1);
		if (wrong(p + 1 * MIB, 3 * MIB, 0))
			_exit(2);
		_exit(p[0] != 'F' || wrong(p + PG, MIB - PG, 'f') ? 3 : 0);
	}
	child_ok(pid, "child truncating a mapped file: check %d failed");
	CHECK(wrong(p + 1 * MIB, 3 * MIB, 0) == 0, "the parent still maps old pages past the truncation");
	CHECK(p[0] == 'F' && wrong(p + PG, MIB - PG, 'f') == 0, "the parent lost pages below the new end");
	close(fd);
	unlink("/tmp/fork_tables.map");
	munmap(p, LEN);
}

static void round_of_all(void)
{
	test_truncate();
	test_both_write();
	test_unmap(true);
	test_unmap(false);
	test_protect(true);
	test_protect(false);
	test_remap(true);
	test_remap(false);
	test_fork_of_fork(false);
	test_fork_of_fork(true);
	test_vfork_fault();
}

int main(int argc, char **argv)
{
	struct sysinfo before, after;
	int rounds = argc > 1 && strcmp(argv[1], "quick") == 0 ? 1 : 4;

	setvbuf(stdout, NULL, _IONBF, 0);
	CHECK(prctl(PR_SET_CHILD_SUBREAPER, 1) == 0, "subreaper");
	/* The first round warms allocator caches, so that only leaks show in the others. */
	round_of_all();
	sysinfo(&before);
	for (int i = 0; i < rounds; i++)
		round_of_all();
	sysinfo(&after);
	long lost = (long)before.freeram - (long)after.freeram;
	/* Natively the host's free memory moves with everything else on it. */
	CHECK(check_native() || lost < 64 * 4096, "%ld bytes less free memory after %d rounds", lost, rounds);
	printf("fork_tables: %d rounds, free memory %lu -> %lu\n", rounds, before.freeram, after.freeram);
	return check_finish("fork_tables");
}
