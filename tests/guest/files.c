/* SPDX-License-Identifier: MIT */
/* files.c: reads the tree given with --files (tests/guest/files) from the initrd: contents, stat, directory listings, paths. */
// husk-test: files=tests/guest/files status=0 expect="SUCCESS" backends=qemu,xen
// husk-test: name=symlink args="symlink" files=tests/guest/files status=0 expect="SUCCESS"
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "check.h"

#define HELLO_TEXT "husk initrd fixture: line one\nline two\n"
#define NESTED_TEXT "nested file\n"

static void check_content(const char *path, const char *want)
{
	char buf[256];
	size_t len = strlen(want), got = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY);

	CHECK(fd >= 0, "open(%s) failed: %s", path, strerror(errno));
	if (fd < 0)
		return;
	/* Small reads, so the file offset has to advance correctly. */
	while (got < sizeof(buf) && (n = read(fd, buf + got, 5)) > 0)
		got += n;
	CHECK(got == len && memcmp(buf, want, len) == 0,
	      "%s holds %zu bytes \"%.*s\", wanted %zu bytes \"%s\"", path, got, (int)got, buf, len, want);
	n = pread(fd, buf, 4, 5);
	CHECK(n == 4 && memcmp(buf, want + 5, 4) == 0, "pread(%s, 4, 5) gave %zd bytes \"%.*s\"",
	      path, n, n > 0 ? (int)n : 0, buf);
	CHECK(read(fd, buf, 1) == 0, "read at end of %s did not return 0", path);
	close(fd);
}

static void check_stat(void)
{
	struct stat st;

	CHECK(stat("/hello.txt", &st) == 0, "stat(/hello.txt) failed: %s", strerror(errno));
	CHECK(S_ISREG(st.st_mode), "/hello.txt mode %o is not a regular file", st.st_mode);
	CHECK(st.st_size == (off_t)strlen(HELLO_TEXT), "/hello.txt size %lld, wanted %zu",
	      (long long)st.st_size, strlen(HELLO_TEXT));
	CHECK((st.st_mode & 0444) == 0444 && (st.st_mode & 0022) == 0,
	      "/hello.txt permissions %o, wanted readable by all and writable by owner only",
	      st.st_mode & 07777);
	CHECK(stat("/sub", &st) == 0 && S_ISDIR(st.st_mode), "/sub is not a directory (mode %o)",
	      st.st_mode);
	CHECK(stat("/sub/deeper/leaf.txt", &st) == 0 && st.st_size == 5,
	      "/sub/deeper/leaf.txt: size %lld, wanted 5", (long long)st.st_size);
	CHECK(stat("/nonexistent", &st) == -1 && errno == ENOENT,
	      "stat(/nonexistent) did not fail with ENOENT (errno %d)", errno);
	CHECK(open("/hello.txt/x", O_RDONLY) == -1 && errno == ENOTDIR,
	      "open(/hello.txt/x) did not fail with ENOTDIR (errno %d)", errno);
	CHECK(open("/hello.txt", O_RDONLY | O_DIRECTORY) == -1 && errno == ENOTDIR,
	      "open(/hello.txt, O_DIRECTORY) did not fail with ENOTDIR (errno %d)", errno);
}

/* Lists path with raw getdents64; "want" entries must all appear, with their d_type. */
struct entry {
	const char *name;
	unsigned char type;
	int seen;
};

static void check_listing(const char *path, struct entry *want, int nwant, int exact)
{
	char buf[4096];
	long n;
	int fd = open(path, O_RDONLY | O_DIRECTORY);

	CHECK(fd >= 0, "open(%s, O_DIRECTORY) failed: %s", path, strerror(errno));
	if (fd < 0)
		return;
	while ((n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < n;) {
			struct dirent64 *d = (struct dirent64 *)(buf + off);
			int known = 0;

			for (int i = 0; i < nwant; i++) {
				if (strcmp(d->d_name, want[i].name) != 0)
					continue;
				known = 1;
				want[i].seen++;
				CHECK(d->d_type == want[i].type, "%s/%s has d_type %d, wanted %d",
				      path, d->d_name, d->d_type, want[i].type);
			}
			if (exact && !known)
				CHECK(strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0,
				      "unexpected entry \"%s\" in %s", d->d_name, path);
			CHECK(d->d_reclen > 0 && off + d->d_reclen <= n, "bad d_reclen %u", d->d_reclen);
			if (d->d_reclen == 0)
				break;
			off += d->d_reclen;
		}
	}
	CHECK(n == 0, "getdents64(%s) failed: %s", path, strerror(errno));
	for (int i = 0; i < nwant; i++)
		CHECK(want[i].seen == 1, "%s/%s listed %d times, wanted once", path, want[i].name,
		      want[i].seen);
	close(fd);
}

static void check_readdir(void)
{
	struct entry root[] = { { "hello.txt", DT_REG, 0 }, { "sub", DT_DIR, 0 },
				{ "bin", DT_DIR, 0 } };
	struct entry sub[] = { { "nested.txt", DT_REG, 0 }, { "deeper", DT_DIR, 0 } };
	DIR *d;
	struct dirent *de;
	int leaf = 0;

	check_listing("/", root, 3, 0);
	check_listing("/sub", sub, 2, 1);
	/* And once through libc's readdir. */
	d = opendir("/sub/deeper");
	CHECK(d != NULL, "opendir(/sub/deeper) failed: %s", strerror(errno));
	while (d && (de = readdir(d)))
		leaf += strcmp(de->d_name, "leaf.txt") == 0;
	if (d)
		closedir(d);
	CHECK(leaf == 1, "readdir(/sub/deeper) showed leaf.txt %d times, wanted once", leaf);
}

static void check_paths(void)
{
	char buf[PATH_MAX];
	ssize_t n;
	int dfd;

	n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	if (n >= 0)
		buf[n] = 0;
	if (!check_native())
		CHECK(n >= 0 && strcmp(buf, "/bin/files") == 0,
		      "readlink(/proc/self/exe) gave \"%s\" (%zd), wanted \"/bin/files\"",
		      n >= 0 ? buf : strerror(errno), n);
	CHECK(getcwd(buf, sizeof(buf)) && strcmp(buf, "/") == 0, "getcwd is \"%s\", wanted \"/\"",
	      buf);
	CHECK(chdir("/sub") == 0, "chdir(/sub) failed: %s", strerror(errno));
	CHECK(getcwd(buf, sizeof(buf)) && strcmp(buf, "/sub") == 0,
	      "getcwd after chdir is \"%s\", wanted \"/sub\"", buf);
	check_content("nested.txt", NESTED_TEXT);
	check_content("../hello.txt", HELLO_TEXT);
	check_content("./deeper/../nested.txt", NESTED_TEXT);
	CHECK(chdir("/") == 0, "chdir(/) failed: %s", strerror(errno));
	dfd = open("/sub", O_RDONLY | O_DIRECTORY);
	CHECK(dfd >= 0, "open(/sub) failed: %s", strerror(errno));
	n = openat(dfd, "deeper/leaf.txt", O_RDONLY);
	CHECK(n >= 0 && read(n, buf, 16) == 5 && memcmp(buf, "leaf\n", 5) == 0,
	      "openat(/sub, deeper/leaf.txt) did not read \"leaf\\n\"");
	close(n);
	close(dfd);
}

static void check_symlink(void)
{
	char buf[64];
	ssize_t n = readlink("/link", buf, sizeof(buf) - 1);
	struct stat st;

	if (n >= 0)
		buf[n] = 0;
	CHECK(n == 9 && strcmp(buf, "hello.txt") == 0, "readlink(/link) gave \"%s\", wanted \"hello.txt\"",
	      n >= 0 ? buf : strerror(errno));
	CHECK(lstat("/link", &st) == 0 && S_ISLNK(st.st_mode), "lstat(/link) is not a symlink");
	check_content("/link", HELLO_TEXT);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "symlink") == 0) {
		check_symlink();
		return check_finish("files symlink");
	}
	check_content("/hello.txt", HELLO_TEXT);
	check_content("/sub/nested.txt", NESTED_TEXT);
	check_stat();
	check_readdir();
	check_paths();
	return check_finish("files");
}
