#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# fuzz-long.sh: long runs of the in-guest syscall fuzzer (tests/guest/sysfuzz.c), reporting calls made, panics and hangs.
#
# Usage: scripts/fuzz-long.sh N_CALLS SEED...
#   For each SEED, N_CALLS random system calls are made in VMs of CHUNK calls
#   each (VM k of a seed runs sysfuzz with seed SEED*100000+k).  A VM that
#   does not end within HANG_SECS is a hang; "kernel panic" on its console is
#   a panic; any other end without the fuzzer's SUCCESS marker is a failure.
#   The logs of every VM that did not succeed are kept in OUT.
# Environment: BACKEND (vmm or qemu; default: husk's default), CHUNK (default
#   200000), THREADS (default 4), HANG_SECS (default 600), BUILD (build),
#   OUT (default build/fuzz-long).
set -u

if [ $# -lt 2 ]; then
	echo "usage: $0 N_CALLS SEED..." >&2
	exit 2
fi
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
HUSK=$BUILD/bin/husk
PROG=$BUILD/tests/guest/sysfuzz
CHUNK=${CHUNK:-200000}
THREADS=${THREADS:-4}
HANG_SECS=${HANG_SECS:-600}
OUT=${OUT:-$BUILD/fuzz-long}
backend=()
[ -n "${BACKEND:-}" ] && backend=(--backend "$BACKEND")
[ -x "$HUSK" ] && [ -x "$PROG" ] || { echo "$0: build first (make all)" >&2; exit 2; }
mkdir -p "$OUT"

total=$1
shift
calls=0 vms=0 panics=0 hangs=0 fails=0
start=$(date +%s)
for seed in "$@"; do
	left=$total k=0
	while [ "$left" -gt 0 ]; do
		n=$((left < CHUNK ? left : CHUNK))
		s=$((seed * 100000 + k))
		log="$OUT/seed$s.log"
		timeout -k 5 "$HANG_SECS" "$HUSK" run "${backend[@]}" "$PROG" "$n" "$s" "$THREADS" \
			</dev/null >"$log" 2>&1
		rc=$?
		vms=$((vms + 1))
		made=$(sed -n 's/^sysfuzz: \([0-9]*\) calls made$/\1/p' "$log")
		calls=$((calls + ${made:-0}))
		if grep -q "kernel panic" "$log"; then
			panics=$((panics + 1))
			echo "PANIC seed $s (rc $rc): $log"
		elif [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
			hangs=$((hangs + 1))
			echo "HANG seed $s (no end within ${HANG_SECS}s): $log"
		elif [ "$rc" != 0 ] || ! grep -q "^sysfuzz: SUCCESS" "$log"; then
			fails=$((fails + 1))
			echo "FAIL seed $s (rc $rc): $log"
		else
			rm -f "$log"
		fi
		left=$((left - n))
		k=$((k + 1))
	done
done
echo "fuzz-long: $calls calls made in $vms VMs ($(($(date +%s) - start)) s, backend ${BACKEND:-default}, $THREADS threads): $panics panics, $hangs hangs, $fails other failures"
[ $((panics + hangs + fails)) = 0 ]
