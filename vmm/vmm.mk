# SPDX-License-Identifier: MIT
# vmm/vmm.mk: builds husk-vmm and the tiny PVH test guests in tests/fixtures/.

VMM_SRCS := $(wildcard vmm/*.c)
VMM_OBJS := $(VMM_SRCS:%.c=$(BUILD)/%.o)

all: $(BUILD)/bin/husk-vmm

$(BUILD)/bin/husk-vmm: $(VMM_OBJS)
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -o $@ $^ -lslirp -lseccomp -lpthread

$(BUILD)/vmm/%.o: vmm/%.c vmm/vmm.h vmm/virtio.h include/husk/abi.h
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -c -o $@ $<

# Test guests: one source, variants chosen by assembler defines.
FIXTURE_DIR := $(BUILD)/tests/fixtures
FIXTURES := $(addprefix $(FIXTURE_DIR)/,pvh-tiny.elf pvh-tiny-triple.elf \
	pvh-tiny-xapic.elf pvh-tiny-x2apic.elf pvh-tiny-deadline.elf \
	pvh-tiny-kvmclock.elf pvh-tiny-cpuid.elf pvh-tiny-echo.elf \
	pvh-tiny-start-info.elf pvh-tiny-bad-exit.elf pvh-tiny-mmio.elf pvh-tiny-bad-abi.elf \
	pvh-tiny-virtio.elf pvh-tiny-virtio-bad.elf pvh-tiny-virtio-net.elf \
	pvh-tiny-echo-irq.elf pvh-tiny-virtio-net-fwd.elf)

all: $(FIXTURES)

$(FIXTURE_DIR)/pvh-tiny-triple.elf: FIXTURE_DEFS := -DFIXTURE_TRIPLE
$(FIXTURE_DIR)/pvh-tiny-xapic.elf: FIXTURE_DEFS := -DFIXTURE_TIMER=1
$(FIXTURE_DIR)/pvh-tiny-x2apic.elf: FIXTURE_DEFS := -DFIXTURE_TIMER=2
$(FIXTURE_DIR)/pvh-tiny-deadline.elf: FIXTURE_DEFS := -DFIXTURE_TIMER=3
$(FIXTURE_DIR)/pvh-tiny-kvmclock.elf: FIXTURE_DEFS := -DFIXTURE_KVMCLOCK
$(FIXTURE_DIR)/pvh-tiny-cpuid.elf: FIXTURE_DEFS := -DFIXTURE_CPUID
$(FIXTURE_DIR)/pvh-tiny-echo.elf: FIXTURE_DEFS := -DFIXTURE_ECHO
$(FIXTURE_DIR)/pvh-tiny-start-info.elf: FIXTURE_DEFS := -DFIXTURE_START_INFO
$(FIXTURE_DIR)/pvh-tiny-bad-exit.elf: FIXTURE_DEFS := -DFIXTURE_BAD_EXIT
$(FIXTURE_DIR)/pvh-tiny-mmio.elf: FIXTURE_DEFS := -DFIXTURE_MMIO
$(FIXTURE_DIR)/pvh-tiny-bad-abi.elf: FIXTURE_DEFS := -DFIXTURE_BAD_ABI
$(FIXTURE_DIR)/pvh-tiny-virtio.elf: FIXTURE_DEFS := -DFIXTURE_VIRTIO
$(FIXTURE_DIR)/pvh-tiny-virtio-bad.elf: FIXTURE_DEFS := -DFIXTURE_VIRTIO_BAD
$(FIXTURE_DIR)/pvh-tiny-virtio-net.elf: FIXTURE_DEFS := -DFIXTURE_VIRTIO_NET
$(FIXTURE_DIR)/pvh-tiny-echo-irq.elf: FIXTURE_DEFS := -DFIXTURE_ECHO_IRQ
$(FIXTURE_DIR)/pvh-tiny-virtio-net-fwd.elf: FIXTURE_DEFS := -DFIXTURE_VIRTIO_NET_FWD

$(FIXTURES): $(FIXTURE_DIR)/%.elf: tests/fixtures/pvh-tiny.S tests/fixtures/pvh-tiny-devices.S \
		tests/fixtures/pvh-tiny.ld include/husk/abi.h
	@mkdir -p $(@D)
	$(CC) -nostdlib -static -no-pie -Iinclude $(FIXTURE_DEFS) \
		-Wl,-T,tests/fixtures/pvh-tiny.ld -Wl,--build-id=none -Wl,--no-warn-rwx-segments -o $@ $<
