# SPDX-License-Identifier: MIT
# tests.mk: builds the unit tests (host, sanitizers on) and the guest test programs (static musl/glibc).

# Unit tests: each tests/unit/test_*.c is self-contained (it #includes the
# sources it tests) and becomes one host binary with sanitizers on.
UNIT_SRCS  := $(wildcard tests/unit/test_*.c)
UNIT_BINS  := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(UNIT_SRCS))
UNIT_CFLAGS := -std=gnu11 -g -O1 -fno-strict-aliasing -fsanitize=address,undefined \
	-fno-sanitize-recover=all -Iinclude -Ikernel/include -Ikernel/arch/x86_64/include

# Guest tests: static Linux programs booted in their own VM.  Files named
# *_glibc.c are linked against static glibc, everything else against musl.
GUEST_SRCS       := $(wildcard tests/guest/*.c)
GUEST_GLIBC_SRCS := $(filter %_glibc.c,$(GUEST_SRCS))
GUEST_MUSL_SRCS  := $(filter-out %_glibc.c,$(GUEST_SRCS))
GUEST_BINS := $(patsubst tests/guest/%.c,$(BUILD)/tests/guest/%,$(GUEST_SRCS))
MUSL_CC    ?= musl-gcc
GUEST_MUSL_CFLAGS  := -static -O2 -g -fno-omit-frame-pointer -Wall -pthread
GUEST_GLIBC_CFLAGS := -static -O2 -g -fno-omit-frame-pointer -Wall -pthread

# Benchmark guest programs (bench/progs/*.c), built with musl like guest tests.
BENCH_SRCS := $(wildcard bench/progs/*.c)
BENCH_BINS := $(patsubst bench/progs/%.c,$(BUILD)/bench/progs/%,$(BENCH_SRCS))

.PHONY: tests-build
all: tests-build
tests-build: $(UNIT_BINS) $(GUEST_BINS) $(BENCH_BINS) $(BUILD)/tests/ext2vol/vol.ext4

# The images the ext2 and disk guest tests mount (files=build/tests/ext2vol, vol=).
$(BUILD)/tests/ext2vol/vol.ext4: tests/fixtures/mkvol.sh
	bash $< $(@D)

$(BUILD)/tests/unit/%: tests/unit/%.c
	@mkdir -p $(@D)
	$(CC) $(UNIT_CFLAGS) -o $@ $< -MMD -MP

# <signal.h> (SIGPIPE ignored, as husk-vmm does), which kernel/include shadows.
$(BUILD)/tests/unit/test_vmm_virtio_console: UNIT_CFLAGS := $(filter-out -Ikernel/include,$(UNIT_CFLAGS))
# The CLI's backends include <signal.h> and <sched.h>, which kernel/include shadows.
$(BUILD)/tests/unit/test_cli_vmopts: UNIT_CFLAGS := $(filter-out -Ikernel/include,$(UNIT_CFLAGS)) \
	-D_GNU_SOURCE

$(patsubst tests/guest/%.c,$(BUILD)/tests/guest/%,$(GUEST_MUSL_SRCS)): \
		$(BUILD)/tests/guest/%: tests/guest/%.c tests/guest/check.h
	@mkdir -p $(@D)
	$(MUSL_CC) $(GUEST_MUSL_CFLAGS) -o $@ $<

$(patsubst tests/guest/%.c,$(BUILD)/tests/guest/%,$(GUEST_GLIBC_SRCS)): \
		$(BUILD)/tests/guest/%: tests/guest/%.c tests/guest/check.h
	@mkdir -p $(@D)
	gcc $(GUEST_GLIBC_CFLAGS) -o $@ $<

$(BUILD)/bench/progs/%: bench/progs/%.c
	@mkdir -p $(@D)
	$(MUSL_CC) $(GUEST_MUSL_CFLAGS) -o $@ $<

-include $(UNIT_BINS:=.d)

# Dynamic guest tests: *_dyn.c link dynamically against musl, *_dynglibc.c
# against glibc; husk packs their interpreter and shared libraries.  Both
# go through the musl rule above: these pattern-specific values make it
# link dynamically (and, for *_dynglibc, with gcc).
GUEST_DYN_CFLAGS := -O2 -g -fno-omit-frame-pointer -Wall -pthread
$(BUILD)/tests/guest/%_dyn: GUEST_MUSL_CFLAGS := $(GUEST_DYN_CFLAGS)
$(BUILD)/tests/guest/%_dynglibc: MUSL_CC := gcc
$(BUILD)/tests/guest/%_dynglibc: GUEST_MUSL_CFLAGS := $(GUEST_DYN_CFLAGS)

# Static position-independent executables (*_pie.c): glibc's -static-pie
# (Debian's musl-gcc wrapper turns -static-pie into a dynamic PIE).
$(BUILD)/tests/guest/%_pie: MUSL_CC := gcc
$(BUILD)/tests/guest/%_pie: GUEST_MUSL_CFLAGS := -static-pie -fPIE -O2 -g -fno-omit-frame-pointer -Wall

# vdso_glibc.c is vdso.c linked with glibc.
$(BUILD)/tests/guest/vdso_glibc: tests/guest/vdso.c

# clockcost_glibc.c is clockcost.c linked with glibc (static).
$(BUILD)/bench/progs/clockcost_glibc: MUSL_CC := gcc
$(BUILD)/bench/progs/clockcost_glibc: bench/progs/clockcost.c
