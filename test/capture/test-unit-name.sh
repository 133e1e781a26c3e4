#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# unit_name_from_path() against the real `systemd-escape --path --suffix=...`,
# on paths that exercise every escaping rule.
# usage: test-unit-name.sh TEST-UNIT-NAME-BINARY
set -u
bin=${1:?usage: $0 TEST-UNIT-NAME-BINARY}
[ -x "$bin" ] || { echo "not ok - $bin not built"; echo "0 passed, 1 failed"; exit 1; }
pass=0 fail=0
# shellcheck disable=SC2054 # "c,d" is one path: names with commas are escaped too
paths=(
	/ /run/kdump/target /run/kdump/rootfs /dev/sda1 /dev/mapper/vg0-crash
	/dev/disk/by-uuid/5d2e8c1a-7f3b-4e0a-9c61-2b8d4f7a3e90
	'/dev/disk/by-label/crash\x20dumps' /dev/disk/by-partlabel/kdump-raw
	//run//kdump/./target/ /.hidden/dir /a/.b '/sp ace/t%b' /ünïcode/ö
	/x:y_z.w /a+b=c,d@e '/tab	x' /a/b-/-c /dev/disk/by-id/nvme-eui.0025385b71b2c3d4-part4
)
for suffix in mount device; do
	for p in "${paths[@]}"; do
		want=$(systemd-escape --path --suffix="$suffix" -- "$p" 2>/dev/null || echo ERROR)
		got=$("$bin" "$suffix" "$p")
		if [ "$want" = "$got" ]; then
			echo "ok - $suffix '$p' -> $got"; pass=$((pass + 1))
		else
			echo "not ok - $suffix '$p': got '$got', systemd-escape says '$want'"; fail=$((fail + 1))
		fi
	done
done
# refused: relative, and ".." (systemd-escape refuses it as not normalized)
for p in relative/path /a/../b; do
	got=$("$bin" mount "$p")
	if [ "$got" = ERROR ]; then echo "ok - '$p' refused"; pass=$((pass + 1))
	else echo "not ok - '$p' accepted as $got"; fail=$((fail + 1)); fi
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
