#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# kdump-ssh: the SFTP dump writer (libssh2; no ssh binary).  kdumpctl adds
# the key and /etc/kdump/known_hosts itself.

# Only when asked for: kdumpctl adds this module explicitly.
check() { return 255; }

# The capture base, and a network handler (systemd-networkd with systemd).
depends() { echo kdumpbase network; }

# The writer; inst_binary pulls in libssh2 and libcrypto.
install() {
        inst_binary "@LIBEXECDIR@/kdump-ssh-writer" "@LIBEXECDIR@/kdump-ssh-writer"
}
