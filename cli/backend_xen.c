/* SPDX-License-Identifier: MIT */
/* backend_xen.c: boots the VM as a Xen PVH domU with xl, on a host that runs the Xen toolstack (dom0). */

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

#define XL "xl"

/* 1 if name is an executable in $PATH (or /usr/sbin, where Debian puts xl). */
static int in_path(const char *name)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX], *dirs, *dir, *save;
	int found = 0;

	if (asprintf(&dirs, "%s:/usr/sbin:/sbin", path ? path : "") < 0)
		return 0;
	for (dir = strtok_r(dirs, ":", &save); dir && !found; dir = strtok_r(NULL, ":", &save)) {
		snprintf(buf, sizeof(buf), "%s/%s", *dir ? dir : ".", name);
		found = access(buf, X_OK) == 0;
	}
	free(dirs);
	return found;
}

/* Runs argv quietly and returns its first line of output (malloc'ed), or NULL. */
static char *first_line(char *const argv[])
{
	char *cmd = NULL, *line = NULL;
	size_t cap = 0;
	FILE *p;

	if (asprintf(&cmd, "%s %s %s 2>/dev/null", argv[0], argv[1], argv[2] ? argv[2] : "") < 0)
		return NULL;
	p = popen(cmd, "r");
	free(cmd);
	if (!p)
		return NULL;
	if (getline(&line, &cap, p) < 0) {
		free(line);
		line = NULL;
	}
	pclose(p);
	return line;
}

/*
 * The status line: the kernel writes the decimal status to port 0xe9 last,
 * which Xen logs as "(dDOMID) STATUS".  Returns 0 and *status, or -ENODATA.
 */
static int status_from_dmesg(long domid, int *status)
{
	char prefix[32], *line = NULL, *end;
	size_t cap = 0;
	int found = -ENODATA;
	FILE *p = popen(XL " dmesg 2>/dev/null", "r");

	if (!p)
		return -ENODATA;
	snprintf(prefix, sizeof(prefix), "(d%ld) ", domid);
	while (getline(&line, &cap, p) >= 0) {
		char *at = strstr(line, prefix);
		long v;

		if (!at)
			continue;
		at += strlen(prefix);
		v = strtol(at, &end, 10);
		if (end != at && (*end == '\n' || *end == '\0') && v >= 0 && v <= 255) {
			*status = (int)v;
			found = 0;
		}
	}
	free(line);
	pclose(p);
	return found;
}

static int run_xl(char *const argv[], int verbose)
{
	int wstatus, signo, err;

	if (verbose)
		proc_print_argv(argv);
	err = proc_run(argv, &wstatus, &signo);
	if (err) {
		husk_err("cannot run %s: %s", argv[0], strerror(-err));
		return -1;
	}
	return WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0 && !signo ? 0 : -1;
}

/* run_xl for xl console behind the stdio relay (husk.mux on the PV console). */
static void run_xl_console(char *const argv[], int verbose)
{
	int wstatus, signo, err;

	if (verbose)
		proc_print_argv(argv);
	err = proc_run_stdio(argv, STDIO_ESCAPE_GS | STDIO_PTY_IN, &wstatus, &signo);
	if (err)
		husk_err("cannot run %s: %s", argv[0], strerror(-err));
}

/*
 * xl create -p, then unpause and attach the console (xl create -c cannot
 * tell us the domain id, which the status line in Xen's log is keyed by).
 */
static int xen_run(const struct vm_config *cfg)
{
	struct xl_domain d = { 0 };
	char name[64], *config = NULL, *line;
	char kernel[PATH_MAX], initrd[PATH_MAX];
	int fd, err, status = HUSK_STATUS_HOST;
	long domid;
	FILE *f;

	if (!in_path(XL)) {
		husk_err("--backend xen needs the Xen toolstack: no \"%s\" in PATH (run husk in a Xen dom0)", XL);
		return HUSK_STATUS_HOST;
	}
	if (!realpath(cfg->kernel, kernel) || !realpath(cfg->initrd, initrd)) {
		husk_err("%s: %s", cfg->kernel, strerror(errno));
		return HUSK_STATUS_HOST;
	}
	snprintf(name, sizeof(name), "husk-%ld", (long)getpid());
	d.name = name;
	d.kernel = kernel;
	d.ramdisk = initrd;
	d.cmdline = cfg->cmdline;
	d.mem_mib = cfg->mem_mib;
	err = xl_domain_add_devices(&d, cfg->dev);
	if (err) {
		husk_err("the domain's devices: %s", strerror(-err));
		goto out;
	}
	fd = proc_mktemp("xl", &config);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		husk_err("cannot write the xl config: %s", strerror(fd < 0 ? -fd : errno));
		goto out;
	}
	if (xl_config_write(f, &d) || fclose(f)) {
		husk_err("cannot write the xl config %s", config);
		goto out;
	}
	char *create[] = { XL, "create", "-p", "-q", config, NULL };
	if (run_xl(create, cfg->verbose)) {
		husk_err("xl create failed (config in %s)", config);
		goto out;
	}
	char *domid_argv[] = { XL, "domid", name, NULL };
	line = first_line(domid_argv);
	domid = line ? strtol(line, NULL, 10) : 0;
	free(line);
	char *unpause[] = { XL, "unpause", name, NULL };
	char *console[] = { XL, "console", name, NULL };
	if (domid <= 0 || run_xl(unpause, cfg->verbose)) {
		husk_err("cannot start the domain %s", name);
		char *destroy[] = { XL, "destroy", name, NULL };
		run_xl(destroy, cfg->verbose);
		goto out;
	}
	/*
	 * Returns when the domain is gone (on_poweroff and on_crash are
	 * "destroy").  xl console runs behind the relay of cli/stdio.c, its
	 * stdout a pipe and its stdin a raw pseudo-terminal (xenconsole ignores
	 * a stdin that is no terminal); the end of husk's stdin goes as DLE 'e',
	 * and ^] in the input is sent escaped (it is xenconsole's escape).
	 */
	if (cfg->stdio_mux)
		run_xl_console(console, cfg->verbose);
	else
		run_xl(console, cfg->verbose);
	if (status_from_dmesg(domid, &status)) {
		husk_err("domain %ld left no exit status line in xl dmesg", domid);
		status = HUSK_STATUS_CRASH;
	}
out:
	free(config);
	strvec_free(&d.vifs);
	strvec_free(&d.disks);
	return status;
}

const struct backend backend_xen = {
	.name = "xen",
	.disk_prefix = "xvd",
	.run = xen_run,
};
