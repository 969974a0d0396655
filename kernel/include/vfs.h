/* SPDX-License-Identifier: MIT */
/* vfs.h: inodes, open files, descriptor tables and path lookup. */
#ifndef VFS_H
#define VFS_H

#include "kernel.h"
#include <linux/stat.h>   /* S_IFMT, S_IFREG, ... */

struct file;
struct pipe;
struct inode;
struct stat;
struct statfs;
struct pollfd;
struct super_block;

#define PATH_MAX 4096     /* including the NUL */
#define NAME_MAX 255
#define SYMLOOP_MAX 40    /* symlinks followed in one lookup before ELOOP */

/* Operations on an open file.  Buffers are kernel pointers or user pointers
 * that the system call layer already checked with user_ok(). */
struct file_ops {
	/* Optional: called when open(2) makes the file; an error fails the open
	 * (the file is released with priv still NULL). */
	int (*open)(struct file *f);
	ssize_t (*read)(struct file *f, void *buf, size_t n, off_t *off);
	ssize_t (*write)(struct file *f, const void *buf, size_t n, off_t *off);
	/* Returns the ready events (POLLIN, POLLOUT, POLLHUP, ...) without blocking. */
	unsigned (*poll)(struct file *f);
	long (*ioctl)(struct file *f, unsigned long cmd, unsigned long arg);
	void (*release)(struct file *f);
	/* Nonzero when readiness can change without a poll_notify() (a polled
	 * console): pollers re-check at least this often. */
	uint64_t poll_recheck_ns;
	/* Seekable files (regular files, directories, memory devices). */
	bool seekable;
};

/* d_type values for readdir, as in getdents64. */
#define DT_UNKNOWN 0
#define DT_FIFO 1
#define DT_CHR 2
#define DT_DIR 4
#define DT_BLK 6
#define DT_REG 8
#define DT_LNK 10
#define DT_SOCK 12
static inline unsigned mode_to_dtype(unsigned mode) { return (mode & S_IFMT) >> 12; }

/* Called by readdir once per entry; returns nonzero to stop (the entry is not consumed). */
typedef int (*filldir_fn)(void *ctx, const char *name, size_t len, uint64_t ino, unsigned dtype,
			  uint64_t next_pos);

/* A change of attributes for setattr: the fields named in valid (ATTR_*). */
#define ATTR_MODE  (1u << 0)
#define ATTR_UID   (1u << 1)
#define ATTR_GID   (1u << 2)
#define ATTR_SIZE  (1u << 3)
#define ATTR_ATIME (1u << 4)
#define ATTR_MTIME (1u << 5)
#define ATTR_CTIME (1u << 6)
struct iattr {
	unsigned valid;
	unsigned mode;            /* permission bits only; the type is kept */
	unsigned uid, gid;
	uint64_t size;
	int64_t atime_ns, mtime_ns, ctime_ns;
};

/*
 * Operations of a file system on its inodes.  Names are not NUL-terminated
 * (name, len) and never "." or "..", except that lookup must resolve "..".
 * Any op may be NULL: the VFS then answers with the natural error (EPERM
 * for a directory op, EINVAL for readlink, ...).  Out-parameters return a
 * new reference.
 */
struct inode_ops {
	int (*lookup)(struct inode *dir, const char *name, size_t len, struct inode **out);
	/* Creates a regular file, directory, FIFO or device node (by mode); -EEXIST if present. */
	int (*create)(struct inode *dir, const char *name, size_t len, unsigned mode, struct inode **out);
	int (*symlink)(struct inode *dir, const char *name, size_t len, const char *target,
		       struct inode **out);
	int (*link)(struct inode *dir, const char *name, size_t len, struct inode *target);
	/* Removes a non-directory entry (unlink) or an empty directory (rmdir). */
	int (*unlink)(struct inode *dir, const char *name, size_t len, bool is_rmdir);
	/* Moves an entry within the file system, replacing a compatible target
	 * unless RENAME_NOREPLACE; the VFS has checked that newdir is not inside
	 * the moved directory. */
	int (*rename)(struct inode *olddir, const char *oldname, size_t oldlen,
		      struct inode *newdir, const char *newname, size_t newlen, unsigned flags);
	/* Copies the link target (no NUL) into a kernel buffer; returns its length. */
	ssize_t (*readlink)(struct inode *ino, char *buf, size_t n);
	/* File data; buf is a kernel or checked user pointer. */
	ssize_t (*read)(struct inode *ino, void *buf, size_t n, off_t off);
	ssize_t (*write)(struct inode *ino, const void *buf, size_t n, off_t off);
	int (*truncate)(struct inode *ino, uint64_t size);
	/* Emits entries from position *pos ("." is 0, ".." is 1); advances *pos. */
	int (*readdir)(struct inode *dir, uint64_t *pos, filldir_fn fill, void *ctx);
	/* Frees per-file-system data when the last reference to an unlinked inode goes. */
	void (*evict)(struct inode *ino);
	/* The last reference to a cached inode with links went and it stays
	 * cached (icache_park): writes it back; an error evicts it instead. */
	int (*release)(struct inode *ino);
	/* The page holding file bytes [idx * PAGE_SIZE, +PAGE_SIZE), made writable and
	 * kept by the file, for MAP_SHARED mappings; NULL when out of memory.  The
	 * page stays valid until the file is truncated below it or evicted. */
	void *(*get_page)(struct inode *ino, uint64_t idx);
	/* Optional: stores the attributes vfs_setattr already applied to the
	 * in-memory inode (a disk file system writes its inode; ATTR_SIZE has
	 * gone through truncate first).  NULL: memory is all there is. */
	int (*setattr)(struct inode *ino, const struct iattr *a);
	/* Optional: writes the file's dirty data (and its inode unless datasync
	 * and only times changed) to the device and flushes it.  NULL: nothing
	 * to write (memory file systems). */
	int (*fsync)(struct inode *ino, bool datasync);
	/* Optional: fallocate(2) modes 0, KEEP_SIZE and PUNCH_HOLE|KEEP_SIZE
	 * (checked by the caller); NULL answers -EOPNOTSUPP. */
	int (*fallocate)(struct inode *ino, int mode, uint64_t off, uint64_t len);
	/*
	 * Optional extended attributes, by full name ("user.x"), kernel buffers;
	 * NULL answers -EOPNOTSUPP.  getxattr copies the value if it fits in n
	 * bytes (n == 0: only its length) and returns the length, -ERANGE or
	 * -ENODATA; listxattr does the same with the NUL-terminated names;
	 * setxattr honours XATTR_CREATE (-EEXIST) and XATTR_REPLACE (-ENODATA);
	 * removexattr is -ENODATA for a missing name.
	 */
	ssize_t (*getxattr)(struct inode *ino, const char *name, void *buf, size_t n);
	ssize_t (*listxattr)(struct inode *ino, char *buf, size_t n);
	int (*setxattr)(struct inode *ino, const char *name, const void *val, size_t n, int flags);
	int (*removexattr)(struct inode *ino, const char *name);
};

/* Mount flags kept in super_block.flags (the MS_* numbering of mount(2)). */
#define SB_RDONLY  1u
#define SB_NOSUID  2u
#define SB_NODEV   4u
#define SB_NOEXEC  8u
#define SB_NOATIME 1024u

/* Operations on a mounted file system; any may be NULL. */
struct super_ops {
	/* Fills f_blocks, f_bfree, f_bavail, f_files, f_ffree (and f_bsize if
	 * not 4096); the VFS sets f_type, f_namelen and f_flags. */
	int (*statfs)(struct super_block *sb, struct statfs *sf);
	/* Writes every dirty inode and block down and flushes the device. */
	int (*sync)(struct super_block *sb);
	/* Remounts with new flags (SB_RDONLY may change); 0 or -errno. */
	int (*remount)(struct super_block *sb, unsigned flags);
	/* Unmount: the tree is detached and unused; sync and free everything. */
	void (*kill)(struct super_block *sb);
	/* The VM ends with the file system still mounted: write everything and
	 * leave the disk as a clean umount would (nothing is freed). */
	void (*shutdown)(struct super_block *sb);
};

/*
 * One mounted file system (each mount has its own: no bind mounts yet).
 * The mount table (fs/super.c) lists them in mount order; /proc/mounts
 * prints it.
 */
struct super_block {
	struct list link;             /* in the mount table */
	const struct super_ops *ops;
	const char *type;             /* "tmpfs", "proc", "ext4", ... (static) */
	char source[64];              /* "rootfs", "/dev/vda", ... */
	char *mountpoint;             /* absolute path (kmalloc'ed), "/" for the root */
	uint64_t dev;                 /* st_dev of its inodes */
	uint32_t magic;               /* f_type */
	unsigned flags;               /* SB_* */
	unsigned open_files;          /* open files on its inodes: umount is EBUSY while nonzero */
	bool detached;                /* unmounted (MNT_DETACH) but still in use */
	struct inode *root;           /* referenced while mounted */
	struct list icache;           /* cached inodes (inode.hash), for file systems with inode numbers on disk */
	void *priv;                   /* per-file-system data */
};

struct inode {
	uint64_t ino;
	unsigned mode;            /* S_IFREG | 0644, ... */
	unsigned nlink;
	unsigned uid, gid;
	uint64_t size;
	uint64_t rdev;
	int64_t atime_ns, mtime_ns, ctime_ns;
	int refs;
	const struct inode_ops *iops;
	const struct file_ops *fops;  /* used by open() */
	void *priv;                   /* per-file-system data */
	struct super_block *sb;       /* its file system; NULL for anonymous inodes (pipes, sockets) */
	uint64_t dev;                 /* st_dev: sb->dev, or 0 */
	struct list hash;             /* in sb->icache while cached (icache_insert) */
	struct list unused;           /* cached with no reference: on the unused list (fs/super.c) */
	struct inode *mounted;        /* root of the file system mounted here, or NULL */
	struct inode *covered;        /* for a mounted root: the directory it covers */
	struct pipe *fifo;            /* a FIFO's pipe while some file has it open (fs/pipe.c) */
	int deny_write;               /* processes running this file (exe): writers get ETXTBSY */
	unsigned seals;               /* F_SEAL_* of a memfd (fs/memfd.c); F_SEAL_SEAL for other files */
	struct inotify_watch *watches; /* inotify watches on this inode (fs/inotify.c), or NULL */
};

/*
 * Something that watches an open file description without holding a
 * reference (an epoll item).  When the last reference goes, file_unref
 * takes each hook off f->release_hooks and calls fn, before the file's own
 * release; fn must forget f (it is freed right after).
 */
struct file_hook {
	struct list link;          /* in file->release_hooks */
	void (*fn)(struct file_hook *h, struct file *f);
};

/* An open file description, shared by dup'ed descriptors. */
struct file {
	int refs;
	struct inode *inode;
	const struct file_ops *ops;
	off_t pos;
	unsigned flags;            /* O_RDONLY/O_WRONLY/O_RDWR, O_APPEND, O_NONBLOCK, O_PATH, ... */
	void *priv;
	char *path;                /* absolute path it was opened by (kmalloc'ed), or NULL */
	struct list release_hooks; /* struct file_hook */
};

/* fs/vfs.c */
/* Creates the root file system with /dev, /proc and /tmp; call before initrd_unpack(). */
void vfs_init(void);
/* The root directory (no new reference). */
struct inode *vfs_root(void);
/* Unpacks a cpio "newc" archive into the root file system; returns 0, -ENOMEM, or -EINVAL for a damaged archive (after printing where it broke).
 * The archive must stay in memory for the life of the VM: files point into it. */
int initrd_unpack(const void *data, size_t len);
/* Looks up path relative to dir (NULL = the current directory); follows symlinks
 * unless nofollow.  Returns 0 with a referenced inode in *out, or -errno. */
int vfs_lookup(struct inode *dir, const char *path, bool nofollow, struct inode **out);
/* Reads from an inode's data without opening it (exec, mmap). */
ssize_t vfs_read_inode(struct inode *ino, void *buf, size_t n, off_t off);
void inode_ref(struct inode *ino);
/* Drops a reference; an inode with no references and no links is freed. */
void inode_unref(struct inode *ino);
/* A new inode with one reference, a fresh number, nlink 0 and the current time
 * (for file systems and for anonymous inodes such as pipes). */
struct inode *inode_alloc(unsigned mode, const struct inode_ops *iops, const struct file_ops *fops);
/* Opens path like openat(2); returns 0 with a new file in *out, or -errno. */
int vfs_open(struct inode *dir, const char *path, int flags, unsigned mode, struct file **out);
/* Opens an inode already looked up (O_CREAT and O_EXCL are ignored). */
int vfs_open_inode(struct inode *ino, int flags, struct file **out);
/* Seals (F_SEAL_*, set by fcntl F_ADD_SEALS on a memfd): 0, or -EPERM when
 * ino's seals forbid writing n bytes at off, or changing the size to size. */
int seals_check_write(struct inode *ino, uint64_t off, uint64_t n);
int seals_check_resize(struct inode *ino, uint64_t size);
/* fs/memfd.c: fcntl F_ADD_SEALS and F_GET_SEALS on f. */
long memfd_fcntl(struct file *f, int cmd, unsigned long arg);
/* A file with one reference; takes a reference to ino (which may be NULL). */
struct file *file_alloc(struct inode *ino, const struct file_ops *ops, unsigned flags);
void file_ref(struct file *f);
void file_unref(struct file *f);
/*
 * Installs a new O_RDWR file on an anonymous inode (mode 0600, no type) at
 * the lowest free descriptor; name is what /proc/self/fd shows
 * ("anon_inode:[eventfd]").  flags may hold O_NONBLOCK and O_CLOEXEC.
 * Returns the descriptor or -errno.  Takes over priv: on failure it is
 * freed, by kfree or by ops->release.
 */
long anon_fd_install(const char *name, const struct file_ops *ops, void *priv, unsigned flags);

/*
 * Path operations, all relative to dir (NULL = current directory) like the
 * *at system calls.  Return 0 or -errno.
 */
int vfs_mknod(struct inode *dir, const char *path, unsigned mode, struct inode **out);
/* vfs_mknod, but a symlink as the last component is followed (open with O_CREAT). */
int vfs_create(struct inode *dir, const char *path, unsigned mode, bool follow, struct inode **out);
int vfs_mkdir(struct inode *dir, const char *path, unsigned mode);
int vfs_unlink(struct inode *dir, const char *path, bool is_rmdir);
int vfs_rename(struct inode *olddir, const char *oldpath, struct inode *newdir,
	       const char *newpath, unsigned flags);
int vfs_symlink(const char *target, struct inode *dir, const char *path);
int vfs_link(struct inode *olddir, const char *oldpath, struct inode *newdir,
	     const char *newpath, bool follow);
/* Gives target (not a directory) another name at path. */
int vfs_link_inode(struct inode *target, struct inode *dir, const char *path);
/* Copies at most n bytes of the target of the symlink at path; returns the length. */
ssize_t vfs_readlink(struct inode *dir, const char *path, char *buf, size_t n);
ssize_t vfs_readlink_inode(struct inode *ino, char *buf, size_t n);
int vfs_truncate(struct inode *ino, uint64_t size);
/* Writes the absolute path of directory ino into buf; returns the length with the NUL. */
ssize_t vfs_getcwd(struct inode *ino, char *buf, size_t n);
/*
 * fs/super.c: superblocks and the mount table.
 * sb_alloc: a new superblock with a fresh st_dev, not yet mounted (kfree it,
 * or vfs_mount it).  vfs_mount: mounts sb (whose root must be set) on the
 * directory at path; the table takes over sb.  vfs_umount: detaches the file
 * system mounted at path (-EINVAL if none, -EBUSY while files are open in it
 * unless detach) and kills it.
 */
struct super_block *sb_alloc(const struct super_ops *ops, const char *type, const char *source,
			     uint32_t magic, unsigned flags);
int vfs_mount(const char *path, struct super_block *sb);
int vfs_umount(const char *path, bool detach);
/*
 * File system types mount(2) knows: mount makes an unmounted superblock
 * from source (a block device path for disk file systems) with the SB_*
 * flags, or returns -errno.  vfs_mount_fs looks the type up (-ENODEV if
 * unknown), makes the file system and mounts it at target.
 */
struct fs_type {
	const char *name;
	bool needs_dev;           /* /proc/filesystems prints "nodev" when false */
	int (*mount)(const char *source, unsigned flags, const char *data, struct super_block **out);
};
int vfs_mount_fs(const char *type, const char *source, const char *target, unsigned flags,
		 const char *data);
/* Remounts the file system mounted at target with new SB_* flags. */
int vfs_remount(const char *target, unsigned flags);
/* /proc/filesystems. */
void vfs_show_fstypes(void (*put)(void *ctx, const char *line), void *ctx);
/* A file on sb was closed (its inode reference dropped): a detached
 * file system nobody uses any more is freed. */
void vfs_sb_released(struct super_block *sb);
/* Makes ino part of sb (sets sb and dev). */
void inode_set_sb(struct inode *ino, struct super_block *sb);
/* The superblock mounted at or holding ino, or NULL for anonymous inodes. */
static inline struct super_block *inode_sb(struct inode *ino) { return ino->sb; }
/* -EROFS when ino's file system is mounted read-only, else 0. */
int vfs_may_write(struct inode *ino);
/* Fills a Linux struct statfs for the file system holding ino. */
int vfs_statfs(struct inode *ino, struct statfs *sf);
/* Writes a file (fsync/fdatasync) or a whole file system (syncfs; NULL: all of them, sync). */
int vfs_fsync(struct inode *ino, bool datasync);
int vfs_syncfs(struct super_block *sb);
/* The VM ends (machine_exit): every file system's shutdown, last mounted first. */
void vfs_shutdown(void);
/* Changes attributes: checks read-only mounts, updates the inode in memory
 * (ATTR_SIZE through vfs_truncate) and lets the file system store them. */
int vfs_setattr(struct inode *ino, struct iattr *a);
/* fallocate on a regular file, through the inode op. */
int vfs_fallocate(struct inode *ino, int mode, uint64_t off, uint64_t len);
/* /proc/mounts: one line per mount, written through put (at most n bytes each call). */
void vfs_show_mounts(void (*put)(void *ctx, const char *line), void *ctx);
/* Inode cache of a file system with inode numbers on disk: the cached inode
 * numbered ino of sb, referenced, or NULL.  icache_insert adds a new inode
 * (set sb first).  When its last reference goes, a cached inode that still
 * has links stays cached, unreferenced (icache_park, called by inode_unref),
 * so the next open finds it without reading the disk; at most
 * ICACHE_UNUSED_MAX such inodes are kept, the least recently used evicted
 * first.  An unlinked one is evicted at once (its blocks freed).
 * icache_drop evicts a cached inode (umount: the file system's kill op,
 * when nobody uses the file system any more). */
#define ICACHE_UNUSED_MAX 512
struct inode *icache_find(struct super_block *sb, uint64_t ino);
void icache_insert(struct inode *ino);
void icache_park(struct inode *ino);
void icache_drop(struct inode *ino);
/* Evicts unreferenced cached inodes until at most keep are left (all of
 * them: 0); returns how many went. */
size_t icache_shrink(size_t keep);
/* Fills a Linux struct stat (asm/stat.h). */
void vfs_fill_stat(struct inode *ino, struct stat *st);
/* Updates times: "now" for mtime and ctime after a change of contents. */
void inode_touch(struct inode *ino, bool mtime, bool ctime);
/* A fresh inode number (unique over all file systems). */
uint64_t vfs_next_ino(void);

/* Directory files: readdir via getdents64 uses f->pos as the position. */
extern const struct file_ops vfs_dir_fops;
/* Regular files: read/write through inode ops at f->pos. */
extern const struct file_ops vfs_reg_fops;

/* Descriptor tables. */
#define FD_MAX 1024
struct fdtable {
	struct file *files[FD_MAX];
	bool cloexec[FD_MAX];
	int refs;
};
struct fdtable *fdtable_create(void);
/* A copy sharing every open file (fork). */
struct fdtable *fdtable_dup(struct fdtable *t);
/* Drops a reference; the last one closes every descriptor. */
void fdtable_unref(struct fdtable *t);
/* Closes every descriptor marked close-on-exec (execve). */
void fdtable_close_on_exec(struct fdtable *t);
/* Installs f at the lowest free descriptor >= min; returns it or -EMFILE
 * (-EINVAL if min is out of range).  Takes over the caller's reference on
 * success; on failure the caller still owns it. */
int fd_install(struct fdtable *t, struct file *f, int min, bool cloexec);
/* Installs f exactly at fd, closing what was there (dup2); takes over the
 * reference on success (-EBADF: the caller still owns it). */
int fd_install_at(struct fdtable *t, struct file *f, int fd, bool cloexec);
/*
 * Building trees at boot (devfs): create one entry named name directly in
 * dir, without a path walk, umask or notifications.  mode is used as given.
 */
int vfs_create_child(struct inode *dir, const char *name, unsigned mode, struct inode **out);
int vfs_symlink_child(struct inode *dir, const char *name, const char *target);

/* RLIMIT_NOFILE: descriptors at or above it cannot be created (sys/sys_proc.c). */
int fd_limit(void);
/*
 * Returns the file at fd with a new reference, or NULL.  A system call that
 * takes a descriptor holds this reference until it returns (fput), so that
 * close or dup2 in another thread never frees a file in use: the file and
 * its object go away at the last reference.
 */
struct file *fd_get(struct fdtable *t, int fd);
/* Drops a reference taken by fd_get (f may be NULL). */
void fput(struct file *f);
/* The file at fd with no new reference, or NULL: only for a look that
 * cannot sleep (is fd open? which path does it have?). */
struct file *fd_peek(struct fdtable *t, int fd);
int fd_close(struct fdtable *t, int fd);
int fd_set_cloexec(struct fdtable *t, int fd, bool on);
int fd_get_cloexec(struct fdtable *t, int fd);

struct proc;
/* fs/pty.c: a session leader exited: the terminal it controlled hangs up its foreground group (SIGHUP, SIGCONT). */
void pty_session_ended(int sid);
/* fs/reclock.c: POSIX record locks.  fcntl's lock commands on f. */
long reclock_fcntl(struct file *f, int cmd, unsigned long arg);
/* p closed a descriptor of ino (NULL: p is gone): its classic record locks there go, as POSIX says. */
void reclock_close(struct proc *p, struct inode *ino);

/* sys/sys_file.c: helpers shared by the file system calls. */
/* Copies a user path into a new PATH_MAX buffer (kfree it).  Returns 0,
 * -EFAULT, -ENAMETOOLONG, or -ENOENT for "" unless allow_empty. */
int user_path(const char *upath, bool allow_empty, char **out);
/* The directory a *at call starts from: NULL for AT_FDCWD or an absolute
 * path, else the directory open at dirfd, referenced (-EBADF, -ENOTDIR). */
int at_dir(int dirfd, const char *path, struct inode **dir);
/* Drops the reference at_dir took on a directory (dir may be NULL). */
void at_dir_put(struct inode *dir);

/* fs/ramfs.c: the in-memory file system used for / and tmpfs mounts */
/* A new, unmounted ramfs (type "tmpfs"), its root made; NULL without memory. */
struct super_block *ramfs_create_sb(const char *source, unsigned flags);
/* Makes a regular file's contents the bytes at data[0..len) without copying;
 * they are copied page by page on the first write.  data must outlive the file. */
int ramfs_set_rodata(struct inode *ino, const void *data, size_t len);
/* Attaches device operations to a node (devfs). */
void ramfs_set_fops(struct inode *ino, const struct file_ops *fops);
/* How many bytes of file data ramfs may hold: half of memory, as tmpfs by default. */
uint64_t ramfs_limit_bytes(void);
/* A regular file (or other node) with no name, for memfd_create; one reference. */
struct inode *ramfs_create_unlinked(unsigned mode);
/* True for a ramfs regular file (memfd seals). */
bool ramfs_is_file(struct inode *ino);

/* fs/volumes.c: the vol= kernel option (include/husk/abi.h).  volume_option
 * keeps one DEV:/MOUNTPOINT[:ro] (the string must live on); volumes_mount
 * mounts them all after the initrd is unpacked, or ends the VM with
 * HUSK_STATUS_VOLUME and a message. */
void volume_option(char *spec);
void volumes_mount(void);

/* fs/ext2: mount(2) of "ext2", "ext3" and "ext4" from a block device (source). */
int ext2_mount(const char *source, unsigned flags, const char *data, struct super_block **out);

/* fs/devfs.c: device nodes in /dev */
int devfs_init(void);
/* The console as a file, for descriptors 0, 1 and 2; writes go to stream s (kernel.h). */
struct file *console_file_open(enum console_stream s);
/* "husk.notty": the host's stdin is no terminal, so the console is none either (no termios, ENOTTY). */
extern bool console_notty;
/* "husk.winsize=ROWSxCOLS": the host terminal's size, for TIOCGWINSZ on the console. */
void console_winsize_option(const char *rows_x_cols);
/* Linux's encoding of a device number (new_encode_dev), for st_rdev. */
static inline uint64_t vfs_mkdev(unsigned major, unsigned minor)
{
	return (minor & 0xff) | (major << 8) | ((uint64_t)(minor & ~0xffu) << 12);
}

/*
 * Terminal settings shared by the console and pseudo-terminals (asm/termbits.h).
 * tty_termios_init sets what Linux gives a new terminal: cooked, with echo.
 * tty_settings_ioctl does TCGETS, TCSETS/TCSETSW/TCSETSF (nothing to drain or
 * flush there), TIOCGWINSZ/TIOCSWINSZ, and accepts TCSBRK, TCSBRKP and TCXONC
 * (no line to break or stop); returns 0, -EFAULT, -EINVAL, or -ENOTTY for any
 * other request.
 */
struct termios;
struct winsize;
void tty_termios_init(struct termios *t);
long tty_settings_ioctl(struct termios *t, struct winsize *ws, unsigned long cmd, unsigned long arg);

/* fs/pty.c: /dev/ptmx, whose every open makes a pseudo-terminal and its slave /dev/pts/N. */
extern const struct file_ops ptmx_fops;

/* Console input: readers wait here; the serial interrupt (or a poll) wakes them. */
struct waitq;
extern struct waitq console_waitq;

/* fs/pipe.c: a pipe with a 64 KiB buffer; flags may hold O_NONBLOCK. */
int pipe_create(unsigned flags, struct file **rd, struct file **wr);
/*
 * F_SETPIPE_SZ on a pipe end (file_is_pipe): the capacity becomes want
 * rounded up to a power of two of at least a page, the data kept.  Returns
 * the new capacity, -EINVAL above 2 GiB, -EPERM above 1 MiB (Linux's
 * pipe-max-size; husk grants no more even to root), -EBUSY when the pipe
 * holds more than that or a splice is using its buffer, -ENOMEM.
 */
long pipe_set_size(struct file *f, unsigned long want);
/* F_GETPIPE_SZ: the capacity in bytes. */
long pipe_get_size(struct file *f);
/*
 * Opens a FIFO inode (a named FIFO, or an anonymous pipe reopened through
 * /proc): every opener shares one pipe.  O_RDONLY gets the read end,
 * O_WRONLY the write end, O_RDWR both.  Opening one end waits for the other
 * unless O_NONBLOCK (or O_RDWR); O_WRONLY|O_NONBLOCK without a reader is -ENXIO.
 */
int fifo_open(struct inode *ino, unsigned flags, struct file **out);
/* True when f is an end of a pipe or FIFO. */
bool file_is_pipe(struct file *f);
/*
 * splice(2) and tee(2) through a pipe's buffer.  Each waits (unless
 * nonblock) for data in the source pipe or space in the destination pipe,
 * then moves at most n bytes; the other file is read or written at *off
 * through its file ops with a kernel buffer.  Return the bytes moved, 0 at
 * end of input (no writers), or -errno (-EPIPE with SIGPIPE when the
 * destination pipe has no reader).
 */
ssize_t pipe_splice_to_file(struct file *pf, struct file *out, off_t *off, size_t n, bool nonblock);
ssize_t pipe_splice_from_file(struct file *pf, struct file *in, off_t *off, size_t n, bool nonblock);
/* Pipe to pipe: moves the bytes, or copies them without consuming when tee. */
ssize_t pipe_splice_pipe(struct file *in, struct file *out, size_t n, bool nonblock, bool tee);

/*
 * fs/inotify.c: file system events for inotify watches.  The hooks cost one
 * test while no watch exists anywhere.  mask is one IN_* event (IN_ISDIR is
 * added for directories).  Events on names (IN_CREATE, IN_DELETE,
 * IN_MOVED_FROM/TO) go to dir's watches with the name; IN_DELETE_SELF and
 * IN_MOVE_SELF to ino's own, IN_DELETE_SELF then dropping them (IN_IGNORED);
 * the others to ino's watches and, with the name, to dir's.  dir, ino and
 * name may be NULL.
 */
struct inotify_watch;
extern unsigned fsnotify_watches;   /* watches in all instances */
void fsnotify_event(struct inode *dir, struct inode *ino, const char *name, size_t len,
		    uint32_t mask, uint32_t cookie);
/* An event on ino, named by path relative to base (NULL = current directory)
 * for a watched parent: the parent is found, and used when path's last
 * component still names ino in it. */
void fsnotify_path_event(struct inode *base, const char *path, struct inode *ino, uint32_t mask);
/* A fresh cookie tying IN_MOVED_FROM to IN_MOVED_TO. */
uint32_t fsnotify_cookie(void);
/* Before a reference to a removed file (nlink 0) is dropped: when only its
 * watches would hold it then (it is no longer open or in use, as a dentry
 * on Linux), they get IN_DELETE_SELF and end. */
void fsnotify_drop_event(struct inode *ino);
static inline void fsnotify_drop(struct inode *ino)
{
	if (unlikely(ino->watches) && ino->nlink == 0)
		fsnotify_drop_event(ino);
}
static inline void fsnotify(struct inode *dir, struct inode *ino, const char *name, size_t len,
			    uint32_t mask, uint32_t cookie)
{
	if (unlikely(fsnotify_watches))
		fsnotify_event(dir, ino, name, len, mask, cookie);
}
static inline void fsnotify_path(struct inode *base, const char *path, struct inode *ino, uint32_t mask)
{
	if (unlikely(fsnotify_watches))
		fsnotify_path_event(base, path, ino, mask);
}
/* An event on an open file, named by the path it was opened by. */
static inline void fsnotify_file(struct file *f, uint32_t mask)
{
	if (unlikely(fsnotify_watches) && f->inode)
		fsnotify_path_event(NULL, f->path && f->path[0] == '/' ? f->path : NULL, f->inode, mask);
}

/* fs/procfs.c: unmounted superblocks of /proc and of /sys (devices/system/cpu/{online,possible,present}). */
struct super_block *procfs_create_sb(void);
struct super_block *sysfs_create_sb(void);

#endif
