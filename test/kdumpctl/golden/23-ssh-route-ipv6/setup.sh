# shellcheck shell=bash
# Sourced by run.sh.  IPv6, static, through a gateway.
mkdir -p "$R/root/.ssh" "$R/var/lib/kdump"; echo key > "$R/root/.ssh/kdump_ed25519"; echo "fd00::10 ssh-ed25519 AAAA" > "$R/var/lib/kdump/known_hosts"
export KDUMP_ROUTE_OVERRIDE="dev=eth1 src=fd00:1::2 via=fd00:1::1 mac=52:54:00:00:00:02 prefix=64"
