/* SPDX-License-Identifier: MIT */
/* procfs_gen.c: the files of /proc (self, <pid>/{maps,stat,status,auxv,...}, cpuinfo, meminfo, ...) and /sys: generators and their tables. */
#include "kernel.h"
#include "ktime.h"
#include "mm.h"
#include "netdev.h"
#include "sched.h"
#define VDSO_KERNEL_SIDE
#include "vdso.h"
#include "vfs.h"
#include "procfs.h"
#include "../arch/x86_64/x86.h"

/* USER_HZ: the unit of times in /proc. */
#define CLK_TCK 100
static uint64_t ns_to_ticks(uint64_t ns) { return ns / (NSEC_PER_SEC / CLK_TCK); }

/* ---- process generators ---- */

struct proc *procfs_target;

/* The process a /proc/<pid> file describes (the caller for files outside <pid>/). */
static struct proc *target(void)
{
	return procfs_target ? procfs_target : current_proc();
}

/* One thread of it, for the per-thread fields (NULL for a zombie). */
static struct thread *target_thread(void)
{
	struct proc *p = target();

	if (p == current_proc())
		return current;
	return list_empty(&p->threads) ? NULL : list_entry(p->threads.next, struct thread, proc_link);
}

/* The state letter of /proc/<pid>/stat and the State: line of status. */
static char state_letter(struct proc *p)
{
	struct list *it;

	if (p->zombie)
		return 'Z';
	if (p->stopped)
		return 'T';
	if (p == current_proc())
		return 'R';
	list_for_each(it, &p->threads)
		if (list_entry(it, struct thread, proc_link)->state == THREAD_RUNNABLE)
			return 'R';
	return 'S';
}

static const char *state_name(char c)
{
	switch (c) {
	case 'Z': return "Z (zombie)";
	case 'T': return "T (stopped)";
	case 'S': return "S (sleeping)";
	default: return "R (running)";
	}
}

static void gen_self(struct pbuf *b)
{
	pbuf_printf(b, "%d", current_proc()->pid);
}

static void gen_exe(struct pbuf *b)
{
	const char *p = target()->exe_path;

	if (!p || target()->zombie) {
		b->err = -ENOENT;
		return;
	}
	pbuf_write(b, p, strlen(p));
}

/* There is no chroot: every process's root is the root. */
static void gen_root(struct pbuf *b)
{
	pbuf_write(b, "/", 1);
}

static void gen_cwd(struct pbuf *b)
{
	char *tmp;
	ssize_t n;

	if (target()->zombie) {
		b->err = -ENOENT;     /* as Linux: a zombie has no cwd */
		return;
	}
	tmp = kmalloc(PATH_MAX);
	if (!tmp) {
		b->err = -ENOMEM;
		return;
	}
	n = vfs_getcwd(target()->cwd ? target()->cwd : vfs_root(), tmp, PATH_MAX);
	if (n < 0)
		b->err = (int)n;
	else
		pbuf_write(b, tmp, n - 1);
	kfree(tmp);
}

static void gen_cmdline(struct pbuf *b)
{
	struct proc *p = target();

	/* A zombie's memory is gone: Linux shows an empty command line. */
	if (p->cmdline && !p->zombie)
		pbuf_write(b, p->cmdline, p->cmdline_len);
}

static void gen_auxv(struct pbuf *b)
{
	static const uint64_t end[2] = { 0, 0 };   /* AT_NULL */
	struct proc *p = target();

	pbuf_write(b, p->auxv, (size_t)p->nr_auxv * 16);
	if (p->nr_auxv == 0 || p->auxv[2 * (p->nr_auxv - 1)] != 0)
		pbuf_write(b, end, sizeof(end));
}

/* The command name: the executable's base name, at most 15 characters like Linux's comm. */
static const char *comm(char buf[16])
{
	const char *p = target()->exe_path, *slash;

	if (!p)
		return "?";
	slash = strrchr(p, '/');
	strlcpy(buf, slash ? slash + 1 : p, 16);
	return buf;
}

static uint64_t cpu_ns(void)
{
	struct list *it;
	uint64_t ns = 0;

	list_for_each(it, &target()->threads)
		ns += list_entry(it, struct thread, proc_link)->cpu_ns;
	return ns;
}

/* Pages of [start, end) present in the page tables. */
static uint64_t resident_pages(struct vm *vm, uint64_t start, uint64_t end)
{
	uint64_t n = 0;

	for (uint64_t va = start; va < end;) {
		uint64_t *pte = pt_walk(vm->pml4, va, false);

		if (!pte) {            /* no page table here: skip to the next 2 MiB */
			va = ALIGN_DOWN(va, 1UL << 21) + (1UL << 21);
			continue;
		}
		if (*pte & PTE_P)
			n++;
		va += PAGE_SIZE;
	}
	return n;
}

struct vm_stats {
	uint64_t size, rss, data, stack, exe, lib;      /* bytes */
	uint64_t start_code, end_code, start_stack;
};

static void vm_stats(struct vm_stats *st)
{
	struct proc *p = target();
	struct list *it;

	memset(st, 0, sizeof(*st));
	if (!p->vm)
		return;
	list_for_each(it, &p->vm->vmas) {
		struct vma *v = list_entry(it, struct vma, link);
		uint64_t len = v->end - v->start;

		st->size += len;
		st->rss += resident_pages(p->vm, v->start, v->end) * PAGE_SIZE;
		if (v->flags & VM_STACK) {
			st->stack += len;
			st->start_stack = v->end;
		} else if (v->file && (v->prot & VM_EXEC)) {
			if (v->file == p->exe) {
				st->exe += len;
				if (!st->start_code)
					st->start_code = v->start;
				st->end_code = v->end;
			} else {
				st->lib += len;
			}
		} else if ((v->prot & VM_WRITE) && !(v->flags & VM_SHARED)) {
			st->data += len;
		}
	}
}

/* Signal sets as /proc shows them: blocked by the current thread, ignored and caught by the process. */
static void sig_sets(uint64_t *pending, uint64_t *blocked, uint64_t *ignored, uint64_t *caught)
{
	struct proc *p = target();

	struct thread *t = target_thread();

	*pending = t ? t->sigpending : 0;
	*blocked = t ? t->sigmask : 0;
	*ignored = *caught = 0;
	for (int i = 0; i < KNSIG; i++) {
		if (p->sigactions[i].handler == 1)          /* SIG_IGN */
			*ignored |= 1ULL << i;
		else if (p->sigactions[i].handler > 1)
			*caught |= 1ULL << i;
	}
}

static void gen_stat(struct pbuf *b)
{
	struct proc *p = target();
	uint64_t pend, blk, ign, cgt, ticks = ns_to_ticks(cpu_ns());
	struct vm_stats st;
	char name[16];

	vm_stats(&st);
	sig_sets(&pend, &blk, &ign, &cgt);
	/* Fields 1-13: pid (comm) state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt */
	pbuf_printf(b, "%d (%s) %c %d %d %d 0 -1 4194560 0 0 0 0 ", p->pid, comm(name), state_letter(p),
		    p->parent ? p->parent->pid : 0, p->pgid, p->sid);
	/* 14-24: utime stime cutime cstime priority nice num_threads itrealvalue starttime vsize rss */
	pbuf_printf(b, "%lu 0 0 0 20 0 %d 0 0 %lu %lu ", (unsigned long)ticks, p->nr_threads,
		    (unsigned long)st.size, (unsigned long)(st.rss / PAGE_SIZE));
	/* 25-31: rsslim startcode endcode startstack kstkesp kstkeip signal */
	pbuf_printf(b, "18446744073709551615 %lu %lu %lu 0 0 %lu ", (unsigned long)st.start_code,
		    (unsigned long)st.end_code, (unsigned long)st.start_stack, (unsigned long)pend);
	/* 32-52: blocked sigignore sigcatch wchan nswap cnswap exit_signal processor rt_priority
	 * policy delayacct guest_time cguest_time start_data end_data start_brk arg_start arg_end
	 * env_start env_end exit_code */
	pbuf_printf(b, "%lu %lu %lu 0 0 0 17 0 0 0 0 0 0 0 0 %lu 0 0 0 0 0\n", (unsigned long)blk,
		    (unsigned long)ign, (unsigned long)cgt, (unsigned long)(p->vm ? p->vm->brk_start : 0));
}

static void gen_statm(struct pbuf *b)
{
	struct vm_stats st;

	vm_stats(&st);
	pbuf_printf(b, "%lu %lu 0 %lu 0 %lu 0\n", (unsigned long)(st.size / PAGE_SIZE),
		    (unsigned long)(st.rss / PAGE_SIZE), (unsigned long)(st.exe / PAGE_SIZE),
		    (unsigned long)((st.data + st.stack) / PAGE_SIZE));
}

static void gen_status(struct pbuf *b)
{
	struct proc *p = target();
	uint64_t pend, blk, ign, cgt;
	struct vm_stats st;
	char name[16];

	vm_stats(&st);
	sig_sets(&pend, &blk, &ign, &cgt);
	pbuf_printf(b, "Name:\t%s\nUmask:\t%04o\nState:\t%s\nTgid:\t%d\nNgid:\t0\n"
		    "Pid:\t%d\nPPid:\t%d\nTracerPid:\t0\n", comm(name), p->umask, state_name(state_letter(p)),
		    p->pid, p->pid, p->parent ? p->parent->pid : 0);
	pbuf_printf(b, "Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nFDSize:\t%d\nGroups:\t\n", FD_MAX);
	pbuf_printf(b, "VmPeak:\t%8lu kB\nVmSize:\t%8lu kB\nVmLck:\t       0 kB\nVmPin:\t       0 kB\n",
		    (unsigned long)(st.size >> 10), (unsigned long)(st.size >> 10));
	pbuf_printf(b, "VmHWM:\t%8lu kB\nVmRSS:\t%8lu kB\n", (unsigned long)(st.rss >> 10),
		    (unsigned long)(st.rss >> 10));
	pbuf_printf(b, "VmData:\t%8lu kB\nVmStk:\t%8lu kB\nVmExe:\t%8lu kB\nVmLib:\t%8lu kB\n",
		    (unsigned long)(st.data >> 10), (unsigned long)(st.stack >> 10),
		    (unsigned long)(st.exe >> 10), (unsigned long)(st.lib >> 10));
	pbuf_printf(b, "VmPTE:\t       0 kB\nVmSwap:\t       0 kB\nThreads:\t%d\nSigQ:\t0/63796\n",
		    p->nr_threads);
	pbuf_printf(b, "SigPnd:\t%016lx\nShdPnd:\t0000000000000000\nSigBlk:\t%016lx\n",
		    (unsigned long)pend, (unsigned long)blk);
	pbuf_printf(b, "SigIgn:\t%016lx\nSigCgt:\t%016lx\n", (unsigned long)ign, (unsigned long)cgt);
	pbuf_printf(b, "CapInh:\t0000000000000000\nCapPrm:\t000001ffffffffff\nCapEff:\t000001ffffffffff\n"
		    "CapBnd:\t000001ffffffffff\nCapAmb:\t0000000000000000\nNoNewPrivs:\t0\nSeccomp:\t0\n");
	pbuf_printf(b, "Cpus_allowed:\t1\nCpus_allowed_list:\t0\nMems_allowed:\t1\nMems_allowed_list:\t0\n"
		    "voluntary_ctxt_switches:\t0\nnonvoluntary_ctxt_switches:\t0\n");
}

/*
 * The path of a mapped file.  Inodes do not know their names, so: the
 * executable, then the open descriptors, then a search of the file system
 * by inode number (bounded; /proc and /sys are not entered).
 */
struct name_search {
	uint64_t ino;
	int budget;                     /* directories left to visit */
	char *path;                     /* PATH_MAX buffer being built */
	bool found;
};

struct dirent_list {
	struct pbuf names;              /* "name\0" repeated */
	struct pbuf inos;               /* uint64 ino, uint64 dtype */
};

static int collect(void *ctx, const char *name, size_t len, uint64_t ino, unsigned dtype, uint64_t next)
{
	struct dirent_list *l = ctx;
	uint64_t rec[2] = { ino, dtype };

	(void)next;
	pbuf_write(&l->names, name, len);
	pbuf_write(&l->names, "", 1);
	pbuf_write(&l->inos, rec, sizeof(rec));
	return l->names.err || l->inos.err;
}

static void search_dir(struct name_search *s, struct inode *dir, size_t plen)
{
	struct dirent_list l = { 0 };
	uint64_t pos = 2;               /* skip "." and ".." */
	const char *name;
	size_t n;

	if (s->budget-- <= 0 || !dir->iops || !dir->iops->readdir || dir->mounted)
		return;
	dir->iops->readdir(dir, &pos, collect, &l);
	name = l.names.buf;
	n = l.inos.len / 16;
	for (size_t i = 0; i < n && !s->found; i++, name += strlen(name) + 1) {
		const uint64_t *rec = (const uint64_t *)l.inos.buf + 2 * i;
		size_t nlen = strlen(name);
		struct inode *child;

		if (plen + 1 + nlen + 1 > PATH_MAX)
			continue;
		s->path[plen] = '/';
		memcpy(s->path + plen + 1, name, nlen + 1);
		if (rec[0] == s->ino) {
			s->found = true;
		} else if (rec[1] == DT_DIR && dir->iops->lookup &&
			   dir->iops->lookup(dir, name, nlen, &child) == 0) {
			if (!child->mounted)
				search_dir(s, child, plen + 1 + nlen);
			inode_unref(child);
		}
	}
	kfree(l.names.buf);
	kfree(l.inos.buf);
}

static void file_name(struct pbuf *b, struct inode *ino)
{
	struct proc *p = target();
	struct name_search s = { .ino = ino->ino, .budget = 2000 };

	if (ino == p->exe && p->exe_path) {
		pbuf_write(b, p->exe_path, strlen(p->exe_path));
		return;
	}
	for (int fd = 0; fd < FD_MAX; fd++) {
		struct file *f = fd_peek(p->fdt, fd);

		if (f && f->inode == ino && f->path) {
			pbuf_write(b, f->path, strlen(f->path));
			return;
		}
	}
	s.path = kmalloc(PATH_MAX);
	if (!s.path)
		return;
	search_dir(&s, vfs_root(), 0);
	if (s.found)
		pbuf_write(b, s.path, strlen(s.path));
	kfree(s.path);
}

/* A maps line for a mapping that is no VMA (the vDSO), name padded to column 73 as Linux does. */
static void maps_special(struct pbuf *b, uint64_t start, uint64_t end, const char *perms, const char *name)
{
	size_t line = b->len;

	pbuf_printf(b, "%08lx-%08lx %s 00000000 00:00 0", (unsigned long)start, (unsigned long)end, perms);
	while (b->len - line < 73 && !b->err)
		pbuf_write(b, " ", 1);
	pbuf_printf(b, "%s\n", name);
}

static void gen_maps(struct pbuf *b)
{
	struct list *it;

	if (!target()->vm)
		return;
	list_for_each(it, &target()->vm->vmas) {
		struct vma *v = list_entry(it, struct vma, link);
		size_t start = b->len;

		pbuf_printf(b, "%08lx-%08lx %c%c%c%c %08lx %02x:%02x %lu", (unsigned long)v->start,
			    (unsigned long)v->end, v->prot & VM_READ ? 'r' : '-', v->prot & VM_WRITE ? 'w' : '-',
			    v->prot & VM_EXEC ? 'x' : '-', v->flags & VM_SHARED ? 's' : 'p',
			    (unsigned long)(v->file ? v->file_off : 0), 0, v->file ? (unsigned)v->file->dev : 0,
			    (unsigned long)(v->file ? v->file->ino : 0));
		if (v->file || v->name) {
			/* Linux pads the name to column 73. */
			while (b->len - start < 73 && !b->err)
				pbuf_write(b, " ", 1);
			if (v->file)
				file_name(b, v->file);
			else
				pbuf_write(b, v->name, strlen(v->name));
		}
		pbuf_write(b, "\n", 1);
	}
	/* The vDSO and its data page sit in the kernel half, so they come last (as Linux's [vsyscall]). */
	maps_special(b, vdso_base() - PAGE_SIZE, vdso_base(), "r--p", "[vvar]");
	maps_special(b, vdso_base(), vdso_base() + vdso_size(), "r-xp", "[vdso]");
}

void procfs_fd_link(struct pbuf *b, int fd)
{
	struct file *f = fd_peek(target()->fdt, fd);
	struct inode *ino;

	if (!f || !f->inode) {
		b->err = -ENOENT;
		return;
	}
	ino = f->inode;
	if (f->path)
		pbuf_write(b, f->path, strlen(f->path));
	else if (S_ISFIFO(ino->mode))
		pbuf_printf(b, "pipe:[%lu]", (unsigned long)ino->ino);
	else if (S_ISSOCK(ino->mode))
		pbuf_printf(b, "socket:[%lu]", (unsigned long)ino->ino);
	else if (S_ISCHR(ino->mode))
		pbuf_printf(b, "/dev/console");
	else
		pbuf_printf(b, "anon_inode:[%lu]", (unsigned long)ino->ino);
}

/* ---- system generators ---- */

static void put_line(void *ctx, const char *line)
{
	pbuf_printf(ctx, "%s", line);
}

/* The mount table (fs/super.c), as /proc/mounts and /etc/mtab show it. */
static void gen_mounts(struct pbuf *b)
{
	vfs_show_mounts(put_line, b);
}

/* The kernel's own pseudo file systems, then the types mount(2) takes (fs/super.c). */
static void gen_filesystems(struct pbuf *b)
{
	pbuf_printf(b, "nodev\tsysfs\nnodev\tproc\nnodev\tdevtmpfs\nnodev\tpipefs\nnodev\tsockfs\n");
	vfs_show_fstypes(put_line, b);
}

static void gen_version(struct pbuf *b)
{
	/* Matches uname(2). */
	pbuf_printf(b, "Linux version 6.1.0-husk (husk) #1 husk\n");
}

static void gen_osrelease(struct pbuf *b) { pbuf_printf(b, "6.1.0-husk\n"); }
static void gen_ostype(struct pbuf *b) { pbuf_printf(b, "Linux\n"); }
static void gen_hostname(struct pbuf *b) { pbuf_printf(b, "husk\n"); }
static void gen_cpu0(struct pbuf *b) { pbuf_printf(b, "0\n"); }

static void gen_uptime(struct pbuf *b)
{
	uint64_t up = clock_monotonic_ns() / (NSEC_PER_SEC / 100), busy = cpu_ns() / (NSEC_PER_SEC / 100);
	uint64_t idle = up > busy ? up - busy : 0;

	pbuf_printf(b, "%lu.%02lu %lu.%02lu\n", (unsigned long)(up / 100), (unsigned long)(up % 100),
		    (unsigned long)(idle / 100), (unsigned long)(idle % 100));
}

static void gen_loadavg(struct pbuf *b)
{
	pbuf_printf(b, "0.00 0.00 0.00 1/%d %d\n", target()->nr_threads, target()->pid);
}

static void gen_sys_stat(struct pbuf *b)
{
	uint64_t up = ns_to_ticks(clock_monotonic_ns()), user = ns_to_ticks(cpu_ns());
	uint64_t steal = ns_to_ticks(clock_steal_ns());     /* time/steal.c: the hypervisor's, not ours */
	uint64_t idle = up > user + steal ? up - user - steal : 0;
	int64_t boot = (clock_realtime_ns() - (int64_t)clock_monotonic_ns()) / (int64_t)NSEC_PER_SEC;

	for (int i = 0; i < 2; i++)
		pbuf_printf(b, "cpu%s %lu 0 0 %lu 0 0 0 %lu 0 0\n", i ? "0" : " ", (unsigned long)user,
			    (unsigned long)idle, (unsigned long)steal);
	pbuf_printf(b, "intr 0\nctxt 0\nbtime %ld\nprocesses 1\nprocs_running 1\nprocs_blocked 0\nsoftirq 0\n",
		    (long)boot);
}

static void gen_meminfo(struct pbuf *b)
{
	static const char *const zeros[] = {
		"Buffers", "Cached", "SwapCached", "Active", "Inactive", "Unevictable", "Mlocked",
		"SwapTotal", "SwapFree", "Dirty", "Writeback", "AnonPages", "Mapped", "Shmem",
		"KReclaimable", "Slab", "SReclaimable", "SUnreclaim", "KernelStack", "PageTables",
		"Bounce", "WritebackTmp", "VmallocUsed", "VmallocChunk", "Percpu", "AnonHugePages",
		"HugePages_Total", "HugePages_Free", "HugePages_Rsvd", "HugePages_Surp",
	};
	uint64_t total = page_total_bytes() >> 10, free = page_free_bytes() >> 10;

	pbuf_printf(b, "MemTotal:       %8lu kB\nMemFree:        %8lu kB\nMemAvailable:   %8lu kB\n",
		    (unsigned long)total, (unsigned long)free, (unsigned long)free);
	for (size_t i = 0; i < ARRAY_SIZE(zeros); i++) {
		bool pages = strncmp(zeros[i], "HugePages_", 10) == 0;
		char name[24];

		snprintk(name, sizeof(name), "%s:", zeros[i]);
		pbuf_printf(b, pages ? "%-16s%8d\n" : "%-16s%8d kB\n", name, 0);
	}
	pbuf_printf(b, "CommitLimit:    %8lu kB\nCommitted_AS:   %8lu kB\n"
		    "VmallocTotal:   34359738367 kB\nHugepagesize:       2048 kB\n",
		    (unsigned long)total, (unsigned long)(total - free));
}

static void cpu_flags(struct pbuf *b)
{
	/* Bit numbers of the common flags, by CPUID register, with Linux's names. */
	static const struct { uint8_t reg, bit; const char *name; } flags[] = {
		{ 0, 0, "fpu" }, { 0, 1, "vme" }, { 0, 2, "de" }, { 0, 3, "pse" }, { 0, 4, "tsc" },
		{ 0, 5, "msr" }, { 0, 6, "pae" }, { 0, 7, "mce" }, { 0, 8, "cx8" }, { 0, 9, "apic" },
		{ 0, 11, "sep" }, { 0, 12, "mtrr" }, { 0, 13, "pge" }, { 0, 14, "mca" }, { 0, 15, "cmov" },
		{ 0, 16, "pat" }, { 0, 17, "pse36" }, { 0, 19, "clflush" }, { 0, 23, "mmx" },
		{ 0, 24, "fxsr" }, { 0, 25, "sse" }, { 0, 26, "sse2" }, { 0, 28, "ht" },
		{ 2, 11, "syscall" }, { 2, 20, "nx" }, { 2, 26, "pdpe1gb" }, { 2, 27, "rdtscp" },
		{ 2, 29, "lm" },
		{ 1, 0, "pni" }, { 1, 1, "pclmulqdq" }, { 1, 9, "ssse3" }, { 1, 13, "cx16" },
		{ 1, 19, "sse4_1" }, { 1, 20, "sse4_2" }, { 1, 22, "movbe" }, { 1, 23, "popcnt" },
		{ 1, 25, "aes" }, { 1, 30, "rdrand" }, { 1, 31, "hypervisor" },
		{ 3, 0, "lahf_lm" }, { 3, 5, "abm" }, { 3, 8, "3dnowprefetch" },
		{ 4, 0, "fsgsbase" }, { 4, 3, "bmi1" }, { 4, 8, "bmi2" }, { 4, 9, "erms" },
		{ 4, 18, "rdseed" }, { 4, 19, "adx" }, { 4, 23, "clflushopt" }, { 4, 29, "sha_ni" },
	};
	uint32_t r[5] = { 0 }, a, unused, max, maxext;

	cpuid(0, 0, &max, &unused, &unused, &unused);
	cpuid(0x80000000, 0, &maxext, &unused, &unused, &unused);
	cpuid(1, 0, &a, &unused, &r[1], &r[0]);
	if (maxext >= 0x80000001)
		cpuid(0x80000001, 0, &a, &unused, &r[3], &r[2]);
	if (max >= 7)
		cpuid(7, 0, &a, &r[4], &unused, &unused);
	/* No AVX family: the kernel never enables XSAVE, so those instructions fault. */
	pbuf_printf(b, "flags\t\t:");
	for (size_t i = 0; i < ARRAY_SIZE(flags); i++)
		if (r[flags[i].reg] & (1U << flags[i].bit))
			pbuf_printf(b, " %s", flags[i].name);
	pbuf_write(b, "\n", 1);
}

static void gen_cpuinfo(struct pbuf *b)
{
	uint32_t max, maxext, v[4], sig, unused, brand[12], phys = 39, virt = 48;
	char vendor[13], *model;
	unsigned family, modelno;
	uint64_t hz = clock_tsc_hz(), khz = hz / 1000;

	cpuid(0, 0, &max, &v[0], &v[2], &v[1]);
	memcpy(vendor, v, 12);
	vendor[12] = 0;
	cpuid(1, 0, &sig, &unused, &unused, &unused);
	family = (sig >> 8) & 0xf;
	modelno = (sig >> 4) & 0xf;
	if (family == 0xf)
		family += (sig >> 20) & 0xff;
	if (family >= 6)
		modelno |= ((sig >> 16) & 0xf) << 4;
	cpuid(0x80000000, 0, &maxext, &unused, &unused, &unused);
	memset(brand, 0, sizeof(brand));
	if (maxext >= 0x80000004)
		for (int i = 0; i < 3; i++)
			cpuid(0x80000002 + i, 0, &brand[4 * i], &brand[4 * i + 1], &brand[4 * i + 2],
			      &brand[4 * i + 3]);
	((char *)brand)[47] = 0;
	model = (char *)brand;
	while (*model == ' ')
		model++;
	if (maxext >= 0x80000008) {
		cpuid(0x80000008, 0, &v[0], &unused, &unused, &unused);
		phys = v[0] & 0xff;
		virt = (v[0] >> 8) & 0xff;
	}
	pbuf_printf(b, "processor\t: 0\nvendor_id\t: %s\ncpu family\t: %u\nmodel\t\t: %u\n", vendor, family,
		    modelno);
	pbuf_printf(b, "model name\t: %s\nstepping\t: %u\nmicrocode\t: 0x1\n", *model ? model : "unknown",
		    sig & 0xf);
	pbuf_printf(b, "cpu MHz\t\t: %lu.%03lu\ncache size\t: 0 KB\nphysical id\t: 0\nsiblings\t: 1\n",
		    (unsigned long)(khz / 1000), (unsigned long)(khz % 1000));
	pbuf_printf(b, "core id\t\t: 0\ncpu cores\t: 1\napicid\t\t: 0\ninitial apicid\t: 0\nfpu\t\t: yes\n"
		    "fpu_exception\t: yes\ncpuid level\t: %u\nwp\t\t: yes\n", max);
	cpu_flags(b);
	pbuf_printf(b, "bogomips\t: %lu.%02lu\nclflush size\t: 64\ncache_alignment\t: 64\n",
		    (unsigned long)(khz * 2 / 1000), (unsigned long)((khz * 2 / 10) % 100));
	pbuf_printf(b, "address sizes\t: %u bits physical, %u bits virtual\npower management:\n\n", phys, virt);
}

/* ---- tables ---- */

static const struct proc_entry pid_entries[] = {
	LINK_ENTRY("exe", gen_exe),
	LINK_ENTRY("cwd", gen_cwd),
	LINK_ENTRY("root", gen_root),
	FILE_ENTRY("cmdline", gen_cmdline),
	FILE_ENTRY("auxv", gen_auxv),
	FILE_ENTRY("maps", gen_maps),
	FILE_ENTRY("stat", gen_stat),
	FILE_ENTRY("statm", gen_statm),
	FILE_ENTRY("status", gen_status),
	FILE_ENTRY("mounts", gen_mounts),
	{ "fd", S_IFDIR | 0500, NULL, NULL, 0, PE_FDS },
};
const struct proc_entry procfs_pid_dir = { "", S_IFDIR | 0555, NULL, pid_entries, ARRAY_SIZE(pid_entries), 0 };

/* /proc/net/dev: Linux's table of interface counters, one line per network device. */
static void gen_net_dev(struct pbuf *b)
{
	struct list *it;

	pbuf_printf(b, "Inter-|   Receive                                                |  Transmit\n"
		    " face |bytes    packets errs drop fifo frame compressed multicast|"
		    "bytes    packets errs drop fifo colls carrier compressed\n");
	list_for_each(it, &netdev_list) {
		struct netdev *nd = list_entry(it, struct netdev, link);
		pbuf_printf(b, "%6s: %7lu %7lu %4lu %4lu    0     0          0         0 "
			    "%8lu %7lu %4lu    0    0     0       0          0\n",
			    nd->name, nd->rx_bytes, nd->rx_packets, nd->rx_errors, nd->rx_dropped,
			    nd->tx_bytes, nd->tx_packets, nd->tx_errors);
	}
}

static const struct proc_entry net_entries[] = {
	FILE_ENTRY("dev", gen_net_dev),
};

static const struct proc_entry kernel_entries[] = {
	FILE_ENTRY("osrelease", gen_osrelease),
	FILE_ENTRY("ostype", gen_ostype),
	FILE_ENTRY("hostname", gen_hostname),
};
static const struct proc_entry sys_entries[] = {
	DIR_ENTRY("kernel", kernel_entries),
};

static const struct proc_entry root_entries[] = {
	LINK_ENTRY("self", gen_self),
	FILE_ENTRY("mounts", gen_mounts),
	FILE_ENTRY("cpuinfo", gen_cpuinfo),
	FILE_ENTRY("meminfo", gen_meminfo),
	FILE_ENTRY("stat", gen_sys_stat),
	FILE_ENTRY("uptime", gen_uptime),
	FILE_ENTRY("loadavg", gen_loadavg),
	FILE_ENTRY("version", gen_version),
	FILE_ENTRY("filesystems", gen_filesystems),
	DIR_ENTRY("sys", sys_entries),
	DIR_ENTRY("net", net_entries),
};
const struct proc_entry procfs_root = { "proc", S_IFDIR | 0555, NULL, root_entries,
					ARRAY_SIZE(root_entries), PE_PIDS };

/* /sys: only what sysconf and CPU-counting libraries read. */
static const struct proc_entry cpu_entries[] = {
	FILE_ENTRY("online", gen_cpu0),
	FILE_ENTRY("possible", gen_cpu0),
	FILE_ENTRY("present", gen_cpu0),
};
static const struct proc_entry system_entries[] = { DIR_ENTRY("cpu", cpu_entries) };
static const struct proc_entry devices_entries[] = { DIR_ENTRY("system", system_entries) };
static const struct proc_entry sysfs_entries[] = { DIR_ENTRY("devices", devices_entries) };
const struct proc_entry sysfs_root = { "sys", S_IFDIR | 0555, NULL, sysfs_entries,
				       ARRAY_SIZE(sysfs_entries), 0 };
