# shellcheck shell=bash
# Sourced by run.sh with $R (the fake root) and $KVER set.
# The fake sysfs of golden 24; the dump goes to the root file system, a dm
# device (an LV, say) on sda2: rootfs-block stays, as dracut's lvm module
# depends on it.
# shellcheck source=test/kdumpctl/golden/24-drivers-from-sysfs/setup.sh
. "$HERE/golden/24-drivers-from-sysfs/setup.sh"
