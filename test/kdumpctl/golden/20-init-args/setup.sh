# shellcheck shell=bash
# Sourced by run.sh with $R (the fake root) and $KVER set.
# words after "--" go to init: what kdumpctl appends must stay before them
echo "root=UUID=1111-root crashkernel=256M quiet -- --init-flag quiet" > "$R/proc/cmdline"
