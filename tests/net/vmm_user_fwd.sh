#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# vmm_user_fwd.sh: husk-vmm's user networking forwards a host port: a connection to 127.0.0.1:PORT reaches the fixture guest's port 80 (loopback only, no privilege).
set -u
cd "$(dirname "$0")/../.." || exit 2
BUILD=${BUILD:-build}
VMM=$BUILD/bin/husk-vmm
FIXTURE=$BUILD/tests/fixtures/pvh-tiny-virtio-net-fwd.elf
if ! [ -x "$VMM" ] || ! [ -w /dev/kvm ]; then
	echo "SKIP: no husk-vmm or no usable /dev/kvm"
	exit 77
fi
out=$(mktemp "${TMPDIR:-/tmp}/husk-fwd.XXXXXX") || exit 1
trap 'rm -f "$out"' EXIT

# try PORT: 0 passed, 1 failed, 2 the port was taken (pick another).
try() {
	local port=$1 pid i status
	"$VMM" --net user --fwd "$port:80" "$FIXTURE" </dev/null >"$out" 2>&1 &
	pid=$!
	# The guest says when its lease is there; then the host connects.
	for i in $(seq 200); do
		grep -q "waiting for a forwarded connection" "$out" && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if grep -q "waiting for a forwarded connection" "$out"; then
		# The monitor accepts for the guest; what matters is what the guest sees.
		timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null
	fi
	for i in $(seq 300); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill "$pid" 2>/dev/null
	wait "$pid"
	status=$?
	cat "$out"
	grep -q "cannot listen on host port $port" "$out" && return 2
	[ "$status" = 42 ] && grep -q "forwarded connection reached the guest" "$out" && return 0
	echo "FAIL: status $status"
	return 1
}

for attempt in 1 2 3 4 5; do
	port=$((20000 + RANDOM % 40000))
	try "$port"
	case $? in
	0) echo PASS; exit 0 ;;
	1) exit 1 ;;
	esac
	echo "(port $port is taken; another)"
done
echo "FAIL: no free port"
exit 1
