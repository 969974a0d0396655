#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# stdio.sh: throughput of piped stdin into a program (`head -c N /dev/urandom | PROG md5sum`): native, husk qemu, husk vmm, and a Linux guest.
#
# Usage: bench/stdio.sh [SIZE_KIB]   (default 256)
# Needs: make (build/bin/husk), busybox, qemu-system-x86_64; for the Linux
# row scripts/linux-guest-run's needs (a Debian kernel in /boot).
# Every VM row is emulated (QEMU TCG; husk-vmm on kvm_pvm, which emulates
# guest ring 0).  Each row checks the sum against the host's md5sum.
set -u
cd "$(dirname "$0")/.." || exit 2
KIB=${1:-256}
BUILD=${BUILD:-build}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/husk-bench.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
head -c $((KIB * 1024)) /dev/urandom >"$TMP/in"
want=$(md5sum <"$TMP/in" | cut -d' ' -f1)

# row NAME CMD...: runs CMD with the input on stdin, prints seconds and MB/s.
row() {
	local name=$1 t0 t1 got
	shift
	t0=$(date +%s.%N)
	got=$("$@" <"$TMP/in" 2>/dev/null | tr -s ' ' | cut -d' ' -f1 | tail -n 1)
	t1=$(date +%s.%N)
	awk -v n="$name" -v a="$t0" -v b="$t1" -v size=$((KIB * 1024)) -v ok="$([ "$got" = "$want" ] && echo ok || echo "WRONG SUM $got")" \
		'BEGIN { printf "%-44s %8.2f s %10.3f MB/s  %s\n", n, b - a, size / (b - a) / 1e6, ok }'
}

echo "input: $KIB KiB of /dev/urandom, piped to md5sum (wall time includes boot)"
row "native (busybox md5sum)" busybox md5sum
row "husk qemu (TCG, UART + husk.mux)" timeout 1800 "$BUILD/bin/husk" run --backend qemu /bin/busybox md5sum
row "husk vmm (kvm_pvm, UART + husk.mux)" timeout 1800 "$BUILD/bin/husk" run --backend vmm /bin/busybox md5sum
# Linux's serial console gives its programs no end of input from the host,
# so in the Linux guest the same bytes go through a pipe inside the guest
# (cat /in | md5sum, /in packed into its initramfs): no host I/O in that row.
mkdir -p "$TMP/tree" && cp "$TMP/in" "$TMP/tree/in"
row "Linux guest (TCG), cat /in | md5sum inside" timeout 1800 scripts/linux-guest-run --files "$TMP/tree" -- \
	/bin/busybox sh -c 'busybox cat /in | busybox md5sum'
# The fixed cost in the husk rows: boot and exit with nothing piped.
t0=$(date +%s.%N)
timeout 300 "$BUILD/bin/husk" run --backend qemu /bin/busybox true </dev/null
t1=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%-44s %8.2f s\n", "husk qemu, busybox true (boot + exit)", b - a }'
t0=$(date +%s.%N)
timeout 300 "$BUILD/bin/husk" run --backend vmm /bin/busybox true </dev/null
t1=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%-44s %8.2f s\n", "husk vmm, busybox true (boot + exit)", b - a }'
