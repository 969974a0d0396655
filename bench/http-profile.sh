#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/http-profile.sh: where a keep-alive HTTP request's guest time goes in husk on QEMU TCG: wrk against nginx (as bench/http.sh runs it) while bench/ripsample.py samples the vCPU's RIP through QEMU's monitor; prints frames per request both ways (the tap's counters) and the kernel symbols the samples fell in.
#
# Usage: bench/http-profile.sh [-d SECONDS] [-c CONNECTIONS] [-C] [-f PATH]
#   as root; default 10 s, 10 connections, /index.html; -C: a new
#   connection per request (Connection: close).  HUSK_KERNEL: the kernel
#   to profile (default build/kernel/husk.elf); TOP: symbols listed (45).  Every figure is emulated
#   (QEMU TCG); the sampling itself stops the vCPU ~100 times a second.
set -u
cd "$(dirname "$0")/.." || exit 2
BUILD=${BUILD:-build}
HUSK=${HUSK:-$BUILD/bin/husk}
NGINX=/usr/sbin/nginx
DUR=10
CONNS=10
CLOSE=
URLPATH=/index.html
while getopts d:c:Cf: o; do
	case $o in
	d) DUR=$OPTARG ;;
	c) CONNS=$OPTARG ;;
	C) CLOSE=1 ;;
	f) URLPATH=$OPTARG ;;
	*) echo "usage: bench/http-profile.sh [-d SECONDS] [-c CONNECTIONS] [-C] [-f PATH]" >&2; exit 2 ;;
	esac
done
. tests/net/netns.bash
NETNS=husk-prof-$$
why=$(netns_skip_reason)
[ -z "$why" ] || { echo "bench/http-profile.sh: $why" >&2; exit 2; }
for t in wrk python3 "$NGINX"; do
	command -v "$t" >/dev/null || { echo "bench/http-profile.sh: no $t (scripts/setup)" >&2; exit 2; }
done
netns_up || exit 1
site=$NETNS_DIR/site
cp -r demo/site "$site" && head -c $((4 << 20)) /dev/urandom >"$site/big.bin" || exit 1
"$HUSK" disk -o "$NETNS_DIR/site.ext4" "$site" >/dev/null || exit 1
files=$NETNS_DIR/files
mkdir -p "$files/etc/nginx" "$files/run" "$files/var/lib/nginx"
cp demo/nginx.conf "$files/etc/nginx/nginx.conf"
mon=$NETNS_DIR/mon.sock
out=$NETNS_DIR/vm.log
HUSK_QEMU_ARGS="-monitor unix:$mon,server=on,wait=off" \
	netns_spawn "$NETNS_DIR/vm.pid" timeout 600 "$HUSK" run --backend qemu --verbose -m 256M \
	--net "tap:$NETNS_TAP" -v "$NETNS_DIR/site.ext4:/srv/www:ro" --files "$files" \
	"$NGINX" -e stderr </dev/null >"$out" 2>&1 &
vm=$!
ip=
for _ in $(seq 1 600); do
	ip=$(tr -d '\r' 2>/dev/null <"$out" | sed -n 's/^husk: eth0: \([0-9.]*\)\/24 by DHCP.*/\1/p' | head -n 1)
	[ -n "$ip" ] && netns_exec curl -s -o /dev/null -m 2 "http://$ip/" && break
	kill -0 "$vm" 2>/dev/null || break
	sleep 0.2
done
[ -n "$ip" ] || { echo "nginx did not come up"; cat "$out"; exit 1; }
# A warm-up, so that the profile is of the steady state.
netns_exec wrk -t 1 -c "$CONNS" -d 2s "http://$ip$URLPATH" >/dev/null 2>&1
counters() { netns_exec cat /sys/class/net/"$NETNS_TAP"/statistics/{rx_packets,tx_packets}; }
read -r -d '' hrx0 htx0 < <(counters | tr '\n' ' ')
hdr=()
[ -n "$CLOSE" ] && hdr=(-H 'Connection: close')
python3 bench/ripsample.py "$mon" "${HUSK_KERNEL:-$BUILD/kernel/husk.elf}" "$((DUR - 1))" >"$NETNS_DIR/prof.txt" &
prof=$!
w=$(netns_exec wrk -t 1 -c "$CONNS" -d "${DUR}s" "${hdr[@]}" "http://$ip$URLPATH" 2>&1)
wait "$prof"
read -r -d '' hrx1 htx1 < <(counters | tr '\n' ' ')
reqs=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' <<<"$w")
printf '%s\n' "$w" | sed -n '/requests in/p;/Requests\/sec/p'
awk -v r="$reqs" -v gt=$((hrx1 - hrx0)) -v gr=$((htx1 - htx0)) 'BEGIN {
	printf "guest frames per request: %.2f sent, %.2f received (%d requests)\n", gt / r, gr / r, r }'
rps=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' <<<"$w")
# The layers' shares of the wall-clock time one request takes (1/rps).
awk -v rps="$rps" '/^by layer/ { on = 1; print "per request, " 1e6 / rps " us of wall-clock time:"; next }
	/^by symbol/ { on = 0 } on { sub(/%/, "", $2); printf "%8.1f us %5.1f%%  %s\n", $2 / 100 * 1e6 / rps, $2, substr($0, index($0, $3)) }' \
	"$NETNS_DIR/prof.txt"
sed -n '/^by symbol/,$p' "$NETNS_DIR/prof.txt" | head -n "${TOP:-45}"
kill -TERM "$(cat "$NETNS_DIR/vm.pid")" 2>/dev/null
wait "$vm" 2>/dev/null
