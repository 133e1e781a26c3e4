#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Writes synthetic makedumpfile flattened streams (makedumpfile -F) for the tests.

  mkflat.py valid SEED OUT       records out of order, overlapping, with gaps,
                                 a zero-size one and one larger than 1 MiB
  mkflat.py BROKEN SEED OUT      a stream broken in one way (see BROKEN below)

Format: a 4096-byte header ("makedumpfile" NUL padded to 16 bytes, type 1 and
version 1 as big-endian int64), then records of big-endian int64 offset and
size followed by size bytes, ended by offset = size = -1.
"""
import random
import struct
import sys

BROKEN = ["badsig", "badtype", "negoffset", "negsize", "shortheader", "shortdata",
          "noend", "trailing", "empty", "overflow", "otherversion", "zerosize"]


def header(sig=b"makedumpfile", typ=1, version=1):
    h = sig.ljust(16, b"\0") + struct.pack(">qq", typ, version)
    return h.ljust(4096, b"\0")


def record(off, data):
    return struct.pack(">qq", off, len(data)) + data


END = struct.pack(">qq", -1, -1)


def valid_records(rng):
    recs = []
    # like makedumpfile: a small header at 0, a sub header at 4096, gaps,
    # then page data, and the header rewritten at the end
    recs.append((0, rng.randbytes(464)))
    recs.append((4096, rng.randbytes(1200)))
    pos = 3 * 4096
    for _ in range(rng.randint(20, 60)):
        n = rng.choice([1, 17, 4096, 4096 * 3, rng.randint(1, 70000)])
        recs.append((pos, rng.randbytes(n)))
        pos += n + rng.choice([0, 0, 0, 5, 4096, 100000])
    recs.append((pos, rng.randbytes(3 * 1024 * 1024 + 123)))     # > FLAT_CHUNK
    recs.append((0, rng.randbytes(512)))                           # rewrite
    # a few overlapping rewrites, out of order
    for _ in range(5):
        o = rng.randint(0, pos)
        recs.append((o, rng.randbytes(rng.randint(1, 9000))))
    return recs


def main():
    kind, seed, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    rng = random.Random(seed)
    recs = valid_records(rng)
    body = b"".join(record(o, d) for o, d in recs)
    small = record(0, b"x" * 100)
    if kind == "valid":
        s = header() + body + END
    elif kind == "badsig":
        s = header(sig=b"makedumpfilf") + small + END
    elif kind == "badtype":
        s = header(typ=2) + small + END
    elif kind == "zerosize":        # makedumpfile -R stops there and fails
        s = header() + small + record(300, b"") + record(50, b"q" * 20) + END
    elif kind == "otherversion":    # makedumpfile -R ignores the version
        s = header(version=7) + small + END
    elif kind == "negoffset":
        s = header() + small + struct.pack(">qq", -5, 10) + b"y" * 10 + END
    elif kind == "negsize":
        s = header() + small + struct.pack(">qq", 0, -2) + END
    elif kind == "shortheader":
        s = header()[:1000]
    elif kind == "shortdata":
        s = header() + small + struct.pack(">qq", 200, 1000) + b"z" * 10
    elif kind == "noend":
        s = header() + small
    elif kind == "trailing":
        s = header() + small + END + b"garbage after the end"
    elif kind == "empty":
        s = b""
    elif kind == "overflow":
        s = header() + small + struct.pack(">qq", 2**63 - 10, 100) + b"w" * 100 + END
    else:
        sys.exit("unknown kind " + kind)
    with open(out, "wb") as f:
        f.write(s)


main()
