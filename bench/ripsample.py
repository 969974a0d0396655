#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# ripsample.py: a sampling profile of a QEMU guest from outside: polls the HMP monitor's "info registers" for the vCPU's RIP and maps each sample to a symbol of the guest kernel (nm of husk.elf), or to "user".
#
# Usage: ripsample.py SOCKET ELF SECONDS [HZ]
#   SOCKET is the monitor's unix socket (QEMU: -monitor unix:SOCKET,server=on,wait=off).
# Prints "samples N" then one line per symbol, most samples first: count,
# percent, name.  Each sample stops the VM ("stop", "info registers",
# "cont"): the RIP is where TCG stopped (a translation-block boundary), so
# the profile is a statistical picture of where guest time goes, not an
# instruction count.
import bisect
import re
import socket
import subprocess
import sys
import time


# Source directories to the layer a sample is counted in, first match wins.
LAYERS = [
    ("lwip", "net (lwIP)"), ("kernel/net/", "net (sockets, netif)"),
    ("kernel/drivers/", "drivers (virtio)"), ("e2fsprogs", "fs (ext4: libext2fs)"),
    ("kernel/fs/", "fs (VFS, ext4, page cache)"), ("kernel/block/", "fs (VFS, ext4, page cache)"),
    ("kernel/sys/", "system calls"), ("kernel/arch/", "entry, traps, interrupts"),
    ("kernel/sched/", "scheduler"), ("kernel/mm/", "memory"), ("kernel/lib/", "lib (memcpy, ...)"),
]


def symbols(elf):
    out = subprocess.run(["nm", "-l", "-n", elf], capture_output=True, text=True, check=True).stdout
    addrs, names, layers = [], [], []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[1] in "tTwW":
            addrs.append(int(parts[0], 16))
            names.append(parts[2])
            src = parts[3] if len(parts) > 3 else ""
            layers.append(next((l for k, l in LAYERS if k in src), "other kernel"))
    return addrs, names, layers


def halts(elf):
    """The addresses just after each hlt: a halted vCPU's RIP (the CPU idles)."""
    out = subprocess.run(["objdump", "-d", "--no-show-raw-insn", elf], capture_output=True,
                         text=True, check=True).stdout
    res, prev_hlt = set(), False
    for line in out.splitlines():
        m = re.match(r"\s*([0-9a-f]+):\s+(\S+)", line)
        if not m:
            continue
        if prev_hlt:
            res.add(int(m.group(1), 16))
        prev_hlt = m.group(2) == "hlt"
    return res


def read_prompt(s, buf=b""):
    while b"(qemu) " not in buf:
        chunk = s.recv(65536)
        if not chunk:
            raise EOFError
        buf += chunk
    i = buf.index(b"(qemu) ")
    return buf[:i], buf[i + 7:]


def main():
    path, elf, secs = sys.argv[1], sys.argv[2], float(sys.argv[3])
    hz = float(sys.argv[4]) if len(sys.argv) > 4 else 100.0
    addrs, names, layers = symbols(elf)
    idle_rips = halts(elf)
    bylayer = {}
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    for _ in range(100):
        try:
            s.connect(path)
            break
        except OSError:
            time.sleep(0.1)
    _, rest = read_prompt(s)
    rip_re = re.compile(rb"RIP=([0-9a-f]+)")
    counts = {}
    rips = {}
    n = 0
    end = time.time() + secs
    while time.time() < end:
        # Stopped, the vCPU has left its translated code at a block boundary
        # and its RIP is exact; running, RIP is wherever it last synced.
        s.sendall(b"stop\n")
        _, rest = read_prompt(s, rest)
        s.sendall(b"info registers\n")
        out, rest = read_prompt(s, rest)
        s.sendall(b"cont\n")
        _, rest = read_prompt(s, rest)
        m = rip_re.search(out)
        if m:
            rip = int(m.group(1), 16)
            if rip < 1 << 47:
                name = layer = "user"
            else:
                i = bisect.bisect_right(addrs, rip) - 1
                name = names[i] if i >= 0 else hex(rip)
                layer = layers[i] if i >= 0 else "other kernel"
                if rip in idle_rips:
                    layer = "idle (hlt)"
            bylayer[layer] = bylayer.get(layer, 0) + 1
            counts[name] = counts.get(name, 0) + 1
            rips[rip] = rips.get(rip, 0) + 1
            n += 1
        time.sleep(1.0 / hz)
    print("samples %d" % n)
    print("by layer")
    for name, c in sorted(bylayer.items(), key=lambda kv: -kv[1]):
        print("%6d %5.1f%% %s" % (c, 100.0 * c / max(n, 1), name))
    print("by symbol")
    for name, c in sorted(counts.items(), key=lambda kv: -kv[1]):
        print("%6d %5.1f%% %s" % (c, 100.0 * c / max(n, 1), name))
    print("hottest addresses")
    for rip, c in sorted(rips.items(), key=lambda kv: -kv[1])[:10]:
        print("%6d %#x" % (c, rip))


if __name__ == "__main__":
    main()
