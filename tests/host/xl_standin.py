#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# xl_standin.py: a stand-in for Xen's xl, for tests/host/xen_cli.sh: plays a husk guest's PV console in the kernel's framing.
#
# husk run --backend xen (cli/backend_xen.c) runs, in order:
#   xl create -p -q CFG, xl domid NAME, xl unpause NAME, xl console NAME,
#   xl dmesg (the exit status line), and xl destroy NAME on failure.
# Each call is logged to $XL_STANDIN_DIR/calls.  `console` writes, on its
# stdout, what the kernel writes on the PV console with "husk.mux"
# (kernel/lib/printk.c: console_queue_stream, console_mux_ready), encoded
# by the same rules by the Mux class below, and records what arrives on its
# stdin up to the end-of-input frame (DLE 'e'), as the real xl console
# passes it to the guest's ring; that stdin must be a terminal, or the real
# one (xenconsole without --interactive) would not read it.  The bytes husk should show are written
# to expect.stdout and expect.stderr.
#
# Environment: XL_STANDIN_DIR (required) for the state and the records;
# XL_STANDIN_STATUS: the status line's value, "none" for no status line.
import os
import select
import sys
import time

DLE = 0x10
GS = 0x1D
DOMID = 7

DIR = os.environ["XL_STANDIN_DIR"]


def path(name):
    return os.path.join(DIR, name)


def log(*words):
    with open(path("calls"), "a") as f:
        f.write(" ".join(words) + "\n")


def note(what):
    """Something the test must see as wrong: it fails on any line in problems."""
    with open(path("problems"), "a") as f:
        f.write(what + "\n")


class Mux:
    """The kernel's husk.mux encoder (kernel/lib/printk.c): stream marks on change, DLE doubled."""

    def __init__(self):
        self.cur = ord("k")  # con_cur starts at CON_KERNEL, unannounced
        self.expect = {1: bytearray(), 2: bytearray()}

    def stream(self, stream, data):
        out = bytearray()
        if stream != self.cur:
            out += bytes([DLE, stream])
            self.cur = stream
        out += data.replace(bytes([DLE]), bytes([DLE, DLE]))
        # Where the relay (cli/stdio.c) puts each stream: 'k' and '2' on fd 2, '1' on fd 1.
        self.expect[1 if stream == ord("1") else 2] += data
        return bytes(out)

    def ready(self):
        return bytes([DLE, ord("r")])


def send(data, pieces=1):
    """Writes data in pieces, with a pause between, so that the relay reads it in several parts."""
    step = max(1, -(-len(data) // pieces))
    for at in range(0, len(data), step):
        os.write(1, data[at:at + step])
        time.sleep(0.02)


def read_input(timeout):
    """stdin up to and including DLE 'e' (framed: DLE x is one unit); notes an early end."""
    got = bytearray()
    dle = False
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([0], [], [], left)[0]:
            note("console: no end-of-input frame within %d s (got %r)" % (timeout, bytes(got)))
            return got
        try:
            chunk = os.read(0, 4096)
        except OSError:     # EIO: a pseudo-terminal whose other side closed
            chunk = b''
        if not chunk:
            note("console: stdin closed before the end-of-input frame (got %r)" % bytes(got))
            return got
        for i, c in enumerate(chunk):
            got.append(c)
            if dle:
                dle = False
                if c == ord("e"):
                    if i + 1 < len(chunk):
                        note("console: bytes after the end-of-input frame: %r" % chunk[i + 1:])
                    return got
            elif c == DLE:
                dle = True


def console():
    mux = Mux()
    # xenconsole reads a stdin that is no terminal only with --interactive, which xl console does not pass.
    if not os.isatty(0):
        note("console: stdin is no terminal: the real xl console would never read it")
    # Boot messages, then stdout before the console takes input (as kmain does).
    send(mux.stream(ord("k"), b"husk: Xen PVH, 64 MiB\n"))
    send(mux.stream(ord("1"), b"early stdout\n"))
    # The relay sends nothing before DLE 'r'.
    if select.select([0], [], [], 0.3)[0]:
        note("console: input arrived before DLE 'r': %r" % os.read(0, 4096))
    send(mux.ready())
    with open(path("input"), "wb") as f:
        f.write(read_input(60))
    # The program's output, with the framing's own bytes in it, in pieces that split DLE pairs.
    data = b"out: DLE \x10 GS \x1d DLE DLE \x10\x10 end\n" + bytes(range(256))
    out = mux.stream(ord("1"), data)
    out += mux.stream(ord("2"), b"err: \x10\x1d\x10 to stderr\n")
    out += mux.stream(ord("k"), b"husk: syscall foo (400) not implemented, returning ENOSYS\n")
    out += mux.stream(ord("1"), b"stdout again \x10")
    out += mux.stream(ord("2"), b"\x10")
    odd = [i for i in range(len(out)) if out[i] == DLE][::3]
    last = 0
    for cut in odd + [len(out)]:
        send(out[last:cut + 1])
        last = cut + 1
    for fd, name in ((1, "expect.stdout"), (2, "expect.stderr")):
        with open(path(name), "wb") as f:
            f.write(mux.expect[fd])


def main(argv):
    log(*argv)
    if not argv:
        return 1
    cmd, args = argv[0], argv[1:]
    if cmd == "create":
        if args[:2] != ["-p", "-q"] or len(args) != 3:
            note("create: arguments %r" % args)
            return 1
        with open(args[2]) as f:
            cfg = f.read()
        with open(path("config"), "w") as f:
            f.write(cfg)
        for line in cfg.splitlines():
            if line.startswith("name = "):
                with open(path("name"), "w") as f:
                    f.write(line[len("name = "):].strip('"'))
        return 0
    name = open(path("name")).read() if os.path.exists(path("name")) else None
    if cmd in ("domid", "unpause", "console", "destroy"):
        if args != [name]:
            note("%s: arguments %r, the domain is %r" % (cmd, args, name))
            return 1
        if cmd == "domid":
            print(DOMID)
        elif cmd == "console":
            console()
        return 0
    if cmd == "dmesg":
        status = os.environ.get("XL_STANDIN_STATUS", "0")
        # Another domain's status, and the guest's other port 0xe9 lines, must not be taken.
        print("(XEN) d%dv0 Triple fault - invoking HVM shutdown action 1" % (DOMID + 10))
        print("(d%d) 99" % (DOMID + 10))
        print("(d%d) husk: 3 things" % DOMID)
        if status != "none":
            print("(d%d) %s" % (DOMID, status))
        return 0
    note("unknown command %r" % argv)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
