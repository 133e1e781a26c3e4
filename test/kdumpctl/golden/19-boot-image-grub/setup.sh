# shellcheck shell=bash
# Sourced by run.sh with $R (the fake root) and $KVER set.
sed -i "s|BOOT_IMAGE=[^ ]*|BOOT_IMAGE=(hd0,gpt2)/boot/vmlinuz-$KVER|" "$R/proc/cmdline"
