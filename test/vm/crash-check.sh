#!/bin/bash
# Read a VM dump the way an analyst does: crash(8) with the guest kernel's
# debug symbols, and check that the dump is whole.
#
#   1. vmlinux: usr/lib/debug/boot/vmlinux-KVER (or what that symlink
#      names) out of the suite's linux-image-KVER-dbg (the version installed
#      in the guest tree), fetched with apt in a chroot of the suite's build
#      tree (its sources include -updates and -security; its lists were
#      deleted after install, so apt gets private ones) and cached as
#      $SUITE_DIR/vmlinux-KVER.  The ~1 GB .deb is deleted once the member
#      is out.
#   2. crash: chrooted in the build tree of a suite whose crash reads KVER:
#      Debian 12's crash 8.0.2 sees 3 tasks of its own 6.1 kernel ("active
#      task ... not found in PID hash"); 13's 8.0.6 reads 6.1 and 6.12;
#      14's 9.0.2 is for 7.x.  So kernels up to 6.12 get trixie's, newer ones
#      forky's (KDVM_CRASH_SUITE overrides); the tree is built with
#      build-base.sh if it has no crash yet.  The vmcore and vmlinux are
#      hard-linked (bind-mounted across file systems) into the chroot.
#   3. sys, bt, ps, foreach bt must show: the panic is the sysrq one, bt of
#      the panic task goes through sysrq_handle_crash, ps lists PID 1 and at
#      least KDVM_CRASH_MIN_TASKS (30) tasks, as many as sys's TASKS, every
#      task has a backtrace, and crash reports no read error of any kind.
#
# Usage: crash-check.sh [--log FILE] VMCORE [KVER]
#        crash-check.sh --fetch-only [KVER]       only fetch/cache vmlinux
#   KVER defaults to $SUITE_DIR/kver (DISTRO, KERNEL: common.sh); --log
#   defaults to crash.log beside VMCORE (crash's whole output).
# Env:   KDVM_CRASH_SUITE, KDVM_CRASH_MIN_TASKS (30), CRASH_TIMEOUT (600 s),
#        FETCH_TIMEOUT (1800 s, per apt/extract step and lock wait)
# Prints one line "CRASH PASS tasks=N bt=FUNC crash=VERSION (SUITE's)" or
# "CRASH FAIL <reason>"; exit 0/1.  Timings go to stderr.  When crash stops
# in its own start-up on a structure offset the vmlinux's debug info lacks
# (crash older than the kernel: a fact about vmlinux and crash, never about
# the dump), "CRASH UNSUPPORTED <reason>", exit 2.
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

usage() { echo "usage: ${0##*/} [--log FILE] VMCORE [KVER] | --fetch-only [KVER]" >&2; exit 64; }
fetch_only=0
logf=""
while [ $# -gt 0 ]; do
	case "$1" in
	--fetch-only) fetch_only=1 ;;
	--log) [ $# -ge 2 ] || usage; logf=$2; shift ;;
	-*) usage ;;
	*) break ;;
	esac
	shift
done
if [ "$fetch_only" = 1 ]; then
	[ $# -le 1 ] || usage
	vmcore=""
	kver=${1:-}
else
	{ [ $# -ge 1 ] && [ $# -le 2 ]; } || usage
	vmcore=$(realpath -e -- "$1" 2>/dev/null) || { echo "CRASH FAIL no vmcore $1"; exit 1; }
	kver=${2:-}
	logf=${logf:-$(dirname "$vmcore")/crash.log}
fi
kver=${kver:-$(cat "$SUITE_DIR/kver" 2>/dev/null || true)}

CRASH_TIMEOUT=${CRASH_TIMEOUT:-600}
FETCH_TIMEOUT=${FETCH_TIMEOUT:-1800}
MIN_TASKS=${KDVM_CRASH_MIN_TASKS:-30}
CHROOT_ENV=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 HOME=/root TERM=dumb)

fail() { echo "CRASH FAIL $*"; exit 1; }
[ "$(id -u)" = 0 ] || fail "must run as root (chroot)"
[ -n "$kver" ] || fail "no kernel release: no $SUITE_DIR/kver and none given"

# Work directories inside chroots and bind mounts, undone on every exit.
CLEAN_DIRS=()
CLEAN_FILES=()
BIND_FILES=()
cleanup() {
	local f
	for f in ${CLEAN_FILES[@]+"${CLEAN_FILES[@]}"}; do rm -f "$f"; done
	for f in ${BIND_FILES[@]+"${BIND_FILES[@]}"}; do
		umount "$f" 2>/dev/null || umount -l "$f" 2>/dev/null || true
	done
	for f in ${CLEAN_DIRS[@]+"${CLEAN_DIRS[@]}"}; do rm -rf --one-file-system "$f"; done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# link_in SRC DEST: SRC visible at DEST (a path inside a chroot) without a copy.
link_in() {
	ln -- "$1" "$2" 2>/dev/null && return 0
	: >"$2"
	mount --bind -- "$1" "$2" || return 1
	BIND_FILES+=("$2")
}

# --- 1. vmlinux with debug info ----------------------------------------------
VMLINUX=$SUITE_DIR/vmlinux-$kver
# TAR_PICK KVER OUT, a tar stream on stdin: writes usr/lib/debug/boot/vmlinux-KVER
# (or the file its symlink names) to OUT and stops reading; says which on stderr.
# shellcheck disable=SC2016 # Python, not shell
TAR_PICK='
import os.path, shutil, sys, tarfile
kver, out = sys.argv[1:]
boot = "usr/lib/debug/boot/vmlinux-" + kver
# a symlink target seen before the link itself is kept until the link tells
maybe = {"usr/lib/debug/lib/modules/%s/vmlinux" % kver, "usr/lib/debug/vmlinux-" + kver}
kept = {}
want = boot
def save(m, path):
    with tf.extractfile(m) as src, open(path, "wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
tf = tarfile.open(fileobj=sys.stdin.buffer, mode="r|", bufsize=1 << 20)
try:
    for m in tf:
        name = m.name[2:] if m.name.startswith("./") else m.name
        if name == want and m.isfile():
            save(m, out)
            break
        if name == boot and m.issym():
            want = os.path.normpath(os.path.join(os.path.dirname(boot), m.linkname))
            if want in kept:
                os.replace(kept[want], out)
                break
        elif name in maybe and m.isfile():
            kept[name] = "%s.%d" % (out, len(kept))
            save(m, kept[name])
    else:
        sys.exit("no %s in the package" % want)
finally:
    for path in kept.values():
        if os.path.exists(path):
            os.remove(path)
print("vmlinux is %s%s" % (want, "" if want == boot else " (" + boot + " links to it)"), file=sys.stderr)
'
fetch_vmlinux() {
	local pkg=linux-image-$kver-dbg ver wd deb t s st bytes
	[ -e "$BTREE/.stage2" ] || fail "no build tree $BTREE to fetch $pkg with (build-base.sh build)"
	# Parallel scenarios of a suite: one fetches, the others wait for it.
	exec 7>"$SUITE_DIR/.vmlinux.lock"
	flock -w "$FETCH_TIMEOUT" 7 || fail "timed out waiting for $SUITE_DIR/.vmlinux.lock"
	[ ! -s "$VMLINUX" ] || { exec 7>&-; return 0; }
	# The build tree must not be rebuilt under apt (build-base.sh locks it).
	exec 6>"$SUITE_DIR/.build.lock"
	flock -s -w "$FETCH_TIMEOUT" 6 || fail "timed out waiting for $SUITE_DIR/.build.lock"
	# The exact version the guest runs, when the guest tree knows it.
	ver=$(dpkg-query --admindir="$TREE/var/lib/dpkg" -W -f '${Version}' "linux-image-$kver" 2>/dev/null || true)
	wd=$(mktemp -d "$BTREE/var/tmp/kdvm-dbg.XXXXXX")
	CLEAN_DIRS+=("$wd")
	mkdir -p "$wd/lists/partial" "$wd/cache/archives/partial"
	local apt=(-q -o "Dir::State::Lists=${wd#"$BTREE"}/lists" -o "Dir::Cache=${wd#"$BTREE"}/cache"
		-o APT::Sandbox::User=root)
	t=$(now)
	s=$(now)
	timeout -k 10 "$FETCH_TIMEOUT" chroot "$BTREE" "${CHROOT_ENV[@]}" apt-get "${apt[@]}" update \
		>"$wd/apt.log" 2>&1 || fail "apt-get update in $BTREE failed: $(grep -E '^(E|W):' "$wd/apt.log" | head -n 2 | tr '\n' ' ')"
	log "apt-get update for $DISTRO_ID in $(elapsed "$s")s"
	s=$(now)
	timeout -k 10 "$FETCH_TIMEOUT" chroot "$BTREE" "${CHROOT_ENV[@]}" env -C "${wd#"$BTREE"}" \
		apt-get "${apt[@]}" download "$pkg${ver:+=$ver}" >>"$wd/apt.log" 2>&1 ||
		fail "cannot download $pkg${ver:+ $ver} from $DISTRO_ID's archive: $(grep -E '^(E|W):' "$wd/apt.log" | head -n 2 | tr '\n' ' ')"
	deb=$(find "$wd" -maxdepth 1 -name "${pkg}_*.deb" -print -quit)
	[ -n "$deb" ] || fail "apt-get download left no ${pkg}_*.deb"
	bytes=$(stat -c %s "$deb")
	log "downloaded $(basename "$deb") ($((bytes / 1048576)) MiB) in $(elapsed "$s")s"
	# Only the one member, read as the tar streams by: 13 and 12 ship
	# boot/vmlinux-KVER early, before the modules' debug files, so the read
	# stops there; 14 makes it a symlink to lib/modules/KVER/vmlinux, which
	# comes after them.  dpkg-deb may then die of SIGPIPE, which is fine.
	s=$(now)
	CLEAN_FILES+=("$VMLINUX.tmp" "$VMLINUX.tmp.0" "$VMLINUX.tmp.1")
	set +e
	timeout -k 10 "$FETCH_TIMEOUT" chroot "$BTREE" dpkg-deb --fsys-tarfile "${deb#"$BTREE"}" 2>"$wd/dpkg-deb.err" |
		timeout -k 10 "$FETCH_TIMEOUT" "$HOST_PYTHON" -c "$TAR_PICK" "$kver" "$VMLINUX.tmp" 2>"$wd/pick.err"
	st=("${PIPESTATUS[@]}")
	set -e
	rm -f "$deb"
	if [ "${st[1]}" != 0 ] || [ "$(head -c 4 "$VMLINUX.tmp" 2>/dev/null | tr -c '[:print:]' '.')" != .ELF ]; then
		rm -f "$VMLINUX.tmp"
		fail "no vmlinux-$kver out of $(basename "$deb"): $(head -c 200 "$wd/pick.err") $(head -c 200 "$wd/dpkg-deb.err")"
	fi
	log "$(cat "$wd/pick.err")"
	mv "$VMLINUX.tmp" "$VMLINUX"
	log "extracted vmlinux-$kver ($(($(stat -c %s "$VMLINUX") / 1048576)) MiB) in $(elapsed "$s")s; fetch total $(elapsed "$t")s"
	rm -rf --one-file-system "$wd"
	exec 6>&- 7>&-
}
if [ -s "$VMLINUX" ]; then
	log "vmlinux cached: $VMLINUX"
else
	fetch_vmlinux
fi
if [ "$fetch_only" = 1 ]; then
	echo "CRASH FETCHED $VMLINUX ($(($(stat -c %s "$VMLINUX") / 1048576)) MiB)"
	exit 0
fi

# --- 2. a crash that reads this kernel ---------------------------------------
csuite=${KDVM_CRASH_SUITE:-}
if [ -z "$csuite" ]; then
	mm=$(sed -E 's/^([0-9]+\.[0-9]+).*/\1/' <<<"$kver")
	if [ "$(printf '%s\n' 6.12 "$mm" | sort -V | tail -n 1)" = 6.12 ]; then csuite=trixie; else csuite=forky; fi
fi
CTREE=$CACHE/$csuite/build
if [ ! -x "$CTREE/usr/bin/crash" ]; then
	log "no crash in $CTREE: building $csuite's build tree"
	mkdir -p "$(dirname "$logf")"
	DISTRO=$csuite KERNEL="" timeout -k 10 "$FETCH_TIMEOUT" "$VM_DIR/build-base.sh" build >"$logf.build-base" 2>&1 ||
		fail "no crash in $CTREE, and build-base.sh build for $csuite failed: $(tail -n 1 "$logf.build-base" | cut -c1-160)"
	[ -x "$CTREE/usr/bin/crash" ] || fail "build-base.sh built $CTREE without crash"
fi
exec 5>"$CACHE/$csuite/.build.lock"
flock -s -w "$FETCH_TIMEOUT" 5 || fail "timed out waiting for $CACHE/$csuite/.build.lock"
cver=$(timeout 60 chroot "$CTREE" "${CHROOT_ENV[@]}" crash --version 2>/dev/null | awk '/^crash [0-9]/ { print $2; exit }')
[ -n "$cver" ] || fail "crash --version in $CTREE printed no version"

cw=$(mktemp -d "$CTREE/var/tmp/kdvm-crash.XXXXXX")
CLEAN_DIRS+=("$cw")
link_in "$vmcore" "$cw/vmcore" || fail "cannot put $vmcore into $CTREE"
link_in "$VMLINUX" "$cw/vmlinux" || fail "cannot put $VMLINUX into $CTREE"
printf '%s\n' sys bt ps "foreach bt" quit >"$cw/cmds"
s=$(now)
rc=0
timeout -k 10 "$CRASH_TIMEOUT" chroot "$CTREE" "${CHROOT_ENV[@]}" \
	crash -s "${cw#"$CTREE"}/vmlinux" "${cw#"$CTREE"}/vmcore" <"$cw/cmds" >"$cw/out" 2>&1 || rc=$?
ct=$(elapsed "$s")
mkdir -p "$(dirname "$logf")"
# The log lists the guest's tasks: as private as the vmcore beside it.
umask 077
{
	echo "# crash $cver ($csuite's) -s vmlinux-$kver $vmcore: exit $rc in ${ct}s; commands: sys, bt, ps, foreach bt"
	cat "$cw/out"
} >"$logf"
log "crash $cver ($csuite's) on $(basename "$vmcore"): exit $rc in ${ct}s (log: $logf)"

# --- 3. what an analyst needs ------------------------------------------------
out=$cw/out
case "$rc" in 124 | 137) fail "crash timed out after ${CRASH_TIMEOUT}s (log: $logf)" ;; esac
PS_LINE='^[> ] +[0-9]+ +[0-9]+ +[0-9]+ +[0-9a-f]{8,16} +[A-Z]{2} '
# Every complaint crash makes: "<command>: ..." / "crash: ..." lines,
# WARNINGs, and the messages of a dump it cannot read whole.
unsup=$(grep -m1 -E '^crash: invalid structure member offset: ' "$out" || true)
if [ -n "$unsup" ] && grep -qE 'FUNCTION: [a-z_]+_init\(\)' "$out" && ! grep -qE '^ +PANIC: ' "$out"; then
	echo "CRASH UNSUPPORTED crash $cver ($csuite's) cannot open kernel $kver dumps: ${unsup#crash: } at start-up (log: $logf)"
	exit 2
fi
errs=$(grep -vE "$PS_LINE" "$out" |
	grep -E '^[a-z_]+: |WARNING|not found in PID hash|cannot determine|page excluded|seek error|read error|invalid (kernel|user) virtual address|do not match|no debugging data|no panic task' |
	head -n 3 | tr -s ' \t\n' ' ' | cut -c1-240 || true)
[ -z "$errs" ] || fail "$errs(log: $logf)"
if [ "$rc" != 0 ] && ! grep -q '[^[:space:]]' "$out"; then
	# crash says nothing when it cannot even initialize (a truncated dump);
	# its debug output names the read that failed.
	timeout -k 10 "$CRASH_TIMEOUT" chroot "$CTREE" "${CHROOT_ENV[@]}" \
		crash -s -d 1 "${cw#"$CTREE"}/vmlinux" "${cw#"$CTREE"}/vmcore" <<<quit >"$cw/debug" 2>&1 || true
	{ echo "# no output; again with -d 1:"; cat "$cw/debug"; } >>"$logf"
	fail "crash exited with status $rc before its first command: $(grep -E '^crash: .*(error|fail|cannot|invalid)' "$cw/debug" | tail -n 1 | cut -c1-200) (log: $logf)"
fi
[ "$rc" = 0 ] || fail "crash exited with status $rc: $(tail -n 2 "$out" | tr '\n' ' ' | cut -c1-200) (log: $logf)"

grep -qE '^ +PANIC: .*sysrq triggered crash' "$out" ||
	fail "sys shows no sysrq panic: $(grep -E '^ +PANIC:' "$out" | cut -c1-120) (log: $logf)"
sys_tasks=$(sed -nE 's/^ +TASKS: ([0-9]+).*/\1/p' "$out" | head -n 1)
# Sections: sys up to the first "PID:" line (bt of the panic task), bt up
# to ps's header, ps up to the next "PID:" (foreach bt).
awk '/^PID: / { n++ } n == 1 && /^ +PID +PPID +CPU/ { exit } n == 1' "$out" >"$cw/bt"
awk '/^ +PID +PPID +CPU/ { p = 1; next } p && /^PID: / { exit } p' "$out" >"$cw/ps"
awk '/^ +PID +PPID +CPU/ { p = 1 } p' "$out" | awk '/^PID: / { f = 1 } f' >"$cw/foreach"
bt=$(grep -oE '\] (sysrq_handle_crash) at ' "$cw/bt" | awk '{ print $2; exit }' || true)
[ -n "$bt" ] || fail "bt of the panic task does not go through sysrq_handle_crash: $(grep -oE '\] [A-Za-z0-9_.]+ at ' "$cw/bt" | awk '{ print $2 }' | head -n 6 | tr '\n' ' ')(log: $logf)"
tasks=$(grep -cE "$PS_LINE" "$cw/ps" || true)
grep -qE '^[> ] +1 +0 ' "$cw/ps" || fail "ps lists no PID 1 ($tasks tasks; log: $logf)"
[ "$tasks" -ge "$MIN_TASKS" ] || fail "ps lists only $tasks tasks, expected at least $MIN_TASKS (log: $logf)"
[ "$tasks" = "$sys_tasks" ] || fail "ps lists $tasks tasks, sys says TASKS: ${sys_tasks:-?} (log: $logf)"
traces=$(grep -c '^PID: ' "$cw/foreach" || true)
[ "$traces" = "$tasks" ] || fail "foreach bt gave $traces backtraces for $tasks tasks (log: $logf)"

echo "CRASH PASS tasks=$tasks bt=$bt crash=$cver ($csuite's)"
