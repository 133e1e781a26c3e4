#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Smoke test: builds a real capture initramfs with `dracut --add kdumpbase`
# (no kernel), from a private copy of dracut's module tree with our modules
# installed into it (`make install-dracut-modules install-capture-units` into
# a temp dir): nothing is installed on the host.  Checks what the image holds.
# usage: test-dracut.sh BUILD-DIR
set -u
build=$(realpath "${1:?usage: $0 BUILD-DIR}")
top=$(cd "$(dirname "$0")/../.." && pwd)
pass=0 fail=0
ok() { echo "ok - $*"; pass=$((pass + 1)); }
not_ok() { echo "not ok - $*"; fail=$((fail + 1)); }
# make deps installs dracut: without it this test has not run, which is a failure
if ! command -v dracut >/dev/null || [ ! -d /usr/lib/dracut/modules.d ]; then
	not_ok "dracut is not installed (make deps installs dracut-core)"; echo "$pass passed, $fail failed"; exit 1
fi
R=$(mktemp -d)
trap 'rm -rf "$R"' EXIT
mkdir -p "$R/dracut" "$R/libexec"
cp -a /usr/lib/dracut/. "$R/dracut/"
make -s -C "$top" install-capture-units install-dracut-modules LIBEXECDIR="$R/libexec" \
	SYSTEMDUNITDIR="$R/units" DRACUTMODDIR="$R/dracut/modules.d" || { not_ok "install"; exit 1; }
install -m 0755 "$build"/kdump-collect "$build"/kdump-failure-action "$build"/kdump-target-generator "$R/libexec/"
printf 'ext4 LABEL=crash\nkdump_post /usr/bin/true\nfailure_action dump_to_rootfs\n' >"$R/kdump.conf"
# KDUMP_BAKED_CONF, as kdumpctl sets it: dracut's --include would not
# replace a host /etc/kdump.conf that the module installed
if KDUMP_BAKED_CONF=$R/kdump.conf dracutbasedir=$R/dracut timeout 600 dracut -q -f --no-hostonly --no-kernel \
	--add kdumpbase --install /usr/bin/true "$R/initrd.img" >"$R/log" 2>&1; then
	ok "dracut --add kdumpbase builds an image"
else
	not_ok "dracut --add kdumpbase"; sed 's/^/# /' "$R/log"; echo "$pass passed, $fail failed"; exit 1
fi
# unpack IMAGE DIR, as lsinitrd does: with 3cpio where dracut uses it (112
# on Debian 14, which has no cpio nor skipcpio), which reads every archive of
# the image; else past an early (uncompressed) cpio with dracut's skipcpio,
# then by the magic of what follows (dracut picks zstd when it is installed,
# else gzip; the configuration may name others).
magic() { od -An -tx1 -N6 "$1" | tr -d ' \n'; }
unpack() {
	local img=$1 dir=$2 magic rest=$R/rest.img
	if command -v 3cpio >/dev/null; then
		echo "# unpacking with 3cpio"
		3cpio --extract -C "$dir" --make-directories "$img"
		return
	fi
	cp "$img" "$rest"
	if [ "$(magic "$img")" = 303730373031 ] && cpio -t --quiet <"$img" 2>/dev/null | grep -qx early_cpio; then
		/usr/lib/dracut/skipcpio "$img" >"$rest" || return 1
	fi
	magic=$(magic "$rest")
	case "$magic" in
	28b52ffd*) set -- zstd -dcq ;;
	1f8b*) set -- gzip -dc ;;
	fd377a585a00 | 5d0000*) set -- xz -dc ;;
	425a68*) set -- bzip2 -dc ;;
	02214c18*) set -- lz4 -dc ;;
	303730373031) set -- cat ;;
	*) echo "# unknown compression (magic $magic)"; return 1 ;;
	esac
	echo "# unpacking with $1"
	"$@" <"$rest" | (cd "$dir" && cpio -id --quiet) && [ "${PIPESTATUS[0]}" = 0 ]
}
mkdir "$R/x"
if unpack "$R/initrd.img" "$R/x"; then ok "the image unpacks"; else not_ok "the image does not unpack"; fi
has() { if [ -e "$R/x/$2" ] || [ -L "$R/x/$2" ]; then ok "$1"; else not_ok "$1 ($2 missing)"; fi; }
has "kdump-collect at LIBEXECDIR" "$R/libexec/kdump-collect"
has "kdump-failure-action at LIBEXECDIR" "$R/libexec/kdump-failure-action"
has "generator in system-generators" usr/lib/systemd/system-generators/kdump-target-generator
for u in kdump-capture.target kdump-capture.service kdump-failure-action.service kdump-final-action.service; do
	has "unit $u" "usr/lib/systemd/system/$u"
done
has "makedumpfile" usr/bin/makedumpfile
# the generator's udev-stop drop-in runs these by name
for p in udevadm systemctl; do
	if [ -e "$R/x/usr/bin/$p" ] || [ -e "$R/x/bin/$p" ]; then ok "$p in the image"; else not_ok "$p not in the image"; fi
done
has "kdump.conf" etc/kdump.conf
if cmp -s "$R/kdump.conf" "$R/x/etc/kdump.conf"; then ok "etc/kdump.conf is the baked configuration (KDUMP_BAKED_CONF)"
else not_ok "etc/kdump.conf is not KDUMP_BAKED_CONF's file"; fi
has "kdump_post hook" usr/bin/true
has "/etc/initrd-release" etc/initrd-release
if grep -q "ExecStart=$R/libexec/kdump-collect" "$R/x/usr/lib/systemd/system/kdump-capture.service"; then
	ok "unit ExecStart= substituted"
else not_ok "unit ExecStart= not substituted"; fi
for u in emergency.service dracut-emergency.service; do
	if grep -qx "ExecStart=$R/libexec/kdump-failure-action --emergency" "$R/x/usr/lib/systemd/system/$u.d/kdump.conf" 2>/dev/null; then
		ok "$u runs kdump-failure-action --emergency"
	else not_ok "$u drop-in missing"; fi
done
if (cd "$R/x" && SYSTEMD_LOG_LEVEL=notice timeout 60 systemd-analyze --root="$R/x" verify --man=no kdump-capture.target emergency.service) >"$R/v" 2>&1 && [ ! -s "$R/v" ]; then
	ok "systemd-analyze --root=IMAGE verify kdump-capture.target"
else not_ok "verify in the image"; sed 's/^/# /' "$R/v"; fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
