#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Which makedumpfile options should kdumpkit's default core_collector use?
# Runs the guest suite's own makedumpfile (DISTRO, default trixie: the one
# the capture initramfs of that suite carries, not the host's) over one full
# ELF vmcore of that suite (as `core_collector cp` saves it: the VM scenario
# collector-cp leaves one under the harness cache) with each candidate, and
# writes a Markdown table: output size, wall time, peak RSS, the pages
# makedumpfile kept and excluded as free, whether `--dump-dmesg` reads the
# panic back out of the output, and (when the kernel's vmlinux is cached)
# whether crash(8) reads it whole (test/vm/crash-check.sh).  Host CPU, not the capture kernel's: the
# ratios between options carry over, the absolute times do not (qemu TCG is
# several times slower, and the host may be busy).  Sizes are exact.
#
#   bench/collector-options.sh [VMCORE]  (default: newest collector-cp dump of DISTRO)
#   DISTRO=bookworm make bench-collector
#   BENCH_COLLECTOR_REF="forky" ...      also run these suites' makedumpfile
#                                        over the same vmcore (reference rows)
# Results: bench/results/<date>-collector-<suite>.md
#
# makedumpfile runs chrooted in the suite's cached guest tree, inside a
# private mount namespace: a tmpfs over the tree's /tmp (the vmcore bind-mounted
# read-only there, outputs written there) and /proc (makedumpfile sizes its
# buffers from /proc/meminfo).  Nobody else sees those mounts, so the tree
# itself is never changed, not even while the VM harness copies it.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=test/vm/common.sh
. "$BENCH_DIR/../test/vm/common.sh"
[ "$(id -u)" = 0 ] || die "must run as root (chroot, mounts)"

RESULTS=${BENCH_RESULTS:-$BENCH_DIR/results}
REF_SUITES=${BENCH_COLLECTOR_REF:-}
# s, per makedumpfile run: the slowest sane one takes seconds per GiB; 1.7.6's
# --num-threads hangs at times
RUN_TIMEOUT=${BENCH_COLLECTOR_TIMEOUT:-120}
VMCORE=${1:-}
if [ -z "$VMCORE" ]; then
	VMCORE=$(find "$RUNS/collector-cp/dump" -name vmcore -printf '%T@ %p\n' 2>/dev/null |
		sort -n | tail -n1 | cut -d' ' -f2-)
fi
if [ -z "$VMCORE" ] || [ ! -s "$VMCORE" ]; then
	die "no ELF vmcore under $RUNS/collector-cp/dump; run 'make check-vm SCENARIOS=collector-cp DISTRO=$DISTRO' first or pass one"
fi
VMCORE=$(realpath "$VMCORE")
[ "$(head -c4 "$VMCORE" | od -An -c | tr -d ' ')" = 177ELF ] ||
	die "$VMCORE: not an ELF vmcore (makedumpfile's output cannot be re-filtered fairly)"

tree_of() { echo "$CACHE/$1/tree"; }
for s in "$DISTRO_ID" $REF_SUITES; do
	[ -x "$(tree_of "$s")/usr/bin/makedumpfile" ] ||
		die "$(tree_of "$s")/usr/bin/makedumpfile missing (test/vm/build-base.sh with DISTRO=${s%-bpo})"
done

# Everything below mounts: do it in a private mount namespace, which also
# drops every mount when the script ends, however it ends.
if [ "${KDUMPKIT_COLLECTOR_NS:-}" != 1 ]; then
	exec unshare --mount --propagation private env KDUMPKIT_COLLECTOR_NS=1 \
		"$BENCH_DIR/collector-options.sh" "$VMCORE"
fi

MOUNTS=()
undo_mounts() {
	local i
	for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
		umount "${MOUNTS[i]}" 2>/dev/null || umount -l "${MOUNTS[i]}"
	done
	MOUNTS=()
}
trap undo_mounts EXIT
for s in "$DISTRO_ID" $REF_SUITES; do
	t=$(tree_of "$s")
	mount -t tmpfs -o mode=0700,size=4g kdumpkit-collector "$t/tmp"
	MOUNTS+=("$t/tmp")
	mount --bind /proc "$t/proc"
	MOUNTS+=("$t/proc")
	: >"$t/tmp/vmcore"
	mount --bind -o ro "$VMCORE" "$t/tmp/vmcore"
	MOUNTS+=("$t/tmp/vmcore")
done

# in_tree SUITE CMD...: CMD chrooted in SUITE's tree, bounded
in_tree() {
	local t
	t=$(tree_of "$1")
	shift
	timeout "$RUN_TIMEOUT" chroot "$t" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C "$@"
}
mdf_version() { in_tree "$1" makedumpfile -v 2>&1 | sed -n 's/^makedumpfile: version //p' | head -n1; }
# built_in SUITE LETTER: makedumpfile -h says the -p (snappy) or -z (zstd)
# compressor is built in; a missing one is silently ignored, i.e. such a run
# would measure no compression under another name
built_in() {
	local name
	case $2 in p) name=snappy ;; z) name=zstd ;; *) return 0 ;; esac
	in_tree "$1" makedumpfile -h 2>&1 | sed -n "/^$name support:/{n;p}" | grep -q enabled
}
# last_msg LOG: makedumpfile's last message (not a timing line); never fails
# shellcheck disable=SC2016 # sed's $, not the shell's
last_msg() { sed -n '/^STEP/!{/./h}; ${x;p}' "$1"; }
# hex_mib HEX-PAGES: 4 KiB pages as MiB
hex_mib() { awk -v p="$(( $1 ))" 'BEGIN { printf "%.1f", p * 4096 / 1048576 }'; }

mkdir -p "$RESULTS"
MD=$RESULTS/$(date -u +%F)-collector-$DISTRO_ID.md
in_mib=$(( $(stat -c %s "$VMCORE") / 1048576 ))
osrelease=$(head -c 16M "$VMCORE" | grep -a -m1 -o 'OSRELEASE=[[:graph:]]*' | cut -d= -f2 || true)
# crash(8) only with a vmlinux already cached: fetching one is ~1 GB
crash_kver=
[ -z "$osrelease" ] || [ ! -s "$SUITE_DIR/vmlinux-$osrelease" ] || crash_kver=$osrelease

# label|options: the shipped default first, then what else makedumpfile
# offers; -d 17/23 keep user (and cache) pages, for their cost
candidates=(
	"-l -d 31 (default)|-l -d 31"
	"-c -d 31 (zlib)|-c -d 31"
	"-p -d 31 (snappy)|-p -d 31"
	"-z -d 31 (zstd)|-z -d 31"
	"-d 31 (no compression)|-d 31"
	"-l -d 17|-l -d 17"
	"-l -d 23|-l -d 23"
	"-z -d 23|-z -d 23"
	"-l -d 31 --num-threads 2|-l -d 31 --num-threads 2"
)
rows=()
for c in "${candidates[@]}"; do rows+=("$DISTRO_ID|$c"); done
for s in $REF_SUITES; do
	rows+=("$s|$s's makedumpfile: -l -d 31|-l -d 31")
	! built_in "$s" z || rows+=("$s|$s's makedumpfile: -z -d 31|-z -d 31")
done

{
	echo "# makedumpfile options over one $DISTRO_ID vmcore — $(date -u '+%F %H:%M') UTC"
	echo
	echo "- Input: full ELF vmcore (\`core_collector cp\`) of the $DISTRO_ID guest, kernel ${osrelease:-?}: ${in_mib} MiB (\`$(basename "$(dirname "$VMCORE")")\`)"
	echo "- makedumpfile: $DISTRO_ID's own, $(mdf_version "$DISTRO_ID"), chrooted in its guest tree"
	echo "- Host: $(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)), kernel $(uname -r), busy with VM runs: times are relative, sizes exact"
	echo "- Each line: best time of 3 runs, largest peak RSS of the 3 (GNU time); output to tmpfs."
	echo "  kept / free: pages makedumpfile wrote (before compression) and excluded as free, from its report."
	echo "  dmesg: \`makedumpfile --dump-dmesg\` of the output (same makedumpfile) shows \"$KDVM_PAT_PANIC\"."
	if [ -n "$crash_kver" ]; then
		echo "  crash: test/vm/crash-check.sh (crash(8) with vmlinux-$crash_kver: sysrq panic, bt, every task's backtrace, no read error)."
	else
		echo "  crash: not run, no cached vmlinux-${osrelease:-?} (\`DISTRO=$DISTRO test/vm/crash-check.sh --fetch-only ${osrelease:-}\` fetches it, ~1 GB)."
	fi
	echo
	echo "| options | output (MiB) | time (s) | peak RSS (MiB) | kept (MiB) | free excluded (MiB) | dmesg | crash |"
	echo "|---|---|---|---|---|---|---|---|"
} >"$MD"

unsupported=()
failed=0
for r in "${rows[@]}"; do
	suite=${r%%|*}
	r=${r#*|}
	label=${r%%|*}
	read -r -a opts <<<"${r#*|}"
	t=$(tree_of "$suite")/tmp
	letter=
	case " ${opts[*]} " in *" -p "*) letter=p ;; *" -z "*) letter=z ;; esac
	if [ -n "$letter" ] && ! built_in "$suite" "$letter"; then
		# shellcheck disable=SC2016 # backquotes are Markdown
		printf '| `%s` | not built into %s | | | | | | |\n' "$label" "$suite" >>"$MD"
		echo "collector-options: $label: not built in, skipped" >&2
		continue
	fi
	best=''
	rss_max=0
	why=
	for i in 1 2 3; do
		rm -f "$t/out"
		if timeout "$RUN_TIMEOUT" /usr/bin/time -f '%e %M' -o "$t/time" \
			chroot "$(tree_of "$suite")" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C \
			makedumpfile --message-level 22 "${opts[@]}" /tmp/vmcore /tmp/out >"$t/log.$i" 2>&1; then
			:
		else
			rc=$?
			# a failure is a figure too (the row says which), not the end of the run
			why="rc $rc: $(last_msg "$t/log.$i")"
			[ "$rc" != 124 ] || why="no end within ${RUN_TIMEOUT} s (run $i)"
			break
		fi
		read -r secs rss <"$t/time"
		if [ -z "$best" ] || awk -v a="$secs" -v b="$best" 'BEGIN { exit !(a < b) }'; then
			best=$secs
		fi
		[ "$rss" -le "$rss_max" ] || rss_max=$rss
	done
	if [ -n "$why" ]; then
		# shellcheck disable=SC2016 # backquotes are Markdown
		printf '| `%s` | failed: %s | | | | | | |\n' "$label" "${why//|/\\|}" >>"$MD"
		echo "collector-options: $suite: $label: failed: $why" >&2
		continue
	fi
	[ -n "${total:-}" ] || total=$(sed -n 's/^Total pages *: *//p' "$t/log.1")
	if grep -q 'The kernel version is not supported' "$t/log.1"; then
		case " ${unsupported[*]} " in *" $suite "*) ;; *) unsupported+=("$suite") ;; esac
	fi
	kept=$(sed -n 's/^ *Remaining pages *: *//p' "$t/log.1")
	free=$(sed -n 's/^ *Free pages *: *//p' "$t/log.1")
	size=$(stat -c %s "$t/out")
	rm -f "$t/dmesg.txt"
	readable=NO
	if in_tree "$suite" makedumpfile --dump-dmesg /tmp/out /tmp/dmesg.txt >"$t/dmesg.log" 2>&1 &&
		grep -q "$KDVM_PAT_PANIC" "$t/dmesg.txt"; then
		readable=yes
	else
		failed=1
	fi
	crash=-
	if [ -n "$crash_kver" ]; then
		if cres=$(DISTRO=$DISTRO KERNEL=$KERNEL "$BENCH_DIR/../test/vm/crash-check.sh" --log "$t/crash.log" \
			"$t/out" "$crash_kver" 2>"$t/crash.err"); then
			crash=yes
		else
			crash=NO
			failed=1
			echo "collector-options: $label: $cres" >&2
		fi
	fi
	# shellcheck disable=SC2016 # backquotes are Markdown
	printf '| `%s` | %.1f | %.2f | %.1f | %s | %s | %s | %s |\n' "$label" "$(echo "$size / 1048576" | bc -l)" "$best" \
		"$(echo "$rss_max / 1024" | bc -l)" "$(hex_mib "${kept:-0}")" "$(hex_mib "${free:-0}")" "$readable" "$crash" >>"$MD"
	echo "collector-options: $suite: $label: $size bytes, ${best}s, ${rss_max} KiB, dmesg $readable, crash $crash" >&2
done

{
	echo
	echo "- Guest memory: $(hex_mib "${total:-0}") MiB (makedumpfile's \"Total pages\")."
	for s in "$DISTRO_ID" $REF_SUITES; do
		case " ${unsupported[*]} " in
		*" $s "*) echo "- $s's makedumpfile $(mdf_version "$s") printed \"The kernel version is not supported.\" for ${osrelease:-this kernel}." ;;
		*) echo "- $s's makedumpfile $(mdf_version "$s") did not print \"The kernel version is not supported.\"" ;;
		esac
	done
} >>"$MD"
echo "collector-options: wrote $MD" >&2
cat "$MD"
[ "$failed" = 0 ] || die "an output failed its dmesg or crash check (rows marked NO)"
