# shellcheck shell=bash
# Sourced by run.sh with $R (the fake root) and $KVER set.
echo "30 21 254:3 / /var rw,noatime shared:4 - xfs /dev/vda3 rw,attr2,inode64,noquota" >> "$R/proc/self/mountinfo"
echo "UUID=3333-var /var xfs defaults 0 2" >> "$R/etc/fstab"
