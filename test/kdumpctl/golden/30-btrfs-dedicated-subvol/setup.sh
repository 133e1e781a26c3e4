# shellcheck shell=bash
# Sourced by run.sh with $R (the fake root) and $KVER set.
# A dedicated btrfs target, mounted only as its subvolume @data on /data.
echo "32 21 0:40 /@data /data rw,relatime shared:6 - btrfs /dev/vde rw,subvolid=258,subvol=/@data" >> "$R/proc/self/mountinfo"
echo "UUID=7777-data /data btrfs subvol=@data 0 0" >> "$R/etc/fstab"
