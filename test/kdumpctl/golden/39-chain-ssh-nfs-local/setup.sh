# shellcheck shell=bash
# Sourced by run.sh with $R (the fake root) and $KVER set.
mkdir -p "$R/root/.ssh" "$R/var/lib/kdump"; echo key > "$R/root/.ssh/kdump_id_rsa"; echo "dumphost ssh-ed25519 AAAA" > "$R/var/lib/kdump/known_hosts"
