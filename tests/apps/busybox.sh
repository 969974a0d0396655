#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/apps/busybox.sh: Debian's busybox-static applets that need no fork, each in its own VM, against known output.
source "$(dirname "$0")/apps.bash"

BB=/bin/busybox
need_file "$BB" "install busybox-static (scripts/setup)"

files=$APPS_WORK/files
mkdir -p "$files/data/sub"
printf 'the quick brown fox\njumps over\nthe lazy dog\n' >"$files/data/known.txt"
printf 'pear\nfig\napple\nkiwi\n' >"$files/data/fruit.txt"
: >"$files/data/sub/empty"

check echo 0 "hello from busybox" \
	"$BB" echo hello from busybox
check cat 0 "$(cat "$files/data/known.txt")" \
	--files "$files" "$BB" cat /data/known.txt
check ls-dir 0 "$(printf 'fruit.txt\nknown.txt\nsub')" \
	--files "$files" "$BB" ls -1 /data
check wc 0 "        3         9        44 /data/known.txt" \
	--files "$files" "$BB" wc /data/known.txt
check sort 0 "$(printf 'apple\nfig\nkiwi\npear')" \
	--files "$files" "$BB" sort /data/fruit.txt
check sha256sum 0 "e70c4201d14406bc4b3961de8974ba160e5601f7bde46c8bb62b88e552049c07  /data/known.txt" \
	--files "$files" "$BB" sha256sum /data/known.txt
check seq 0 "$(printf '1\n2\n3\n4\n5')" \
	"$BB" seq 1 5
check basename 0 "c" \
	"$BB" basename /a/b/c.txt .txt
check uname-m 0 "x86_64" \
	"$BB" uname -m
check false 1 "" \
	"$BB" false

# ls / lists what husk put at the root; its exact set grows with the CLI
# (libraries, /etc defaults), so only the entries every image has are checked.
out=$APPS_WORK/ls-root
if husk_run "$out" 120 --files "$files" "$BB" ls -1 /; then
	got=$(program_output "$out")
	miss=""
	for d in bin data dev etc proc tmp; do
		printf '%s\n' "$got" | grep -qx "$d" || miss="$miss $d"
	done
	if [ -z "$miss" ]; then
		echo "PASS ls-root (bin data dev etc proc tmp among: $(printf '%s' "$got" | tr '\n' ' '))"
	else
		echo "FAIL ls-root: missing$miss in: $got"
		apps_failed=$((apps_failed + 1))
	fi
else
	echo "FAIL ls-root: status $?"
	missing_features "$out" | sed 's/^/  console: /'
	apps_failed=$((apps_failed + 1))
fi

apps_result
