# shellcheck shell=bash
# Sourced by run.sh with $R (the fake root) and $KVER set.
echo "UUID=7777-data /data xfs ro,noauto,nofail,noatime 0 2" >> "$R/etc/fstab"
