#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/apps/publish.sh: a client on this machine reaches a server in the VM through "husk run -p" (user-mode networking, DHCP, lwIP), on each backend that runs here.
source "$(dirname "$0")/apps.bash"

BB=/bin/busybox
PY=/usr/bin/python3
need_file "$BB" "install busybox-static (scripts/setup)"
need_file "$PY" "install python3 (scripts/setup)"

# client PORT LINE: connects to 127.0.0.1:PORT until the VM's server says
# "ready" (QEMU's and husk-vmm's slirp accept at once and drop the connection
# when nothing listens in the guest yet), then sends LINE and closes; at most
# 60 s, only loopback traffic.
client() {
	"$PY" - "$1" "$2" <<'PY'
import socket, sys, time
port, line = int(sys.argv[1]), sys.argv[2].encode() + b"\n"
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        if s.recv(16).startswith(b"ready"):
            s.sendall(line)
            s.close()
            sys.exit(0)
    except OSError:
        pass
    time.sleep(0.5)
sys.exit("publish: the VM's server never answered on port %d" % port)
PY
}

free_port() {
	"$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

backends=(qemu)
[ -w /dev/kvm ] && [ -x "$BUILD/bin/husk-vmm" ] && backends+=(vmm)
for b in "${backends[@]}"; do
	port=$(free_port)
	out=$APPS_WORK/out-$b
	line="hello through port $port on $b"
	# busybox nc sends its input ("ready") to the one client, prints what
	# the client sends and exits 0 when it closes.
	printf 'ready\n' | timeout 120 "$HUSK" run --backend "$b" -p "$port:8080" "$BB" nc -l -p 8080 >"$out" 2>&1 &
	vm=$!
	client "$port" "$line"
	rc=0
	wait "$vm" || rc=$?
	got=$(program_output "$out")
	if [ "$rc" = 0 ] && [ "$got" = "$line" ]; then
		echo "PASS publish-$b"
	else
		apps_failed=$((apps_failed + 1))
		echo "FAIL publish-$b: status $rc, output:"
		sed 's/^/    | /' "$out"
	fi
done
apps_result
