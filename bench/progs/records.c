/* SPDX-License-Identifier: MIT */
/* records.c: appends numbered 512-byte records to a file, fsync after each, and prints each number once fsync returned (bench/crash-trial.sh). */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define REC 512

/* Record i: "REC %08d\n", then bytes derived from i, then a 32-bit sum of the rest. */
static void make_record(unsigned char *r, unsigned i)
{
	uint32_t sum = 0;
	char head[32];

	memset(r, 0, REC);
	snprintf(head, sizeof(head), "REC %08u\n", i % 100000000u);
	memcpy(r, head, 13);
	for (int k = 13; k < REC - 4; k++)
		r[k] = (unsigned char)(i * 131 + k * 7);
	for (int k = 0; k < REC - 4; k++)
		sum = sum * 31 + r[k];
	memcpy(r + REC - 4, &sum, 4);
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "/data/records";
	unsigned max = argc > 2 ? (unsigned)atoi(argv[2]) : 100000;
	unsigned char r[REC];
	int fd = open(path, O_CREAT | O_WRONLY | O_APPEND, 0644);

	if (fd < 0) {
		perror(path);
		return 1;
	}
	for (unsigned i = 0; i < max; i++) {
		make_record(r, i);
		if (write(fd, r, REC) != REC || fsync(fd) != 0) {
			perror("write/fsync");
			return 1;
		}
		printf("rec %u\n", i);
		fflush(stdout);
	}
	return 0;
}
