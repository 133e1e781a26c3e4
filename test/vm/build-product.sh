#!/bin/bash
# Build kdumpkit for the guest suite (DISTRO) inside that suite's build tree
# ($BTREE, from build-base.sh build), so the binaries link the guest's own
# libraries and are compiled by its own gcc, then install it into $STAGE
# (make install DESTDIR=, PREFIX=/usr, with the suite's pkg-config paths for
# dracut modules and systemd units).  mkimage.sh copies $STAGE into each
# guest tree.
#
# The source tree is bind-mounted at /src in the build tree while make runs;
# output goes to $PRODUCT_B (build/guest-<suite>) beside the host's build/.
#
# Usage: build-product.sh           Env: DISTRO, KERNEL, KDUMPKIT_VM_CACHE,
#                                        WERROR (passed to make), BUILD_TIMEOUT (1200)
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

BUILD_TIMEOUT=${BUILD_TIMEOUT:-1200}
[ "$(id -u)" = 0 ] || die "must run as root (chroot)"
[ -e "$BTREE/.stage2" ] || die "no build tree $BTREE: run build-base.sh build"

# per suite, not per kernel: KERNEL=backports builds into the same $PRODUCT_B
mkdir -p "$CACHE/$DISTRO"
exec 8>"$CACHE/$DISTRO/.product.lock"
flock -w "$BUILD_TIMEOUT" 8 || die "another build-product.sh holds $CACHE/$DISTRO/.product.lock"

SRC=$BTREE/src
trap 'chroot_mounts_down; umount "$SRC" 2>/dev/null || true' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP
mkdir -p "$SRC"
mountpoint -q "$SRC" || mount --bind "$REPO_DIR" "$SRC"
chroot_mounts_up "$BTREE"
in_build() {
	timeout --foreground -k 10 "$BUILD_TIMEOUT" chroot "$BTREE" \
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 HOME=/root "$@"
}
s=$(now)
in_build make -C /src --no-print-directory -j"$(nproc)" B="$PRODUCT_B" WERROR="${WERROR:-0}" all
rm -rf "$STAGE"
in_build make -C /src --no-print-directory B="$PRODUCT_B" install \
	DESTDIR="/src/$PRODUCT_B/destdir" PREFIX=/usr >/dev/null
log "kdumpkit built for $DISTRO with $(in_build gcc -dumpfullversion) in $(elapsed "$s")s, installed in $STAGE"
