/* SPDX-License-Identifier: MIT */
/* exec.c: maps an ELF program (and its interpreter) and builds the initial user stack. */
#include "kernel.h"
#include "ipc.h"
#include "elf.h"
#include "exec.h"
#include "husk/abi.h"
#include "ktime.h"
#include "mm.h"
#define VDSO_KERNEL_SIDE
#include "vdso.h"
#include "sched.h"
#include "vfs.h"
#include "../arch/x86_64/x86.h"
#include <linux/auxvec.h>

#define PIE_BASE    0x0000555555554000UL   /* where Linux puts a PIE without randomization */
#define INTERP_BASE 0x00007ffff7fc0000UL
#define STACK_TOP   0x00007ffffffff000UL
#define STACK_SIZE  (8UL << 20)
#define ARG_MAX     (256 * 1024)

struct loaded {
	struct inode *ino;
	struct elf_info info;
	uint64_t bias;
};

/* Reads and checks the headers of an ELF file. */
static int elf_open(const char *path, struct loaded *l)
{
	Elf64_Ehdr eh;
	Elf64_Phdr *ph;
	const char *why = NULL;
	int err;

	err = vfs_lookup(NULL, path, false, &l->ino);
	if (err)
		return err;
	if (!S_ISREG(l->ino->mode) || (l->ino->sb && (l->ino->sb->flags & SB_NOEXEC))) {
		err = -EACCES;
		goto err_unref;
	}
	memset(&eh, 0, sizeof(eh));
	vfs_read_inode(l->ino, &eh, sizeof(eh), 0);
	err = elf_check_header(&eh, l->ino->size, &why);
	if (err)
		goto err_why;
	ph = kmalloc(eh.e_phnum * sizeof(*ph));
	if (!ph) {
		err = -ENOMEM;
		goto err_unref;
	}
	if (vfs_read_inode(l->ino, ph, eh.e_phnum * sizeof(*ph), eh.e_phoff) != (ssize_t)(eh.e_phnum * sizeof(*ph))) {
		kfree(ph);
		why = "cannot read the program headers";
		err = -ENOEXEC;
		goto err_why;
	}
	err = elf_check_phdrs(&eh, ph, l->ino->size, &l->info, &why);
	kfree(ph);
	if (err)
		goto err_why;
	return 0;

err_why:
	printk_err("husk: %s: not a valid x86-64 ELF executable: %s\n", path, why);
err_unref:
	inode_unref(l->ino);
	return err;
}

static unsigned seg_prot(uint32_t flags)
{
	return (flags & PF_R ? VM_READ : 0) | (flags & PF_W ? VM_WRITE : 0) | (flags & PF_X ? VM_EXEC : 0);
}

/* Maps every PT_LOAD segment at its address plus l->bias; file pages are read on first touch. */
static int elf_map(struct vm *vm, struct loaded *l)
{
	for (int i = 0; i < l->info.phnum; i++) {
		const Elf64_Phdr *p = &l->info.phdrs[i];
		if (p->p_type != PT_LOAD || p->p_memsz == 0)
			continue;
		uint64_t start = ALIGN_DOWN(p->p_vaddr + l->bias, PAGE_SIZE);
		uint64_t file_end = p->p_vaddr + l->bias + p->p_filesz;
		uint64_t file_map_end = ALIGN_UP(file_end, PAGE_SIZE);
		uint64_t mem_end = ALIGN_UP(p->p_vaddr + l->bias + p->p_memsz, PAGE_SIZE);
		unsigned prot = seg_prot(p->p_flags);
		long r;

		if (file_map_end > start) {
			r = vm_map(vm, start, file_map_end - start, prot, 0, VM_MAP_FIXED, l->ino,
				   ALIGN_DOWN(p->p_offset, PAGE_SIZE));
			if (r < 0)
				return r;
			vm_find(vm, start)->file_end = file_end;
		}
		if (mem_end > file_map_end) {
			r = vm_map(vm, MAX(file_map_end, start), mem_end - MAX(file_map_end, start), prot, 0,
				   VM_MAP_FIXED, NULL, 0);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static uint64_t hwcap(void)
{
	uint32_t a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	return d;
}

static size_t count_strings(char *const v[], size_t *bytes)
{
	size_t n = 0;
	for (; v && v[n]; n++)
		*bytes += strlen(v[n]) + 1;
	return n;
}

/* Builds argc, argv, envp, auxv and the strings they point to at the top of the stack. */
static int build_stack(struct proc *proc, struct vm *vm, const char *path, char *const argv[],
		       char *const envp[], const struct loaded *prog, const struct loaded *interp,
		       uint64_t *sp_out)
{
	size_t str_bytes = 0, argc, envc, total, nwords;
	uint64_t *words, sp, strp, random_addr, platform_addr, execfn_addr;
	char *buf;
	int w = 0, err;
	uint64_t auxv[2 * 24];
	int na = 0;

	argc = count_strings(argv, &str_bytes);
	envc = count_strings(envp, &str_bytes);
	str_bytes += strlen(path) + 1 + sizeof("x86_64") + 16;
	if (str_bytes > ARG_MAX)
		return -E2BIG;

	/* Strings at the top: execfn, platform, random bytes, then argv and envp strings. */
	buf = kmalloc(str_bytes);
	if (!buf)
		return -ENOMEM;
	strp = STACK_TOP - 8 - ALIGN_UP(str_bytes, 16);
	size_t off = 0;
#define PUT_STR(s, addr) do { size_t n_ = strlen(s) + 1; memcpy(buf + off, s, n_); (addr) = strp + off; off += n_; } while (0)
	PUT_STR(path, execfn_addr);
	PUT_STR("x86_64", platform_addr);
	random_addr = strp + off;
	random_bytes(buf + off, 16);
	off += 16;

	uint64_t entry = prog->info.entry + prog->bias;
	uint64_t phdr = prog->info.phdr_vaddr + prog->bias;
#define AUX(k, v) do { auxv[na++] = (k); auxv[na++] = (v); } while (0)
	AUX(AT_PHDR, phdr);
	AUX(AT_PHENT, sizeof(Elf64_Phdr));
	AUX(AT_PHNUM, prog->info.phnum);
	AUX(AT_PAGESZ, PAGE_SIZE);
	AUX(AT_BASE, interp ? interp->bias : 0);
	AUX(AT_FLAGS, 0);
	AUX(AT_ENTRY, entry);
	AUX(AT_UID, 0);
	AUX(AT_EUID, 0);
	AUX(AT_GID, 0);
	AUX(AT_EGID, 0);
	AUX(AT_SECURE, 0);
	AUX(AT_RANDOM, random_addr);
	AUX(AT_HWCAP, hwcap());
	AUX(AT_HWCAP2, 0);
	AUX(AT_CLKTCK, 100);
	AUX(AT_PLATFORM, platform_addr);
	AUX(AT_EXECFN, execfn_addr);
	AUX(AT_SYSINFO_EHDR, vdso_base());
	AUX(AT_NULL, 0);

	nwords = 1 + argc + 1 + envc + 1 + na;
	total = nwords * 8;
	sp = ALIGN_DOWN(strp - total, 16);
	words = kmalloc(total);
	if (!words) {
		kfree(buf);
		return -ENOMEM;
	}
	words[w++] = argc;
	for (size_t i = 0; i < argc; i++) {
		uint64_t a;
		PUT_STR(argv[i], a);
		words[w++] = a;
	}
	words[w++] = 0;
	for (size_t i = 0; i < envc; i++) {
		uint64_t a;
		PUT_STR(envp[i], a);
		words[w++] = a;
	}
	words[w++] = 0;
#undef PUT_STR
#undef AUX
	memcpy(&words[w], auxv, na * 8);

	err = vm_write(vm, strp, buf, off);
	if (!err)
		err = vm_write(vm, sp, words, total);

	/* Keep what /proc/self/{auxv,cmdline} show. */
	memcpy(proc->auxv, auxv, na * 8);
	proc->nr_auxv = na / 2;
	kfree(proc->cmdline);
	proc->cmdline_len = 0;
	for (size_t i = 0; i < argc; i++)
		proc->cmdline_len += strlen(argv[i]) + 1;
	proc->cmdline = kmalloc(proc->cmdline_len + 1);
	if (proc->cmdline) {
		size_t o = 0;
		for (size_t i = 0; i < argc; i++) {
			size_t n = strlen(argv[i]) + 1;
			memcpy(proc->cmdline + o, argv[i], n);
			o += n;
		}
	}
	kfree(words);
	kfree(buf);
	*sp_out = sp;
	return err;
}

int exec_load(struct proc *proc, const char *path, char *const argv[], char *const envp[],
	      struct trapframe *tf)
{
	struct loaded prog, interp;
	bool has_interp = false;
	struct vm *vm;
	uint64_t sp;
	int err;

	err = elf_open(path, &prog);
	if (err)
		return err;
	prog.bias = prog.info.type == ET_DYN ? PIE_BASE - prog.info.min_vaddr : 0;
	if (prog.info.interp_index >= 0) {
		const Elf64_Phdr *ip = &prog.info.phdrs[prog.info.interp_index];
		char ipath[256];
		size_t n = MIN(ip->p_filesz, sizeof(ipath) - 1);
		vfs_read_inode(prog.ino, ipath, n, ip->p_offset);
		ipath[n] = 0;
		err = elf_open(ipath, &interp);
		if (err) {
			if (err == -ENOENT)
				printk_err("husk: %s: program interpreter %s not found\n", path, ipath);
			goto err_prog;
		}
		interp.bias = interp.info.type == ET_DYN ? INTERP_BASE - interp.info.min_vaddr : 0;
		has_interp = true;
	}

	vm = vm_create();
	err = -ENOMEM;
	if (!vm)
		goto err_interp;
	err = elf_map(vm, &prog);
	if (!err && has_interp)
		err = elf_map(vm, &interp);
	if (!err) {
		long r = vm_map(vm, STACK_TOP - STACK_SIZE, STACK_SIZE, VM_READ | VM_WRITE, VM_STACK,
				VM_MAP_FIXED, NULL, 0);
		if (r < 0)
			err = r;
		else
			vm_find(vm, STACK_TOP - 1)->name = "[stack]";
	}
	if (!err)
		err = build_stack(proc, vm, path, argv, envp, &prog, has_interp ? &interp : NULL, &sp);
	if (err)
		goto err_vm;

	vm->brk_start = vm->brk = prog.info.max_vaddr + prog.bias;
	/* The point of no return: the other threads end before the old image goes. */
	if (proc->vm && (err = proc_de_thread(proc)))
		goto err_vm;
	if (proc->vm) {
		/* execve: the CPU leaves the old tables before they go. */
		struct vm *old = proc->vm;
		proc->vm = vm;
		vm_activate(vm);
		vm_destroy(old);   /* its System V attachments go with it (shm_unmapped) */
	}
	proc->vm = vm;
	if (proc->exe) {
		proc->exe->deny_write--;
		inode_unref(proc->exe);
	}
	proc->exe = prog.ino;
	prog.ino->deny_write++;
	proc->exe_bias = prog.bias;
	kfree(proc->exe_path);
	proc->exe_path = kstrdup(path);
	if (has_interp)
		inode_unref(interp.ino);

	memset(tf, 0, sizeof(*tf));
	tf->rip = has_interp ? interp.info.entry + interp.bias : prog.info.entry + prog.bias;
	tf->rsp = sp;
	tf->cs = USER_CS;
	tf->ss = USER_DS;
	tf->rflags = RFLAGS_IF | 2;
	return 0;

err_vm:
	vm_destroy(vm);
err_interp:
	if (has_interp)
		inode_unref(interp.ino);
err_prog:
	inode_unref(prog.ino);
	return err;
}

void exec_symbolize(struct proc *proc, uint64_t addr, char *buf, size_t size)
{
	struct inode *ino = proc->exe;
	Elf64_Ehdr eh;
	Elf64_Shdr *sh = NULL;
	const char *best = NULL;
	uint64_t best_addr = 0, target = addr - proc->exe_bias;
	char *strtab = NULL;
	Elf64_Sym *syms = NULL;

	strlcpy(buf, "?", size);
	if (!ino || vfs_read_inode(ino, &eh, sizeof(eh), 0) != sizeof(eh) || eh.e_shentsize != sizeof(Elf64_Shdr) ||
	    eh.e_shnum == 0 || eh.e_shnum > 4096)
		return;
	sh = kmalloc(eh.e_shnum * sizeof(*sh));
	if (!sh || vfs_read_inode(ino, sh, eh.e_shnum * sizeof(*sh), eh.e_shoff) != (ssize_t)(eh.e_shnum * sizeof(*sh)))
		goto out;
	for (int i = 0; i < eh.e_shnum; i++) {
		if (sh[i].sh_type != SHT_SYMTAB || sh[i].sh_link >= eh.e_shnum)
			continue;
		const Elf64_Shdr *st = &sh[sh[i].sh_link];
		size_t nsyms = sh[i].sh_size / sizeof(Elf64_Sym);
		if (nsyms > 1000000 || st->sh_size > (64UL << 20))
			break;
		syms = kmalloc(nsyms * sizeof(Elf64_Sym));
		strtab = kmalloc(st->sh_size + 1);
		if (!syms || !strtab)
			break;
		if (vfs_read_inode(ino, syms, nsyms * sizeof(Elf64_Sym), sh[i].sh_offset) < 0 ||
		    vfs_read_inode(ino, strtab, st->sh_size, st->sh_offset) < 0)
			break;
		strtab[st->sh_size] = 0;
		for (size_t k = 0; k < nsyms; k++) {
			if (ELF64_ST_TYPE(syms[k].st_info) != STT_FUNC || syms[k].st_name >= st->sh_size)
				continue;
			if (syms[k].st_value <= target && syms[k].st_value >= best_addr &&
			    target < syms[k].st_value + MAX(syms[k].st_size, 1) + 4096) {
				best = strtab + syms[k].st_name;
				best_addr = syms[k].st_value;
			}
		}
		if (best)
			snprintk(buf, size, "%s+0x%lx", best, target - best_addr);
		break;
	}
out:
	kfree(syms);
	kfree(strtab);
	kfree(sh);
}
