/* SPDX-License-Identifier: MIT */
/* job_control.c: SIGTTIN and SIGTTOU on a pty: a background group that reads, writes with TOSTOP or calls tcsetpgrp stops, continues and restarts the call; EIO when SIGTTIN is ignored or the group is orphaned. */
// husk-test: status=0 expect="job control: ok" expect="SUCCESS" timeout=300
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include "check.h"

static int master, slave;
static volatile sig_atomic_t got_ttin;

static void on_ttin(int sig)
{
	(void)sig;
	got_ttin = 1;
}

/* Forks a child in its own (background) process group running fn; returns its pid. */
static pid_t background(int (*fn)(void))
{
	pid_t pid = fork();

	if (pid == 0) {
		setpgid(0, 0);
		_exit(fn());
	}
	setpgid(pid, pid);
	return pid;
}

/* Waits until pid stops; returns the stop signal, or -1 when it exited (*code). */
static int wait_stop(pid_t pid, int *code)
{
	int st;

	if (waitpid(pid, &st, WUNTRACED) != pid)
		return -2;
	if (WIFSTOPPED(st))
		return WSTOPSIG(st);
	*code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return -1;
}

static int reap(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Reads a line after being stopped and continued in the foreground; gives the terminal back to the leader. */
static int bg_read(void)
{
	char buf[64];
	ssize_t n = read(slave, buf, sizeof(buf));

	if (n != 6 || memcmp(buf, "hello\n", 6) != 0)
		return 1;
	if (tcsetpgrp(slave, getsid(0)) != 0)
		return 2;
	return 0;
}

static int bg_read_ignored(void)
{
	char c;

	signal(SIGTTIN, SIG_IGN);
	errno = 0;
	return read(slave, &c, 1) == -1 && errno == EIO ? 0 : 1;
}

static int bg_read_handler(void)
{
	struct sigaction sa = { .sa_handler = on_ttin };   /* no SA_RESTART */
	char c;

	sigaction(SIGTTIN, &sa, NULL);
	errno = 0;
	if (read(slave, &c, 1) != -1 || errno != EINTR)
		return 1;
	return got_ttin ? 0 : 2;
}

static int bg_write(void)
{
	return write(slave, "bg\n", 3) == 3 ? 0 : 1;
}

static int bg_tcsetpgrp(void)
{
	return tcsetpgrp(slave, getpgrp()) == 0 ? 0 : 1;
}

static int bg_tcsetpgrp_ignored(void)
{
	signal(SIGTTOU, SIG_IGN);
	if (tcsetpgrp(slave, getpgrp()) != 0)
		return 1;
	/* Now we are the foreground: give it back. */
	return tcsetpgrp(slave, getsid(0)) == 0 ? 0 : 2;
}

static void set_tostop(int on)
{
	struct termios t;

	tcgetattr(slave, &t);
	if (on)
		t.c_lflag |= TOSTOP;
	else
		t.c_lflag &= ~TOSTOP;
	tcsetattr(slave, TCSANOW, &t);
}

/* The session leader: owns the pty as its controlling terminal and runs the background jobs. */
static int leader(void)
{
	char name[64], buf[16];
	int code = -1, report[2];
	pid_t pid;

	if (setsid() < 0)
		return 100;
	master = posix_openpt(O_RDWR | O_NOCTTY);
	if (master < 0 || grantpt(master) || unlockpt(master) || ptsname_r(master, name, sizeof(name)))
		return 101;
	slave = open(name, O_RDWR | O_NOCTTY);
	if (slave < 0 || ioctl(slave, TIOCSCTTY, 0) != 0)
		return 102;
	CHECK(tcgetpgrp(slave) == getpid(), "the leader is the foreground");

	/* Read from the background: stopped by SIGTTIN; continued in the foreground, the read restarts. */
	pid = background(bg_read);
	CHECK(wait_stop(pid, &code) == SIGTTIN, "background read stops with SIGTTIN (exit %d)", code);
	write(master, "hello\n", 6);
	CHECK(tcsetpgrp(slave, pid) == 0, "tcsetpgrp to the job: %s", strerror(errno));
	kill(pid, SIGCONT);
	CHECK(reap(pid) == 0, "continued in the foreground, the read restarted and got the line");
	CHECK(tcgetpgrp(slave) == getpid(), "the job gave the terminal back");

	pid = background(bg_read_ignored);
	CHECK(reap(pid) == 0, "SIGTTIN ignored: read fails with EIO");
	pid = background(bg_read_handler);
	CHECK(reap(pid) == 0, "SIGTTIN caught without SA_RESTART: read fails with EINTR after the handler");

	/* Writes: free without TOSTOP, SIGTTOU with it. */
	pid = background(bg_write);
	CHECK(reap(pid) == 0, "background write without TOSTOP");
	CHECK(read(master, buf, sizeof(buf)) >= 3, "its output reached the master");
	set_tostop(1);
	pid = background(bg_write);
	CHECK(wait_stop(pid, &code) == SIGTTOU, "background write with TOSTOP stops with SIGTTOU (exit %d)", code);
	set_tostop(0);
	kill(pid, SIGCONT);
	CHECK(reap(pid) == 0, "the write went on once continued");

	/* tcsetpgrp from the background. */
	pid = background(bg_tcsetpgrp);
	CHECK(wait_stop(pid, &code) == SIGTTOU, "background tcsetpgrp stops with SIGTTOU (exit %d)", code);
	kill(pid, SIGKILL);
	reap(pid);
	pid = background(bg_tcsetpgrp_ignored);
	CHECK(reap(pid) == 0, "SIGTTOU ignored: tcsetpgrp from the background works");
	CHECK(tcgetpgrp(slave) == getpid(), "the leader is the foreground again");

	/* An orphaned group: its only member's parent left, so nobody in the session could continue it. */
	pipe(report);
	pid = fork();
	if (pid == 0) {
		pid_t parent = getpid(), q = fork();
		if (q == 0) {
			char c, r;
			setpgid(0, 0);
			while (getppid() == parent)
				usleep(10000);
			errno = 0;
			r = read(slave, &c, 1) == -1 && errno == EIO ? 'y' : 'n';
			write(report[1], &r, 1);
			_exit(0);
		}
		_exit(0);
	}
	reap(pid);
	CHECK(read(report[0], buf, 1) == 1 && buf[0] == 'y', "orphaned group: read fails with EIO");
	printf("job control: %s\n", check_failures ? "FAILED" : "ok");
	return check_failures ? 1 : 0;
}

int main(void)
{
	pid_t pid;

	setvbuf(stdout, NULL, _IONBF, 0);
	pid = fork();
	if (pid == 0)
		_exit(leader());
	{
		int code = reap(pid);
		CHECK(code == 0, "the session leader's checks (exit %d)", code);
	}
	/* The orphan was re-parented to us. */
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	return check_finish("job_control");
}
