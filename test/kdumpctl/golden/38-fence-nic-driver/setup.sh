# shellcheck shell=bash
# Sourced by run.sh with $R (the fake root) and $KVER set.
# The fake sysfs of golden 24, with eth1, a virtio_net NIC behind
# virtio_pci: the route to the fence node goes through it (replaced: a DHCP
# lease), so drivers.c names virtio_net beside the dump disk's drivers.
# shellcheck source=test/kdumpctl/golden/24-drivers-from-sysfs/setup.sh
. "$HERE/golden/24-drivers-from-sysfs/setup.sh"
mkdir -p "$S/module/virtio_net" "$S/bus/virtio/drivers/virtio_net" "$S/class/net" \
        "$S/devices/pci0000:00/0000:00:03.0/virtio0/net/eth1"
ln -s ../../../../module/virtio_net "$S/bus/virtio/drivers/virtio_net/module"
ln -s ../../../../bus/virtio/drivers/virtio_net "$S/devices/pci0000:00/0000:00:03.0/virtio0/driver"
ln -s ../../../bus/pci/drivers/virtio-pci "$S/devices/pci0000:00/0000:00:03.0/driver"
ln -s ../.. "$S/devices/pci0000:00/0000:00:03.0/virtio0/net/eth1/device"
ln -s ../../devices/pci0000:00/0000:00:03.0/virtio0/net/eth1 "$S/class/net/eth1"
mkdir -p "$R/usr/libexec/fence-agents"
printf '#!/bin/sh\n' > "$R/usr/libexec/fence-agents/fence_kdump_send"
chmod +x "$R/usr/libexec/fence-agents/fence_kdump_send"
export KDUMP_ROUTE_OVERRIDE="dev=eth1 mac=52:54:00:fe:0c:02 dhcp=1 prefix=24 src=192.0.2.78"
