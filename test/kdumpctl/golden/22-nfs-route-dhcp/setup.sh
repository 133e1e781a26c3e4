# shellcheck shell=bash
# Sourced by run.sh.  A numeric host on the local network, address by DHCP.
export KDUMP_ROUTE_OVERRIDE="dev=enp1s0 src=192.0.2.77 mac=52:54:00:ab:cd:ef dhcp=1 prefix=24"
