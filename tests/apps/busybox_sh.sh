#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/apps/busybox_sh.sh: Debian's busybox sh runs scripts that start processes (pipelines, redirections, $(...), background jobs and wait), each compared with the same script run by busybox on the host.
source "$(dirname "$0")/apps.bash"

BB=/bin/busybox
need_file "$BB" "install busybox-static (scripts/setup)"

files=$APPS_WORK/files
mkdir -p "$files/data"
printf 'pear\nfig\napple\nkiwi\nfig\n' >"$files/data/fruit.txt"

# same_as_host NAME SCRIPT: the script's output and status in the VM must be
# those of busybox sh on the host (run in the --files tree, as / in the VM).
same_as_host() {
	local name=$1 script=$2 want rc=0
	want=$(cd "$files" && "$BB" sh -c "${script//\/data/$files/data}" 2>&1) || rc=$?
	check "$name" "$rc" "$want" --files "$files" "$BB" sh -c "$script"
}

same_as_host pipeline 'echo hello world | tr a-z A-Z | rev'
same_as_host pipeline-3 'seq 1 1000 | grep 7 | wc -l'
same_as_host sort-uniq 'sort /data/fruit.txt | uniq -c | sort -rn | head -n 2'
same_as_host subst 'x=$(echo inner | tr i I); y=`echo back`; echo "got $x $y $(echo $((6 * 7)))"'
same_as_host redirect 'echo one > /tmp/f; echo two >> /tmp/f; wc -l < /tmp/f; cat /tmp/f 2>&1 >/dev/null; cat /nonexistent 2>/dev/null || echo "missing: $?"'
same_as_host background 'sleep 0.2 & p=$!; echo first & wait; echo "all waited"; kill -0 $p 2>/dev/null && echo "still there" || echo gone'
same_as_host wait-status '(exit 7) & wait $!; echo "status $?"; sh -c "exit 5"; echo "sh $?"'
same_as_host subshell-vars 'v=outer; (v=inner; echo $v); echo $v; f() { echo "func $1"; }; f arg | cat'
same_as_host exit-status 'true | false; echo "pipe $?"; exit 3'
same_as_host loop 'for i in 1 2 3 4 5; do echo $i | sed s/^/n/; done | tail -n 2'
same_as_host here-doc 'cat <<END | tr e E
here doc line
END'
same_as_host kill-group 'sleep 10 & sleep 10 & kill $(jobs -p) 2>/dev/null; wait; echo killed'

apps_result
