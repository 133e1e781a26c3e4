# shellcheck shell=bash
# Sourced by run.sh with $R (the fake root) and $KVER set.
# /var/crash is an absolute symlink to a directory of a second disk.
rmdir "$R/var/crash"; mkdir -p "$R/data/crash"; ln -s /data/crash "$R/var/crash"
echo "32 21 254:33 / /data rw,relatime shared:6 - xfs /dev/vdd1 rw,attr2,inode64" >> "$R/proc/self/mountinfo"
echo "LABEL=data /data xfs defaults 0 2" >> "$R/etc/fstab"
