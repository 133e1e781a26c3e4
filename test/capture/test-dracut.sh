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
if ! command -v dracut >/dev/null || [ ! -d /usr/lib/dracut/modules.d ]; then
	echo "ok - # skip dracut is not installed"; echo "1 passed, 0 failed"; exit 0
fi
R=$(mktemp -d)
trap 'rm -rf "$R"' EXIT
mkdir -p "$R/dracut" "$R/libexec"
cp -a /usr/lib/dracut/. "$R/dracut/"
make -s -C "$top" install-capture-units install-dracut-modules LIBEXECDIR="$R/libexec" \
	SYSTEMDUNITDIR="$R/units" DRACUTMODDIR="$R/dracut/modules.d" || { not_ok "install"; exit 1; }
install -m 0755 "$build"/kdump-collect "$build"/kdump-failure-action "$build"/kdump-target-generator "$R/libexec/"
printf 'ext4 LABEL=crash\nkdump_post /usr/bin/true\nfailure_action dump_to_rootfs\n' >"$R/kdump.conf"
if dracutbasedir=$R/dracut timeout 600 dracut -q -f --no-hostonly --no-kernel --add kdumpbase \
	--include "$R/kdump.conf" /etc/kdump.conf --install /usr/bin/true "$R/initrd.img" >"$R/log" 2>&1; then
	ok "dracut --add kdumpbase builds an image"
else
	not_ok "dracut --add kdumpbase"; sed 's/^/# /' "$R/log"; echo "$pass passed, $fail failed"; exit 1
fi
mkdir "$R/x"
(cd "$R/x" && zcat "$R/initrd.img" | cpio -id --quiet 2>/dev/null || true)
has() { if [ -e "$R/x/$2" ] || [ -L "$R/x/$2" ]; then ok "$1"; else not_ok "$1 ($2 missing)"; fi; }
has "kdump-collect at LIBEXECDIR" "$R/libexec/kdump-collect"
has "kdump-failure-action at LIBEXECDIR" "$R/libexec/kdump-failure-action"
has "generator in system-generators" usr/lib/systemd/system-generators/kdump-target-generator
for u in kdump-capture.target kdump-capture.service kdump-failure-action.service kdump-final-action.service; do
	has "unit $u" "usr/lib/systemd/system/$u"
done
has "makedumpfile" usr/bin/makedumpfile
has "kdump.conf" etc/kdump.conf
has "kdump_post hook" usr/bin/true
has "/etc/initrd-release" etc/initrd-release
if grep -q "ExecStart=$R/libexec/kdump-collect" "$R/x/usr/lib/systemd/system/kdump-capture.service"; then
	ok "unit ExecStart= substituted"
else not_ok "unit ExecStart= not substituted"; fi
for u in emergency.service dracut-emergency.service; do
	if grep -qx "ExecStart=$R/libexec/kdump-failure-action" "$R/x/usr/lib/systemd/system/$u.d/kdump.conf" 2>/dev/null; then
		ok "$u runs the failure action"
	else not_ok "$u drop-in missing"; fi
done
if (cd "$R/x" && SYSTEMD_LOG_LEVEL=notice timeout 60 systemd-analyze --root="$R/x" verify --man=no kdump-capture.target emergency.service) >"$R/v" 2>&1 && [ ! -s "$R/v" ]; then
	ok "systemd-analyze --root=IMAGE verify kdump-capture.target"
else not_ok "verify in the image"; sed 's/^/# /' "$R/v"; fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
