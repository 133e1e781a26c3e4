#!/bin/bash
# Build and cache the peer guest tree for `make bench`: a copy of the VM
# harness's base tree with Debian's own kdump-tools installed from apt, its
# capture initrd prebuilt in the chroot, configured to dump locally.
#
# For the guest suite (DISTRO, KERNEL: test/vm/common.sh), $PC below is
# $CACHE/bench/<suite>/peer-cache, a cache of test/vm's layout of its own:
#   $PC/<suite>/tree        the tree (marker .bench-peer holds the hash
#                           of the base tree's marker and this script)
#   $PC/<suite>/{vmlinuz,initrd.img,kver}
#                           links to the base's: both guests boot the
#                           same first kernel and initrd
#   $PC/peer.env            KDUMP_TOOLS_VERSION, MKINITRAMFS_S, PEER_INITRD
#
# kdump-tools' own build (MODULES=dep) fails in a chroot, and kdump-config load
# rebuilds the initrd in the guest (~140 s under TCG) when there is none or when
# /etc/kdump/sysctl.conf differs from the latest_sysctls snapshot; so, as the
# proven recipe does, build it here with MODULES=list (virtio + ext4) and copy
# the snapshot.  The build is timed: that is the peer's initramfs build time.
#
# Usage: build-peer.sh       (root; after test/vm/build-base.sh)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=test/vm/common.sh
. "$HERE/../test/vm/common.sh"

[ "$(id -u)" = 0 ] || die "must run as root (cp -a, chroot, apt-get)"
if [ ! -e "$TREE/.stage2" ] || [ ! -s "$SUITE_DIR/kver" ]; then die "no base tree in $SUITE_DIR: run test/vm/build-base.sh"; fi
KVER=$(cat "$SUITE_DIR/kver")
PC=$CACHE/bench/$DISTRO_ID/peer-cache
PT=$PC/$DISTRO_ID/tree
BUILD_TIMEOUT=${BUILD_TIMEOUT:-1200}
HASH=$(cat "$TREE/.stage2" "$0" | sha256sum | cut -c1-16)

mkdir -p "$PC/$DISTRO_ID"
ln -sfn "$SUITE_DIR/vmlinuz" "$PC/$DISTRO_ID/vmlinuz"
ln -sfn "$SUITE_DIR/initrd.img" "$PC/$DISTRO_ID/initrd.img"
ln -sfn "$SUITE_DIR/kver" "$PC/$DISTRO_ID/kver"
if [ "$(cat "$PT/.bench-peer" 2>/dev/null)" = "$HASH" ] && [ -s "$PC/peer.env" ]; then
	log "peer tree up to date ($PT)"
	exit 0
fi

trap chroot_mounts_down EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP
in_tree() { timeout --foreground "$BUILD_TIMEOUT" chroot "$PT" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
	DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 "$@"; }

s=$(now)
if [ -e "$PT" ]; then
	findmnt -rn -o TARGET | grep -q "^$PT/" && die "something is mounted under $PT"
	rm -rf --one-file-system "$PT"
fi
log "copying the base tree to $PT"
cp -a --reflink=auto "$TREE" "$PT"
rm -f "$PT/.bench-peer"   # .stage* stay: mkimage.sh checks them

printf '#!/bin/sh\nexit 101\n' >"$PT/usr/sbin/policy-rc.d"
chmod 0755 "$PT/usr/sbin/policy-rc.d"
chroot_mounts_up "$PT"
log "apt-get install kdump-tools (in the peer tree only)"
echo 'kdump-tools kdump-tools/use_kdump boolean true' | in_tree debconf-set-selections
in_tree apt-get -q update >/dev/null
in_tree apt-get -q -y --no-install-recommends install kdump-tools
in_tree apt-get clean
rm -f "$PT/usr/sbin/policy-rc.d"
rm -rf "$PT/var/lib/apt/lists/"*_Packages* "$PT/var/lib/apt/lists/"*_Translation*
# shellcheck disable=SC2016 # dpkg-query's format, not a shell expansion
VERSION=$(chroot "$PT" dpkg-query -W -f='${Version}' kdump-tools)

# Dump locally to /var/crash (the package default), kdump on.
sed -i -e 's/^#\?USE_KDUMP=.*/USE_KDUMP=1/' "$PT/etc/default/kdump-tools"

log "prebuilding the kdump-tools initrd (mkinitramfs, MODULES=list)"
KI=/var/lib/kdump/initrd.img-$KVER
D=$PT/var/lib/kdump/initramfs-tools
mkdir -p "$PT/var/lib/kdump"
rm -rf "$D"
cp -pr "$PT/etc/initramfs-tools" "$D"
mkdir -p "$D/conf.d"
echo MODULES=list >"$D/conf.d/zzz-kdump"
printf '%s\n' virtio_pci virtio_blk ext4 crc32c_generic >>"$D/modules"
echo KDUMP=y >>"$D/initramfs.conf"
t=$(now)
in_tree mkinitramfs -d /var/lib/kdump/initramfs-tools -o "$KI" "$KVER"
MK_S=$(elapsed "$t")
chroot_mounts_down
ln -sfn "initrd.img-$KVER" "$PT/var/lib/kdump/initrd.img"
ln -sfn "/boot/vmlinuz-$KVER" "$PT/var/lib/kdump/vmlinuz"
# kdump-config load deletes and rebuilds the initrd when this snapshot differs.
sysf=$(sed -n 's/^KDUMP_SYSCTL_FILE=//p' "$PT/usr/sbin/kdump-config" | tr -d '"' | head -n1)
if [ -z "$sysf" ] || [ ! -e "$PT$sysf" ]; then die "cannot find kdump-tools' KDUMP_SYSCTL_FILE"; fi
cp "$PT$sysf" "$PT/var/lib/kdump/latest_sysctls-$KVER"

cat >"$PC/peer.env" <<EOT
KDUMP_TOOLS_VERSION=$VERSION
MKINITRAMFS_S=$MK_S
PEER_INITRD=$KI
EOT
echo "$HASH" >"$PT/.bench-peer"
log "peer tree ready in $(elapsed "$s")s: kdump-tools $VERSION, initrd $(stat -c %s "$PT$KI") bytes (mkinitramfs ${MK_S}s)"
