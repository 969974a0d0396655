/* SPDX-License-Identifier: MIT */
/* kvm_x86_64.c: the KVM VM and vCPU on x86-64: memory, irqchip, CPUID, entry state, the run loop. */
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/kvm.h>

#include <husk/abi.h>
#include "vmm.h"

#define KVM_DEV "/dev/kvm"
/* Where Intel's real-mode helper TSS lives: the top of the 32-bit space, out of RAM's way. */
#define KVM_TSS_GPA 0xfffbd000ULL
#define CPUID_MAX_ENTRIES 256

#define X86_CR0_PE 0x00000001ULL
#define X86_CR0_MP 0x00000002ULL
#define X86_CR0_ET 0x00000010ULL
#define X86_CR0_NE 0x00000020ULL
#define X86_CR0_WP 0x00010000ULL
#define X86_CR0_PG 0x80000000ULL
#define X86_CR4_PAE 0x00000020ULL
#define X86_EFER_LME 0x100ULL
#define X86_EFER_LMA 0x400ULL

struct vmm_kvm {
	int kvm_fd;
	int vm_fd;
	int vcpu_fd;
	struct kvm_run *run;
	size_t run_size;
	int irqchip;
	struct vmm_mem mem;
};

/* The VM whose IOAPIC vmm_irq_line drives; set once the in-kernel irqchip exists. */
static int irq_vm_fd = -1;

void vmm_irq_line(unsigned gsi, int level)
{
	struct kvm_irq_level irq = { .irq = gsi, .level = level };

	if (irq_vm_fd < 0)
		vmm_die("a device raised GSI %u but there is no in-kernel irqchip", gsi);
	/* KVM_IRQ_LINE is safe from any thread: it kicks the vCPU out of HLT itself. */
	if (ioctl(irq_vm_fd, KVM_IRQ_LINE, &irq) < 0)
		vmm_die("KVM_IRQ_LINE %u: %s", gsi, strerror(errno));
}

int vmm_ioeventfd(uint64_t addr, unsigned len, uint64_t datamatch, int fd)
{
	struct kvm_ioeventfd io = {
		.datamatch = datamatch,
		.addr = addr,
		.len = len,
		.fd = fd,
		.flags = KVM_IOEVENTFD_FLAG_DATAMATCH,
	};

	if (irq_vm_fd < 0)
		return -ENODEV;
	return ioctl(irq_vm_fd, KVM_IOEVENTFD, &io) < 0 ? -errno : 0;
}

int vmm_kvm_create(uint64_t mem_size, struct vmm_kvm **kvmp, struct vmm_mem *mem)
{
	struct kvm_userspace_memory_region region;
	struct vmm_kvm *kvm;
	void *base;
	int ret;

	kvm = calloc(1, sizeof(*kvm));
	if (!kvm)
		return -ENOMEM;
	kvm->vm_fd = kvm->vcpu_fd = -1;

	kvm->kvm_fd = open(KVM_DEV, O_RDWR | O_CLOEXEC);
	if (kvm->kvm_fd < 0) {
		ret = -errno;
		fprintf(stderr, "husk-vmm: %s: %s\n", KVM_DEV, strerror(errno));
		goto err_free;
	}
	ret = ioctl(kvm->kvm_fd, KVM_GET_API_VERSION, 0);
	if (ret != KVM_API_VERSION) {
		fprintf(stderr, "husk-vmm: %s: KVM API version %d, need %d\n", KVM_DEV, ret,
			KVM_API_VERSION);
		ret = -EINVAL;
		goto err_close_kvm;
	}
	kvm->vm_fd = ioctl(kvm->kvm_fd, KVM_CREATE_VM, 0);
	if (kvm->vm_fd < 0) {
		ret = -errno;
		fprintf(stderr, "husk-vmm: KVM_CREATE_VM: %s\n", strerror(errno));
		goto err_close_kvm;
	}

	base = mmap(NULL, mem_size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED) {
		ret = -errno;
		fprintf(stderr, "husk-vmm: guest memory: %s\n", strerror(errno));
		goto err_close_vm;
	}
	kvm->mem.base = base;
	kvm->mem.size = mem_size;

	memset(&region, 0, sizeof(region));
	region.slot = 0;
	region.guest_phys_addr = 0;
	region.memory_size = mem_size;
	region.userspace_addr = (uintptr_t)base;
	if (ioctl(kvm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0) {
		ret = -errno;
		fprintf(stderr, "husk-vmm: KVM_SET_USER_MEMORY_REGION: %s\n", strerror(errno));
		goto err_unmap;
	}

	/* Needed by VT-x for real-mode emulation; harmless elsewhere, so a failure is only noted. */
	if (ioctl(kvm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_SET_TSS_ADDR) > 0 &&
	    ioctl(kvm->vm_fd, KVM_SET_TSS_ADDR, (unsigned long)KVM_TSS_GPA) < 0)
		vmm_debug("KVM_SET_TSS_ADDR: %s", strerror(errno));

	/*
	 * An in-kernel LAPIC (and IOAPIC/PIC) gives the guest its timer and
	 * lets HLT sleep in the kernel.  Without it the guest gets no
	 * interrupts at all, which a polling guest survives.
	 */
	if (ioctl(kvm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_IRQCHIP) > 0) {
		if (ioctl(kvm->vm_fd, KVM_CREATE_IRQCHIP, 0) == 0) {
			kvm->irqchip = 1;
			irq_vm_fd = kvm->vm_fd;
		}
		else
			vmm_debug("KVM_CREATE_IRQCHIP: %s", strerror(errno));
	}
	if (!kvm->irqchip)
		vmm_debug("no in-kernel irqchip: the guest gets no interrupts");

	*kvmp = kvm;
	*mem = kvm->mem;
	return 0;

err_unmap:
	munmap(base, mem_size);
err_close_vm:
	close(kvm->vm_fd);
err_close_kvm:
	close(kvm->kvm_fd);
err_free:
	free(kvm);
	return ret;
}

static struct kvm_cpuid2 *get_supported_cpuid(int kvm_fd)
{
	unsigned n = CPUID_MAX_ENTRIES;
	struct kvm_cpuid2 *cpuid;

	for (;;) {
		cpuid = calloc(1, sizeof(*cpuid) + n * sizeof(cpuid->entries[0]));
		if (!cpuid)
			return NULL;
		cpuid->nent = n;
		if (ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid) == 0)
			return cpuid;
		free(cpuid);
		if (errno != E2BIG || n >= 4096)
			return NULL;
		n *= 2;
	}
}

/* Give the guest what KVM supports, with the few adjustments a single-vCPU VM needs. */
static int setup_cpuid(struct vmm_kvm *kvm)
{
	struct kvm_cpuid2 *cpuid = get_supported_cpuid(kvm->kvm_fd);
	unsigned i;
	int ret = 0;

	if (!cpuid) {
		ret = -errno;
		fprintf(stderr, "husk-vmm: KVM_GET_SUPPORTED_CPUID: %s\n", strerror(errno));
		return ret;
	}
	for (i = 0; i < cpuid->nent; i++) {
		struct kvm_cpuid_entry2 *e = &cpuid->entries[i];

		switch (e->function) {
		case 1:
			/* APIC ID 0, one logical processor, and say we are a VM. */
			e->ebx &= 0x0000ffff;
			e->ebx |= 1 << 16;
			e->ecx |= 1u << 31;
			break;
		case 0xb:
		case 0x1f:
			/* x2APIC topology: one thread, one core; the x2APIC ID is 0. */
			e->edx = 0;
			break;
		}
	}
	if (ioctl(kvm->vcpu_fd, KVM_SET_CPUID2, cpuid) < 0) {
		ret = -errno;
		fprintf(stderr, "husk-vmm: KVM_SET_CPUID2: %s\n", strerror(errno));
	}
	free(cpuid);
	return ret;
}

static void set_seg(struct kvm_segment *s, uint16_t sel, uint8_t type, int code64)
{
	memset(s, 0, sizeof(*s));
	s->base = 0;
	s->limit = 0xffffffff;
	s->selector = sel;
	s->type = type;
	s->present = 1;
	s->s = 1;
	s->g = 1;
	s->l = code64;
	s->db = !code64;
}

static int set_entry_state(struct vmm_kvm *kvm, enum vmm_entry entry, uint64_t rip,
			   uint64_t start_info)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	if (ioctl(kvm->vcpu_fd, KVM_GET_SREGS, &sregs) < 0)
		return -errno;

	if (entry == VMM_ENTRY_64) {
		vmm_pvh_setup_long_mode(&kvm->mem);
		set_seg(&sregs.cs, 0x08, 0xb, 1);	/* execute/read, accessed */
		set_seg(&sregs.ds, 0x10, 0x3, 0);	/* read/write, accessed */
		sregs.gdt.base = VMM_GDT_GPA;
		sregs.gdt.limit = 3 * 8 - 1;
		sregs.cr3 = VMM_PML4_GPA;
		sregs.cr4 = X86_CR4_PAE;
		sregs.cr0 = X86_CR0_PE | X86_CR0_MP | X86_CR0_ET | X86_CR0_NE |
			    X86_CR0_WP | X86_CR0_PG;
		sregs.efer = X86_EFER_LME | X86_EFER_LMA;
	} else {
		/* PVH: 32-bit protected mode, paging off, flat 4 GiB segments. */
		set_seg(&sregs.cs, 0x08, 0xb, 0);
		set_seg(&sregs.ds, 0x10, 0x3, 0);
		sregs.gdt.base = 0;
		sregs.gdt.limit = 0;
		sregs.cr0 = X86_CR0_PE | X86_CR0_ET;
		sregs.cr3 = 0;
		sregs.cr4 = 0;
		sregs.efer = 0;
	}
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	/* A busy TSS, as the PVH spec wants TR valid; nothing uses it. */
	memset(&sregs.tr, 0, sizeof(sregs.tr));
	sregs.tr.limit = 0x67;
	sregs.tr.type = 0xb;
	sregs.tr.present = 1;
	memset(&sregs.ldt, 0, sizeof(sregs.ldt));
	sregs.ldt.type = 0x2;
	sregs.ldt.present = 1;
	sregs.ldt.unusable = 1;
	sregs.idt.base = 0;
	sregs.idt.limit = 0;
	if (ioctl(kvm->vcpu_fd, KVM_SET_SREGS, &sregs) < 0)
		return -errno;

	memset(&regs, 0, sizeof(regs));
	regs.rip = rip;
	regs.rbx = start_info;
	regs.rflags = 0x2;
	if (ioctl(kvm->vcpu_fd, KVM_SET_REGS, &regs) < 0)
		return -errno;
	return 0;
}

static void dump_seg(const char *name, const struct kvm_segment *s)
{
	fprintf(stderr, "  %-3s %04x base %016llx limit %08x type %x dpl %u l %u db %u\n",
		name, s->selector, (unsigned long long)s->base, s->limit, s->type,
		s->dpl, s->l, s->db);
}

/* Register dump for vmm_crash: GPRs, control registers, segments, code bytes at RIP. */
static void dump_vcpu(void *opaque)
{
	struct vmm_kvm *kvm = opaque;
	struct kvm_regs r;
	struct kvm_sregs s;
	struct kvm_translation tr;
	const uint8_t *code;
	unsigned i;

	if (ioctl(kvm->vcpu_fd, KVM_GET_REGS, &r) < 0 ||
	    ioctl(kvm->vcpu_fd, KVM_GET_SREGS, &s) < 0) {
		fprintf(stderr, "husk-vmm: cannot read vCPU registers: %s\n", strerror(errno));
		return;
	}
	fprintf(stderr,
		"  rip %016llx rsp %016llx rflags %016llx\n"
		"  rax %016llx rbx %016llx rcx %016llx rdx %016llx\n"
		"  rsi %016llx rdi %016llx rbp %016llx r8  %016llx\n"
		"  r9  %016llx r10 %016llx r11 %016llx r12 %016llx\n"
		"  r13 %016llx r14 %016llx r15 %016llx\n"
		"  cr0 %016llx cr2 %016llx cr3 %016llx cr4 %016llx\n"
		"  efer %llx apic_base %llx gdt %llx/%x idt %llx/%x\n",
		r.rip, r.rsp, r.rflags, r.rax, r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rbp,
		r.r8, r.r9, r.r10, r.r11, r.r12, r.r13, r.r14, r.r15,
		s.cr0, s.cr2, s.cr3, s.cr4, s.efer, s.apic_base,
		s.gdt.base, s.gdt.limit, s.idt.base, s.idt.limit);
	dump_seg("cs", &s.cs);
	dump_seg("ss", &s.ss);
	dump_seg("ds", &s.ds);

	memset(&tr, 0, sizeof(tr));
	tr.linear_address = s.cs.base + r.rip;
	if (ioctl(kvm->vcpu_fd, KVM_TRANSLATE, &tr) < 0 || !tr.valid)
		return;
	code = vmm_gpa_ptr(&kvm->mem, tr.physical_address, 16);
	if (!code)
		return;
	fprintf(stderr, "  code at %llx:", (unsigned long long)tr.physical_address);
	for (i = 0; i < 16; i++)
		fprintf(stderr, " %02x", code[i]);
	fputc('\n', stderr);
}

int vmm_kvm_setup_vcpu(struct vmm_kvm *kvm, enum vmm_entry entry, uint64_t rip,
		       uint64_t start_info)
{
	int size, ret;

	kvm->vcpu_fd = ioctl(kvm->vm_fd, KVM_CREATE_VCPU, 0);
	if (kvm->vcpu_fd < 0) {
		ret = -errno;
		fprintf(stderr, "husk-vmm: KVM_CREATE_VCPU: %s\n", strerror(errno));
		return ret;
	}
	size = ioctl(kvm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size < (int)sizeof(struct kvm_run)) {
		ret = size < 0 ? -errno : -EINVAL;
		fprintf(stderr, "husk-vmm: KVM_GET_VCPU_MMAP_SIZE: %s\n", strerror(-ret));
		goto err_close;
	}
	kvm->run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, kvm->vcpu_fd, 0);
	if (kvm->run == MAP_FAILED) {
		ret = -errno;
		fprintf(stderr, "husk-vmm: kvm_run mmap: %s\n", strerror(errno));
		goto err_close;
	}
	kvm->run_size = size;

	ret = setup_cpuid(kvm);
	if (ret)
		goto err_unmap;
	ret = set_entry_state(kvm, entry, rip, start_info);
	if (ret) {
		fprintf(stderr, "husk-vmm: setting the vCPU's entry state: %s\n", strerror(-ret));
		goto err_unmap;
	}
	vmm_set_crash_dump(dump_vcpu, kvm);
	return 0;

err_unmap:
	munmap(kvm->run, kvm->run_size);
err_close:
	close(kvm->vcpu_fd);
	kvm->vcpu_fd = -1;
	return ret;
}

/* KVM_EXIT_IO: every field comes from the kernel but describes a guest access; check it all. */
static void handle_io(struct vmm_kvm *kvm)
{
	struct kvm_run *run = kvm->run;
	unsigned size = run->io.size, count = run->io.count, i;
	uint8_t *data;

	if (size != 1 && size != 2 && size != 4)
		vmm_crash("port 0x%x: bad access size %u", run->io.port, size);
	if (count == 0 || run->io.data_offset > kvm->run_size ||
	    (uint64_t)size * count > kvm->run_size - run->io.data_offset)
		vmm_crash("port 0x%x: bad I/O count %u", run->io.port, count);
	data = (uint8_t *)run + run->io.data_offset;

	for (i = 0; i < count; i++, data += size) {
		uint32_t v = 0;

		if (run->io.direction == KVM_EXIT_IO_OUT) {
			memcpy(&v, data, size);
			vmm_pio_out(run->io.port, size, v);
		} else {
			v = vmm_pio_in(run->io.port, size);
			memcpy(data, &v, size);
		}
	}
}

static void handle_mmio(struct vmm_kvm *kvm)
{
	struct kvm_run *run = kvm->run;
	unsigned len = run->mmio.len;
	uint64_t v = 0;

	if (len != 1 && len != 2 && len != 4 && len != 8)
		vmm_crash("MMIO at 0x%llx: bad access size %u",
			  (unsigned long long)run->mmio.phys_addr, len);
	if (run->mmio.is_write) {
		memcpy(&v, run->mmio.data, len);
		vmm_mmio_write(run->mmio.phys_addr, len, v);
	} else {
		v = vmm_mmio_read(run->mmio.phys_addr, len);
		memcpy(run->mmio.data, &v, len);
	}
}

static void internal_error(struct vmm_kvm *kvm)
{
	struct kvm_run *run = kvm->run;
	unsigned i, n = run->internal.ndata;
	char data[16 * 19 + 1] = "";
	size_t off = 0;
	const char *what;

	switch (run->internal.suberror) {
	case KVM_INTERNAL_ERROR_EMULATION:
		what = "emulation failure";
		break;
	case KVM_INTERNAL_ERROR_SIMUL_EX:
		what = "exception while delivering an exception";
		break;
	case KVM_INTERNAL_ERROR_DELIVERY_EV:
		what = "cannot deliver an event";
		break;
	default:
		what = "unknown";
		break;
	}
	if (n > 16)
		n = 16;
	for (i = 0; i < n; i++)
		off += snprintf(data + off, sizeof(data) - off, " %llx",
				(unsigned long long)run->internal.data[i]);
	vmm_crash("KVM internal error, suberror %u (%s), data:%s", run->internal.suberror,
		  what, data);
}

static volatile sig_atomic_t dump_requested;

static void request_dump(int sig)
{
	(void)sig;
	dump_requested = 1;
}

/*
 * SIGQUIT prints the vCPU's registers and lets the guest go on: where a hung
 * guest spins or sleeps.  The I/O thread blocks every signal, so it lands
 * here and interrupts KVM_RUN.
 */
int vmm_kvm_run(struct vmm_kvm *kvm)
{
	struct sigaction sa = { .sa_handler = request_dump };

	sigaction(SIGQUIT, &sa, NULL);
	for (;;) {
		if (ioctl(kvm->vcpu_fd, KVM_RUN, 0) < 0) {
			int err = errno;

			if (err == EINTR && dump_requested) {
				dump_requested = 0;
				fprintf(stderr, "husk-vmm: SIGQUIT: the vCPU's state\n");
				dump_vcpu(kvm);
			}
			if (err == EINTR || err == EAGAIN)
				continue;
			errno = err;
			fprintf(stderr, "husk-vmm: KVM_RUN: %s\n", strerror(errno));
			return -errno;
		}
		switch (kvm->run->exit_reason) {
		case KVM_EXIT_IO:
			handle_io(kvm);
			break;
		case KVM_EXIT_MMIO:
			handle_mmio(kvm);
			break;
		case KVM_EXIT_HLT:
			/* Only seen without an in-kernel irqchip: nothing can wake the guest. */
			vmm_crash("guest halted with no way to wake up");
		case KVM_EXIT_SHUTDOWN:
			vmm_crash("triple fault (KVM_EXIT_SHUTDOWN)");
		case KVM_EXIT_INTERNAL_ERROR:
			internal_error(kvm);
			break;
		case KVM_EXIT_FAIL_ENTRY:
			vmm_crash("VM entry failed, hardware reason 0x%llx",
				  (unsigned long long)
				  kvm->run->fail_entry.hardware_entry_failure_reason);
		case KVM_EXIT_SYSTEM_EVENT:
			vmm_crash("system event %u (reset or shutdown request)",
				  kvm->run->system_event.type);
		case KVM_EXIT_INTR:
			break;
		default:
			vmm_crash("unexpected KVM exit reason %u", kvm->run->exit_reason);
		}
	}
}

void vmm_kvm_describe(struct vmm_kvm *kvm)
{
	struct kvm_cpuid2 *cpuid = get_supported_cpuid(kvm->kvm_fd);
	unsigned i;

	fprintf(stderr, "husk-vmm: in-kernel irqchip: %s\n", kvm->irqchip ? "yes" : "no");
	fprintf(stderr, "husk-vmm: KVM_CAP_TSC_DEADLINE_TIMER %d, KVM_CAP_X2APIC_API %d\n",
		ioctl(kvm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_TSC_DEADLINE_TIMER),
		ioctl(kvm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_X2APIC_API));
	if (!cpuid)
		return;
	for (i = 0; i < cpuid->nent; i++) {
		const struct kvm_cpuid_entry2 *e = &cpuid->entries[i];

		fprintf(stderr, "husk-vmm: cpuid %08x.%u: eax %08x ebx %08x ecx %08x edx %08x\n",
			e->function, e->index, e->eax, e->ebx, e->ecx, e->edx);
	}
	free(cpuid);
}
