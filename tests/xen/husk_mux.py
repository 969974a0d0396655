# SPDX-License-Identifier: MIT
"""husk_mux.py: decodes the husk.mux framing of a guest's console (as cli/stdio.c does) into its streams, for tests/xen/run.py.

The kernel (kernel/lib/printk.c) writes its messages and the program's
stdout and stderr on one console: DLE '1', DLE '2' and DLE 'k' switch to
stdout, stderr and the kernel's messages (the kernel's at the start,
unannounced), DLE DLE is a literal DLE, and DLE 'r' says the console takes
input.  Anything else after a DLE is an error here (the relay would take it
for the kernel's stream).
"""
DLE = '\x10'
STREAMS = {'1': 'stdout', '2': 'stderr', 'k': 'kernel'}


def decode(text):
    """Returns ({'stdout': str, 'stderr': str, 'kernel': str}, ready, errors)."""
    out = {name: [] for name in STREAMS.values()}
    cur, ready, errors = 'kernel', False, []
    i = 0
    while i < len(text):
        j = text.find(DLE, i)
        if j < 0:
            out[cur].append(text[i:])
            break
        out[cur].append(text[i:j])
        code = text[j + 1:j + 2]
        if code == DLE:
            out[cur].append(DLE)
        elif code == 'r':
            ready = True
        elif code in STREAMS:
            cur = STREAMS[code]
        else:
            errors.append(f'DLE followed by {code!r} at offset {j}')
        i = j + 2
    return {k: ''.join(v) for k, v in out.items()}, ready, errors
