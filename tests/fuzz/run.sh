#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run.sh: runs each libFuzzer harness for SECS seconds on its corpus and reports executions and crashes.
#
# Usage: tests/fuzz/run.sh SECS HARNESS...
# The corpus of HARNESS grows in build/tests/fuzz/corpus/NAME (kept between
# runs); a crash leaves its input as build/tests/fuzz/crash-NAME-* and the
# log as build/tests/fuzz/NAME.log.  Ends with "fuzz: N harnesses, N crashed"
# and fails if any crashed.
set -u
secs=$1
shift
crashed=0 n=0
for bin in "$@"; do
	name=$(basename "$bin")
	dir=$(dirname "$bin")
	corpus="$dir/corpus/$name"
	mkdir -p "$corpus"
	log="$dir/$name.log"
	# -rss_limit_mb: the harnesses are small; a blow-up is a finding.
	timeout -k 5 $((secs + 60)) "$bin" -max_total_time="$secs" -print_final_stats=1 \
		-rss_limit_mb=1024 -timeout=10 -artifact_prefix="$dir/crash-$name-" "$corpus" \
		</dev/null >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	n=$((n + 1))
	if [ "$rc" = 0 ]; then
		printf 'fuzz: %-16s %10s executions in %ss, no crash\n' "$name" "${execs:-?}" "$secs"
	else
		crashed=$((crashed + 1))
		printf 'fuzz: %-16s CRASH (rc %s) after %s executions: see %s\n' "$name" "$rc" "${execs:-?}" "$log"
		grep -m3 -E "ERROR|SUMMARY" "$log" | sed 's/^/    /'
	fi
done
echo "fuzz: $n harnesses, $crashed crashed"
[ "$crashed" = 0 ]
