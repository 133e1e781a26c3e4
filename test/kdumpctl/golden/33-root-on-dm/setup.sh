# shellcheck shell=bash
# Sourced by run.sh with $R (the fake root) and $KVER set.
# The fake sysfs of golden 24; the dump goes to the root file system, a dm
# device (an LV, say) on sda2: rootfs-block stays, as dracut's lvm module
# depends on it.
S=$R/sys
mkdir -p "$S/module/virtio_blk" "$S/module/virtio_pci" "$S/module/ahci" "$S/module/sd_mod" \
        "$S/bus/virtio/drivers/virtio_blk" "$S/bus/pci/drivers/virtio-pci" "$S/bus/pci/drivers/ahci" \
        "$S/bus/scsi/drivers/sd" "$S/bus/platform/drivers/builtin" "$S/dev/block" \
        "$S/devices/pci0000:00/0000:00:05.0/virtio2/block/vdb/vdb1" \
        "$S/devices/pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0/block/sda/sda2" \
        "$S/devices/virtual/block/dm-0/slaves" "$S/devices/platform/builtin0"
ln -s ../../../../module/virtio_blk "$S/bus/virtio/drivers/virtio_blk/module"
ln -s ../../../../module/virtio_pci "$S/bus/pci/drivers/virtio-pci/module"
ln -s ../../../../module/ahci "$S/bus/pci/drivers/ahci/module"
ln -s ../../../../module/sd_mod "$S/bus/scsi/drivers/sd/module"
ln -s ../../../../bus/virtio/drivers/virtio_blk "$S/devices/pci0000:00/0000:00:05.0/virtio2/driver"
ln -s ../../../bus/pci/drivers/virtio-pci "$S/devices/pci0000:00/0000:00:05.0/driver"
ln -s ../../../bus/pci/drivers/ahci "$S/devices/pci0000:00/0000:00:1f.2/driver"
ln -s ../../../../../../../bus/scsi/drivers/sd "$S/devices/pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0/driver"
ln -s ../../../../pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0/block/sda/sda2 \
        "$S/devices/virtual/block/dm-0/slaves/sda2"
ln -s ../../devices/pci0000:00/0000:00:05.0/virtio2/block/vdb/vdb1 "$S/dev/block/254:17"
ln -s ../../devices/virtual/block/dm-0 "$S/dev/block/254:2"
