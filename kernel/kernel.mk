# SPDX-License-Identifier: MIT
# kernel.mk: builds the guest kernel build/kernel/husk.elf (two links: the second embeds the symbol table).

KERNEL_OUT := $(BUILD)/kernel
KERNEL_ELF := $(KERNEL_OUT)/husk.elf
KERNEL_ARCH := x86_64
# Every platform is compiled in; plat_init() picks one at boot (platform/platform.c).
KERNEL_PLATFORMS := pvh xen

KERNEL_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Wno-unused-parameter -Wno-cast-function-type \
	-ffreestanding -fno-builtin -nostdinc -fno-pie -fno-pic -mcmodel=kernel -mno-red-zone \
	-mgeneral-regs-only -fno-stack-protector -fno-omit-frame-pointer -fno-strict-aliasing \
	-fno-asynchronous-unwind-tables -fcf-protection=none \
	-isystem $(shell $(CC) -print-file-name=include) -isystem /usr/include/x86_64-linux-gnu -isystem /usr/include \
	-Ikernel/include -Ikernel/arch/$(KERNEL_ARCH)/include -Ikernel -Iinclude -I$(KERNEL_OUT)/gen -MMD -MP
KERNEL_LDFLAGS := -nostdlib -static -no-pie -Wl,--build-id=none -Wl,-z,max-page-size=4096 -Wl,-z,noexecstack -Wl,--no-warn-rwx-segments \
	-Wl,-T,kernel/arch/$(KERNEL_ARCH)/linker.ld

# Subsystems by folder; architecture and platform chosen by path, not #ifdef.
KERNEL_SRCS := $(wildcard kernel/*.c kernel/lib/*.c kernel/mm/*.c kernel/sched/*.c kernel/time/*.c \
	kernel/exec/*.c kernel/ipc/*.c kernel/fs/*.c kernel/fs/ext2/*.c kernel/block/*.c kernel/sys/*.c kernel/net/*.c kernel/drivers/*.c) \
	$(wildcard kernel/arch/$(KERNEL_ARCH)/*.c kernel/arch/$(KERNEL_ARCH)/*.S) \
	$(wildcard kernel/platform/*.c $(KERNEL_PLATFORMS:%=kernel/platform/%/*.c) $(KERNEL_PLATFORMS:%=kernel/platform/%/*.S))
KERNEL_OBJS := $(patsubst kernel/%,$(KERNEL_OUT)/obj/%.o,$(KERNEL_SRCS))

# lwIP and its port layer (LWIP_OBJS, LWIP_PORT_OBJS).
include kernel/net/lwip.mk

all: $(KERNEL_ELF)

$(KERNEL_OUT)/gen/syscall_names.c: /usr/include/x86_64-linux-gnu/asm/unistd_64.h
	@mkdir -p $(dir $@)
	{ echo '/* Generated from asm/unistd_64.h by kernel.mk. */'; \
	  echo '#include "syscall.h"'; \
	  echo 'const char *const syscall_names[NR_SYSCALLS] = {'; \
	  sed -n 's/^#define __NR_\([a-z0-9_]*\) \([0-9]*\)$$/\t[\2] = "\1",/p' $<; \
	  echo '};'; } > $@

$(KERNEL_OUT)/obj/%.c.o: kernel/%.c
	@mkdir -p $(dir $@)
	$(CC) $(KERNEL_CFLAGS) -c $< -o $@

$(KERNEL_OUT)/obj/%.S.o: kernel/%.S
	@mkdir -p $(dir $@)
	$(CC) $(KERNEL_CFLAGS) -c $< -o $@

$(KERNEL_OUT)/gen/syscall_names.o: $(KERNEL_OUT)/gen/syscall_names.c
	$(CC) $(KERNEL_CFLAGS) -c $< -o $@

$(KERNEL_OUT)/ksyms0.S: scripts/ksyms.sh
	@mkdir -p $(dir $@)
	sh scripts/ksyms.sh > $@

$(KERNEL_OUT)/%.o: $(KERNEL_OUT)/%.S
	$(CC) $(KERNEL_CFLAGS) -c $< -o $@

# The vDSO (kernel/vdso/): a small shared object, user code, embedded in the
# kernel by arch/$(KERNEL_ARCH)/vdso_image.S.  It must need no relocations:
# it runs wherever the kernel maps it, and nothing relocates it.
VDSO_SO := $(KERNEL_OUT)/vdso/vdso.so
VDSO_CFLAGS := -std=gnu11 -O2 -Wall -Wextra -fPIC -ffreestanding -fno-builtin -nostdinc \
	-fno-stack-protector -fno-asynchronous-unwind-tables -fcf-protection=none -fno-plt \
	-isystem $(shell $(CC) -print-file-name=include) -isystem /usr/include/x86_64-linux-gnu -isystem /usr/include \
	-Ikernel/include
VDSO_LDFLAGS := -nostdlib -shared -Wl,-T,kernel/vdso/vdso.lds -Wl,--hash-style=both \
	-Wl,-soname=linux-vdso.so.1 -Wl,--build-id=none -Wl,-z,max-page-size=4096 -Wl,-z,noexecstack

$(VDSO_SO): kernel/vdso/vdso.c kernel/vdso/vdso.lds kernel/include/vdso.h
	@mkdir -p $(dir $@)
	$(CC) $(VDSO_CFLAGS) -c kernel/vdso/vdso.c -o $(KERNEL_OUT)/vdso/vdso.o
	$(CC) $(VDSO_LDFLAGS) -o $(KERNEL_OUT)/vdso/vdso.full.so $(KERNEL_OUT)/vdso/vdso.o
	@if readelf -rW $(KERNEL_OUT)/vdso/vdso.full.so | grep -q 'R_X86_64'; then \
		echo "kernel.mk: the vDSO needs relocations"; exit 1; fi
	objcopy -S $(KERNEL_OUT)/vdso/vdso.full.so $@

$(KERNEL_OUT)/obj/arch/$(KERNEL_ARCH)/vdso_image.S.o: $(VDSO_SO)
$(KERNEL_OUT)/obj/arch/$(KERNEL_ARCH)/vdso_image.S.o: KERNEL_CFLAGS += -DVDSO_SO='"$(VDSO_SO)"'

include kernel/fs/ext2/ext2.mk

KERNEL_LINK_OBJS := $(KERNEL_OBJS) $(LWIP_PORT_OBJS) $(LWIP_OBJS) $(EXT2_LIB_OBJS) $(KERNEL_OUT)/gen/syscall_names.o

# First link with an empty symbol table, then embed the symbols of that link.
# The table sits after all code, so code addresses do not move between links.
$(KERNEL_ELF): $(KERNEL_LINK_OBJS) $(KERNEL_OUT)/ksyms0.o kernel/arch/$(KERNEL_ARCH)/linker.ld scripts/ksyms.sh
	$(CC) $(KERNEL_LDFLAGS) -o $(KERNEL_OUT)/husk.pass1.elf $(KERNEL_LINK_OBJS) $(KERNEL_OUT)/ksyms0.o
	sh scripts/ksyms.sh $(KERNEL_OUT)/husk.pass1.elf > $(KERNEL_OUT)/ksyms1.S
	$(CC) $(KERNEL_CFLAGS) -c $(KERNEL_OUT)/ksyms1.S -o $(KERNEL_OUT)/ksyms1.o
	$(CC) $(KERNEL_LDFLAGS) -o $@ $(KERNEL_LINK_OBJS) $(KERNEL_OUT)/ksyms1.o
	@nm -n $@ | awk '$$2 ~ /^[tT]$$/' > $(KERNEL_OUT)/check2.syms; \
	 nm -n $(KERNEL_OUT)/husk.pass1.elf | awk '$$2 ~ /^[tT]$$/' > $(KERNEL_OUT)/check1.syms; \
	 cmp -s $(KERNEL_OUT)/check1.syms $(KERNEL_OUT)/check2.syms || { echo "kernel.mk: code moved between links"; exit 1; }

-include $(KERNEL_OBJS:.o=.d) $(LWIP_PORT_OBJS:.o=.d) $(EXT2_LIB_OBJS:.o=.d)
