#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tcp.sh: guest instructions for TCP over 127.0.0.1 (16 MiB between two threads; 200 connections) in husk and in a Linux guest, both on QEMU -icount.
#
# Usage: bench/tcp.sh      Needs: make (build/bin/husk, build/kernel/husk.elf,
# build/bench/progs/tcploop), qemu-system-x86_64, cpio, a Debian kernel in
# /boot (linux-image-amd64).  Deterministic: under "-icount shift=0,sleep=off"
# RDTSC counts guest instructions (bench/progs/icount.c says why); every
# figure is emulated (QEMU TCG), one CPU, the same machine type (microvm).
set -u
cd "$(dirname "$0")/.." || exit 2
BUILD=${BUILD:-build}
PROG=$BUILD/bench/progs/tcploop
KERNEL=$BUILD/kernel/husk.elf
VMLINUZ=$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/husk-bench.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
ICOUNT=(-icount shift=0,sleep=off)

[ -x "$PROG" ] && [ -f "$KERNEL" ] || { echo "tcp.sh: run make first" >&2; exit 2; }

field() {	# field OUTPUT KIND NAME: a number from tcploop's report
	printf '%s\n' "$1" | sed -n "s/^tcploop: $2 .*$3=\([0-9]*\).*/\1/p" | head -n 1
}

report() {	# report LABEL OUTPUT
	local b c
	b=$(field "$2" bulk tsc)
	c=$(field "$2" conns tsc)
	if [ -z "$b" ] || [ -z "$c" ]; then
		printf '%-44s failed\n' "$1"
		printf '%s\n' "$2" | tail -n 5 | sed 's/^/    | /'
		return
	fi
	printf '%-44s %12s %10s %14s %10s\n' "$1" "$b" "$((b / 16384))" "$c" "$((c / 200))"
}

printf '%-44s %12s %10s %14s %10s\n' "where (all on QEMU TCG -icount)" "16 MiB" "per KiB" "200 conns" "per conn"

"$BUILD/bin/husk" build -o "$TMP/husk.img" "$PROG" >"$TMP/build.log" 2>&1 || { cat "$TMP/build.log"; exit 1; }
out=$(timeout 900 qemu-system-x86_64 -M microvm,x-option-roms=off -accel tcg -cpu max -m 256M -smp 1 "${ICOUNT[@]}" \
	-nodefaults -no-user-config -display none -serial stdio -no-reboot \
	-device isa-debug-exit,iobase=0xf4,iosize=4 \
	-kernel "$KERNEL" -initrd "$TMP/husk.img" -append "quiet -- /bin/tcploop" 2>&1)
report "husk (lwIP)" "$out"

if [ -n "$VMLINUZ" ]; then
	mkdir -p "$TMP/root"
	cp "$PROG" "$TMP/root/init"
	(cd "$TMP/root" && echo init | cpio -o -H newc --quiet) >"$TMP/linux.cpio"
	# As bench/boot.sh: panic=-1 reboot=t turn init's exit into QEMU's exit; tsc_early_khz skips calibration.
	out=$(timeout 900 qemu-system-x86_64 -M microvm -accel tcg -cpu max -m 256M -smp 1 "${ICOUNT[@]}" \
		-nographic -nodefaults -no-user-config -no-reboot -serial stdio \
		-kernel "$VMLINUZ" -initrd "$TMP/linux.cpio" \
		-append "console=ttyS0 quiet panic=-1 reboot=t tsc_early_khz=1000000 rdinit=/init" 2>&1)
	report "Linux guest $(basename "$VMLINUZ")" "$out"
else
	echo "Linux guest: no /boot/vmlinuz-* (install linux-image-amd64)"
fi
