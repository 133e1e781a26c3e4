#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# make check-fast-chroot: `make deps` and `make WERROR=1 check-fast` in the
# build tree of a Debian suite ($BTREE, from test/vm/build-base.sh build), so
# the fast tests run with that suite's compiler, libraries and servers.
#
# The source tree is copied (without build/ and .git) into a fresh directory
# of the build tree, removed at the end.  The script re-runs itself in a
# mount namespace of its own: its bind mounts (the tree onto itself, which
# nfs-ganesha needs to find the export's file system, /proc, /sys, /dev,
# /dev/pts, and the suite's .deb cache while apt runs) are undone by a trap,
# and cannot outlive the namespace even when the trap does not run.  `make
# deps` installs packages into the tree, with no daemon started (policy-rc.d);
# the tree's other use, build-product.sh, only needs what it had.
#
# Usage: check-fast-chroot.sh
# Env:   DISTRO (bookworm|trixie|forky, default trixie), KDUMPKIT_VM_CACHE,
#        CHROOT_TIMEOUT (s, each step, default 3600), FUZZ_SECONDS
# Output: the inner make's, also in build/check-fast-chroot-$DISTRO.log;
# the exit status is check-fast's.
set -euo pipefail
export KERNEL= # one build tree per suite, whatever the kernel
# shellcheck source=test/vm/common.sh
. "$(dirname "$0")/vm/common.sh"

CHROOT_TIMEOUT=${CHROOT_TIMEOUT:-3600}
[ "$(id -u)" = 0 ] || die "must run as root (chroot, mounts)"

if [ "${KDUMPKIT_CHROOT_NS:-}" != 1 ]; then
	timeout -k 30 "$CHROOT_TIMEOUT" env DISTRO="$DISTRO" "$VM_DIR/build-base.sh" build
	KDUMPKIT_CHROOT_NS=1 exec unshare --mount --propagation private -- bash "${BASH_SOURCE[0]}" "$@"
fi

# build-base.sh rebuilds the tree under this lock: not while we use it
# (held to the end: a shared lock taken after `make deps` could let a
# rebuild in between).  build-product.sh compiles in the tree under the other:
# not while apt changes it.
exec 9>"$SUITE_DIR/.build.lock"
flock -w "$CHROOT_TIMEOUT" 9 || die "another process holds $SUITE_DIR/.build.lock"
exec 8>"$SUITE_DIR/.product.lock"
[ -e "$BTREE/.stage2" ] || die "build-base.sh left no build tree in $BTREE"

WORKDIR=
MOUNTED=()
# shellcheck disable=SC2317,SC2329 # run by the EXIT trap (0.9 says 2317, 0.11 2329)
cleanup() {
	local i
	chroot_mounts_down
	for ((i = ${#MOUNTED[@]} - 1; i >= 0; i--)); do
		umount "${MOUNTED[i]}" 2>/dev/null || umount -l "${MOUNTED[i]}"
	done
	MOUNTED=()
	rm -f "$BTREE/usr/sbin/policy-rc.d"
	if [ -n "$WORKDIR" ]; then rm -rf --one-file-system "$BTREE$WORKDIR"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

bind() { # bind SRC DST: a bind mount that cleanup undoes
	mount --bind "$1" "$2"
	MOUNTED+=("$2")
}
unbind_last() {
	umount "${MOUNTED[-1]}"
	unset 'MOUNTED[-1]'
}
in_tree() {
	timeout -k 30 "$CHROOT_TIMEOUT" chroot "$BTREE" env -i \
		PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 \
		DEBIAN_FRONTEND=noninteractive "$@"
}

bind "$BTREE" "$BTREE"
chroot_mounts_up "$BTREE"
mkdir -p "$BTREE/var/tmp"
WORKDIR=$(mktemp -d "$BTREE/var/tmp/kdumpkit-check-fast.XXXXXX")
WORKDIR=${WORKDIR#"$BTREE"}
log "copying $REPO_DIR into $BTREE$WORKDIR"
timeout -k 10 600 tar -C "$REPO_DIR" --exclude=./build --exclude=./.git -cf - . |
	timeout -k 10 600 tar -C "$BTREE$WORKDIR" -xf -

# .debs outside the tree, as build-base.sh keeps them; no daemon may start
# from a package's postinst (sshd, ganesha, rpcbind would hold the tree busy).
mkdir -p "$SUITE_DIR/apt-archives/partial" "$BTREE/var/cache/apt/archives"
bind "$SUITE_DIR/apt-archives" "$BTREE/var/cache/apt/archives"
printf '#!/bin/sh\nexit 101\n' >"$BTREE/usr/sbin/policy-rc.d"
chmod 0755 "$BTREE/usr/sbin/policy-rc.d"
log "make deps in the $DISTRO build tree"
flock -w "$CHROOT_TIMEOUT" 8 || die "another process holds $SUITE_DIR/.product.lock"
in_tree make -C "$WORKDIR" --no-print-directory deps
flock -u 8
rm -f "$BTREE/usr/sbin/policy-rc.d"
unbind_last
# as build-base.sh leaves it: the package lists are refetched when needed
rm -rf "$BTREE/var/lib/apt/lists/"*_Packages* "$BTREE/var/lib/apt/lists/"*_Translation*

mkdir -p "$REPO_DIR/build"
LOG=$REPO_DIR/build/check-fast-chroot-$DISTRO.log
log "make WERROR=1 check-fast in the $DISTRO build tree ($(in_tree gcc -dumpfullversion)), log in $LOG"
args=(WERROR=1)
[ -z "${FUZZ_SECONDS:-}" ] || args+=("FUZZ_SECONDS=$FUZZ_SECONDS")
set +e
in_tree make -C "$WORKDIR" --no-print-directory "${args[@]}" check-fast 2>&1 | tee "$LOG"
rc=${PIPESTATUS[0]}
set -e
summary=$(grep -a '^check-fast: ' "$LOG" | tail -n 1)
log "$DISTRO: ${summary:-no check-fast summary (exit status $rc)}"
exit "$rc"
