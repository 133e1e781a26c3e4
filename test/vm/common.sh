# shellcheck shell=bash disable=SC2034 # variables are used by the scripts that source this
# Shared settings for the VM harness: sourced by the scripts in test/vm/.
#
# Everything the harness assumes about the product's console output lives in
# the KDVM_PAT_* variables below, so a changed message is a one-line edit.

VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$VM_DIR/../.." && pwd)
CACHE=${KDUMPKIT_VM_CACHE:-/var/tmp/kdumpkit-vm}

# The guest's Debian suite (DISTRO) and kernel (KERNEL=backports: the
# suite's -backports kernel).  Each combination has its own cached trees:
#   $SUITE_DIR/tree     the guest's root file system
#   $BTREE              a build tree of the same suite ($CACHE/<suite>/build,
#                       also for KERNEL=backports): kdumpkit is compiled
#                       there, against the guest's own compiler and libraries
#   $SUITE_DIR/{kver,vmlinuz,initrd.img}   the guest's first kernel
# and its own runs ($RUNS/<scenario>) and verdicts ($RESULTS/<scenario>).
DISTRO=${DISTRO:-trixie}
KERNEL=${KERNEL:-}
case "$DISTRO" in
bookworm | trixie | forky) ;;
*) echo "DISTRO=$DISTRO: expected bookworm, trixie or forky" >&2; exit 64 ;;
esac
case "$KERNEL" in
"") DISTRO_ID=$DISTRO ;;
backports)
	[ "$DISTRO" != forky ] || { echo "KERNEL=backports: forky (testing) has no backports" >&2; exit 64; }
	DISTRO_ID=$DISTRO-bpo ;;
*) echo "KERNEL=$KERNEL: expected empty or backports" >&2; exit 64 ;;
esac
SUITE=$DISTRO
SUITE_DIR=$CACHE/$DISTRO_ID
TREE=$SUITE_DIR/tree
# A backports kernel changes the guest, not the userspace it is built for.
BTREE=$CACHE/$DISTRO/build
# KDUMPKIT_VM_RUNDIR moves runs, verdicts and logs elsewhere (two checkouts
# sharing one cache of trees, each running its own scenarios).
RUNDIR=${KDUMPKIT_VM_RUNDIR:-$CACHE}
RUNS=$RUNDIR/runs/$DISTRO_ID
RESULTS=$RUNDIR/results/$DISTRO_ID
# kdumpkit packaged in $BTREE (build-product.sh), per checkout and suite:
# PRODUCT_DEB_DIR holds the one kdumpkit_<version>_<arch>.deb that mkimage.sh
# installs into every guest with dpkg; UPGRADE_DEB_DIR the same source as
# version <version>+vmtest1 (build-product.sh --upgrade: deb-upgrade).
PRODUCT_B=build/guest-$DISTRO
PRODUCT_DEB_DIR=$REPO_DIR/$PRODUCT_B/deb
UPGRADE_DEB_DIR=$REPO_DIR/$PRODUCT_B/deb-upgrade
# What `dpkg-buildpackage -Pnocheck` needs beyond `make all`'s packages
# (debian/control's Build-Depends: debhelper-compat; po-debconf for
# debian/po): in build-base.sh's build tree list, and installed by
# build-product.sh into a build tree cached before they were in it.
BUILD_DEB_PKGS=(debhelper po-debconf libelf-dev)

# Suites whose own crash(8) may lag their kernel, so that "crash cannot open
# this kernel's dumps at all" is reported on the PASS line instead of failing
# it (verify-dump.sh): Debian 14 (testing), where crash 9.0.2 stops at
# start-up on Linux 7.2 ("invalid structure member offset:
# module_num_gpl_syms", also with --no_modules).  Named in the README; a
# stable suite's crash must read its dumps.
KDVM_CRASH_MAY_LAG=${KDVM_CRASH_MAY_LAG:-forky}

# The guest's Python is irrelevant; on the host the Debian interpreter is the
# one that sees python3-libkdumpfile (a pyenv shim may shadow it on PATH).
HOST_PYTHON=${KDUMPKIT_VM_PYTHON:-/usr/bin/python3}

# --- what the product prints on the console (extended regexes) -------------
# The capture side saved a dump; the directory follows "to ".
KDVM_PAT_SAVED=${KDVM_PAT_SAVED:-'kdump: saved vmcore to '}
# The failure action runs; its name follows ("reboot", "poweroff", ...).
KDVM_PAT_FAILURE=${KDVM_PAT_FAILURE:-'kdump: failure action '}
# Kernel lines (printed at KERN_EMERG, always on the console).
KDVM_PAT_BANNER='Linux version [0-9]'
KDVM_PAT_REBOOT='reboot: Restarting system'
KDVM_PAT_POWEROFF='reboot: Power down'
KDVM_PAT_PANIC='Kernel panic - not syncing'
# A guest stuck for good: run-guest.sh stops qemu at once instead of waiting
# for the timeout (dracut's or systemd's emergency shell).
KDVM_PAT_STUCK=${KDVM_PAT_STUCK:-'Press Enter for (system )?maintenance|Give root password for maintenance|Cannot open access to console, the root account is locked'}
# Our own guest driver (guest/kdumpkit-vmtest).
KDVM_PAT_CRASHING='KDVM [0-9.]+ CRASHING'
KDVM_PAT_READY='KDVM [0-9.]+ READY'
# Dump directory names: <host-or-ip>-<YYYY-MM-DD-HH:MM:SS>
KDVM_PAT_DUMPDIR='^[A-Za-z0-9._:-]+-[0-9]{4}-[0-9]{2}-[0-9]{2}-[0-9]{2}:[0-9]{2}:[0-9]{2}$'

# shellcheck source=hostsrv.sh
. "$VM_DIR/hostsrv.sh"

log() { printf '[%s %(%T)T] %s\n' "${0##*/}" -1 "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Bind mounts for running commands chrooted in a tree (proc, sys, dev,
# dev/pts): chroot_mounts_up TREE; chroot_mounts_down undoes every one made,
# newest first (scripts trap it on EXIT).
CHROOT_MOUNTS=()
chroot_mounts_up() {
	local d
	for d in proc sys dev dev/pts; do
		mount --bind "/$d" "$1/$d"
		CHROOT_MOUNTS+=("$1/$d")
	done
}
chroot_mounts_down() {
	local i
	for ((i = ${#CHROOT_MOUNTS[@]} - 1; i >= 0; i--)); do
		umount "${CHROOT_MOUNTS[i]}" 2>/dev/null || umount -l "${CHROOT_MOUNTS[i]}"
	done
	CHROOT_MOUNTS=()
}

# Seconds since the epoch with two decimals, and a difference of two of them.
now() { printf '%(%s)T.%s\n' -1 "$(date +%N | cut -c1-2)"; }
elapsed() { awk -v a="$1" -v b="${2:-$(now)}" 'BEGIN { printf "%.1f", b - a }'; }

# The mirror this machine's apt already uses: no other network exists here.
host_apt_uris() {
	{
		sed -n 's/^URIs:[[:space:]]*//p' /etc/apt/sources.list.d/*.sources 2>/dev/null
		sed -nE 's/^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?([^[:space:]]+).*/\2/p' \
			/etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null
	} | tr ' ' '\n' | grep -E '^https?://' | awk '!seen[$0]++'
}

# Load SCENARIO_DIR/scenario.conf over the defaults.  Documented in README.md.
load_scenario() {
	local dir=$1
	[ -f "$dir/scenario.conf" ] || die "$dir/scenario.conf: no such file"
	SCENARIO=$(basename "$dir")
	SCENARIO_DIR=$(cd "$dir" && pwd)
	DESCRIPTION=""
	MODE=crash
	TIMEOUT=600
	PRODUCT=1
	PREBUILD=0
	MEM=${KDVM_MEM:-2048}   # make bench: guests of 8 and 16 GiB
	SMP=2
	CRASHKERNEL=${KDVM_CRASHKERNEL:-256M}   # make bench bisects with it
	CMDLINE_EXTRA=""
	ROOT_SIZE=3G
	ROOT_FS=ext4      # or btrfs-subvol: / is subvol=root of a btrfs (Fedora's layout)
	DISKS=()
	EXPECT_SAVED=1
	EXPECT_DISK=root
	EXPECT_PATH=/var/crash
	EXPECT_FAILURE_ACTION=""
	EXPECT_END=reboot
	EXPECT_FORMAT=any
	EXPECT_CONSOLE=()
	EXPECT_ORDER=()
	REJECT_CONSOLE=()
	NET_FWD=()        # "GUEST_IP:PORT HOST_PORT": guestfwd to 127.0.0.1 (set by setup_host)
	NET_NS=""         # qemu runs in this network namespace (set by setup_host, which makes it) ...
	NET_TAP=""        # ... with a second NIC on this tap device in it
	NET_TAP_MAC=52:54:00:fe:0c:02
	EXPECT_HOSTDIR="" # EXPECT_DISK=host: the host directory standing for the target's root
	EXPECT_DMESG=1    # the dump directory holds vmcore-dmesg.txt (0: vmcore only)
	SECOND_MODE=""    # boot the same images again in this driver mode after the first run
	EXPECT_INCOMPLETE=0 # with EXPECT_SAVED=0: the target holds a failed dump's vmcore-incomplete
	EXPECT_SEEN_AT="" # boot again (SECOND_MODE=after): that system must list the dump at this path
	EXPECT_OFFSET_MIB=0 # EXPECT_DISK's file system starts this far into the disk (a partition, an LV)
	ON_CONSOLE=""     # a regex: on the first console line matching it, on_console runs (on the host)
	# shellcheck disable=SC2317,SC2329 # hooks, called by mkimage.sh and run-scenarios.sh
	setup_tree() { :; }
	# shellcheck disable=SC2317,SC2329
	setup_host() { :; }
	# shellcheck disable=SC2317,SC2329
	teardown_host() { :; }
	# shellcheck disable=SC2317,SC2329
	after_first_boot() { :; }
	# shellcheck disable=SC2317,SC2329
	verify_extra() { :; }
	# shellcheck disable=SC2317,SC2329
	on_console() { :; }
	# shellcheck source=/dev/null
	. "$dir/scenario.conf"
}
