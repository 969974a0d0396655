#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# stdio_tty.py: husk run with a terminal as its stdin (a pty here): echo and line editing, ^C as SIGINT, ^D as EOF, raw mode passed through, window size and SIGWINCH, the host terminal restored.
#
# Usage: stdio_tty.py HUSK BACKEND   (run by tests/host/stdio.sh)
# Each case runs busybox in a VM with a pty as husk's stdin, stdout and
# stderr, types at it once the program says it is ready, and checks the
# exact bytes the terminal got and the exit status.
import fcntl
import os
import pty
import select
import shutil
import struct
import sys
import tempfile
import termios
import time

HUSK, BACKEND = sys.argv[1], sys.argv[2]
BUSYBOX = "/bin/busybox"
failed = 0


def set_size(fd, rows, cols):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def run(script, steps, timeout=120, stderr=None):
    """Runs busybox sh -c SCRIPT; each step (marker, action) fires once the
    output holds marker: action is bytes to type or a function of the master.
    stderr: a file for husk's fd 2 instead of the terminal."""
    # The settings a new pty starts with, read from one made for that: read
    # on pty.fork's master they could already be husk's raw mode, since the
    # child may run first on a loaded host.
    m, sl = os.openpty()
    before = termios.tcgetattr(sl)
    os.close(m)
    os.close(sl)
    pid, fd = pty.fork()
    if pid == 0:
        if stderr:
            os.dup2(os.open(stderr, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), 2)
        os.execvp(HUSK, [HUSK, "run", "--backend", BACKEND, BUSYBOX, "sh", "-c", script])
    set_size(fd, 30, 90)
    out, steps, seen = b"", list(steps), 0
    deadline = time.time() + timeout
    while time.time() < deadline:
        if steps and steps[0][0].encode() in out[seen:]:
            marker, action = steps.pop(0)
            seen = out.index(marker.encode(), seen) + len(marker)
            if callable(action):
                action(fd)
            else:
                os.write(fd, action)
            continue
        r, _, _ = select.select([fd], [], [], 0.5)
        if not r:
            continue
        try:
            b = os.read(fd, 4096)
        except OSError:
            break           # EIO: husk has exited and closed the terminal
        if not b:
            break
        out += b
    else:
        os.kill(pid, 9)
    _, st = os.waitpid(pid, 0)
    after = termios.tcgetattr(fd)
    os.close(fd)
    return out, os.waitstatus_to_exitcode(st), before == after


def check(name, script, steps, want_out, want_rc, stderr=None, want_err=None):
    global failed
    out, rc, restored = run(script, steps, stderr=stderr)
    problems = ["output lacks %r" % w for w in want_out if w.encode() not in out]
    if stderr:
        with open(stderr, "rb") as f:
            err = f.read()
        if err != want_err.encode():
            problems.append("husk's stderr %r, wanted %r" % (err, want_err))
    if rc != want_rc:
        problems.append("status %d, wanted %d" % (rc, want_rc))
    if not restored:
        problems.append("the host terminal's settings were not restored")
    if problems:
        failed = 1
        print("FAIL %s: %s: %s; output %r" % (BACKEND, name, ", ".join(problems), out))
    else:
        print("ok %s: %s" % (BACKEND, name))


# Canonical mode: the guest echoes (at once, before the line ends), DEL erases, CR becomes NL (ICRNL), output NL becomes CR NL (ONLCR).
check("echo and line editing", 'echo ready; read x; echo "x=$x"',
      [("ready", b"hel"), ("hel", b"\x7flo wor\r")], ["ready\r\nhel\b \blo wor\r\nx=helo wor\r\n"], 0)
# ^C is SIGINT to the foreground group: the shell's trap runs.
# (The loop: a signal that came before a blocking read began would leave the
# shell in that read, on Linux too; the trap runs at the latest after a sleep.)
check("^C as SIGINT (trap)", 'trap "echo got-int; exit 7" INT; echo ready; while :; do busybox sleep 1; done',
      [("ready", b"\x03")], ["^Cgot-int\r\n"], 7)
# ...and kills a program that does not catch it, as on Linux (128 + 2); the
# kernel's line about it passes no line discipline: the relay adds its CR.
check("^C kills cat", "echo ready; exec busybox cat", [("ready", b"\x03")],
      ["^Chusk: program killed by SIGINT (2)\r\n"], 130)
# ^D at the start of a line is the end of input.
check("^D as EOF", "echo ready; busybox wc -c", [("ready", b"abc\r"), ("abc", b"\x04")], ["abc\r\n4\r\n"], 0)
# Raw mode set by the program: ^C is a byte like any other, nothing is echoed.
check("raw mode passed through", "busybox stty raw -echo; echo ready; busybox head -c 3 | busybox od -An -tx1",
      [("ready", b"a\x03b")], [" 61 03 62"], 0)
# The window size at start, and a change on the host as SIGWINCH in the guest.
check("TIOCGWINSZ", "busybox stty size", [], ["30 90\r\n"], 0)
check("SIGWINCH", 'trap "busybox stty size; exit 5" WINCH; echo ready; while :; do busybox sleep 1; done',
      [("ready", lambda fd: set_size(fd, 40, 100))], ["40 100\r\n"], 5)
# The program's stderr passes the line discipline too; it is still husk's fd 2.
check("stderr on the terminal", "echo out; echo err >&2; exit 3", [], ["out\r\nerr\r\n"], 3)
tmp = tempfile.mkdtemp()
check("stderr apart", "test -t 0 && test -t 1 && test -t 2 && echo tty-yes; echo err >&2", [], ["tty-yes\r\n"], 0,
      stderr=os.path.join(tmp, "err"), want_err="err\r\n")
shutil.rmtree(tmp)
sys.exit(failed)
