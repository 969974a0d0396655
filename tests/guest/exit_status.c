/* SPDX-License-Identifier: MIT */
/* exit_status.c: exits with the status given as argv[1] (from main, or from a second thread with "thread"). */
// husk-test: name=0 args="0" status=0 expect="exit_status: exiting with 0" backends=qemu,vmm
// husk-test: name=1 args="1" status=1 expect="exit_status: exiting with 1" backends=qemu,vmm
// husk-test: name=42 args="42" status=42 expect="exit_status: exiting with 42" backends=qemu,xen
// husk-test: name=127 args="127" status=127 expect="exit_status: exiting with 127"
// husk-test: name=128 args="128" status=128 expect="exit_status: exiting with 128"
// husk-test: name=200 args="200" status=200 expect="exit_status: exiting with 200"
// husk-test: name=255 args="255" status=255 expect="exit_status: exiting with 255" backends=qemu,vmm
// husk-test: name=thread args="77 thread" status=77 expect="exit_status: exiting with 77 from a thread" backends=qemu,xen
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int status;

static void *exit_from_thread(void *arg)
{
	(void)arg;
	printf("exit_status: exiting with %d from a thread\n", status);
	fflush(stdout);
	exit(status);	/* exit_group: must end the whole program, main included */
}

int main(int argc, char **argv)
{
	pthread_t t;

	if (argc < 2) {
		printf("usage: exit_status N [thread]\n");
		return 2;
	}
	status = atoi(argv[1]);
	if (argc > 2 && strcmp(argv[2], "thread") == 0) {
		if (pthread_create(&t, NULL, exit_from_thread, NULL) != 0) {
			printf("exit_status: pthread_create failed\n");
			return 3;
		}
		for (;;)
			pause();	/* main blocks; only the thread's exit may end us */
	}
	printf("exit_status: exiting with %d\n", status);
	fflush(stdout);
	exit(status);
}
