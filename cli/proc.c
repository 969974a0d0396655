/* SPDX-License-Identifier: MIT */
/* proc.c: running the VM as a child process: temp files that die with husk, signal forwarding, waiting. */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"

#define MAX_TEMPS 8

/* Read by the signal handler: every update is complete before the count grows. */
static char *temps[MAX_TEMPS];
static volatile sig_atomic_t nr_temps;
static volatile sig_atomic_t child_pid;
static volatile sig_atomic_t got_signal;

static void unlink_temps(void)
{
	for (int i = 0; i < nr_temps; i++)
		if (temps[i])
			unlink(temps[i]);
}

static void on_signal(int sig)
{
	got_signal = sig;
	/*
	 * With a VM running, stop it and let proc_run() clean up after it;
	 * SIGTERM (not SIGKILL) lets QEMU restore the terminal.
	 */
	if (child_pid > 0) {
		kill((pid_t)child_pid, SIGTERM);
		return;
	}
	unlink_temps();
	_exit(HUSK_STATUS_SIGNAL_BASE + sig);
}

static void install_handlers(void)
{
	static int installed;
	struct sigaction sa;

	if (installed)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	installed = 1;
}

int proc_mktemp(const char *what, char **path)
{
	const char *dir = getenv("TMPDIR");
	sigset_t all, old;
	char *p;
	int fd, err;

	install_handlers();
	if (!dir || !*dir)
		dir = "/tmp";
	if (nr_temps == MAX_TEMPS)
		return -EMFILE;
	if (asprintf(&p, "%s/husk-%s-XXXXXX", dir, what) < 0)
		return -ENOMEM;
	/* Block signals so that a file never exists without being on the list. */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	fd = mkstemp(p);
	err = -errno;
	if (fd >= 0) {
		temps[nr_temps] = p;
		nr_temps = nr_temps + 1;
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (fd < 0) {
		husk_err("cannot create a temp file in %s: %s", dir, strerror(-err));
		free(p);
		return err;
	}
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	*path = strdup(p);
	if (!*path) {
		close(fd);
		return -ENOMEM;
	}
	return fd;
}

void proc_cleanup(void)
{
	unlink_temps();
}

/*
 * Starts argv with stdin/stdout from in_fd/out_fd (-1: husk's own) and
 * returns its pid in *pid once exec() succeeded.  Returns 0 or -errno.
 */
/* Runs argv with in_fd, out_fd and extra_fd (each -1 for none) as its fd 0, 1 and STDIO_BULK_FD. */
static int spawn(char *const argv[], int in_fd, int out_fd, int extra_fd, pid_t *pid_out)
{
	int pipefd[2], child_errno = 0;
	sigset_t all, old;
	ssize_t n;
	pid_t pid;

	install_handlers();
	/* Tells the parent whether execvp() failed: the pipe closes on a successful exec. */
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	pid = fork();
	if (pid == 0) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_DFL;
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGHUP, &sa, NULL);
		sigaction(SIGPIPE, &sa, NULL);
		sigprocmask(SIG_SETMASK, &old, NULL);
		close(pipefd[0]);
		if ((in_fd >= 0 && dup2(in_fd, STDIN_FILENO) < 0) ||
		    (out_fd >= 0 && dup2(out_fd, STDOUT_FILENO) < 0) ||
		    (extra_fd >= 0 && extra_fd != STDIO_BULK_FD && dup2(extra_fd, STDIO_BULK_FD) < 0) ||
		    (extra_fd >= 0 && fcntl(STDIO_BULK_FD, F_SETFD, 0) < 0)) {
			child_errno = errno;
			(void)!write(pipefd[1], &child_errno, sizeof(child_errno));
			_exit(HUSK_STATUS_HOST);
		}
		execvp(argv[0], argv);
		child_errno = errno;
		(void)!write(pipefd[1], &child_errno, sizeof(child_errno));
		_exit(HUSK_STATUS_HOST);
	}
	if (pid > 0)
		child_pid = pid;
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(pipefd[1]);
	if (pid < 0) {
		close(pipefd[0]);
		return -errno;
	}
	do {
		n = read(pipefd[0], &child_errno, sizeof(child_errno));
	} while (n < 0 && errno == EINTR);
	close(pipefd[0]);
	*pid_out = pid;
	if (n == (ssize_t)sizeof(child_errno)) {
		waitpid(pid, NULL, 0);
		child_pid = 0;
		return -child_errno;
	}
	return 0;
}

static int wait_child(pid_t pid, int *wstatus, int *signo)
{
	while (waitpid(pid, wstatus, 0) < 0) {
		if (errno != EINTR) {
			child_pid = 0;
			return -errno;
		}
	}
	child_pid = 0;
	*signo = got_signal;
	return 0;
}

int proc_run(char *const argv[], int *wstatus, int *signo)
{
	pid_t pid;
	int err = spawn(argv, -1, -1, -1, &pid);

	return err ?: wait_child(pid, wstatus, signo);
}

/* A pseudo-terminal in raw mode (no echo, no line editing, bytes as they are): fd[0] the terminal, fd[1] its master. */
static int pty_pair(int fd[2])
{
	struct termios t;
	int err;

	fd[1] = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd[1] < 0)
		return -errno;
	if (grantpt(fd[1]) < 0 || unlockpt(fd[1]) < 0 || !ptsname(fd[1]))
		goto fail;
	fd[0] = open(ptsname(fd[1]), O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd[0] < 0)
		goto fail;
	if (tcgetattr(fd[0], &t) == 0) {
		cfmakeraw(&t);
		if (tcsetattr(fd[0], TCSANOW, &t) == 0)
			return 0;
	}
	err = -errno;
	close(fd[0]);
	close(fd[1]);
	return err;
fail:
	err = -errno;
	close(fd[1]);
	return err;
}

int proc_run_stdio(char *const argv[], unsigned flags, int *wstatus, int *signo)
{
	int to_vm[2], from_vm[2], bulk[2] = { -1, -1 }, err;
	pid_t pid;

	if (flags & STDIO_PTY_IN) {
		err = pty_pair(to_vm);
		if (err)
			return err;
	} else if (pipe2(to_vm, O_CLOEXEC) < 0) {
		return -errno;
	}
	if (pipe2(from_vm, O_CLOEXEC) < 0) {
		err = -errno;
		goto close_to;
	}
	if ((flags & STDIO_BULK) && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, bulk) < 0) {
		err = -errno;
		goto close_from;
	}
	err = spawn(argv, to_vm[0], from_vm[1], bulk[1], &pid);
	close(to_vm[0]);
	close(from_vm[1]);
	if (bulk[1] >= 0)
		close(bulk[1]);
	to_vm[0] = from_vm[1] = -1;
	if (err)
		goto close_bulk;
	/* The relay ends when the monitor's stdout and the bulk channel close: it has exited. */
	stdio_relay(to_vm[1], from_vm[0], bulk[0], flags);
	err = wait_child(pid, wstatus, signo);
close_bulk:
	if (bulk[0] >= 0)
		close(bulk[0]);
close_from:
	close(from_vm[0]);
	if (from_vm[1] >= 0)
		close(from_vm[1]);
close_to:
	close(to_vm[1]);
	if (to_vm[0] >= 0)
		close(to_vm[0]);
	return err;
}

void proc_print_argv(char *const argv[])
{
	fputs("husk:", stderr);
	for (size_t i = 0; argv[i]; i++) {
		const char *a = argv[i];

		/* Shell-quoted, so that the line can be pasted to reproduce the run. */
		if (*a && strspn(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				 "0123456789-_./=,:+@%") == strlen(a)) {
			fprintf(stderr, " %s", a);
			continue;
		}
		fputs(" '", stderr);
		for (; *a; a++) {
			if (*a == '\'')
				fputs("'\\''", stderr);
			else
				fputc(*a, stderr);
		}
		fputc('\'', stderr);
	}
	fputc('\n', stderr);
}
