#!/bin/bash
# `make bench`: kdumpkit against Debian's kdump-tools, in two qemu TCG guests
# made from the same cached tree of the guest suite (test/vm/: DISTRO, default
# trixie; KERNEL=backports), differing only in the
# kdump system.  Same RAM, CPUs, crashkernel=, kernel and first initrd.
#
#   1. test/vm/build-base.sh; bench/build-peer.sh (peer tree: + kdump-tools)
#   2. one image per system (test/vm/mkimage.sh with bench/systems/<name>),
#      kept as pristine.img; every cycle boots a fresh copy of it.  Systems:
#      kdumpkit (capture image prebuilt with `kdumpctl rebuild --sysroot`:
#      generic, --no-hostonly), peer (Debian kdump-tools), kdumpkit-guest
#      (optional: image built by kdump.service in the guest, hostonly, at a
#      first boot whose disk then becomes pristine.img)
#   3. BENCH_CYCLES crash cycles per system at crashkernel=256M: host
#      timestamps crash -> saved / -> reboot, vmcore size, peak memory, the
#      nothing-changed reload time (bench/guest/kdump-bench-probe)
#   4. unless BENCH_QUICK=1: the smallest crashkernel= (BENCH_CK_STEP, 8M
#      steps, 64M..256M) that still saves a valid vmcore and then reboots,
#      by bisection
#   4b. remote targets (BENCH_REMOTE, "ssh nfs"): the VM scenarios of the
#      same names (servers on the host loopback, image built by kdump.service
#      in the guest), once at 256M for the image size and crash -> saved, and
#      unless BENCH_QUICK=1 bisected (BENCH_REMOTE_BISECT, "ssh nfs")
#   5. the table: bench/results/<date>-<host>.md, raw logs (gzipped) beside
#      it in bench/results/<date>-<host>/, printed on stdout
#
# Env: BENCH_CYCLES (3), BENCH_QUICK=1 (1 cycle, no bisection; results named
#      <date>-<host>-quick),
#      BENCH_SYSTEMS ("kdumpkit peer"; also kdumpkit-guest; other sets are
#      named <date>-<host>-<systems>), BENCH_CK (256M), BENCH_CK_LO (64),
#      BENCH_CK_HI (256), BENCH_BISECT_TIMEOUT (s, 420), BENCH_RESULTS (dir),
#      BENCH_REMOTE ("ssh nfs"; "" skips), BENCH_REMOTE_BISECT ("ssh nfs"),
#      BENCH_CK_STEP (MiB, 8), BENCH_MEM (guest RAM, MiB, 2048; other sizes
#      are named <date>-<host>-<suite>-<N>G),
#      BENCH_DUMP_LEVEL (makedumpfile -d for both systems instead of their
#      default 31, e.g. 1 to keep user pages; results named <...>-d<N>),
#      BENCH_CK_CMA (a CMA part, e.g. 192M: the bisection then looks for the
#      smallest fixed part with crashkernel=<that>,cma beside it; kdumpkit
#      only, on a kernel that has it),
#      DISTRO, KERNEL, KDUMPKIT_VM_CACHE (test/vm's cache; bench work in
#      $CACHE/bench/<suite>/work-<run name>, the peer tree in
#      $CACHE/bench/<suite>/peer-cache)
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=test/vm/common.sh
. "$BENCH_DIR/../test/vm/common.sh"
[ "$(id -u)" = 0 ] || die "must run as root (the VM harness needs it)"

QUICK=${BENCH_QUICK:-0}
CYCLES=${BENCH_CYCLES:-3}
[ "$QUICK" != 1 ] || CYCLES=1
SYSTEMS=${BENCH_SYSTEMS:-kdumpkit peer}
CK=${BENCH_CK:-256M}
CK_LO=${BENCH_CK_LO:-64}
CK_HI=${BENCH_CK_HI:-256}
REMOTE=${BENCH_REMOTE-ssh nfs}
REMOTE_BISECT=${BENCH_REMOTE_BISECT-$REMOTE}   # what was run
STEP=${BENCH_CK_STEP:-8}
export KDVM_MEM=${BENCH_MEM:-2048}
CK_CMA=${BENCH_CK_CMA:-}
BISECT_TIMEOUT=${BENCH_BISECT_TIMEOUT:-420}
PEERC=$CACHE/bench/$DISTRO_ID/peer-cache     # build-peer.sh's, shared by runs
BASE_CACHE=$CACHE
DATE=$(date +%F)
HOST=$(hostname -s)
RESULTS=${BENCH_RESULTS:-$BENCH_DIR/results}
NAME=$DATE-$HOST-$DISTRO_ID
[ "$KDVM_MEM" = 2048 ] || NAME=$NAME-$((KDVM_MEM / 1024))G
[ -z "$CK_CMA" ] || NAME=$NAME-cma$CK_CMA
[[ "${BENCH_DUMP_LEVEL:-31}" =~ ^([0-9]|[12][0-9]|3[01])$ ]] || die "BENCH_DUMP_LEVEL must be 0..31, not '$BENCH_DUMP_LEVEL'"
[ -z "${BENCH_DUMP_LEVEL:-}" ] || NAME=$NAME-d$BENCH_DUMP_LEVEL
[ "$SYSTEMS" = "kdumpkit peer" ] || NAME=$NAME-${SYSTEMS// /-}
[ "$QUICK" != 1 ] || NAME=$NAME-quick
# shellcheck disable=SC2086 # one system per line
OURS=$(printf '%s\n' $SYSTEMS | grep -m1 -v '^peer$' || echo kdumpkit)
# this run's guests and images: apart from another run's (other RAM, say)
WORK=$CACHE/bench/$DISTRO_ID/work-${NAME#"$DATE-$HOST-"}
MD=$RESULTS/$NAME.md
RAW=$RESULTS/$NAME
T0=$(now)

mkdir -p "$WORK" "$RESULTS"
rm -rf "$RAW"
mkdir -p "$RAW"
CYC=$RAW/cycles.tsv
printf 'system\ttag\tcrashkernel\tresult\tcrash_to_saved_s\tcrash_to_reboot_s\tvmcore_bytes\tmemavail_min_kB\tmemtotal_kB\tstart_nothing_changed_s\tkexec_load_s\tnote\n' >"$CYC"

# --- images -----------------------------------------------------------------
log "base trees ($DISTRO_ID), kdumpkit built for them"
"$VM_DIR/build-base.sh" 2>&1 | tail -n 3 >&2
"$VM_DIR/build-product.sh" 2>&1 | tail -n 1 >&2
log "peer tree (kdump-tools)"
"$BENCH_DIR/build-peer.sh" 2>&1 | tail -n 3 >&2
KVER=$(cat "$SUITE_DIR/kver")
# shellcheck source=/dev/null
. "$PEERC/peer.env"

cache_of() { if [ "$1" = peer ]; then echo "$PEERC"; else echo "$BASE_CACHE"; fi; }

# Capture image sizes of kdumpkit for other targets: kdumpctl rebuild --sysroot
# in the kept tree with another kdump.conf (best effort; "n/a" with the reason).
other_targets() {
	local rt=$1 name conf img
	chroot_mounts_up "$rt"
	cp "$rt/etc/kdump.conf" "$WORK/kdump.conf.local"
	mkdir -p "$rt/root/.ssh"
	chmod 0700 "$rt/root/.ssh"
	[ -e "$rt/root/.ssh/kdump_id_ed25519" ] ||
		ssh-keygen -q -t ed25519 -N '' -f "$rt/root/.ssh/kdump_id_ed25519" -C bench >/dev/null 2>&1 || true
	mkdir -p "$rt/var/lib/kdump"
	echo "10.0.2.100 ssh-ed25519 $(cut -d' ' -f2 "$rt/root/.ssh/kdump_id_ed25519.pub" 2>/dev/null)" \
		>>"$rt/var/lib/kdump/known_hosts"
	for name in nfs ssh; do
		case $name in
		nfs) conf="nfs 10.0.2.101:/export"$'\n'"path /crash" ;;
		ssh) conf="ssh root@10.0.2.100"$'\n'"sshkey /root/.ssh/kdump_id_ed25519"$'\n'"path /var/crash" ;;
		esac
		printf '%s\ncore_collector makedumpfile -l --message-level 7 -d %s\n' "$conf" "${BENCH_DUMP_LEVEL:-31}" >"$rt/etc/kdump.conf"
		rm -f "$rt/var/lib/kdump/"initramfs-*kdump.img
		if timeout 600 chroot "$rt" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 \
			kdumpctl rebuild --sysroot / --kver "$KVER" >"$RAW/rebuild-$name.log" 2>&1; then
			img=$(find "$rt/var/lib/kdump" -maxdepth 1 -name 'initramfs-*kdump.img' | head -n1)
			cp "$img" "$WORK/kdumpkit-$name.img"
			echo "$name $(stat -c %s "$img")" >>"$WORK/images.txt"
		else
			echo "$name n/a: $(grep -m1 'dracut module .* depends on\|error\|failed' "$RAW/rebuild-$name.log" | tr -d '|' | cut -c1-100)" >>"$WORK/images.txt"
		fi
	done
	cp "$WORK/kdump.conf.local" "$rt/etc/kdump.conf"
	chroot_mounts_down
}

: >"$WORK/images.txt"
rm -f "$WORK"/kdumpkit-*.img "$WORK/peer-initrd.img"   # only this run's images get listed
for sys in $SYSTEMS; do
	run=$WORK/$sys
	log "$sys: image"
	KDUMPKIT_VM_CACHE=$(cache_of "$sys") KDVM_KEEP_TREE=1 \
		"$VM_DIR/mkimage.sh" "$BENCH_DIR/systems/$sys" "$run" >"$RAW/mkimage-$sys.log" 2>&1 ||
		{ tail -n 20 "$RAW/mkimage-$sys.log" >&2; die "$sys: mkimage failed"; }
	mv "$run/root.img" "$run/pristine.img"
	if [ "$sys" = kdumpkit-guest ]; then
		log "kdumpkit-guest: first boot, kdump.service builds the capture image in the guest"
		mv "$run/pristine.img" "$run/root.img"
		TIMEOUT=1200 QUIET=1 LOG=$RAW/console-$sys-firstboot.log "$VM_DIR/run-guest.sh" "$run" ready kdbench kdvmwait=1100 ||
			die "kdumpkit-guest: first boot failed (see $RAW/console-$sys-firstboot.log)"
		mv "$run/root.img" "$run/pristine.img"
		img=$(debugfs -R "ls /var/lib/kdump" "$run/pristine.img" 2>/dev/null | tr -s ' \t' '\n' | grep -m1 'kdump\.img$' || true)
		[ -n "$img" ] || die "kdumpkit-guest: no capture image in the guest after the first boot"
		debugfs -R "dump /var/lib/kdump/$img $WORK/kdumpkit-guest.img" "$run/pristine.img" >/dev/null 2>&1
		echo "guest $(stat -c %s "$WORK/kdumpkit-guest.img")" >>"$WORK/images.txt"
		sed -nE 's/.*KDBENCH boot_service_s=([0-9.]+).*/guest_build_s \1/p' \
			"$RAW/console-$sys-firstboot.log" | head -n1 >>"$WORK/images.txt"
		gzip -9f "$RAW/console-$sys-firstboot.log"
	elif [ "$sys" = kdumpkit ]; then
		img=$(find "$run/tree/var/lib/kdump" -maxdepth 1 -name 'initramfs-*kdump.img' | head -n1)
		[ -n "$img" ] || die "kdumpkit: no prebuilt capture image in the tree"
		cp "$img" "$WORK/kdumpkit-local.img"
		echo "local $(stat -c %s "$img")" >>"$WORK/images.txt"
		sed -n 's/^PREBUILD_S=/kdumpkit_rebuild_s /p' "$run/image.env" >>"$WORK/images.txt"
		log "kdumpkit: ssh/nfs capture images (kdumpctl rebuild --sysroot)"
		other_targets "$run/tree"
	else
		cp "$run/tree$PEER_INITRD" "$WORK/peer-initrd.img"
		echo "peer $(stat -c %s "$WORK/peer-initrd.img")" >>"$WORK/images.txt"
		echo "peer_root_used $(du -sb --exclude=proc --exclude=sys --exclude=dev "$run/tree" | cut -f1)" >>"$WORK/images.txt"
	fi
	rm -rf --one-file-system "$run/tree"
done
cp "$WORK/images.txt" "$RAW/images.txt"

# --- one crash cycle ----------------------------------------------------------
# ts PATTERN LOG [AFTER]: host seconds of the first line matching PATTERN after
# host time AFTER.
ts() {
	awk -v pat="$1" -v after="${3:-0}" '
		match($0, /^\[ *[0-9.]+\]/) {
			t = substr($0, 2, RLENGTH - 2) + 0
			if (t >= after && $0 ~ pat) { print t; exit }
		}' "$2"
}
sub() { if [ -n "$1" ] && [ -n "$2" ]; then awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; else echo ""; fi; }

verify_peer() { # IMAGE OUTDIR -> "PASS bytes" | "FAIL reason"
	local image=$1 out=$2 dirs d f
	rm -rf "$out"
	mkdir -p "$out"
	dirs=$(debugfs -R "ls /var/crash" "$image" 2>/dev/null | tr -s ' \t' '\n' | grep -E '^[0-9]{12}$' || true)
	[ "$(echo "$dirs" | grep -c .)" = 1 ] || { echo "FAIL expected one dump directory, got: ${dirs:-none}"; return; }
	d=$dirs
	debugfs -R "rdump /var/crash/$d $out" "$image" >/dev/null 2>&1
	f=$(find "$out/$d" -name 'dump.[0-9]*' | head -n1)
	[ -s "$f" ] || { echo "FAIL no dump.<stamp> in /var/crash/$d"; return; }
	if ! makedumpfile -R "$out/vmcore" <"$f" >/dev/null 2>&1; then cp "$f" "$out/vmcore"; fi
	makedumpfile --dump-dmesg "$out/vmcore" "$out/dmesg.txt" >/dev/null 2>&1 || true
	if ! grep -q 'sysrq: Trigger a crash' "$out/dmesg.txt" 2>/dev/null ||
		! grep -q 'Kernel panic - not syncing' "$out/dmesg.txt"; then
		echo "FAIL makedumpfile --dump-dmesg does not show the sysrq panic"
		return
	fi
	echo "PASS $(stat -c %s "$f")"
}

# cycle SYSTEM TAG CRASHKERNEL TIMEOUT -> appends a row to cycles.tsv, prints result
cycle() {
	local sys=$1 tag=$2 ck=$3 tmo=$4 run=$WORK/$1 clog rc tc tsv tr res bytes="" mem="" mt="" st="" kx="" v note=""
	clog=$RAW/console-$sys-$tag.log
	cp --sparse=always "$run/pristine.img" "$run/root.img"
	log "$sys $tag: crashkernel=$ck"
	set +e
	KDUMPKIT_VM_CACHE=$(cache_of "$sys") CRASHKERNEL=$ck${CK_CMA:+ crashkernel=$CK_CMA,cma} TIMEOUT=$tmo QUIET=1 \
		LOG=$clog MEM=$KDVM_MEM "$VM_DIR/run-guest.sh" "$run" crash kdbench kdvmwait=600
	rc=$?
	set -e
	tc=$(ts 'KDVM [0-9.]+ CRASHING' "$clog")
	if [ "$sys" != peer ]; then
		tsv=$(ts "$KDVM_PAT_SAVED" "$clog" "${tc:-0}")
		v=$("$VM_DIR/verify-dump.sh" --kver "$KVER" --out "$run/dump" "$run/root.img" /var/crash 2>&1 | tail -n1)
		echo "$v" >"$RAW/verify-$sys-$tag.txt"
		case $v in
		"VERIFY PASS"*) res=PASS; bytes=$(find "$run/dump" -name vmcore -printf '%s\n' | head -n1) ;;
		*) res=FAIL; note=${v#VERIFY FAIL } ;;
		esac
		read -r mem mt < <(sed -nE 's/.*peak memory during collection: MemAvailable min ([0-9]+) kB of MemTotal ([0-9]+) kB.*/\1 \2/p' "$clog" | tail -n1) || true
	else
		tsv=$(ts 'saved vmcore in ' "$clog" "${tc:-0}")
		v=$(verify_peer "$run/root.img" "$run/dump")
		echo "$v" >"$RAW/verify-$sys-$tag.txt"
		case $v in
		PASS*) res=PASS; bytes=${v#PASS } ;;
		*) res=FAIL; note=${v#FAIL } ;;
		esac
		read -r mem mt < <(sed -nE 's/.*KDBENCH peak memory during dump: MemAvailable min ([0-9]+) kB of MemTotal ([0-9]+) kB.*/\1 \2/p' "$clog" | tail -n1) || true
	fi
	tr=$(ts "$KDVM_PAT_REBOOT" "$clog" "${tc:-0}")
	[ -n "$tsv" ] || res=FAIL
	# working means the machine comes back too: a saved dump followed by
	# an out-of-memory panic is not a working reservation
	if [ "$res" = PASS ] && [ -z "$tr" ]; then res=FAIL; note="${note:+$note; }saved, but no reboot"; fi
	[ "$rc" = 0 ] || note="${note:+$note; }qemu rc=$rc"
	if [ -z "$tc" ]; then note="${note:+$note; }no crash"; fi
	grep -q 'Out of memory\|System is deadlocked on memory\|oom-kill' "$clog" && note="${note:+$note; }OOM lines"
	st=$(sed -nE 's/.*KDBENCH start_nothing_changed_s=([0-9.]+).*/\1/p' "$clog" | head -n1)
	kx=$(sed -nE 's/.*KDBENCH kexec_load_s=([0-9.]+).*/\1/p' "$clog" | head -n1)
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$sys" "$tag" "$ck" "$res" \
		"$(sub "$tc" "$tsv")" "$(sub "$tc" "$tr")" "$bytes" "$mem" "$mt" "$st" "$kx" "$note" >>"$CYC"
	log "$sys $tag: $res crash->saved $(sub "$tc" "$tsv")s crash->reboot $(sub "$tc" "$tr")s vmcore ${bytes:-?} B ${note}"
	rm -rf "$run/dump" "$run/root.img"
	gzip -9f "$clog"
	[ "$res" = PASS ]
}

# --- 3. cycles ------------------------------------------------------------
for ((i = 1; i <= CYCLES; i++)); do
	for sys in $SYSTEMS; do cycle "$sys" "c$i" "$CK" 900 || true; done
done

# --- 4. smallest crashkernel= ---------------------------------------------
: >"$RAW/bisect.txt"
if [ "$QUICK" != 1 ]; then
	for sys in $SYSTEMS; do
		# a CMA part is kdumpkit's: the peer has no kexec -s for it
		[ -z "$CK_CMA" ] || [ "$sys" != peer ] || continue
		lo=$(((CK_LO - STEP) / STEP)) hi=$((CK_HI / STEP))   # in STEP units; lo fails (virtually), hi passes
		while ((hi - lo > 1)); do
			mid=$(((lo + hi) / 2))
			if cycle "$sys" "ck$((mid * STEP))M" "$((mid * STEP))M" "$BISECT_TIMEOUT"; then hi=$mid; else lo=$mid; fi
		done
		echo "$sys $((hi * STEP))M" >>"$RAW/bisect.txt"
	done
fi

# --- 4b. remote targets ----------------------------------------------------
# remote_cycle TARGET TAG CRASHKERNEL: the VM scenario TARGET (test/vm) at
# that crashkernel=; a row in remote.tsv.  The image is the one kdump.service
# built in the guest (hostonly), copied out by the scenario's checks.
RCYC=$RAW/remote.tsv
printf 'target\ttag\tcrashkernel\tresult\tcrash_to_saved_s\timage_bytes\tnote\n' >"$RCYC"
remote_cycle() {
	local t=$1 tag=$2 ck=$3 out verdict res saved img bytes="" note=""
	out=$RAW/scenario-$t-$tag.log
	log "remote $t $tag: crashkernel=$ck"
	KDVM_CRASHKERNEL=$ck${CK_CMA:+ crashkernel=$CK_CMA,cma} KDUMPKIT_VM_CACHE=$BASE_CACHE \
		"$VM_DIR/run-scenarios.sh" "$t" >"$out" 2>&1 || true
	verdict=$(grep -m1 "^VM $DISTRO_ID $t: " "$out" || echo "VM $DISTRO_ID $t: FAIL no verdict")
	case $verdict in
	"VM $DISTRO_ID $t: PASS"*) res=PASS ;;
	*) res=FAIL; note=$(echo "${verdict#VM "$DISTRO_ID" "$t": FAIL }" | cut -c1-160) ;;
	esac
	saved=$(echo "$verdict" | sed -nE 's/.* saved ([0-9.]+)s later.*/\1/p')
	img=$(find "$RUNS/$t/initramfs" -maxdepth 1 -name '*kdump.img' 2>/dev/null | head -n1)
	if [ "$res" = PASS ] && [ -n "$img" ]; then
		bytes=$(stat -c %s "$img")
		[ "$tag" != c1 ] || cp "$img" "$WORK/kdumpkit-guest-$t.img"
	fi
	gzip -9c "$RUNS/$t/console.log" >"$RAW/console-remote-$t-$tag.log.gz" 2>/dev/null || true
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$tag" "$ck" "$res" "$saved" "$bytes" "$note" >>"$RCYC"
	log "remote $t $tag: $res crash->saved ${saved:-?}s image ${bytes:-?} B ${note}"
	[ "$res" = PASS ]
}
rm -f "$WORK"/kdumpkit-guest-*.img
for t in $REMOTE; do remote_cycle "$t" c1 "$CK" || true; done
if [ "$QUICK" != 1 ]; then
	for t in $REMOTE_BISECT; do
		lo=$(((CK_LO - STEP) / STEP)) hi=$((CK_HI / STEP))
		while ((hi - lo > 1)); do
			mid=$(((lo + hi) / 2))
			if remote_cycle "$t" "ck$((mid * STEP))M" "$((mid * STEP))M"; then hi=$mid; else lo=$mid; fi
		done
		echo "remote-$t $((hi * STEP))M" >>"$RAW/bisect.txt"
	done
fi

# --- 5. report -------------------------------------------------------------
mkdir -p "$RAW/capture-images"
for f in "$WORK"/kdumpkit-*.img "$WORK/peer-initrd.img"; do
	[ -e "$f" ] || continue
	lsinitrd "$f" >"$RAW/capture-images/$(basename "$f" .img).lsinitrd.txt" 2>/dev/null ||
		echo "lsinitrd unavailable" >"$RAW/capture-images/$(basename "$f" .img).lsinitrd.txt"
done
gzip -9f "$RAW"/capture-images/*.txt 2>/dev/null || true
"$HOST_PYTHON" "$BENCH_DIR/report.py" --cycles "$CYC" --images "$RAW/images.txt" --remote "$RCYC" \
	--bisect "$RAW/bisect.txt" --peer-env "$PEERC/peer.env" \
	--mode "$([ "$QUICK" = 1 ] && echo "BENCH_QUICK=1 (1 cycle, no bisection)" || echo "full ($CYCLES cycles, bisection)")" \
	--kver "$KVER" --tree "$PEERC/$DISTRO_ID/tree" --base-tree "$TREE" --repo "$REPO_DIR" \
	--ck "$CK" --ours "$OURS" --raw "$(basename "$RAW")" --elapsed "$(elapsed "$T0")" \
	--step "$STEP" --mem "$KDVM_MEM" --suite "Debian $(cut -d. -f1 "$TREE/etc/debian_version") ($DISTRO_ID)" \
	--cma "$CK_CMA" --dump-level "${BENCH_DUMP_LEVEL:-31}" >"$MD"
cat "$MD"
log "results: $MD (raw logs: $RAW)"
