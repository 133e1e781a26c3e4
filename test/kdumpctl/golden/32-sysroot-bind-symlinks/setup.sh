# shellcheck shell=bash
# Sourced by run.sh with $R (the fake root) and $KVER set.
# An image tree: /var/crash bind-mounted from /srv/crash, and kdump.conf an
# absolute symlink, which must lead to the image's file, not the host's.
printf "UUID=5555-srv /srv ext4 defaults 0 2\n/srv/crash /var/crash none bind 0 0\n" >> "$R/etc/fstab"
mkdir -p "$R/etc/kdump"; mv "$R/etc/kdump.conf" "$R/etc/kdump/kdump.conf"; ln -s /etc/kdump/kdump.conf "$R/etc/kdump.conf"
