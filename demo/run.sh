#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# demo/run.sh ("make demo"): Debian's unmodified nginx in a husk VM that takes its address by DHCP and serves an ext4 image of demo/site/ mounted read-only at /srv/www; curl fetches and prints the pages, then the VM is stopped.
#
# As root: a private network namespace with a tap and dnsmasq (tests/net/
# netns.bash); curl runs inside it, so nothing leaves this machine.  Without
# root: user-mode networking, "husk run -p PORT:80", curl to 127.0.0.1:PORT.
# HUSK_BACKEND=qemu|vmm chooses the backend (default: husk's own choice);
# DEMO_NET=user takes the no-root path even as root.
set -u
cd "$(dirname "$0")/.." || exit 2
BUILD=${BUILD:-build}
HUSK=${HUSK:-$BUILD/bin/husk}
NGINX=${NGINX:-/usr/sbin/nginx}
WORK=$BUILD/demo
PAGES=(index.html about.html style.css logo.png)

say() { printf '\n=== %s\n' "$*"; }
die() { echo "demo: $*" >&2; exit 1; }

[ -x "$HUSK" ] || die "no $HUSK: run make all first"
[ -x "$NGINX" ] || die "no $NGINX: install nginx-light (./scripts/setup)"
command -v curl >/dev/null || die "no curl: run ./scripts/setup"
backend=()
[ -n "${HUSK_BACKEND:-}" ] && backend=(--backend "$HUSK_BACKEND")

# The volume: the site as an ext4 image; the initrd's extra files: nginx's
# config and the directories it writes to (pid file, temporary files).
rm -rf "$WORK" && mkdir -p "$WORK/files/etc/nginx" "$WORK/files/run" \
	"$WORK/files/var/lib/nginx" "$WORK/files/var/log/nginx" || exit 1
cp demo/nginx.conf "$WORK/files/etc/nginx/nginx.conf" || exit 1
say "husk disk -o $WORK/site.ext4 demo/site"
"$HUSK" disk -o "$WORK/site.ext4" demo/site || die "husk disk failed"

vm=
host=
run=()
spawn=()
stop_vm() {
	[ -n "$vm" ] || return 0
	# The VM's timeout, which passes the signal on to husk, then to the VM.
	kill -TERM "$(cat "$WORK/vm.pid" 2>/dev/null || echo "$vm")" 2>/dev/null
	wait "$vm" 2>/dev/null
	vm=
}

. tests/net/netns.bash
NETNS=husk-demo-$$
why=$(netns_skip_reason)
[ "${DEMO_NET:-}" = user ] && why="DEMO_NET=user"
if [ -z "$why" ]; then
	netns_up || die "could not make the network namespace"
	trap 'stop_vm; netns_down' EXIT
	run=(netns_exec)
	spawn=(netns_spawn "$WORK/vm.pid")
	net=(--net "tap:$NETNS_TAP")
	say "network: tap $NETNS_TAP in namespace $NETNS, dnsmasq serving DHCP on $NETNS_HOST_IP/24"
else
	trap 'stop_vm' EXIT
	spawn=(sh -c 'echo $$ >"$0"; exec "$@"' "$WORK/vm.pid")
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null || echo 18080)
	net=(-p "$port:80")
	host=127.0.0.1:$port
	say "NOTE: no tap network here ($why): falling back to user-mode networking, -p $port:80 (the VM still takes its address by DHCP, from the user-mode network)"
fi

say "husk run ${backend[*]} ${net[*]} -v $WORK/site.ext4:/srv/www:ro $NGINX -e stderr"
"${spawn[@]}" timeout 600 "$HUSK" run "${backend[@]}" --verbose "${net[@]}" \
	-v "$WORK/site.ext4:/srv/www:ro" --files "$WORK/files" "$NGINX" -e stderr >"$WORK/vm.log" 2>&1 &
vm=$!

if [ -z "$host" ]; then
	for _ in $(seq 1 1200); do
		ip=$(sed -n 's/^husk: eth0: \([0-9.]*\)\/[0-9]* by DHCP.*/\1/p' "$WORK/vm.log" | head -n 1)
		[ -n "$ip" ] && break
		kill -0 "$vm" 2>/dev/null || break
		sleep 0.1
	done
	[ -n "$ip" ] || { cat "$WORK/vm.log"; die "the VM took no address by DHCP"; }
	host=$ip:80
fi

# nginx is up when it answers; at most 120 s (QEMU TCG boots slowly).
up=
for _ in $(seq 1 240); do
	"${run[@]}" curl -s -o /dev/null -m 2 "http://$host/" && { up=1; break; }
	kill -0 "$vm" 2>/dev/null || break
	sleep 0.5
done
grep -E '^husk: (eth0|volume)' "$WORK/vm.log"
[ -n "$up" ] || { cat "$WORK/vm.log"; die "nginx never answered at http://$host/"; }

fail=0
for p in "${PAGES[@]}"; do
	say "curl http://$host/$p"
	"${run[@]}" curl -sS -m 10 -D "$WORK/headers" -o "$WORK/$p" "http://$host/$p" || { fail=1; continue; }
	sed -n '1p;/^Content-Type/p;/^Content-Length/p' "$WORK/headers" | tr -d '\r'
	case $p in
	*.png) echo "($(stat -c %s "$WORK/$p") bytes of PNG)" ;;
	*) cat "$WORK/$p" ;;
	esac
	if cmp -s "$WORK/$p" "demo/site/$p"; then
		echo "-> identical to demo/site/$p"
	else
		echo "-> DIFFERS from demo/site/$p"; fail=1
	fi
done
say "curl http://$host/missing.html (nginx answers 404)"
"${run[@]}" curl -s -o /dev/null -w '%{http_code}\n' -m 10 "http://$host/missing.html"

say "stopping the VM; its console:"
stop_vm
cat "$WORK/vm.log"
[ "$fail" = 0 ] && say "demo done: nginx served the mounted image" || say "demo FAILED"
exit "$fail"
