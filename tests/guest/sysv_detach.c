/* SPDX-License-Identifier: MIT */
/* sysv_detach.c: System V attach counts and detaches as Linux keeps them: munmap, mprotect and mremap of an attached segment, a removed segment gone at its last unmap, and SEM_UNDO shared by CLONE_SYSVSEM. */
// husk-test: status=0 expect="shm: ok" expect="sem: ok" expect="SUCCESS"
#define _GNU_SOURCE
#include <sched.h>
#include <stdint.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "check.h"

#ifndef SHM_DEST
#define SHM_DEST 01000
#endif

#define PG 4096UL

/* Waits for pid; returns its exit code, or 128 + the signal that killed it. */
static int reap(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* The segment's attach count, or -1 when shmctl fails (with errno). */
static long nattch(int id)
{
	struct shmid_ds ds;

	if (shmctl(id, IPC_STAT, &ds) != 0)
		return -1;
	return (long)ds.shm_nattch;
}

static void test_shm(void)
{
	struct shmid_ds ds;
	time_t t0 = time(NULL);
	int id = shmget(IPC_PRIVATE, 4 * PG, IPC_CREAT | 0600);
	char *p, *q;

	CHECK(id >= 0, "shmget: %s", strerror(errno));
	p = shmat(id, NULL, 0);
	CHECK(p != (void *)-1, "shmat: %s", strerror(errno));
	for (unsigned i = 0; i < 4; i++)
		p[i * PG] = (char)('a' + i);
	CHECK(nattch(id) == 1, "nattch %ld after shmat", nattch(id));

	/* Each piece a change leaves is an attachment, as Linux counts them (one per mapping). */
	CHECK(mprotect(p + PG, PG, PROT_READ) == 0, "mprotect: %s", strerror(errno));
	CHECK(nattch(id) == 3, "nattch %ld after mprotect of the second page (3 mappings)", nattch(id));
	CHECK(mprotect(p + PG, PG, PROT_READ | PROT_WRITE) == 0, "mprotect back: %s", strerror(errno));

	/* munmap of the first page: the rest still counts though it does not start at offset 0. */
	CHECK(shmctl(id, IPC_STAT, &ds) == 0 && ds.shm_dtime == 0, "dtime %ld before any detach", (long)ds.shm_dtime);
	long before = nattch(id);
	CHECK(munmap(p, PG) == 0, "munmap: %s", strerror(errno));
	CHECK(nattch(id) == before - 1, "nattch %ld after munmap of the first page (was %ld)", nattch(id), before);
	CHECK(shmctl(id, IPC_STAT, &ds) == 0 && ds.shm_dtime >= t0 && ds.shm_lpid == getpid(),
	      "munmap is a detach: dtime %ld (want >= %ld), lpid %d", (long)ds.shm_dtime, (long)t0, (int)ds.shm_lpid);

	/* Put the pieces back to one mapping of pages 1..3: unmap all, attach, unmap page 0. */
	CHECK(munmap(p + PG, 3 * PG) == 0, "munmap rest: %s", strerror(errno));
	CHECK(nattch(id) == 0, "nattch %ld after munmap of every piece", nattch(id));
	p = shmat(id, NULL, 0);
	CHECK(p != (void *)-1 && munmap(p, PG) == 0, "shmat + munmap: %s", strerror(errno));
	CHECK(nattch(id) == 1, "nattch %ld of a mapping at offset 1 page", nattch(id));

	/* mremap moves the mapping: still one attachment, the same pages. */
	q = mremap(p + PG, 3 * PG, 3 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, p + 64 * PG);
	CHECK(q == p + 64 * PG, "mremap: %s", strerror(errno));
	CHECK(nattch(id) == 1, "nattch %ld after mremap", nattch(id));
	if (q == p + 64 * PG)
		CHECK(q[0] == 'b' && q[2 * PG] == 'd', "mremap'd pages read %c %c", q[0], q[2 * PG]);

	/* Removed while mapped: it lives while mapped, and goes with the last munmap, at once. */
	CHECK(shmctl(id, IPC_RMID, NULL) == 0, "IPC_RMID: %s", strerror(errno));
	CHECK(shmctl(id, IPC_STAT, &ds) == 0 && (ds.shm_perm.mode & SHM_DEST) && ds.shm_nattch == 1,
	      "a removed segment still attached: mode %o nattch %ld", ds.shm_perm.mode, (long)ds.shm_nattch);
	CHECK(munmap(q, PG) == 0 && nattch(id) == 1, "partial munmap of a removed segment: nattch %ld", nattch(id));
	CHECK(munmap(q + PG, 2 * PG) == 0, "munmap: %s", strerror(errno));
	CHECK(shmctl(id, IPC_STAT, &ds) == -1 && errno == EINVAL,
	      "the removed segment is still there after its last munmap (%s)", strerror(errno));

	/* SHM_REMAP over a removed segment's own last mapping: it stays (Linux lets a removed segment be attached). */
	id = shmget(IPC_PRIVATE, PG, IPC_CREAT | 0600);
	p = shmat(id, NULL, 0);
	CHECK(id >= 0 && p != (void *)-1, "shmget/shmat: %s", strerror(errno));
	p[0] = 'x';
	CHECK(shmctl(id, IPC_RMID, NULL) == 0, "IPC_RMID: %s", strerror(errno));
	q = shmat(id, p, SHM_REMAP);
	CHECK(q == p, "shmat SHM_REMAP over its own mapping: %s", strerror(errno));
	CHECK(nattch(id) == 1 && p[0] == 'x', "after SHM_REMAP: nattch %ld, byte %c", nattch(id), p[0]);
	CHECK(shmdt(p) == 0 && nattch(id) == -1 && errno == EINVAL, "the removed segment outlived its shmdt");

	/* The same for a child's mapping, which goes when the child exits. */
	id = shmget(IPC_PRIVATE, PG, IPC_CREAT | 0600);
	p = shmat(id, NULL, 0);
	CHECK(id >= 0 && p != (void *)-1, "shmget/shmat: %s", strerror(errno));
	pid_t pid = fork();
	if (pid == 0)
		_exit(nattch(id) == 2 ? 0 : 1);
	CHECK(reap(pid) == 0, "the child saw nattch 2");
	CHECK(nattch(id) == 1, "nattch %ld after the child's exit", nattch(id));
	CHECK(shmctl(id, IPC_RMID, NULL) == 0 && shmdt(p) == 0, "IPC_RMID + shmdt: %s", strerror(errno));
	CHECK(shmctl(id, IPC_STAT, &ds) == -1 && errno == EINVAL, "the removed segment outlived shmdt");
	printf("shm: ok\n");
}

union semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
};

static int add(int id, int n)
{
	struct sembuf op = { .sem_num = 0, .sem_op = (short)n, .sem_flg = SEM_UNDO };

	return semop(id, &op, 1);
}

/* clone() as fork, with extra flags (CLONE_SYSVSEM): no new stack, so the raw system call. */
static pid_t fork_with(unsigned long flags)
{
	return (pid_t)syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
}

/*
 * A process P makes a child C with fork_with(flags); C adds 1 with SEM_UNDO
 * and exits; P reports (exit code) the value after C is reaped, adds 2 with
 * SEM_UNDO and exits.
 */
static int run_pair(int id, unsigned long flags, int *after_child)
{
	int pipefd[2];
	pid_t p;

	CHECK(pipe(pipefd) == 0, "pipe");
	p = fork();
	if (p == 0) {
		pid_t c = fork_with(flags);
		int v;

		if (c == 0)
			_exit(add(id, 1) == 0 ? 0 : 1);
		if (reap(c) != 0)
			_exit(2);
		v = semctl(id, 0, GETVAL);
		if (write(pipefd[1], &v, sizeof(v)) != sizeof(v) || add(id, 2) != 0)
			_exit(3);
		_exit(0);
	}
	close(pipefd[1]);
	CHECK(read(pipefd[0], after_child, sizeof(*after_child)) == sizeof(*after_child), "read");
	close(pipefd[0]);
	return reap(p);
}

static void test_sem(void)
{
	union semun arg = { .val = 0 };
	int id = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600), v = -1;

	CHECK(id >= 0 && semctl(id, 0, SETVAL, arg) == 0, "semget: %s", strerror(errno));
	/* Without CLONE_SYSVSEM the child's adjustment is its own: undone when it exits. */
	CHECK(run_pair(id, 0, &v) == 0, "the pair without CLONE_SYSVSEM failed");
	CHECK(v == 0, "without CLONE_SYSVSEM the child's +1 outlived it: value %d", v);
	CHECK(semctl(id, 0, GETVAL) == 0, "value %d after both, want 0", semctl(id, 0, GETVAL));
	/* With it the adjustments are shared: kept while P lives, all undone when P, the last, exits. */
	CHECK(run_pair(id, CLONE_SYSVSEM, &v) == 0, "the pair with CLONE_SYSVSEM failed");
	CHECK(v == 1, "with CLONE_SYSVSEM the child's +1 was undone at its exit: value %d, want 1", v);
	CHECK(semctl(id, 0, GETVAL) == 0, "value %d after both with CLONE_SYSVSEM, want 0", semctl(id, 0, GETVAL));
	CHECK(semctl(id, 0, IPC_RMID) == 0, "IPC_RMID: %s", strerror(errno));
	printf("sem: ok\n");
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	test_shm();
	test_sem();
	return check_finish("sysv_detach");
}
