#!/bin/bash
# Make the disk images for one scenario run, from the cached base tree.
#
#   1. copy $TREE (the suite's guest tree, common.sh) to RUN_DIR/tree (cp -a,
#      ~3 s; reflinks where possible)
#   2. guest configuration: hostname, fstab, empty root password, quiet
#      console, the test driver unit
#   3. install kdumpkit's package, which build-product.sh built in the
#      suite's build tree ($PRODUCT_DEB_DIR/kdumpkit_*.deb): dpkg -i in a
#      chroot of the tree, maintainer scripts and all (its postinst enables
#      kdump.service); dpkg must then say "install ok installed"
#   4. scenario files: kdump.conf -> /etc/kdump.conf, files/ copied over the
#      tree, setup_tree() from scenario.conf
#   5. PREBUILD=1: build the capture initramfs now, in a chroot
#      (prebuild_capture_initramfs below); PREBUILD=host: from outside the
#      tree with the host's kdumpctl (prebuild_from_host); PREBUILD=dracut:
#      a plain `dracut --add kdumpbase` in a chroot (prebuild_plain_dracut);
#      PREBUILD=kernel-postinst: the kernel package's postinst in a chroot
#   6. mkfs.ext4 -d (or ROOT_FS=btrfs-subvol) -> RUN_DIR/root.img
#      (LABEL=kdumproot) and one image per DISKS entry; RUN_DIR/disks.list
#      names them for run-guest.sh
#
# No loop mounts anywhere: file systems are made populated (mkfs.ext4 -d,
# mkfs.xfs -p protofile).
#
# Usage: mkimage.sh SCENARIO_DIR [RUN_DIR]      (RUN_DIR default $RUNS/<name>)
# Env:   DISTRO, KERNEL, KDUMPKIT_VM_CACHE, KDVM_PRODUCT=0|1, KDVM_PREBUILD=0|1 (override the
#        scenario's PRODUCT, PREBUILD), KDVM_KEEP_TREE=1 (keep RUN_DIR/tree),
#        PREBUILD_TIMEOUT (s, default 900)
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	echo "usage: ${0##*/} SCENARIO_DIR [RUN_DIR]" >&2
	exit 64
fi
[ "$(id -u)" = 0 ] || die "must run as root (cp -a of a root-owned tree, chroot)"
load_scenario "$1"
PRODUCT=${KDVM_PRODUCT:-$PRODUCT}
PREBUILD=${KDVM_PREBUILD:-$PREBUILD}
RUN_DIR=${2:-$RUNS/$SCENARIO}
RT=$RUN_DIR/tree
PREBUILD_TIMEOUT=${PREBUILD_TIMEOUT:-900}

if [ ! -e "$TREE/.stage2" ] || [ ! -s "$SUITE_DIR/kver" ]; then
	die "no base tree in $SUITE_DIR: run build-base.sh first"
fi
KVER=$(cat "$SUITE_DIR/kver")

trap chroot_mounts_down EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

remove_run_tree() {
	chroot_mounts_down
	if findmnt -rn -o TARGET | grep -q "^$RT/"; then
		die "something is still mounted under $RT; refusing to remove it"
	fi
	rm -rf --one-file-system "$RT"
}

# ----------------------------------------------------------------------------
# ADJUST HERE: how the capture initramfs is built at image-build time
# (PREBUILD=1).  `kdumpctl rebuild --sysroot DIR [--kver VER]` builds it for
# the system under DIR without probing the build host, and stores it with its
# manifest below DIR, where `kdumpctl start` at boot finds it up to date.  It
# runs in a chroot of the guest tree, so that the guest's own dracut, dracut
# modules (ours included, from the package) and libraries are used; --kver,
# because the kernel the chroot sees in `uname -r` is the host's.
# ----------------------------------------------------------------------------
prebuild_capture_initramfs() {
	local rc=0
	chroot_mounts_up "$RT"
	timeout --foreground -k 10 "$PREBUILD_TIMEOUT" chroot "$RT" \
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 \
		kdumpctl rebuild --sysroot / --kver "$KVER" || rc=$?
	chroot_mounts_down
	return "$rc"
}

# PREBUILD=host: as an image builder does it, from outside the tree: the
# build host's own kdumpctl (built here for the host, against the host's
# libraries) runs `rebuild --sysroot RUN_TREE`, which must use the tree's
# dracut and modules, not the host's (Debian 12's dracut 059 for a 13 tree).
# Nothing is mounted into the tree: kdumpctl's unshare gives that dracut its
# /proc; the tree's /dev has debootstrap's device nodes.
prebuild_from_host() {
	local rc=0 hb=build/vm-host
	make -C "$REPO_DIR" --no-print-directory -s B="$hb" "$hb/kdumpctl" >"$RUN_DIR/host-make.log" 2>&1 ||
		{ cat "$RUN_DIR/host-make.log" >&2; return 1; }
	timeout --foreground -k 10 "$PREBUILD_TIMEOUT" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 \
		"$REPO_DIR/$hb/kdumpctl" rebuild --sysroot "$RT" --kver "$KVER" || rc=$?
	return "$rc"
}

# PREBUILD=dracut: an image builder calling dracut itself, in a chroot of
# the tree, with nothing of kdumpctl's: `dracut --add kdumpbase OUT KVER`
# (the module asks `kdumpctl bake` for the configuration and manifest).
prebuild_plain_dracut() {
	local rc=0 img=/var/lib/kdump/initramfs-${KVER}kdump.img
	mkdir -p "$RT/var/lib/kdump"
	chroot_mounts_up "$RT"
	timeout --foreground -k 10 "$PREBUILD_TIMEOUT" chroot "$RT" \
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 \
		dracut --add kdumpbase "$img" "$KVER" || rc=$?
	chroot_mounts_down
	return "$rc"
}

# PREBUILD=kernel-postinst: the kernel package's own postinst, as apt runs
# it when a kernel is installed (dpkg-reconfigure linux-image-KVER: run-parts
# /etc/kernel/postinst.d, kdumpkit's hook among them), in a chroot.
prebuild_kernel_postinst() {
	local rc=0
	chroot_mounts_up "$RT"
	timeout --foreground -k 10 "$PREBUILD_TIMEOUT" chroot "$RT" \
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive \
		dpkg-reconfigure "linux-image-$KVER" || rc=$?
	chroot_mounts_down
	[ -s "$RT/var/lib/kdump/initramfs-${KVER}kdump.img" ] ||
		{ echo "the kernel's postinst built no capture image" >&2; rc=1; }
	return "$rc"
}

# The package's Depends (and Recommends, which apt would install) are in
# build-base.sh's guest list; a tree cached from an older list may lack one,
# and dpkg names it.  No apt here: the trees keep no package lists.
install_product() {
	local debs deb rc=0 status
	debs=("$PRODUCT_DEB_DIR"/kdumpkit_*.deb)
	[ -f "${debs[0]}" ] || die "kdumpkit is not packaged for $DISTRO: run build-product.sh (no $PRODUCT_DEB_DIR/kdumpkit_*.deb)"
	[ "${#debs[@]}" = 1 ] || die "more than one package in $PRODUCT_DEB_DIR: ${debs[*]}"
	deb=${debs[0]##*/}
	log "installing $deb with dpkg -i in a chroot"
	mkdir -p "$RT/var/cache/kdvm"
	cp "${debs[0]}" "$RT/var/cache/kdvm/$deb"
	# The maintainer scripts run for real: debconf's question is answered
	# "no" (its default; in a chroot it is not even asked), debhelper's
	# part enables kdump.service; a policy-rc.d starts nothing.
	printf '#!/bin/sh\nexit 101\n' >"$RT/usr/sbin/policy-rc.d"
	chmod 0755 "$RT/usr/sbin/policy-rc.d"
	chroot_mounts_up "$RT"
	echo 'kdumpkit kdumpkit/reset-crashkernel boolean false' | in_run_tree debconf-set-selections
	in_run_tree dpkg -i "/var/cache/kdvm/$deb" >"$RUN_DIR/dpkg-install.log" 2>&1 || rc=$?
	# shellcheck disable=SC2016 # dpkg-query's ${Status}
	status=$(in_run_tree dpkg-query -W -f='${Status} ${Version}' kdumpkit 2>/dev/null || true)
	chroot_mounts_down
	rm -f "$RT/usr/sbin/policy-rc.d" "$RT/var/cache/kdvm/$deb"
	rmdir "$RT/var/cache/kdvm"
	sed 's/^/  dpkg: /' "$RUN_DIR/dpkg-install.log" >&2
	if grep -q 'dependency problems' "$RUN_DIR/dpkg-install.log"; then
		die "the cached guest tree $TREE lacks what kdumpkit depends on:" \
			"$(sed -nE 's/^ kdumpkit (pre-)?depends on ([^;]*);.*/\2/p' "$RUN_DIR/dpkg-install.log" | paste -sd, -);" \
			"add it to build-base.sh's GUEST_PKGS, which rebuilds the tree (or: build-base.sh --force guest)"
	fi
	[ "$rc" = 0 ] || die "dpkg -i $deb failed with status $rc (log: $RUN_DIR/dpkg-install.log)"
	[[ $status == "install ok installed "* ]] || die "dpkg -s kdumpkit after dpkg -i: '$status', not installed"
	systemctl --root "$RT" --quiet is-enabled kdump.service ||
		die "kdump.service is not enabled after dpkg -i $deb (its postinst should have)"
	log "kdumpkit ${status##* } installed, kdump.service enabled"
}
in_run_tree() {
	timeout --foreground -k 10 "$PREBUILD_TIMEOUT" chroot "$RT" \
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 HOME=/root DEBIAN_FRONTEND=noninteractive "$@"
}

guest_config() {
	echo kdumpvm >"$RT/etc/hostname"
	printf '127.0.0.1\tlocalhost\n127.0.1.1\tkdumpvm\n' >"$RT/etc/hosts"
	printf 'LABEL=kdumproot\t/\text4\trw,errors=remount-ro\t0 1\n' >"$RT/etc/fstab"
	sed -i 's/^root:[^:]*:/root::/' "$RT/etc/shadow"
	# The default dump directory, as a kdump package ships it.
	mkdir -p "$RT/var/crash"
	# The serial line belongs to the harness; no logins, no journal on it.
	ln -sfn /dev/null "$RT/etc/systemd/system/serial-getty@ttyS0.service"
	ln -sfn /dev/null "$RT/etc/systemd/system/getty@tty1.service"
	mkdir -p "$RT/etc/systemd/journald.conf.d"
	printf '[Journal]\nStorage=volatile\nForwardToConsole=no\n' \
		>"$RT/etc/systemd/journald.conf.d/50-kdumpkit-vm.conf"
	# Nothing but the test may slow the boot down or touch the disks.
	systemctl --root "$RT" --quiet mask apt-daily.timer apt-daily-upgrade.timer \
		dpkg-db-backup.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer
	# First-boot caches (ConditionNeedsUpdate=): dpkg's triggers made them
	# in the tree already; under TCG they cost the first boot 10-20 s.
	systemctl --root "$RT" --quiet mask ldconfig.service systemd-journal-catalog-update.service \
		systemd-hwdb-update.service systemd-update-done.service
	install -D -m 0755 "$VM_DIR/guest/kdumpkit-vmtest" "$RT/usr/local/sbin/kdumpkit-vmtest"
	install -D -m 0644 "$VM_DIR/guest/kdumpkit-vmtest.service" \
		"$RT/etc/systemd/system/kdumpkit-vmtest.service"
	systemctl --root "$RT" --quiet enable kdumpkit-vmtest.service
}

# Write an xfs protofile (mkfs.xfs -p) describing directory $1.
xfs_protofile() {
	echo "kdumpkit-vm"
	echo "0 0"
	echo "d--755 0 0"
	proto_entries "$1" " "
	echo "\$"
}
proto_entries() {
	local e name
	for e in "$1"/*; do
		[ -e "$e" ] || continue
		name=${e##*/}
		if [ -d "$e" ]; then
			echo "$2$name d--755 0 0"
			proto_entries "$e" "$2 "
			echo "$2\$"
		elif [ -f "$e" ]; then
			echo "$2$name ---644 0 0 $e"
		fi
	done
}

# DISKS entry: "SERIAL FSTYPE SIZE [uuid=U] [label=L] [mkdir=/a,/b] [fstab=/mnt/x]
# [gpt=PARTUUID]": gpt= puts the file system in the one partition (from
# 1 MiB to the end) of a GPT disk, with that PARTUUID (fstab= then uses it).
make_disk() {
	local serial fstype size opt uuid="" label="" mkdirs="" mnt="" img stage d spec part="" fsimg
	read -r serial fstype size opt <<<"$1"
	for opt in $opt; do
		case "$opt" in
		uuid=*) uuid=${opt#uuid=} ;;
		label=*) label=${opt#label=} ;;
		mkdir=*) mkdirs=${opt#mkdir=} ;;
		fstab=*) mnt=${opt#fstab=} ;;
		gpt=*) part=${opt#gpt=} ;;
		*) die "DISKS: unknown option '$opt' in '$1'" ;;
		esac
	done
	[ "${#serial}" -le 20 ] || die "DISKS: serial '$serial' longer than 20 characters"
	img=$RUN_DIR/disk-$serial.img
	stage=$RUN_DIR/stage-$serial
	rm -rf "$stage" "$img"
	mkdir -p "$stage"
	for d in ${mkdirs//,/ }; do mkdir -p "$stage/$d"; done
	truncate -s "$size" "$img"
	if [ -n "$part" ]; then
		# the partition's file system is made apart, then copied in
		# (no loop devices here); the backup GPT takes the last 33 sectors
		printf 'label: gpt\nstart=2048, size=%s, uuid=%s\n' \
			"$((($(stat -c %s "$img") - 2 * 1048576) / 512))" "$part" | sfdisk -q "$img"
		fsimg=$img
		img=$RUN_DIR/part-$serial.img
		truncate -s "$(($(stat -c %s "$fsimg") - 2 * 1048576))" "$img"
	fi
	case "$fstype" in
	ext4)
		mkfs.ext4 -q -F ${uuid:+-U "$uuid"} ${label:+-L "$label"} -d "$stage" "$img"
		;;
	xfs)
		xfs_protofile "$stage" >"$RUN_DIR/proto-$serial"
		mkfs.xfs -q -f ${uuid:+-m uuid="$uuid"} ${label:+-L "$label"} \
			-p "$RUN_DIR/proto-$serial" "$img"
		;;
	btrfs)
		mkfs.btrfs -q -f ${uuid:+-U "$uuid"} ${label:+-L "$label"} --rootdir "$stage" "$img" >/dev/null
		;;
	raw) ;;
	*) die "DISKS: unknown file system '$fstype' in '$1'" ;;
	esac
	rm -rf "$stage" "$RUN_DIR/proto-$serial"
	if [ -n "$part" ]; then
		dd if="$img" of="$fsimg" bs=1M seek=1 conv=notrunc,sparse status=none
		rm -f "$img"
		img=$fsimg
	fi
	if [ -n "$mnt" ]; then
		[ "$fstype" != raw ] || die "DISKS: fstab= needs a file system"
		spec=${part:+PARTUUID=$part}
		spec=${spec:-${uuid:+UUID=$uuid}}
		spec=${spec:-${label:+LABEL=$label}}
		[ -n "$spec" ] || die "DISKS: fstab= needs uuid=, label= or gpt="
		mkdir -p "$RT/$mnt"
		# 90 s: udev's coldplug under TCG on a busy 2-core host can take
		# longer than 20 s to name the disk.
		printf '%s\t%s\t%s\tdefaults,x-systemd.device-timeout=90s\t0 2\n' \
			"$spec" "$mnt" "$fstype" >>"$RT/etc/fstab"
	fi
	echo "$img $serial" >>"$RUN_DIR/disks.list"
}

t0=$(now)
mkdir -p "$RUN_DIR"
rm -f "$RUN_DIR"/*.img "$RUN_DIR/disks.list" "$RUN_DIR/image.env"
rm -rf "$RUN_DIR"/*.btrfs "$RUN_DIR"/expect-*.img # fsread.py's, run-scenarios.sh's copies
[ ! -e "$RT" ] || remove_run_tree

log "$SCENARIO: copying base tree"
cp -a --reflink=auto "$TREE" "$RT"
rm -f "$RT"/.stage*
guest_config

if [ "$PRODUCT" = 1 ]; then
	install_product
else
	log "$SCENARIO: PRODUCT=0, kdumpkit not installed (harness self-test)"
fi
[ ! -f "$SCENARIO_DIR/kdump.conf" ] || install -m 0644 "$SCENARIO_DIR/kdump.conf" "$RT/etc/kdump.conf"
[ ! -d "$SCENARIO_DIR/files" ] || cp -a "$SCENARIO_DIR/files/." "$RT/"
setup_tree "$RT"

echo "$RUN_DIR/root.img kdumproot" >"$RUN_DIR/disks.list"
for spec in "${DISKS[@]}"; do make_disk "$spec"; done

t_pre=0
case "$PREBUILD" in
0) ;;
1) prebuild=(prebuild_capture_initramfs "prebuilding the capture initramfs in a chroot") ;;
host) prebuild=(prebuild_from_host "building the capture initramfs from the host: kdumpctl rebuild --sysroot $RT") ;;
dracut) prebuild=(prebuild_plain_dracut "building the capture initramfs with a plain dracut --add kdumpbase in a chroot") ;;
kernel-postinst) prebuild=(prebuild_kernel_postinst "running the kernel package's postinst in a chroot (its kdumpkit hook builds the image)") ;;
*) die "PREBUILD=$PREBUILD: expected 0, 1, host, dracut or kernel-postinst" ;;
esac
if [ "$PREBUILD" != 0 ]; then
	[ "$PRODUCT" = 1 ] || die "PREBUILD=$PREBUILD needs PRODUCT=1"
	log "$SCENARIO: ${prebuild[1]}"
	s=$(now)
	"${prebuild[0]}" || die "${prebuild[1]}: failed"
	t_pre=$(elapsed "$s")
fi

# ROOT_FS=btrfs-subvol: Fedora's layout, the top level holding the
# subvolumes root (the tree) and home.  mkfs.btrfs --subvol is btrfs-progs
# 6.12's: the trixie build tree's, run with its own loader and libraries
# (no chroot: the stage and the image stay where they are).
mkfs_btrfs_subvol() {
	local b=$CACHE/trixie/build
	[ -x "$b/usr/sbin/mkfs.btrfs" ] ||
		die "ROOT_FS=btrfs-subvol needs trixie's mkfs.btrfs: run DISTRO=trixie build-base.sh build"
	mkdir -p "$RUN_DIR/btrfs-stage"
	mv "$RT" "$RUN_DIR/btrfs-stage/root"
	mkdir -p "$RUN_DIR/btrfs-stage/home"
	"$b/lib64/ld-linux-x86-64.so.2" --library-path "$b/usr/lib/x86_64-linux-gnu:$b/lib/x86_64-linux-gnu" \
		"$b/usr/sbin/mkfs.btrfs" -q -f -L kdumproot --rootdir "$RUN_DIR/btrfs-stage" \
		--subvol rw:root --subvol rw:home "$RUN_DIR/root.img" >/dev/null
	mv "$RUN_DIR/btrfs-stage/root" "$RT"
	rm -rf "$RUN_DIR/btrfs-stage"
}

log "$SCENARIO: root file system $ROOT_FS ($ROOT_SIZE)"
truncate -s "$ROOT_SIZE" "$RUN_DIR/root.img"
case "$ROOT_FS" in
ext4) mkfs.ext4 -q -F -L kdumproot -d "$RT" "$RUN_DIR/root.img" ;;
btrfs-subvol) mkfs_btrfs_subvol ;;
*) die "ROOT_FS: unknown '$ROOT_FS'" ;;
esac

[ "${KDVM_KEEP_TREE:-0}" = 1 ] || remove_run_tree
cat >"$RUN_DIR/image.env" <<EOF
SCENARIO=$SCENARIO
KVER=$KVER
IMAGE_BUILD_S=$(elapsed "$t0")
PREBUILD_S=$t_pre
EOF
log "$SCENARIO: images ready in $(elapsed "$t0")s in $RUN_DIR"
