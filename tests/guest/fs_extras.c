/* SPDX-License-Identifier: MIT */
/* fs_extras.c: named FIFOs, flock, fallocate, memfd and seals, sendfile, splice/tee, copy_file_range, preadv/pwritev(2), sync. */
// husk-test: status=0 expect="SUCCESS" backends=qemu
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

#ifndef FALLOC_FL_COLLAPSE_RANGE
#define FALLOC_FL_COLLAPSE_RANGE 0x08
#endif
#ifndef RWF_DSYNC
#define RWF_DSYNC 0x02
#define RWF_APPEND 0x10
#endif

#define FIFO "/tmp/fifo"
#define MSG "through the fifo"

static void *fifo_writer(void *arg)
{
	int fd;

	(void)arg;
	usleep(20000);          /* let the reader block in open() first */
	fd = open(FIFO, O_WRONLY);
	if (fd >= 0) {
		write(fd, MSG, sizeof(MSG));
		close(fd);
	}
	return (void *)(intptr_t)fd;
}

static void test_fifo(void)
{
	struct stat st;
	pthread_t t;
	void *wret;
	char buf[64] = "";
	ssize_t n;
	int fd, w, rw;

	CHECK(mkfifo(FIFO, 0600) == 0, "mkfifo: %s", strerror(errno));
	CHECK(stat(FIFO, &st) == 0 && S_ISFIFO(st.st_mode) && (st.st_mode & 0777) == 0600,
	      "stat of the fifo: mode %o", st.st_mode);
	CHECK(mkfifo(FIFO, 0600) == -1 && errno == EEXIST, "second mkfifo: errno %d", errno);

	/* A blocking O_RDONLY open waits for the writer thread. */
	pthread_create(&t, NULL, fifo_writer, NULL);
	fd = open(FIFO, O_RDONLY);
	CHECK(fd >= 0, "open(O_RDONLY) of the fifo: %s", strerror(errno));
	n = read(fd, buf, sizeof(buf));
	CHECK(n == sizeof(MSG) && strcmp(buf, MSG) == 0, "read %zd bytes \"%s\"", n, buf);
	pthread_join(t, &wret);
	CHECK((intptr_t)wret >= 0, "writer's open failed");
	CHECK(read(fd, buf, sizeof(buf)) == 0, "read after the writer closed is not EOF");
	close(fd);

	/* O_NONBLOCK: a writer without a reader is ENXIO; a reader opens at once. */
	errno = 0;
	CHECK(open(FIFO, O_WRONLY | O_NONBLOCK) == -1 && errno == ENXIO,
	      "O_WRONLY|O_NONBLOCK without reader: errno %d", errno);
	fd = open(FIFO, O_RDONLY | O_NONBLOCK);
	CHECK(fd >= 0, "O_RDONLY|O_NONBLOCK: %s", strerror(errno));
	w = open(FIFO, O_WRONLY | O_NONBLOCK);
	CHECK(w >= 0, "O_WRONLY|O_NONBLOCK with a reader: %s", strerror(errno));
	CHECK(write(w, "xy", 2) == 2, "write to the fifo");
	memset(buf, 0, sizeof(buf));
	CHECK(read(fd, buf, sizeof(buf)) == 2 && strcmp(buf, "xy") == 0, "read \"%s\"", buf);
	errno = 0;
	CHECK(read(fd, buf, 1) == -1 && errno == EAGAIN, "empty nonblocking read: errno %d", errno);
	close(w);
	close(fd);

	/* O_RDWR never blocks and holds both ends. */
	rw = open(FIFO, O_RDWR);
	CHECK(rw >= 0, "O_RDWR: %s", strerror(errno));
	CHECK(write(rw, "loop", 4) == 4 && read(rw, buf, 4) == 4 && memcmp(buf, "loop", 4) == 0,
	      "O_RDWR loopback");
	close(rw);
	CHECK(unlink(FIFO) == 0, "unlink fifo: %s", strerror(errno));

	/* Device nodes are refused; a regular file can be made with mknod. */
	/* Natively root has CAP_MKNOD; husk has no drivers to put behind a node. */
	if (!check_native())
		CHECK(mknod("/tmp/chr", S_IFCHR | 0600, makedev(1, 3)) == -1 && errno == EPERM,
		      "mknod S_IFCHR: errno %d", errno);
	CHECK(mknod("/tmp/reg", S_IFREG | 0600, 0) == 0 && stat("/tmp/reg", &st) == 0 &&
	      S_ISREG(st.st_mode) && st.st_size == 0, "mknod S_IFREG");
	unlink("/tmp/reg");
}

static volatile sig_atomic_t got_alarm;
static void on_alarm(int sig) { (void)sig; got_alarm = 1; }

static void test_flock(void)
{
	int a = open("/tmp/lock", O_RDWR | O_CREAT, 0600);
	int b = open("/tmp/lock", O_RDWR);
	int a2 = dup(a);
	struct sigaction sa;
	timer_t tm;
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGALRM };
	struct itimerspec its = { .it_value = { 0, 30 * 1000000 } };

	CHECK(a >= 0 && b >= 0, "open lock file");
	CHECK(flock(a, LOCK_EX | LOCK_NB) == 0, "LOCK_EX on a: %s", strerror(errno));
	errno = 0;
	CHECK(flock(b, LOCK_SH | LOCK_NB) == -1 && errno == EWOULDBLOCK,
	      "LOCK_SH on a second open file description: errno %d", errno);
	CHECK(flock(a2, LOCK_EX | LOCK_NB) == 0, "a dup shares the lock: %s", strerror(errno));

	/* A blocking wait ends with EINTR when a signal arrives. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	timer_create(CLOCK_MONOTONIC, &sev, &tm);
	timer_settime(tm, 0, &its, NULL);
	errno = 0;
	CHECK(flock(b, LOCK_EX) == -1 && errno == EINTR && got_alarm, "blocking flock: errno %d", errno);
	timer_delete(tm);

	/* Closing one descriptor keeps the lock; the last close drops it. */
	close(a);
	errno = 0;
	CHECK(flock(b, LOCK_EX | LOCK_NB) == -1 && errno == EWOULDBLOCK, "lock gone after one close");
	close(a2);
	CHECK(flock(b, LOCK_EX | LOCK_NB) == 0, "lock not released by the last close: %s", strerror(errno));
	CHECK(flock(b, LOCK_UN) == 0, "LOCK_UN");
	a = open("/tmp/lock", O_RDONLY);
	CHECK(flock(a, LOCK_SH | LOCK_NB) == 0 && flock(b, LOCK_SH | LOCK_NB) == 0, "two shared locks");
	errno = 0;
	CHECK(flock(a, LOCK_EX | LOCK_NB) == -1 && errno == EWOULDBLOCK, "upgrade against a shared lock");
	CHECK(flock(a, 0) == -1 && errno == EINVAL, "bad operation: errno %d", errno);
	close(a);
	close(b);
	CHECK(flock(b, LOCK_SH) == -1 && errno == EBADF, "closed fd: errno %d", errno);
	unlink("/tmp/lock");
}

static void test_fallocate(void)
{
	int fd = open("/tmp/falloc", O_RDWR | O_CREAT | O_TRUNC, 0600);
	int p[2];
	struct stat st;
	char buf[16];

	CHECK(fallocate(fd, 0, 0, 10000) == 0 && fstat(fd, &st) == 0 && st.st_size == 10000,
	      "fallocate mode 0: size %ld", (long)st.st_size);
	CHECK(pread(fd, buf, 16, 5000) == 16 && buf[0] == 0 && buf[15] == 0, "allocated bytes read as zeros");
	CHECK(fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 50000) == 0 && fstat(fd, &st) == 0 && st.st_size == 10000,
	      "KEEP_SIZE changed the size to %ld", (long)st.st_size);
	CHECK(pwrite(fd, "abcdefgh", 8, 100) == 8, "pwrite");
	CHECK(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 102, 4) == 0, "punch hole: %s",
	      strerror(errno));
	CHECK(pread(fd, buf, 8, 100) == 8 && memcmp(buf, "ab\0\0\0\0gh", 8) == 0, "punched range not zero");
	errno = 0;
	CHECK(fallocate(fd, FALLOC_FL_PUNCH_HOLE, 0, 1) == -1 && errno == EOPNOTSUPP, "PUNCH without KEEP_SIZE");
	/* tmpfs (and ramfs) cannot collapse ranges; a native /tmp on disk may. */
	if (!check_native())
		CHECK(fallocate(fd, FALLOC_FL_COLLAPSE_RANGE, 0, 4096) == -1 && errno == EOPNOTSUPP,
		      "COLLAPSE_RANGE: errno %d", errno);
	CHECK(fallocate(fd, 0, 0, 0) == -1 && errno == EINVAL, "len 0: errno %d", errno);
	CHECK(fallocate(fd, 0, -1, 1) == -1 && errno == EINVAL, "negative offset: errno %d", errno);
	CHECK(fallocate(-1, 0, 0, 1) == -1 && errno == EBADF, "bad fd: errno %d", errno);
	pipe(p);
	CHECK(fallocate(p[1], 0, 0, 1) == -1 && errno == ESPIPE, "pipe: errno %d", errno);
	close(p[0]);
	close(p[1]);
	close(fd);
	fd = open("/tmp/falloc", O_RDONLY);
	CHECK(fallocate(fd, 0, 0, 1) == -1 && errno == EBADF, "read-only fd: errno %d", errno);
	close(fd);
	unlink("/tmp/falloc");
}

static void test_memfd(void)
{
	int fd = memfd_create("hello", MFD_CLOEXEC | MFD_ALLOW_SEALING), plain;
	char buf[64] = "", link[64] = "";
	struct stat st;
	ssize_t n;

	CHECK(fd >= 0, "memfd_create: %s", strerror(errno));
	CHECK(write(fd, "memfd data", 10) == 10, "write");
	CHECK(pread(fd, buf, sizeof(buf), 0) == 10 && memcmp(buf, "memfd data", 10) == 0, "read back");
	CHECK(fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 10 && st.st_nlink == 0,
	      "fstat: mode %o size %ld nlink %ld", st.st_mode, (long)st.st_size, (long)st.st_nlink);
	CHECK(fcntl(fd, F_GETFD) == FD_CLOEXEC, "MFD_CLOEXEC not set");
	snprintf(buf, sizeof(buf), "/proc/self/fd/%d", fd);
	n = readlink(buf, link, sizeof(link) - 1);
	CHECK(n > 0 && strcmp(link, "/memfd:hello (deleted)") == 0, "readlink %s: \"%s\"", buf, link);

	CHECK(fcntl(fd, F_GET_SEALS) == 0, "initial seals %d", fcntl(fd, F_GET_SEALS));
	CHECK(fcntl(fd, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK) == 0, "add seals: %s", strerror(errno));
	errno = 0;
	CHECK(ftruncate(fd, 100) == -1 && errno == EPERM, "grow past F_SEAL_GROW: errno %d", errno);
	CHECK(ftruncate(fd, 1) == -1 && errno == EPERM, "shrink past F_SEAL_SHRINK: errno %d", errno);
	CHECK(pwrite(fd, "X", 1, 10) == -1 && errno == EPERM, "append past F_SEAL_GROW: errno %d", errno);
	CHECK(pwrite(fd, "M", 1, 0) == 1, "overwrite inside the size: %s", strerror(errno));
	CHECK(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SEAL) == 0, "F_SEAL_WRITE: %s", strerror(errno));
	CHECK(pwrite(fd, "M", 1, 0) == -1 && errno == EPERM, "write past F_SEAL_WRITE: errno %d", errno);
	CHECK(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK) == -1 && errno == EPERM, "F_SEAL_SEAL: errno %d", errno);
	CHECK(fcntl(fd, F_GET_SEALS) == (F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_WRITE | F_SEAL_SEAL),
	      "seals %#x", fcntl(fd, F_GET_SEALS));
	close(fd);

	plain = memfd_create("plain", 0);
	CHECK(plain >= 0 && fcntl(plain, F_GETFD) == 0, "memfd without MFD_CLOEXEC");
	CHECK(fcntl(plain, F_GET_SEALS) == F_SEAL_SEAL, "seals of an unsealable memfd");
	CHECK(fcntl(plain, F_ADD_SEALS, F_SEAL_GROW) == -1 && errno == EPERM, "sealing without MFD_ALLOW_SEALING");
	close(plain);
	CHECK(memfd_create("x", 0x100) == -1 && errno == EINVAL, "unknown flag: errno %d", errno);
}

static int make_file(const char *path, const char *data)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);

	write(fd, data, strlen(data));
	lseek(fd, 0, SEEK_SET);
	return fd;
}

static void test_sendfile_splice(void)
{
	int in = make_file("/tmp/in", "0123456789abcdef");
	int out = open("/tmp/out", O_RDWR | O_CREAT | O_TRUNC, 0600);
	int p[2], q[2];
	char buf[32] = "";
	off_t off = 10;
	loff_t lo;
	ssize_t n;

	/* With an offset: the file position stays. */
	n = sendfile(out, in, &off, 4);
	CHECK(n == 4 && off == 14 && lseek(in, 0, SEEK_CUR) == 0, "sendfile with offset: %zd, off %ld", n, (long)off);
	/* Without: it moves in's position. */
	n = sendfile(out, in, NULL, 3);
	CHECK(n == 3 && lseek(in, 0, SEEK_CUR) == 3, "sendfile without offset: %zd", n);
	CHECK(pread(out, buf, sizeof(buf), 0) == 7 && memcmp(buf, "abcd012", 7) == 0, "sendfile output \"%s\"", buf);

	/* splice file -> pipe -> file */
	pipe(p);
	lo = 2;
	n = splice(in, &lo, p[1], NULL, 5, 0);
	CHECK(n == 5 && lo == 7, "splice file->pipe: %zd, off %lld", n, (long long)lo);
	lo = 0;
	ftruncate(out, 0);
	n = splice(p[0], NULL, out, &lo, 100, SPLICE_F_NONBLOCK);
	CHECK(n == 5 && lo == 5, "splice pipe->file: %zd", n);
	memset(buf, 0, sizeof(buf));
	CHECK(pread(out, buf, sizeof(buf), 0) == 5 && strcmp(buf, "23456") == 0, "spliced \"%s\"", buf);
	errno = 0;
	CHECK(splice(p[0], NULL, out, NULL, 10, SPLICE_F_NONBLOCK) == -1 && errno == EAGAIN,
	      "empty pipe nonblocking: errno %d", errno);
	CHECK(splice(in, NULL, out, NULL, 10, 0) == -1 && errno == EINVAL, "no pipe: errno %d", errno);
	lo = 0;
	CHECK(splice(p[0], &lo, out, NULL, 10, 0) == -1 && errno == ESPIPE, "offset on a pipe: errno %d", errno);

	/* tee copies between pipes without consuming. */
	pipe(q);
	write(p[1], "tee!", 4);
	n = tee(p[0], q[1], 10, 0);
	CHECK(n == 4, "tee: %zd", n);
	memset(buf, 0, sizeof(buf));
	CHECK(read(q[0], buf, 10) == 4 && read(p[0], buf + 4, 10) == 4 && strcmp(buf, "tee!tee!") == 0,
	      "tee copies: \"%s\"", buf);
	CHECK(tee(p[0], p[1], 1, 0) == -1 && errno == EINVAL, "tee to the same pipe");

	/* vmsplice: user memory into the write end, out of the read end. */
	struct iovec vi[2] = { { "vm", 2 }, { "splice", 6 } };
	char vbuf[8] = "";
	struct iovec vo = { vbuf, sizeof(vbuf) };
	n = vmsplice(p[1], vi, 2, 0);
	CHECK(n == 8, "vmsplice to the pipe: %zd", n);
	n = vmsplice(p[0], &vo, 1, 0);
	CHECK(n == 8 && memcmp(vbuf, "vmsplice", 8) == 0, "vmsplice from the pipe: %zd", n);
	errno = 0;
	CHECK(vmsplice(p[0], &vo, 1, SPLICE_F_NONBLOCK) == -1 && errno == EAGAIN, "empty: errno %d", errno);
	CHECK(vmsplice(in, vi, 1, 0) == -1 && errno == EBADF, "not a pipe: errno %d", errno);
	close(q[0]);
	close(q[1]);
	close(p[0]);
	close(p[1]);

	/* copy_file_range between regular files. */
	loff_t ci = 4, co = 0;
	ftruncate(out, 0);
	n = copy_file_range(in, &ci, out, &co, 6, 0);
	memset(buf, 0, sizeof(buf));
	CHECK(n == 6 && ci == 10 && co == 6 && pread(out, buf, 32, 0) == 6 && strcmp(buf, "456789") == 0,
	      "copy_file_range: %zd \"%s\"", n, buf);
	CHECK(copy_file_range(in, NULL, out, NULL, 1, 1) == -1 && errno == EINVAL, "flags");
	close(in);
	close(out);
	unlink("/tmp/in");
	unlink("/tmp/out");
}

static void test_vectored(void)
{
	int fd = open("/tmp/vec", O_RDWR | O_CREAT | O_TRUNC, 0600);
	struct iovec w[2] = { { "hello ", 6 }, { "world", 5 } };
	char a[4] = "", b[8] = "";
	struct iovec r[2] = { { a, 3 }, { b, 8 } };
	ssize_t n;

	n = pwritev(fd, w, 2, 5);
	CHECK(n == 11 && lseek(fd, 0, SEEK_CUR) == 0, "pwritev: %zd", n);
	n = preadv(fd, r, 2, 5);
	CHECK(n == 11 && memcmp(a, "hel", 3) == 0 && memcmp(b, "lo world", 8) == 0, "preadv: %zd", n);
	/* *2 with offset -1: the file position, which moves. */
	lseek(fd, 5, SEEK_SET);
	memset(a, 0, sizeof(a));
	n = syscall(SYS_preadv2, fd, r, 1, -1L, 0L, 0);
	CHECK(n == 3 && memcmp(a, "hel", 3) == 0 && lseek(fd, 0, SEEK_CUR) == 8, "preadv2(-1): %zd", n);
	n = syscall(SYS_pwritev2, fd, w, 1, 0L, 0L, RWF_DSYNC);
	CHECK(n == 6, "pwritev2 RWF_DSYNC: %zd", n);
	n = syscall(SYS_pwritev2, fd, w + 1, 1, 0L, 0L, RWF_APPEND);
	CHECK(n == 5 && lseek(fd, 0, SEEK_END) == 21, "pwritev2 RWF_APPEND: %zd", n);
	CHECK(syscall(SYS_preadv2, fd, r, 1, 0L, 0L, 0x40000000) == -1 && errno == EOPNOTSUPP,
	      "unknown RWF flag: errno %d", errno);
	CHECK(preadv(fd, r, 1, -2) == -1 && errno == EINVAL, "negative offset: errno %d", errno);
	CHECK(readahead(fd, 0, 4096) == 0, "readahead: %s", strerror(errno));
	close(fd);
	unlink("/tmp/vec");
}

static void test_sync(void)
{
	int fd = open("/tmp", O_RDONLY | O_DIRECTORY), p[2];

	sync();
	CHECK(syncfs(fd) == 0, "syncfs: %s", strerror(errno));
	CHECK(syncfs(-1) == -1 && errno == EBADF, "syncfs(-1): errno %d", errno);
	CHECK(sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE) == 0, "sync_file_range: %s", strerror(errno));
	CHECK(sync_file_range(fd, 0, 0, 0x80) == -1 && errno == EINVAL, "bad flags: errno %d", errno);
	pipe(p);
	CHECK(sync_file_range(p[0], 0, 0, 0) == -1 && errno == ESPIPE, "pipe: errno %d", errno);
	close(p[0]);
	close(p[1]);
	close(fd);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	test_fifo();
	test_flock();
	test_fallocate();
	test_memfd();
	test_sendfile_splice();
	test_vectored();
	test_sync();
	return check_finish("fs_extras");
}
