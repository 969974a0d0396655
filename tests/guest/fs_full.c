/* SPDX-License-Identifier: MIT */
/* fs_full.c: filling the in-memory file system gives ENOSPC, loses nothing already written, and frees space on unlink. */
// husk-test: mem=64M status=0 expect="SUCCESS"
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "check.h"

int main(void)
{
	static char buf[65536];
	struct statfs before, full;
	long total = 0;
	ssize_t n;

	memset(buf, 'x', sizeof(buf));
	CHECK(statfs("/tmp", &before) == 0 && before.f_bavail > 0, "statfs: %s", strerror(errno));
	int fd = open("/tmp/big", O_WRONLY | O_CREAT, 0644);
	CHECK(fd >= 0, "open: %s", strerror(errno));
	while ((n = write(fd, buf, sizeof(buf))) > 0)
		total += n;
	CHECK(n < 0 && errno == ENOSPC, "the write that filled the disk returned %zd (%s), not ENOSPC", n,
	      n < 0 ? strerror(errno) : "no error");
	CHECK(total > (16 << 20), "only %ld bytes fit", total);
	CHECK(statfs("/tmp", &full) == 0 && full.f_bavail < before.f_bavail, "statfs did not shrink");
	close(fd);

	/* What was written is all there. */
	fd = open("/tmp/big", O_RDONLY);
	struct stat st;
	CHECK(fstat(fd, &st) == 0 && st.st_size == total, "size %lld, wrote %ld", (long long)st.st_size, total);
	CHECK(pread(fd, buf, 10, total - 10) == 10 && buf[9] == 'x', "last bytes");
	close(fd);

	/* Unlinking gives the space back. */
	CHECK(unlink("/tmp/big") == 0, "unlink");
	fd = open("/tmp/small", O_WRONLY | O_CREAT, 0644);
	CHECK(write(fd, buf, sizeof(buf)) == (ssize_t)sizeof(buf), "no space after unlink: %s", strerror(errno));
	close(fd);
	return check_finish("fs_full");
}
