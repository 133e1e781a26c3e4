#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `systemd-analyze verify` on the capture units, and on them together with a
# generated mount unit and drop-ins.  The units name @LIBEXECDIR@ binaries,
# which are not installed here: the copies verified point at the built ones.
# --man=no: kdump.conf(5) is not installed on the build host.
# usage: test-units.sh BUILD-DIR
set -u
build=$(realpath "${1:?usage: $0 BUILD-DIR}")
here=$(cd "$(dirname "$0")" && pwd)
units=$here/../../systemd-units
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { echo "ok - $*"; pass=$((pass + 1)); }
not_ok() { echo "not ok - $*"; fail=$((fail + 1)); }

names=(kdump-capture.target kdump-capture.service kdump-failure-action.service kdump-final-action.service
	kdump-fence.service)
mkdir -p "$tmp/u"
for u in "${names[@]}"; do
	sed "s|@LIBEXECDIR@|$build|g" "$units/$u" >"$tmp/u/$u"
done
verify() { # verify DESCRIPTION DIR UNITS...
	local d=$1 dir=$2; shift 2
	if (cd "$dir" && SYSTEMD_LOG_LEVEL=notice systemd-analyze verify --man=no "$@") >"$tmp/out" 2>&1 && [ ! -s "$tmp/out" ]; then
		ok "$d"
	else
		not_ok "$d"; sed 's/^/# /' "$tmp/out"
	fi
}
for u in "${names[@]}"; do
	verify "systemd-analyze verify $u" "$tmp/u" "$tmp/u/$u"
done
if grep -q '@[A-Z]*@' "$tmp"/u/*; then not_ok "unsubstituted @VARIABLE@ left"; else ok "all @VARIABLES@ substituted"; fi

# with the generator's output for a dedicated file system and dump_to_rootfs
mkdir -p "$tmp/g"
cp "$tmp"/u/* "$tmp/g/"
cp -r "$here/generator/ext2-partlabel-dump-to-rootfs/expected/." "$tmp/g/"
verify "verify with generated run-kdump-target.mount, run-kdump-rootfs.mount, drop-ins and kdump-fence.service" \
	"$tmp/g" "$tmp/g/kdump-capture.target" "$tmp/g/run-kdump-target.mount" "$tmp/g/run-kdump-rootfs.mount" \
	"$tmp/g/kdump-capture.service" "$tmp/g/kdump-failure-action.service" "$tmp/g/kdump-fence.service"

# with the drop-in that stops udev before the dump (every failure action but
# dump_to_rootfs): it must parse cleanly.  verify does not look up commands
# given by name (udevadm, systemctl): test-dracut checks the image has them.
mkdir -p "$tmp/s"
cp "$tmp"/u/* "$tmp/s/"
cp -r "$here/generator/ext4-uuid/expected/." "$tmp/s/"
if [ -f "$tmp/s/kdump-capture.service.d/60-kdump-udev-stop.conf" ]; then
	verify "verify with the generated udev-stop drop-in" "$tmp/s" "$tmp/s/kdump-capture.target" \
		"$tmp/s/run-kdump-target.mount" "$tmp/s/kdump-capture.service"
else
	not_ok "the ext4-uuid golden tree has no kdump-capture.service.d/60-kdump-udev-stop.conf"
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
