# SPDX-License-Identifier: MIT
# tests/apps/apps.bash: helpers the app tests source (not a test: tests/run.sh runs only *.sh).
#
# Environment: HUSK (default build/bin/husk), BUILD (default build), both
# relative to the repository root, which the helpers cd to.
# HUSK_APPS_STAGE_LIBS=1 also copies the shared libraries ldd lists for each
# program into the --files tree at their host paths: a diagnostic for when
# husk's own library packing is the suspect, never the default.

set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

BUILD=${BUILD:-build}
HUSK=${HUSK:-$BUILD/bin/husk}
APPS_WORK=$(mktemp -d "${TMPDIR:-/tmp}/husk-apps.XXXXXX")
trap 'rm -rf "$APPS_WORK"' EXIT
apps_failed=0

# need_file PATH WHAT: stops the test (FAIL, status 1) when PATH is missing.
need_file() {
	if [ ! -e "$1" ]; then
		echo "FAIL: $1 missing ($2)"
		exit 1
	fi
}

# stage_libs DIR PROGRAM: the diagnostic copy described above.
stage_libs() {
	local dir=$1 prog=$2 lib libs
	[ "${HUSK_APPS_STAGE_LIBS:-0}" = 1 ] || return 0
	libs=$(ldd "$prog" 2>/dev/null) || return 0
	while read -r lib; do
		mkdir -p "$dir$(dirname "$lib")"
		cp -L "$lib" "$dir$lib"
	done < <(printf '%s\n' "$libs" | grep -oE '/[^ ]+' | sort -u)
	echo "note: HUSK_APPS_STAGE_LIBS=1: ldd's libraries for $prog staged in --files"
}

# husk_run OUT TIMEOUT HUSK-RUN-ARGS...: runs husk run with the arguments,
# the console (program output, kernel warnings, husk's errors) in OUT;
# returns the status.
husk_run() {
	local out=$1 tmo=$2
	shift 2
	set +e
	timeout "$tmo" "$HUSK" run "$@" </dev/null >"$out" 2>&1
	local rc=$?
	set -e
	return $rc
}

# program_output OUT: the console without the kernel's and husk's own lines,
# which start with "husk: ".
program_output() {
	grep -v '^husk: ' "$1" || true
}

# missing_features OUT: the distinct "not implemented" / "not supported"
# lines the kernel printed, in order of first appearance.
missing_features() {
	grep -E '^husk: .*(not implemented|not supported)' "$1" | awk '!seen[$0]++' || true
}

# check NAME WANT_STATUS WANT_OUTPUT HUSK-RUN-ARGS...: one applet or script
# run; prints PASS/FAIL NAME and, on failure, what differed; counts
# failures in apps_failed.
check() {
	local name=$1 want_status=$2 want=$3 out=$APPS_WORK/out rc=0 got
	shift 3
	husk_run "$out" 120 "$@" || rc=$?
	got=$(program_output "$out")
	if [ "$rc" = "$want_status" ] && [ "$got" = "$want" ]; then
		echo "PASS $name"
		return 0
	fi
	apps_failed=$((apps_failed + 1))
	echo "FAIL $name: status $rc (wanted $want_status)"
	[ "$rc" = 124 ] && echo "  (timed out)"
	if [ "$got" != "$want" ]; then
		echo "  wanted output:"
		printf '%s\n' "$want" | sed 's/^/    | /'
		echo "  got:"
		printf '%s\n' "$got" | sed 's/^/    | /'
	fi
	missing_features "$out" | sed 's/^/  console: /'
	grep -E '^husk: ' "$out" | grep -v -E 'not implemented|not supported' |
		tail -n 5 | sed 's/^/  console: /' || true
	# Not "return 1": set -e would end the test at its first failed check.
	return 0
}

# apps_result: the test's exit status.
apps_result() {
	if [ "$apps_failed" -gt 0 ]; then
		echo "$apps_failed check(s) failed"
		exit 1
	fi
	echo "all checks passed"
	exit 0
}
