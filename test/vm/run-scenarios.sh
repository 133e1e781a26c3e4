#!/bin/bash
# Run VM crash scenarios and print one verdict line each:
#
#   VM <suite> <name>: PASS (<details, timings>)
#   VM <suite> <name>: FAIL (<reason>)
#
# and at the end "VM <suite>: N passed, M failed" (exit 1 if M > 0).
#
# Per scenario: mkimage.sh (own copy of every image, so runs never share a
# disk), run-guest.sh under `timeout`, then the console log is held against
# the scenario's expectations and the dump is read back from the disk image
# with verify-dump.sh.  Progress goes to stderr, verdicts to stdout; each
# scenario's files (images, console.log, mkimage.log, verify.log, the dump)
# stay in $RUNS/<name>/ ($CACHE/runs/<suite>/<name>) until its next run.
#
# Usage: run-scenarios.sh [name...]          (default: every scenarios/*/)
# Env:   DISTRO (guest suite: bookworm, trixie (default), forky), KERNEL
#        (backports), KDUMPKIT_VM_CACHE, JOBS (scenarios at once, default 1; >1 gives each
#        guest SMP=1), KDVM_TIMEOUT (override every scenario's TIMEOUT),
#        MKIMAGE_TIMEOUT (s, 1200), VERBOSE=1 (console on stderr),
#        KEEP_IMAGES=0 (delete a passed run's disk images)
set -uo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

JOBS=${JOBS:-1}
MKIMAGE_TIMEOUT=${MKIMAGE_TIMEOUT:-1200}
[ "$(id -u)" = 0 ] || die "must run as root (image building)"

if [ $# -gt 0 ]; then
	names=("$@")
else
	mapfile -t names < <(find "$VM_DIR/scenarios" -mindepth 2 -maxdepth 2 -name scenario.conf -printf '%h\n' |
		xargs -rn1 basename | LC_ALL=C sort)
fi
[ "${#names[@]}" -gt 0 ] || die "no scenarios"

mkdir -p "$RESULTS"
for n in "${names[@]}"; do rm -f "$RESULTS/$n"; done

verdict() { # NAME PASS|FAIL TEXT
	local line="VM $DISTRO_ID $1: $2 ($3)"
	echo "$line" >"$RESULTS/$1"
	echo "$line"
}

# --- console log evaluation -------------------------------------------------
# Line numbers and host timestamps in the console log ($clog).
first_after() { # REGEX AFTER_LINE -> first matching line number after AFTER_LINE
	awk -v re="$1" -v n="${2:-0}" 'NR > n && $0 ~ re { print NR; exit }' "$clog"
}
line_text() { sed -n "${1}p" "$clog" | sed -E 's/^\[ *[0-9.]+\] //; s/^\[ *[0-9.]+\] //' | cut -c1-160; }
host_t() { sed -n "${1}p" "$clog" | sed -nE 's/^\[ *([0-9.]+)\].*/\1/p'; }
dt() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
last_line() {
	grep -E '^\[' "$clog" | grep -vE '^\[ *[0-9.]+\] *$|qemu-system-x86_64: terminating' |
		tail -n 1 | sed -E 's/^\[ *[0-9.]+\] //' | cut -c1-160
}

# How far the guest got, for timeout messages.
progress() {
	local l
	l=$(first_after "$KDVM_PAT_SAVED" 0)
	[ -z "$l" ] || { echo "dump saved at $(host_t "$l")s, no end"; return; }
	l=$(first_after "$KDVM_PAT_CRASHING" 0)
	if [ -n "$l" ]; then
		local b
		b=$(first_after "$KDVM_PAT_BANNER" "$l")
		[ -z "$b" ] || { echo "capture kernel started at $(host_t "$b")s"; return; }
		echo "crashed at $(host_t "$l")s, no capture kernel"
		return
	fi
	l=$(first_after 'KDVM [0-9.]+ START' 0)
	[ -z "$l" ] || { echo "test driver started at $(host_t "$l")s"; return; }
	echo "boot did not reach the test driver"
}

# evaluate: prints "PASS <details>" or "FAIL <reason>"; uses the scenario's
# variables, $clog, $rc (qemu) and $run (run dir).
evaluate() {
	local l start=0 crash="" banner="" saved="" end="" endl="" dump_dir="" pat action kdsvc="" crash_seen
	crash_seen=$(first_after "$KDVM_PAT_CRASHING" 0)
	l=$(first_after "$KDVM_PAT_STUCK" 0)
	if [ -n "$l" ]; then
		local why
		why=$(awk -v n="$l" 'NR >= n { exit }
			/\[FAILED\]/ && !f { f = $0 }
			/Failed to|[Ee]rror|Warning:/ { w = $0 }
			END { print (f != "" ? f : w) }' "$clog" |
			sed -E 's/^\[ *[0-9.]+\] //; s/^\[ *[0-9.]+\] //' | cut -c1-160)
		echo "FAIL $([ -n "$crash_seen" ] && echo "capture" || echo "first") kernel stuck in an emergency shell at $(host_t "$l")s${why:+ after: $why}"
		return
	fi
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		echo "FAIL timeout after ${TIMEOUT}s: $(progress); last console line: $(last_line)"
		return
	fi
	l=$(first_after 'KDVM [0-9.]+ FAIL ' 0)
	[ -z "$l" ] || { echo "FAIL guest: $(line_text "$l" | sed -E 's/^KDVM [0-9.]+ FAIL //')"; return; }
	[ "$rc" = 0 ] || { echo "FAIL qemu exited with status $rc: $(last_line)"; return; }
	l=$(first_after 'KDVM [0-9.]+ kdump.service: ' 0)
	[ -z "$l" ] || kdsvc=$(line_text "$l" | sed -nE 's/.*start took ([0-9.?]+)s.*/\1/p')

	# The second boot (SECOND_MODE), its own console log: it must get to
	# kdump.service active and power off.
	local boot2=""
	if [ -n "$SECOND_MODE" ]; then
		local clog1=$clog
		clog=$run/console2.log
		if [ "$rc2" = 124 ] || [ "$rc2" = 137 ]; then
			echo "FAIL second boot: timeout after ${TIMEOUT}s; last console line: $(last_line)"
			return
		fi
		l=$(first_after 'KDVM [0-9.]+ FAIL ' 0)
		[ -z "$l" ] || { echo "FAIL second boot: $(line_text "$l" | sed -E 's/^KDVM [0-9.]+ FAIL //')"; return; }
		[ "$rc2" = 0 ] || { echo "FAIL second boot: qemu exited with status $rc2: $(last_line)"; return; }
		l=$(first_after 'KDVM [0-9.]+ kdump.service: active' 0)
		[ -n "$l" ] || { echo "FAIL second boot: kdump.service not active: $(last_line)"; return; }
		boot2="second boot: kdump.service $(line_text "$l" | sed -nE 's/.*start took ([0-9.?]+)s.*/\1/p')s"
		l=$(first_after "$KDVM_PAT_POWEROFF" 0)
		[ -n "$l" ] || { echo "FAIL second boot did not power off: $(last_line)"; return; }
		boot2+=", off at $(host_t "$l")s"
		clog=$clog1
	fi

	if [ "$MODE" = crash ]; then
		crash=$(first_after "$KDVM_PAT_CRASHING" 0)
		[ -n "$crash" ] || { echo "FAIL the guest never crashed (no CRASHING line): $(last_line)"; return; }
		banner=$(first_after "$KDVM_PAT_BANNER" "$crash")
		[ -n "$banner" ] || { echo "FAIL the capture kernel did not start after the crash: $(last_line)"; return; }
		l=$(first_after "$KDVM_PAT_PANIC" "$banner")
		[ -z "$l" ] || { echo "FAIL the capture kernel panicked: $(line_text "$l")"; return; }
		start=$banner
	fi

	saved=$(first_after "$KDVM_PAT_SAVED" "$start")
	if [ "$EXPECT_SAVED" = 1 ] && [ -z "$saved" ]; then
		l=$(first_after "$KDVM_PAT_FAILURE" "$start")
		[ -z "$l" ] || { echo "FAIL no dump saved; $(line_text "$l")"; return; }
		echo "FAIL no '$KDVM_PAT_SAVED' line on the console: $(last_line)"
		return
	fi
	if [ "$EXPECT_SAVED" = 0 ] && [ -n "$saved" ]; then
		echo "FAIL a dump was saved, none expected: $(line_text "$saved")"
		return
	fi
	[ -z "$saved" ] || dump_dir=$(line_text "$saved" | sed -E "s/.*${KDVM_PAT_SAVED}//; s/[[:space:]].*//")

	l=$(first_after "$KDVM_PAT_FAILURE" "$start")
	if [ -n "$EXPECT_FAILURE_ACTION" ]; then
		action=$(first_after "${KDVM_PAT_FAILURE}${EXPECT_FAILURE_ACTION}([^a-z_]|\$)" "$start")
		if [ -z "$action" ]; then
			[ -z "$l" ] || { echo "FAIL wrong failure action: $(line_text "$l"), expected $EXPECT_FAILURE_ACTION"; return; }
			echo "FAIL no '${KDVM_PAT_FAILURE}${EXPECT_FAILURE_ACTION}' line on the console"
			return
		fi
	elif [ -n "$l" ]; then
		echo "FAIL unexpected failure action: $(line_text "$l")"
		return
	fi

	case "$EXPECT_END" in
	reboot) pat=$KDVM_PAT_REBOOT ;;
	poweroff) pat=$KDVM_PAT_POWEROFF ;;
	*) echo "FAIL scenario.conf: EXPECT_END must be reboot or poweroff"; return ;;
	esac
	endl=$(first_after "$KDVM_PAT_REBOOT|$KDVM_PAT_POWEROFF" "$start")
	[ -n "$endl" ] || { echo "FAIL the guest neither rebooted nor powered off: $(last_line)"; return; }
	end=$(line_text "$endl")
	[[ $end =~ $pat ]] || { echo "FAIL the guest ended with '$end', expected $EXPECT_END"; return; }

	for pat in ${EXPECT_CONSOLE[@]+"${EXPECT_CONSOLE[@]}"}; do
		[ -n "$(first_after "$pat" "${crash:-0}")" ] || { echo "FAIL console lacks /$pat/"; return; }
	done
	l=${crash:-0}
	for pat in ${EXPECT_ORDER[@]+"${EXPECT_ORDER[@]}"}; do
		l=$(first_after "$pat" "$l")
		[ -n "$l" ] || { echo "FAIL console lacks /$pat/ in the expected order (${EXPECT_ORDER[*]})"; return; }
	done
	for pat in ${REJECT_CONSOLE[@]+"${REJECT_CONSOLE[@]}"}; do
		l=$(first_after "$pat" "${crash:-0}")
		[ -z "$l" ] || { echo "FAIL console has /$pat/: $(line_text "$l")"; return; }
	done

	# The dump itself, read back from the disk image.
	# (EXPECT_DISK=host: a directory on the host, where a server wrote it)
	local img=$run/root.img vres src=()
	case "$EXPECT_DISK" in
	root) src=("$img") ;;
	host)
		[ -n "$EXPECT_HOSTDIR" ] || { echo "FAIL scenario.conf: EXPECT_DISK=host needs EXPECT_HOSTDIR (from setup_host)"; return; }
		img=$EXPECT_HOSTDIR
		src=(--dir "$img")
		;;
	*) img=$run/disk-$EXPECT_DISK.img; src=("$img") ;;
	esac
	if [ "$EXPECT_OFFSET_MIB" != 0 ]; then
		# a partition or an LV: its file system, copied out (no loop devices)
		dd if="$img" of="$run/expect-$EXPECT_DISK.img" bs=1M skip="$EXPECT_OFFSET_MIB" conv=sparse status=none ||
			{ echo "FAIL cannot copy the file system at ${EXPECT_OFFSET_MIB} MiB out of $img"; return; }
		img=$run/expect-$EXPECT_DISK.img
		src=("$img")
	fi
	if [ "$EXPECT_SAVED" = 1 ]; then
		local vopt=()
		[ "$EXPECT_DMESG" = 1 ] || vopt=(--vmcore-only)
		vres=$("$VM_DIR/verify-dump.sh" --format "$EXPECT_FORMAT" --out "$run/dump" ${vopt[@]+"${vopt[@]}"} \
			"${src[@]}" "$EXPECT_PATH" 2>"$run/verify.log")
		echo "$vres" >>"$run/verify.log"
		[[ $vres == "VERIFY PASS"* ]] || { echo "FAIL ${vres#VERIFY FAIL }"; return; }
		# (a raw target's console names the device; the directory comes later)
		if [ -n "$dump_dir" ] && [[ ${dump_dir##*/} =~ $KDVM_PAT_DUMPDIR ]] &&
			[[ $vres != *"/${dump_dir##*/} "* ]]; then
			echo "FAIL console names ${dump_dir}, the image holds: ${vres#VERIFY PASS }"
			return
		fi
	elif [ "$EXPECT_INCOMPLETE" = 1 ]; then
		vres=$("$VM_DIR/verify-dump.sh" --incomplete "${src[@]}" "$EXPECT_PATH" 2>"$run/verify.log")
		echo "$vres" >>"$run/verify.log"
		[[ $vres == "VERIFY PASS"* ]] || { echo "FAIL ${vres#VERIFY FAIL }"; return; }
	else
		vres=$("$VM_DIR/verify-dump.sh" --none "${src[@]}" "$EXPECT_PATH" 2>"$run/verify.log")
		echo "$vres" >>"$run/verify.log"
		[[ $vres == "VERIFY PASS"* ]] || { echo "FAIL ${vres#VERIFY FAIL }"; return; }
		if [ "$img" != "$run/root.img" ] || [ "$EXPECT_PATH" != /var/crash ]; then
			vres=$("$VM_DIR/verify-dump.sh" --none "$run/root.img" /var/crash 2>>"$run/verify.log")
			[[ $vres == "VERIFY PASS"* ]] || { echo "FAIL root fs: ${vres#VERIFY FAIL }"; return; }
		fi
	fi

	# Where the running system looks: the second boot lists the same dump.
	local seen=""
	if [ -n "$EXPECT_SEEN_AT" ] && [ "$EXPECT_SAVED" = 1 ]; then
		local dname size listed
		dname=$(sed -nE 's/^VERIFY PASS dir=([^ ]+) .*/\1/p' "$run/verify.log" | tail -n1)
		dname=${dname##*/}
		size=$(stat -c %s "$run/dump/$dname/vmcore" 2>/dev/null || echo "?")
		listed=$(grep -aE "KDVM [0-9.]+ LISTED " "$run/console2.log" | sed -E 's/.*LISTED //' | tr -d '\r')
		grep -qxF "$EXPECT_SEEN_AT/$dname vmcore=$size" <<<"$listed" || {
			echo "FAIL the rebooted system does not list $dname (vmcore $size bytes) at $EXPECT_SEEN_AT; it lists: ${listed:-nothing}"
			return
		}
		seen="found from the host at $EXPECT_DISK:$EXPECT_PATH/$dname, listed by the rebooted system at $EXPECT_SEEN_AT/$dname"
	fi

	# The scenario's own checks (servers' side, initramfs contents, ...).
	local extra
	if ! extra=$(verify_extra "$run" 2>>"$run/verify.log"); then
		echo "FAIL ${extra:-verify_extra failed}"
		return
	fi

	# Details for the PASS line.
	local d=()
	[ -z "$kdsvc" ] || d+=("kdump.service ${kdsvc}s")
	if [ -n "$crash" ]; then
		d+=("crashed at $(host_t "$crash")s")
		[ -z "$saved" ] || d+=("saved $(dt "$(host_t "$crash")" "$(host_t "$saved")")s later")
	fi
	if [ -n "$EXPECT_FAILURE_ACTION" ] && [ -n "$crash" ]; then
		d+=("failure action $EXPECT_FAILURE_ACTION $(dt "$(host_t "$crash")" "$(host_t "$action")")s after the crash")
	elif [ -n "$EXPECT_FAILURE_ACTION" ]; then
		d+=("failure action $EXPECT_FAILURE_ACTION")
	fi
	d+=("$EXPECT_END at $(host_t "$endl")s")
	[ "$EXPECT_SAVED" != 1 ] || d+=("$(sed -nE 's/^VERIFY PASS .*format=([a-z]+) size=([0-9]+MiB).*/vmcore \2 \1/p' "$run/verify.log")")
	# what crash(8) made of it (verify-dump.sh: crash-check.sh)
	local cr
	cr=$(sed -nE 's/^VERIFY PASS .* crash: (.*)$/crash \1/p' "$run/verify.log" | cut -c1-200)
	[ -z "$cr" ] || d+=("$cr")
	if [ "$EXPECT_INCOMPLETE" = 1 ]; then
		d+=("$(sed -nE 's/^VERIFY PASS incomplete only: (.*)$/\1 kept/p' "$run/verify.log")")
	elif [ "$EXPECT_SAVED" = 0 ]; then
		d+=("no dump")
	fi
	[ -z "$boot2" ] || d+=("$boot2")
	[ -z "$seen" ] || d+=("$seen")
	[ -z "$extra" ] || d+=("$extra")
	local item text=""
	for item in "${d[@]}"; do text+="${text:+, }$item"; done
	echo "PASS $text"
}

# --- one scenario -------------------------------------------------------------
run_one() {
	local name=$1 run t0 res img_s pre_s
	run=$RUNS/$name
	clog=$run/console.log
	t0=$(now)
	if [ ! -f "$VM_DIR/scenarios/$name/scenario.conf" ]; then
		verdict "$name" FAIL "no such scenario: $VM_DIR/scenarios/$name/scenario.conf"
		return
	fi
	load_scenario "$VM_DIR/scenarios/$name"
	TIMEOUT=${KDVM_TIMEOUT:-$TIMEOUT}
	[ "$JOBS" -le 1 ] || SMP=1
	if [ "$PRODUCT" = 1 ] && [ -n "$product_error" ]; then
		verdict "$name" FAIL "kdumpkit does not build: $product_error"
		return
	fi
	mkdir -p "$run"
	rm -f "$run/console.log" "$run/console2.log" "$run/verify.log"
	rm -rf "$run/dump" "$run/host"
	# Servers on the host's loopback (setup_host), stopped on every exit.
	HOST_DIR=$run/host # global: the trap runs after run_one has returned
	mkdir -p "$HOST_DIR"
	trap 'teardown_host "$HOST_DIR"; host_servers_stop' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM HUP
	if ! setup_host "$run/host" >"$run/host/setup.log" 2>&1; then
		verdict "$name" FAIL "setup_host failed: $(tail -n 2 "$run/host/setup.log" | tr '\n' ' ' | cut -c1-200)"
		return
	fi
	# qemu user networking, restrict=on: the guest reaches nothing but the
	# guestfwd rules, each to a server on 127.0.0.1.
	local net=user,id=n0,restrict=on fwd gaddr hport
	for fwd in ${NET_FWD[@]+"${NET_FWD[@]}"}; do
		read -r gaddr hport <<<"$fwd"
		[[ $gaddr =~ ^10\.0\.2\.[0-9]+:[0-9]+$ && $hport =~ ^[0-9]+$ ]] ||
			{ verdict "$name" FAIL "bad NET_FWD entry '$fwd'"; return; }
		net+=",guestfwd=tcp:$gaddr-cmd:socat - TCP:127.0.0.1:$hport"
	done
	log "$name: building images"
	if ! timeout --foreground -k 10 "$MKIMAGE_TIMEOUT" "$VM_DIR/mkimage.sh" "$VM_DIR/scenarios/$name" "$run" \
		>"$run/mkimage.log" 2>&1; then
		verdict "$name" FAIL "image build failed: $(grep -E 'error|Error|ERROR|timeout' "$run/mkimage.log" | tail -n 1 | cut -c1-200) (log: $run/mkimage.log)"
		return
	fi
	img_s=$(sed -n 's/^IMAGE_BUILD_S=//p' "$run/image.env")
	pre_s=$(sed -n 's/^PREBUILD_S=//p' "$run/image.env")
	log "$name: booting (timeout ${TIMEOUT}s, console: $clog)"
	local out=/dev/null
	[ "${VERBOSE:-0}" != 1 ] || out=/dev/stderr
	rc=0
	# ON_CONSOLE: the scenario acts on the host when the guest gets there
	# (a server stopped at the crash, killed in the middle of the dump)
	local watch=""
	if [ -n "$ON_CONSOLE" ]; then
		(
			until grep -qE "$ON_CONSOLE" "$clog" 2>/dev/null; do sleep 0.5; done
			log "$name: console matched /$ON_CONSOLE/: on_console"
			on_console "$run/host"
		) >>"$run/host/setup.log" 2>&1 &
		watch=$!
	fi
	TIMEOUT=$TIMEOUT MEM=$MEM SMP=$SMP CRASHKERNEL=$CRASHKERNEL LOG=$clog NET=$net \
		NETNS=$NET_NS TAP=$NET_TAP TAP_MAC=$NET_TAP_MAC \
		"$VM_DIR/run-guest.sh" "$run" "$MODE" "$CMDLINE_EXTRA" >"$out" 2>&1 || rc=$?
	if [ -n "$watch" ]; then
		kill "$watch" 2>/dev/null
		wait "$watch" 2>/dev/null
	fi
	[ "$rc" != 130 ] || { verdict "$name" FAIL "interrupted"; return; }
	after_first_boot "$run" >>"$run/host/setup.log" 2>&1
	rc2=0
	# EXPECT_SEEN_AT: the rebooted system must list the dump there
	[ -z "$EXPECT_SEEN_AT" ] || SECOND_MODE=${SECOND_MODE:-after}
	if [ -n "$SECOND_MODE" ]; then
		log "$name: booting again, mode $SECOND_MODE (console: $run/console2.log)"
		TIMEOUT=$TIMEOUT MEM=$MEM SMP=$SMP CRASHKERNEL=$CRASHKERNEL LOG=$run/console2.log NET=$net \
			NETNS=$NET_NS TAP=$NET_TAP TAP_MAC=$NET_TAP_MAC \
			"$VM_DIR/run-guest.sh" "$run" "$SECOND_MODE" "$CMDLINE_EXTRA${EXPECT_SEEN_AT:+ kdvmlist=$EXPECT_SEEN_AT}" \
			>"$out" 2>&1 || rc2=$?
		[ "$rc2" != 130 ] || { verdict "$name" FAIL "interrupted"; return; }
	fi
	res=$(evaluate)
	local timing="image ${img_s}s"
	[ "$PREBUILD" = 0 ] || timing+=", prebuild ${pre_s}s"
	timing+=", total $(elapsed "$t0")s"
	if [[ $res == PASS* ]]; then
		verdict "$name" PASS "${res#PASS }, $timing"
		[ "${KEEP_IMAGES:-1}" = 1 ] || rm -f "$run"/*.img
	else
		verdict "$name" FAIL "${res#FAIL } [log: $clog]"
	fi
}

# --- main -------------------------------------------------------------------------
t_all=$(now)
LOGS=$RUNDIR/logs/$DISTRO_ID
mkdir -p "$LOGS"
log "$DISTRO_ID trees (log: $LOGS/build-base.log)"
if ! "$VM_DIR/build-base.sh" >"$LOGS/build-base.log" 2>&1; then
	reason="base image build failed: $(tail -n 1 "$LOGS/build-base.log" | cut -c1-200)"
	for n in "${names[@]}"; do verdict "$n" FAIL "$reason"; done
	echo "VM $DISTRO_ID: 0 passed, ${#names[@]} failed"
	exit 1
fi

# Build kdumpkit once, in the suite's build tree; mkimage.sh then only installs it.
product_error=""
need_product=0
for n in "${names[@]}"; do
	[ -f "$VM_DIR/scenarios/$n/scenario.conf" ] || continue
	(load_scenario "$VM_DIR/scenarios/$n" && [ "$PRODUCT" = 1 ]) && need_product=1
done
if [ "$need_product" = 1 ]; then
	log "building kdumpkit for $DISTRO (log: $LOGS/make.log)"
	if ! "$VM_DIR/build-product.sh" >"$LOGS/make.log" 2>&1; then
		product_error="$(grep -m1 -iE 'error|No rule|No such' "$LOGS/make.log" | cut -c1-160) (log: $LOGS/make.log)"
	fi
fi

pids=()
if [ "$JOBS" -gt 1 ]; then
	set -m # each job in its own process group, so it can be stopped as a whole
	stop_jobs() {
		local p
		for p in "${pids[@]}"; do kill -TERM -- "-$p" 2>/dev/null; done
	}
	trap stop_jobs INT TERM HUP
fi
for n in "${names[@]}"; do
	if [ "$JOBS" -le 1 ]; then
		(run_one "$n")
		continue
	fi
	while [ "$(jobs -pr | wc -l)" -ge "$JOBS" ]; do wait -n || true; done
	(run_one "$n") &
	pids+=($!)
done
wait

pass=0
failed=0
for n in "${names[@]}"; do
	if grep -q "^VM $DISTRO_ID $n: PASS" "$RESULTS/$n" 2>/dev/null; then
		pass=$((pass + 1))
	else
		failed=$((failed + 1))
		[ -s "$RESULTS/$n" ] || verdict "$n" FAIL "no verdict (interrupted?)"
	fi
done
log "all scenarios in $(elapsed "$t_all")s"
echo "VM $DISTRO_ID: $pass passed, $failed failed"
[ "$failed" = 0 ]
