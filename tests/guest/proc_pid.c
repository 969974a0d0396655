/* SPDX-License-Identifier: MIT */
/* proc_pid.c: /proc/PID/{fd,stat,status,cmdline,exe,cwd} describe that process (a live child, then a zombie), and CLONE_FS shares cwd and umask. */
// husk-test: status=0 expect="proc-pid: ok" expect="clone-fs: ok" expect="SUCCESS" timeout=300
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "check.h"

static char buf[8192];

/* Reads a whole file into buf (NUL-terminated); returns its length or -1. */
static long slurp(const char *path)
{
	int fd = open(path, O_RDONLY);
	long len = 0, n;

	if (fd < 0)
		return -1;
	while ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += n;
	close(fd);
	buf[len] = 0;
	return n < 0 ? -1 : len;
}

static long link_of(const char *path, char *out, size_t size)
{
	long n = readlink(path, out, size - 1);

	out[n < 0 ? 0 : n] = 0;
	return n;
}

/* Whether /proc/PID/fd lists fd. */
static int lists_fd(pid_t pid, int fd)
{
	char path[64], name[16];
	struct dirent *d;
	int found = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	snprintf(name, sizeof(name), "%d", fd);
	dir = opendir(path);
	if (!dir)
		return -1;
	while ((d = readdir(dir)))
		if (strcmp(d->d_name, name) == 0)
			found = 1;
	closedir(dir);
	return found;
}

/* The child, run again by execve: fd 7 on /dev/null, cwd /tmp, then "ready" on argv[2] and wait for EOF on argv[3]. */
static int child_main(char **argv)
{
	int ready = atoi(argv[2]), go = atoi(argv[3]);
	char c;

	if (dup2(open("/dev/null", O_RDONLY), 7) != 7 || chdir("/tmp") != 0)
		return 1;
	umask(027);
	write(ready, "r", 1);
	while (read(go, &c, 1) > 0)
		;
	return 5;
}

static void test_proc_pid(const char *self)
{
	int ready[2], go[2];
	char path[64], link[256], a2[16], a3[16], want[64];
	pid_t pid, me = getpid();
	int mine;
	char c;

	CHECK(pipe(ready) == 0 && pipe(go) == 0, "pipes");
	snprintf(a2, sizeof(a2), "%d", ready[1]);
	snprintf(a3, sizeof(a3), "%d", go[0]);
	pid = fork();
	if (pid == 0) {
		char *args[] = { (char *)"proc_pid", (char *)"child", a2, a3, NULL };
		close(go[1]);
		close(ready[0]);
		execv(self, args);
		_exit(127);
	}
	close(go[0]);
	close(ready[1]);
	CHECK(read(ready[0], &c, 1) == 1, "child ready");
	/* Opened after the fork: ours only. */
	mine = fcntl(open("/proc/version", O_RDONLY), F_DUPFD, 20);
	CHECK(mine >= 20, "open");

	snprintf(path, sizeof(path), "/proc/%d/fd/7", pid);
	CHECK(link_of(path, link, sizeof(link)) > 0 && strcmp(link, "/dev/null") == 0, "child's fd 7 -> '%s'", link);
	CHECK(lists_fd(pid, 7) == 1, "/proc/PID/fd lists the child's fd 7");
	CHECK(lists_fd(pid, mine) == 0, "/proc/PID/fd does not list our fd %d", mine);
	CHECK(lists_fd(me, mine) == 1, "/proc/OURPID/fd lists our fd %d", mine);
	CHECK(lists_fd(me, 7) == 0, "/proc/OURPID/fd does not list fd 7");
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", pid, mine);
	errno = 0;
	CHECK(link_of(path, link, sizeof(link)) < 0 && errno == ENOENT, "the child has no fd %d: %s", mine, strerror(errno));
	snprintf(path, sizeof(path), "/proc/self/fd/%d", mine);
	CHECK(link_of(path, link, sizeof(link)) > 0 && strcmp(link, "/proc/version") == 0, "self fd -> '%s'", link);

	snprintf(path, sizeof(path), "/proc/%d/cwd", pid);
	CHECK(link_of(path, link, sizeof(link)) > 0 && strcmp(link, "/tmp") == 0, "child cwd '%s'", link);
	CHECK(link_of("/proc/self/cwd", link, sizeof(link)) > 0 && strcmp(link, "/") == 0, "our cwd '%s'", link);
	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	CHECK(link_of(path, link, sizeof(link)) > 0 && strstr(link, "proc_pid"), "child exe '%s'", link);
	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	{
		long n = slurp(path);
		CHECK(n > 0 && strcmp(buf, "proc_pid") == 0 && strcmp(buf + 9, "child") == 0,
		      "child cmdline '%s' '%s'", buf, n > 9 ? buf + 9 : "");
	}
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	/* The child may still be on its way into read. */
	for (int i = 0; i < 200 && slurp(path) > 0 && !strstr(buf, ") S "); i++) {
		struct timespec ts = { 0, 10000000 };
		nanosleep(&ts, NULL);
	}
	CHECK(slurp(path) > 0, "child stat");
	{
		int spid = 0, ppid = 0, pgrp = 0;
		char state = 0;
		char *close_paren = strrchr(buf, ')');
		CHECK(sscanf(buf, "%d", &spid) == 1 && spid == pid, "stat pid %d", spid);
		CHECK(close_paren && sscanf(close_paren + 2, "%c %d %d", &state, &ppid, &pgrp) == 3, "stat fields");
		CHECK(state == 'S', "child state '%c' while blocked in read", state);
		CHECK(ppid == me && pgrp == getpgrp(), "child ppid %d pgrp %d", ppid, pgrp);
	}
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	CHECK(slurp(path) > 0, "child status");
	snprintf(want, sizeof(want), "\nPid:\t%d\nPPid:\t%d\n", pid, me);
	CHECK(strstr(buf, want) != NULL, "status has '%s'", want + 1);
	CHECK(strstr(buf, "Umask:\t0027\n") != NULL, "child's umask in status");

	/* Exited, not reaped: a zombie with no descriptors, no cwd and an empty command line. */
	close(go[1]);
	{
		siginfo_t si;
		CHECK(waitid(P_PID, pid, &si, WEXITED | WNOWAIT) == 0, "waitid WNOWAIT");
	}
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	CHECK(slurp(path) > 0 && strstr(buf, ") Z "), "zombie state: %s", buf);
	CHECK(lists_fd(pid, 7) == 0, "a zombie lists no descriptors");
	snprintf(path, sizeof(path), "/proc/%d/cwd", pid);
	errno = 0;
	CHECK(link_of(path, link, sizeof(link)) < 0 && errno == ENOENT, "zombie cwd: %s", strerror(errno));
	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	CHECK(slurp(path) == 0, "zombie cmdline empty");
	{
		int st;
		CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 5, "child status");
	}
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	errno = 0;
	CHECK(slurp(path) < 0 && errno == ENOENT, "reaped: /proc/PID gone: %s", strerror(errno));
	close(mine);
	close(ready[0]);
	printf("proc-pid: ok\n");
}

/* ---- CLONE_FS ---- */

static int fs_up[2], fs_down[2];    /* child to parent, parent to child */

static int fs_child(void *arg)
{
	char c;

	(void)arg;
	if (chdir("/tmp") != 0)
		return 1;
	umask(077);
	write(fs_up[1], "x", 1);
	/* The parent moves to /proc: we see it. */
	if (read(fs_down[0], &c, 1) != 1)
		return 4;
	char cwd[64];
	if (!getcwd(cwd, sizeof(cwd)))
		return 2;
	return strcmp(cwd, "/proc") == 0 ? 0 : 3;
}

static void test_clone_fs(void)
{
	static char stack[65536] __attribute__((aligned(16)));
	char cwd[64], c;
	pid_t pid;
	int st, old;

	CHECK(pipe(fs_up) == 0 && pipe(fs_down) == 0, "pipes");
	old = umask(022);
	pid = clone(fs_child, stack + sizeof(stack), CLONE_FS | SIGCHLD, NULL);
	CHECK(pid > 0, "clone(CLONE_FS): %s", strerror(errno));
	CHECK(read(fs_up[0], &c, 1) == 1, "child changed directory");
	CHECK(getcwd(cwd, sizeof(cwd)) && strcmp(cwd, "/tmp") == 0, "the child's chdir moved us: '%s'", cwd);
	CHECK(umask(022) == 077, "the child's umask is ours");
	CHECK(chdir("/proc") == 0, "chdir /proc");
	write(fs_down[1], "y", 1);
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "the child saw our chdir (status %d)", WEXITSTATUS(st));

	/* Without CLONE_FS each has its own. */
	chdir("/");
	pid = fork();
	if (pid == 0) {
		chdir("/tmp");
		umask(0);
		_exit(0);
	}
	waitpid(pid, &st, 0);
	CHECK(getcwd(cwd, sizeof(cwd)) && strcmp(cwd, "/") == 0, "fork's chdir stays in the child: '%s'", cwd);
	CHECK(umask(old) == 022, "fork's umask stays in the child");
	close(fs_up[0]);
	close(fs_up[1]);
	close(fs_down[0]);
	close(fs_down[1]);
	printf("clone-fs: ok\n");
}

int main(int argc, char **argv)
{
	char self[256];
	long n;

	if (argc == 4 && strcmp(argv[1], "child") == 0)
		return child_main(argv);
	setvbuf(stdout, NULL, _IONBF, 0);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	CHECK(n > 0, "readlink /proc/self/exe");
	self[n < 0 ? 0 : n] = 0;
	test_proc_pid(self);
	test_clone_fs();
	return check_finish("proc_pid");
}
