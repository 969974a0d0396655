/* SPDX-License-Identifier: MIT */
/* memfd_seals.c: memfd seals against mappings: F_SEAL_WRITE refused while a process (this one or a child) maps shared with write allowed, then no writable mapping, mmap or mprotect; F_SEAL_FUTURE_WRITE; F_SEAL_GROW/SHRINK with fallocate; mprotect of a read-only descriptor's mapping. */
// husk-test: status=0 expect="SUCCESS" backends=qemu,vmm
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

static long pg;

static int new_memfd(const char *name)
{
	int fd = memfd_create(name, MFD_ALLOW_SEALING);

	CHECK(fd >= 0 && ftruncate(fd, pg) == 0, "memfd %s: %s", name, strerror(errno));
	return fd;
}

static void seal_write(void)
{
	int fd = new_memfd("w"), p[2];
	char c = 0, *rw, *ro, *priv;

	/* A writable shared mapping, here or in a child, keeps F_SEAL_WRITE out. */
	rw = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(rw != MAP_FAILED, "mmap shared: %s", strerror(errno));
	errno = 0;
	CHECK(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE) == -1 && errno == EBUSY, "seal while mapped writable: errno %d",
	      errno);
	CHECK(pipe(p) == 0, "pipe");
	pid_t child = fork();
	if (child == 0) {
		munmap(rw, pg);   /* the child's copy of the mapping: the parent unmaps its own below */
		char *m = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		(void)!write(p[1], m == MAP_FAILED ? "F" : "M", 1);
		pause();
		_exit(0);
	}
	CHECK(read(p[0], &c, 1) == 1 && c == 'M', "child mapping: %c", c);
	CHECK(munmap(rw, pg) == 0, "munmap");
	errno = 0;
	CHECK(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE) == -1 && errno == EBUSY,
	      "seal while a child maps writable: errno %d", errno);
	kill(child, SIGKILL);
	CHECK(waitpid(child, NULL, 0) == child, "waitpid");
	close(p[0]);
	close(p[1]);

	/* So does a read-only shared mapping that mprotect could make writable. */
	ro = mmap(NULL, pg, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(ro != MAP_FAILED, "mmap shared read-only: %s", strerror(errno));
	errno = 0;
	CHECK(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE) == -1 && errno == EBUSY,
	      "seal while mapped read-only but mprotect-able: errno %d", errno);
	CHECK(munmap(ro, pg) == 0, "munmap");
	CHECK(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE) == 0, "F_SEAL_WRITE: %s", strerror(errno));

	/* After it: no writable shared mapping, not even by mprotect; private ones are the process's own. */
	errno = 0;
	CHECK(mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED && errno == EPERM,
	      "writable shared mmap after F_SEAL_WRITE: errno %d", errno);
	ro = mmap(NULL, pg, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(ro != MAP_FAILED, "read-only shared mmap after F_SEAL_WRITE: %s", strerror(errno));
	errno = 0;
	CHECK(mprotect(ro, pg, PROT_READ | PROT_WRITE) == -1 && errno == EACCES,
	      "mprotect of a mapping made after F_SEAL_WRITE: errno %d", errno);
	priv = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CHECK(priv != MAP_FAILED, "private mmap: %s", strerror(errno));
	priv[0] = 'P';
	CHECK(pread(fd, &c, 1, 0) == 1 && c == 0 && ro[0] == 0, "a private write reached the sealed file");
	errno = 0;
	CHECK(pwrite(fd, "x", 1, 0) == -1 && errno == EPERM, "write after F_SEAL_WRITE: errno %d", errno);
	munmap(ro, pg);
	munmap(priv, pg);
	close(fd);
}

static void seal_future_write(void)
{
	int fd = new_memfd("fw");
	char c = 0, *rw = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	CHECK(rw != MAP_FAILED, "mmap shared: %s", strerror(errno));
	CHECK(fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE) == 0, "F_SEAL_FUTURE_WRITE: %s", strerror(errno));
	/* Mappings already writable stay so; nothing new may write. */
	rw[1] = 'R';
	CHECK(pread(fd, &c, 1, 1) == 1 && c == 'R', "the existing mapping's write: %#x", c);
	errno = 0;
	CHECK(mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED && errno == EPERM,
	      "writable shared mmap after F_SEAL_FUTURE_WRITE: errno %d", errno);
	char *ro = mmap(NULL, pg, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(ro != MAP_FAILED && ro[1] == 'R', "read-only shared mmap after F_SEAL_FUTURE_WRITE");
	errno = 0;
	CHECK(mprotect(ro, pg, PROT_READ | PROT_WRITE) == -1 && errno == EACCES,
	      "mprotect after F_SEAL_FUTURE_WRITE: errno %d", errno);
	errno = 0;
	CHECK(pwrite(fd, "x", 1, 0) == -1 && errno == EPERM, "write after F_SEAL_FUTURE_WRITE: errno %d", errno);
	munmap(ro, pg);
	munmap(rw, pg);
	close(fd);
}

static void seal_size(void)
{
	int fd = new_memfd("size");

	CHECK(fcntl(fd, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK) == 0, "seal size: %s", strerror(errno));
	errno = 0;
	CHECK(fallocate(fd, 0, 0, 2 * pg) == -1 && errno == EPERM, "fallocate past F_SEAL_GROW: errno %d", errno);
	CHECK(fallocate(fd, 0, 0, pg) == 0, "fallocate inside the size: %s", strerror(errno));
	errno = 0;
	CHECK(ftruncate(fd, 0) == -1 && errno == EPERM, "ftruncate past F_SEAL_SHRINK: errno %d", errno);
	CHECK(ftruncate(fd, pg) == 0, "ftruncate to the same size: %s", strerror(errno));
	/* A shared mapping past the end cannot grow the file either: SIGBUS is mmap_eof's case. */
	char *m = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED, "mmap: %s", strerror(errno));
	m[pg - 1] = 'E';
	struct stat st;
	CHECK(fstat(fd, &st) == 0 && st.st_size == pg, "size %ld", (long)st.st_size);
	munmap(m, pg);
	CHECK(fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL) == 0 && fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE) == -1 &&
	      errno == EPERM, "F_SEAL_SEAL: errno %d", errno);
	close(fd);
}

static void readonly_descriptor(void)
{
	const char *path = "/tmp/memfd-seals-ro";
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600), ro;

	CHECK(fd >= 0 && ftruncate(fd, pg) == 0, "file: %s", strerror(errno));
	ro = open(path, O_RDONLY);
	char *m = mmap(NULL, pg, PROT_READ, MAP_SHARED, ro, 0);
	CHECK(m != MAP_FAILED, "mmap read-only: %s", strerror(errno));
	errno = 0;
	CHECK(mprotect(m, pg, PROT_READ | PROT_WRITE) == -1 && errno == EACCES,
	      "mprotect writable, shared, of a read-only descriptor: errno %d", errno);
	munmap(m, pg);
	/* Privately it may be written: the copy is the process's own. */
	m = mmap(NULL, pg, PROT_READ, MAP_PRIVATE, ro, 0);
	CHECK(m != MAP_FAILED && mprotect(m, pg, PROT_READ | PROT_WRITE) == 0, "private mprotect: %s",
	      strerror(errno));
	munmap(m, pg);
	close(ro);
	close(fd);
	unlink(path);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	pg = sysconf(_SC_PAGESIZE);
	seal_write();
	seal_future_write();
	seal_size();
	readonly_descriptor();
	return check_finish("memfd_seals");
}
