/* SPDX-License-Identifier: MIT */
/* console_input.c: console input arrives by interrupt: poll without a timeout wakes, blocking reads return lines. */
// husk-test: backends=qemu,vmm stdin="alpha\nbeta\ngamma\n" expect="console_input: line 1 alpha" expect="console_input: line 3 gamma" expect="SUCCESS"
// husk-test: name=q35 machine=q35 stdin="alpha\nbeta\ngamma\n" expect="console_input: line 1 alpha" expect="console_input: line 3 gamma" expect="SUCCESS"
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include "check.h"

int main(void)
{
	static const char *const want[] = { "alpha", "beta", "gamma" };
	struct termios t;
	char buf[256], *nl;
	size_t len = 0;
	int got = 0;

	/* No echo: the output shows only what the program prints (on a pipe there is no terminal). */
	if (tcgetattr(0, &t) == 0) {
		t.c_lflag &= ~ECHO;
		tcsetattr(0, TCSANOW, &t);
	}
	/* The test runner sends the input when it sees this line: it arrives while we wait. */
	printf("console_input: waiting for input\n");
	fflush(stdout);
	/* A pipe gives what has arrived, possibly several lines at once: split them here. */
	while (got < 3) {
		struct pollfd p = { .fd = 0, .events = POLLIN };
		ssize_t n;

		/* Wait without a timeout: only the input's interrupt can end it. */
		CHECK(poll(&p, 1, -1) == 1 && (p.revents & POLLIN), "poll: %s, revents %#x\n",
		      strerror(errno), p.revents);
		n = read(0, buf + len, sizeof(buf) - 1 - len);
		CHECK(n > 0, "read: %zd (%s)\n", n, strerror(errno));
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = 0;
		while (got < 3 && (nl = strchr(buf, '\n'))) {
			*nl = 0;
			got++;
			printf("console_input: line %d %s\n", got, buf);
			CHECK(!strcmp(buf, want[got - 1]), "line %d: \"%s\", wanted \"%s\"\n", got, buf,
			      want[got - 1]);
			len -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, len + 1);
		}
	}
	return check_finish("console_input");
}
