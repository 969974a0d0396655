/* SPDX-License-Identifier: MIT */
/* mmap_eof.c: file mappings past the end of the file: SIGBUS (BUS_ADRERR, si_addr) for private and shared, zeros in the partial last page, EFAULT for system calls, readable again after growing. */
// husk-test: status=0 expect="SUCCESS" backends=qemu,vmm
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"

static sigjmp_buf jmp;
static volatile int got_sig, got_code;
static void *volatile got_addr;

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	got_sig = sig;
	got_code = si->si_code;
	got_addr = si->si_addr;
	siglongjmp(jmp, 1);
}

/* Touches p (reading, or writing when write): 0, or the signal it gave. */
static int touch(volatile char *p, int write)
{
	got_sig = got_code = 0;
	got_addr = NULL;
	if (sigsetjmp(jmp, 1) == 0) {
		if (write)
			*p = 'w';
		else
			(void)*p;
		return 0;
	}
	return got_sig;
}

static void check_kind(int fd, int flags, const char *kind, long pg)
{
	/* The file holds 1.5 pages; the mapping is 3 pages. */
	char *m = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE, flags, fd, 0);

	CHECK(m != MAP_FAILED, "%s mmap: %s", kind, strerror(errno));
	if (m == MAP_FAILED)
		return;
	CHECK(m[0] == 'a' && m[pg + pg / 2 - 1] == 'a', "%s: file bytes", kind);
	/* The partial last page reads zeros past the end of the file. */
	int zeros = 1;
	for (long i = pg + pg / 2; i < 2 * pg; i++)
		zeros &= m[i] == 0;
	CHECK(zeros, "%s: the partial last page is not zero past the end", kind);

	/* A page wholly past the end: SIGBUS, BUS_ADRERR, at the address touched, reading and writing. */
	char *past = m + 2 * pg + 123;
	CHECK(touch(past, 0) == SIGBUS, "%s: reading past the end gave signal %d, wanted SIGBUS", kind, got_sig);
	CHECK(got_code == BUS_ADRERR, "%s: read si_code %d, wanted BUS_ADRERR", kind, got_code);
	CHECK(got_addr == past, "%s: read si_addr %p, wanted %p", kind, got_addr, (void *)past);
	CHECK(touch(past + 1, 1) == SIGBUS, "%s: writing past the end gave signal %d, wanted SIGBUS", kind, got_sig);
	CHECK(got_code == BUS_ADRERR && got_addr == past + 1, "%s: write si_code %d si_addr %p", kind, got_code,
	      got_addr);

	/* The kernel's own copies from or to that page fail with EFAULT. */
	int p[2];
	CHECK(pipe(p) == 0, "pipe");
	errno = 0;
	CHECK(write(p[1], m + 2 * pg, 16) == -1 && errno == EFAULT, "%s: write() from past the end: errno %d", kind,
	      errno);
	CHECK(write(p[1], "0123456789abcdef", 16) == 16, "pipe write");
	errno = 0;
	CHECK(read(p[0], m + 2 * pg, 16) == -1 && errno == EFAULT, "%s: read() into past the end: errno %d", kind,
	      errno);
	close(p[0]);
	close(p[1]);

	/* Growing the file makes the page readable again; shrinking takes it away again. */
	CHECK(ftruncate(fd, 3 * pg) == 0, "%s: ftruncate up: %s", kind, strerror(errno));
	CHECK(touch(past, 0) == 0 && *past == 0, "%s: the grown page gave signal %d", kind, got_sig);
	CHECK(touch(past, 1) == 0, "%s: writing the grown page gave signal %d", kind, got_sig);
	char c = 0;
	CHECK(pread(fd, &c, 1, past - m) == 1 && c == (flags & MAP_SHARED ? 'w' : 0),
	      "%s: the file holds %#x after the write through the mapping", kind, c);
	CHECK(ftruncate(fd, pg + pg / 2) == 0, "%s: ftruncate down: %s", kind, strerror(errno));
	CHECK(touch(past, 0) == SIGBUS && got_addr == past, "%s: after shrinking: signal %d", kind, got_sig);
	munmap(m, 3 * pg);
}

int main(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	struct sigaction sa = { .sa_sigaction = on_fault, .sa_flags = SA_SIGINFO };
	const char *path = "/tmp/mmap-eof";
	char buf[65536];

	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	memset(buf, 'a', sizeof(buf));
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0, "open: %s", strerror(errno));
	CHECK(write(fd, buf, pg + pg / 2) == pg + pg / 2, "write");
	check_kind(fd, MAP_PRIVATE, "MAP_PRIVATE", pg);
	check_kind(fd, MAP_SHARED, "MAP_SHARED", pg);

	/* Past the end of the mapping itself it is SIGSEGV (SEGV_MAPERR), not SIGBUS. */
	char *one = mmap(NULL, 2 * pg, PROT_READ, MAP_PRIVATE, fd, 0);
	CHECK(one != MAP_FAILED && munmap(one + pg, pg) == 0, "mmap one page");
	CHECK(touch(one + pg, 0) == SIGSEGV && got_code == SEGV_MAPERR, "past the mapping: signal %d code %d",
	      got_sig, got_code);
	close(fd);
	unlink(path);
	return check_finish("mmap_eof");
}
