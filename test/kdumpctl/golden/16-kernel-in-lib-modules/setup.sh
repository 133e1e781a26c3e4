# shellcheck shell=bash
# Sourced by run.sh with $R (the fake root) and $KVER set.
rm "$R/boot/vmlinuz-$KVER"; echo k > "$R/lib/modules/$KVER/vmlinuz"; echo "root=UUID=1111-root crashkernel=1G-4G:192M rd.lvm.lv=vg/root trace_buf_size=10 panic_on_warn=1 foo=\"a b\" resume=/dev/vda3 rd.shell=0 rd.emergency=halt" > "$R/proc/cmdline"
