#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/apps/nginx_publish.sh: Debian's nginx in a husk VM reached through "husk run -p" (user-mode networking, no tap, no root needed), serving an ext4 volume of demo/site/: every page byte-identical, on QEMU.
source "$(dirname "$0")/apps.bash"

NGINX=/usr/sbin/nginx
need_file "$NGINX" "install nginx-light (scripts/setup)"
command -v curl >/dev/null || { echo "FAIL: no curl (scripts/setup)"; exit 1; }

files=$APPS_WORK/files
mkdir -p "$files/etc/nginx" "$files/run" "$files/var/lib/nginx"
cp demo/nginx.conf "$files/etc/nginx/nginx.conf"
"$HUSK" disk -o "$APPS_WORK/site.ext4" demo/site >/dev/null
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
out=$APPS_WORK/out
sh -c 'echo $$ >"$0"; exec "$@"' "$APPS_WORK/vm.pid" timeout 300 "$HUSK" run --backend qemu \
	-p "$port:80" -v "$APPS_WORK/site.ext4:/srv/www:ro" --files "$files" "$NGINX" -e stderr \
	</dev/null >"$out" 2>&1 &
vm=$!
stop_vm() {
	kill -TERM "$(cat "$APPS_WORK/vm.pid")" 2>/dev/null || true
	wait "$vm" 2>/dev/null || true
}
trap 'stop_vm; rm -rf "$APPS_WORK"' EXIT
# QEMU's slirp accepts before nginx listens and then drops the connection:
# wait for an HTTP answer, at most 120 s.
up=
for _ in $(seq 1 240); do
	if curl -s -o /dev/null -m 2 "http://127.0.0.1:$port/"; then up=1; break; fi
	kill -0 "$vm" 2>/dev/null || break
	sleep 0.5
done
if [ -z "$up" ]; then
	echo "FAIL nginx-publish: nginx never answered on port $port"
	sed 's/^/    | /' "$out"
	exit 1
fi
for p in index.html about.html style.css logo.png; do
	if curl -sS -m 30 -o "$APPS_WORK/got" "http://127.0.0.1:$port/$p" && cmp -s "$APPS_WORK/got" "demo/site/$p"; then
		echo "PASS nginx-publish $p"
	else
		echo "FAIL nginx-publish $p: not identical to demo/site/$p"
		apps_failed=$((apps_failed + 1))
	fi
done
code=$(curl -s -o /dev/null -w '%{http_code}' -m 30 "http://127.0.0.1:$port/missing.html" || true)
if [ "$code" = 404 ]; then
	echo "PASS nginx-publish 404"
else
	echo "FAIL nginx-publish: a missing page gave $code, not 404"
	apps_failed=$((apps_failed + 1))
fi
stop_vm
[ "$apps_failed" = 0 ] || sed 's/^/    | /' "$out"
apps_result
