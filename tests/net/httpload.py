#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# tests/net/httpload.py: HTTP clients for the nginx tests: "conc HOST PORT N PATH FILE" holds N connections open at once and fetches PATH on each (keep-alive), checking every body against FILE; "sha HOST PORT PATH" streams PATH and prints its length and SHA-256; "reuse HOST PORT PATH N" makes N connections in a row from one source port, each closed by the server first (Connection: close), and fails if any connect needed its SYN sent again (the server still held the previous one's TIME-WAIT against it).
import asyncio, errno, hashlib, socket, sys, time

DEADLINE = 240  # seconds for the whole run, whatever N


async def read_response(r):
    head = await r.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = lines[0].split()[1]
    length = None
    for l in lines[1:]:
        if l.lower().startswith("content-length:"):
            length = int(l.split(":", 1)[1])
    if length is None:
        raise RuntimeError("no Content-Length: " + lines[0])
    return status, await r.readexactly(length)


async def conc(host, port, n, path, want):
    conns = []
    opened = 0
    try:
        # Open all N first: each connection stays established while the rest connect.
        for res in await asyncio.gather(*(asyncio.open_connection(host, port) for _ in range(n)),
                                        return_exceptions=True):
            if isinstance(res, Exception):
                print("connect failed: %r" % res)
            else:
                conns.append(res)
        opened = len(conns)
        print("%d of %d connections open at once" % (opened, n))
        req = ("GET %s HTTP/1.1\r\nHost: %s\r\n\r\n" % (path, host)).encode()

        async def one(rw):
            r, w = rw
            w.write(req)
            await w.drain()
            return await read_response(r)

        ok = 0
        for res in await asyncio.gather(*(one(c) for c in conns), return_exceptions=True):
            if isinstance(res, Exception):
                print("request failed: %r" % res)
            elif res[0] == "200" and res[1] == want:
                ok += 1
            else:
                print("bad response: status %s, %d bytes" % (res[0], len(res[1])))
        print("%d of %d responses identical to the file" % (ok, n))
        return ok == n and opened == n
    finally:
        for _, w in conns:
            w.close()


def sha(host, port, path):
    s = socket.create_connection((host, port), timeout=60)
    s.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % (path, host)).encode())
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = s.recv(65536)
        if not d:
            raise SystemExit("connection closed in the headers")
        buf += d
    head, body = buf.split(b"\r\n\r\n", 1)
    h = hashlib.sha256(body)
    n = len(body)
    while True:
        d = s.recv(1 << 20)
        if not d:
            break
        h.update(d)
        n += len(d)
    print("%s %d %s" % (head.split(b"\r\n")[0].decode(), n, h.hexdigest()))


def reuse(host, port, path, n):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    addr = socket.getaddrinfo(host, port, fam, socket.SOCK_STREAM)[0][4]
    sport = 0
    for i in range(n):
        # Our end of the previous connection (LAST-ACK) may still hold the
        # address pair until the server's ACK of our FIN: retry that, bounded.
        for _ in range(200):
            s = socket.socket(fam, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            # Two SYN retries (about 7 s) rather than six (over 2 minutes):
            # without the fix the connect fails instead of outlasting the test.
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_SYNCNT, 2)
            s.bind(("::" if fam == socket.AF_INET6 else "0.0.0.0", sport))
            sport = s.getsockname()[1]
            try:
                s.connect(addr)
                break
            except OSError as e:
                s.close()
                if e.errno != errno.EADDRNOTAVAIL:
                    sys.exit("connection %d from port %d: %s" % (i, sport, e))
                time.sleep(0.02)
        else:
            sys.exit("connection %d: port %d never free" % (i, sport))
        # struct tcp_info: tcpi_total_retrans is the u32 at byte 100.
        retrans = int.from_bytes(s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)[100:104], "little")
        s.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % path.encode())
        got = b""
        while True:
            b = s.recv(65536)
            if not b:
                break
            got += b
        s.close()
        if not got.startswith(b"HTTP/1.1 200"):
            sys.exit("connection %d: %r" % (i, got[:40]))
        if retrans:
            sys.exit("connection %d from port %d: %d retransmissions to connect" % (i, sport, retrans))
    print("reuse: %d connections from port %d" % (n, sport))


def main():
    if sys.argv[1] == "conc":
        host, port, n, path, f = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
        want = open(f, "rb").read()
        ok = asyncio.run(asyncio.wait_for(conc(host, port, n, path, want), DEADLINE))
        sys.exit(0 if ok else 1)
    elif sys.argv[1] == "reuse":
        reuse(sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5]))
    elif sys.argv[1] == "sha":
        sha(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    else:
        sys.exit("usage: httpload.py conc HOST PORT N PATH FILE | sha HOST PORT PATH | reuse HOST PORT PATH N")


if __name__ == "__main__":
    main()
