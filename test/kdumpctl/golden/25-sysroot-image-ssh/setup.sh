# shellcheck shell=bash
# Sourced by run.sh with $R (the fake root) and $KVER set.
# An image for an ssh target: the NICs named for images are kept with their
# dependencies (virtio_net needs net_failover), every other driver under
# kernel/drivers/net is omitted; modules elsewhere are not touched.
mkdir -p "$R/root/.ssh" "$R/var/lib/kdump"; echo key > "$R/root/.ssh/kdump_id_rsa"; echo "dumphost ssh-ed25519 AAAA" > "$R/var/lib/kdump/known_hosts"
cat >> "$R/lib/modules/$KVER/modules.dep" <<'DEP'
kernel/drivers/net/virtio_net.ko.xz: kernel/drivers/net/net_failover.ko.xz kernel/net/core/failover.ko.xz
kernel/drivers/net/net_failover.ko.xz: kernel/net/core/failover.ko.xz
kernel/net/core/failover.ko.xz:
kernel/drivers/net/ethernet/intel/e1000e/e1000e.ko.xz: kernel/drivers/ptp/ptp.ko.xz
kernel/drivers/net/ethernet/mellanox/mlx5/core/mlx5_core.ko.xz: kernel/drivers/net/ethernet/mellanox/mlxfw/mlxfw.ko.xz kernel/drivers/ptp/ptp.ko.xz
kernel/drivers/net/ethernet/mellanox/mlxfw/mlxfw.ko.xz:
kernel/drivers/net/wireless/intel/iwlwifi/iwlwifi.ko.xz:
kernel/drivers/net/xen-netfront.ko.xz:
kernel/drivers/net/bonding/bonding.ko.xz:
DEP
