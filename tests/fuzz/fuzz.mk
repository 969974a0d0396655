# SPDX-License-Identifier: MIT
# fuzz.mk: libFuzzer harnesses (tests/fuzz/fuzz_*.c, Debian's clang) for the parsers that take outside input; "make fuzz" runs each.

# Each harness #includes the source it fuzzes, as the unit tests do.  The
# kernel's portable parsers need the kernel's headers; the CLI's and the
# monitor's build against the host's libc (kernel/include would shadow it).
FUZZ_CC      ?= clang
FUZZ_SRCS    := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS    := $(patsubst tests/fuzz/%.c,$(BUILD)/tests/fuzz/%,$(FUZZ_SRCS))
FUZZ_CFLAGS  := -g -O1 -std=gnu11 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all -D_GNU_SOURCE -Iinclude
FUZZ_KERNEL  := $(BUILD)/tests/fuzz/fuzz_kelf $(BUILD)/tests/fuzz/fuzz_kcpio
$(FUZZ_KERNEL): FUZZ_CFLAGS += -Ikernel/include -Ikernel/arch/x86_64/include -U_GNU_SOURCE

# Seconds per harness: "make fuzz" 30 each, CI's smoke pass (make fuzz-smoke) 3.
FUZZ_SECS ?= 30

.PHONY: fuzz fuzz-build fuzz-smoke
fuzz-build: $(FUZZ_BINS)

$(BUILD)/tests/fuzz/%: tests/fuzz/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< -MMD -MP

fuzz: fuzz-build
	@tests/fuzz/run.sh $(FUZZ_SECS) $(FUZZ_BINS)

fuzz-smoke: fuzz-build
	@tests/fuzz/run.sh 3 $(FUZZ_BINS)

-include $(FUZZ_BINS:=.d)
