/* SPDX-License-Identifier: MIT */
/* sys_exec.c: execve and execveat: argument copying, #! scripts, and what a new program image resets. */
#include "kernel.h"
#include "exec.h"
#include "mm.h"
#include "sched.h"
#include "signal.h"
#include "syscall.h"
#include "vfs.h"
#include "../arch/x86_64/x86.h"
#include <linux/fcntl.h>

#define MAX_STRINGS 65536
#define STRINGS_MAX (2 * 1024 * 1024)   /* argv + envp bytes, the Linux default for an 8 MiB stack */
#define SHEBANG_MAX 256
#define SHEBANG_DEPTH 4

/* A NULL-terminated vector of kernel strings. */
struct strvec {
	char **v;
	size_t n, bytes;
};

static void strvec_free(struct strvec *s)
{
	for (size_t i = 0; i < s->n; i++)
		kfree(s->v[i]);
	kfree(s->v);
	s->v = NULL;
	s->n = 0;
}

static int strvec_push(struct strvec *s, const char *str, size_t at)
{
	char **nv = kmalloc((s->n + 2) * sizeof(char *));
	char *copy = kstrdup(str);

	if (!nv || !copy) {
		kfree(nv);
		kfree(copy);
		return -ENOMEM;
	}
	for (size_t i = 0, j = 0; i <= s->n; i++)
		nv[i] = i == at ? copy : s->v[j++];
	nv[s->n + 1] = NULL;
	kfree(s->v);
	s->v = nv;
	s->n++;
	s->bytes += strlen(str) + 1;
	return 0;
}

/* Copies a user vector of strings (argv or envp; NULL reads as empty). */
static int copy_strings(char *const *uv, struct strvec *s)
{
	char *buf;
	int err = 0;

	s->v = kzalloc(sizeof(char *));
	if (!s->v)
		return -ENOMEM;
	if (!uv)
		return 0;
	buf = kmalloc(PAGE_SIZE * 4);
	if (!buf)
		return -ENOMEM;
	for (size_t i = 0;; i++) {
		char *up;
		long n;

		if (i >= MAX_STRINGS) {
			err = -E2BIG;
			break;
		}
		if (copy_from_user(&up, &uv[i], sizeof(up))) {
			err = -EFAULT;
			break;
		}
		if (!up)
			break;
		n = strncpy_from_user(buf, up, PAGE_SIZE * 4);
		if (n < 0) {
			err = n == -ENAMETOOLONG ? -E2BIG : (int)n;
			break;
		}
		if (s->bytes + n + 1 > STRINGS_MAX) {
			err = -E2BIG;
			break;
		}
		err = strvec_push(s, buf, s->n);
		if (err)
			break;
	}
	kfree(buf);
	return err;
}

/*
 * When path is a "#!" script, rewrites argv as the kernel does:
 * interpreter [one optional argument] path argv[1..], and path becomes the
 * interpreter.  Returns 1 when it rewrote, 0 when path is no script, or -errno.
 */
static int shebang(char **path, struct strvec *argv)
{
	char buf[SHEBANG_MAX + 1], *interp, *arg = NULL, *end;
	struct inode *ino;
	ssize_t n;
	int err;

	err = vfs_lookup(NULL, *path, false, &ino);
	if (err)
		return err;
	if (!S_ISREG(ino->mode)) {
		inode_unref(ino);
		return -EACCES;
	}
	n = vfs_read_inode(ino, buf, SHEBANG_MAX, 0);
	inode_unref(ino);
	if (n < 2 || buf[0] != '#' || buf[1] != '!')
		return 0;
	buf[n] = 0;
	end = strchr(buf, '\n');
	if (!end && n == SHEBANG_MAX)
		return -ENOEXEC;      /* an interpreter line longer than Linux reads */
	if (end)
		*end = 0;
	interp = buf + 2;
	while (*interp == ' ' || *interp == '\t')
		interp++;
	if (!*interp)
		return -ENOEXEC;
	for (end = interp; *end && *end != ' ' && *end != '\t'; end++)
		;
	if (*end) {
		*end++ = 0;
		while (*end == ' ' || *end == '\t')
			end++;
		if (*end) {
			/* The rest of the line is one argument, trailing blanks dropped. */
			char *e = end + strlen(end);
			while (e > end && (e[-1] == ' ' || e[-1] == '\t'))
				*--e = 0;
			arg = end;
		}
	}
	/* argv[0] is replaced by the script's path. */
	if (argv->n > 0) {
		argv->bytes -= strlen(argv->v[0]) + 1;
		kfree(argv->v[0]);
		for (size_t i = 1; i <= argv->n; i++)
			argv->v[i - 1] = argv->v[i];
		argv->n--;
	}
	err = strvec_push(argv, *path, 0);
	if (!err && arg)
		err = strvec_push(argv, arg, 0);
	if (!err)
		err = strvec_push(argv, interp, 0);
	if (err)
		return err;
	kfree(*path);
	*path = kstrdup(interp);
	return *path ? 1 : -ENOMEM;
}

/* What a new image resets besides the address space (done by exec_load). */
static int finish_exec(struct proc *p, const struct trapframe *tf)
{
	static const uint8_t fpu_reset[32] = { [0] = 0x7f, [1] = 0x03, [24] = 0x80, [25] = 0x1f };
	uint8_t fpu[512] __attribute__((aligned(16)));

	/* A descriptor table shared by CLONE_FILES becomes the process's own. */
	if (p->fdt->refs > 1) {
		struct fdtable *own = fdtable_dup(p->fdt);
		if (own) {
			fdtable_unref(p->fdt);
			p->fdt = own;
		}
	}
	fdtable_close_on_exec(p->fdt);
	signal_exec_reset(p);
	current->altstack_sp = current->altstack_size = 0;
	current->altstack_flags = 0;
	current->clear_child_tid = 0;
	current->robust_list = 0;
	current->rseq = 0;
	current->fs_base = current->gs_base = 0;
	wrmsr(MSR_FS_BASE, 0);
	wrmsr(MSR_GS_BASE, 0);
	memset(fpu, 0, sizeof(fpu));
	memcpy(fpu, fpu_reset, sizeof(fpu_reset));
	fxrstor(fpu);
	*current->tf = *tf;
	proc_vfork_release(p);
	return 0;
}

static long do_execve(char *path, char *const *uargv, char *const *uenvp)
{
	struct proc *p = current_proc();
	struct strvec argv = { 0 }, envp = { 0 };
	struct trapframe tf;
	int err, depth;

	err = copy_strings(uargv, &argv);
	if (!err)
		err = copy_strings(uenvp, &envp);
	for (depth = 0; !err; depth++) {
		err = shebang(&path, &argv);
		if (err <= 0)
			break;
		err = depth + 1 >= SHEBANG_DEPTH ? -ELOOP : 0;
	}
	if (err)
		goto out;
	err = exec_load(p, path, argv.v, envp.v, &tf);
	if (!err)
		err = finish_exec(p, &tf);
out:
	strvec_free(&argv);
	strvec_free(&envp);
	kfree(path);
	return err;
}

long sys_execve(const char *upath, char *const *argv, char *const *envp)
{
	char *path;
	int err = user_path(upath, false, &path);

	if (err)
		return err;
	return do_execve(path, argv, envp);
}

long sys_execveat(int dirfd, const char *upath, char *const *argv, char *const *envp, int flags)
{
	struct inode *dir = NULL;
	char *path, *full;
	int err;

	if (flags & ~(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW))
		return -EINVAL;
	err = user_path(upath, flags & AT_EMPTY_PATH, &path);
	if (err)
		return err;
	if (!path[0]) {
		/* fexecve: the file open at dirfd. */
		struct file *f = fd_peek(current_proc()->fdt, dirfd);
		kfree(path);
		if (!f)
			return -EBADF;
		if (!f->path)
			return -ENOENT;
		path = kstrdup(f->path);
		return path ? do_execve(path, argv, envp) : -ENOMEM;
	}
	err = at_dir(dirfd, path, &dir);
	if (err) {
		kfree(path);
		return err;
	}
	if (!dir)
		return do_execve(path, argv, envp);
	/* Relative to a directory descriptor: the loader takes absolute paths. */
	full = kmalloc(PATH_MAX);
	err = -ENOMEM;
	if (full) {
		ssize_t n = vfs_getcwd(dir, full, PATH_MAX);
		err = n < 0 ? (int)n : 0;
		if (!err && (size_t)n + strlen(path) + 2 > PATH_MAX)
			err = -ENAMETOOLONG;
		if (!err) {
			if (n > 2)
				full[n - 1] = '/';
			else
				n = 1;
			strlcpy(full + n, path, PATH_MAX - n);
		}
	}
	kfree(path);
	if (err) {
		kfree(full);
		return err;
	}
	return do_execve(full, argv, envp);
}
