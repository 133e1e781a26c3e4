# shellcheck shell=bash
# Sourced by run.sh with $R (the fake root) and $KVER set.  fence_kdump_send
# in the root (only looked for, never run), names from the root's /etc/hosts,
# this machine's addresses from its /proc/net, and the route to the first
# node replaced: a static address on eth1.
mkdir -p "$R/usr/libexec/fence-agents" "$R/proc/net"
printf '#!/bin/sh\n' > "$R/usr/libexec/fence-agents/fence_kdump_send"
chmod +x "$R/usr/libexec/fence-agents/fence_kdump_send"
printf '127.0.0.1 localhost\n127.0.1.1 kdumptest.example.com kdumptest\n192.0.2.12 node2.example.com node2\n' > "$R/etc/hosts"
cat > "$R/proc/net/fib_trie" <<'TRIE'
Local:
  +-- 0.0.0.0/0 3 0 5
     +-- 127.0.0.0/8 2 0 2
        |-- 127.0.0.1
           /32 host LOCAL
     |-- 192.0.2.77
        /32 host LOCAL
TRIE
export KDUMP_ROUTE_OVERRIDE="dev=eth1 src=192.0.2.77 mac=52:54:00:fe:0c:01 dhcp=0 prefix=24"
