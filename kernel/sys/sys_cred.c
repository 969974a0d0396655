/* SPDX-License-Identifier: MIT */
/* sys_cred.c: user and group identities, supplementary groups and capabilities, with Linux's rules for who may change what. */
#include "kernel.h"
#include "mm.h"
#include "sched.h"
#include "syscall.h"
#include <linux/capability.h>

/*
 * The program starts as root.  Identities are tracked and changed as
 * Linux's set*id rules allow; holding uid 0 (effective) stands for having
 * every capability, as it does on Linux without capability tweaks.  The
 * file systems keep owners but do not check permissions (docs/syscalls.md).
 */
#define NOCHANGE ((unsigned)-1)

static struct cred *cred(void)
{
	return &current_proc()->cred;
}

static bool privileged(void)
{
	return cred()->euid == 0;
}

long sys_getuid(void) { return cred()->uid; }
long sys_geteuid(void) { return cred()->euid; }
long sys_getgid(void) { return cred()->gid; }
long sys_getegid(void) { return cred()->egid; }

static long put3(unsigned *ur, unsigned *ue, unsigned *us, unsigned r, unsigned e, unsigned s)
{
	if (copy_to_user(ur, &r, 4) || copy_to_user(ue, &e, 4) || copy_to_user(us, &s, 4))
		return -EFAULT;
	return 0;
}

long sys_getresuid(unsigned *r, unsigned *e, unsigned *s) { return put3(r, e, s, cred()->uid, cred()->euid, cred()->suid); }
long sys_getresgid(unsigned *r, unsigned *e, unsigned *s) { return put3(r, e, s, cred()->gid, cred()->egid, cred()->sgid); }

/* Is id one of the three current ids (what an unprivileged caller may switch to)? */
static bool one_of(unsigned id, unsigned a, unsigned b, unsigned c)
{
	return id == a || id == b || id == c;
}

/* Linux drops capabilities when no uid is 0 any more; here that is simply euid != 0. */
static long set_res(unsigned *ids, unsigned r, unsigned e, unsigned s)
{
	/* ids: real, effective, saved, fs */
	if (!privileged()) {
		if ((r != NOCHANGE && !one_of(r, ids[0], ids[1], ids[2])) ||
		    (e != NOCHANGE && !one_of(e, ids[0], ids[1], ids[2])) ||
		    (s != NOCHANGE && !one_of(s, ids[0], ids[1], ids[2])))
			return -EPERM;
	}
	if (r != NOCHANGE)
		ids[0] = r;
	if (e != NOCHANGE)
		ids[1] = e;
	if (s != NOCHANGE)
		ids[2] = s;
	ids[3] = ids[1];
	return 0;
}

long sys_setresuid(unsigned r, unsigned e, unsigned s)
{
	return set_res(&cred()->uid, r, e, s);
}

long sys_setresgid(unsigned r, unsigned e, unsigned s)
{
	return set_res(&cred()->gid, r, e, s);
}

static long set_re(unsigned *ids, unsigned r, unsigned e)
{
	unsigned old_r = ids[0];

	if (!privileged()) {
		if (r != NOCHANGE && r != ids[0] && r != ids[1])
			return -EPERM;
		if (e != NOCHANGE && !one_of(e, ids[0], ids[1], ids[2]))
			return -EPERM;
	}
	if (r != NOCHANGE)
		ids[0] = r;
	if (e != NOCHANGE)
		ids[1] = e;
	/* The saved id follows the effective one when the real id is set or the effective one departs from it. */
	if (r != NOCHANGE || (e != NOCHANGE && e != old_r))
		ids[2] = ids[1];
	ids[3] = ids[1];
	return 0;
}

long sys_setreuid(unsigned r, unsigned e) { return set_re(&cred()->uid, r, e); }
long sys_setregid(unsigned r, unsigned e) { return set_re(&cred()->gid, r, e); }

static long set_one(unsigned *ids, unsigned id)
{
	if (id == NOCHANGE)
		return -EINVAL;
	if (privileged()) {
		ids[0] = ids[1] = ids[2] = ids[3] = id;
		return 0;
	}
	if (id != ids[0] && id != ids[2])
		return -EPERM;
	ids[1] = ids[3] = id;
	return 0;
}

long sys_setuid(unsigned uid) { return set_one(&cred()->uid, uid); }

long sys_setgid(unsigned gid)
{
	/* Privilege for group changes is the effective uid's. */
	struct cred *c = cred();
	if (gid == NOCHANGE)
		return -EINVAL;
	if (privileged()) {
		c->gid = c->egid = c->sgid = c->fsgid = gid;
		return 0;
	}
	if (gid != c->gid && gid != c->sgid)
		return -EPERM;
	c->egid = c->fsgid = gid;
	return 0;
}

static long set_fs(unsigned *ids, unsigned id)
{
	unsigned old = ids[3];
	if (id != NOCHANGE && (privileged() || one_of(id, ids[0], ids[1], ids[2]) || id == ids[3]))
		ids[3] = id;
	return old;
}

long sys_setfsuid(unsigned uid) { return set_fs(&cred()->uid, uid); }
long sys_setfsgid(unsigned gid) { return set_fs(&cred()->gid, gid); }

long sys_getgroups(int size, unsigned *list)
{
	struct cred *c = cred();

	if (size < 0)
		return -EINVAL;
	if (size == 0)
		return c->ngroups;
	if (size < c->ngroups)
		return -EINVAL;
	if (copy_to_user(list, c->groups, c->ngroups * sizeof(unsigned)))
		return -EFAULT;
	return c->ngroups;
}

long sys_setgroups(int size, const unsigned *list)
{
	struct cred *c = cred();
	unsigned tmp[ARRAY_SIZE(c->groups)];

	if (!privileged())
		return -EPERM;
	if (size < 0 || size > (int)ARRAY_SIZE(c->groups))
		return -EINVAL;
	if (copy_from_user(tmp, list, size * sizeof(unsigned)))
		return -EFAULT;
	memcpy(c->groups, tmp, size * sizeof(unsigned));
	c->ngroups = size;
	return 0;
}

long sys_capget(void *uhdr, void *udata)
{
	struct __user_cap_header_struct hdr;
	struct __user_cap_data_struct data[2];
	uint32_t all = privileged() ? 0xffffffffu : 0;

	if (copy_from_user(&hdr, uhdr, sizeof(hdr)))
		return -EFAULT;
	if (hdr.version != _LINUX_CAPABILITY_VERSION_3 && hdr.version != _LINUX_CAPABILITY_VERSION_2 &&
	    hdr.version != _LINUX_CAPABILITY_VERSION_1) {
		/* Tell the caller which version to use, as Linux does. */
		hdr.version = _LINUX_CAPABILITY_VERSION_3;
		if (copy_to_user(uhdr, &hdr, sizeof(hdr)))
			return -EFAULT;
		return udata ? -EINVAL : 0;
	}
	if (hdr.pid != 0 && hdr.pid != current_proc()->pid)
		return -ESRCH;
	if (!udata)
		return 0;
	/* Every capability Linux defines, in the two 32-bit words of version 2/3. */
	data[0].effective = data[0].permitted = all;
	data[1].effective = data[1].permitted = all & ((1u << (CAP_LAST_CAP - 31)) - 1);
	data[0].inheritable = data[1].inheritable = 0;
	return copy_to_user(udata, data, hdr.version == _LINUX_CAPABILITY_VERSION_1 ? sizeof(data[0]) : sizeof(data));
}

long sys_capset(void *uhdr, const void *udata)
{
	struct __user_cap_header_struct hdr;
	struct __user_cap_data_struct data[2];

	if (copy_from_user(&hdr, uhdr, sizeof(hdr)))
		return -EFAULT;
	if (hdr.version != _LINUX_CAPABILITY_VERSION_3 && hdr.version != _LINUX_CAPABILITY_VERSION_2)
		return -EINVAL;
	if (hdr.pid != 0 && hdr.pid != current_proc()->pid)
		return -EPERM;
	if (copy_from_user(data, udata, sizeof(data)))
		return -EFAULT;
	/* Capabilities are not tracked one by one: only keeping the full set is possible. */
	if (privileged() && data[0].effective == 0xffffffffu && data[0].permitted == 0xffffffffu)
		return 0;
	printk_err("husk: capset: dropping single capabilities is not supported\n");
	return -EPERM;
}
