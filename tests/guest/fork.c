/* SPDX-License-Identifier: MIT */
/* fork.c: processes: fork/wait statuses, copy-on-write isolation, vfork, execve and #! scripts, pipes, zombies, orphans, groups, stop/continue, hangups, shared memory and futexes, record locks, restarted system calls, pidfds, posix_spawn, and a fork stress without leaks. */
// husk-test: status=0 expect="SUCCESS" expect="exec-child ok" expect="script-child ok" timeout=300
// husk-test: name=quick args="quick" status=0 expect="SUCCESS" expect="exec-child ok" expect="script-child ok" backends=vmm timeout=300
#define _GNU_SOURCE
#include <fcntl.h>
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include "check.h"

extern char **environ;

static int global = 1;
static volatile sig_atomic_t got_chld;
static char self[256];

static void on_chld(int sig)
{
	(void)sig;
	got_chld++;
}

/* Waits for pid and returns its raw status (or -1). */
/* Waits (up to 20 s) until process PID is asleep, as /proc/PID/stat's state
 * letter says: a fixed delay is not enough on a loaded host. */
static void wait_sleeping(pid_t pid)
{
	char path[64], buf[512];

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	for (int i = 0; i < 20000; i++) {
		int fd = open(path, O_RDONLY);
		ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
		if (fd >= 0)
			close(fd);
		if (n > 0) {
			buf[n] = 0;
			char *r = strrchr(buf, ')');
			if (r && r[1] == ' ' && r[2] == 'S')
				return;
		}
		usleep(1000);
	}
}

static int wait_for(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return st;
}

static void test_exit_status(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(42);
	CHECK(pid > 0, "fork returned %d, errno %d", pid, errno);
	int st = wait_for(pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 42, "status %#x, wanted exit 42", st);

	pid = fork();
	if (pid == 0) {
		kill(getpid(), SIGTERM);
		for (;;)
			pause();
	}
	st = wait_for(pid);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM, "status %#x, wanted killed by SIGTERM", st);

	CHECK(waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD, "no children: ECHILD (errno %d)", errno);
}

static void test_cow(void)
{
	size_t len = 64 * 4096;
	char *heap = malloc(len);
	int fds[2];
	char c = 0;

	memset(heap, 'p', len);
	global = 1;
	CHECK(pipe(fds) == 0, "pipe");
	pid_t pid = fork();
	if (pid == 0) {
		/* The child sees the values at fork time, whatever the parent writes next. */
		read(fds[0], &c, 1);
		int ok = global == 1 && heap[0] == 'p' && heap[len - 1] == 'p';
		global = 3;
		memset(heap, 'c', len);
		_exit(ok ? 0 : 1);
	}
	global = 2;
	heap[0] = heap[len - 1] = 'P';
	write(fds[1], "x", 1);
	int st = wait_for(pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child saw the parent's writes (status %#x)", st);
	CHECK(global == 2 && heap[0] == 'P' && heap[1] == 'p', "parent saw the child's writes: %d %c %c",
	      global, heap[0], heap[1]);
	close(fds[0]);
	close(fds[1]);
	free(heap);
}

static void test_pipe_between(void)
{
	int fds[2];
	char buf[64] = { 0 };

	CHECK(pipe(fds) == 0, "pipe");
	pid_t pid = fork();
	if (pid == 0) {
		close(fds[0]);
		dup2(fds[1], 1);
		printf("through the pipe %d\n", 7);
		fflush(stdout);
		_exit(0);
	}
	close(fds[1]);
	ssize_t n, got = 0;
	while ((n = read(fds[0], buf + got, sizeof(buf) - 1 - got)) > 0)
		got += n;
	close(fds[0]);
	CHECK(strcmp(buf, "through the pipe 7\n") == 0, "read '%s'", buf);
	CHECK(WIFEXITED(wait_for(pid)), "pipe child");
}

static void test_vfork(void)
{
	volatile int shared = 0;
	pid_t pid = vfork();

	if (pid == 0) {
		shared = 5;    /* vfork shares memory: the parent sees this */
		_exit(3);
	}
	CHECK(shared == 5, "vfork child wrote %d", shared);
	int st = wait_for(pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 3, "vfork status %#x", st);
}

static void test_exec(void)
{
	int fds[2];
	char buf[64] = { 0 };

	/* O_CLOEXEC is closed by exec; a plain descriptor stays. */
	CHECK(pipe2(fds, O_CLOEXEC) == 0, "pipe2");
	pid_t pid = fork();
	if (pid == 0) {
		char fdarg[16];
		snprintf(fdarg, sizeof(fdarg), "%d", fds[1]);
		char *argv[] = { self, "exec-child", fdarg, NULL };
		signal(SIGUSR1, SIG_IGN);
		signal(SIGUSR2, on_chld);
		execve(self, argv, environ);
		_exit(99);
	}
	close(fds[1]);
	CHECK(read(fds[0], buf, sizeof(buf)) == 0, "the O_CLOEXEC pipe survived exec: '%s'", buf);
	close(fds[0]);
	int st = wait_for(pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "exec child status %#x", st);

	/* A failed exec leaves the caller as it was. */
	char *argv[] = { "/nonexistent", NULL };
	CHECK(execve("/nonexistent", argv, environ) == -1 && errno == ENOENT, "execve of nothing: errno %d", errno);

	/* A #! script whose interpreter is this program. */
	const char *script = "/tmp/fork-script";
	int fd = open(script, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	dprintf(fd, "#!%s script-child\n", self);
	close(fd);
	pid = fork();
	if (pid == 0) {
		char *sargv[] = { "fork-script", "extra", NULL };
		execve(script, sargv, environ);
		_exit(98);
	}
	st = wait_for(pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "script child status %#x", st);
}

static void test_zombie_and_sigchld(void)
{
	struct sigaction sa = { .sa_handler = on_chld };

	sigaction(SIGCHLD, &sa, NULL);
	got_chld = 0;
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	while (!got_chld)
		pause();
	/* A zombie: still there, its state in /proc, until reaped. */
	char path[64], stat[256] = { 0 };
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	int fd = open(path, O_RDONLY);
	if (fd >= 0) {
		read(fd, stat, sizeof(stat) - 1);
		close(fd);
	}
	CHECK(strstr(stat, ") Z ") != NULL, "zombie stat '%s'", stat);
	siginfo_t si = { 0 };
	CHECK(waitid(P_PID, pid, &si, WEXITED | WNOWAIT) == 0 && si.si_pid == pid && si.si_code == CLD_EXITED,
	      "waitid WNOWAIT: pid %d code %d", si.si_pid, si.si_code);
	CHECK(wait_for(pid) == 0, "reaping the zombie");
	signal(SIGCHLD, SIG_DFL);

	/* SIGCHLD ignored: children are reaped by the kernel. */
	signal(SIGCHLD, SIG_IGN);
	pid = fork();
	if (pid == 0)
		_exit(0);
	CHECK(waitpid(pid, NULL, 0) == -1 && errno == ECHILD, "auto-reaped child: errno %d", errno);
	signal(SIGCHLD, SIG_DFL);
}

static void test_orphan(void)
{
	int fds[2];
	pid_t ppid = 0;

	/* The grandchild outlives its parent and is re-parented to us, a subreaper. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	CHECK(pipe(fds) == 0, "pipe");
	pid_t pid = fork();
	if (pid == 0) {
		pid_t middle = getpid();
		if (fork() == 0) {
			close(fds[0]);
			while (getppid() == middle)
				usleep(1000);
			pid_t now = getppid();
			write(fds[1], &now, sizeof(now));
			_exit(0);
		}
		_exit(0);
	}
	close(fds[1]);
	wait_for(pid);
	ssize_t got = read(fds[0], &ppid, sizeof(ppid));
	CHECK(got == sizeof(ppid) && ppid == getpid(), "orphan's new parent %d, wanted %d (read %zd, errno %d)",
	      ppid, getpid(), got, errno);
	close(fds[0]);
	CHECK(wait(NULL) > 0, "reaping the orphan");
	prctl(PR_SET_CHILD_SUBREAPER, 0);
}

static void test_groups_and_stop(void)
{
	pid_t a = fork();

	if (a == 0) {
		setpgid(0, 0);
		for (;;)
			pause();
	}
	setpgid(a, a);
	pid_t b = fork();
	if (b == 0) {
		for (;;)
			pause();
	}
	setpgid(b, a);
	CHECK(getpgid(a) == a && getpgid(b) == a, "groups %d %d, wanted %d", getpgid(a), getpgid(b), a);
	CHECK(getsid(a) == getsid(0), "session inherited");

	/* The terminal's foreground group moves to the new group and back (tcsetpgrp). */
	if (isatty(0) && tcgetpgrp(0) == getpgrp()) {
		CHECK(tcsetpgrp(0, a) == 0 && tcgetpgrp(0) == a, "tcsetpgrp to %d: now %d (errno %d)", a, tcgetpgrp(0), errno);
		CHECK(tcsetpgrp(0, 99999) == -1 && errno == EPERM, "tcsetpgrp to no group: errno %d", errno);
		CHECK(tcsetpgrp(0, getpgrp()) == 0 && tcgetpgrp(0) == getpgrp(), "tcsetpgrp back");
	} else {
		/* husk's stdin is no terminal in the tests (husk.notty), nor in a native chroot: nothing to move. */
		CHECK(check_native() || !isatty(0), "the console is not a terminal in the foreground: tcgetpgrp %d",
		      tcgetpgrp(0));
	}

	/* Stop and continue, seen by waitpid. */
	int st;
	kill(a, SIGSTOP);
	CHECK(waitpid(a, &st, WUNTRACED) == a && WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP, "stopped: %#x", st);
	kill(a, SIGCONT);
	CHECK(waitpid(a, &st, WCONTINUED) == a && WIFCONTINUED(st), "continued: %#x", st);

	/* One kill for the whole group. */
	CHECK(kill(-a, SIGTERM) == 0, "kill(-pgid): errno %d", errno);
	st = wait_for(a);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM, "a: %#x", st);
	st = wait_for(b);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM, "b: %#x", st);

	/* A child starts its own session. */
	pid_t c = fork();
	if (c == 0)
		_exit(setsid() == getpid() && getsid(0) == getpid() && getpgrp() == getpid() ? 0 : 1);
	st = wait_for(c);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "setsid in the child: %#x", st);
	/* In the VM this program is pid 1 and leads the session; a session leader cannot setsid. */
	if (getsid(0) == getpid())
		CHECK(setsid() == -1 && errno == EPERM, "the session leader cannot setsid");
}

/* A session leader with a controlling terminal exits: its foreground group gets SIGHUP. */
static void test_hangup(void)
{
	int fds[2];
	pid_t gpid = 0;

	prctl(PR_SET_CHILD_SUBREAPER, 1);
	CHECK(pipe(fds) == 0, "pipe");
	pid_t leader = fork();
	if (leader == 0) {
		int m, sl;
		setsid();
		m = posix_openpt(O_RDWR | O_NOCTTY);
		if (m < 0 || grantpt(m) || unlockpt(m) || (sl = open(ptsname(m), O_RDWR)) < 0 ||
		    ioctl(sl, TIOCSCTTY, 0) < 0)
			_exit(2);      /* no pseudo-terminal (a native chroot without /dev/pts) */
		pid_t g = fork();
		if (g == 0) {
			for (;;)
				pause();
		}
		write(fds[1], &g, sizeof(g));
		_exit(0);
	}
	close(fds[1]);
	ssize_t got = read(fds[0], &gpid, sizeof(gpid));
	close(fds[0]);
	int st = wait_for(leader);
	if (check_native() && WIFEXITED(st) && WEXITSTATUS(st) == 2) {
		prctl(PR_SET_CHILD_SUBREAPER, 0);
		return;
	}
	CHECK(got == sizeof(gpid), "grandchild pid");
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "session leader: %#x", st);
	if (gpid > 0) {
		st = wait_for(gpid);
		CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGHUP, "the foreground process after the hangup: %#x", st);
	}
	prctl(PR_SET_CHILD_SUBREAPER, 0);
}

static void test_shared_memory(void)
{
	int *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int *private = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	CHECK(shared != MAP_FAILED && private != MAP_FAILED, "mmap");
	pid_t pid = fork();
	if (pid == 0) {
		shared[0] = 1234;
		private[0] = 5678;
		_exit(0);
	}
	wait_for(pid);
	CHECK(shared[0] == 1234, "MAP_SHARED not shared across fork: %d", shared[0]);

	/* A futex in shared memory: the child's wait meets the parent's wake (else this hangs). */
	shared[1] = 0;
	pid = fork();
	if (pid == 0) {
		while (__atomic_load_n(&shared[1], __ATOMIC_SEQ_CST) == 0)
			syscall(SYS_futex, &shared[1], FUTEX_WAIT, 0, NULL, NULL, 0);
		_exit(shared[1] == 1 ? 0 : 1);
	}
	usleep(20000);
	__atomic_store_n(&shared[1], 1, __ATOMIC_SEQ_CST);
	syscall(SYS_futex, &shared[1], FUTEX_WAKE, 1, NULL, NULL, 0);
	int st = wait_for(pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "shared futex child: %#x", st);
	CHECK(private[0] == 0, "MAP_PRIVATE shared across fork: %d", private[0]);
	munmap(shared, 4096);
	munmap(private, 4096);
}

static void test_record_locks(void)
{
	const char *path = "/tmp/fork-locks";
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600), fds[2];
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 10, .l_len = 10 };

	CHECK(fd >= 0 && pipe(fds) == 0, "open, pipe");
	CHECK(fcntl(fd, F_SETLK, &fl) == 0, "F_SETLK: errno %d", errno);
	pid_t pid = fork();
	if (pid == 0) {
		/* The child is another owner: the parent's lock conflicts, outside it does not. */
		int cfd = open(path, O_RDWR), ok = 1;
		struct flock c = { .l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 15, .l_len = 1 };
		ok &= fcntl(cfd, F_SETLK, &c) == -1 && (errno == EAGAIN || errno == EACCES);
		ok &= fcntl(cfd, F_GETLK, &c) == 0 && c.l_type == F_WRLCK && c.l_pid == getppid() &&
		      c.l_start == 10 && c.l_len == 10;
		c = (struct flock){ .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 20, .l_len = 5 };
		ok &= fcntl(cfd, F_SETLK, &c) == 0;
		write(fds[1], "r", 1);
		/* Blocks until the parent's close drops its lock. */
		c = (struct flock){ .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0 };
		ok &= fcntl(cfd, F_SETLKW, &c) == 0;
		_exit(ok ? 0 : 1);
	}
	char r;
	CHECK(read(fds[0], &r, 1) == 1, "child ready");
	struct flock g = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 22, .l_len = 1 };
	CHECK(fcntl(fd, F_GETLK, &g) == 0 && g.l_type == F_WRLCK && g.l_pid == pid, "the child's lock: type %d pid %d",
	      g.l_type, g.l_pid);
	usleep(20000);
	close(fd);      /* POSIX: any close by the owner drops its locks */
	int st = wait_for(pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "record-lock child: %#x", st);
	close(fds[0]);
	close(fds[1]);
	unlink(path);
}

static volatile sig_atomic_t got_usr1;

static void on_usr1(int sig)
{
	(void)sig;
	got_usr1++;
}

/* A read interrupted by a handler: restarted with SA_RESTART, EINTR without; a stop and continue restart it too. */
static void test_restart(void)
{
	for (int restart = 0; restart < 3; restart++) {
		int fds[2];
		char c = 0;
		struct sigaction sa = { .sa_handler = on_usr1, .sa_flags = restart == 1 ? SA_RESTART : 0 };

		sigaction(SIGUSR1, &sa, NULL);
		got_usr1 = 0;
		CHECK(pipe(fds) == 0, "pipe");
		pid_t parent = getpid(), pid = fork();
		if (pid == 0) {
			wait_sleeping(parent);	/* the signal must find the parent inside read() */
			if (restart == 2) {
				kill(parent, SIGSTOP);
				usleep(30000);
				kill(parent, SIGCONT);
			} else {
				kill(parent, SIGUSR1);
			}
			usleep(30000);
			write(fds[1], "d", 1);
			_exit(0);
		}
		ssize_t n = read(fds[0], &c, 1);
		if (restart == 0)
			CHECK(n == -1 && errno == EINTR && got_usr1 == 1, "without SA_RESTART: read %zd errno %d", n, errno);
		else
			CHECK(n == 1 && c == 'd', "%s: read %zd errno %d", restart == 1 ? "SA_RESTART" : "stop/continue",
			      n, errno);
		wait_for(pid);
		close(fds[0]);
		close(fds[1]);
	}
	signal(SIGUSR1, SIG_DFL);
	/* The child's SIGCHLD for the stop and continue is default-ignored; reap any report left. */
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

static void test_pidfd(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		for (;;)
			pause();
	}
	int pfd = syscall(SYS_pidfd_open, pid, 0);
	CHECK(pfd >= 0, "pidfd_open: errno %d", errno);
	if (pfd < 0) {
		kill(pid, SIGKILL);
		wait_for(pid);
		return;
	}
	CHECK(fcntl(pfd, F_GETFD) == FD_CLOEXEC, "a pidfd is close-on-exec");
	struct pollfd p = { .fd = pfd, .events = POLLIN };
	CHECK(poll(&p, 1, 0) == 0, "pidfd readable while the child runs");
	CHECK(syscall(SYS_pidfd_send_signal, pfd, SIGTERM, NULL, 0) == 0, "pidfd_send_signal: errno %d", errno);
	CHECK(poll(&p, 1, 5000) == 1 && (p.revents & POLLIN), "pidfd not readable after the child exited");
	siginfo_t si = { 0 };
	CHECK(waitid(P_PIDFD, pfd, &si, WEXITED) == 0 && si.si_pid == pid && si.si_code == CLD_KILLED &&
	      si.si_status == SIGTERM, "waitid(P_PIDFD): pid %d code %d status %d", si.si_pid, si.si_code, si.si_status);
	CHECK(syscall(SYS_pidfd_send_signal, pfd, SIGTERM, NULL, 0) == -1 && errno == ESRCH,
	      "signal to a reaped process: errno %d", errno);
	close(pfd);
}

static void test_posix_spawn(void)
{
	pid_t pid;
	char *argv[] = { self, "spawn-child", NULL };
	int err = posix_spawn(&pid, self, NULL, NULL, argv, environ);

	CHECK(err == 0, "posix_spawn: %d", err);
	if (err == 0) {
		int st = wait_for(pid);
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 7, "spawned child status %#x", st);
	}
	char *bad[] = { "/nonexistent", NULL };
	err = posix_spawn(&pid, "/nonexistent", NULL, NULL, bad, environ);
	CHECK(err == ENOENT, "posix_spawn of nothing: %d", err);
}

static void test_stress(void)
{
	struct sysinfo before, after;
	int n = 10000, bad = 0;

	/* Warm up allocator caches so that only leaks show. */
	for (int i = 0; i < 50; i++) {
		pid_t pid = fork();
		if (pid == 0)
			_exit(0);
		wait_for(pid);
	}
	sysinfo(&before);
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid == 0)
			_exit(i & 0x7f);
		if (pid < 0 || wait_for(pid) != (i & 0x7f) << 8)
			bad++;
	}
	sysinfo(&after);
	CHECK(bad == 0, "%d of %d fork/exit/wait cycles went wrong", bad, n);
	long lost = (long)before.freeram - (long)after.freeram;
	/* Natively the host's free memory moves with everything else on it. */
	CHECK(check_native() || lost < 64 * 4096, "%ld bytes less free memory after %d forks", lost, n);
	printf("fork stress: %d cycles, free memory %lu -> %lu\n", n, before.freeram, after.freeram);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "exec-child") == 0) {
		/* The fd passed was O_CLOEXEC: it must be gone.  SIGUSR1 stays ignored, SIGUSR2 is default again. */
		struct sigaction sa;
		int fd = argc > 2 ? atoi(argv[2]) : -1;
		int ok = fcntl(fd, F_GETFD) == -1 && errno == EBADF;
		sigaction(SIGUSR1, NULL, &sa);
		ok = ok && sa.sa_handler == SIG_IGN;
		sigaction(SIGUSR2, NULL, &sa);
		ok = ok && sa.sa_handler == SIG_DFL;
		ok = ok && getppid() > 0;
		printf("exec-child %s\n", ok ? "ok" : "wrong");
		return ok ? 0 : 1;
	}
	if (argc > 1 && strcmp(argv[1], "script-child") == 0) {
		int ok = argc == 4 && strcmp(argv[2], "/tmp/fork-script") == 0 && strcmp(argv[3], "extra") == 0;
		printf("script-child %s\n", ok ? "ok" : "wrong");
		return ok ? 0 : 1;
	}
	if (argc > 1 && strcmp(argv[1], "spawn-child") == 0)
		return 7;

	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	CHECK(n > 0, "readlink /proc/self/exe");
	if (n > 0)
		self[n] = 0;
	setvbuf(stdout, NULL, _IONBF, 0);

	test_exit_status();
	test_cow();
	test_pipe_between();
	test_vfork();
	test_exec();
	test_zombie_and_sigchld();
	test_orphan();
	test_groups_and_stop();
	test_hangup();
	test_shared_memory();
	test_record_locks();
	test_restart();
	test_pidfd();
	test_posix_spawn();
	/* "quick": husk-vmm emulates the kernel's ring 0 slowly here; the stress runs on QEMU. */
	if (!(argc > 1 && strcmp(argv[1], "quick") == 0))
		test_stress();
	return check_finish("fork");
}
