/* SPDX-License-Identifier: MIT */
/* overcommit.c: requests that can never fit the VM fail at once with ENOMEM (brk, mmap, mremap, mlock), reservations that cost nothing still succeed, and a failed mlock leaves no memory used. */
// husk-test: mem=64M status=0 expect="SUCCESS" backends=qemu
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "check.h"

#define MiB (1ULL << 20)
#define TiB (1ULL << 40)

/* A /proc/meminfo field in bytes, or 0. */
static uint64_t meminfo(const char *name)
{
	char line[128];
	unsigned long long kb = 0;
	FILE *f = fopen("/proc/meminfo", "r");
	size_t n = strlen(name);

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, name, n) == 0 && line[n] == ':' && sscanf(line + n + 1, "%llu", &kb) == 1)
			break;
	fclose(f);
	return kb * 1024;
}

static size_t resident_pages(void *p, size_t len)
{
	static unsigned char vec[65536];
	size_t pages = len / 4096, n = 0;

	if (pages > sizeof(vec) || mincore(p, len, vec) != 0)
		return (size_t)-1;
	for (size_t i = 0; i < pages; i++)
		n += vec[i] & 1;
	return n;
}

int main(void)
{
	uintptr_t cur;
	uint64_t total = meminfo("MemTotal");
	void *p;

	setvbuf(stdout, NULL, _IONBF, 0);
	CHECK(total > 0, "no MemTotal in /proc/meminfo");

	/* brk(+1 TiB): the break stays where it was.  (This host's Linux lets a
	 * static program's break grow by 1 TiB, so natively it is not checked.) */
	cur = syscall(SYS_brk, 0);
	if (!check_native()) {
		CHECK(syscall(SYS_brk, cur + TiB) == (long)cur, "brk(+1 TiB) moved the break");
		CHECK(syscall(SYS_brk, 0) == (long)cur, "brk(0) after a refused brk");
	}

	/* mmap(1 TiB) private writable: ENOMEM. */
	errno = 0;
	p = mmap(NULL, TiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p == MAP_FAILED && errno == ENOMEM, "mmap(1 TiB): %p (%s)", p, strerror(errno));
	if (p != MAP_FAILED)
		munmap(p, TiB);

	/* Reservations cost nothing and still succeed, as on Linux. */
	p = mmap(NULL, TiB, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED, "mmap(1 TiB, PROT_NONE): %s", strerror(errno));
	if (p != MAP_FAILED)
		munmap(p, TiB);
	p = mmap(NULL, TiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	CHECK(p != MAP_FAILED, "mmap(1 TiB, MAP_NORESERVE): %s", strerror(errno));
	if (p != MAP_FAILED && !check_native()) {
		/* Locking it can never work: ENOMEM at once, nothing brought in.
		 * (Natively as root this would try to lock 1 TiB of the host.) */
		errno = 0;
		CHECK(mlock(p, TiB) == -1 && errno == ENOMEM, "mlock(1 TiB): %s", strerror(errno));
		CHECK(resident_pages(p, 64 * 4096) == 0, "a refused mlock(1 TiB) left pages in");
	}
	if (p != MAP_FAILED)
		munmap(p, TiB);

	/* mremap growing 1 MiB to 1 TiB: ENOMEM, the old mapping intact. */
	p = mmap(NULL, MiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED, "mmap(1 MiB)");
	((char *)p)[0] = 42;
	errno = 0;
	CHECK(mremap(p, MiB, TiB, MREMAP_MAYMOVE) == MAP_FAILED && errno == ENOMEM, "mremap to 1 TiB: %s",
	      strerror(errno));
	CHECK(((char *)p)[0] == 42, "the old mapping after a refused mremap");

	/* mlock of a small range works and brings it in. */
	CHECK(mlock(p, MiB) == 0, "mlock(1 MiB): %s", strerror(errno));
	CHECK(resident_pages(p, MiB) == MiB / 4096, "mlock'ed 1 MiB resident: %zu pages", resident_pages(p, MiB));
	munlock(p, MiB);
	munmap(p, MiB);

	if (!check_native()) {
		/* All of the VM: the mapping fits the heuristic, locking it cannot
		 * (the kernel and this program use some): ENOMEM, and nothing was
		 * brought in.  Not natively: this would try to lock the host's RAM. */
		size_t len = (size_t)total & ~(size_t)4095;
		void *q = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		CHECK(q != MAP_FAILED, "mmap(%zu MiB of %llu): %s", len >> 20, (unsigned long long)(total >> 20),
		      strerror(errno));
		if (q != MAP_FAILED) {
			errno = 0;
			CHECK(mlock(q, len) == -1 && errno == ENOMEM, "mlock(%zu MiB): %s", len >> 20, strerror(errno));
			CHECK(resident_pages(q, len) == 0, "a refused mlock left %zu pages in", resident_pages(q, len));
			errno = 0;
			CHECK(mlockall(MCL_CURRENT) == -1 && errno == ENOMEM, "mlockall with it mapped: %s",
			      strerror(errno));
			CHECK(resident_pages(q, len) == 0, "a refused mlockall left %zu pages in", resident_pages(q, len));
			munmap(q, len);
		}
		/* And the program can still use memory: 16 MiB touched. */
		q = mmap(NULL, 16 * MiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		CHECK(q != MAP_FAILED, "mmap(16 MiB) afterwards");
		if (q != MAP_FAILED)
			memset(q, 1, 16 * MiB);
	}
	return check_finish("overcommit");
}
