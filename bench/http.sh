#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/http.sh: wrk against Debian's nginx serving demo/site/, side by side in one run: natively on this machine and in husk VMs (QEMU TCG, husk-vmm), all inside a private network namespace; requests/s, p99 latency, a connection-rate line (a new connection per request) and a 100 MiB bulk transfer.
#
# Usage: bench/http.sh [-d SECONDS] [-c CONNECTIONS]   (as root; default 10 s, 10)
# Every VM figure here is emulated (TCG; kvm_pvm emulates husk-vmm's guest
# kernel): compare VM rows with each other, not with the native row.
# Not here yet: the Linux-guest row (scripts/linux-guest-run has no NIC).
set -u
cd "$(dirname "$0")/.." || exit 2
BUILD=${BUILD:-build}
HUSK=${HUSK:-$BUILD/bin/husk}
NGINX=/usr/sbin/nginx
DUR=10
CONNS=10
while getopts d:c: o; do
	case $o in
	d) DUR=$OPTARG ;;
	c) CONNS=$OPTARG ;;
	*) echo "usage: bench/http.sh [-d SECONDS] [-c CONNECTIONS]" >&2; exit 2 ;;
	esac
done
. tests/net/netns.bash
NETNS=husk-bench-$$
why=$(netns_skip_reason)
[ -z "$why" ] || { echo "bench/http.sh: $why" >&2; exit 2; }
for t in wrk curl "$NGINX"; do
	command -v "$t" >/dev/null || { echo "bench/http.sh: no $t (scripts/setup)" >&2; exit 2; }
done
netns_up || exit 1
site=$NETNS_DIR/site
cp -r demo/site "$site" && head -c $((100 << 20)) /dev/urandom >"$site/big.bin" || exit 1
"$HUSK" disk -o "$NETNS_DIR/site.ext4" "$site" >/dev/null || exit 1
files=$NETNS_DIR/files
mkdir -p "$files/etc/nginx" "$files/run" "$files/var/lib/nginx"
cp demo/nginx.conf "$files/etc/nginx/nginx.conf"
# The native run: the same binary and config, the web root the directory.
sed -e "s|root /srv/www;|root $site;|" -e "s|pid /run/nginx.pid;|pid $NETNS_DIR/nginx.pid;|" \
	demo/nginx.conf >"$NETNS_DIR/native.conf"

printf '%-34s %10s %9s %12s %12s\n' "row (backend)" "req/s" "p99 ms" "new conn/s" "100MiB MB/s"
# measure NAME HOST: one row against nginx at HOST (port 80).
measure() {
	local name=$1 host=$2 out rps p99 cps mbs
	out=$(netns_exec wrk -t 1 -c "$CONNS" -d "${DUR}s" --latency "http://$host/index.html" 2>&1)
	rps=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' <<<"$out")
	p99=$(awk '$1 == "99%" { v = $2; if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 }
		else if (v ~ /ms$/) sub(/ms$/, "", v); else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 }
		printf "%.2f", v }' <<<"$out")
	out=$(netns_exec wrk -t 1 -c "$CONNS" -d "${DUR}s" -H 'Connection: close' "http://$host/index.html" 2>&1)
	cps=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' <<<"$out")
	# curl's own average; "-" unless all 100 MiB arrived within 600 s.
	mbs=$(netns_exec curl -s -m 600 -o /dev/null -w '%{size_download} %{speed_download}' \
		"http://$host/big.bin" | awk '$1 == 104857600 { printf "%.1f", $2 / 1e6; ok = 1 } END { if (!ok) print "-" }')
	printf '%-34s %10s %9s %12s %12s\n' "$name" "${rps:-?}" "${p99:-?}" "${cps:-?}" "$mbs"
}

# Native, in the namespace over loopback.
netns_spawn "$NETNS_DIR/native.pid" timeout 600 "$NGINX" -e stderr -c "$NETNS_DIR/native.conf" \
	>"$NETNS_DIR/native.log" 2>&1 &
nat=$!
for _ in $(seq 1 50); do netns_exec curl -s -o /dev/null -m 1 http://127.0.0.1/ && break; sleep 0.1; done
measure "native (no VM, loopback)" 127.0.0.1
kill -TERM "$(cat "$NETNS_DIR/native.pid")" 2>/dev/null
wait "$nat" 2>/dev/null

backends=(qemu)
[ -x "$BUILD/bin/husk-vmm" ] && [ -w /dev/kvm ] && backends+=(vmm)
for be in "${backends[@]}"; do
	out=$NETNS_DIR/vm-$be.log
	netns_spawn "$NETNS_DIR/vm.pid" timeout 1800 "$HUSK" run --backend "$be" --verbose -m 256M \
		--net "tap:$NETNS_TAP" -v "$NETNS_DIR/site.ext4:/srv/www:ro" --files "$files" \
		"$NGINX" -e stderr </dev/null >"$out" 2>&1 &
	vm=$!
	ip=
	for _ in $(seq 1 600); do
		ip=$(sed -n 's/^husk: eth0: \([0-9.]*\)\/24 by DHCP.*/\1/p' "$out" | head -n 1)
		[ -n "$ip" ] && netns_exec curl -s -o /dev/null -m 2 "http://$ip/" && break
		sleep 0.2
	done
	case $be in
	qemu) label="husk (QEMU TCG, emulated)" ;;
	vmm) label="husk (husk-vmm, kvm_pvm, emulated)" ;;
	esac
	if [ -n "$ip" ]; then measure "$label" "$ip"; else echo "$label: nginx did not come up"; fi
	kill -TERM "$(cat "$NETNS_DIR/vm.pid")" 2>/dev/null
	wait "$vm" 2>/dev/null
done
