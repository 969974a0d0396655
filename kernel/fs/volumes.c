/* SPDX-License-Identifier: MIT */
/* volumes.c: the vol= kernel option: block devices mounted before the program starts. */
#include "kernel.h"
#include "blkdev.h"
#include "husk/abi.h"
#include "vfs.h"

/*
 * vol=DEV:/MOUNTPOINT[:ro] (include/husk/abi.h) names a block device by its
 * name in discovery order (vda, vdb, ...).  The mount point is made if the
 * initrd lacks it.  A volume that cannot be mounted stops the VM with
 * HUSK_STATUS_VOLUME and a message naming it: the program never runs on a
 * file system other than the one asked for.
 */

#define MAX_VOLUMES 8

static char *specs[MAX_VOLUMES];
static int nspecs;

void volume_option(char *spec)
{
	if (nspecs < MAX_VOLUMES)
		specs[nspecs++] = spec;
	else
		printk_err("husk: more than %d vol= options; %s ignored\n", MAX_VOLUMES, spec);
}

/* mkdir -p for the mount point (missing parents are made 0755). */
static int make_dirs(char *path)
{
	int err = 0;

	for (char *p = path + 1; ; p++) {
		if (*p != '/' && *p)
			continue;
		char c = *p;

		*p = '\0';
		err = vfs_mkdir(NULL, path, 0755);
		*p = c;
		if (err && err != -EEXIST)
			return err;
		if (!c)
			return 0;
	}
}

static __noreturn void fail(const char *spec, const char *why, int err)
{
	printk_err("husk: volume %s: %s (error %d)\n", spec, why, -err);
	machine_exit(HUSK_STATUS_VOLUME);
}

void volumes_mount(void)
{
	for (int i = 0; i < nspecs; i++) {
		char *dev = specs[i], *mnt = strchr(dev, ':'), *opt, path[32];
		unsigned flags = 0;
		int err;

		if (!mnt || mnt[1] != '/')
			fail(dev, "expected vol=DEV:/MOUNTPOINT[:ro]", -EINVAL);
		*mnt++ = '\0';
		opt = strchr(mnt, ':');
		if (opt) {
			*opt++ = '\0';
			if (strcmp(opt, "ro") != 0)
				fail(dev, "the only option after the mount point is ro", -EINVAL);
			flags |= SB_RDONLY;
		}
		if (!blkdev_find(dev))
			fail(dev, "no such block device", -ENODEV);
		err = make_dirs(mnt);
		if (err)
			fail(dev, "cannot make the mount point", err);
		/* ext2_mount serves ext2, ext3 and ext4 alike and names the type by the features. */
		snprintk(path, sizeof(path), "/dev/%s", dev);
		err = vfs_mount_fs("ext4", path, mnt, flags, NULL);
		if (err)
			fail(dev, "cannot mount it (not an ext2/3/4 image, corrupt, or unclean)", err);
		printk("husk: volume %s on %s%s\n", dev, mnt, flags & SB_RDONLY ? " (read-only)" : "");
	}
}
