#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/crash-trial.sh: kills the VM's monitor (kill -9) at a random moment while a program appends fsync'ed records to an ext4 volume; after e2fsck -fy every record it reported must be on the disk, intact.
#
# Usage: bench/crash-trial.sh [-b qemu|vmm] [-n TRIALS] [-t MAXSECS]
#   -b BACKEND  qemu (default): QEMU (TCG here) with virtio-blk over a raw image
#               file (cache=writeback, QEMU's default: a guest flush becomes
#               fdatasync of the file); vmm: husk-vmm, whose virtio-blk writes
#               the file with pwrite and turns a flush into fdatasync
#   -n TRIALS   trials to run (default 20)
#   -t MAXSECS  the kill comes 0.5..MAXSECS seconds after the first record (default 8)
# Each trial is bounded: a monitor that has printed no record after 120 s is
# killed and the trial counts as failed.  KEEP=DIR keeps what a failed trial
# left (the image before e2fsck, e2fsck's output, the VM's output) in DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
HUSK=$BUILD/bin/husk
PROG=$BUILD/bench/progs/records
N=20 MAXT=8 BACKEND=qemu
while getopts "b:n:t:" o; do
	case $o in
	b) BACKEND=$OPTARG ;;
	n) N=$OPTARG ;;
	t) MAXT=$OPTARG ;;
	*) sed -n 4,13p "$0"; exit 2 ;;
	esac
done
[ -x "$HUSK" ] && [ -x "$PROG" ] || { echo "crash-trial: run make first" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/husk-crash.XXXXXX")
trap 'rm -rf "$work"' EXIT
# Stopped from outside (timeout, ^C): the VM of the trial in progress goes too.
trap 'kill -9 ${qemu:-} ${husk:-} 2>/dev/null; exit 143' TERM INT

# verify IMG OUT: every record number printed in OUT is in the file, intact, in order.
verify() {
	local img=$1 out=$2
	debugfs -R "dump /records $work/records" "$img" >/dev/null 2>&1 || : >"$work/records"
	python3 - "$work/records" "$out" <<'PY'
import re, struct, sys
data = open(sys.argv[1], "rb").read()
printed = [int(m) for m in re.findall(r"^rec (\d+)$", open(sys.argv[2], errors="replace").read(), re.M)]
last = printed[-1] if printed else -1
def record(i):
    r = bytearray(512)
    head = b"REC %08u\n" % i
    r[:len(head)] = head
    for k in range(13, 508):
        r[k] = (i * 131 + k * 7) & 0xff
    s = 0
    for k in range(508):
        s = (s * 31 + r[k]) & 0xffffffff
    r[508:] = struct.pack("<I", s)
    return bytes(r)
have = len(data) // 512
for i in range(last + 1):
    if i >= have or data[i * 512:(i + 1) * 512] != record(i):
        print("record %d (of %d printed) missing or damaged; %d bytes on disk" % (i, last + 1, len(data)))
        sys.exit(1)
print("%d records printed, %d on disk, all printed ones intact" % (last + 1, have))
PY
}

# keep TRIAL: with KEEP=DIR set, the failed trial's image (before e2fsck), e2fsck's output and the VM's go there.
keep() {
	[ -n "${KEEP:-}" ] || return 0
	mkdir -p "$KEEP"
	cp "$work/vol.ext4.orig" "$KEEP/trial$1.ext4" && cp "$work/fsck" "$KEEP/trial$1.fsck" && cp "$work/out" "$KEEP/trial$1.out"
	echo "    kept in $KEEP/trial$1.*"
}

ok=0
for t in $(seq 1 "$N"); do
	img=$work/vol.ext4
	mke2fs -q -F -t ext4 "$img" 64M >/dev/null
	out=$work/out
	# husk directly (no timeout wrapper): QEMU must be husk's own child.
	"$HUSK" run --backend "$BACKEND" -v "$img:/data" "$PROG" /data/records 200000 >"$out" 2>&1 &
	husk=$! qemu=
	# Wait for the first record, then a random delay.
	started=$SECONDS
	for _ in $(seq 1 600); do
		grep -q '^rec ' "$out" 2>/dev/null && break
		kill -0 "$husk" 2>/dev/null || break
		sleep 0.2
	done
	waited=$((SECONDS - started))
	kill -0 "$husk" 2>/dev/null && alive="still running" || alive="gone"
	delay=$(python3 -c "import random; print(round(random.uniform(0.5, $MAXT), 2))")
	sleep "$delay"
	# The monitor is husk's child; kill -9 it by its process id, then husk
	# (which would otherwise report the death) the same way.
	qemu=$(pgrep -P "$husk" || true)
	if [ -z "$qemu" ]; then
		echo "trial $t: no monitor process under husk (it ended early?)"
		kill -9 "$husk" 2>/dev/null || true
		wait "$husk" 2>/dev/null || true
		continue
	fi
	kill -9 $qemu 2>/dev/null || true
	wait "$husk" 2>/dev/null || true
	# Nothing may touch the image any more.
	while kill -0 $qemu 2>/dev/null; do sleep 0.1; done
	# A trial in which the program never got a record out tests nothing: it fails.
	if ! grep -q '^rec ' "$out"; then
		echo "trial $t: FAILED: no record printed in ${waited}s (the VM was $alive then); the VM said:"
		tail -n 5 "$out" | sed 's/^/    /'
		continue
	fi
	[ -z "${KEEP:-}" ] || cp "$img" "$work/vol.ext4.orig"
	fsck=0
	e2fsck -fy "$img" >"$work/fsck" 2>&1 || fsck=$?
	if [ "$fsck" -ge 4 ]; then
		echo "trial $t: kill after ${delay}s: e2fsck -fy could not repair (status $fsck)"
		keep "$t"
		continue
	fi
	if res=$(verify "$img" "$out"); then
		ok=$((ok + 1))
		echo "trial $t: kill after ${delay}s: e2fsck status $fsck; $res"
	else
		echo "trial $t: kill after ${delay}s: FAILED: $res"
		keep "$t"
	fi
done
case $BACKEND in qemu) what="QEMU TCG" ;; *) what="husk-vmm" ;; esac
echo "crash-trial ($what, virtio-blk, ext4): $ok/$N trials kept every reported record"
[ "$ok" = "$N" ]
