#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""run.py: runs the guest test cases marked backends=...,xen as Xen PVH domUs in one boot of the xen-lab; ends with "N passed, N failed".

Usage: tests/xen/run.py [-k PATTERN] [--list]
Environment: XEN_LAB (the lab's folder, default ../shared/xen-lab beside the
checkout), BUILD (build), XENLAB_DIR (the lab's cache, as the lab reads it),
XEN_TIMEOUT (seconds the guests may run, default 300: less when debugging).

Each case (a "// husk-test:" line of tests/guest/NAME.c, read as
tests/run.sh reads it) becomes an image made by "husk build" and a domU
running build/kernel/husk.elf with that image as its ramdisk and the image's
stored command line.  All of them run side by side in one lab boot.  A case
passes when
  - the kernel's status line (the decimal status on port 0xe9, which the
    lab shows as "[NAME e9] N") is the wanted status,
  - the domain ended as it should: poweroff for status 0, crash otherwise
    (a guest that halts with interrupts off also reads as a poweroff, so the
    status line and the markers are what count),
  - every expect/kexpect string is on its console and every once string
    exactly once.
The lab is set up (its setup.sh) when its cache is missing.  When the lab
cannot run, every case fails: nothing is skipped.

The lab gives all guests one ramdisk and one command line, and its --disk
works with one guest only; the child mode (--lab-child) loads the lab's run
script as a module and gives each guest its own ramdisk, command line,
disks (vol=IMG:/MNT: a copy as xvda, mounted; after="CMD" checks the copy
on the host as in tests/run.sh) and vif (vif=1: on the lab's bridge, with
DHCP), without changing the lab's files.
"""
import importlib.machinery
import importlib.util
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

import husk_mux

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, os.environ.get('BUILD', 'build'))
LAB_SRC = os.environ.get('XEN_LAB') or os.path.join(os.path.dirname(ROOT), 'shared', 'xen-lab')
LAB_CACHE = os.environ.get('XENLAB_DIR') or os.path.join(
    os.environ.get('XDG_CACHE_HOME') or os.path.join(os.path.expanduser('~'), '.cache'), 'xen-lab')
# Seconds the guests may run, all together, after the lab has created them.
# A passing run ends as soon as the last guest does; on a host loaded 15-20
# deep, disk-xen (latency-bound: one blkfront request in flight per
# libext2fs call, each a trip through dom0's blkback) took 95-160 s of it.
TIMEOUT = int(os.environ.get('XEN_TIMEOUT', 300))
CASE_RE = re.compile(r'^\s*([a-z]+)=("([^"]*)"|([^\s"]*))(.*)$')


def parse_case(rest):
    """The keys of one husk-test line (tests/run.sh documents them)."""
    c = {'name': '', 'args': '', 'env': '', 'files': '', 'mem': '', 'opts': '', 'status': '0',
         'backends': 'qemu', 'after': '', 'vif': '', 'expect': [], 'kexpect': [], 'once': [], 'vol': []}
    while rest.strip():
        m = CASE_RE.match(rest)
        if not m:
            raise ValueError(f'cannot parse "{rest}"')
        key, val, rest = m.group(1), (m.group(3) or '') + (m.group(4) or ''), m.group(5)
        if key in ('expect', 'kexpect', 'once', 'vol'):
            c[key].append(val)
        elif key in c:
            c[key] = val
        elif key != 'timeout':
            # tests/run.sh checks the keys; one this script does not know
            # only matters (and fails the case) when the case runs on Xen.
            c.setdefault('unknown', []).append(key)
    if not c['status'].isdigit():
        raise ValueError(f'status "{c["status"]}" is not a number')
    return c


def xen_cases(pattern):
    cases = []
    for src in sorted(os.listdir(os.path.join(ROOT, 'tests', 'guest'))):
        if not src.endswith('.c'):
            continue
        name = src[:-2]
        with open(os.path.join(ROOT, 'tests', 'guest', src)) as f:
            lines = [l for l in f.read().splitlines() if l.startswith('// husk-test:')]
        for n, line in enumerate(lines, 1):
            try:
                c = parse_case(line.split('husk-test:', 1)[1])
            except ValueError as e:
                cases.append({'id': f'{name}-{n}', 'error': str(e), 'prog': name})
                continue
            if 'xen' not in c['backends'].split(','):
                continue
            if c.get('unknown'):
                c['error'] = f'key(s) {", ".join(c["unknown"])} have no meaning on Xen here'
            c['id'] = (f'{name}-{c["name"]}' if c.get('name') else (name if n == 1 else f'{name}-{n}'))
            c['prog'] = name
            if not pattern or re.search(pattern, c['id']):
                cases.append(c)
    cases += [mux_case(m) for m in MUX_CASES if not pattern or re.search(pattern, m['id'])]
    # The demo goes first: it runs longest, and the lab creates the guests one by one.
    if not pattern or re.search(pattern, 'nginx-demo'):
        if os.path.exists(NGINX):
            cases.insert(0, demo_case())
        else:   # scripts/setup installs it; without it the case fails, it does not vanish
            cases.insert(0, {'id': 'nginx-demo', 'error': f'{NGINX} is missing (Debian\'s nginx)'})
    return cases


# The seed demo: Debian's nginx in a domU that takes its address by DHCP on
# the lab's bridge and serves an ext4 volume (blkfront, read-only) that holds
# DEMO_PAGE; dom0 fetches the page with busybox wget (tests/xen/demo-fetch.sh)
# and then runs "xl shutdown": the kernel's watch on control/shutdown sends
# nginx SIGTERM, nginx exits 0 and the domain powers off with status 0.
DEMO_PAGE = 'husk on Xen: this page comes from an ext4 volume through blkfront'
NGINX = '/usr/sbin/nginx'


def demo_case():
    return {'id': 'nginx-demo', 'demo': True, 'prog': NGINX, 'mem': '128M', 'opts': '--verbose',
            'args': '', 'env': '', 'files': '', 'status': '0', 'after': '', 'vif': '1', 'vol': [],
            'expect': ['"GET / HTTP/1.1" 200'],
            'kexpect': ['eth0: Xen netfront', 'by DHCP', 'xvda: Xen blkfront', 'husk: volume xvda on /srv',
                        'husk-demo: fetched http://192.168.100.', DEMO_PAGE,
                        'husk: Xen asks for poweroff: SIGTERM to the program'],
            'once': []}


# The kernel's half of husk run --backend xen's stdio (cli/backend_xen.c):
# each domain gets "husk.mux" and "husk.notty" or "husk.winsize=" as husk run
# passes them, and its PV console (xenconsoled's log of it, as the lab shows
# it) is decoded as the CLI's relay decodes what xl console gives it
# (husk_mux.py): stdout, stderr and the kernel's lines must be apart and
# complete, DLE and ^] in the data included.  With "input", dom0 types it
# into the domain's console (tests/xen/console-input.sh) as the relay frames
# it: it arrives by the console's event channel (there is no polling), ends
# with DLE 'e' (EOF) without a terminal, and goes through the line
# discipline (echo, erase, TIOCGWINSZ) with one.
MUX_CASES = [
    {'id': 'stdio-mux', 'opts': 'husk.mux husk.notty', 'status': '3',
     'script': r'echo to-stdout; echo to-stderr >&2; printf "dle:\020:gs:\035:end\n"; echo more-stderr >&2; exit 3',
     'streams': {'stdout': 'to-stdout\ndle:\x10:gs:\x1d:end\n', 'stderr': 'to-stderr\nmore-stderr\n'},
     'kernel': ['husk: exit status 3', 'command line: husk.mux husk.notty ']},
    # cat to its stdin's end: the bytes typed, DLE (doubled by the relay) and ^] (DLE ']') among them.
    {'id': 'stdio-mux-input', 'opts': 'husk.mux husk.notty', 'status': '0',
     'script': r'cat; echo cat-done >&2', 'input': r'hello xen\n\020\020dle \020]gs\n\020e',
     'streams': {'stdout': 'hello xen\n\x10dle \x1dgs\n', 'stderr': 'cat-done\n'},
     'kernel': ['husk: exit status 0']},
    # A terminal: the line is echoed (the erase as BS SP BS) and read whole, isatty, the host's window size.
    {'id': 'stdio-mux-tty', 'opts': 'husk.mux husk.winsize=30x100', 'status': '0',
     'script': r'read line; echo "got:$line"; [ -t 0 ] && echo is-a-tty; stty size', 'input': r'hel\177lo\r',
     'contains': {'stdout': ['hel\x08 \x08lo\n', 'got:helo\n', 'is-a-tty\n', '30 100\n']},
     'kernel': ['husk: exit status 0']},
]


def mux_case(m):
    return {**m, 'mux': True, 'prog': '/bin/busybox', 'after': '', 'vif': '', 'vol': [],
            'expect': [], 'kexpect': [], 'once': []}


def prepare_mux(c, work):
    husk = os.path.join(BUILD, 'bin', 'husk')
    image = os.path.join(work, c['id'] + '.img')
    r = subprocess.run([husk, 'build', '-o', image, c['prog'], 'sh', '-c', c['script']],
                       capture_output=True, text=True)
    if r.returncode:
        raise ValueError(f'husk build failed: {r.stderr.strip()}')
    xl = xen_config(image, ['--verbose', '-m', '64M'])
    elf = os.path.join(work, c['id'] + '.elf')
    shutil.copyfile(os.path.join(BUILD, 'kernel', 'husk.elf'), elf)
    c['disk_env'] = {}
    return {'elf': elf, 'ramdisk': image, 'xl': xl, 'cmdline': c['opts'] + ' ' + xl_value(xl, 'cmdline'),
            'memory': 64, 'disks': [], 'vif': False, 'input': c.get('input')}


def check_mux(c, pv_lines):
    """What is wrong with the decoded PV console of a mux case (a list of reasons)."""
    streams, ready, errors = husk_mux.decode('\n'.join(pv_lines))
    why = [f'framing: {e}' for e in errors]
    for name, want in c.get('streams', {}).items():
        if streams[name] != want:
            why.append(f'{name} {streams[name]!r}, wanted {want!r}')
    for name, parts in c.get('contains', {}).items():
        why += [f'{name} lacks {p!r} (got {streams[name]!r})' for p in parts if p not in streams[name]]
    why += [f'kernel stream lacks "{m}"' for m in c['kernel'] if m not in streams['kernel']]
    klines = streams['kernel'].split('\n')
    why += [f'program line "{l}" in the kernel stream' for s in c.get('streams', {}).values()
            for l in s.split('\n') if l and l in klines]
    if not ready:
        why.append('no DLE r (the console never said it takes input)')
    return why


def prepare_demo(c, work, disks):
    site = os.path.join(work, 'site')
    os.makedirs(site)
    with open(os.path.join(site, 'index.html'), 'w') as f:
        f.write(DEMO_PAGE + '\n')
    husk = os.path.join(BUILD, 'bin', 'husk')
    vol = os.path.join(work, 'site.ext4')
    image = os.path.join(work, c['id'] + '.img')
    for cmd in ([husk, 'disk', '-o', vol, '-s', '8M', site],
                [husk, 'build', '-o', image, '--files', os.path.join(ROOT, 'tests', 'xen', 'demo-root'),
                 NGINX, '-c', '/etc/nginx/nginx.conf']):
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode:
            raise ValueError(f'{" ".join(cmd[:2])} failed: {r.stderr.strip()}')
    elf = os.path.join(work, c['id'] + '.elf')
    shutil.copyfile(os.path.join(BUILD, 'kernel', 'husk.elf'), elf)
    disks.append(vol)
    c['disk_env'] = {}
    # --verbose: the kernel's lines are among the markers.
    xl = xen_config(image, ['--verbose', '-m', '128M', '-v', f'{vol}:/srv:ro', '--net', 'bridge:xenbr0'])
    return {'elf': elf, 'ramdisk': image, 'xl': xl, 'cmdline': xl_value(xl, 'cmdline'),
            'memory': 128, 'disks': [len(disks) - 1], 'vif': True, 'fetch': True}


def xen_config(image, opts):
    """The xl config "husk xen-config OPTS IMAGE" writes."""
    r = subprocess.run([os.path.join(BUILD, 'bin', 'husk'), 'xen-config'] + opts + [image],
                       capture_output=True, text=True)
    if r.returncode:
        raise ValueError(f'husk xen-config failed: {r.stderr.strip()}')
    return r.stdout


def xl_value(xl, key):
    """The value of KEY in an xl config that husk wrote (a string, a list of strings or a number)."""
    m = re.search(rf'^{key} = (.*)$', xl, re.M)
    if not m:
        raise ValueError(f'husk xen-config wrote no {key}')
    v = m.group(1)
    if v.startswith('['):
        return [s.replace('\\"', '"').replace('\\\\', '\\') for s in re.findall(r'"((?:[^"\\]|\\.)*)"', v)]
    if v.startswith('"'):
        return v[1:-1].replace('\\"', '"').replace('\\\\', '\\')
    return int(v)


def stored_cmdline(image):
    """The .husk/cmdline of a cpio "newc" image made by husk build."""
    with open(image, 'rb') as f:
        data = f.read()
    pos = 0
    while pos + 110 <= len(data) and data[pos:pos + 6] in (b'070701', b'070702'):
        fields = [int(data[pos + 6 + 8 * i:pos + 14 + 8 * i], 16) for i in range(13)]
        filesize, namesize = fields[6], fields[11]
        name_end = pos + 110 + namesize
        name = data[pos + 110:name_end - 1].decode(errors='replace')
        body = (name_end + 3) & ~3
        if name == '.husk/cmdline':
            return data[body:body + filesize].decode().strip()
        if name == 'TRAILER!!!':
            break
        pos = (body + filesize + 3) & ~3
    raise ValueError(f'{image}: no .husk/cmdline')


def prepare(c, work, disks):
    """Builds the case's image; returns its guest description for the lab child.

    Each vol=IMG:/MNT[:ro] is a fresh copy of build/tests/ext2vol/IMG,
    appended to disks (QEMU hands them to dom0 as vda, vdb, ... in that
    order); the guest gets its own as xvda, xvdb, ... and the kernel option
    vol=xvdN:/MNT[:ro], and the after command finds the copies in
    $DISK_vda, $DISK_vdb, ... as in tests/run.sh."""
    husk = os.path.join(BUILD, 'bin', 'husk')
    prog = os.path.join(BUILD, 'tests', 'guest', c['prog'])
    opts = c['opts'].split()
    for o in opts:
        if o not in ('--verbose', '--no-libs'):
            raise ValueError(f'option {o} has no meaning on Xen here')
    cmd = [husk, 'build', '-o', os.path.join(work, c['id'] + '.img')]
    for e in c['env'].split():
        cmd += ['-e', e]
    if c['files']:
        cmd += ['--files', os.path.join(ROOT, c['files'])]
    if '--no-libs' in opts:
        cmd.append('--no-libs')
    cmd += [prog] + shlex.split(c['args'])
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode:
        raise ValueError(f'husk build failed: {r.stderr.strip()}')
    image = cmd[3]
    mem = c['mem'].upper().rstrip('M') if c['mem'] else '64'
    if not mem.isdigit():
        raise ValueError(f'mem={c["mem"]}: only sizes in MiB are understood here')
    # The domain's config comes from husk xen-config, as for a user: the
    # kernel options (vol=xvdN:/MNT, net.*) and the disk and vif lines.
    xopts = ['-m', f'{mem}M'] + (['--verbose'] if '--verbose' in opts else [])
    own, env = [], {}
    for n, v in enumerate(c['vol']):
        img, _, mnt = v.partition(':')
        copy = os.path.join(work, f'{c["id"]}-{n}.img')
        shutil.copyfile(os.path.join(BUILD, 'tests', 'ext2vol', img), copy)
        own.append(len(disks))
        disks.append(copy)
        env[f'DISK_vd{chr(97 + n)}'] = copy
        xopts += ['-v', f'{copy}:{mnt}']
    if c['vif'] == '1':
        xopts += ['--net', 'bridge:xenbr0']
    xl = xen_config(image, xopts)
    c['disk_env'] = env
    elf = os.path.join(work, c['id'] + '.elf')
    shutil.copyfile(os.path.join(BUILD, 'kernel', 'husk.elf'), elf)
    return {'elf': elf, 'ramdisk': image, 'xl': xl, 'cmdline': xl_value(xl, 'cmdline'), 'memory': int(mem),
            'disks': own, 'vif': c['vif'] == '1'}


def newc(files):
    """A cpio "newc" archive of (name, mode, bytes) regular files."""
    out = b''
    for ino, (name, mode, data) in enumerate(files + [('TRAILER!!!', 0, b'')], 1):
        nm = name.encode() + b'\0'
        fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(nm), 0]
        out += b'070701' + b''.join(b'%08X' % v for v in fields) + nm
        out += b'\0' * (-len(out) % 4) + data
        out += b'\0' * (-len(out) % 4)
    return out


def add_dom0_job(lab, script, args):
    """Makes dom0 run SCRIPT ARGS... in the background (the nginx demo's
    tests/xen/demo-fetch.sh, the stdio cases' tests/xen/console-input.sh,
    bench/xen.sh's memory probe): an archive appended to the lab's initrd
    replaces /init by a wrapper that starts the jobs and then runs the
    lab's own /init (kept as /xenlab/init.lab)."""
    if hasattr(lab, 'husk_jobs'):
        lab.husk_jobs.append((script, args))
        return
    lab.husk_jobs = [(script, args)]
    lab_build_initrd = lab.build_initrd

    def build_initrd(a, names, tmp):
        initrd = lab_build_initrd(a, names, tmp)
        with open(os.path.join(LAB_SRC, 'dom0', 'init'), 'rb') as f:
            lab_init = f.read()
        files = [('xenlab/init.lab', 0o100755, lab_init)]
        starts = ''
        for n, (job_script, job_args) in enumerate(lab.husk_jobs):
            with open(job_script, 'rb') as f:
                files.append((f'xenlab/dom0-job{n}', 0o100755, f.read()))
            starts += f'/xenlab/dom0-job{n} {" ".join(shlex.quote(a) for a in job_args)} &\n'
        wrapper = ('#!/bin/sh\n# tests/xen/run.py: jobs of the test or benchmark, then the lab\'s /init\n'
                   'export PATH=/bin:/usr/bin:/usr/lib/xen-4.17/bin LD_LIBRARY_PATH=/lib/x86_64-linux-gnu\n'
                   # busybox sh opens /dev/null for a background job, before /init mounts /dev.
                   '[ -e /dev/null ] || mknod /dev/null c 1 3\n' + starts +
                   'exec /xenlab/init.lab "$@"\n').encode()
        with open(initrd, 'ab') as out:
            out.write(b'\0' * (-out.tell() % 512))
            out.write(newc([('init', 0o100755, wrapper)] + files))
        return initrd

    lab.build_initrd = build_initrd


def lab_child(spec_path):
    """Runs the lab's driver with a ramdisk, command line and memory size per guest."""
    with open(spec_path) as f:
        spec = json.load(f)
    sys.dont_write_bytecode = True   # the lab's folder may be read-only, and is not ours
    loader = importlib.machinery.SourceFileLoader('xenlab_run', os.path.join(LAB_SRC, 'run'))
    lab = importlib.util.module_from_spec(importlib.util.spec_from_loader('xenlab_run', loader))
    loader.exec_module(lab)
    guests = spec['guests']
    spec_disks = spec.get('disks', [])
    by_name = dict(zip(lab.guest_names([g['elf'] for g in guests]), guests))
    lab_xl_config = lab.xl_config

    def xl_config(a, name, index):
        """The lab's config with the guest's own cmdline, memory, disk and vif.

        A test case's come from husk xen-config (g['xl']), with the lab's
        paths: the image on the host is dom0's vdN (the lab's --disk), and
        the vif gets the MAC that the lab's DHCP server knows.  bench/xen.sh
        gives a cmdline and memory only."""
        g = by_name[name]
        disks, vif = [], []
        if g.get('xl'):
            for vbd in xl_value(g['xl'], 'disk') if '\ndisk = ' in g['xl'] else []:
                head, host = vbd.split('target=', 1)
                d = [os.path.realpath(p) for p in spec_disks].index(os.path.realpath(host))
                disks.append(f'{head}target=/dev/vd{chr(97 + d)}')
            vif = [f'{v},mac={lab.guest_mac(index)}'
                   for v in (xl_value(g['xl'], 'vif') if '\nvif = ' in g['xl'] else [])]
        out = []
        for line in lab_xl_config(a, name, index).splitlines():
            key = line.split('=')[0].strip()
            if key in ('disk', 'vif'):
                continue
            if key == 'cmdline':
                line = f'cmdline = {lab.xl_string(g["cmdline"])}'
            elif key == 'memory':
                line = f'memory = {g["memory"]}'
            out.append(line)
        for key, specs in (('disk', disks), ('vif', vif)):
            if specs:
                out.append(f'{key} = [' + ', '.join(lab.xl_string(s) for s in specs) + ']')
        text = '\n'.join(out) + '\n'
        if spec.get('log'):   # beside the logs, for whoever reads a failure
            with open(os.path.join(os.path.dirname(spec['log']), name + '.cfg'), 'w') as f:
                f.write(text)
        return text

    class PerGuestRamdisk:
        """The lab copies its one --ramdisk to /xenlab/NAME.ramdisk: copy each guest's own."""
        def __getattr__(self, attr):
            return getattr(shutil, attr)

        def copyfile(self, src, dst, **kw):
            m = re.search(r'/xenlab/([^/]+)\.ramdisk$', dst)
            return shutil.copyfile(by_name[m.group(1)]['ramdisk'] if m else src, dst, **kw)

    lab_usage_error = lab.usage_error

    def usage_error(msg):
        if msg != '--disk works with one guest only':   # each guest gets its own above
            lab_usage_error(msg)

    lab.usage_error = usage_error
    for i, (name, g) in enumerate(by_name.items()):
        if g.get('fetch'):
            add_dom0_job(lab, os.path.join(ROOT, 'tests', 'xen', 'demo-fetch.sh'), [name, f'{lab.NET}.{11 + i}'])
        if g.get('input'):
            add_dom0_job(lab, os.path.join(ROOT, 'tests', 'xen', 'console-input.sh'), [name, g['input']])
    if spec.get('dom0_job'):   # [SCRIPT, ARGS...]: bench/xen.sh
        add_dom0_job(lab, spec['dom0_job'][0], spec['dom0_job'][1:])
    lab.xl_config = xl_config
    lab.shutil = PerGuestRamdisk()
    # The lab sizes QEMU from --memory times the guests: pass the largest.
    biggest = max(g['memory'] for g in guests)
    vif = ['--vif'] if any(g.get('vif') for g in guests) else []
    log = ['--log', spec['log']] if spec.get('log') else []
    sys.argv = ['run'] + vif + log + ['--timeout', str(spec['timeout']), '--memory', str(biggest),
                '--ramdisk', guests[0]['ramdisk']] + [a for d in spec_disks for a in ('--disk', d)] + \
        [g['elf'] for g in guests] + ['--', 'per-guest']
    lab.main()


def parse_lab_output(text, names):
    """Per guest: its console text (e9 and PV console), status lines on e9, and how it ended."""
    out = {n: {'console': [], 'pv': [], 'e9_status': None, 'end': None} for n in names}
    # Lines end at '\n' only: str.splitlines would also split at 0x1c-0x1e, which guests may write.
    for line in text.split('\n'):
        m = re.match(r'^\[(\S+?)( e9| xen| xl)?\] ?(.*)$', line)
        if m and m.group(1) in out:
            g = out[m.group(1)]
            g['console'].append(m.group(3))
            if not m.group(2):
                g['pv'].append(m.group(3))
            if m.group(2) == ' e9' and re.fullmatch(r'\d+', m.group(3).strip()):
                g['e9_status'] = int(m.group(3).strip())
            continue
        m = re.match(r'^xen-lab: (\S+) exited: (\S+)', line)
        if m and m.group(1) in out:
            out[m.group(1)]['end'] = m.group(2)
    return out


def ensure_lab():
    if not os.path.isfile(os.path.join(LAB_SRC, 'run')):
        return f'no xen-lab at {LAB_SRC} (set XEN_LAB)'
    if not os.path.exists(os.path.join(LAB_CACHE, 'setup.done')):
        print(f'test-xen: setting up the lab ({LAB_SRC}/setup.sh)', flush=True)
        r = subprocess.run([os.path.join(LAB_SRC, 'setup.sh')], stdin=subprocess.DEVNULL)
        if r.returncode:
            return f'the lab\'s setup.sh failed (status {r.returncode})'
    return None


def main():
    args = sys.argv[1:]
    if args[:1] == ['--lab-child']:
        lab_child(args[1])
        return 0
    pattern, listing = None, False
    while args:
        if args[0] == '-k' and len(args) > 1:
            pattern, args = args[1], args[2:]
        elif args[0] == '--list':
            listing, args = True, args[1:]
        else:
            print(__doc__.split('\n\n')[1], file=sys.stderr)
            return 2
    cases = xen_cases(pattern)
    if listing:
        print('\n'.join(c['id'] for c in cases))
        return 0
    logdir = os.path.join(BUILD, 'tests', 'xen')
    os.makedirs(logdir, exist_ok=True)
    results = {}

    def fail(c, why):
        results[c['id']] = why

    problem = ensure_lab()
    work = tempfile.mkdtemp(prefix='husk-xen-')
    try:
        guests, ready, disks = [], [], []
        for c in cases:
            if 'error' in c:
                fail(c, f'parse error: {c["error"]}')
                continue
            try:
                guests.append(prepare_demo(c, work, disks) if c.get('demo') else
                              prepare_mux(c, work) if c.get('mux') else prepare(c, work, disks))
                ready.append(c)
            except (ValueError, OSError) as e:
                fail(c, str(e))
        if ready and not problem:
            spec = os.path.join(work, 'spec.json')
            with open(spec, 'w') as f:
                json.dump({'guests': guests, 'disks': disks, 'timeout': TIMEOUT,
                           'log': os.path.join(logdir, 'serial.log')}, f)
            log = os.path.join(logdir, 'lab.log')
            print(f'test-xen: {len(ready)} cases as domUs in one xen-lab boot (log: {log})', flush=True)
            r = subprocess.run([sys.executable, os.path.abspath(__file__), '--lab-child', spec],
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, timeout=TIMEOUT + 600)
            with open(log, 'w') as f:
                f.write(r.stdout)
            for line in r.stdout.splitlines():
                if line.startswith('xen-lab: timings:'):
                    print(line, flush=True)
            names = [c['id'] for c in ready]
            seen = parse_lab_output(r.stdout, names)
            # dom0's demo fetcher writes on dom0's console, which only the serial log holds.
            try:
                with open(os.path.join(logdir, 'serial.log'), errors='replace') as f:
                    fetched = [l[l.index('husk-demo:'):].rstrip() for l in f if 'husk-demo:' in l]
            except OSError:
                fetched = []
            if 'nginx-demo' in seen:
                seen['nginx-demo']['console'] += fetched
            if not any(s['end'] for s in seen.values()):
                problem = 'the lab ran no guest: ' + ' | '.join(r.stdout.strip().splitlines()[-5:])
            for c in ready:
                if problem:
                    break
                s, want = seen[c['id']], int(c['status'])
                with open(os.path.join(logdir, c['id'] + '.log'), 'w') as f:
                    f.write('\n'.join(s['console']) + f'\n# ended: {s["end"]}, status line: {s["e9_status"]}\n')
                    if c.get('mux'):
                        f.write(f'# PV console decoded: {husk_mux.decode(chr(10).join(s["pv"]))!r}\n')
                text = '\n'.join(s['console'])
                why = []
                if s['e9_status'] != want:
                    why.append(f'status {s["e9_status"]}, wanted {want}')
                want_end = 'poweroff' if want == 0 else 'crash'
                if s['end'] != want_end:
                    why.append(f'domain ended as {s["end"]}, wanted {want_end}')
                why += [f'missing "{m}"' for m in c['expect'] + c['kexpect'] if m not in text]
                why += [f'"{m}" seen {text.count(m)} times, wanted once' for m in c['once']
                        if text.count(m) != 1]
                if c.get('mux'):
                    why += check_mux(c, s['pv'])
                if c['after']:
                    a = subprocess.run(['bash', '-c', c['after']], cwd=ROOT, env={**os.environ, **c['disk_env']},
                                       capture_output=True, text=True)
                    with open(os.path.join(logdir, c['id'] + '.log'), 'a') as f:
                        f.write(f'$ {c["after"]}\n{a.stdout}{a.stderr}')
                    if a.returncode:
                        why.append(f'host check failed: {c["after"]}')
                if why:
                    fail(c, '; '.join(why))
                else:
                    results[c['id']] = None
        for c in ready:
            if problem:
                fail(c, problem)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    for c in cases:
        why = results.get(c['id'], 'not run')
        print(f'PASS {c["id"]}@xen' if why is None else f'FAIL {c["id"]}@xen ({why}; log: {logdir}/{c["id"]}.log)')
    if problem:
        print(f'test-xen: the lab could not run the cases: {problem}')
    passed = sum(1 for c in cases if results.get(c['id'], 'x') is None)
    print(f'{passed} passed, {len(cases) - passed} failed')
    return 0 if cases and passed == len(cases) else 1


if __name__ == '__main__':
    sys.exit(main())
