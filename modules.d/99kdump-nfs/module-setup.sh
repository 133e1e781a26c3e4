#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# kdump-nfs: the NFS dump writer (libnfs in user space; no kernel NFS client,
# no mount.nfs, no rpcbind).

# Only when asked for: kdumpctl adds this module explicitly.
check() { return 255; }

# The capture base, and a network handler (systemd-networkd with systemd).
depends() { echo kdumpbase network; }

# The writer; inst_binary pulls in libnfs.
install() {
        inst_binary "@LIBEXECDIR@/kdump-nfs-writer" "@LIBEXECDIR@/kdump-nfs-writer"
}
