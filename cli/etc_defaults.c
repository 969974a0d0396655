/* SPDX-License-Identifier: MIT */
/* etc_defaults.c: the small /etc every guest starts with (users, name service, hosts, time zone), below --files. */

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "image.h"

#define HOST_UTC "/usr/share/zoneinfo/UTC"

/*
 * What glibc and musl read on their own: getpwnam() and friends read
 * passwd and group through nsswitch.conf; the resolver reads hosts and
 * resolv.conf; localtime() reads localtime.  There is no network yet, so
 * resolv.conf names no server.
 */
static const struct {
	const char *path;
	const char *text;
} etc_files[] = {
	{ "/etc/passwd",
	  "root:x:0:0:root:/root:/bin/sh\n"
	  "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n" },
	{ "/etc/group", "root:x:0:\nnogroup:x:65534:\n" },
	{ "/etc/nsswitch.conf", "passwd: files\ngroup: files\nshadow: files\nhosts: files dns\n" },
	{ "/etc/hosts", "127.0.0.1\tlocalhost\n::1\tlocalhost\n127.0.1.1\thusk\n" },
	{ "/etc/resolv.conf", "# husk: no network yet\n" },
	{ "/etc/hostname", "husk\n" },
};

int image_add_etc_defaults(struct initrd *rd)
{
	struct stat st;
	int err;

	for (size_t i = 0; i < sizeof(etc_files) / sizeof(etc_files[0]); i++) {
		err = initrd_add_data(rd, INITRD_LAYER_DEFAULT, etc_files[i].path, etc_files[i].text,
				      strlen(etc_files[i].text), 0644);
		if (err)
			return err;
	}
	/* The host's zone file, not the host's zone: a VM keeps UTC unless --files says otherwise. */
	if (stat(HOST_UTC, &st) == 0 && S_ISREG(st.st_mode))
		return initrd_add_host_file(rd, INITRD_LAYER_DEFAULT, "/etc/localtime", HOST_UTC, 0644);
	return 0;
}
