# shellcheck shell=bash
# Sourced by run.sh with $R (the fake root) and $KVER set.
# Fedora's layout: the top level holds the subvolumes root and home, / is
# subvol=root.  The dump goes to /root/var/crash from the top level.
sed -i "/ \/ rw/d" "$R/proc/self/mountinfo"
sed -i "1i 21 1 0:30 /root / rw,relatime shared:1 - btrfs /dev/vda2 rw,space_cache=v2,subvolid=256,subvol=/root" "$R/proc/self/mountinfo"
echo "31 21 0:30 /home /home rw,relatime shared:5 - btrfs /dev/vda2 rw,space_cache=v2,subvolid=257,subvol=/home" >> "$R/proc/self/mountinfo"
sed -i "s|^UUID=1111-root .*|UUID=1111-root / btrfs subvol=root,compress=zstd:1 0 0\nUUID=1111-root /home btrfs subvol=home 0 0|" "$R/etc/fstab"
