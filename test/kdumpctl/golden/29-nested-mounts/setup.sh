# shellcheck shell=bash
# Sourced by run.sh with $R (the fake root) and $KVER set.
# /var, and /var/crash on it, each its own file system.
echo "30 21 254:3 / /var rw,relatime shared:4 - xfs /dev/vda3 rw" >> "$R/proc/self/mountinfo"
echo "31 30 254:4 / /var/crash rw,relatime shared:5 - ext4 /dev/vda4 rw" >> "$R/proc/self/mountinfo"
printf "UUID=3333-var /var xfs defaults 0 2\nPARTUUID=4444-0004 /var/crash ext4 defaults 0 2\n" >> "$R/etc/fstab"
