#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# realtime.sh: the guest's clocks against the host's: sleep(2) in the guest (tests/guest/realtime.c) on each backend.
#
# The host stamps each line of the guest's output as it arrives.  The guest
# prints CLOCK_MONOTONIC and CLOCK_REALTIME before and after sleep(2); its
# clock is right when the host saw about as much time pass between the two
# lines as the guest measured, and when its CLOCK_REALTIME is the host's time
# of day.  The bounds are generous (a loaded host delays lines by hundreds of
# milliseconds) but a clock off by 2x fails: it stretches 2 s to 4 s or
# shrinks it to 1 s.  Usage: HUSK=... BUILD=... realtime.sh [BACKEND...]
set -u
HUSK=${HUSK:-build/bin/husk}
BUILD=${BUILD:-build}
PROG=$BUILD/tests/guest/realtime
fail=0

# stamp: copies stdin to stdout, each line prefixed with the host's time in microseconds.
stamp() {
	local line
	while IFS= read -r line; do
		printf '%s %s\n' "${EPOCHREALTIME/./}" "$line"
	done
}

check_backend() {
	local backend=$1 out rc
	out=$(set -o pipefail; timeout 120 "$HUSK" run --backend "$backend" "$PROG" </dev/null 2>&1 | stamp)
	rc=$?
	echo "--- $backend (status $rc)"
	echo "$out"
	if [ "$rc" != 0 ] || ! grep -q SUCCESS <<<"$out"; then
		echo "FAIL $backend: the guest program failed"
		return 1
	fi
	# Fields: host_us tag mono_ns real_ns.
	awk -v backend="$backend" '
		$2 == "realtime-start" { h0 = $1; m0 = $3; r0 = $4 }
		$2 == "realtime-end"   { h1 = $1; m1 = $3; r1 = $4 }
		END {
			if (h0 == "" || h1 == "") { print "FAIL " backend ": no samples"; exit 1 }
			host = (h1 - h0) / 1e6; mono = (m1 - m0) / 1e9; real = (r1 - r0) / 1e9
			skew = r0 / 1e9 - h0 / 1e6
			printf "%s: host saw %.3f s, guest CLOCK_MONOTONIC %.3f s, CLOCK_REALTIME %.3f s; guest time of day - host = %.3f s\n", backend, host, mono, real, skew
			bad = 0
			if (host > 1.4 * mono + 0.4 || host < 0.7 * mono - 0.2) { print "FAIL " backend ": the guest clock does not keep the host'"'"'s pace"; bad = 1 }
			if (real < 0.9 * mono || real > 1.1 * mono) { print "FAIL " backend ": CLOCK_REALTIME and CLOCK_MONOTONIC disagree"; bad = 1 }
			# The RTC has whole seconds, so the guest may start up to 1 s behind; the line may arrive late.
			if (skew < -2 || skew > 1) { print "FAIL " backend ": CLOCK_REALTIME is not the host'"'"'s time of day"; bad = 1 }
			exit bad
		}' <<<"$out"
}

[ $# -gt 0 ] || set -- qemu
for b in "$@"; do
	check_backend "$b" || fail=1
done
exit $fail
