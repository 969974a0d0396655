# SPDX-License-Identifier: MIT
# Makefile: builds everything into build/; "make test" runs the unit, guest and app tests.

BUILD ?= build
CC ?= gcc
HOST_CFLAGS := -O2 -g -Wall -Wextra -std=gnu11 -Iinclude

.PHONY: all test test-xen clean
all:

include kernel/kernel.mk
include vmm/vmm.mk
include cli/cli.mk
include tests/tests.mk
include tests/fuzz/fuzz.mk

test: all
	@tests/run.sh

# The guest cases marked backends=...,xen as Xen PVH domUs, in one boot of the
# xen-lab (Xen 4.17 and a Debian dom0 under QEMU TCG); see tests/xen/run.py.
XEN_LAB ?= ../shared/xen-lab
test-xen: all
	@XEN_LAB=$(XEN_LAB) tests/xen/run.py

clean:
	rm -rf $(BUILD)

# The demo: Debian's nginx in a husk VM, its address by DHCP, serving an ext4
# image of demo/site/ (demo/run.sh).
.PHONY: demo
demo: all
	BUILD=$(BUILD) demo/run.sh
