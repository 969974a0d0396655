/* SPDX-License-Identifier: MIT */
/* test_cli_cpio.c: host tests of the CLI's cpio newc writer and reader, initrd layout, and command-line quoting. */

#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../cli/cpio.c"
#include "../../cli/strvec.c"
#include "../../cli/cmdline.c"
#include "../../cli/initrd.c"

static int failures;

#define CHECK(cond)                                                              \
	do {                                                                     \
		if (!(cond)) {                                                   \
			printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);   \
			failures++;                                              \
		}                                                                \
	} while (0)

/* initrd.c reports host-file problems through this; the tests only count them. */
static int reported;
void husk_err(const char *fmt, ...)
{
	(void)fmt;
	reported++;
}

/* Reads back everything written to fd. */
static char *slurp(int fd, size_t *len)
{
	off_t size = lseek(fd, 0, SEEK_END);
	char *buf = malloc((size_t)size + 1);

	lseek(fd, 0, SEEK_SET);
	if (!buf || read(fd, buf, (size_t)size) != size) {
		free(buf);
		return NULL;
	}
	*len = (size_t)size;
	return buf;
}

static uint32_t field(const char *hdr, int index)
{
	char tmp[9];

	memcpy(tmp, hdr + 6 + 8 * index, 8);
	tmp[8] = '\0';
	return (uint32_t)strtoul(tmp, NULL, 16);
}

enum { F_INO, F_MODE, F_UID, F_GID, F_NLINK, F_MTIME, F_FILESIZE, F_DEVMAJ, F_DEVMIN,
       F_RDEVMAJ, F_RDEVMIN, F_NAMESIZE, F_CHECK };

struct walked {
	char name[64];
	uint32_t mode;
	uint32_t size;
	const char *data;
};

/* Walks an archive independently of cpio_find(), checking the layout rules on the way. */
static int walk(const char *buf, size_t len, struct walked *out, int max)
{
	size_t off = 0;
	int n = 0;

	while (n < max) {
		const char *h = buf + off;
		uint32_t namesize, filesize;

		if (off + CPIO_HDR_LEN > len || memcmp(h, "070701", 6) != 0)
			return -1;
		CHECK(off % 4 == 0);
		namesize = field(h, F_NAMESIZE);
		filesize = field(h, F_FILESIZE);
		CHECK(field(h, F_CHECK) == 0 && field(h, F_UID) == 0 && field(h, F_GID) == 0);
		CHECK(h[CPIO_HDR_LEN + namesize - 1] == '\0');
		snprintf(out[n].name, sizeof(out[n].name), "%s", h + CPIO_HDR_LEN);
		out[n].mode = field(h, F_MODE);
		out[n].size = filesize;
		off = (off + CPIO_HDR_LEN + namesize + 3) & ~(size_t)3;
		out[n].data = buf + off;
		off = (off + filesize + 3) & ~(size_t)3;
		n++;
		if (strcmp(out[n - 1].name, "TRAILER!!!") == 0) {
			CHECK(off == len);
			return n;
		}
	}
	return -1;
}

static void test_writer(void)
{
	struct cpio_writer w;
	struct walked e[8];
	const void *data;
	size_t len, size;
	char *buf;
	int fd, n;
	FILE *f = tmpfile();

	fd = fileno(f);
	cpio_writer_init(&w, fd);
	CHECK(cpio_add_dir(&w, ".", 0755, 0) == 0);
	CHECK(cpio_add_data(&w, "hello", 0644, 1234, "hi!\n\0x", 6) == 0);
	CHECK(cpio_add_symlink(&w, "link", "hello", 0) == 0);
	CHECK(cpio_add_data(&w, "empty", 0600, 0, "", 0) == 0);
	CHECK(cpio_finish(&w) == 0);
	buf = slurp(fd, &len);
	CHECK(buf != NULL);
	if (!buf)
		return;
	CHECK(len % 4 == 0);
	/* The first header, byte for byte: ino 1, a 0755 directory, nlink 2, name "." (2 bytes). */
	CHECK(memcmp(buf, "070701" "00000001" "000041ED" "00000000" "00000000" "00000002"
			  "00000000" "00000000" "00000000" "00000000" "00000000" "00000000"
			  "00000002" "00000000" ".\0", CPIO_HDR_LEN + 2) == 0);
	n = walk(buf, len, e, 8);
	CHECK(n == 5);
	if (n == 5) {
		CHECK(strcmp(e[0].name, ".") == 0 && e[0].mode == (S_IFDIR | 0755));
		CHECK(strcmp(e[1].name, "hello") == 0 && e[1].mode == (S_IFREG | 0644));
		CHECK(e[1].size == 6 && memcmp(e[1].data, "hi!\n\0x", 6) == 0);
		CHECK(strcmp(e[2].name, "link") == 0 && e[2].mode == (S_IFLNK | 0777));
		CHECK(e[2].size == 5 && memcmp(e[2].data, "hello", 5) == 0);
		CHECK(strcmp(e[3].name, "empty") == 0 && e[3].size == 0);
		CHECK(strcmp(e[4].name, "TRAILER!!!") == 0 && e[4].mode == 0 && e[4].size == 0);
	}
	CHECK(cpio_find(buf, len, "hello", &data, &size) == 0 && size == 6 &&
	      memcmp(data, "hi!\n\0x", 6) == 0);
	CHECK(cpio_find(buf, len, "empty", &data, &size) == 0 && size == 0);
	/* A symlink is not a regular file, and a missing name is reported as such. */
	CHECK(cpio_find(buf, len, "link", &data, &size) == -ENOENT);
	CHECK(cpio_find(buf, len, "nothere", &data, &size) == -ENOENT);
	/* The whole archive checks; every truncation fails, at the member it cuts. */
	size_t bad = 99;
	const char *trailer = memmem(buf, len, "TRAILER!!!", 10);
	size_t trailer_off = trailer ? (size_t)(trailer - buf) - CPIO_HDR_LEN : 0;
	CHECK(trailer != NULL);
	CHECK(cpio_check(buf, len, &bad) == 0);
	for (size_t cut = 0; cut < len; cut++) {
		CHECK(cpio_check(buf, cut, &bad) == -EINVAL);
		/* Never past the end (found by tests/fuzz/fuzz_cli_cpio.c: 2 bytes past it). */
		CHECK(bad <= cut && (cut < trailer_off || bad == trailer_off));
	}
	/* Truncations and corruptions are malformed, never a crash or an overread. */
	for (size_t cut = 0; cut < 200 && cut < len; cut += 7)
		CHECK(cpio_find(buf, cut, "nothere", &data, &size) == -EINVAL);
	buf[CPIO_HDR_LEN + 4 + 6 + 8 * F_FILESIZE] = 'Z';
	CHECK(cpio_find(buf, len, "empty", &data, &size) == -EINVAL);
	CHECK(cpio_check(buf, len, &bad) == -EINVAL && bad <= CPIO_HDR_LEN + 4 + 6 + 8 * F_FILESIZE);
	free(buf);
	fclose(f);
}

static void test_initrd_layout(void)
{
	static const char *const order[] = {
		".", ".husk", ".husk/cmdline", "a", "a/b", "a-b", "bin", "bin/prog", "dev",
		"etc", "etc/hosts", "proc", "tmp", "TRAILER!!!",
	};
	const size_t nr = sizeof(order) / sizeof(order[0]);
	struct walked e[32];
	struct initrd rd;
	const void *data;
	size_t len, size;
	char *buf;
	int n;
	FILE *f = tmpfile();

	CHECK(initrd_init(&rd) == 0);
	/* Added out of order, with overrides: the higher layer wins whatever the order. */
	CHECK(initrd_add_data(&rd, INITRD_LAYER_PROGRAM, "/bin/prog", "ELF", 3, 0755) == 0);
	CHECK(initrd_add_data(&rd, INITRD_LAYER_FILES, "/bin/prog", "old", 3, 0644) == 0);
	CHECK(initrd_add_data(&rd, INITRD_LAYER_FILES, "/etc/hosts", "a", 1, 0600) == 0);
	CHECK(initrd_add_data(&rd, INITRD_LAYER_FILES, "/etc/hosts", "b", 1, 0640) == 0);
	CHECK(initrd_add_dir(&rd, INITRD_LAYER_FILES, "/a-b/", 0700) == 0);
	CHECK(initrd_add_dir(&rd, INITRD_LAYER_FILES, "/a/b", 0755) == 0);
	CHECK(initrd_add_dir(&rd, INITRD_LAYER_FILES, "/a", 0755) == 0);
	CHECK(initrd_add_dir(&rd, INITRD_LAYER_FILES, "/tmp", 0755) == 0);
	CHECK(initrd_add_dir(&rd, INITRD_LAYER_HUSK, "/.husk", 0755) == 0);
	CHECK(initrd_add_data(&rd, INITRD_LAYER_HUSK, "/.husk/cmdline", "-- /bin/prog", 12, 0644) == 0);
	CHECK(initrd_write(&rd, fileno(f)) == 0);
	initrd_free(&rd);

	buf = slurp(fileno(f), &len);
	CHECK(buf != NULL);
	if (!buf)
		return;
	n = walk(buf, len, e, 32);
	CHECK(n == (int)nr);
	for (int i = 0; i < n && i < (int)nr; i++) {
		if (strcmp(e[i].name, order[i]) != 0) {
			printf("FAIL entry %d is %s, expected %s\n", i, e[i].name, order[i]);
			failures++;
		}
	}
	if (n == (int)nr) {
		CHECK(e[7].mode == (S_IFREG | 0755) && memcmp(e[7].data, "ELF", 3) == 0);
		CHECK(e[10].mode == (S_IFREG | 0640) && memcmp(e[10].data, "b", 1) == 0);
		/* --files may change /tmp's mode: its layer is above the skeleton. */
		CHECK(e[12].mode == (S_IFDIR | 0755));
		CHECK(e[11].mode == (S_IFDIR | 0555));
	}
	CHECK(cpio_find(buf, len, HUSK_IMAGE_CMDLINE_PATH, &data, &size) == 0 && size == 12);
	free(buf);
	fclose(f);

	/* The bare skeleton: /tmp is sticky and world-writable. */
	f = tmpfile();
	CHECK(initrd_init(&rd) == 0);
	CHECK(initrd_write(&rd, fileno(f)) == 0);
	initrd_free(&rd);
	buf = slurp(fileno(f), &len);
	n = buf ? walk(buf, len, e, 32) : -1;
	CHECK(n == 7);
	if (n == 7)
		CHECK(strcmp(e[5].name, "tmp") == 0 && e[5].mode == (S_IFDIR | 01777));
	free(buf);
	fclose(f);

	/* A file whose parent is a file is refused. */
	f = tmpfile();
	CHECK(initrd_init(&rd) == 0);
	CHECK(initrd_add_data(&rd, INITRD_LAYER_FILES, "/etc/x", "", 0, 0644) == 0);
	CHECK(initrd_add_data(&rd, INITRD_LAYER_FILES, "/etc/x/y", "", 0, 0644) == 0);
	CHECK(initrd_write(&rd, fileno(f)) == -ENOTDIR);
	initrd_free(&rd);
	fclose(f);
}

static void test_quoting(void)
{
	static const char *const tricky[] = {
		"/bin/prog", "", "plain", "two words", " lead", "trail ", "q\"uote", "\"",
		"back\\slash", "\\", "\\\"", "end\\", "tab\there", "new\nline", "--", "quiet",
		"env=X=1", "a\"b c\\d\"", "ünïcode",
	};
	const size_t nr = sizeof(tricky) / sizeof(tricky[0]);
	struct vm_args in = { 0 }, out = { 0 };
	struct strvec tokens = { 0 };
	char buf[64];
	size_t len = 0;
	char *line = NULL;

	CHECK(cmdline_append_token(buf, sizeof(buf), &len, "a b") == 0);
	CHECK(cmdline_append_token(buf, sizeof(buf), &len, "") == 0);
	CHECK(cmdline_append_token(buf, sizeof(buf), &len, "x\"\\") == 0);
	CHECK(cmdline_append_token(buf, sizeof(buf), &len, "plain") == 0);
	CHECK(strcmp(buf, "\"a b\" \"\" \"x\\\"\\\\\" plain") == 0);
	len = 0;
	CHECK(cmdline_append_token(buf, 8, &len, "0123456789") == -E2BIG);

	in.quiet = 1;
	CHECK(strvec_push(&in.options, "env=A=b c") == 0);
	CHECK(strvec_push(&in.options, "env=B=") == 0);
	for (size_t i = 0; i < nr; i++)
		CHECK(strvec_push(&in.argv, tricky[i]) == 0);
	CHECK(cmdline_format(&in, &line) == 0);
	CHECK(line && strncmp(line, "quiet \"env=A=b c\" env=B= -- /bin/prog \"\" plain", 46) == 0);
	CHECK(line && cmdline_parse(line, &out) == 0);
	CHECK(out.quiet == 1);
	CHECK(out.options.n == 2 && out.argv.n == nr);
	if (out.options.n == 2)
		CHECK(strcmp(out.options.v[0], "env=A=b c") == 0 && strcmp(out.options.v[1], "env=B=") == 0);
	for (size_t i = 0; i < nr && i < out.argv.n; i++) {
		if (strcmp(out.argv.v[i], tricky[i]) != 0) {
			printf("FAIL round trip of argv[%zu] \"%s\" gave \"%s\"\n", i, tricky[i],
			       out.argv.v[i]);
			failures++;
		}
	}
	free(line);
	vm_args_free(&in);
	vm_args_free(&out);

	/* Quotes may cover part of a token; an unterminated quote is an error. */
	CHECK(cmdline_split("  a\"b c\"d  \"\" e ", &tokens) == 0);
	CHECK(tokens.n == 3 && strcmp(tokens.v[0], "ab cd") == 0 && strcmp(tokens.v[1], "") == 0 &&
	      strcmp(tokens.v[2], "e") == 0);
	strvec_free(&tokens);
	CHECK(cmdline_split("a \"b", &tokens) == -EINVAL);
	strvec_free(&tokens);
	/* A command line without a program is refused. */
	CHECK(cmdline_parse("quiet env=A=1", &out) == -EINVAL);
	vm_args_free(&out);
	CHECK(cmdline_parse("quiet --", &out) == -EINVAL);
	vm_args_free(&out);
}

int main(void)
{
	test_writer();
	test_initrd_layout();
	test_quoting();
	if (failures)
		printf("test_cli_cpio: %d check(s) failed\n", failures);
	return failures ? 1 : 0;
}
