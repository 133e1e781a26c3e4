#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Checks a raw dump device against lib/rawdump.h.

  rawcheck.py DEVICE EXPECTED    valid header, data == EXPECTED, crc matches
  rawcheck.py DEVICE --none      no valid header (zeros or no magic)
"""
import struct
import sys
import time
import zlib

FMT = "<16sIIQQII64s"       # struct kdump_raw_header, packed, little endian


def main():
    dev, want = sys.argv[1], sys.argv[2]
    with open(dev, "rb") as f:
        blk = f.read(4096)
        magic, version, hsize, length, t, dcrc, hcrc, host = struct.unpack_from(FMT, blk)
        if want == "--none":
            if magic == b"KDUMPKIT-RAWDUMP":
                sys.exit("a header is present")
            return
        if magic != b"KDUMPKIT-RAWDUMP" or version != 1 or hsize != 4096:
            sys.exit(f"bad header: {magic!r} {version} {hsize}")
        z = bytearray(blk[:struct.calcsize(FMT)])
        z[44:48] = b"\0\0\0\0"      # header_crc32 field zeroed
        if zlib.crc32(bytes(z)) != hcrc:
            sys.exit("header crc mismatch")
        if abs(time.time() - t) > 600:
            sys.exit(f"time {t} is not now")
        if not host.rstrip(b"\0"):
            sys.exit("no hostname")
        data = f.read(length)
    exp = open(want, "rb").read()
    if len(data) != length or length != len(exp):
        sys.exit(f"length {length}, expected {len(exp)}")
    if data != exp:
        sys.exit("data differs")
    if zlib.crc32(data) != dcrc:
        sys.exit("data crc mismatch")


main()
