/* SPDX-License-Identifier: MIT */
/* sys_mount.c: mount(2) and umount2(2) over the mount table of fs/super.c. */
#include "kernel.h"
#include "sched.h"
#include "syscall.h"
#include "mm.h"
#include "vfs.h"
#include <linux/mount.h>

/* umount2 flags (sys/mount.h). */
#define MNT_FORCE       1
#define MNT_DETACH      2
#define MNT_EXPIRE      4
#define UMOUNT_NOFOLLOW 8

/* Mount flags kept per file system; the others (MS_SILENT, MS_NODIRATIME, ...) are accepted. */
#define KEPT_FLAGS (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME)

static bool privileged(void)
{
	return current_proc()->cred.euid == 0;
}

/* Copies a user string of at most n bytes (with the NUL) into buf. */
static long user_string(const char *u, char *buf, size_t n)
{
	long r = strncpy_from_user(buf, u, n);

	return r < 0 ? r : 0;
}

long sys_mount(const char *usource, const char *utarget, const char *utype, unsigned long flags,
	       const void *udata)
{
	char source[64] = "none", type[32] = "", *target = NULL;
	long err;

	if (!privileged())
		return -EPERM;
	err = user_path(utarget, false, &target);
	if (err)
		return err;
	if (flags & MS_REMOUNT) {
		err = vfs_remount(target, flags & KEPT_FLAGS);
		goto out;
	}
	if (flags & (MS_BIND | MS_MOVE | MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE)) {
		/* Only one kind of mount exists: a file system on a directory. */
		static bool said;

		if (!said)
			printk_err("husk: mount: bind, move and propagation changes are not supported\n");
		said = true;
		err = -EINVAL;
		goto out;
	}
	if (!utype) {
		err = -EINVAL;
		goto out;
	}
	err = user_string(utype, type, sizeof(type));
	if (!err && usource)
		err = user_string(usource, source, sizeof(source));
	if (err)
		goto out;
	(void)udata;        /* no file system takes options yet */
	err = vfs_mount_fs(type, source, target, flags & KEPT_FLAGS, NULL);
out:
	kfree(target);
	return err;
}

long sys_umount2(const char *utarget, int flags)
{
	char *target;
	long err;

	if (flags & ~(MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW))
		return -EINVAL;
	if (!privileged())
		return -EPERM;
	err = user_path(utarget, false, &target);
	if (err)
		return err;
	err = vfs_umount(target, flags & MNT_DETACH);
	kfree(target);
	return err;
}
