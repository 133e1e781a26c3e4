#!/bin/bash
# make demo: the whole job on one screen.  Boots a Debian guest (DISTRO,
# default trixie: Debian 13) with
# kdumpkit installed as a package and the stock kdump.conf, lets kdump.service
# build the capture initramfs and load it, crashes the guest with sysrq-c,
# and shows the vmcore the capture kernel saved, read back from the guest's
# disk image and opened with tools that share no code with kdumpkit.
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

if [ "$(id -u)" != 0 ]; then
	echo "make demo: run as root (it installs packages, builds a guest with debootstrap and runs qemu)" >&2
	exit 1
fi

echo "== kdumpkit demo: building the guest (cached after the first run), installing"
echo "   kdumpkit into it, booting it under qemu, crashing it.  First run: ~10 min."
if ! "$VM_DIR/run-scenarios.sh" default; then
	echo "make demo: the crash cycle failed; the console log is in $RUNS/default/console.log" >&2
	exit 1
fi

run=$RUNS/default
dir=$(find "$run/dump" -mindepth 1 -maxdepth 1 -type d | head -n 1)
if [ -z "$dir" ] || [ ! -s "$dir/vmcore" ]; then
	echo "make demo: no vmcore extracted under $run/dump" >&2
	exit 1
fi
name=${dir##*/}
# makedumpfile refuses to write into an existing file: a new name in a new
# directory.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dmesg=$tmp/dmesg.txt
makedumpfile --dump-dmesg "$dir/vmcore" "$dmesg" >/dev/null 2>&1 ||
	{ echo "make demo: makedumpfile --dump-dmesg could not read $dir/vmcore" >&2; exit 1; }

echo
echo "== The capture kernel saved the dump inside the guest as"
echo "     /var/crash/$name/vmcore  ($(du -h --apparent-size "$dir/vmcore" | cut -f1), $(file -b "$dir/vmcore" | cut -d, -f1))"
echo "   copied out of the guest's disk image to"
echo "     $dir/vmcore"
echo "   crash -> vmcore saved: $(sed -n 's/.*saved \([0-9.]*s\) later.*/\1/p' "$RESULTS/default")"
echo
echo "== The panic, read back out of the vmcore with makedumpfile --dump-dmesg:"
grep -E 'sysrq: Trigger a crash|Kernel panic - not syncing|CPU: .* Comm:|RIP: |Call Trace' "$dmesg" | head -n 8 | sed 's/^/   /'
echo
echo "Analyse it with crash(8) and the debug symbols of the guest's kernel"
echo "($(cat "$SUITE_DIR/kver"), Debian package linux-image-$(cat "$SUITE_DIR/kver")-dbg)."
