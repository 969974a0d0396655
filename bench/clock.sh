#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# clock.sh: guest instructions per clock_gettime under husk on QEMU -icount (the vDSO, and the system call for comparison).
#
# Usage: bench/clock.sh        Needs: make (build/bin/husk, build/kernel/husk.elf,
# build/bench/progs/clockcost{,_glibc}), qemu-system-x86_64.
# Deterministic: under "-icount shift=0,sleep=off" RDTSC counts guest
# instructions (bench/progs/icount.c says why); emulated (QEMU TCG).
set -u
cd "$(dirname "$0")/.." || exit 2
BUILD=${BUILD:-build}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/husk-bench.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT

for prog in clockcost clockcost_glibc; do
	"$BUILD/bin/husk" build -o "$TMP/$prog.img" "$BUILD/bench/progs/$prog" >"$TMP/build.log" 2>&1 ||
		{ cat "$TMP/build.log"; exit 1; }
	printf '%-16s ' "$prog:"
	timeout 300 qemu-system-x86_64 -M microvm,x-option-roms=off -accel tcg -cpu max -m 64 -smp 1 \
		-icount shift=0,sleep=off -nodefaults -no-user-config -display none -serial stdio -no-reboot \
		-device isa-debug-exit,iobase=0xf4,iosize=4 \
		-kernel "$BUILD/kernel/husk.elf" -initrd "$TMP/$prog.img" -append "quiet -- /bin/$prog" |
		sed -n 's/^clockcost: per call: //p'
done
