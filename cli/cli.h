/* SPDX-License-Identifier: MIT */
/* cli.h: interfaces between the pieces of the husk command (subcommands, initrd, backends). */
#ifndef HUSK_CLI_H
#define HUSK_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <husk/abi.h>

/* ---- subcommands (builtin-*.c), listed in the table in husk.c ---- */

/* Each returns the exit status of the husk command. */
int cmd_run(int argc, char **argv);
int cmd_build(int argc, char **argv);
int cmd_disk(int argc, char **argv);
int cmd_help(int argc, char **argv);
int cmd_xen_config(int argc, char **argv);

/* The guest kernel: --kernel, else $HUSK_KERNEL, else <husk's dir>/../kernel/husk.elf.  *path is malloc'ed. */
int cli_find_kernel(const char *opt, char **path);
/* Prints "husk: " + message to stderr. */
void husk_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Turns a -e argument (VAR=VAL, or VAR for husk's own value) into a malloc'ed VAR=VAL. */
int cli_env_arg(const char *arg, char **assignment);
/* Finds PROGRAM: as given if it has a '/' or exists, else in $PATH.  *path is malloc'ed. */
int cli_find_program(const char *name, char **path);

/* ---- string vectors (strvec.c) ---- */

struct strvec {
	char **v;       /* NULL-terminated once non-empty */
	size_t n;
	size_t cap;
};

/* Appends a copy of s.  Returns 0 or -ENOMEM. */
int strvec_push(struct strvec *sv, const char *s);
/* Appends a copy of the printf-formatted string.  Returns 0 or -ENOMEM. */
int strvec_pushf(struct strvec *sv, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strvec_free(struct strvec *sv);

/* ---- the kernel command line (cmdline.c), format in include/husk/abi.h ---- */

/* The kernel keeps the command line in a 4 KiB buffer (struct boot_info). */
#define CMDLINE_MAX 4096

/* What a VM is told on its command line. */
struct vm_args {
	struct strvec options;  /* "key" or "key=value", e.g. "env=HOME=/" (no "quiet") */
	struct strvec argv;     /* argv[0] is the program's path inside the initrd */
	int quiet;              /* pass "quiet" */
};

/*
 * Appends token to buf (at most size bytes, NUL included, at offset *len),
 * quoted as abi.h describes when it is empty or contains a space, a tab, a
 * newline, '"' or '\'.  Returns 0, or -E2BIG when it does not fit.
 */
int cmdline_append_token(char *buf, size_t size, size_t *len, const char *token);
/* Builds "[quiet] OPTIONS -- ARGV..." into a new string (*out, free it).  Returns 0 or -errno. */
int cmdline_format(const struct vm_args *args, char **out);
/*
 * Splits a command line into tokens, undoing the quoting.  Returns 0,
 * -EINVAL for an unterminated quote, or -ENOMEM.
 */
int cmdline_split(const char *line, struct strvec *tokens);
/* Parses a command line made by cmdline_format() back into args (which must be zeroed). */
int cmdline_parse(const char *line, struct vm_args *args);
void vm_args_free(struct vm_args *args);

/* ---- cpio "newc" archives (cpio.c) ---- */

#define CPIO_NEWC_MAGIC "070701"
#define CPIO_TRAILER    "TRAILER!!!"

struct cpio_writer {
	int fd;
	uint64_t off;       /* bytes written so far */
	uint32_t next_ino;
};

/* Starts an archive on fd (which the caller owns). */
void cpio_writer_init(struct cpio_writer *w, int fd);
/* name has no leading '/'; the root directory is ".".  mode includes the S_IF* type bits. */
int cpio_add_dir(struct cpio_writer *w, const char *name, mode_t mode, uint32_t mtime);
int cpio_add_data(struct cpio_writer *w, const char *name, mode_t mode, uint32_t mtime,
		  const void *data, size_t size);
/* Copies size bytes from src_fd (read from its current offset) as a regular file. */
int cpio_add_fd(struct cpio_writer *w, const char *name, mode_t mode, uint32_t mtime,
		int src_fd, uint64_t size);
int cpio_add_symlink(struct cpio_writer *w, const char *name, const char *target, uint32_t mtime);
/* Writes the TRAILER!!! entry.  The archive is complete after this. */
int cpio_finish(struct cpio_writer *w);

/*
 * Finds the regular file `name` in the archive buf[0..len).  On success sets
 * *data and *size to point into buf and returns 0; -ENOENT if absent, -EINVAL
 * for a malformed archive.
 */
int cpio_find(const void *buf, size_t len, const char *name, const void **data, size_t *size);
/*
 * Checks that buf[0..len) is a whole archive: every member well formed and
 * inside the buffer, up to the trailer.  Returns 0, or -EINVAL with *bad_off
 * the offset of the first member that is damaged or missing.
 */
int cpio_check(const void *buf, size_t len, size_t *bad_off);

/* ---- assembling an initrd (initrd.c) ---- */

/*
 * Entries are collected in layers; when two layers provide the same path,
 * the higher layer wins.  Later features (shared libraries, default /etc
 * files) add entries in their own layer.
 */
enum initrd_layer {
	INITRD_LAYER_DEFAULT = 0,  /* the skeleton: /, /bin, /tmp, /dev, /etc, /proc */
	INITRD_LAYER_FILES = 1,    /* the --files DIR tree */
	INITRD_LAYER_PROGRAM = 2,  /* the program (and later its libraries) */
	INITRD_LAYER_HUSK = 3,     /* husk's own metadata (.husk/) */
};

struct initrd_entry;

struct initrd {
	struct initrd_entry *e;
	size_t n;
	size_t cap;
};

/* Adds the skeleton directories. */
int initrd_init(struct initrd *rd);
void initrd_free(struct initrd *rd);
/* path is absolute inside the guest ("/bin/true"). */
int initrd_add_dir(struct initrd *rd, enum initrd_layer layer, const char *path, mode_t mode);
int initrd_add_host_file(struct initrd *rd, enum initrd_layer layer, const char *path,
			 const char *host_path, mode_t mode);
int initrd_add_data(struct initrd *rd, enum initrd_layer layer, const char *path,
		    const void *data, size_t size, mode_t mode);
int initrd_add_symlink(struct initrd *rd, enum initrd_layer layer, const char *path,
		       const char *target);
/* The type (S_IFDIR, S_IFREG, S_IFLNK) of the entry that wins at path, or 0 if there is none. */
mode_t initrd_lookup(const struct initrd *rd, const char *path);
/*
 * Adds the host file or directory at the absolute host_path at the same
 * path in the guest, with every symlink met on the way (in a directory or
 * at the end) added as a symlink and followed, so each spelling the host
 * accepts works in the guest too: /lib/x86_64-linux-gnu/libc.so.6 on a
 * merged-/usr host adds the link /lib -> usr/lib and the file
 * /usr/lib/x86_64-linux-gnu/libc.so.6.  Where the guest already has a
 * directory and the host a symlink (/bin), the directory stays.  *real (if
 * real is not NULL) gets the malloc'ed path with every link resolved.
 * Returns 0 or -errno (-ELOOP after 40 links).
 */
int initrd_add_host_path(struct initrd *rd, enum initrd_layer layer, const char *host_path,
			 char **real);
/* Adds host directory dir's whole tree at the guest's root (dir/etc/x -> /etc/x). */
int initrd_add_tree(struct initrd *rd, enum initrd_layer layer, const char *dir);
/* Writes the archive to fd: directories before their contents, then the trailer. */
int initrd_write(struct initrd *rd, int fd);

/* ---- the host (host.c) ---- */

/* 1 if the CPU has VT-x/AMD-V and /dev/kvm opens read-write. */
int host_has_hw_virt(void);
/* The directory holding the husk executable (no trailing '/'), or NULL. */
const char *host_self_dir(void);
/* Parses "64M", "1G", "512" (MiB) into MiB.  Returns 0 or -EINVAL. */
int parse_mem_mib(const char *s, unsigned long *mib);

/* ---- child processes, temp files, signals (proc.c) ---- */

/*
 * Creates an empty temp file under $TMPDIR (or /tmp) named husk-<what>-XXXXXX,
 * removed again by proc_cleanup() or when husk is interrupted.  Returns an fd
 * open for reading and writing, or -errno; *path gets a malloc'ed copy.
 */
int proc_mktemp(const char *what, char **path);
/* Removes every temp file made by proc_mktemp(). */
void proc_cleanup(void);
/*
 * Runs argv (argv[0] looked up in $PATH unless it contains '/') with husk's
 * stdin/stdout/stderr and waits for it.  SIGINT/SIGTERM delivered to husk
 * meanwhile are passed on to the child.  *wstatus gets the wait status.
 * Returns 0, or -errno if the child could not be started.  *signo gets the
 * signal husk received (0 if none).
 */
int proc_run(char *const argv[], int *wstatus, int *signo);
/*
 * proc_run() for a VM booted with "husk.mux": the monitor's stdin and
 * stdout are pipes relayed by stdio_relay(), so the program's stdout,
 * stderr and the kernel's messages land on husk's fd 1, 2 and 2.  The
 * monitor also gets one end of a socket pair as its descriptor
 * STDIO_BULK_FD: the bulk channel (a virtio console) carrying the same
 * framed stream, relayed as well.
 */
#define STDIO_BULK_FD 3
/*
 * flags: STDIO_BULK gives the monitor the bulk channel; STDIO_ESCAPE_GS as
 * for stdio_relay; STDIO_PTY_IN makes the monitor's stdin a pseudo-terminal
 * in raw mode instead of a pipe (xl console's xenconsole reads a stdin that
 * is no terminal only with --interactive, which xl console does not pass).
 */
#define STDIO_BULK      1
#define STDIO_ESCAPE_GS 2
#define STDIO_PTY_IN    4
int proc_run_stdio(char *const argv[], unsigned flags, int *wstatus, int *signo);
/*
 * stdio.c: relays husk's stdin to the VM (DLE escaped, DLE 'e' at its end)
 * and demultiplexes what it sends (DLE '1'/'2'/'k' switch stream) onto
 * husk's fd 1 and 2, until both sources end.  Two sources, each with its
 * own framing state: from_vm (the monitor's stdout: COM1, or Xen's console)
 * and bulk (the virtio console; -1 for none).  Input goes to to_vm or to
 * bulk, whichever sent the last DLE 'r'.  With STDIO_ESCAPE_GS the byte
 * 0x1d (^], the escape character of Xen's console client, which would
 * detach it) is sent as DLE ']'.  The kernel side is
 * kernel/fs/devfs.c and console_write_stream() in kernel/lib/printk.c.
 */
void stdio_relay(int to_vm, int from_vm, int bulk, unsigned flags);
/* Prints argv to stderr as a shell command line ("husk: qemu-system-x86_64 ..."). */
void proc_print_argv(char *const argv[]);

/* ---- the VM's devices (vmopts.c) ---- */

enum vm_net_mode {
	VM_NET_NONE,            /* loopback only (the default without -p) */
	VM_NET_TAP,             /* a host tap device */
	VM_NET_USER,            /* user-mode networking: libslirp / QEMU's -netdev user */
	VM_NET_BRIDGE,          /* a vif on a bridge of the Xen dom0 (the xen backend) */
};

#define VM_FWD_MAX 32
#define VM_VOL_MAX 6     /* with a NIC, QEMU's microvm has room for seven devices */

struct vm_fwd {
	int udp;
	unsigned host_port, guest_port;
};

struct vm_volume {
	char *image;            /* host file (malloc'ed; mountpoint shares the allocation) */
	const char *mountpoint; /* absolute path inside the guest */
	int ro;
};

struct vm_devices {
	enum vm_net_mode net;
	int net_given;          /* --net was given */
	const char *tap;        /* VM_NET_TAP: the interface */
	const char *bridge;     /* VM_NET_BRIDGE: the dom0 bridge */
	struct vm_fwd fwd[VM_FWD_MAX];
	size_t nfwd;
	struct vm_volume vol[VM_VOL_MAX];   /* vda, vdb, ... in this order */
	size_t nvol;
	const char *ip;         /* ADDR/PREFIX, or NULL for DHCP */
	const char *gw, *dns;   /* only with ip */
};

/*
 * One function per option; each checks its argument, prints a "husk: "
 * message naming the option when it is wrong, and returns 0 or -EINVAL.
 *   --net tap:NAME | bridge:NAME | user | none    -p HOST:GUEST[/udp]    -v IMAGE:/MNT[:ro]
 *   --ip ADDR/PREFIX   --gw ADDR   --dns ADDR
 */
int vmopt_net(struct vm_devices *d, const char *arg);
int vmopt_publish(struct vm_devices *d, const char *arg);
int vmopt_volume(struct vm_devices *d, const char *arg);
int vmopt_ip(struct vm_devices *d, const char *arg);
int vmopt_gw(struct vm_devices *d, const char *arg);
int vmopt_dns(struct vm_devices *d, const char *arg);
/* After all options: -p implies user networking; rejects combinations that cannot work. */
int vmopt_finish(struct vm_devices *d);
/*
 * Refuses, with a message, devices the backend named ("vmm", "qemu", "xen")
 * cannot give: a Xen vif joins a dom0 bridge (--net bridge:NAME), the
 * others use a tap or user networking.  Returns 0 or -EINVAL.
 */
int vmopt_backend(const struct vm_devices *d, const char *backend);
/* The address part of --ip into buf, or -ENOENT without --ip. */
int vmopt_guest_ip(const struct vm_devices *d, char *buf, size_t size);
/*
 * Can this process open tap NAME as the backends will (a tap that does not
 * exist is made and removed again, with the privilege that takes)?  Says
 * why not, naming the permission, and returns -errno; 0 if it can.
 */
int vmopt_check_tap(const char *name);
/*
 * Appends the kernel options (net.ip=, net.gw=, net.dns=, vol=; abi.h) to
 * options; the volumes are disk_prefix + a, b, ... ("vd" for virtio, "xvd"
 * for Xen's vbds).
 */
int vmopt_kernel_args(const struct vm_devices *d, const char *disk_prefix, struct strvec *options);
void vm_devices_free(struct vm_devices *d);

/* ---- backends (backend_*.c) ---- */

struct vm_config {
	const char *kernel;     /* the husk kernel ELF */
	const char *initrd;     /* cpio newc archive */
	const char *cmdline;
	unsigned long mem_mib;
	int verbose;
	int stdio_mux;          /* the command line has "husk.mux": use proc_run_stdio() */
	const struct vm_devices *dev;   /* NICs and disks (never NULL) */
};

struct backend {
	const char *name;
	const char *disk_prefix;        /* the guest's name of the first volume, less its "a" */
	/* Boots the VM and waits for it.  Returns husk's exit status. */
	int (*run)(const struct vm_config *cfg);
};

extern const struct backend backend_qemu;
extern const struct backend backend_vmm;
extern const struct backend backend_xen;

/* ---- Xen (xl.c): the xl domain configuration of a husk VM ---- */
struct xl_domain {
	const char *name;
	const char *kernel;     /* absolute paths: xl reads them itself */
	const char *ramdisk;
	const char *cmdline;
	unsigned long mem_mib;
	struct strvec vifs;     /* xl vif specs, e.g. "bridge=xenbr0" */
	struct strvec disks;    /* xl disk specs, e.g. "phy:/dev/vg/x,xvda,w" */
	int preserve;           /* keep the domain after it stops (on_poweroff/on_crash) */
};
/* Writes d as an xl config file to f.  Returns 0 or -EIO. */
int xl_config_write(FILE *f, const struct xl_domain *d);
/*
 * Adds dev's NIC (--net bridge:NAME: "bridge=NAME") and volumes
 * ("format=raw,vdev=xvdX,access=rw|ro,target=ABSOLUTE_PATH", in the order
 * of -v, as the kernel's vol=xvdX options name them) to d's vif and disk
 * lists.  Returns 0 or -errno (-ENOENT: a volume's path does not resolve).
 */
int xl_domain_add_devices(struct xl_domain *d, const struct vm_devices *dev);

#endif
