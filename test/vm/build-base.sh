#!/bin/bash
# Build and cache the Debian 12 guest tree that every VM scenario starts from.
#
#   stage 1  debootstrap --variant=minbase     -> $CACHE/tree      (marker .stage1)
#   stage 2  apt-get install the package set   -> same tree        (marker .stage2)
#   stage 3  kernel version, vmlinuz and the first-kernel initrd, copied beside
#            the tree: $CACHE/kver, $CACHE/vmlinuz, $CACHE/initrd.img
#
# Each marker holds a hash of what produced its stage (suite, mirror, package
# list); a different hash redoes the stage and everything after it.  Nothing is
# loop-mounted; /proc, /sys and /dev are bind-mounted into the tree only while
# apt runs, and a trap unmounts them on every exit.
#
# Usage: build-base.sh [--force]
# Env:   KDUMPKIT_VM_CACHE (default /var/tmp/kdumpkit-vm), MIRROR, SECURITY_MIRROR,
#        KDUMPKIT_VM_EXTRA_PKGS (more guest packages), BUILD_TIMEOUT (s, per step, 1200)
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

# Guest packages.  dracut-core, not dracut: the latter conflicts with
# initramfs-tools, which builds the first kernel's initrd.  dracut-network
# (it needs only dracut-core): Debian ships dracut's network modules there,
# and the capture initramfs of an ssh or nfs target depends on "network",
# which with systemd is systemd-networkd, which needs dbus (dbus-daemon).
PKGS=(
	linux-image-amd64 systemd systemd-sysv udev kmod dbus
	kexec-tools makedumpfile dracut-core dracut-network initramfs-tools
	cpio zstd xz-utils e2fsprogs xfsprogs
	iproute2 procps util-linux
	libmount1 libssh2-1 libnfs13 libssl3 openssh-client busybox
)
# shellcheck disable=SC2206 # word splitting is the point
PKGS+=(${KDUMPKIT_VM_EXTRA_PKGS:-})

BUILD_TIMEOUT=${BUILD_TIMEOUT:-1200}
[ "${1:-}" = --force ] && FORCE=1
[ "$(id -u)" = 0 ] || die "must run as root (debootstrap, chroot)"
for t in debootstrap chroot mountpoint flock sha256sum; do
	command -v "$t" >/dev/null || die "missing host tool: $t"
done

mapfile -t uris < <(host_apt_uris)
MIRROR=${MIRROR:-$(printf '%s\n' "${uris[@]}" | grep -v -m1 security || true)}
SECURITY_MIRROR=${SECURITY_MIRROR:-$(printf '%s\n' "${uris[@]}" | grep -m1 security || true)}
[ -n "$MIRROR" ] || die "no Debian mirror found in /etc/apt/sources*; set MIRROR="

mkdir -p "$CACHE/debs" "$CACHE/apt-archives/partial"
# One builder at a time (scenarios may start in parallel); bounded wait.
exec 9>"$CACHE/.build.lock"
flock -w "$BUILD_TIMEOUT" 9 || die "another build-base.sh holds $CACHE/.build.lock"

HASH1=$(printf '%s\n' "$SUITE" minbase "$MIRROR" | sha256sum | cut -c1-16)
HASH2=$(printf '%s\n' "$HASH1" "$SECURITY_MIRROR" "${PKGS[@]}" | LC_ALL=C sort | sha256sum | cut -c1-16)

MOUNTS=(proc sys dev dev/pts var/cache/apt/archives)
mounts_down() {
	local i d
	for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
		d=$TREE/${MOUNTS[i]}
		if mountpoint -q "$d" 2>/dev/null; then
			umount "$d" 2>/dev/null || umount -l "$d"
		fi
	done
}
mounts_up() {
	mount --bind /proc "$TREE/proc"
	mount --bind /sys "$TREE/sys"
	mount --bind /dev "$TREE/dev"
	mount --bind /dev/pts "$TREE/dev/pts"
	# .debs live outside the tree: rebuilds reuse them and the tree stays small.
	mkdir -p "$TREE/var/cache/apt/archives"
	mount --bind "$CACHE/apt-archives" "$TREE/var/cache/apt/archives"
}
trap mounts_down EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# Never recurse into a bind mount of the host's /dev.
remove_tree() {
	mounts_down
	if findmnt -rn -o TARGET | grep -q "^$TREE/"; then
		die "something is still mounted under $TREE; refusing to remove it"
	fi
	rm -rf --one-file-system "$TREE"
}

marker_ok() { [ -e "$TREE/$1" ] && [ "$(cat "$TREE/$1")" = "$2" ]; }

t0=$(now)
if [ "${FORCE:-0}" = 1 ] || ! marker_ok .stage1 "$HASH1" || ! marker_ok .stage2 "$HASH2"; then
	# Stage 2 changes the tree, so a new package list restarts from stage 1
	# (cheap: debootstrap reuses the .debs in $CACHE/debs).
	if [ -d "$TREE" ]; then
		log "removing stale tree $TREE"
		remove_tree
	fi
fi

if ! marker_ok .stage1 "$HASH1"; then
	log "stage 1: debootstrap --variant=minbase $SUITE from $MIRROR"
	s=$(now)
	timeout --foreground "$BUILD_TIMEOUT" debootstrap --variant=minbase --cache-dir="$CACHE/debs" \
		"$SUITE" "$TREE" "$MIRROR"
	echo "$HASH1" >"$TREE/.stage1"
	log "stage 1 done in $(elapsed "$s")s"
fi

if ! marker_ok .stage2 "$HASH2"; then
	log "stage 2: apt-get install ${#PKGS[@]} packages"
	s=$(now)
	{
		echo "deb $MIRROR $SUITE main"
		echo "deb $MIRROR $SUITE-updates main"
		[ -z "$SECURITY_MIRROR" ] || echo "deb $SECURITY_MIRROR $SUITE-security main"
	} >"$TREE/etc/apt/sources.list"
	# No daemon may start inside the chroot.
	printf '#!/bin/sh\nexit 101\n' >"$TREE/usr/sbin/policy-rc.d"
	chmod 0755 "$TREE/usr/sbin/policy-rc.d"
	mounts_up
	in_tree() { timeout --foreground "$BUILD_TIMEOUT" chroot "$TREE" env DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 "$@"; }
	# kexec-tools must not turn reboots into kexec reboots: -no-reboot relies on real ones.
	echo 'kexec-tools kexec-tools/load_kexec boolean false' | in_tree debconf-set-selections
	in_tree apt-get -q update
	in_tree apt-get -q -y --no-install-recommends install "${PKGS[@]}"
	mounts_down
	rm -f "$TREE/usr/sbin/policy-rc.d"
	rm -rf "$TREE/var/lib/apt/lists/"*_Packages* "$TREE/var/lib/apt/lists/"*_Translation*
	echo "$HASH2" >"$TREE/.stage2"
	log "stage 2 done in $(elapsed "$s")s"
fi

# Stage 3: kernel and first-kernel initrd beside the tree, for qemu -kernel/-initrd.
kver=$(find "$TREE/lib/modules" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n1)
if [ -z "$kver" ] || [ ! -e "$TREE/boot/vmlinuz-$kver" ]; then die "no kernel in $TREE"; fi
[ -e "$TREE/boot/initrd.img-$kver" ] || die "no initrd for $kver in $TREE/boot"
if [ "$(cat "$CACHE/kver" 2>/dev/null)" != "$kver" ] ||
	! cmp -s "$TREE/boot/initrd.img-$kver" "$CACHE/initrd.img" ||
	! cmp -s "$TREE/boot/vmlinuz-$kver" "$CACHE/vmlinuz"; then
	cp "$TREE/boot/vmlinuz-$kver" "$CACHE/vmlinuz.tmp"
	cp "$TREE/boot/initrd.img-$kver" "$CACHE/initrd.img.tmp"
	mv "$CACHE/vmlinuz.tmp" "$CACHE/vmlinuz"
	mv "$CACHE/initrd.img.tmp" "$CACHE/initrd.img"
	echo "$kver" >"$CACHE/kver"
fi
log "base ready in $(elapsed "$t0")s: kernel $kver, tree $(du -sh --one-file-system "$TREE" | cut -f1), cache $CACHE"
