#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Golden tests for kdump-target-generator, in the manner of systemd's
# test/test-fstab-generator.sh: each generator/<case>/ holds kdump.conf,
# cmdline, optionally status (the expected exit code, default 0), and
# expected/, the tree the generator must write (absent: nothing written).
# The output is compared with `diff -ru`, and every unit name in it is
# checked against the real systemd-escape.
#
# usage: test-generator.sh GENERATOR      (UPDATE=1 rewrites expected/)
set -u

gen=$(realpath "${1:?usage: $0 GENERATOR}")
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0

ok() { echo "ok - $*"; pass=$((pass + 1)); }
not_ok() { echo "not ok - $*"; fail=$((fail + 1)); }

# Every unit name in the tree must be what systemd-escape makes of its path.
check_names() {
	local out=$1 name f where what unit
	for f in "$out"/*.mount; do
		[ -e "$f" ] || continue
		name=${f##*/}
		where=$(sed -n 's/^Where=//p' "$f")
		unit=$(systemd-escape --path --suffix=mount "$where")
		[ "$unit" = "$name" ] || { echo "# $name: systemd-escape says $unit"; return 1; }
		what=$(sed -n 's/^What=//p' "$f" | sed 's/%%/%/g')
		case $what in
		/dev/*)
			unit=$(systemd-escape --path --suffix=device "$what")
			[ -d "$out/$unit.d" ] || { echo "# $name: no drop-in dir $unit.d for What=$what"; return 1; }
			;;
		esac
	done
	for f in "$out"/*.device.d; do
		[ -e "$f" ] || continue
		name=${f##*/}
		name=${name%.d}
		unit=$(systemd-escape --path --suffix=device "$(systemd-escape --unescape --path "${name%.device}")")
		[ "$unit" = "$name" ] || { echo "# $name: round trip through systemd-escape gives $unit"; return 1; }
	done
	return 0
}

for dir in "$here"/generator/*/; do
	case=$(basename "$dir")
	out=$tmp/$case
	mkdir -p "$out/normal" "$out/early" "$out/late"
	want_status=$(cat "$dir/status" 2>/dev/null || echo 0)
	KDUMP_LOG_STDERR=1 KDUMP_CONF=$dir/kdump.conf KDUMP_PROC_CMDLINE=$dir/cmdline \
		"$gen" "$out/normal" "$out/early" "$out/late" 2>"$out/stderr"
	status=$?
	if [ "${UPDATE:-0}" = 1 ]; then
		rm -rf "$dir/expected"
		if [ -n "$(ls -A "$out/normal")" ]; then cp -a "$out/normal" "$dir/expected"; fi
	fi
	expected=$dir/expected
	[ -d "$expected" ] || { expected=$tmp/empty; mkdir -p "$expected"; }
	if [ "$status" != "$want_status" ]; then
		not_ok "$case: exit status $status, expected $want_status"
		sed 's/^/# /' "$out/stderr"
	elif ! diff -ru "$expected" "$out/normal" >"$out/diff"; then
		not_ok "$case: output differs"
		sed 's/^/# /' "$out/diff"
	elif [ -n "$(find "$out/early" "$out/late" -mindepth 1)" ]; then
		not_ok "$case: wrote into the early or late directory"
	elif ! msg=$(check_names "$out/normal"); then
		not_ok "$case: unit names"
		echo "$msg"
	else
		ok "$case"
	fi
	# stderr is logged, never part of the output: but must not be sanitizer noise
	if grep -q 'Sanitizer\|runtime error' "$out/stderr"; then
		not_ok "$case: sanitizer report"
		sed 's/^/# /' "$out/stderr"
	fi
done

# The generator refuses bad usage without writing anything.
if "$gen" >/dev/null 2>&1; then not_ok "no arguments accepted"; else ok "no arguments refused"; fi

# dracut's 99base writes <device>.device.d/timeout.conf (JobTimeoutSec=0, no
# limit) for each --mount device of a hostonly image; systemd applies drop-ins
# in the order of their names, so ours must sort after it to bound the wait.
# (A real image: check-capture-dracut.)
names=$(find "$here/generator" -path '*.device.d/*' -name '*.conf' -printf '%f\n' | sort -u)
if [ "$names" = zz-kdump-device-timeout.conf ] && [ "$(printf '%s\n' timeout.conf "$names" | LC_ALL=C sort | tail -n 1)" = "$names" ]; then
	ok "the device timeout drop-in sorts after dracut's timeout.conf"
else
	not_ok "the device timeout drop-in sorts after dracut's timeout.conf (names: $names)"
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
