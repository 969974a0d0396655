#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/disk.sh: sequential and random 4 KiB read/write throughput and fsync latency of one program (bench/progs/diskio) natively, in husk and in a Linux guest, side by side, as ratios.
#
# Usage: bench/disk.sh
# Rows:
#   native       diskio on the host, in a directory of $TMPDIR (host page cache:
#                its "cold" reads are not cold; the row is a reference only)
#   husk         husk run --backend qemu (microvm, TCG), the files on an ext4
#                image attached as virtio-blk (husk run -v IMAGE:/mnt)
#   Linux guest  Debian's kernel on the same QEMU machine and image: diskio as
#                /init loads virtio and ext4 modules, mounts /dev/vda
# Both VM rows are emulated (TCG); the image is a raw file, QEMU's default cache.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
HUSK=$BUILD/bin/husk
PROG=$BUILD/bench/progs/diskio
QEMU=qemu-system-x86_64
VMLINUZ=$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1)
KVER=${VMLINUZ#/boot/vmlinuz-}
MODDIR=/lib/modules/$KVER/kernel
[ -x "$PROG" ] && [ -x "$HUSK" ] || { echo "disk.sh: run make first" >&2; exit 2; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/husk-diskbench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# The tree every row starts from: two 32 MiB files of random bytes.
mkdir -p "$TMP/tree"
head -c $((32 << 20)) /dev/urandom >"$TMP/tree/seq"
head -c $((32 << 20)) /dev/urandom >"$TMP/tree/rnd"
image() {	# image OUT: a fresh ext4 image holding the tree
	mke2fs -q -F -t ext4 -d "$TMP/tree" "$1" 256M >/dev/null
}
declare -A val=()
collect() {	# collect ROW OUTPUT
	local row=$1 name v
	while read -r _ name v _; do
		val[$row:$name]=$v
	done < <(printf '%s\n' "$2" | grep '^diskio: ')
}

# native
cp -r "$TMP/tree" "$TMP/native"
collect native "$("$PROG" "$TMP/native")"

# husk
image "$TMP/husk.ext4"
out=$(timeout 900 "$HUSK" run --backend qemu -m 256M -v "$TMP/husk.ext4:/mnt" "$PROG" /mnt 2>&1) || true
collect husk "$out"
[ -n "${val[husk:seq-read]:-}" ] || { echo "husk row failed:"; printf '%s\n' "$out" | tail -5; }

# Linux guest
if [ -n "$VMLINUZ" ] && [ -d "$MODDIR" ]; then
	mkdir -p "$TMP/lroot/modules"
	cp "$PROG" "$TMP/lroot/init"
	for m in drivers/virtio/virtio_ring drivers/virtio/virtio drivers/virtio/virtio_mmio \
		 drivers/block/virtio_blk lib/crc16 crypto/crc32c_generic fs/mbcache fs/jbd2/jbd2 fs/ext4/ext4; do
		cp "$MODDIR/$m.ko" "$TMP/lroot/modules/"
		basename "$m.ko" >>"$TMP/lroot/modules/order"
	done
	(cd "$TMP/lroot" && find . | cpio -o -H newc --quiet) >"$TMP/linux.cpio"
	image "$TMP/linux.ext4"
	out=$(timeout 900 "$QEMU" -M microvm -accel tcg -cpu max -m 256M -smp 1 \
		-nographic -nodefaults -no-user-config -no-reboot -serial stdio \
		-drive "file=$TMP/linux.ext4,if=none,format=raw,id=vda" -device virtio-blk-device,drive=vda \
		-kernel "$VMLINUZ" -initrd "$TMP/linux.cpio" \
		-append "console=ttyS0 quiet panic=-1 reboot=t tsc_early_khz=1000000 rdinit=/init" 2>&1) || true
	collect linux "$out"
	[ -n "${val[linux:seq-read]:-}" ] || { echo "Linux guest row failed:"; printf '%s\n' "$out" | tail -5; }
fi

ratio() {	# ratio A B: A/B
	awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else print "-" }'
}
echo "disk benchmark: $(date -u +%Y-%m-%dT%H:%MZ), $(uname -r), $(nproc) CPUs; VM rows on QEMU TCG (emulated)"
printf '%-14s %12s %12s %14s %14s   %s\n' test native husk "Linux guest" "husk/Linux" unit
for t in seq-read seq-write rand-read-4k rand-write-4k fsync-4k; do
	case $t in seq-*) unit="MB/s (higher is better)" ;; fsync-4k) unit="us per write+fsync (lower is better)" ;; *) unit="ops/s (higher is better)" ;; esac
	h=${val[husk:$t]:--} l=${val[linux:$t]:--}
	if [ "$t" = fsync-4k ]; then r=$(ratio "$l" "$h"); else r=$(ratio "$h" "$l"); fi
	printf '%-14s %12s %12s %14s %14s   %s\n' "$t" "${val[native:$t]:--}" "$h" "$l" "$r" "$unit"
done
echo "(husk/Linux: above 1 means husk did better; for fsync it is Linux's latency over husk's)"
