# SPDX-License-Identifier: MIT
# Makefile: builds everything into build/; "make test" runs the unit, guest and app tests.

BUILD ?= build
CC ?= gcc
HOST_CFLAGS := -O2 -g -Wall -Wextra -std=gnu11 -Iinclude

.PHONY: all test clean
all:

include kernel/kernel.mk
include vmm/vmm.mk
include cli/cli.mk
include tests/tests.mk

test: all
	@tests/run.sh

clean:
	rm -rf $(BUILD)

# The demo: one program, one VM.
.PHONY: demo
demo: all
	$(BUILD)/bin/husk run $(BUILD)/tests/guest/hello
