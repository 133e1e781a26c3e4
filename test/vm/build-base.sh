#!/bin/bash
# Build and cache the trees of one Debian suite (DISTRO, KERNEL: common.sh):
#
#   guest  $SUITE_DIR/tree    the guest every VM scenario starts from
#            stage 1  debootstrap --variant=minbase        (marker .stage1)
#            stage 2  apt-get install the guest packages   (marker .stage2)
#            stage 3  kver, vmlinuz and the first-kernel initrd beside it
#   build  $SUITE_DIR/build   a build tree of the same suite (compiler, -dev
#            packages): kdumpkit is built there, never against the host's
#            libraries (build-product.sh); `make check-fast-chroot` runs the
#            fast tests in it
#
# Each marker holds a hash of what produced its stage (suite, mirror, package
# list); a different hash redoes the stage and everything after it.  Nothing is
# loop-mounted; /proc, /sys and /dev are bind-mounted into a tree only while
# apt runs, and a trap unmounts them on every exit.
#
# Usage: build-base.sh [--force] [guest|build]...     (default: guest build)
# Env:   DISTRO (bookworm|trixie|forky, default trixie), KERNEL (backports),
#        KDUMPKIT_VM_CACHE (default /var/tmp/kdumpkit-vm), MIRROR, SECURITY_MIRROR,
#        KDUMPKIT_VM_EXTRA_PKGS (more guest packages), BUILD_TIMEOUT (s, per step, 1200)
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

# Guest packages.  dracut-core, not dracut: the latter conflicts with
# initramfs-tools, which builds the first kernel's initrd.  dracut-network
# (it needs only dracut-core): Debian ships dracut's network modules there,
# and the capture initramfs of an ssh or nfs target depends on "network",
# which with systemd is systemd-networkd, which needs dbus (dbus-daemon).
# Library packages are named by what the suite calls them (libnfs13 on 12,
# libnfs14 on 13; the t64 renames) through the -dev package's dependency, in
# stage 2 (guest_lib_pkgs).  dracut's squash modules with both of their back
# ends: the capture image's squashed root (kdumpctl/dracut.c).
GUEST_PKGS=(
	linux-image-amd64 systemd systemd-sysv udev kmod dbus
	kexec-tools makedumpfile dracut-core dracut-network initramfs-tools
	cpio zstd xz-utils e2fsprogs xfsprogs btrfs-progs lvm2
	iproute2 procps util-linux openssh-client busybox
	squashfs-tools erofs-utils
)
# dracut's squash modules: their own package up to Debian 13, in dracut-core from 14 on
[ "$DISTRO" = forky ] || GUEST_PKGS+=(dracut-squash)
# fence_kdump_send, which a fence_kdump_nodes image carries, and fence_kdump,
# the listener the fence scenario runs in a network namespace: Debian 13 split
# them into fence-agents-kdump, 12 has them in fence-agents.  grub2-common and
# grub-pc-bin: update-grub (grub-mkconfig), which reset-crashkernel runs.
if [ "$DISTRO" = bookworm ]; then GUEST_PKGS+=(fence-agents); else GUEST_PKGS+=(fence-agents-kdump); fi
GUEST_PKGS+=(grub2-common grub-pc-bin)
# shellcheck disable=SC2206 # word splitting is the point
GUEST_PKGS+=(${KDUMPKIT_VM_EXTRA_PKGS:-})
# The runtime libraries kdumpkit links: the packages the -dev packages of the
# build tree depend on, resolved in the guest tree with apt-cache.
GUEST_LIB_DEVS=(libmount-dev libssh2-1-dev libnfs-dev libssl-dev libblkid-dev libzstd-dev zlib1g-dev)

# Build tree: what `make all` needs.  systemd.pc moved to systemd-dev in 13.
# BUILD_DEB_PKGS (common.sh): the Debian package (debian/), built in the
# suite's tree by build-product.sh (which adds them to a tree cached without).
BUILD_PKGS=(build-essential pkg-config libmount-dev libssh2-1-dev libnfs-dev libssl-dev
	zlib1g-dev libblkid-dev libzstd-dev systemd dracut-core
	zstd cpio # lsinitrd of the capture images (hostsrv.sh: initramfs_list)
	squashfs-tools # lsinitrd of a squashed capture image
	"${BUILD_DEB_PKGS[@]}")
[ "$DISTRO" = bookworm ] || BUILD_PKGS+=(systemd-dev)
# mkfs.btrfs --subvol (btrfs-progs 6.12): the btrfs-root scenario's image
[ "$DISTRO" = bookworm ] || BUILD_PKGS+=(btrfs-progs)
[ "$DISTRO" = bookworm ] || BUILD_PKGS+=(crash) # crash-check.sh (12's crash 8.0.2 misreads 6.1 dumps)

BUILD_TIMEOUT=${BUILD_TIMEOUT:-1200}
kinds=()
for a in "$@"; do
	case "$a" in
	--force) FORCE=1 ;;
	guest | build) kinds+=("$a") ;;
	*) die "usage: ${0##*/} [--force] [guest|build]..." ;;
	esac
done
[ "${#kinds[@]}" -gt 0 ] || kinds=(guest build)
[ "$(id -u)" = 0 ] || die "must run as root (debootstrap, chroot)"
for t in debootstrap chroot mountpoint flock sha256sum; do
	command -v "$t" >/dev/null || die "missing host tool: $t"
done

mapfile -t uris < <(host_apt_uris)
MIRROR=${MIRROR:-$(printf '%s\n' "${uris[@]}" | grep -v -m1 security || true)}
SECURITY_MIRROR=${SECURITY_MIRROR:-$(printf '%s\n' "${uris[@]}" | grep -m1 security || true)}
[ -n "$MIRROR" ] || die "no Debian mirror found in /etc/apt/sources*; set MIRROR="

# Per suite: the debootstrap script (Debian 12's debootstrap has none for
# forky: testing is bootstrapped with sid's), the apt sources, and apt's
# options (testing's Release can be past its Valid-Until on the archive
# reached here).
DEBOOTSTRAP_SCRIPT=$SUITE
APT_CONF=""
SOURCES=("deb $MIRROR $SUITE main")
case "$SUITE" in
forky)
	[ -e "/usr/share/debootstrap/scripts/$SUITE" ] || DEBOOTSTRAP_SCRIPT=sid
	APT_CONF='Acquire::Check-Valid-Until "false";'
	;;
*)
	SOURCES+=("deb $MIRROR $SUITE-updates main")
	[ -z "$SECURITY_MIRROR" ] || SOURCES+=("deb $SECURITY_MIRROR $SUITE-security main")
	;;
esac
# The backports kernel in the same apt run as everything else: alone, its
# initramfs dependency would pull in dracut instead of initramfs-tools.
if [ "$KERNEL" = backports ]; then
	SOURCES+=("deb $MIRROR $SUITE-backports main")
	for i in "${!GUEST_PKGS[@]}"; do
		[ "${GUEST_PKGS[i]}" != linux-image-amd64 ] || GUEST_PKGS[i]=linux-image-amd64/$SUITE-backports
	done
fi

mkdir -p "$SUITE_DIR/debs" "$SUITE_DIR/apt-archives/partial"
# One builder per suite at a time (scenarios may start in parallel); bounded wait.
exec 9>"$SUITE_DIR/.build.lock"
flock -w "$BUILD_TIMEOUT" 9 || die "another build-base.sh holds $SUITE_DIR/.build.lock"

MOUNTS=(proc sys dev dev/pts var/cache/apt/archives)
CUR=""
mounts_down() {
	local i d
	[ -n "$CUR" ] || return 0
	for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
		d=$CUR/${MOUNTS[i]}
		if mountpoint -q "$d" 2>/dev/null; then
			umount "$d" 2>/dev/null || umount -l "$d"
		fi
	done
}
mounts_up() {
	mount --bind /proc "$CUR/proc"
	mount --bind /sys "$CUR/sys"
	mount --bind /dev "$CUR/dev"
	mount --bind /dev/pts "$CUR/dev/pts"
	# .debs live outside the tree: rebuilds reuse them and the tree stays small.
	mkdir -p "$CUR/var/cache/apt/archives"
	mount --bind "$SUITE_DIR/apt-archives" "$CUR/var/cache/apt/archives"
}
trap mounts_down EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# Never recurse into a bind mount of the host's /dev.
remove_tree() {
	mounts_down
	if findmnt -rn -o TARGET | grep -q "^$CUR/"; then
		die "something is still mounted under $CUR; refusing to remove it"
	fi
	rm -rf --one-file-system "$CUR"
}

marker_ok() { [ -e "$CUR/$1" ] && [ "$(cat "$CUR/$1")" = "$2" ]; }
in_tree() {
	timeout --foreground "$BUILD_TIMEOUT" chroot "$CUR" \
		env DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"
}

# guest_lib_pkgs: the runtime library package each GUEST_LIB_DEVS entry
# depends on, as the suite names it (apt-cache in the tree being built).
guest_lib_pkgs() {
	local dev lib
	for dev in "${GUEST_LIB_DEVS[@]}"; do
		lib=$(in_tree apt-cache depends "$dev" |
			sed -nE 's/^ *Depends: ([a-z0-9][a-z0-9.+-]*[0-9][a-z0-9.+-]*)$/\1/p' |
			grep -v -- '-dev$' | head -n 1)
		[ -n "$lib" ] || die "cannot tell which library package $dev depends on in $SUITE"
		echo "$lib"
	done
}

# make_tree DIR PKGS...: stage 1 and 2 into DIR.
make_tree() {
	local dir=$1 hash1 hash2 s lines
	shift
	CUR=$dir
	hash1=$(printf '%s\n' "$SUITE" "$DEBOOTSTRAP_SCRIPT" minbase "$MIRROR" | sha256sum | cut -c1-16)
	hash2=$(printf '%s\n' "$hash1" "${SOURCES[@]}" "$APT_CONF" "$@" |
		LC_ALL=C sort | sha256sum | cut -c1-16)
	if [ "${FORCE:-0}" = 1 ] || ! marker_ok .stage1 "$hash1" || ! marker_ok .stage2 "$hash2"; then
		# Stage 2 changes the tree, so a new package list restarts from
		# stage 1 (cheap: debootstrap reuses the .debs in debs/).
		if [ -d "$CUR" ]; then
			log "removing stale tree $CUR"
			remove_tree
		fi
	fi
	if ! marker_ok .stage1 "$hash1"; then
		log "stage 1: debootstrap --variant=minbase $SUITE from $MIRROR into $CUR"
		s=$(now)
		timeout --foreground "$BUILD_TIMEOUT" debootstrap --variant=minbase \
			--cache-dir="$SUITE_DIR/debs" "$SUITE" "$CUR" "$MIRROR" \
			"/usr/share/debootstrap/scripts/$DEBOOTSTRAP_SCRIPT"
		echo "$hash1" >"$CUR/.stage1"
		log "stage 1 done in $(elapsed "$s")s"
	fi
	if ! marker_ok .stage2 "$hash2"; then
		log "stage 2: apt-get install into $CUR"
		s=$(now)
		printf '%s\n' "${SOURCES[@]}" >"$CUR/etc/apt/sources.list"
		[ -z "$APT_CONF" ] || echo "$APT_CONF" >"$CUR/etc/apt/apt.conf.d/50kdumpkit-vm"
		# No daemon may start inside the chroot.
		printf '#!/bin/sh\nexit 101\n' >"$CUR/usr/sbin/policy-rc.d"
		chmod 0755 "$CUR/usr/sbin/policy-rc.d"
		mounts_up
		# kexec-tools must not turn reboots into kexec reboots: -no-reboot relies on real ones.
		echo 'kexec-tools kexec-tools/load_kexec boolean false' | in_tree debconf-set-selections
		in_tree apt-get -q update
		lines=("$@")
		if [ "$CUR" = "$TREE" ]; then
			mapfile -t -O "${#lines[@]}" lines < <(guest_lib_pkgs)
		fi
		in_tree apt-get -q -y --no-install-recommends install "${lines[@]}"
		mounts_down
		rm -f "$CUR/usr/sbin/policy-rc.d"
		rm -rf "$CUR/var/lib/apt/lists/"*_Packages* "$CUR/var/lib/apt/lists/"*_Translation*
		echo "$hash2" >"$CUR/.stage2"
		log "stage 2 done in $(elapsed "$s")s"
	fi
	CUR=""
}

t0=$(now)
for kind in "${kinds[@]}"; do
	case "$kind" in
	build)
		if [ -n "$KERNEL" ]; then
			# the suite's own build tree, under the suite's own lock
			KERNEL='' "$0" build
		else
			make_tree "$BTREE" "${BUILD_PKGS[@]}"
		fi
		;;
	guest)
		make_tree "$TREE" "${GUEST_PKGS[@]}"
		# Stage 3: kernel and first-kernel initrd beside the tree, for qemu -kernel/-initrd.
		kver=$(find "$TREE/lib/modules" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n1)
		if [ -z "$kver" ] || [ ! -e "$TREE/boot/vmlinuz-$kver" ]; then die "no kernel in $TREE"; fi
		[ -e "$TREE/boot/initrd.img-$kver" ] || die "no initrd for $kver in $TREE/boot"
		if [ "$(cat "$SUITE_DIR/kver" 2>/dev/null)" != "$kver" ] ||
			! cmp -s "$TREE/boot/initrd.img-$kver" "$SUITE_DIR/initrd.img" ||
			! cmp -s "$TREE/boot/vmlinuz-$kver" "$SUITE_DIR/vmlinuz"; then
			cp "$TREE/boot/vmlinuz-$kver" "$SUITE_DIR/vmlinuz.tmp"
			cp "$TREE/boot/initrd.img-$kver" "$SUITE_DIR/initrd.img.tmp"
			mv "$SUITE_DIR/vmlinuz.tmp" "$SUITE_DIR/vmlinuz"
			mv "$SUITE_DIR/initrd.img.tmp" "$SUITE_DIR/initrd.img"
			echo "$kver" >"$SUITE_DIR/kver"
		fi
		log "guest $DISTRO_ID ready: kernel $kver, tree $(du -sh --one-file-system "$TREE" | cut -f1)"
		;;
	esac
done
log "$DISTRO_ID trees (${kinds[*]}) ready in $(elapsed "$t0")s in $SUITE_DIR"
