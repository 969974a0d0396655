/* SPDX-License-Identifier: MIT */
/* sysv_ipc.c: System V IPC between processes: a shared segment across fork, semaphores as a lock (blocking, EINTR, SEM_UNDO), a message queue ping-pong, permissions and errnos. */
// husk-test: status=0 expect="shm: ok" expect="sem: ok" expect="msg: ok" expect="SUCCESS" timeout=300
#define _GNU_SOURCE
#include <signal.h>
#include <sched.h>
#include <stdint.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "check.h"

#ifndef SHM_DEST
#define SHM_DEST 01000
#endif

union semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
};

/* Waits for pid; returns its exit code, or 128 + the signal that killed it. */
static int reap(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
	nanosleep(&ts, NULL);
}

static void on_usr1(int sig)
{
	(void)sig;
}

static void test_shm(void)
{
	struct shmid_ds ds;
	key_t key = 0x48555301;
	int id, id2;
	char *p, *q;
	pid_t pid;

	id = shmget(IPC_PRIVATE, 10000, IPC_CREAT | 0600);
	CHECK(id >= 0, "shmget private: %s", strerror(errno));
	p = shmat(id, NULL, 0);
	CHECK(p != (void *)-1, "shmat: %s", strerror(errno));
	if (p == (void *)-1)
		return;
	CHECK(((uintptr_t)p & 4095) == 0, "shmat address %p not page-aligned", p);
	CHECK(p[0] == 0 && p[9999] == 0, "a new segment reads as zeros");
	CHECK(shmctl(id, IPC_STAT, &ds) == 0, "IPC_STAT: %s", strerror(errno));
	CHECK(ds.shm_segsz == 10000, "shm_segsz %zu", (size_t)ds.shm_segsz);
	CHECK(ds.shm_nattch == 1, "nattch %lu after one shmat", (unsigned long)ds.shm_nattch);
	CHECK(ds.shm_cpid == getpid(), "cpid %d", ds.shm_cpid);
	CHECK((ds.shm_perm.mode & 0777) == 0600, "mode %o", ds.shm_perm.mode);

	/* The child inherits the attachment: both see each other's writes. */
	pid = fork();
	if (pid == 0) {
		struct shmid_ds cds;
		int bad = 0;
		if (shmctl(id, IPC_STAT, &cds) != 0 || cds.shm_nattch != 2)
			bad |= 1;
		strcpy(p + 100, "written by the child");
		while (p[0] != 'P')
			sched_yield();
		if (shmdt(p) != 0)
			bad |= 2;
		_exit(bad);
	}
	while (strcmp(p + 100, "written by the child") != 0)
		sched_yield();
	p[0] = 'P';
	CHECK(reap(pid) == 0, "child saw nattch 2 and detached");
	CHECK(shmctl(id, IPC_STAT, &ds) == 0 && ds.shm_nattch == 1, "nattch %lu after the child", (unsigned long)ds.shm_nattch);

	/* A second attachment sees the same pages. */
	q = shmat(id, NULL, SHM_RDONLY);
	CHECK(q != (void *)-1 && strcmp(q + 100, "written by the child") == 0, "second attach sees the data");
	/* Written through a read-only attachment: SIGSEGV. */
	pid = fork();
	if (pid == 0) {
		q[0] = 1;
		_exit(0);
	}
	CHECK(reap(pid) == 128 + SIGSEGV, "write to SHM_RDONLY attachment killed by SIGSEGV");
	errno = 0;
	CHECK(mprotect(q, 4096, PROT_READ | PROT_WRITE) == -1 && errno == EACCES,
	      "mprotect of a SHM_RDONLY attachment: errno %d", errno);
	CHECK(shmdt(q) == 0, "shmdt second: %s", strerror(errno));

	/* Removed while attached: the id stays valid until the last detach. */
	CHECK(shmctl(id, IPC_RMID, NULL) == 0, "IPC_RMID: %s", strerror(errno));
	CHECK(shmctl(id, IPC_STAT, &ds) == 0, "IPC_STAT after RMID while attached: %s", strerror(errno));
	CHECK(ds.shm_perm.mode & SHM_DEST, "SHM_DEST set (mode %o)", ds.shm_perm.mode);
	CHECK(ds.shm_perm.__key == IPC_PRIVATE, "key %d after RMID", ds.shm_perm.__key);
	CHECK(strcmp(p + 100, "written by the child") == 0, "data still there after RMID");
	CHECK(shmdt(p) == 0, "shmdt: %s", strerror(errno));
	errno = 0;
	CHECK(shmctl(id, IPC_STAT, &ds) == -1 && errno == EINVAL, "segment gone at the last detach: %s", strerror(errno));

	/* Gone with the last process that had it attached, too. */
	id = shmget(IPC_PRIVATE, 4096, 0600);
	pid = fork();
	if (pid == 0) {
		char *c = shmat(id, NULL, 0);
		if (c == (void *)-1 || shmctl(id, IPC_RMID, NULL) != 0)
			_exit(1);
		_exit(0);
	}
	CHECK(reap(pid) == 0, "child attached and removed");
	errno = 0;
	CHECK(shmctl(id, IPC_STAT, &ds) == -1 && errno == EINVAL, "segment gone with its last attacher's exit: %s", strerror(errno));

	/* Keys and errnos. */
	shmctl(shmget(key, 0, 0), IPC_RMID, NULL);
	errno = 0;
	CHECK(shmget(key, 4096, 0600) == -1 && errno == ENOENT, "missing key: %s", strerror(errno));
	id = shmget(key, 8192, IPC_CREAT | 0640);
	CHECK(id >= 0, "create by key: %s", strerror(errno));
	CHECK(shmget(key, 4096, 0) == id, "found by key");
	CHECK(shmget(key, 0, IPC_CREAT) == id, "size 0 finds an existing key");
	errno = 0;
	CHECK(shmget(key, 4096, IPC_CREAT | IPC_EXCL | 0600) == -1 && errno == EEXIST, "IPC_EXCL: %s", strerror(errno));
	errno = 0;
	CHECK(shmget(key, 8193, 0) == -1 && errno == EINVAL, "larger than the segment: %s", strerror(errno));
	errno = 0;
	CHECK(shmget(IPC_PRIVATE, 0, 0600) == -1 && errno == EINVAL, "size 0: %s", strerror(errno));
	errno = 0;
	CHECK(shmat(id, (void *)0x10001000 + 1, 0) == (void *)-1 && errno == EINVAL, "unaligned shmat: %s", strerror(errno));
	p = shmat(id, (void *)0x10001000 + 1, SHM_RND);
	CHECK(p == (void *)0x10001000, "SHM_RND rounds down: %p", p);
	errno = 0;
	CHECK(shmat(id, (void *)0x10001000, 0) == (void *)-1 && errno == EINVAL, "shmat over a mapping: %s", strerror(errno));
	errno = 0;
	CHECK(shmdt(p + 4096) == -1 && errno == EINVAL, "shmdt inside a segment: %s", strerror(errno));
	errno = 0;
	CHECK(shmdt(&ds) == -1 && errno == EINVAL, "shmdt of non-shm memory: %s", strerror(errno));
	errno = 0;
	CHECK(shmctl(id + 1, IPC_STAT, &ds) == -1 && errno == EINVAL, "bad id: %s", strerror(errno));
	shmdt(p);

	/* Permissions against the caller's credentials: 0640 owned by root. */
	pid = fork();
	if (pid == 0) {
		int bad = 0;
		if (setgid(1000) || setuid(1000))
			_exit(100);
		if (shmget(key, 0, 0) != id)
			bad |= 1;          /* asking for no access finds it */
		errno = 0;
		if (shmget(key, 0, 0600) != -1 || errno != EACCES)
			bad |= 8;
		errno = 0;
		if (shmat(id, NULL, SHM_RDONLY) != (void *)-1 || errno != EACCES)
			bad |= 2;
		errno = 0;
		if (shmctl(id, IPC_RMID, NULL) != -1 || errno != EPERM)
			bad |= 4;
		_exit(bad);
	}
	id2 = reap(pid);
	CHECK(id2 == 0, "unprivileged: shmget(key, 0, 0) finds it, mode 0600 and shmat EACCES, RMID EPERM (failed bits %d)", id2);
	CHECK(shmctl(id, IPC_RMID, NULL) == 0, "RMID unattached: %s", strerror(errno));
	errno = 0;
	CHECK(shmget(key, 4096, 0) == -1 && errno == ENOENT, "key gone with RMID: %s", strerror(errno));
	printf("shm: ok\n");
}

static int sem_lock(int id, int delta)
{
	struct sembuf op = { 0, (short)delta, SEM_UNDO };
	return semop(id, &op, 1);
}

static void test_sem(void)
{
	union semun arg;
	unsigned short vals[3] = { 5, 6, 7 }, got[3] = { 0 };
	struct sembuf op;
	struct timespec ts;
	volatile int *counter;
	pid_t pids[4], pid;
	int id, shm, r;

	id = semget(IPC_PRIVATE, 3, 0600);
	CHECK(id >= 0, "semget: %s", strerror(errno));
	CHECK(semctl(id, 0, GETVAL) == 0, "new semaphore is 0");
	arg.array = vals;
	CHECK(semctl(id, 0, SETALL, arg) == 0, "SETALL: %s", strerror(errno));
	arg.array = got;
	CHECK(semctl(id, 0, GETALL, arg) == 0 && got[0] == 5 && got[1] == 6 && got[2] == 7,
	      "GETALL %u %u %u", got[0], got[1], got[2]);
	arg.val = 40000;
	errno = 0;
	CHECK(semctl(id, 1, SETVAL, arg) == -1 && errno == ERANGE, "SETVAL 40000: %s", strerror(errno));
	errno = 0;
	CHECK(semctl(id, 3, GETVAL) == -1 && errno == EINVAL, "GETVAL past the set: %s", strerror(errno));
	op = (struct sembuf){ 3, 1, 0 };
	errno = 0;
	CHECK(semop(id, &op, 1) == -1 && errno == EFBIG, "sem_num past the set: %s", strerror(errno));
	errno = 0;
	CHECK(semget(IPC_PRIVATE, 0, 0600) == -1 && errno == EINVAL, "nsems 0: %s", strerror(errno));

	/* All or nothing: the second operation cannot go, so the first is not applied. */
	{
		struct sembuf two[2] = { { 0, -1, IPC_NOWAIT }, { 1, -7, IPC_NOWAIT } };
		errno = 0;
		CHECK(semop(id, two, 2) == -1 && errno == EAGAIN, "IPC_NOWAIT: %s", strerror(errno));
		CHECK(semctl(id, 0, GETVAL) == 5, "first op undone: %d", semctl(id, 0, GETVAL));
	}
	ts = (struct timespec){ 0, 50000000 };
	op = (struct sembuf){ 2, 0, 0 };
	errno = 0;
	CHECK(semtimedop(id, &op, 1, &ts) == -1 && errno == EAGAIN, "semtimedop wait-for-zero times out: %s", strerror(errno));

	/* A lock shared by four processes around a counter in shared memory. */
	arg.val = 1;
	semctl(id, 0, SETVAL, arg);
	shm = shmget(IPC_PRIVATE, 4096, 0600);
	counter = shmat(shm, NULL, 0);
	shmctl(shm, IPC_RMID, NULL);
	*counter = 0;
	for (int i = 0; i < 4; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			for (int n = 0; n < 200; n++) {
				if (sem_lock(id, -1))
					_exit(1);
				int v = *counter;
				sched_yield();           /* let the others try while we hold it */
				*counter = v + 1;
				if (sem_lock(id, 1))
					_exit(2);
			}
			_exit(0);
		}
	}
	r = 0;
	for (int i = 0; i < 4; i++)
		r |= reap(pids[i]);
	CHECK(r == 0, "lock children exit 0");
	CHECK(*counter == 800, "counter %d under the lock, want 800", *counter);
	CHECK(semctl(id, 0, GETVAL) == 1, "lock free at the end: %d", semctl(id, 0, GETVAL));

	/* A process that dies holding the lock gives it back (SEM_UNDO). */
	pid = fork();
	if (pid == 0) {
		sem_lock(id, -1);
		_exit(semctl(id, 0, GETVAL) == 0 ? 0 : 1);
	}
	CHECK(reap(pid) == 0, "child took the lock");
	CHECK(semctl(id, 0, GETVAL) == 1, "SEM_UNDO gave the lock back: %d", semctl(id, 0, GETVAL));

	/* Blocking: the child sleeps until the parent posts. */
	arg.val = 0;
	semctl(id, 1, SETVAL, arg);
	pid = fork();
	if (pid == 0) {
		struct sembuf w = { 1, -1, 0 };
		_exit(semop(id, &w, 1) == 0 ? 0 : 1);
	}
	for (int i = 0; i < 500 && semctl(id, 1, GETNCNT) != 1; i++)
		nap_ms(10);
	CHECK(semctl(id, 1, GETNCNT) == 1, "GETNCNT %d with the child waiting", semctl(id, 1, GETNCNT));
	op = (struct sembuf){ 1, 1, 0 };
	CHECK(semop(id, &op, 1) == 0, "post: %s", strerror(errno));
	CHECK(reap(pid) == 0, "waiting child got the semaphore");
	CHECK(semctl(id, 1, GETPID) == pid, "GETPID names the child (%d)", semctl(id, 1, GETPID));

	/* A signal interrupts the wait with EINTR, handler or not SA_RESTART. */
	pid = fork();
	if (pid == 0) {
		struct sigaction sa = { .sa_handler = on_usr1, .sa_flags = SA_RESTART };
		struct sembuf w = { 1, -1, 0 };
		sigaction(SIGUSR1, &sa, NULL);
		errno = 0;
		_exit(semop(id, &w, 1) == -1 && errno == EINTR ? 0 : 1);
	}
	for (int i = 0; i < 500 && semctl(id, 1, GETNCNT) != 1; i++)
		nap_ms(10);
	kill(pid, SIGUSR1);
	CHECK(reap(pid) == 0, "semop interrupted by a signal: EINTR");
	CHECK(semctl(id, 1, GETNCNT) == 0, "nobody waits after EINTR");

	/* Removing the set wakes a sleeper with EIDRM. */
	pid = fork();
	if (pid == 0) {
		struct sembuf w = { 1, -1, 0 };
		errno = 0;
		_exit(semop(id, &w, 1) == -1 && errno == EIDRM ? 0 : 1);
	}
	for (int i = 0; i < 500 && semctl(id, 1, GETNCNT) != 1; i++)
		nap_ms(10);
	CHECK(semctl(id, 0, IPC_RMID) == 0, "IPC_RMID: %s", strerror(errno));
	CHECK(reap(pid) == 0, "sleeper woke with EIDRM");
	errno = 0;
	CHECK(semctl(id, 0, GETVAL) == -1 && errno == EINVAL, "removed set: %s", strerror(errno));
	shmdt((void *)counter);
	printf("sem: ok\n");
}

struct pmsg {
	long type;
	char text[64];
};

static void test_msg(void)
{
	struct msqid_ds ds;
	struct pmsg m;
	pid_t pid;
	int id;
	ssize_t n;

	id = msgget(IPC_PRIVATE, 0600);
	CHECK(id >= 0, "msgget: %s", strerror(errno));

	/* Ping-pong: type 1 goes to the child, type 2 comes back. */
	pid = fork();
	if (pid == 0) {
		for (int i = 0; i < 100; i++) {
			struct pmsg in, out = { 2, "" };
			char want[32];
			if (msgrcv(id, &in, sizeof(in.text), 1, 0) < 0)
				_exit(1);
			snprintf(want, sizeof(want), "ping %d", i);
			if (strcmp(in.text, want) != 0)
				_exit(2);
			snprintf(out.text, sizeof(out.text), "pong %d", i);
			if (msgsnd(id, &out, strlen(out.text) + 1, 0) < 0)
				_exit(3);
		}
		_exit(0);
	}
	for (int i = 0; i < 100; i++) {
		char want[32];
		m.type = 1;
		snprintf(m.text, sizeof(m.text), "ping %d", i);
		if (msgsnd(id, &m, strlen(m.text) + 1, 0) < 0) {
			CHECK(0, "msgsnd ping %d: %s", i, strerror(errno));
			break;
		}
		n = msgrcv(id, &m, sizeof(m.text), 2, 0);
		snprintf(want, sizeof(want), "pong %d", i);
		if (n != (ssize_t)strlen(want) + 1 || strcmp(m.text, want) != 0) {
			CHECK(0, "round %d: got %zd '%s'", i, n, n > 0 ? m.text : "");
			break;
		}
	}
	CHECK(reap(pid) == 0, "ping-pong child");
	CHECK(msgctl(id, IPC_STAT, &ds) == 0 && ds.msg_lspid == pid && ds.msg_lrpid == getpid(),
	      "lspid %d (the child) lrpid %d (us)", ds.msg_lspid, ds.msg_lrpid);

	/* Types: 0 takes the first, -N the lowest type up to N, MSG_EXCEPT any other type. */
	for (long t = 3; t >= 1; t--) {
		m.type = t;
		snprintf(m.text, sizeof(m.text), "type %ld", t);
		msgsnd(id, &m, 7, 0);
	}
	m.type = 3;
	msgsnd(id, &m, 7, 0);
	CHECK(msgctl(id, IPC_STAT, &ds) == 0 && ds.msg_qnum == 4 && ds.msg_cbytes == 28,
	      "qnum %lu cbytes %lu", (unsigned long)ds.msg_qnum, (unsigned long)ds.msg_cbytes);
	n = msgrcv(id, &m, sizeof(m.text), -2, 0);
	CHECK(n == 7 && m.type == 1, "-2 takes type 1 (got %ld)", m.type);
	n = msgrcv(id, &m, sizeof(m.text), 3, MSG_EXCEPT);
	CHECK(n == 7 && m.type == 2, "MSG_EXCEPT 3 takes type 2 (got %ld)", m.type);
	errno = 0;
	CHECK(msgrcv(id, &m, 3, 0, 0) == -1 && errno == E2BIG, "too small without MSG_NOERROR: %s", strerror(errno));
	n = msgrcv(id, &m, 3, 0, MSG_NOERROR);
	CHECK(n == 3 && m.type == 3 && memcmp(m.text, "typ", 3) == 0, "MSG_NOERROR truncates: %zd", n);
	n = msgrcv(id, &m, sizeof(m.text), 0, 0);
	CHECK(n == 7 && m.type == 3, "last message");
	errno = 0;
	CHECK(msgrcv(id, &m, sizeof(m.text), 0, IPC_NOWAIT) == -1 && errno == ENOMSG, "empty, IPC_NOWAIT: %s", strerror(errno));
	m.type = 0;
	errno = 0;
	CHECK(msgsnd(id, &m, 1, 0) == -1 && errno == EINVAL, "type 0: %s", strerror(errno));

	/* A full queue: EAGAIN with IPC_NOWAIT. */
	msgctl(id, IPC_STAT, &ds);
	ds.msg_qbytes = 100;
	CHECK(msgctl(id, IPC_SET, &ds) == 0, "IPC_SET qbytes: %s", strerror(errno));
	m.type = 5;
	CHECK(msgsnd(id, &m, 60, IPC_NOWAIT) == 0, "first 60 bytes fit");
	errno = 0;
	CHECK(msgsnd(id, &m, 60, IPC_NOWAIT) == -1 && errno == EAGAIN, "queue full: %s", strerror(errno));
	msgrcv(id, &m, sizeof(m.text), 0, 0);

	/* Removal wakes a receiver with EIDRM. */
	pid = fork();
	if (pid == 0) {
		errno = 0;
		_exit(msgrcv(id, &m, sizeof(m.text), 0, 0) == -1 && errno == EIDRM ? 0 : 1);
	}
	nap_ms(200);
	CHECK(msgctl(id, IPC_RMID, NULL) == 0, "IPC_RMID: %s", strerror(errno));
	CHECK(reap(pid) == 0, "receiver woke with EIDRM");
	errno = 0;
	CHECK(msgsnd(id, &m, 1, 0) == -1 && errno == EINVAL, "removed queue: %s", strerror(errno));
	printf("msg: ok\n");
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	test_shm();
	test_sem();
	test_msg();
	return check_finish("sysv_ipc");
}
