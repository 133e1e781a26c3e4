#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""commit-relay.py WRITER ARGS... < DATA

kdump-collect's part for the writer tests: relays stdin to the writer,
counting, and after the end of the input gives "COMMIT <bytes>" on the
writer's fd 3 (flat-writer.h).  KDUMP_TEST_COMMIT=none gives no commit (the
collector failed), =wrong a count one byte off.  Exits with the writer's
status (128+N when a signal N killed it)."""
import os
import subprocess
import sys

r, w = os.pipe()
if r != 3:
    os.dup2(r, 3)       # the writer's fd 3 (whatever 3 was here is not needed)
    os.close(r)
child = subprocess.Popen(sys.argv[1:], stdin=subprocess.PIPE, pass_fds=(3,))
os.close(3)
count = 0
try:
    while True:
        buf = os.read(0, 1 << 16)
        if not buf:
            break
        child.stdin.write(buf)
        count += len(buf)
    child.stdin.close()
except BrokenPipeError:
    pass
mode = os.environ.get("KDUMP_TEST_COMMIT", "")
if mode != "none":
    try:
        os.write(w, b"COMMIT %d\n" % (count + (1 if mode == "wrong" else 0)))
    except BrokenPipeError:
        pass
os.close(w)
try:
    child.stdin.close()
except BrokenPipeError:
    pass
rc = child.wait()
sys.exit(128 - rc if rc < 0 else rc)
