/* SPDX-License-Identifier: MIT */
/* procfs.c: /proc/self/{maps,stat,status,auxv}, /proc/{cpuinfo,meminfo,uptime,stat}, /sys CPU files and sysconf. */
// husk-test: status=0 expect="SUCCESS" backends=qemu,vmm,xen
#define _GNU_SOURCE
#include <elf.h>
#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>

#include "check.h"

static char buf[1 << 16];

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

int main(void)
{
	char exe[256], *line;
	long n, v;
	int found_stack = 0, found_exe = 0, stack_local;
	uintptr_t sp = (uintptr_t)&stack_local;

	setvbuf(stdout, NULL, _IONBF, 0);

	/* maps: the stack line covers a local variable; the executable is named. */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	CHECK(n > 0, "readlink exe: %s", strerror(errno));
	exe[n > 0 ? n : 0] = 0;
	{
		char root[8];
		ssize_t r = readlink("/proc/self/root", root, sizeof(root));
		CHECK(r == 1 && root[0] == '/', "readlink /proc/self/root gave %zd", r);
	}
	CHECK(slurp("/proc/self/maps") > 0, "read maps: %s", strerror(errno));
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		unsigned long lo, hi;
		char perms[5];

		if (sscanf(line, "%lx-%lx %4s", &lo, &hi, perms) != 3) {
			CHECK(0, "bad maps line '%s'", line);
			continue;
		}
		if (strstr(line, "[stack]") && lo <= sp && sp < hi)
			found_stack = 1;
		if (n > 0 && strstr(line, exe) && perms[2] == 'x')
			found_exe = 1;
	}
	CHECK(found_stack, "no [stack] line covering %#lx", (unsigned long)sp);
	CHECK(found_exe, "no executable mapping of %s", exe);

	/* stat: pid (comm) state ...; 20th field is the thread count. */
	CHECK(slurp("/proc/self/stat") > 0, "read stat");
	CHECK(sscanf(buf, "%ld", &v) == 1 && v == getpid(), "stat pid %ld vs %d", v, getpid());
	{
		char *p = strrchr(buf, ')');
		int field = 2;
		long threads = -1;

		for (; p && *p; p++)
			if (*p == ' ' && ++field == 20)
				threads = strtol(p + 1, NULL, 10);
		CHECK(threads == 1, "num_threads %ld", threads);
		CHECK(field >= 52, "stat has %d fields", field);
	}

	CHECK(slurp("/proc/self/status") > 0 && strstr(buf, "\nThreads:\t1\n"), "status Threads");
	CHECK(strstr(buf, "\nSigBlk:\t") && strstr(buf, "\nVmRSS:"), "status SigBlk/VmRSS");

	CHECK(slurp("/proc/cpuinfo") > 0 && strstr(buf, "processor\t: 0"), "cpuinfo processor");
	CHECK(strstr(buf, "flags\t\t:") != NULL, "cpuinfo flags");

	CHECK(slurp("/proc/meminfo") > 0, "meminfo");
	CHECK(sscanf(buf, "MemTotal: %ld kB", &v) == 1 && v > 0, "MemTotal %ld", v);

	{
		double up = -1, idle = -1;

		CHECK(slurp("/proc/uptime") > 0 && sscanf(buf, "%lf %lf", &up, &idle) == 2 && up >= 0 && idle >= 0,
		      "uptime '%s'", buf);
	}
	CHECK(slurp("/proc/stat") > 0 && strncmp(buf, "cpu ", 4) == 0 && strstr(buf, "btime "), "stat");
	CHECK(slurp("/proc/sys/kernel/ostype") == 6 && strcmp(buf, "Linux\n") == 0, "ostype '%s'", buf);

	CHECK(slurp("/sys/devices/system/cpu/online") == 2 && strcmp(buf, "0\n") == 0, "cpu online '%s'", buf);
	CHECK(sysconf(_SC_NPROCESSORS_ONLN) == 1, "sysconf NPROCESSORS_ONLN %ld", sysconf(_SC_NPROCESSORS_ONLN));

	/* auxv: pairs of 64-bit words ending in AT_NULL, with AT_PAGESZ 4096. */
	n = slurp("/proc/self/auxv");
	CHECK(n > 0 && n % 16 == 0, "auxv length %ld", n);
	{
		const uint64_t *a = (const uint64_t *)buf;
		long pagesz = -1;

		for (long i = 0; i + 1 < n / 8 && a[i] != AT_NULL; i += 2)
			if (a[i] == AT_PAGESZ)
				pagesz = (long)a[i + 1];
		CHECK(pagesz == 4096, "AT_PAGESZ %ld", pagesz);
		CHECK(n >= 16 && a[n / 8 - 2] == AT_NULL, "auxv ends with AT_NULL");
	}
	return check_finish("procfs");
}
