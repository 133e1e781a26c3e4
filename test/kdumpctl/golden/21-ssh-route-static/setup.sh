# shellcheck shell=bash
# Sourced by run.sh with $R (the fake root) and $KVER set.  The route lookup
# is replaced: the name resolves to 192.0.2.5, reached through a gateway.
mkdir -p "$R/root/.ssh" "$R/var/lib/kdump"; echo key > "$R/root/.ssh/kdump_id_rsa"; echo "192.0.2.5 ssh-ed25519 AAAA" > "$R/var/lib/kdump/known_hosts"
export KDUMP_ROUTE_OVERRIDE="addr=192.0.2.5 dev=eth0 src=10.0.2.15 via=10.0.2.2 mac=52:54:00:12:34:56 dhcp=0 prefix=24"
