#!/bin/bash
# Build kdumpkit's Debian package for the guest suite (DISTRO) inside that
# suite's build tree ($BTREE, from build-base.sh build), so the binaries link
# the guest's own libraries and are compiled by its own gcc:
#
#   dpkg-buildpackage -us -uc -b -Pnocheck
#       DEB_BUILD_OPTIONS="nocheck noddebs parallel=<nproc>"
#
# in a copy of the source tree (the working tree as it is, without build/,
# .git and debhelper's leftovers) at $PRODUCT_B/pkg/kdumpkit: dpkg-buildpackage
# writes the .deb into the parent of the source, and `debian/rules clean`
# runs `make clean`, which must not empty this checkout's build/.  The .deb
# is then moved to $PRODUCT_DEB_DIR (build/guest-<suite>/deb), where
# mkimage.sh installs it into each guest tree with dpkg.  Everything is
# below this checkout's build/guest-<suite>/, so two checkouts never share a
# file; one build per suite at a time (the build tree is shared: flock on
# $CACHE/<suite>/.product.lock).  The source's mount at /src and the chroot's
# /proc, /sys, /dev are made in a mount namespace of this script's own, so no
# other checkout's build ever sees them (nor this one a mount another left).
#
#   --upgrade  the same source as version <version>+vmtest1: a changelog
#              entry prepended, the Makefile's VERSION likewise, and a line
#              added to the sample kdump.conf (so the conffile changes), into
#              $UPGRADE_DEB_DIR (the deb-upgrade scenario)
#
# A build tree cached before BUILD_DEB_PKGS (common.sh) were needed gets
# them first: apt-get in the chroot, under build-base.sh's lock.
#
# Usage: build-product.sh [--upgrade]     Env: DISTRO, KERNEL, KDUMPKIT_VM_CACHE,
#                                              BUILD_TIMEOUT (1200)
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

upgrade=0
case "$*" in
"") ;;
--upgrade) upgrade=1 ;;
*) die "usage: ${0##*/} [--upgrade]" ;;
esac
BUILD_TIMEOUT=${BUILD_TIMEOUT:-1200}
[ "$(id -u)" = 0 ] || die "must run as root (chroot)"
# the mounts below end with this mount namespace, whatever happens
if [ "${KDVM_PRODUCT_NS:-}" != 1 ]; then
	KDVM_PRODUCT_NS=1 exec unshare --mount --propagation private -- bash "${BASH_SOURCE[0]}" "$@"
fi
[ -e "$BTREE/.stage2" ] || die "no build tree $BTREE: run build-base.sh build"

# per suite, not per kernel: KERNEL=backports builds into the same $PRODUCT_B
mkdir -p "$CACHE/$DISTRO"
exec 8>"$CACHE/$DISTRO/.product.lock"
flock -w "$BUILD_TIMEOUT" 8 || die "another build-product.sh holds $CACHE/$DISTRO/.product.lock"

SRC=$BTREE/src
POLICY=""
cleanup() {
	chroot_mounts_down
	umount "$SRC" 2>/dev/null || true
	[ -z "$POLICY" ] || rm -f "$POLICY"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP
mkdir -p "$SRC"
# (a mount there is another checkout's, copied into this namespace: not ours)
while mountpoint -q "$SRC"; do umount -l "$SRC"; done
mount --bind "$REPO_DIR" "$SRC"
chroot_mounts_up "$BTREE"
in_build() {
	timeout --foreground -k 10 "$BUILD_TIMEOUT" chroot "$BTREE" \
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 HOME=/root "$@"
}

# BUILD_DEB_PKGS into a build tree that lacks them, as build-base.sh's
# stage 2 installs its packages (the .debs kept in apt-archives/, no daemon
# started, the package lists dropped afterwards).
ensure_build_deps() {
	local p missing=()
	for p in "${BUILD_DEB_PKGS[@]}"; do
		# shellcheck disable=SC2016 # dpkg-query's ${Status}
		in_build dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -qx 'install ok installed' ||
			missing+=("$p")
	done
	[ "${#missing[@]}" -gt 0 ] || return 0
	log "$BTREE lacks ${missing[*]} (cached before the package build needed them): apt-get install"
	exec 7>"$CACHE/$DISTRO/.build.lock"
	flock -w "$BUILD_TIMEOUT" 7 || die "another build-base.sh holds $CACHE/$DISTRO/.build.lock"
	mkdir -p "$CACHE/$DISTRO/apt-archives/partial" "$BTREE/var/cache/apt/archives"
	mount --bind "$CACHE/$DISTRO/apt-archives" "$BTREE/var/cache/apt/archives"
	CHROOT_MOUNTS+=("$BTREE/var/cache/apt/archives")
	POLICY=$BTREE/usr/sbin/policy-rc.d
	printf '#!/bin/sh\nexit 101\n' >"$POLICY"
	chmod 0755 "$POLICY"
	in_build env DEBIAN_FRONTEND=noninteractive apt-get -q update
	in_build env DEBIAN_FRONTEND=noninteractive apt-get -q -y --no-install-recommends install "${missing[@]}"
	rm -f "$POLICY"
	POLICY=""
	rm -rf "$BTREE/var/lib/apt/lists/"*_Packages* "$BTREE/var/lib/apt/lists/"*_Translation*
	exec 7>&-
}

# The package's source: this working tree as it is (uncommitted edits
# included), without what .gitignore names.
copy_source() {
	rm -rf "$1"
	mkdir -p "$1"
	tar -C "$REPO_DIR" --exclude-vcs --exclude=./build --exclude=./test/fuzz/corpus-run \
		--exclude=./debian/kdumpkit --exclude=./debian/.debhelper --exclude=./debian/tmp \
		--exclude=./debian/debhelper-build-stamp --exclude=./debian/files \
		--exclude='./debian/*.substvars' --exclude='./debian/*.debhelper' \
		--exclude='./debian/*.debhelper.log' -cf - . | tar -C "$1" -xf -
}

# The upgrade's source: version V+vmtest1 everywhere the version is.
bump_version() {
	local dir=$1 v new
	v=$(sed -n '1s/^kdumpkit (\([^)]*\)).*/\1/p' "$dir/debian/changelog")
	[ -n "$v" ] || die "cannot read the version in $dir/debian/changelog"
	new=$v+vmtest1
	{
		printf 'kdumpkit (%s) unstable; urgency=medium\n\n' "$new"
		printf '  * VM test upgrade (test/vm/build-product.sh --upgrade): the same source.\n\n'
		printf ' -- kdumpkit VM test <vmtest@example.invalid>  %s\n\n' "$(date -R)"
		cat "$dir/debian/changelog"
	} >"$dir/debian/changelog.new"
	mv "$dir/debian/changelog.new" "$dir/debian/changelog"
	sed -i 's/^\(VERSION[[:space:]]*:=[[:space:]]*\)\([^[:space:]]*\)/\1\2+vmtest1/' "$dir/Makefile"
	grep -q "^VERSION[[:space:]]*:=[[:space:]]*$v+vmtest1\$" "$dir/Makefile" ||
		die "the Makefile's VERSION is not $v (debian/changelog's)"
	echo "# kdumpkit $new: a line only the upgrade's sample has (deb-upgrade)" >>"$dir/kdump.conf"
}

out=$PRODUCT_DEB_DIR
[ "$upgrade" = 0 ] || out=$UPGRADE_DEB_DIR
pkg=$REPO_DIR/$PRODUCT_B/pkg
rm -rf "$out" "$REPO_DIR/$PRODUCT_B/destdir" # (the latter: make install's, before the package)
s=$(now)
ensure_build_deps
copy_source "$pkg/kdumpkit"
[ "$upgrade" = 0 ] || bump_version "$pkg/kdumpkit"
# its whole output in a log of its own: every compiler line carries -Werror=...,
# and run-scenarios.sh names a failed build by the first "error" it finds
blog=$REPO_DIR/$PRODUCT_B/dpkg-buildpackage.log
[ "$upgrade" = 0 ] || blog=$REPO_DIR/$PRODUCT_B/dpkg-buildpackage-upgrade.log
if ! in_build env -C "/src/$PRODUCT_B/pkg/kdumpkit" DEB_BUILD_OPTIONS="nocheck noddebs parallel=$(nproc)" \
	dpkg-buildpackage -us -uc -b -Pnocheck >"$blog" 2>&1; then
	grep -E -i 'error|no rule|no such' "$blog" | grep -v -e '-Werror' | head -n 5 >&2 || true
	tail -n 20 "$blog" >&2
	die "dpkg-buildpackage failed (log: $blog)"
fi
mkdir -p "$out"
mv "$pkg"/kdumpkit_*.deb "$out"/
rm -rf "$pkg"
debs=("$out"/kdumpkit_*.deb)
if [ "${#debs[@]}" != 1 ] || [ ! -f "${debs[0]}" ]; then die "expected one kdumpkit_*.deb in $out"; fi
log "kdumpkit built for $DISTRO with $(in_build gcc -dumpfullversion) in $(elapsed "$s")s: ${debs[0]}"
