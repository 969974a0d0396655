/* SPDX-License-Identifier: MIT */
/* diskio.c: disk benchmark for bench/disk.sh: sequential and random 4 KiB reads and writes, fsync latency, in one directory; also a Linux guest's /init that loads the block and ext4 modules first. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/*
 * The directory must hold seq (SEQ_MB MiB) and rnd (RND_MB MiB) made on the
 * host, so reads start cold in a VM (a fresh boot has nothing cached).
 * Results are lines "diskio: NAME VALUE UNIT".
 */
#define SEQ_MB 32
#define RND_MB 32
#define CHUNK (1 << 20)
#define OPS 2000
#define FSYNCS 200

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static uint64_t rng = 88172645463325252ULL;
static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void bench(const char *dir)
{
	static char buf[CHUNK];
	char path[256];
	double t;
	int fd;

	memset(buf, 0x5a, sizeof(buf));
	/* Sequential read of a file nobody touched since boot. */
	snprintf(path, sizeof(path), "%s/seq", dir);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		die(path);
	t = now();
	for (int i = 0; i < SEQ_MB; i++)
		if (read(fd, buf, CHUNK) != CHUNK)
			die("seq read");
	printf("diskio: seq-read %.1f MB/s\n", SEQ_MB / (now() - t));
	close(fd);

	/* Random 4 KiB reads of another cold file. */
	snprintf(path, sizeof(path), "%s/rnd", dir);
	fd = open(path, O_RDWR);
	if (fd < 0)
		die(path);
	t = now();
	for (int i = 0; i < OPS; i++)
		if (pread(fd, buf, 4096, (next() % (RND_MB * 256)) * 4096) != 4096)
			die("rand read");
	printf("diskio: rand-read-4k %.0f ops/s\n", OPS / (now() - t));

	/* Random 4 KiB writes, then one fsync: all on the device. */
	t = now();
	for (int i = 0; i < OPS; i++)
		if (pwrite(fd, buf, 4096, (next() % (RND_MB * 256)) * 4096) != 4096)
			die("rand write");
	if (fsync(fd))
		die("fsync");
	printf("diskio: rand-write-4k %.0f ops/s\n", OPS / (now() - t));
	close(fd);

	/* Sequential write of a new file, fsync included. */
	snprintf(path, sizeof(path), "%s/out", dir);
	fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	if (fd < 0)
		die(path);
	t = now();
	for (int i = 0; i < SEQ_MB; i++)
		if (write(fd, buf, CHUNK) != CHUNK)
			die("seq write");
	if (fsync(fd))
		die("fsync");
	printf("diskio: seq-write %.1f MB/s\n", SEQ_MB / (now() - t));

	/* fsync latency: append 4 KiB, fsync, many times. */
	t = now();
	for (int i = 0; i < FSYNCS; i++)
		if (write(fd, buf, 4096) != 4096 || fsync(fd))
			die("write+fsync");
	printf("diskio: fsync-4k %.0f us\n", (now() - t) / FSYNCS * 1e6);
	close(fd);
	unlink(path);
}

/* As a Linux guest's /init: modules from /modules (in the order of /modules/order), devtmpfs, the volume. */
static void linux_init(void)
{
	char line[256];
	FILE *order = fopen("/modules/order", "r");

	if (!order)
		die("/modules/order");
	while (fgets(line, sizeof(line), order)) {
		char path[300];
		int fd;

		line[strcspn(line, "\n")] = '\0';
		snprintf(path, sizeof(path), "/modules/%s", line);
		fd = open(path, O_RDONLY);
		if (fd < 0 || syscall(SYS_finit_module, fd, "", 0) != 0)
			die(path);
		close(fd);
	}
	fclose(order);
	mkdir("/dev", 0755);
	mkdir("/mnt", 0755);
	if (mount("devtmpfs", "/dev", "devtmpfs", 0, NULL))
		die("devtmpfs");
	for (int i = 0; i < 100 && access("/dev/vda", F_OK); i++)
		usleep(20000);
	if (mount("/dev/vda", "/mnt", "ext4", 0, NULL))
		die("mount /dev/vda");
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "/mnt";
	int as_linux_init = getpid() == 1 && access("/modules/order", F_OK) == 0;

	if (as_linux_init) {
		linux_init();
		dir = "/mnt";
	}
	bench(dir);
	fflush(stdout);
	if (as_linux_init) {
		sync();
		reboot(RB_POWER_OFF);
	}
	return 0;
}
