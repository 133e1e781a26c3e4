#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# kdump-collect and kdump-failure-action against a temp-dir target, with
# recording doubles for makedumpfile, journalctl, systemctl and the hooks.
# usage: test-collect.sh DIR-WITH-(ASAN-)BINARIES
set -u
bindir=$(realpath "${1:?usage: $0 BINDIR}")
collect=$bindir/kdump-collect
action=$bindir/kdump-failure-action
tmp=$(mktemp -d)
# shellcheck disable=SC2064 # KEEP_TMP is decided now, $tmp is expanded at exit
trap "${KEEP_TMP:+:} rm -rf \"\$tmp\"" EXIT
pass=0 fail=0
ok() { echo "ok - $*"; pass=$((pass + 1)); }
not_ok() { echo "not ok - $*"; fail=$((fail + 1)); }
# One command only: `check D [ a ] && [ b ]` would assert [ a ] alone, so
# compound conditions are written as `if ...; then ok D; else not_ok D; fi`.
check() { # check DESCRIPTION COMMAND...
	local d=$1; shift
	if "$@"; then ok "$d"; else not_ok "$d"; fi
}

# --- doubles -----------------------------------------------------------------
dbl=$tmp/bin
mkdir -p "$dbl"
cat >"$dbl/makedumpfile" <<'EOS'
#!/bin/sh
# records its argv; --dump-dmesg writes a kernel log; otherwise copies
# the next-to-last argument to the last, or fails half way with FAKE_FAIL=1
PATH=/usr/bin:/bin
echo "makedumpfile $*" >>"$KDUMP_TEST_LOG"
[ "$1" = -i ] && [ -n "${FAKE_COMPAT_COPY:-}" ] && cat "$2" >"$FAKE_COMPAT_COPY"
if [ "$1" = --dump-dmesg ]; then
	[ -e "$3" ] && exit 9      # never write over a file
	echo "[ 0.000000] Linux version test" >"$3"; exit 0
fi
for a; do src=$out; out=$a; [ "$a" = -F ] && flat=1; done
# FAKE_FAIL: 1 exit 1 half way, 2 exit 2 half way, KILL killed by SIGKILL
# half way, stall: half, then nothing for 10 min, empty: nothing, exit 0
half() { head -c 150000 "$1"; }
fail() {
	case ${FAKE_FAIL:-0} in
	1|2) exit "$FAKE_FAIL" ;;
	KILL) kill -KILL $$ ;;
	stall) echo $$ >"$KDUMP_TEST_LOG.stalled"; exec sleep 600 ;;
	esac
}
if [ "${flat:-0}" = 1 ]; then       # -F: the dump on stdout, the vmcore is last
	[ "${FAKE_FAIL:-0}" = empty ] && exit 0
	if [ "${FAKE_FAIL:-0}" != 0 ]; then half "$out"; fail; fi
	cat "$out"; exit
fi
[ -e "$out" ] && exit 9
[ "${FAKE_FAIL:-0}" = empty ] && exit 0
if [ "${FAKE_FAIL:-0}" != 0 ]; then half "$src" >"$out"; fail; fi
cat "$src" >"$out"
EOS
# The writers' contract (kdump-ssh-writer(1) ...): mkdir DIR (0 created,
# 3 exists, 1 error); put [--flattened] [DIR NAME] < DATA writes
# NAME-incomplete and renames it only after "COMMIT <bytes>" on fd 3.  The "server"
# is $FAKE_REMOTE; FAKE_WRITER_FAIL=mkdir|NAME makes that step fail.
wl=$tmp/writers
mkdir -p "$wl"
cat >"$wl/kdump-ssh-writer" <<'EOS'
#!/bin/sh
PATH=/usr/bin:/bin
me=${0##*/}
[ "$1" = --config ] || exit 2
[ "$2" = "$KDUMP_CONF" ] || exit 2
shift 2
echo "$me $*" >>"$KDUMP_TEST_LOG"
echo "$me $* retry=${KDUMP_NET_RETRY_SECS:-} refused=${KDUMP_NET_REFUSED_RETRY_SECS:-}" >>"$KDUMP_TEST_LOG.env"
# a chain: member N (KDUMP_TARGET_INDEX N-1) has its server at $FAKE_REMOTE-N;
# FAKE_DOWN lists the indexes whose server is gone
idx=${KDUMP_TARGET_INDEX:-0}
[ "$idx" = 0 ] || FAKE_REMOTE=$FAKE_REMOTE-$((idx + 1))
case " ${FAKE_DOWN:-} " in *" $idx "*) echo "$me: connection refused" >&2; exit 1 ;; esac
case $1 in
mkdir)
	[ "${FAKE_WRITER_FAIL:-}" = mkdir ] && exit 1
	[ -e "$FAKE_REMOTE/$2" ] && exit 3
	mkdir -p "$FAKE_REMOTE/$2"; exit 0 ;;
put)
	shift; [ "$1" = --flattened ] && shift
	if [ "$me" = kdump-raw-writer ]; then f=$FAKE_REMOTE/raw; n=raw
	else f=$FAKE_REMOTE/$1/$2; n=$2; fi
	[ -e "$f" ] && exit 9
	if [ "${FAKE_WRITER_FAIL:-}" = "$n" ]; then head -c 10 >"$f-incomplete"; exit 1; fi
	# a server that stops answering: the writer takes nothing more
	if [ "${FAKE_WRITER_FAIL:-}" = "stall-$n" ]; then head -c 10 >"$f-incomplete"; exec sleep 600; fi
	cat >"$f-incomplete" || exit 1
	# the commit on fd 3 names the bytes relayed; no line: stay incomplete
	read -r word bytes <&3 || { echo "$me: no commit" >>"$KDUMP_TEST_LOG"; exit 1; }
	[ "$word $bytes" = "COMMIT $(stat -c %s "$f-incomplete")" ] || exit 1
	mv "$f-incomplete" "$f" ;;
*) exit 2 ;;
esac
EOS
chmod +x "$wl/kdump-ssh-writer"
ln -s kdump-ssh-writer "$wl/kdump-nfs-writer"
ln -s kdump-ssh-writer "$wl/kdump-raw-writer"
cat >"$dbl/journalctl" <<'EOS'
#!/bin/sh
echo "journalctl $*" >>"$KDUMP_TEST_LOG"
echo "[    1.000000] host systemd[1]: journal line"
EOS
cat >"$dbl/systemctl" <<'EOS'
#!/bin/sh
# `show`: kdump-capture.service's state, the next of the lines of
# $FAKE_CAPTURE_STATES ("ACTIVESTATE JOB STARTED", the last one repeats)
PATH=/usr/bin:/bin
echo "systemctl $*" >>"$KDUMP_TEST_LOG"
if [ "$1" = show ]; then
	n=$(($(cat "$FAKE_CAPTURE_STATES.n" 2>/dev/null || echo 0) + 1))
	echo "$n" >"$FAKE_CAPTURE_STATES.n"
	total=$(wc -l <"$FAKE_CAPTURE_STATES")
	[ "$n" -gt "$total" ] && n=$total
	set -- $(sed -n "${n}p" "$FAKE_CAPTURE_STATES")
	[ "$1" = FAIL ] && { echo "Failed to connect to system scope bus" >&2; exit 1; }
	[ "$2" = - ] && job= || job=$2
	printf 'Job=%s\nActiveState=%s\nExecMainStartTimestampMonotonic=%s\n' "$job" "$1" "$3"
	exit 0
fi
exit "${FAKE_SYSTEMCTL_STATUS:-0}"
EOS
cat >"$tmp/pre" <<'EOS'
#!/bin/sh
echo "pre $*" >>"$KDUMP_TEST_LOG"
exit "${PRE_STATUS:-0}"
EOS
cat >"$tmp/post" <<'EOS'
#!/bin/sh
echo "post $*" >>"$KDUMP_TEST_LOG"
EOS
cat >"$tmp/shell" <<'EOS'
#!/bin/sh
echo "shell $*" >>"$KDUMP_TEST_LOG"
EOS
mkdir -p "$tmp/libexec"
cat >"$tmp/libexec/kdump-collect" <<'EOS'
#!/bin/sh
echo "kdump-collect $*" >>"$KDUMP_TEST_LOG"
exit "${FAKE_COLLECT_STATUS:-0}"
EOS
chmod +x "$dbl"/* "$tmp"/pre "$tmp"/post "$tmp"/shell "$tmp/libexec/kdump-collect"
ln -s "$(command -v cp)" "$dbl/cp"
ln -s "$(command -v cat)" "$dbl/cat"
nojournal=$tmp/bin-nojournal
mkdir -p "$nojournal"
ln -s "$dbl/makedumpfile" "$nojournal/makedumpfile"

head -c 300000 /dev/urandom >"$tmp/vmcore"
printf '6,1,1500000,-;Linux version test\n SUBSYSTEM=x\n4,2,2250001,-;second line\n' >"$tmp/kmsg"

export KDUMP_LOG_STDERR=1 KDUMP_VMCORE=$tmp/vmcore KDUMP_NOW=1700000000 KDUMP_HOSTNAME=testhost
export KDUMP_TEST_LOG=$tmp/calls KDUMP_KMSG=$tmp/kmsg
name=testhost-2023-11-14-22:13:20

# run_collect CASE CONF-TEXT [ENV...]: target root $tmp/CASE/root
run_collect() {
	local c=$1 conf=$2; shift 2
	mkdir -p "$tmp/$c/root"
	printf '%b' "$conf" >"$tmp/$c/kdump.conf"
	: >"$KDUMP_TEST_LOG"
	env PATH="$dbl" KDUMP_CONF="$tmp/$c/kdump.conf" KDUMP_TARGET_ROOT="$tmp/$c/root" "$@" \
		"$collect" >"$tmp/$c/out" 2>&1
	echo $? >"$tmp/$c/status"
	cp "$KDUMP_TEST_LOG" "$tmp/$c/calls"
}
mode() { stat -c %a "$1"; }
# saved_line LOCATION FILE: the one line that claims the dump, with its size and time
saved_line() {
	local loc=$1 n
	n=$(grep -c '^kdump: saved vmcore to ' "$2")
	[ "$n" = 1 ] && grep -Fq "kdump: saved vmcore to $loc (" "$2" &&
		grep -Eqx "kdump: saved vmcore to .* \([0-9.]+ MiB in [0-9.]+ s\)" "$2"
}
no_sanitizer() { ! grep -q 'Sanitizer\|runtime error' "$1"; }

# --- a successful dump -------------------------------------------------------
run_collect ok "path /var/crash\nkdump_pre $tmp/pre\nkdump_post $tmp/post\n"
d=$tmp/ok/root/var/crash/$name
check "success: exit 0" [ "$(cat "$tmp/ok/status")" = 0 ]
check "success: vmcore is a copy of /proc/vmcore" cmp -s "$tmp/vmcore" "$d/vmcore"
check "success: no vmcore-incomplete left" [ ! -e "$d/vmcore-incomplete" ]
check "success: vmcore-dmesg.txt saved" grep -q 'Linux version' "$d/vmcore-dmesg.txt"
check "success: no vmcore-dmesg-incomplete.txt" [ ! -e "$d/vmcore-dmesg-incomplete.txt" ]
check "success: kdump-capture.log from journalctl -b -o short-monotonic" \
	grep -q 'journal line' "$d/kdump-capture.log"
check "success: journalctl called as documented" grep -qx 'journalctl -b -o short-monotonic --no-pager' "$tmp/ok/calls"
check "success: dmesg saved before the vmcore, with --dump-dmesg VMCORE FILE" \
	[ "$(grep -m1 makedumpfile "$tmp/ok/calls")" = "makedumpfile --dump-dmesg $tmp/vmcore $d/vmcore-dmesg-incomplete.txt" ]
check "success: collector gets its options, then /proc/vmcore and the -incomplete file" \
	grep -qx "makedumpfile -l --message-level 7 -d 31 $tmp/vmcore $d/vmcore-incomplete" "$tmp/ok/calls"
check "success: order pre, dmesg, collector, post, log" \
	[ "$(cut -d' ' -f1-2 "$tmp/ok/calls" | tr '\n' '|')" = "pre |makedumpfile --dump-dmesg|makedumpfile -l|post 0|journalctl -b|" ]
check "success: kdump_post gets status 0 and the directory" grep -qx "post 0 $d" "$tmp/ok/calls"
check "success: console line 'kdump: saved vmcore to DIR'" saved_line "$d" "$tmp/ok/out"
check "success: peak memory line" grep -Eq '^kdump: peak memory .*MemAvailable min [0-9]+ kB' "$tmp/ok/out"
check "success: what held the memory at that low" \
	grep -Eq '^kdump: memory at that low: [^ ]+ [0-9]+\.[0-9] \([0-9]+\.[0-9] anon\).* MiB \(Pss\); AnonPages [0-9.]+, Shmem [0-9.]+, Unevictable [0-9.]+, SUnreclaim [0-9.]+, KernelStack [0-9.]+, PageTables [0-9.]+, Percpu [0-9.]+, Cached [0-9.]+ MiB$' "$tmp/ok/out"
if [ "$(mode "$d")" = 700 ] && [ "$(mode "$d/vmcore")" = 600 ] && \
	[ "$(mode "$d/vmcore-dmesg.txt")" = 600 ] && [ "$(mode "$d/kdump-capture.log")" = 600 ]; then ok "success: directory 0700, files 0600"; else not_ok "success: directory 0700, files 0600"; fi
check "success: no 'capture failed'" bash -c "! grep -q 'capture failed' '$tmp/ok/out'"
st=$d/kdump-capture.status
if grep -qx 'result=saved' "$st" && grep -qx 'status=0' "$st" && grep -qx "location=$d" "$st" &&
	grep -qx 'bytes=300000' "$st" && grep -Eqx 'seconds=[0-9]+\.[0-9]' "$st" && ! grep -q '^reason=' "$st" &&
	[ "$(mode "$st")" = 600 ]; then ok "success: kdump-capture.status says saved, where, bytes, seconds (0600)"
else not_ok "success: kdump-capture.status says saved, where, bytes, seconds ($(tr '\n' ' ' <"$st" 2>&1))"; fi
check "success: no sanitizer report" no_sanitizer "$tmp/ok/out"

# --- the collector fails -------------------------------------------------------
run_collect failed "kdump_post $tmp/post\n" FAKE_FAIL=1
d=$tmp/failed/root/var/crash/$name
check "failure: exit 1" [ "$(cat "$tmp/failed/status")" = 1 ]
check "failure: vmcore-incomplete kept" [ -s "$d/vmcore-incomplete" ]
check "failure: no vmcore" [ ! -e "$d/vmcore" ]
check "failure: console line 'kdump: capture failed: REASON'" \
	grep -qx 'kdump: capture failed: core_collector makedumpfile exited with status 1' "$tmp/failed/out"
check "failure: no 'saved vmcore'" bash -c "! grep -q 'saved vmcore' '$tmp/failed/out'"
check "failure: kdump_post gets the status" grep -qx "post 1 $d" "$tmp/failed/calls"
check "failure: the log is still saved" [ -s "$d/kdump-capture.log" ]
if grep -qx 'result=failed' "$d/kdump-capture.status" && grep -qx 'status=1' "$d/kdump-capture.status" &&
	grep -qx 'reason=core_collector makedumpfile exited with status 1' "$d/kdump-capture.status"
then ok "failure: kdump-capture.status says failed and why"; else not_ok "failure: kdump-capture.status says failed and why"; fi
check "failure: no sanitizer report" no_sanitizer "$tmp/failed/out"

# --- every way the collector can fail: nothing claimed, kdump_post told -------
# fault CASE FAKE_FAIL STATUS-FOR-KDUMP_POST REASON
fault() {
	local c=$1 mode=$2 post=$3 reason=$4 d st
	run_collect "$c" "kdump_post $tmp/post\n" FAKE_FAIL="$mode" KDUMP_STALL_SECS=3
	d=$tmp/$c/root/var/crash/$name
	st=$(cat "$tmp/$c/status")
	if [ "$st" = 1 ] && [ ! -e "$d/vmcore" ] && ! grep -q 'saved vmcore' "$tmp/$c/out" &&
		grep -qx "kdump: capture failed: $reason" "$tmp/$c/out" &&
		grep -qx "post $post $d" "$tmp/$c/calls" && no_sanitizer "$tmp/$c/out"; then
		ok "$c: exit 1, no vmcore, reason, kdump_post $post"
	else
		not_ok "$c: exit 1, no vmcore, reason, kdump_post $post (exit $st: $(grep 'capture failed' "$tmp/$c/out"); $(grep '^post' "$tmp/$c/calls"))"
	fi
}
fault exit2 2 2 'core_collector makedumpfile exited with status 2'
check "exit2: the partial keeps its -incomplete name" [ -s "$tmp/exit2/root/var/crash/$name/vmcore-incomplete" ]
fault killed KILL 137 'core_collector makedumpfile was killed by signal 9'
fault empty empty 1 'core_collector makedumpfile exited 0 but wrote nothing'
start=$(date +%s)
fault stalled stall 137 'no progress for 3 s, makedumpfile stopped (vmcore left incomplete)'
secs=$(($(date +%s) - start))
check "stalled: the watchdog ended it within bounds (${secs} s for a 3 s stall)" [ "$secs" -le 30 ]
check "stalled: the stalled collector was killed" bash -c "! kill -0 $(cat "$KDUMP_TEST_LOG.stalled")"
# the directive itself (no environment override): stall_timeout 10
start=$(date +%s)
run_collect stall-conf "stall_timeout 10\n" FAKE_FAIL=stall
secs=$(($(date +%s) - start))
if [ "$(cat "$tmp/stall-conf/status")" = 1 ] && [ "$secs" -ge 10 ] && [ "$secs" -le 40 ] &&
	grep -qx 'kdump: capture failed: no progress for 10 s, makedumpfile stopped (vmcore left incomplete)' "$tmp/stall-conf/out"
then ok "stall_timeout 10 in kdump.conf: the dump is stopped after 10 s without progress (${secs} s)"
else not_ok "stall_timeout 10 in kdump.conf: the dump is stopped after 10 s without progress (${secs} s: $(grep 'capture failed' "$tmp/stall-conf/out"))"; fi

# --- a full file system: ENOSPC ---------------------------------------------------
# A 4 MiB tmpfs and a 6 MiB vmcore.  On the root file system the dump must
# leave 5% of it free (and the partial is kept, shorter); elsewhere the
# partial stays as it is.  Needs root for the mount (CI runs as root).
free_kib() { df -k --output=avail "$1" | tail -1 | tr -d ' '; }
head -c 6000000 /dev/urandom >"$tmp/bigcore"
for kind in root dedicated; do
	c=full-$kind
	mkdir -p "$tmp/$c/root"
	if ! mount -t tmpfs -o size=4m tmpfs "$tmp/$c/root" 2>/dev/null; then
		echo "skip - $c: cannot mount a tmpfs here (not root)"
		continue
	fi
	run_collect "$c" "kdump_post $tmp/post\n" KDUMP_VMCORE="$tmp/bigcore" \
		KDUMP_ROOT_FS="$([ "$kind" = root ] && echo 1 || echo 0)" PATH="$dbl"
	d=$tmp/$c/root/var/crash/$name
	avail=$(free_kib "$tmp/$c/root")
	if [ "$(cat "$tmp/$c/status")" = 1 ] && [ ! -e "$d/vmcore" ] && [ -e "$d/vmcore-incomplete" ] &&
		! grep -q 'saved vmcore' "$tmp/$c/out" && grep -q '^post [1-9]' "$tmp/$c/calls"; then
		ok "$c: ENOSPC fails the dump, partial kept, nothing claimed"
	else not_ok "$c: ENOSPC fails the dump, partial kept, nothing claimed ($(grep 'capture failed' "$tmp/$c/out"))"; fi
	if [ $kind = root ]; then
		# 5% of 4096 KiB
		check "$c: at least 5% left free for the next boot ($avail KiB)" [ "$avail" -ge 204 ]
	fi
	umount "$tmp/$c/root"
done
# no room at all: refused before the collector runs
c=full-before
mkdir -p "$tmp/$c/root"
if mount -t tmpfs -o size=1m tmpfs "$tmp/$c/root" 2>/dev/null; then
	mkdir -p "$tmp/$c/root/var/crash"
	head -c 1040000 /dev/zero >"$tmp/$c/root/filler" 2>/dev/null
	run_collect "$c" "" KDUMP_ROOT_FS=1 PATH="$dbl"
	if [ "$(cat "$tmp/$c/status")" = 1 ] && grep -q 'capture failed: no room for a dump on the root file system' "$tmp/$c/out" &&
		! grep -q 'makedumpfile -l' "$tmp/$c/calls"; then ok "$c: no room on the root file system: refused, collector not run"
	else not_ok "$c: no room on the root file system: refused, collector not run ($(grep 'capture failed' "$tmp/$c/out"))"; fi
	umount "$tmp/$c/root"
else
	echo "skip - $c: cannot mount a tmpfs here (not root)"
fi

# --- the disk fails at the end: fsync EIO -------------------------------------
# (an LD_PRELOAD double: no device-mapper error target on these machines)
if [ -n "${FSYNC_EIO_SO:-}" ] && [ -n "${PLAIN_COLLECT:-}" ]; then
	mkdir -p "$tmp/eio/root"
	printf 'kdump_post %s\n' "$tmp/post" >"$tmp/eio/kdump.conf"
	: >"$KDUMP_TEST_LOG"
	env PATH="$dbl" KDUMP_CONF="$tmp/eio/kdump.conf" KDUMP_TARGET_ROOT="$tmp/eio/root" LD_PRELOAD="$FSYNC_EIO_SO" \
		"$PLAIN_COLLECT" >"$tmp/eio/out" 2>&1
	st=$?
	d=$tmp/eio/root/var/crash/$name
	if [ "$st" = 1 ] && [ ! -e "$d/vmcore" ] && [ -s "$d/vmcore-incomplete" ] &&
		grep -qx "kdump: capture failed: cannot complete $d/vmcore: Input/output error" "$tmp/eio/out" &&
		grep -qx "post 1 $d" "$KDUMP_TEST_LOG" && grep -qx 'result=failed' "$d/kdump-capture.status"; then
		ok "fsync EIO: the dump is not renamed, kdump_post 1, status failed"
	else not_ok "fsync EIO: the dump is not renamed, kdump_post 1, status failed (exit $st: $(grep 'capture failed' "$tmp/eio/out"))"; fi
else
	not_ok "fsync EIO: not run (FSYNC_EIO_SO and PLAIN_COLLECT unset; make check-capture-collect sets them)"
fi

# --- an existing dump directory is never touched ------------------------------
mkdir -p "$tmp/exist/root/var/crash/$name" "$tmp/exist/root/var/crash/$name-1"
echo old >"$tmp/exist/root/var/crash/$name/vmcore"
echo old-incomplete >"$tmp/exist/root/var/crash/$name-1/vmcore-incomplete"
snap() { (cd "$tmp/exist/root/var/crash" && find "$name" "$name-1" -printf '%p %s %T@ %m\n' | sort; cat "$name/vmcore" "$name-1/vmcore-incomplete"); }
before=$(snap)
run_collect exist ""
after=$(snap)
check "existing: exit 0" [ "$(cat "$tmp/exist/status")" = 0 ]
check "existing: earlier dumps unchanged" [ "$before" = "$after" ]
check "existing: the new dump goes to NAME-2" cmp -s "$tmp/vmcore" "$tmp/exist/root/var/crash/$name-2/vmcore"

# --- path below the target: never through a symlink ---------------------------
# kdumpctl resolved path's links in the running system; a link met in the
# capture kernel would lead out of the target (here: into $tmp/outside).
mkdir -p "$tmp/link/root/var" "$tmp/outside"
ln -s "$tmp/outside" "$tmp/link/root/var/crash"
run_collect link "path /var/crash\n"
check "symlink in path: the dump fails (exit 1)" [ "$(cat "$tmp/link/status")" = 1 ]
check "symlink in path: nothing written through it" [ -z "$(ls -A "$tmp/outside")" ]
check "symlink in path: the reason names the link" \
	grep -q 'cannot create .*/var/crash: "crash" is a symbolic link or ".." below the target' "$tmp/link/out"
run_collect dotdot "path /var/../../x\n"
check "\"..\" in path: refused as invalid (the capture falls back to the default)" \
	grep -q "invalid value '/var/../../x' for 'path'" "$tmp/dotdot/out"
check "\"..\" in path: nothing made above the target" [ ! -e "$tmp/x" ]

# --- kdump_pre declines ---------------------------------------------------------
run_collect declined "kdump_pre $tmp/pre\n" PRE_STATUS=3
check "kdump_pre non-zero: exit 0 (final_action follows)" [ "$(cat "$tmp/declined/status")" = 0 ]
check "kdump_pre non-zero: no dump directory" [ ! -e "$tmp/declined/root/var/crash" ]
check "kdump_pre non-zero: collector not run" bash -c "! grep -q makedumpfile '$tmp/declined/calls'"

# --- another collector, path, log from kmsg -----------------------------------
run_collect cp "core_collector cp --sparse=always\npath /dumps/x\n" PATH="$dbl"
d=$tmp/cp/root/dumps/x/$name
check "cp collector: vmcore copied" cmp -s "$tmp/vmcore" "$d/vmcore"
mkdir -p "$tmp/kmsg-case/root"
printf 'path /var/crash\n' >"$tmp/kmsg-case/kdump.conf"
env PATH="$nojournal" KDUMP_CONF="$tmp/kmsg-case/kdump.conf" KDUMP_TARGET_ROOT="$tmp/kmsg-case/root" \
	"$collect" >"$tmp/kmsg-case/out" 2>&1
d=$tmp/kmsg-case/root/var/crash/$name
check "no journalctl: kernel log from kmsg" \
	[ "$(cat "$d/kdump-capture.log")" = "$(printf '[    1.500000] Linux version test\n[    2.250001] second line')" ]

# --- refusals ----------------------------------------------------------------------
run_collect novmcore "" KDUMP_VMCORE="$tmp/nonexistent"
if [ "$(cat "$tmp/novmcore/status")" = 1 ] && \
	grep -q "kdump: capture failed: cannot read $tmp/nonexistent" "$tmp/novmcore/out"; then ok "no vmcore: exit 1, reason"; else not_ok "no vmcore: exit 1, reason"; fi
mkdir -p "$tmp/notmounted"
printf '' >"$tmp/notmounted.conf"
env PATH="$dbl" KDUMP_CONF="$tmp/notmounted.conf" "$collect" --target-root "$tmp/notmounted" >"$tmp/notmounted.out" 2>&1
st=$?
check "--target-root not a mount point: exit 1" [ "$st" = 1 ]
check "--target-root not a mount point: reason" grep -qx "kdump: capture failed: dump target $tmp/notmounted is not mounted" "$tmp/notmounted.out"
check "--target-root not a mount point: nothing written" [ -z "$(ls -A "$tmp/notmounted")" ]
# a target mounted as a file system in memory: /dev/shm, Debian's tmpfs
if [ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ] && mountpoint -q /dev/shm; then
	memdir=kdumpkit-test-$$
	printf 'path /%s\n' "$memdir" >"$tmp/inmemory.conf"
	env PATH="$dbl" KDUMP_CONF="$tmp/inmemory.conf" "$collect" --target-root /dev/shm >"$tmp/inmemory.out" 2>&1
	st=$?
	check "--target-root on a tmpfs: exit 1" [ "$st" = 1 ]
	check "--target-root on a tmpfs: reason" grep -qx "kdump: capture failed: dump target /dev/shm is a file system in memory (tmpfs): a dump there would be gone at the reboot" "$tmp/inmemory.out"
	check "--target-root on a tmpfs: nothing written" [ ! -e "/dev/shm/$memdir" ]
	rm -rf "/dev/shm/$memdir"
else
	echo "# SKIP --target-root on a tmpfs: /dev/shm is not a tmpfs mount here"
fi
run_collect lenient "pth /x\nfailure_action explode\ncore_collector\n"
if [ "$(cat "$tmp/lenient/status")" = 0 ] && grep -q "unknown directive 'pth'" "$tmp/lenient/out" && \
	[ -e "$tmp/lenient/root/var/crash/$name/vmcore" ]; then ok "lenient config: problems logged, dump saved with defaults"; else not_ok "lenient config: problems logged, dump saved with defaults"; fi
"$collect" --bogus >/dev/null 2>&1
check "bad usage: exit 2" [ $? = 2 ]


# --- ssh, nfs, raw: through the writers ---------------------------------------------
# run_remote CASE CONF-TEXT [ENV...]: the "server" is $tmp/CASE/remote
run_remote() {
	local c=$1 conf=$2; shift 2
	mkdir -p "$tmp/$c/remote" "$tmp/$c/run"
	run_collect "$c" "$conf" KDUMP_LIBEXECDIR="$wl" FAKE_REMOTE="$tmp/$c/remote" \
		KDUMP_RUNTIME_DIR="$tmp/$c/run" "$@"
}
order() { cut -d' ' -f1-3 "$tmp/$1/calls" | tr '\n' '|'; }
status() { cat "$tmp/$1/status"; }
never_claimed() { # never_claimed CASE: no vmcore anywhere, no success line
	[ -z "$(find "$tmp/$1/remote" -name vmcore)" ] && ! grep -q 'saved vmcore' "$tmp/$1/out"
}

# --- a kernel newer than its makedumpfile's names (vmcoreinfo.h) ----------------
# elf_core FILE VMCOREINFO: an ELF64 core with a PRSTATUS and a VMCOREINFO
# note and one page of memory, laid out as /proc/vmcore
elf_core() {
	python3 - "$1" "$2" <<'EOPY'
import struct, sys
def note(name, typ, desc):
    n = name.encode() + b"\0"
    pad = lambda b: b + b"\0" * (-len(b) % 4)
    return struct.pack("<III", len(n), len(desc), typ) + pad(n) + pad(desc)
notes = note("CORE", 1, b"\1" * 336) + note("VMCOREINFO", 0, sys.argv[2].encode())
ehdr = b"\x7fELF\x02\x01\x01" + b"\0" * 9 + struct.pack("<HHIQQQIHHHHHH", 4, 62, 1, 0, 64, 0, 0, 64, 56, 2, 0, 0, 0)
off = 64 + 2 * 56
ph = struct.pack("<IIQQQQQQ", 4, 0, off, 0, 0, len(notes), len(notes), 4)
ph += struct.pack("<IIQQQQQQ", 1, 7, off + len(notes), 0, 0x100000, 4096, 4096, 4096)
open(sys.argv[1], "wb").write(ehdr + ph + notes + b"\0" * 4096)
EOPY
}
info71='OSRELEASE=7.2.12+deb14-amd64
PAGESIZE=4096
SYMBOL(init_uts_ns)=ffffffffab4123c0
OFFSET(page.compound_info)=8
KERNELOFFSET=2a000000
'
elf_core "$tmp/core71" "$info71"
elf_core "$tmp/core612" "${info71/compound_info/compound_head}"
mkdir -p "$tmp/compat-run"
# compat_file CASE: the -i file makedumpfile was given, if it was
compat_file() { sed -nE 's/^makedumpfile -i ([^ ]+) .*/\1/p' "$tmp/$1/calls"; }
run_collect compat "path /var/crash\n" KDUMP_VMCORE="$tmp/core71" KDUMP_RUNTIME_DIR="$tmp/compat-run" \
	FAKE_COMPAT_COPY="$tmp/compat.copy"
d=$tmp/compat/root/var/crash/$name
f=$(compat_file compat)
if [ "$(status compat)" = 0 ] && [ -n "$f" ] &&
	grep -qx "makedumpfile -i $f -l --message-level 7 -d 31 $tmp/core71 $d/vmcore-incomplete" "$tmp/compat/calls" &&
	grep -qx "makedumpfile --dump-dmesg $tmp/core71 $d/vmcore-dmesg-incomplete.txt" "$tmp/compat/calls"
then ok "Linux 7.1 names: makedumpfile -i FILE first, --dump-dmesg without"
else not_ok "Linux 7.1 names: makedumpfile -i FILE first, --dump-dmesg without"; sed 's/^/#   /' "$tmp/compat/calls"; fi
check "Linux 7.1 names: FILE gives compound_head compound_info's value, with the release, no symbol" \
	[ "$(cat "$tmp/compat.copy")" = "$(printf 'OSRELEASE=7.2.12+deb14-amd64\nPAGESIZE=4096\nOFFSET(page.compound_head)=8')" ]
check "Linux 7.1 names: FILE removed after the dump" [ -z "$(ls -A "$tmp/compat-run")" ]
check "Linux 7.1 names: said on the console" \
	grep -q '^kdump: the crashed kernel.s VMCOREINFO has page.compound_info (Linux 7.1 and later)' "$tmp/compat/out"
run_remote compat-ssh "ssh kdump@192.0.2.5\n" KDUMP_VMCORE="$tmp/core71"
f=$(compat_file compat-ssh)
check "Linux 7.1 names, ssh: makedumpfile -i FILE ... -F VMCORE" \
	grep -qx "makedumpfile -i $f -l --message-level 7 -d 31 -F $tmp/core71" "$tmp/compat-ssh/calls"
run_collect compat-612 "path /var/crash\n" KDUMP_VMCORE="$tmp/core612" KDUMP_RUNTIME_DIR="$tmp/compat-run"
check "kernel before 7.1: makedumpfile as configured" \
	grep -qx "makedumpfile -l --message-level 7 -d 31 $tmp/core612 $tmp/compat-612/root/var/crash/$name/vmcore-incomplete" \
	"$tmp/compat-612/calls"
run_collect compat-x "path /var/crash\ncore_collector makedumpfile -x /vmlinux -d 31\n" KDUMP_VMCORE="$tmp/core71" \
	KDUMP_RUNTIME_DIR="$tmp/compat-run"
check "its own -x: makedumpfile as configured" \
	grep -qx "makedumpfile -x /vmlinux -d 31 $tmp/core71 $tmp/compat-x/root/var/crash/$name/vmcore-incomplete" \
	"$tmp/compat-x/calls"
for c in compat compat-ssh compat-612; do check "$c: no sanitizer report" no_sanitizer "$tmp/$c/out"; done

rm -f "$KDUMP_TEST_LOG.env"
run_remote ssh "ssh kdump@192.0.2.5\npath /srv/crash/\nkdump_pre $tmp/pre\nkdump_post $tmp/post\n"
cp "$KDUMP_TEST_LOG.env" "$tmp/ssh.env"
d=$tmp/ssh/remote/$name
loc=ssh://kdump@192.0.2.5/srv/crash/$name
check "ssh: exit 0" [ "$(status ssh)" = 0 ]
check "ssh: vmcore on the server is the dump" cmp -s "$tmp/vmcore" "$d/vmcore"
if grep -q 'Linux version' "$d/vmcore-dmesg.txt" && grep -q 'journal line' "$d/kdump-capture.log"; then ok "ssh: vmcore-dmesg.txt and kdump-capture.log put"; else not_ok "ssh: vmcore-dmesg.txt and kdump-capture.log put"; fi
check "ssh: no -incomplete left" [ -z "$(find "$d" -name '*incomplete*')" ]
if [ "$(order ssh | sed 's/|makedumpfile -l --message-level|/|/')" = "pre |kdump-ssh-writer mkdir $name|makedumpfile --dump-dmesg $tmp/vmcore|kdump-ssh-writer put $name|kdump-ssh-writer put --flattened|kdump-ssh-writer put $name|post 0 $loc|journalctl -b -o|kdump-ssh-writer put $name|" ] && \
	[ "$(grep -c '^makedumpfile -l' "$tmp/ssh/calls")" = 1 ]; then ok "ssh: order pre, mkdir, dmesg, put dmesg, collector | put --flattened, put status, post, log"; else not_ok "ssh: order pre, mkdir, dmesg, put dmesg, collector | put --flattened, put status, post, log"; fi
if grep -qx 'result=saved' "$d/kdump-capture.status" && grep -qx "location=$loc" "$d/kdump-capture.status" &&
	grep -qx 'bytes=300000' "$d/kdump-capture.status"; then ok "ssh: kdump-capture.status on the server: saved, where, bytes"
else not_ok "ssh: kdump-capture.status on the server: saved, where, bytes ($(tr '\n' ' ' <"$d/kdump-capture.status" 2>&1))"; fi
check "ssh: makedumpfile gets -F and /proc/vmcore, output on stdout" \
	grep -qx "makedumpfile -l --message-level 7 -d 31 -F $tmp/vmcore" "$tmp/ssh/calls"
check "ssh: writer put --flattened DIR vmcore" grep -qx "kdump-ssh-writer put --flattened $name vmcore" "$tmp/ssh/calls"
if grep -q "^makedumpfile --dump-dmesg $tmp/vmcore $tmp/ssh/run/kdump-collect\.[^/]*/vmcore-dmesg.txt\$" "$tmp/ssh/calls" && \
	grep -qx "kdump-ssh-writer put $name vmcore-dmesg.txt" "$tmp/ssh/calls"; then ok "ssh: dmesg made in the runtime dir, put as vmcore-dmesg.txt"; else not_ok "ssh: dmesg made in the runtime dir, put as vmcore-dmesg.txt"; fi
check "ssh: scratch directory removed" [ -z "$(ls -A "$tmp/ssh/run")" ]
check "ssh: console line 'kdump: saved vmcore to ssh://user@host/path/DIR'" saved_line "$loc" "$tmp/ssh/out"
check "ssh: no sanitizer report" no_sanitizer "$tmp/ssh/out"

run_remote nfs "nfs 192.0.2.20:/export/crash/\nkdump_post $tmp/post\n"
loc=nfs://192.0.2.20/export/crash/var/crash/$name
if [ "$(status nfs)" = 0 ] && cmp -s "$tmp/vmcore" "$tmp/nfs/remote/$name/vmcore"; then ok "nfs: exit 0, dump saved"; else not_ok "nfs: exit 0, dump saved"; fi
check "nfs: console line 'kdump: saved vmcore to nfs://host/export/path/DIR'" saved_line "$loc" "$tmp/nfs/out"
check "nfs: kdump_post gets the location" grep -qx "post 0 $loc" "$tmp/nfs/calls"

mkdir -p "$tmp/nfs-exist/remote/$name" "$tmp/nfs-exist/remote/$name-1"
echo old >"$tmp/nfs-exist/remote/$name/vmcore"
run_remote nfs-exist "nfs 192.0.2.20:/x\n"
if [ "$(grep mkdir "$tmp/nfs-exist/calls" | tr '\n' '|')" = "kdump-nfs-writer mkdir $name|kdump-nfs-writer mkdir $name-1|kdump-nfs-writer mkdir $name-2|" ] && \
	cmp -s "$tmp/vmcore" "$tmp/nfs-exist/remote/$name-2/vmcore"; then ok "writer mkdir exit 3: NAME, NAME-1 tried, NAME-2 used"; else not_ok "writer mkdir exit 3: NAME, NAME-1 tried, NAME-2 used"; fi
if [ "$(cat "$tmp/nfs-exist/remote/$name/vmcore")" = old ] && [ -z "$(ls -A "$tmp/nfs-exist/remote/$name-1")" ]; then ok "writer mkdir exit 3: earlier dump untouched"; else not_ok "writer mkdir exit 3: earlier dump untouched"; fi
check "writer mkdir exit 3: saved to NAME-2" saved_line "nfs://192.0.2.20/x/var/crash/$name-2" "$tmp/nfs-exist/out"

run_remote ssh-cfail "ssh kdump@192.0.2.5\nkdump_post $tmp/post\n" FAKE_FAIL=1
check "ssh, collector fails: exit 1" [ "$(status ssh-cfail)" = 1 ]
check "ssh, collector fails: reason" \
	grep -qx 'kdump: capture failed: core_collector makedumpfile exited with status 1' "$tmp/ssh-cfail/out"
check "ssh, collector fails: the writer never commits, no vmcore claimed" never_claimed ssh-cfail
check "ssh, collector fails: kdump_post gets status 1" grep -q "^post 1 ssh://" "$tmp/ssh-cfail/calls"
check "ssh, collector fails: log still put" [ -s "$tmp/ssh-cfail/remote/$name/kdump-capture.log" ]

rm -f "$KDUMP_TEST_LOG.env"
run_remote ssh-wfail "ssh kdump@192.0.2.5\n" FAKE_WRITER_FAIL=vmcore
check "ssh, writer fails: exit 1" [ "$(status ssh-wfail)" = 1 ]
check "ssh, writer fails: reason" \
	grep -qx 'kdump: capture failed: kdump-ssh-writer put exited with status 1 before the end of the dump' "$tmp/ssh-wfail/out"
check "ssh, writer fails: no vmcore claimed" never_claimed ssh-wfail
check "ssh, writer fails: the log then gets short retries (10 s)" \
	grep -qx "kdump-ssh-writer put $name kdump-capture.log retry=10 refused=10" "$KDUMP_TEST_LOG.env"
check "ssh, success: the writers keep their own retry times" \
	grep -qx "kdump-ssh-writer put $name kdump-capture.log retry= refused=" "$tmp/ssh.env"

# the collector stalls; then the writer (a server gone silent): the watchdog
run_remote ssh-cstall "ssh kdump@192.0.2.5\n" FAKE_FAIL=stall KDUMP_STALL_SECS=3
if [ "$(status ssh-cstall)" = 1 ] && never_claimed ssh-cstall &&
	grep -qx 'kdump: capture failed: no progress for 3 s, makedumpfile stopped (vmcore left incomplete)' "$tmp/ssh-cstall/out"
then ok "ssh, collector stalls: the watchdog ends it, nothing claimed"; else not_ok "ssh, collector stalls: the watchdog ends it, nothing claimed"; fi
run_remote ssh-wstall "ssh kdump@192.0.2.5\n" FAKE_WRITER_FAIL=stall-vmcore KDUMP_STALL_SECS=3
if [ "$(status ssh-wstall)" = 1 ] && never_claimed ssh-wstall &&
	grep -q 'kdump: capture failed: no progress for 3 s' "$tmp/ssh-wstall/out" &&
	[ -e "$tmp/ssh-wstall/remote/$name/vmcore-incomplete" ]
then ok "ssh, writer stalls: the watchdog ends it, -incomplete kept"; else not_ok "ssh, writer stalls: the watchdog ends it, -incomplete kept"; fi

# kdump-collect itself dies mid-stream: the writer gets no commit
mkdir -p "$tmp/ssh-dies/remote" "$tmp/ssh-dies/run"
printf 'ssh kdump@192.0.2.5\n' >"$tmp/ssh-dies/kdump.conf"
: >"$KDUMP_TEST_LOG"
rm -f "$KDUMP_TEST_LOG.stalled"       # the stalled collector of a case above wrote it too
env PATH="$dbl" KDUMP_CONF="$tmp/ssh-dies/kdump.conf" KDUMP_LIBEXECDIR="$wl" FAKE_REMOTE="$tmp/ssh-dies/remote" \
	KDUMP_RUNTIME_DIR="$tmp/ssh-dies/run" FAKE_FAIL=stall "$collect" >"$tmp/ssh-dies/out" 2>&1 &
cpid=$!
# bounded waits, generous for a starved host (check-fast beside VM guests)
for _ in $(seq 300); do [ -s "$KDUMP_TEST_LOG.stalled" ] && break; sleep 0.1; done
sleep 0.5
kill -KILL "$cpid"; wait "$cpid" 2>/dev/null
kill "$(cat "$KDUMP_TEST_LOG.stalled")" 2>/dev/null       # the orphaned collector
for _ in $(seq 300); do grep -q 'no commit' "$KDUMP_TEST_LOG" && break; sleep 0.1; done
if grep -q 'kdump-ssh-writer: no commit' "$KDUMP_TEST_LOG" && [ -z "$(find "$tmp/ssh-dies/remote" -name vmcore)" ] &&
	[ -n "$(find "$tmp/ssh-dies/remote" -name vmcore-incomplete)" ]
then ok "kdump-collect killed mid-stream: the writer never commits, -incomplete kept"
else
	not_ok "kdump-collect killed mid-stream: the writer never commits, -incomplete kept"
	{ cat "$KDUMP_TEST_LOG"; find "$tmp/ssh-dies/remote"; } | sed 's/^/#   /'
fi

run_remote ssh-mkfail "ssh kdump@192.0.2.5\n" FAKE_WRITER_FAIL=mkdir
if [ "$(status ssh-mkfail)" = 1 ] && \
	grep -qx "kdump: capture failed: kdump-ssh-writer mkdir exited with status 1" "$tmp/ssh-mkfail/out"; then ok "ssh, writer mkdir fails: exit 1, reason"; else not_ok "ssh, writer mkdir fails: exit 1, reason"; fi
check "ssh, writer mkdir fails: collector not run" bash -c "! grep -q makedumpfile '$tmp/ssh-mkfail/calls'"

run_remote ssh-cat "ssh kdump@192.0.2.5\ncore_collector cat\n"
if [ "$(status ssh-cat)" = 0 ] && grep -qx "kdump-ssh-writer put $name vmcore" "$tmp/ssh-cat/calls" && \
	cmp -s "$tmp/vmcore" "$tmp/ssh-cat/remote/$name/vmcore"; then ok "other collector: VMCORE as last argument, stdout to a plain put"; else not_ok "other collector: VMCORE as last argument, stdout to a plain put"; fi

run_remote ssh-cp "ssh kdump@192.0.2.5\ncore_collector cp --sparse=always\n"
if [ "$(status ssh-cp)" = 0 ] && cmp -s "$tmp/vmcore" "$tmp/ssh-cp/remote/$name/vmcore" && \
	grep -q "saving vmcore with cp --sparse=always" "$tmp/ssh-cp/out"; then ok "cp collector, remote: becomes cat VMCORE"; else not_ok "cp collector, remote: becomes cat VMCORE"; fi

run_remote ssh-ip "ssh kdump@127.0.0.1\n" KDUMP_HOSTNAME=
check "no KDUMP_HOSTNAME: named after the local address on the route" \
	[ -e "$tmp/ssh-ip/remote/127.0.0.1-2023-11-14-22:13:20/vmcore" ]

run_remote ssh-nowriter "ssh kdump@192.0.2.5\n" KDUMP_LIBEXECDIR="$tmp/nonexistent"
check "writer missing: clear reason" \
	grep -qx "kdump: capture failed: $tmp/nonexistent/kdump-ssh-writer is not in the image" "$tmp/ssh-nowriter/out"

run_remote raw "raw /dev/sdb1\nkdump_post $tmp/post\n"
if [ "$(status raw)" = 0 ] && [ "$(grep -c . "$tmp/raw/calls")" = 3 ] && \
	grep -qx "kdump-raw-writer put --flattened" "$tmp/raw/calls" && cmp -s "$tmp/vmcore" "$tmp/raw/remote/raw"; then ok "raw: exit 0, writer put --flattened, no dir, no dmesg"; else not_ok "raw: exit 0, writer put --flattened, no dir, no dmesg"; fi
check "raw: console line 'kdump: saved vmcore to raw:DEVICE'" saved_line raw:/dev/sdb1 "$tmp/raw/out"
run_remote raw-wfail "raw /dev/sdb1\n" FAKE_WRITER_FAIL=raw
if [ "$(status raw-wfail)" = 1 ] && \
	[ ! -e "$tmp/raw-wfail/remote/raw" ] && ! grep -q 'saved vmcore' "$tmp/raw-wfail/out"; then ok "raw, writer fails: exit 1, nothing claimed"; else not_ok "raw, writer fails: exit 1, nothing claimed"; fi
run_remote raw-cfail "raw /dev/sdb1\n" FAKE_FAIL=1
if [ "$(status raw-cfail)" = 1 ] && \
	[ ! -e "$tmp/raw-cfail/remote/raw" ] && ! grep -q 'saved vmcore' "$tmp/raw-cfail/out"; then ok "raw, collector fails: exit 1, nothing claimed"; else not_ok "raw, collector fails: exit 1, nothing claimed"; fi
for c in nfs nfs-exist ssh-cfail ssh-wfail ssh-mkfail ssh-cat raw raw-wfail raw-cfail; do
	check "$c: no sanitizer report" no_sanitizer "$tmp/$c/out"
done

# --- a chain of dump targets: tried in order, the first complete dump ends it ------
# chain_saved CASE DIR N OF: the dump in DIR, its record naming member N of OF
chain_saved() {
	[ "$(status "$1")" = 0 ] && cmp -s "$tmp/vmcore" "$2/vmcore" && [ ! -e "$2/vmcore-incomplete" ] &&
		grep -qx 'result=saved' "$2/kdump-capture.status" && grep -qx "target=$3 of $4" "$2/kdump-capture.status"
}
run_remote chain-first "ssh kdump@192.0.2.5\nnfs 192.0.2.20:/x\nkdump_post $tmp/post\n"
if chain_saved chain-first "$tmp/chain-first/remote/$name" 1 2 && ! grep -q nfs-writer "$tmp/chain-first/calls" &&
	[ ! -e "$tmp/chain-first/remote-2" ] && ! grep -q '^earlier_target' "$tmp/chain-first/remote/$name/kdump-capture.status"
then ok "chain, first member works: saved there, the nfs member never touched"
else not_ok "chain, first member works: saved there, the nfs member never touched"; fi

mkdir -p "$tmp/chain-ssh-down/remote-2"
run_remote chain-ssh-down "ssh kdump@192.0.2.5\nnfs 192.0.2.20:/x\nkdump_post $tmp/post\n" FAKE_DOWN=0
d=$tmp/chain-ssh-down/remote-2/$name
if chain_saved chain-ssh-down "$d" 2 2 &&
	grep -qx 'earlier_target_1=ssh kdump@192.0.2.5: kdump-ssh-writer mkdir exited with status 1' "$d/kdump-capture.status"
then ok "chain, ssh server down: nfs saves, its record names it and why ssh failed"
else not_ok "chain, ssh server down: nfs saves, its record names it and why ssh failed ($(tr '\n' ' ' <"$d/kdump-capture.status" 2>&1))"; fi
if grep -qx 'kdump: dump target 1 of 2 failed (kdump-ssh-writer mkdir exited with status 1), trying the next' "$tmp/chain-ssh-down/out" &&
	saved_line "nfs://192.0.2.20/x/var/crash/$name" "$tmp/chain-ssh-down/out" &&
	[ "$(grep -c '^post ' "$tmp/chain-ssh-down/calls")" = 1 ] &&
	grep -qx "post 0 nfs://192.0.2.20/x/var/crash/$name" "$tmp/chain-ssh-down/calls"
then ok "chain, ssh server down: the console says so, kdump_post runs once, with the saved location"
else not_ok "chain, ssh server down: the console says so, kdump_post runs once, with the saved location"; fi

mkdir -p "$tmp/chain-local/root-2"
run_remote chain-local "nfs 192.0.2.20:/x\next4 LABEL=dumps\npath /crash\n" FAKE_DOWN=0
if chain_saved chain-local "$tmp/chain-local/root-2/crash/$name" 2 2 &&
	grep -qx "earlier_target_1=nfs 192.0.2.20:/x: kdump-nfs-writer mkdir exited with status 1" \
		"$tmp/chain-local/root-2/crash/$name/kdump-capture.status"
then ok "chain, nfs server down: the local file system (member 2's own mount) saves"
else not_ok "chain, nfs server down: the local file system (member 2's own mount) saves"; fi

mkdir -p "$tmp/chain-down/remote-2"
run_remote chain-down "ssh kdump@192.0.2.5\nnfs 192.0.2.20:/x\nkdump_post $tmp/post\n" FAKE_DOWN="0 1"
if [ "$(status chain-down)" = 1 ] && never_claimed chain-down && [ -z "$(find "$tmp/chain-down/remote-2" -name vmcore)" ] &&
	grep -qx 'kdump: capture failed: all 2 dump targets failed; 1: ssh kdump@192.0.2.5: kdump-ssh-writer mkdir exited with status 1; 2: nfs 192.0.2.20:/x: kdump-nfs-writer mkdir exited with status 1' "$tmp/chain-down/out" &&
	! grep -q '^post ' "$tmp/chain-down/calls"
then ok "chain, every server down: exit 1 (the failure action), each member's reason (no directory made: no kdump_post, as for one target)"
else not_ok "chain, every server down: exit 1 (the failure action), each member's reason (no directory made: no kdump_post, as for one target)"; fi

mkdir -p "$tmp/chain-cfail/remote-2"
run_remote chain-cfail "ssh kdump@192.0.2.5\nnfs 192.0.2.20:/x\nkdump_post $tmp/post\n" FAKE_FAIL=1
if [ "$(status chain-cfail)" = 1 ] && never_claimed chain-cfail && [ -z "$(find "$tmp/chain-cfail/remote-2" -name vmcore)" ] &&
	[ -n "$(find "$tmp/chain-cfail/remote-2" -name vmcore-incomplete)" ] &&
	[ "$(grep -c '^post ' "$tmp/chain-cfail/calls")" = 1 ] && grep -q '^post 1 nfs://' "$tmp/chain-cfail/calls"
then ok "chain, the collector fails on every member: nothing claimed, each -incomplete kept, kdump_post once, after the last"
else not_ok "chain, the collector fails on every member: nothing claimed, each -incomplete kept, kdump_post once, after the last"; fi
for c in chain-first chain-ssh-down chain-local chain-down chain-cfail; do
	check "$c: no sanitizer report" no_sanitizer "$tmp/$c/out"
done

# --- kdump-failure-action ----------------------------------------------------------
# run_action CASE CONF-TEXT [ARGS...]
run_action() {
	local c=$1 conf=$2; shift 2
	mkdir -p "$tmp/$c"
	printf '%b' "$conf" >"$tmp/$c/kdump.conf"
	: >"$KDUMP_TEST_LOG"
	# shellcheck disable=SC2086 # FA_ENV: several VAR=value words
	env PATH="$dbl" KDUMP_CONF="$tmp/$c/kdump.conf" KDUMP_LIBEXECDIR="$tmp/libexec" \
		KDUMP_SHELL="$tmp/shell" KDUMP_CONSOLE=/dev/null KDUMP_NO_REBOOT=1 KDUMP_REBOOT_FALLBACK_SEC=0 \
		${FA_ENV:-} "$action" "$@" >"$tmp/$c/out" 2>&1
	echo $? >"$tmp/$c/status"
	cp "$KDUMP_TEST_LOG" "$tmp/$c/calls"
}
calls() { tr '\n' '|' <"$tmp/$1/calls"; }
run_action fa-reboot "final_action poweroff\n"
check "failure action reboot: console line" grep -qx 'kdump: failure action reboot' "$tmp/fa-reboot/out"
check "failure action reboot: systemctl --force reboot, no final action" [ "$(calls fa-reboot)" = "systemctl --force reboot|" ]
run_action fa-halt "failure_action halt\n"
check "failure action halt" [ "$(calls fa-halt)" = "systemctl --force halt|" ]
run_action fa-shell "failure_action shell\nfinal_action poweroff\n"
check "failure action shell: console line" grep -qx 'kdump: failure action shell' "$tmp/fa-shell/out"
check "failure action shell: shell, then final_action" [ "$(calls fa-shell)" = "shell -i|systemctl --force poweroff|" ]
run_action fa-rootfs "nfs 192.0.2.1:/x\nfailure_action dump_to_rootfs\nfinal_action halt\n"
check "failure action dump_to_rootfs: console line" grep -qx 'kdump: failure action dump_to_rootfs' "$tmp/fa-rootfs/out"
check "failure action dump_to_rootfs: kdump-collect --target-root /run/kdump/rootfs, then final_action" \
	[ "$(calls fa-rootfs)" = "kdump-collect --target-root /run/kdump/rootfs|systemctl --force halt|" ]
FA_ENV=FAKE_COLLECT_STATUS=1 run_action fa-rootfs-fail "default dump_to_rootfs\n"
check "dump_to_rootfs failing: final_action still runs" \
	[ "$(calls fa-rootfs-fail)" = "kdump-collect --target-root /run/kdump/rootfs|systemctl --force reboot|" ]
# --emergency: a dump in progress goes on; only a capture that never ran
# gets the failure action here
emergency() { # emergency CASE STATES...
	local c=$1; shift
	printf '%s\n' "$@" >"$tmp/$c.states"
	FA_ENV="FAKE_CAPTURE_STATES=$tmp/$c.states KDUMP_POLL_MS=50" run_action "$c" "final_action poweroff\n" --emergency
}
emergency em-saving "activating - 100" "activating - 100" "inactive - 100"
if [ "$(status em-saving)" = 0 ] && ! grep -q -- '--force' "$tmp/em-saving/calls" &&
	[ "$(grep -c '^systemctl show' "$tmp/em-saving/calls")" = 3 ] &&
	grep -q 'the dump goes on' "$tmp/em-saving/out"; then ok "--emergency while the dump is saved: waits for it, no action of its own"
else not_ok "--emergency while the dump is saved: waits for it, no action of its own ($(calls em-saving))"; fi
emergency em-queued "inactive 12 0" "activating - 100" "failed - 100"
if [ "$(status em-queued)" = 0 ] && ! grep -q -- '--force' "$tmp/em-queued/calls"; then
	ok "--emergency with the capture queued: waits, then leaves it to OnFailure="
else not_ok "--emergency with the capture queued: waits, then leaves it to OnFailure= ($(calls em-queued))"; fi
# systemd stops answering once the capture's final action has begun its
# shutdown: that is no failure
emergency em-shutdown "activating - 100" "FAIL"
if [ "$(status em-shutdown)" = 0 ] && ! grep -q -- '--force' "$tmp/em-shutdown/calls" &&
	grep -q 'systemd no longer answers' "$tmp/em-shutdown/out" && ! grep -q '^kdump: failure action' "$tmp/em-shutdown/out"; then
	ok "--emergency, systemd gone after the dump ran: no action of its own"
else not_ok "--emergency, systemd gone after the dump ran: no action of its own ($(calls em-shutdown))"; fi
# ...but before the capture was seen running it is
emergency em-nobus "FAIL"
check "--emergency, systemd not answering before the capture ran: the failure action" \
	[ "$(calls em-nobus)" = "systemctl show -p ActiveState -p Job -p ExecMainStartTimestampMonotonic kdump-capture.service|systemctl --force reboot|" ]
emergency em-never "inactive - 0"
check "--emergency when the capture never ran: the failure action" \
	[ "$(calls em-never)" = "systemctl show -p ActiveState -p Job -p ExecMainStartTimestampMonotonic kdump-capture.service|systemctl --force reboot|" ]

run_action final "failure_action shell\nfinal_action poweroff\n" --final
if [ "$(calls final)" = "systemctl --force poweroff|" ] && \
	grep -qx 'kdump: final action poweroff' "$tmp/final/out"; then ok "--final: final_action only"; else not_ok "--final: final_action only"; fi
# a shutdown that stalls after systemctl returned: reboot(2) after the fallback
FA_ENV=KDUMP_REBOOT_FALLBACK_SEC=1 run_action fa-stalled "" --final
check "shutdown stalled: reboot(2) announced before the wait" \
	grep -qx 'kdump: reboot(2) in 1 s, should the shutdown not have ended this process by then' "$tmp/fa-stalled/out"
check "shutdown stalled: reboot(2) reached after it (suppressed here)" \
	grep -qx 'kdump: KDUMP_NO_REBOOT=1: not calling reboot(2)' "$tmp/fa-stalled/out"
check "shutdown stalled: systemctl ran once" [ "$(calls fa-stalled)" = "systemctl --force reboot|" ]
check "shutdown stalled: exit 0" [ "$(cat "$tmp/fa-stalled/status")" = 0 ]
FA_ENV=FAKE_SYSTEMCTL_STATUS=1 run_action fa-broken "" --final
check "systemctl failing: exit 1 (reboot(2) suppressed by KDUMP_NO_REBOOT)" [ "$(cat "$tmp/fa-broken/status")" = 1 ]
for c in fa-reboot fa-shell fa-rootfs final fa-broken; do
	check "$c: no sanitizer report" no_sanitizer "$tmp/$c/out"
done

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
