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
	char line[64];

	/* No echo: the output shows only what the program prints. */
	if (tcgetattr(0, &t) == 0) {
		t.c_lflag &= ~ECHO;
		tcsetattr(0, TCSANOW, &t);
	}
	/* The test runner sends the input when it sees this line: it arrives while we wait. */
	printf("console_input: waiting for input\n");
	fflush(stdout);
	for (int i = 0; i < 3; i++) {
		struct pollfd p = { .fd = 0, .events = POLLIN };
		ssize_t n;

		/* Wait without a timeout: only the input's interrupt can end it. */
		CHECK(poll(&p, 1, -1) == 1 && (p.revents & POLLIN), "poll: %s, revents %#x\n",
		      strerror(errno), p.revents);
		n = read(0, line, sizeof(line) - 1);
		CHECK(n > 0, "read: %zd (%s)\n", n, strerror(errno));
		if (n <= 0)
			break;
		line[n] = 0;
		if (line[n - 1] == '\n')
			line[n - 1] = 0;
		printf("console_input: line %d %s\n", i + 1, line);
		CHECK(!strcmp(line, want[i]), "line %d: \"%s\", wanted \"%s\"\n", i + 1, line, want[i]);
	}
	return check_finish("console_input");
}
