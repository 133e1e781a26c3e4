#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Which makedumpfile options should kdumpkit's default core_collector use?
# Runs makedumpfile over one full ELF vmcore (as `core_collector cp` saves
# it: the VM scenario collector-cp leaves one under the harness cache) with
# each candidate, and writes a Markdown table: output size, wall time and
# peak RSS per option set.  Host CPU, not the capture kernel's: the ratios
# between options carry over, the absolute times do not (qemu TCG is several
# times slower).
#
#   bench/collector-options.sh [VMCORE]      (default: newest collector-cp dump)
#   make bench-collector
# Results: bench/results/<date>-collector.md
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
RUNS=${KDUMPKIT_VM_CACHE:-/var/tmp/kdumpkit-vm}/runs/${DISTRO:-trixie}
RESULTS=${BENCH_RESULTS:-$BENCH_DIR/results}
VMCORE=${1:-}
if [ -z "$VMCORE" ]; then
	VMCORE=$(find "$RUNS/collector-cp/dump" -name vmcore -printf '%T@ %p\n' 2>/dev/null |
		sort -n | tail -n1 | cut -d' ' -f2-)
fi
if [ -z "$VMCORE" ] || [ ! -s "$VMCORE" ]; then
	echo "collector-options: no ELF vmcore; run 'make check-vm SCENARIOS=collector-cp' first or pass one" >&2
	exit 1
fi
command -v makedumpfile >/dev/null || { echo "collector-options: makedumpfile missing" >&2; exit 1; }

WORK=$(mktemp -d /var/tmp/kdumpkit-collector.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$RESULTS"
MD=$RESULTS/$(date -u +%F)-collector.md
in_mib=$(( $(stat -c %s "$VMCORE") / 1048576 ))

# label|options: the shipped default first, then what else makedumpfile 1.7.2
# offers (Debian's build has no zstd: -z is left out)
candidates=(
	"-l -d 31 (default)|-l -d 31"
	"-c -d 31 (zlib)|-c -d 31"
	"-p -d 31 (snappy, if built in)|-p -d 31"
	"-d 31 (no compression)|-d 31"
	"-l -d 17|-l -d 17"
	"-l -d 31 --num-threads 2|-l -d 31 --num-threads 2"
)

{
	echo "# makedumpfile options over one vmcore — $(date -u '+%F %H:%M') UTC"
	echo
	echo "- Input: full ELF vmcore of the 2 GiB bench guest (${in_mib} MiB; \`$(basename "$(dirname "$VMCORE")")\`)"
	echo "- makedumpfile: $(makedumpfile -v 2>&1 | head -n1 | sed 's/^makedumpfile: //')"
	echo "- Host: $(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)), kernel $(uname -r)"
	echo "- Each line: best of 3 runs; output to tmpfs; peak RSS from GNU time."
	echo
	echo "| options | output (MiB) | time (s) | peak RSS (MiB) |"
	echo "|---|---|---|---|"
} >"$MD"

for c in "${candidates[@]}"; do
	label=${c%%|*}
	read -r -a opts <<<"${c#*|}"
	best=
	for _ in 1 2 3; do
		rm -f "$WORK/out"
		/usr/bin/time -f '%e %M' -o "$WORK/time" makedumpfile --message-level 1 "${opts[@]}" "$VMCORE" "$WORK/out" \
			>/dev/null 2>&1 || { echo "collector-options: makedumpfile ${opts[*]} failed" >&2; exit 1; }
		read -r secs rss <"$WORK/time"
		if [ -z "$best" ] || awk -v a="$secs" -v b="$best" 'BEGIN { exit !(a < b) }'; then
			best=$secs
			best_rss=$rss
		fi
	done
	size=$(stat -c %s "$WORK/out")
	# shellcheck disable=SC2016 # backquotes are Markdown
	printf '| `%s` | %.1f | %.2f | %.1f |\n' "$label" "$(echo "$size / 1048576" | bc -l)" "$best" \
		"$(echo "$best_rss / 1024" | bc -l)" >>"$MD"
	echo "collector-options: $label: $size bytes, ${best}s" >&2
done
echo "collector-options: wrote $MD" >&2
cat "$MD"
