# shellcheck shell=bash
# Sourced by run.sh with $R (the fake root) and $KVER set.
# An image tree whose fstab puts / on a btrfs subvolume.
sed -i "s|^UUID=1111-root .*|UUID=1111-root / btrfs subvol=/root 0 0|" "$R/etc/fstab"
