# SPDX-License-Identifier: MIT
# Python's own socket module over husk's TCP/IP: TCP echo on 127.0.0.1 and ::1 between two threads, UDP, timeouts, non-blocking accept, getaddrinfo of literal addresses.
import os, socket, threading

def echo_server(srv):
    conn, peer = srv.accept()
    with conn:
        while True:
            data = conn.recv(65536)
            if not data:
                break
            conn.sendall(data)

def tcp_echo(family, host):
    srv = socket.socket(family, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((host, 0))
    srv.listen()
    port = srv.getsockname()[1]
    t = threading.Thread(target=echo_server, args=(srv,))
    t.start()
    payload = os.urandom(1 << 20)
    cli = socket.create_connection((host, port), timeout=30)
    cli.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sender = threading.Thread(target=lambda: (cli.sendall(payload), cli.shutdown(socket.SHUT_WR)))
    sender.start()
    got = bytearray()
    while True:
        chunk = cli.recv(65536)
        if not chunk:
            break
        got += chunk
    sender.join()
    t.join()
    cli.close()
    srv.close()
    assert got == payload, "%s: echo differs (%d bytes)" % (host, len(got))
    return len(got)

def udp(host):
    a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    a.bind((host, 0))
    b.settimeout(5)
    b.sendto(b"datagram", a.getsockname())
    data, frm = a.recvfrom(100)
    assert data == b"datagram" and frm == ("127.0.0.1", b.getsockname()[1]), (data, frm, b.getsockname())
    a.close()
    b.close()

def timeouts():
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen()
    srv.settimeout(0.2)
    try:
        srv.accept()
        raise AssertionError("accept did not time out")
    except socket.timeout:
        pass
    srv.setblocking(False)
    try:
        srv.accept()
        raise AssertionError("non-blocking accept returned")
    except BlockingIOError:
        pass
    srv.close()

n4 = tcp_echo(socket.AF_INET, "127.0.0.1")
n6 = tcp_echo(socket.AF_INET6, "::1")
udp("127.0.0.1")
timeouts()
info = socket.getaddrinfo("127.0.0.1", 80, socket.AF_INET, socket.SOCK_STREAM)
assert info[0][4] == ("127.0.0.1", 80), info
print("python3 sockets: tcp %d+%d bytes echoed, udp, timeouts, getaddrinfo: OK" % (n4, n6))
