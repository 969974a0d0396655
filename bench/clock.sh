#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# clock.sh: guest instructions per clock_gettime under QEMU -icount: husk (through its vDSO, and the system call), and with --linux a Linux guest side by side.
#
# Usage: bench/clock.sh [--linux]
# Needs: make (build/bin/husk, build/kernel/husk.elf,
# build/bench/progs/clockcost{,_glibc}), qemu-system-x86_64; for --linux,
# cpio and a Debian kernel in /boot/vmlinuz-* (linux-image-amd64); each
# Linux run boots Linux under -icount, about two minutes.
# Deterministic: under "-icount shift=0,sleep=off" RDTSC counts guest
# instructions (bench/progs/icount.c says why).  Emulated: QEMU TCG.
set -u
cd "$(dirname "$0")/.." || exit 2
LINUX=0
[ "${1:-}" = --linux ] && LINUX=1
BUILD=${BUILD:-build}
VMLINUZ=$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/husk-bench.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
ICOUNT=(-icount shift=0,sleep=off)

for prog in clockcost clockcost_glibc; do
	"$BUILD/bin/husk" build -o "$TMP/$prog.img" "$BUILD/bench/progs/$prog" >"$TMP/build.log" 2>&1 ||
		{ cat "$TMP/build.log"; exit 1; }
	printf '%-28s ' "husk, $prog:"
	timeout 300 qemu-system-x86_64 -M microvm,x-option-roms=off -accel tcg -cpu max -m 64 -smp 1 \
		"${ICOUNT[@]}" -nodefaults -no-user-config -display none -serial stdio -no-reboot \
		-device isa-debug-exit,iobase=0xf4,iosize=4 \
		-kernel "$BUILD/kernel/husk.elf" -initrd "$TMP/$prog.img" -append "quiet -- /bin/$prog" |
		sed -n 's/^clockcost: per call: //p'
	if [ "$LINUX" = 1 ] && [ -n "$VMLINUZ" ]; then
		# The program as /init of an initramfs, as bench/boot.sh runs hello under Linux.
		mkdir -p "$TMP/root"
		cp "$BUILD/bench/progs/$prog" "$TMP/root/init"
		(cd "$TMP/root" && echo init | cpio -o -H newc --quiet) >"$TMP/$prog.cpio"
		printf '%-28s ' "$(basename "$VMLINUZ"), $prog:"
		timeout 900 qemu-system-x86_64 -M microvm -accel tcg -cpu max -m 256M -smp 1 "${ICOUNT[@]}" \
			-nographic -nodefaults -no-user-config -no-reboot -serial stdio -kernel "$VMLINUZ" \
			-initrd "$TMP/$prog.cpio" \
			-append "console=ttyS0 quiet panic=-1 reboot=t tsc_early_khz=1000000 rdinit=/init" 2>&1 |
			tr -d '\r' | sed -n 's/^clockcost: per call: //p'
	fi
done
