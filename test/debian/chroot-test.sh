#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# "A && B || { echo why; return 1; }" fails the check when A or B does;
# ${Conffiles} is dpkg-query's, not the shell's.
# shellcheck disable=SC2015,SC2016
# The Debian package's life cycle in a throwaway chroot: build, install,
# debconf, upgrade, remove, purge, each checked.  Not part of check-fast
# (root, a Debian tree, a few minutes); `make check-deb-chroot
# DEBTEST_CHROOT=DIR`.
#
#   DIR: a tree from `debootstrap --variant=minbase SUITE DIR` (any of
#   Debian 12, 13, 14), without GRUB, which this changes: it gets the build
#   dependencies, kdumpkit is built in it (and purged at the end);
#   /usr/bin/ischroot is diverted, and a fake update-grub, /etc/default/grub
#   and /boot/grub/grub.cfg are there while the test runs.
#
# The tree under test is this source tree as committed (git archive HEAD),
# built in DIR with DIR's debhelper and libraries, twice: VERSION and
# VERSION+test1, for the upgrade.  In DIR the package scripts see a machine,
# not a chroot (ischroot says 1), whose kernel command line is a file bound
# over /proc/cmdline, and a GRUB whose update-grub only logs its runs.
#
# Output: "ok - ..." / "not ok - ..." lines, then "N passed, M failed"; the
# exit status is 1 when something failed.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
D=${DEBTEST_CHROOT:?DEBTEST_CHROOT=DIR: a debootstrap tree to run in}
[ "$(id -u)" = 0 ] || { echo "must run as root (chroot, mounts)" >&2; exit 2; }
[ -x "$D/usr/bin/apt-get" ] || { echo "$D: not a Debian tree" >&2; exit 2; }
# the fake GRUB below would replace a real one
[ ! -e "$D/usr/sbin/update-grub" ] || { echo "$D has GRUB (update-grub): use a tree without" >&2; exit 2; }

# the mounts below end with this mount namespace, whatever happens
if [ "${KDUMPKIT_DEBTEST_NS:-}" != 1 ]; then
	KDUMPKIT_DEBTEST_NS=1 exec unshare --mount --propagation private -- bash "${BASH_SOURCE[0]}" "$@"
fi

pass=0 fail=0
ok() { echo "ok - $1"; pass=$((pass + 1)); }
not_ok() { echo "not ok - $1"; shift; for l in "$@"; do echo "#   $l"; done; fail=$((fail + 1)); }
# check DESCRIPTION FUNCTION: the function decides, its output is the detail
check() {
	local out
	if out=$("$2" 2>&1); then ok "$1"; else not_ok "$1" "$out"; fi
}
in_root() { chroot "$D" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive HOME=/root "$@"; }
apt_in() { in_root apt-get -o Acquire::Check-Valid-Until=false -y -q "$@"; }

mount -t proc proc "$D/proc"
WORK=$(mktemp -d "$D/tmp/kdumpkit-debtest.XXXXXX")
W=${WORK#"$D"}
cleanup() {
	rm -f "$D/usr/bin/ischroot"
	in_root dpkg-divert --local --rename --remove /usr/bin/ischroot >/dev/null 2>&1 || true
	rm -f "$D/usr/sbin/update-grub" "$D/etc/default/grub" "$D/boot/grub/grub.cfg"
	rm -rf "$WORK"
}
trap cleanup EXIT

# ---- build, in the tree, both versions ---------------------------------------
VERSION=$(sed -n 's/^VERSION *:= *//p' "$TOP/Makefile")
mkdir -p "$WORK/a/src" "$WORK/b/src"
git -C "$TOP" archive HEAD | tar -x -C "$WORK/a/src"
git -C "$TOP" archive HEAD | tar -x -C "$WORK/b/src"
sed -i "s/^VERSION *:= .*/VERSION    := $VERSION+test1/" "$WORK/b/src/Makefile"
{
	printf 'kdumpkit (%s+test1) unstable; urgency=medium\n\n  * Upgrade test.\n\n' "$VERSION"
	printf ' -- kdumpkit test <test@example.invalid>  %s\n\n' "$(date -R)"
	cat "$WORK/a/src/debian/changelog"
} > "$WORK/b/src/debian/changelog"
echo '# a line only the newer package has' >> "$WORK/b/src/kdump.conf"
apt_in update -qq
apt_in install --no-install-recommends build-essential dpkg-dev >/dev/null 2>&1
(cd "$WORK/a/src" && apt_in build-dep --no-install-recommends "$W/a/src" >/dev/null 2>&1)
for v in a b; do
	if ! in_root sh -c "cd $W/$v/src && DEB_BUILD_OPTIONS=nocheck dpkg-buildpackage -us -uc -b" > "$WORK/build-$v.log" 2>&1; then
		tail -20 "$WORK/build-$v.log"
		echo "not ok - dpkg-buildpackage ($v)"
		exit 1
	fi
done
DEB_A=$(cd "$WORK/a" && ls kdumpkit_*.deb) DEB_B=$(cd "$WORK/b" && ls kdumpkit_*.deb)
ok "built $DEB_A and $DEB_B in $D"

# ---- a machine: not a chroot, GRUB, nothing reserved ---------------------------
in_root dpkg-divert --local --rename --add /usr/bin/ischroot >/dev/null 2>&1
printf '#!/bin/sh\nexit 1\n' > "$D/usr/bin/ischroot" && chmod +x "$D/usr/bin/ischroot"
printf '#!/bin/sh\necho run >> %s/update-grub.runs\n' "$W" > "$D/usr/sbin/update-grub"
chmod +x "$D/usr/sbin/update-grub"
mkdir -p "$D/etc/default/grub.d" "$D/boot/grub"
printf 'GRUB_CMDLINE_LINUX_DEFAULT="quiet"\nGRUB_CMDLINE_LINUX=""\n' > "$D/etc/default/grub"
: > "$D/boot/grub/grub.cfg"
echo "BOOT_IMAGE=/vmlinuz root=/dev/vda1 ro quiet" > "$WORK/cmdline"
mount --bind "$WORK/cmdline" "$D/proc/cmdline"
DROPIN=/etc/default/grub.d/kdump-crashkernel.cfg
grub_runs() { if [ -f "$WORK/update-grub.runs" ]; then wc -l < "$WORK/update-grub.runs"; else echo 0; fi; }

# ---- install: nothing reserved, no answer given (debconf's default: no) -------
apt_in purge kdumpkit >/dev/null 2>&1 || true
OUT=$(apt_in install --no-install-recommends "$W/a/$DEB_A" 2>&1)
t_install() {
	echo "$OUT" | grep -q "no memory is reserved for the crash kernel" || { echo "no note: $OUT"; return 1; }
	[ ! -e "$D$DROPIN" ] && [ "$(grub_runs)" = 0 ] || { echo "crashkernel= changed unasked"; return 1; }
	[ -L "$D/etc/systemd/system/multi-user.target.wants/kdump.service" ] || { echo "kdump.service not enabled"; return 1; }
	[ "$(stat -c %a "$D/var/crash" "$D/var/lib/kdump" | sort -u)" = 700 ] || { stat -c '%a %n' "$D/var/crash" "$D/var/lib/kdump"; return 1; }
	in_root dpkg-query -W -f='${Conffiles}\n' kdumpkit | grep -q '^ /etc/kdump.conf ' || { echo "/etc/kdump.conf is no conffile"; return 1; }
}
check "install, nothing reserved: a note, crashkernel= untouched, kdump.service enabled, /var/crash and /var/lib/kdump 0700, kdump.conf a conffile" t_install

# ---- purge, then install with debconf's answer yes -----------------------------
apt_in purge kdumpkit >/dev/null 2>&1
echo "kdumpkit kdumpkit/reset-crashkernel boolean true" | in_root debconf-set-selections
OUT=$(apt_in install --no-install-recommends "$W/a/$DEB_A" 2>&1)
t_yes() {
	grep -q "^KDUMPKIT_CRASHKERNEL=" "$D$DROPIN" && [ "$(grub_runs)" = 1 ] || { echo "$OUT"; return 1; }
}
check "install with debconf's yes: kdumpctl reset-crashkernel wrote $DROPIN and ran update-grub" t_yes

# ---- upgrade: an edited kdump.conf stays ----------------------------------------
echo "core_collector makedumpfile -l -d 31 # edited by the test" >> "$D/etc/kdump.conf"
OUT=$(apt_in -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold install "$W/b/$DEB_B" 2>&1)
t_upgrade() {
	grep -q "edited by the test" "$D/etc/kdump.conf" && grep -q "only the newer package has" "$D/etc/kdump.conf.dpkg-dist" \
		&& [ -L "$D/etc/systemd/system/multi-user.target.wants/kdump.service" ] || { echo "$OUT"; return 1; }
}
check "upgrade to $DEB_B: the edited /etc/kdump.conf is kept (the new one is kdump.conf.dpkg-dist), still enabled" t_upgrade

# ---- remove: the /etc/kernel hooks stay and do nothing --------------------------
mkdir -p "$D/var/crash/192.0.2.1-2026-01-01-00:00:00"
echo "a dump" > "$D/var/crash/192.0.2.1-2026-01-01-00:00:00/vmcore"
echo "an image" > "$D/var/lib/kdump/initramfs-6.1.0-test-kdump.img"
apt_in remove kdumpkit >/dev/null 2>&1
t_removed_hooks() {
	in_root /etc/kernel/postinst.d/kdumpkit 6.1.0-test /boot/vmlinuz-6.1.0-test &&
		in_root /etc/kernel/postrm.d/kdumpkit 6.1.0-test /boot/vmlinuz-6.1.0-test
}
check "removed, not purged: /etc/kernel/postinst.d and postrm.d hooks exit 0" t_removed_hooks

# ---- purge: what kdumpkit made goes, no dump -----------------------------------
OUT=$(apt_in purge kdumpkit 2>&1)
t_purge() {
	[ ! -e "$D/var/lib/kdump" ] || { echo "/var/lib/kdump left"; return 1; }
	[ ! -e "$D$DROPIN" ] && [ "$(grub_runs)" = 2 ] || { echo "drop-in left or no update-grub: $OUT"; return 1; }
	[ ! -e "$D/etc/kdump.conf" ] || { echo "/etc/kdump.conf left"; return 1; }
	[ "$(cat "$D/var/crash/192.0.2.1-2026-01-01-00:00:00/vmcore")" = "a dump" ] || { echo "the dump is gone"; return 1; }
	! in_root dpkg-query -W kdumpkit >/dev/null 2>&1 || { echo "still known to dpkg"; return 1; }
}
check "purge: /var/lib/kdump, the crashkernel= drop-in (update-grub run) and /etc/kdump.conf go; the dump in /var/crash stays" t_purge

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
