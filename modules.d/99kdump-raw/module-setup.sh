#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# kdump-raw: writes the dump to a raw block device behind a header
# (lib/rawdump.h) for the next boot's `kdumpctl start` to copy out.

# Only when asked for: kdumpctl adds this module explicitly.
check() { return 255; }

# The capture base only: no network, no filesystem.
depends() { echo kdumpbase; }

# The writer; it needs only libc and zlib.
install() {
        inst_binary "@LIBEXECDIR@/kdump-raw-writer" "@LIBEXECDIR@/kdump-raw-writer"
}
