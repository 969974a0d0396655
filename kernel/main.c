/* SPDX-License-Identifier: MIT */
/* main.c: kernel start-up: platform, memory, clocks, root file system, then the program as the first thread. */
#include "kernel.h"
#include "exec.h"
#include "husk/abi.h"
#include "ktime.h"
#include "mm.h"
#include "net.h"
#include "netdev.h"
#include "platform.h"
#include "console_channel.h"
#include "sched.h"
#include "vfs.h"
#include "arch/x86_64/x86.h"

#define MAX_ARGS 256
#define MAX_ENV 256

static char *argv[MAX_ARGS + 1];
static char *envp[MAX_ENV + 4];
static int argc, envc;
static bool check_user_access;   /* the "smap" debug option */
static char cmdline_buf[sizeof(boot_info.cmdline)];

/*
 * Splits the command line in place (include/husk/abi.h): words separated by
 * spaces, double-quoted parts with \" and \\ escapes.  Returns the next word
 * or NULL at the end.
 */
static char *next_word(char **pos)
{
	char *s = *pos, *out, *word;

	while (*s == ' ')
		s++;
	if (!*s)
		return NULL;
	word = out = s;
	bool quoted = false;
	for (; *s && (quoted || *s != ' '); s++) {
		if (*s == '"') {
			quoted = !quoted;
		} else if (quoted && *s == '\\' && (s[1] == '"' || s[1] == '\\')) {
			*out++ = *++s;
		} else {
			*out++ = *s;
		}
	}
	if (*s)
		s++;
	*out = 0;
	*pos = s;
	return word;
}

static bool env_has(const char *name)
{
	size_t n = strlen(name);
	for (int i = 0; i < envc; i++)
		if (!strncmp(envp[i], name, n) && envp[i][n] == '=')
			return true;
	return false;
}

static void parse_cmdline(void)
{
	char *pos = cmdline_buf, *w;
	bool in_argv = false;

	strlcpy(cmdline_buf, boot_info.cmdline, sizeof(cmdline_buf));
	while ((w = next_word(&pos))) {
		if (in_argv) {
			if (argc < MAX_ARGS)
				argv[argc++] = w;
		} else if (!strcmp(w, "--")) {
			in_argv = true;
		} else if (!strcmp(w, "quiet")) {
			kernel_quiet = true;
		} else if (!strcmp(w, "smap")) {
			check_user_access = true;
		} else if (!strcmp(w, "husk.mux")) {
			console_mux = true;
		} else if (!strcmp(w, "husk.notty")) {
			console_notty = true;
		} else if (!strncmp(w, "husk.winsize=", 13)) {
			console_winsize_option(w + 13);
		} else if (!strncmp(w, "env=", 4)) {
			if (envc < MAX_ENV)
				envp[envc++] = w + 4;
		} else if (!strncmp(w, "vol=", 4)) {
			volume_option(w + 4);
		}
		/* Other options (virtio_mmio.device=, ...) are read by their drivers. */
	}
	/*
	 * QEMU microvm appends virtio_mmio.device= options to the end of the
	 * line, after our "--": they are device options, not arguments
	 * (plat_devices_probe reads them).
	 */
	while (argc > 1 && !strncmp(argv[argc - 1], "virtio_mmio.device=", 19))
		argv[--argc] = NULL;
	if (!env_has("HOME"))
		envp[envc++] = "HOME=/";
	if (!env_has("TERM"))
		envp[envc++] = "TERM=linux";
	if (!env_has("PATH"))
		envp[envc++] = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}

void machine_exit(int status)
{
	/* Volumes still mounted are written and left clean, as at a shutdown. */
	vfs_shutdown();
	if (!kernel_quiet)
		netdev_report();
	printk("husk: exit status %d\n", status);
	/* The bulk channel's last buffers must have left before the VM stops. */
	console_channel_flush();
	plat_exit(status);
}

void panic(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	uint64_t rbp;

	va_start(ap, fmt);
	vsnprintk(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* The panic goes out on the platform console (the UART), which needs no driver state. */
	console_channel_drop();
	printk_unlimited = true;
	printk_err("husk: kernel panic: %s\n", buf);
	__asm__ volatile("mov %%rbp, %0" : "=r"(rbp));
	backtrace_kernel(rbp, (uint64_t)__builtin_return_address(0));
	plat_exit(HUSK_STATUS_CRASH);
}

static struct proc *proc_create_init(void)
{
	struct proc *p = kzalloc(sizeof(*p));
	struct file *con;
	int err;

	if (!p)
		boot_out_of_memory("creating the process");
	p->pid = 1;
	p->umask = 022;
	proc_init_first(p);
	list_init(&p->threads);
	p->fdt = fdtable_create();
	if (!p->fdt)
		boot_out_of_memory("creating the descriptor table");
	err = vfs_lookup(NULL, "/", false, &p->cwd);
	if (err)
		panic("no root directory (%d)", err);
	for (int fd = 0; fd < 3; fd++) {
		con = console_file_open(fd == 2 ? CON_STDERR : CON_STDOUT);
		if (!con || fd_install(p->fdt, con, fd, false) != fd)
			panic("cannot open the console as descriptor %d", fd);
	}
	return p;
}

void kmain(uint64_t start_info_paddr)
{
	struct trapframe tf;
	struct proc *p;
	int err;

	plat_init(start_info_paddr);
	parse_cmdline();
	cpu_init();
	if (check_user_access)
		printk_err(user_access_checks_enable() ? "husk: smap on: kernel accesses to user memory are checked\n"
			   : "husk: smap: this CPU has no SMAP; user accesses are not checked\n");
	page_init();
	plat_irq_init();
	clock_init();
	plat_timer_init();
	vfs_init();
	plat_devices_probe();
	/* After the devices: the relay sends input where DLE 'r' came from (a virtio console, else COM1). */
	console_mux_ready();
	if (boot_info.initrd.size) {
		err = initrd_unpack(phys_to_virt(boot_info.initrd.paddr), boot_info.initrd.size);
		if (err == -ENOMEM)
			boot_out_of_memory("unpacking the image");
		if (err) {
			/* initrd_unpack said where it broke; running what could be read would hide the damage. */
			printk_err("husk: the image is damaged; not running it\n");
			machine_exit(HUSK_STATUS_NOEXEC);
		}
	}
	net_init();
	volumes_mount();
	/* Only when asked for: formatting it costs about 2,000 instructions of boot. */
	if (!kernel_quiet)
		printk("husk: %lu MiB of memory, command line: %s\n", page_total_bytes() >> 20, boot_info.cmdline);

	if (argc == 0) {
		printk_err("husk: no program on the command line (expected \"-- /path/to/program args...\")\n");
		machine_exit(HUSK_STATUS_NOENT);
	}
	p = proc_create_init();
	/* Exec needs a current process for path lookups relative to its cwd. */
	err = exec_load(p, argv[0], argv, envp, &tf);
	if (err == -ENOENT) {
		printk_err("husk: %s: No such file or directory\n", argv[0]);
		machine_exit(HUSK_STATUS_NOENT);
	}
	if (err == -EACCES) {
		printk_err("husk: %s: not a regular file\n", argv[0]);
		machine_exit(HUSK_STATUS_NOEXEC);
	}
	if (err) {
		if (err != -ENOEXEC)
			printk_err("husk: %s: cannot execute (error %d)\n", argv[0], -err);
		machine_exit(HUSK_STATUS_NOEXEC);
	}
	if (!thread_create(p, &tf))
		boot_out_of_memory("creating the first thread");
	sched_start();
}
