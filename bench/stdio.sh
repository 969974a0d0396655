#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# stdio.sh: throughput of piped stdin into a program (`head -c N /dev/urandom | PROG md5sum`): native, husk qemu, husk vmm, and a Linux guest reading its serial console.
#
# Usage: bench/stdio.sh [SIZE_KIB [VMM_SIZE_KIB [LINUX_SIZE_KIB]]]   (defaults 16384, 1024 and 1024)
# Needs: make (build/bin/husk), busybox, qemu-system-x86_64; for the Linux
# rows scripts/linux-guest-run's needs (a Debian kernel in /boot).
# Every VM row is emulated (QEMU TCG; husk-vmm on kvm_pvm, which emulates
# guest ring 0).  Each row checks the sum against the host's md5sum.  Each
# VM's boot-and-exit time (the same program on no input) is measured too,
# and "net MB/s" is the size over the time beyond it.
set -u
cd "$(dirname "$0")/.." || exit 2
KIB=${1:-16384}
VMM_KIB=${2:-1024}
LINUX_KIB=${3:-1024}
BUILD=${BUILD:-build}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/husk-bench.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT

# now: seconds since the epoch, with nanoseconds.
now() { date +%s.%N; }

# row NAME KIB BOOT_SECONDS CMD...: runs CMD with KIB KiB of random bytes on stdin, checks the sum, prints times and MB/s.
row() {
	local name=$1 kib=$2 boot=$3 t0 t1 got want
	shift 3
	head -c $((kib * 1024)) /dev/urandom >"$TMP/in"
	want=$(md5sum <"$TMP/in" | cut -d' ' -f1)
	t0=$(now)
	got=$("$@" <"$TMP/in" 2>/dev/null | tr -d '\r' | grep -E '^[0-9a-f]{32}( |$)' | cut -d' ' -f1 | tail -n 1)
	t1=$(now)
	awk -v n="$name" -v a="$t0" -v b="$t1" -v boot="$boot" -v size=$((kib * 1024)) -v kib="$kib" \
		-v ok="$([ "$got" = "$want" ] && echo ok || echo "WRONG SUM '$got'")" \
		'BEGIN { net = b - a - boot; r = net > 0 ? size / net / 1e6 : 0
			printf "%-46s %6d KiB %8.2f s %9.3f MB/s  net %9.3f MB/s  %s\n", n, kib, b - a, size / (b - a) / 1e6, r, ok }'
}

# boot NAME CMD...: the seconds CMD takes on no input (printed, and returned in $BOOT).
boot() {
	local name=$1 t0 t1
	shift
	t0=$(now)
	"$@" </dev/null >/dev/null 2>&1
	t1=$(now)
	BOOT=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
	printf '%-46s %19.2f s (boot and exit, no input)\n' "$name" "$BOOT"
}

HUSK=$BUILD/bin/husk
echo "input: KiB of /dev/urandom piped to md5sum; wall time includes boot"
row "native (busybox md5sum)" "$KIB" 0 busybox md5sum

boot "husk qemu, busybox true" timeout 300 "$HUSK" run --backend qemu /bin/busybox true
row "husk qemu (TCG, virtio-console + husk.mux)" "$KIB" "$BOOT" timeout 3600 "$HUSK" run --backend qemu /bin/busybox md5sum

boot "husk vmm, busybox true" timeout 300 "$HUSK" run --backend vmm /bin/busybox true
row "husk vmm (kvm_pvm, virtio-console + mux)" "$VMM_KIB" "$BOOT" timeout 3600 "$HUSK" run --backend vmm /bin/busybox md5sum
# The ceiling kvm_pvm sets: the same bytes through a pipe inside the guest (no console at all).
t0=$(now)
timeout 3600 "$HUSK" run --backend vmm /bin/busybox sh -c "head -c $((VMM_KIB * 1024)) /dev/zero | md5sum" \
	</dev/null >/dev/null 2>&1
t1=$(now)
awk -v n="husk vmm, in-guest pipe (no stdio)" -v a="$t0" -v b="$t1" -v boot="$BOOT" -v size=$((VMM_KIB * 1024)) \
	-v kib="$VMM_KIB" 'BEGIN { net = b - a - boot; r = net > 0 ? size / net / 1e6 : 0
		printf "%-46s %6d KiB %8.2f s %9.3f MB/s  net %9.3f MB/s\n", n, kib, b - a, size / (b - a) / 1e6, r }'

# The same pipeline in Debian's Linux under the same QEMU: the bytes come
# through the same emulated 16550 (its ttyS0, in raw mode), sent once the
# program says it is ready; head -c stops at the size (Linux's serial console
# has no end of input from the host).
LG=(timeout 3600 scripts/linux-guest-run --timeout 3500)
boot "Linux guest (TCG), busybox true" "${LG[@]}" -- /bin/busybox true
row "Linux guest (TCG), ttyS0 raw | md5sum" "$LINUX_KIB" "$BOOT" "${LG[@]}" --stdin /dev/stdin -- /bin/busybox sh -c \
	"busybox stty raw -echo; echo linux-guest-run: stdin ready; busybox head -c $((LINUX_KIB * 1024)) | busybox md5sum"
