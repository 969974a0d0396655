#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# proc.sh: process benchmark: fork+exit+wait, fork of a 256 MB process, fork+exec+wait, posix_spawn and a 3-stage pipeline, under husk and a Linux guest on the same backend, and natively, side by side.
#
# Usage: bench/proc.sh [-n RUNS]      (default 3 runs; medians are reported)
# Needs: make (build/bin/husk, build/kernel/husk.elf, build/bench/progs/procbench),
# qemu-system-x86_64, busybox-static, a Debian kernel (scripts/linux-guest-run).
#
# bench/progs/procbench times each operation inside the guest with
# CLOCK_MONOTONIC (VM boot and exit are not counted) and prints microseconds
# per operation.  Both VM columns run on QEMU TCG: every VM figure here is
# emulated, none is a hardware-KVM figure.  The pipeline is
# "head -c 10485760 /dev/zero | cat | wc -c" run by /bin/sh: busybox in both
# VMs, the host's /bin/sh and coreutils natively.
set -u
cd "$(dirname "$0")/.." || exit 2

RUNS=3
while [ $# -gt 0 ]; do
	case $1 in
	-n) RUNS=${2:?-n needs a number}; shift 2 ;;
	-h|--help) sed -n '4,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "proc.sh: unknown option $1" >&2; exit 2 ;;
	esac
done

BUILD=${BUILD:-build}
PROG=$BUILD/bench/progs/procbench
TMP=$(mktemp -d "${TMPDIR:-/tmp}/husk-bench.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
NAMES="fork_exit_wait fork_256mb fork_exec_wait posix_spawn pipeline_10mb"

# husk's image gets busybox as /bin/sh (scripts/linux-guest-run does the same for Linux).
mkdir -p "$TMP/files/bin"
cp /bin/busybox "$TMP/files/bin/busybox"
ln -s busybox "$TMP/files/bin/sh"

median() {
	sort -n | awk '{ a[NR] = $1 } END {
		if (NR == 0) print "-";
		else if (NR % 2) print a[(NR + 1) / 2];
		else printf "%.1f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# collect WHERE CMD...: runs CMD RUNS times, keeping the procbench lines in $TMP/WHERE.N.
collect() {
	local where=$1 i
	shift
	for ((i = 0; i < RUNS; i++)); do
		timeout 900 "$@" >"$TMP/$where.$i" 2>&1 </dev/null
		grep -q "procbench: done" "$TMP/$where.$i" || echo "proc.sh: $where run $i failed (see below)" >&2
	done
}

value() {
	local where=$1 name=$2 i
	for ((i = 0; i < RUNS; i++)); do
		sed -n "s/^procbench: $name us_per_op=//p" "$TMP/$where.$i"
	done | median
}

collect husk "$BUILD/bin/husk" run --backend qemu -m 768M --files "$TMP/files" "$PROG"
collect linux scripts/linux-guest-run --mem 768M -- "$(realpath "$PROG")"
collect native "$PROG"

printf 'procbench, microseconds per operation (median of %d runs); VMs on QEMU TCG (emulated)\n' "$RUNS"
printf '%-16s %12s %12s %10s %10s\n' operation husk linux-guest husk/linux native
for n in $NAMES; do
	h=$(value husk "$n")
	l=$(value linux "$n")
	r=$(awk -v h="$h" -v l="$l" 'BEGIN { if (h + 0 > 0 && l + 0 > 0) printf "%.2f", h / l; else print "-" }')
	printf '%-16s %12s %12s %10s %10s\n' "$n" "$h" "$l" "$r" "$(value native "$n")"
done
for w in husk linux native; do
	grep -q "procbench: done" "$TMP/$w.0" || { echo "--- $w, run 0:"; tail -20 "$TMP/$w.0"; }
done
