# shellcheck shell=bash
# Sourced by run.sh with $R (the fake root) and $KVER set.
# /var/crash bind-mounted from /srv/crash, /srv a second disk.
echo "32 21 254:17 / /srv rw,relatime shared:6 - ext4 /dev/vdc1 rw" >> "$R/proc/self/mountinfo"
echo "33 21 254:17 /crash /var/crash rw,relatime shared:6 - ext4 /dev/vdc1 rw" >> "$R/proc/self/mountinfo"
printf "UUID=5555-srv /srv ext4 defaults 0 2\n/srv/crash /var/crash none bind 0 0\n" >> "$R/etc/fstab"
