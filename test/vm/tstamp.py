#!/usr/bin/python3
"""Console filter for run-guest.sh.

Prefixes every line with the host seconds since start ("[  12.34] ") and
drops terminal escape sequences (systemd's colours, its spinner).  With
--stop REGEX --pidfile FILE, the first line matching REGEX (a guest stuck
for good, e.g. in an emergency shell) makes it send SIGTERM to the process in
FILE (qemu) and note that in the log, instead of waiting for the timeout.
With --epoch-file FILE, the wall-clock time (seconds since the epoch) of
second 0 is written to FILE, so that events seen elsewhere on the host can be
placed on the console's time line.
"""
import argparse
import os
import re
import signal
import sys
import time

ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][0-9A-Za-z]|\x1b[A-Za-z=>78]")

ap = argparse.ArgumentParser()
ap.add_argument("--stop")
ap.add_argument("--pidfile")
ap.add_argument("--epoch-file")
args = ap.parse_args()
stop = re.compile(args.stop) if args.stop else None

start = time.monotonic()
if args.epoch_file:
    with open(args.epoch_file, "w") as f:
        f.write("%.3f\n" % time.time())


def emit(text):
    sys.stdout.write("[%8.2f] %s\n" % (time.monotonic() - start, text))
    sys.stdout.flush()


for raw in sys.stdin.buffer:
    line = ESCAPES.sub("", raw.decode("utf-8", "replace").rstrip("\r\n").replace("\r", ""))
    emit(line)
    if stop and stop.search(line):
        stop = None
        try:
            with open(args.pidfile) as f:
                pid = int(f.read().strip())
            os.kill(pid, signal.SIGTERM)
            emit("# STOPPED: the guest is stuck (console matched the stop pattern); qemu terminated")
        except (OSError, ValueError, TypeError) as e:
            emit("# stop pattern matched, but qemu could not be stopped: %s" % e)
