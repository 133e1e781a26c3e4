#!/bin/bash
# Check the dump a scenario left on a disk image, without mounting it.
#
# Under PATH (default /var/crash) of the file system in IMAGE (ext4 read with
# debugfs, XFS with xfs_db, both through fsread.py) there must be exactly one
# dump directory <host-or-ip>-<YYYY-MM-DD-HH:MM:SS>/ holding a non-empty
# vmcore and a vmcore-dmesg.txt, and nothing named *incomplete*.  The vmcore is
# then checked independently of the code that wrote it:
#   - makedumpfile --dump-dmesg extracts the crashed kernel's log, which must
#     show "sysrq: Trigger a crash" and "Kernel panic - not syncing";
#   - libkdumpfile (python3-libkdumpfile) opens it and reads the kernel
#     release, which must be the guest's (KVER, default $SUITE_DIR/kver);
#   - crash(8) with the kernel's debug symbols reads it as an analyst would
#     (crash-check.sh: panic task's bt, the whole ps); its output is kept in
#     crash.log beside the vmcore.  --no-crash or KDVM_CRASH_CHECK=0 skip it.
# ELF (core_collector cp) and kdump-compressed (makedumpfile) vmcores are both
# accepted; a flattened one (makedumpfile -F) is reassembled first (and is
# format "flattened": --format kdump refuses it).
#
# Usage: verify-dump.sh [--none] [--format any|elf|kdump|flattened] [--kver KVER]
#                       [--out DIR] [--vmcore-only] [--no-crash] IMAGE [PATH]
#        verify-dump.sh [options] --dir ROOT [PATH]
#   --none    pass only if PATH holds no dump directory (and nothing incomplete)
#   --incomplete  pass only if the dumps in PATH are failed ones: at least
#             one dump directory, none holding a vmcore (a failed capture
#             leaves its vmcore-incomplete, if it wrote any, and its logs)
#   --out     keep the extracted dump in DIR (default: a temporary directory)
#   --dir     read PATH below the host directory ROOT instead of an image
#             (the directory an ssh or nfs server on the host writes into)
#   --vmcore-only  no vmcore-dmesg.txt expected (a dump retrieved from a raw
#             target); the kernel log is still read out of the vmcore
#   --no-crash  skip the crash(8) check
# Prints one line "VERIFY PASS <details>" or "VERIFY FAIL <reason>"; exit 0/1.
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

none=0
format=any
kver=""
outdir=""
hostdir=""
dmesg_file=1
crash_check=${KDVM_CRASH_CHECK:-1}
while [ $# -gt 0 ]; do
	case "$1" in
	--none) none=1 ;;
	--incomplete) none=2 ;;
	--format) format=$2; shift ;;
	--kver) kver=$2; shift ;;
	--out) outdir=$2; shift ;;
	--dir) hostdir=$2; shift ;;
	--vmcore-only) dmesg_file=0 ;;
	--no-crash) crash_check=0 ;;
	-*) echo "usage: ${0##*/} [--none] [--format F] [--kver KVER] [--out DIR] [--vmcore-only] [--no-crash] IMAGE|--dir ROOT [PATH]" >&2; exit 64 ;;
	*) break ;;
	esac
	shift
done
if [ -n "$hostdir" ]; then
	IMAGE=$hostdir
	DPATH=${1:-/var/crash}
else
	[ $# -ge 1 ] || { echo "usage: ${0##*/} [--none] [--format F] [--kver KVER] [--out DIR] [--vmcore-only] [--no-crash] IMAGE|--dir ROOT [PATH]" >&2; exit 64; }
	IMAGE=$1
	DPATH=${2:-/var/crash}
fi
kver=${kver:-$(cat "$SUITE_DIR/kver" 2>/dev/null || true)}

pass() { echo "VERIFY PASS $*"; exit 0; }
fail() { echo "VERIFY FAIL $*"; exit 1; }
# fsread ls PATH: "TYPE SIZE NAME" lines, exit 2 when PATH does not exist;
# fsread get PATH DEST: copy PATH into DEST.  From the image, or from the
# host directory with --dir.
fsread() {
	if [ -z "$hostdir" ]; then
		timeout 600 "$HOST_PYTHON" "$VM_DIR/fsread.py" "$IMAGE" "$@"
	elif [ "$1" = ls ]; then
		[ -d "$hostdir/$2" ] || { echo "$2: no such directory" >&2; return 2; }
		find "$hostdir/$2" -mindepth 1 -maxdepth 1 -printf '%y %s %f\n'
	else
		cp -a "$hostdir/$2" "$3/"
	fi
}

[ -r "$IMAGE" ] || fail "no image $IMAGE"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kdvm-verify.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

rc=0
fsread ls "$DPATH" >"$tmp/ls" 2>"$tmp/err" || rc=$?
if [ "$rc" = 2 ]; then
	[ "$none" = 1 ] && pass "no dump: $DPATH does not exist on $(basename "$IMAGE")"
	fail "$DPATH does not exist on $(basename "$IMAGE")"
fi
[ "$rc" = 0 ] || fail "cannot read $IMAGE: $(head -c 200 "$tmp/err")"

# Entries are "TYPE SIZE NAME".
incomplete=$(awk '$3 ~ /incomplete/ { print $3 }' "$tmp/ls" | head -n 3 | tr '\n' ' ')
mapfile -t dirs < <(awk '$1 == "d" { print $3 }' "$tmp/ls" | grep -E "$KDVM_PAT_DUMPDIR" || true)
if [ "$none" = 2 ]; then
	[ "${#dirs[@]}" != 0 ] || fail "no dump directory in $DPATH (entries: $(awk '{ print $3 }' "$tmp/ls" | tr '\n' ' '))"
	found=""
	for dir in "${dirs[@]}"; do
		fsread ls "$DPATH/$dir" >"$tmp/files" 2>"$tmp/err" || fail "cannot list $DPATH/$dir: $(head -c 200 "$tmp/err")"
		! grep -qE '^f [0-9]+ vmcore$' "$tmp/files" || fail "$dir holds a vmcore: a failed dump presented as complete"
		size=$(awk '$1 == "f" && $3 == "vmcore-incomplete" { print $2 }' "$tmp/files")
		if [ -n "$size" ]; then found+="${found:+, }$dir/vmcore-incomplete ($((size / 1048576)) MiB)"
		else found+="${found:+, }$dir without vmcore data"; fi
	done
	pass "incomplete only: $found"
fi
if [ "$none" = 1 ]; then
	[ -z "$incomplete" ] || fail "expected no dump, found ${incomplete}in $DPATH"
	[ "${#dirs[@]}" = 0 ] || fail "expected no dump, found ${dirs[*]} in $DPATH"
	pass "no dump in $DPATH on $(basename "$IMAGE")"
fi
[ -z "$incomplete" ] || fail "incomplete dump left in $DPATH: $incomplete"
[ "${#dirs[@]}" != 0 ] || fail "no dump directory in $DPATH (entries: $(awk '{ print $3 }' "$tmp/ls" | tr '\n' ' '))"
[ "${#dirs[@]}" = 1 ] || fail "${#dirs[@]} dump directories in $DPATH, expected one: ${dirs[*]}"
dir=${dirs[0]}

fsread ls "$DPATH/$dir" >"$tmp/files" 2>"$tmp/err" || fail "cannot list $DPATH/$dir: $(head -c 200 "$tmp/err")"
incomplete=$(awk '$3 ~ /incomplete/ { print $3 }' "$tmp/files" | tr '\n' ' ')
[ -z "$incomplete" ] || fail "$dir holds $incomplete"
vmsize=$(awk '$1 == "f" && $3 == "vmcore" { print $2 }' "$tmp/files")
[ -n "$vmsize" ] || fail "$dir has no vmcore (files: $(awk '{ print $3 }' "$tmp/files" | tr '\n' ' '))"
[ "$vmsize" -gt 0 ] || fail "$dir/vmcore is empty"
if [ "$dmesg_file" = 1 ]; then
	grep -qE '^f [0-9]+ vmcore-dmesg.txt$' "$tmp/files" || fail "$dir has no vmcore-dmesg.txt"
fi

out=${outdir:-$tmp/out}
mkdir -p "$out"
rm -rf "${out:?}/$dir"
fsread get "$DPATH/$dir" "$out" 2>"$tmp/err" || fail "cannot copy $dir out of the image: $(head -c 200 "$tmp/err")"
vmcore=$out/$dir/vmcore
[ "$(stat -c %s "$vmcore")" = "$vmsize" ] || fail "copied vmcore has the wrong size"
[ "$dmesg_file" = 0 ] || grep -q 'sysrq: Trigger a crash' "$out/$dir/vmcore-dmesg.txt" ||
	fail "vmcore-dmesg.txt lacks 'sysrq: Trigger a crash'"

magic=$(head -c 12 "$vmcore" | tr -c '[:print:]' '.')
case "$magic" in
.ELF*) kind=elf ;;
KDUMP*) kind=kdump ;;
makedumpfile) # flattened (makedumpfile -F): reassemble
	timeout 600 makedumpfile -R "$tmp/vmcore.re" <"$vmcore" >/dev/null 2>&1 ||
		fail "makedumpfile -R could not reassemble the flattened vmcore"
	vmcore=$tmp/vmcore.re
	kind=flattened
	;;
*) fail "vmcore is neither ELF nor kdump-compressed (starts with '$magic')" ;;
esac
[ "$format" = any ] || [ "$format" = "$kind" ] || fail "vmcore is $kind, expected $format"

timeout 600 makedumpfile --dump-dmesg "$vmcore" "$tmp/dmesg" >"$tmp/mdf.log" 2>&1 ||
	fail "makedumpfile --dump-dmesg failed: $(grep -v -e '^$' -e 'not supported' -e 'may be incomplete' "$tmp/mdf.log" | head -n 2 | tr '\n' ' ')"
for s in 'sysrq: Trigger a crash' 'Kernel panic - not syncing'; do
	grep -q "$s" "$tmp/dmesg" || fail "kernel log in vmcore lacks '$s'"
done

release=$(timeout 300 "$HOST_PYTHON" - "$vmcore" 2>"$tmp/err" <<'EOF'
import sys
import kdumpfile

k = kdumpfile.kdumpfile(sys.argv[1])
k.attr["addrxlat.ostype"] = "linux"
print(k.attr["linux.uts.release"])
EOF
) || fail "libkdumpfile cannot open the vmcore: $(tail -n 1 "$tmp/err")"
[ -z "$kver" ] || [ "$release" = "$kver" ] || fail "vmcore is from kernel '$release', the guest runs '$kver'"

# Last, as it is the slow one (a first run per kernel fetches ~1 GB).
crash=""
if [ "$crash_check" != 0 ]; then
	crc=0
	cres=$("$VM_DIR/crash-check.sh" --log "$out/$dir/crash.log" "$vmcore" "$release") || crc=$?
	if [ "$crc" = 2 ] && [[ " $KDVM_CRASH_MAY_LAG " == *" $DISTRO "* ]]; then
		crash=" crash: ${cres#CRASH }"
	elif [ "$crc" != 0 ]; then
		fail "crash: $([ -n "$cres" ] && echo "${cres#CRASH FAIL }" || echo "crash-check.sh gave no verdict")"
	else
		crash=" crash: ${cres#CRASH PASS }"
	fi
fi

pass "dir=$DPATH/$dir format=$kind size=$((vmsize / 1048576))MiB release=$release$crash"
