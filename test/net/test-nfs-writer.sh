#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# kdump-nfs-writer against a userspace nfs-ganesha (VFS backend): NFSv4 on
# 127.0.0.1 of this machine, NFSv3 in network, mount and PID namespaces of
# its own (see nfs3_in_namespace).  Ganesha, rpcbind and the namespaces
# missing or not working is a failure: `make deps` installs the servers.
#
# Never change the export behind ganesha's back (rm, mv): its cache would
# hand out the old files.  Every put uses a name of its own.
set -u
# shellcheck source=test/net/lib.sh
. "$(dirname "$0")/lib.sh"

W=$BUILD/asan/kdump-nfs-writer
GPID=
RPCBIND_PID=
stop_rpcbind() {
        if [ -n "$RPCBIND_PID" ]; then
                kill "$RPCBIND_PID" 2>/dev/null
                wait "$RPCBIND_PID" 2>/dev/null
                RPCBIND_PID=
        fi
}
stop_ganesha() {
        if [ -n "$GPID" ]; then
                kill -CONT "$GPID" 2>/dev/null
                kill "$GPID" 2>/dev/null
                for _ in $(seq 50); do kill -0 "$GPID" 2>/dev/null || break; sleep 0.1; done
                kill -9 "$GPID" 2>/dev/null
                wait "$GPID" 2>/dev/null
                GPID=
        fi
}
listening() { ss -ltn 2>/dev/null | grep -q ":$1 "; }

# start_ganesha DIR EXPORT PROTOCOLS PORT MNT_PORT: ganesha.conf, .log and
# .pid in DIR; 0 once it listens on PORT (and MNT_PORT for NFSv3)
start_ganesha() {
        local dir=$1 export=$2 protocols=$3 port=$4 mnt_port=$5
        cat >"$dir/ganesha.conf" <<EOC
NFS_CORE_PARAM {
        Protocols = $protocols;
        NFS_Port = $port;
        MNT_Port = $mnt_port;
        Bind_addr = 127.0.0.1;
        Enable_NLM = false;
        Enable_RQUOTA = false;
        # 6.x exits when it may not set PR_SET_IO_FLUSHER (in a chroot, a
        # container); 4.3 warns about the unknown key and goes on
        allow_set_io_flusher_fail = true;
}
NFSv4 {
        Graceless = true;
        # not /var/lib/nfs/ganesha: a directory per client would stay there
        RecoveryRoot = "$dir/recovery";
}
EXPORT {
        Export_Id = 1;
        Path = $export;
        Pseudo = /export;
        Access_Type = RW;
        Squash = No_Root_Squash;
        SecType = sys;
        Protocols = $protocols;
        Transports = TCP;
        FSAL { Name = VFS; }
}
EOC
        ganesha.nfsd -F -f "$dir/ganesha.conf" -L "$dir/ganesha.log" -p "$dir/ganesha.pid" -N NIV_WARN &
        GPID=$!
        for _ in $(seq 100); do
                if listening "$port"; then
                        [ "$protocols" = 4 ] && return 0
                        listening "$mnt_port" && return 0
                fi
                kill -0 "$GPID" 2>/dev/null || break
                sleep 0.1
        done
        stop_ganesha
        return 1
}

# a put needs kdump-collect's commit on fd 3: commit-relay.py gives it
run() { python3 "$TESTDIR/commit-relay.py" "$W" "$@" >"$WORK/log" 2>&1; }
# timed_run ARGS...: run, and RATE says how fast stdin (a file) went, end to
# end: mount, writes, COMMIT, CLOSE, LINK
RATE=
timed_run() {
        local t0 t1 rc
        t0=$(date +%s.%N)
        run "$@"
        rc=$?
        t1=$(date +%s.%N)
        RATE=$(awk -v b="$(stat -L -c %s /dev/stdin)" -v t="$(echo "$t1 - $t0" | bc)" \
                'BEGIN { printf "%.1f MiB in %.2f s, %.1f MiB/s", b / 1048576, t, b / 1048576 / t }')
        return $rc
}
# probe ARGS...: the writer's `probe` (bounded here too), stdout and stderr
# apart; SECS says how long it took
SECS=
# put_cases LABEL CONF: mkdir, a flattened put byte for byte, modes, no
# overwrite, the big stream; $D and $DUMPS name the dump directory.
put_cases() {
        local v=$1 conf=$2
        if run --config "$conf" mkdir "$D"; then
                check "$v mkdir creates <path>/DIR 0700 (parents too)" test "$(mode_of "$DUMPS/$D")" = 700
        else
                not_ok "$v mkdir failed: $(cat "$WORK/log")"
        fi
        run --config "$conf" mkdir "$D"
        check "$v mkdir of an existing DIR exits 3" test $? = 3
        if run --config "$conf" put --flattened "$D" vmcore <"$WORK/s.flat"; then
                check "$v put --flattened: vmcore == makedumpfile -R" cmp -s "$WORK/ref" "$DUMPS/$D/vmcore"
                check "$v vmcore is 0600, no -incomplete left" \
                        test "$(mode_of "$DUMPS/$D/vmcore")" = 600 -a ! -e "$DUMPS/$D/vmcore-incomplete"
                if run --config "$conf" put "$D" vmcore </dev/null; then
                        not_ok "$v existing vmcore never overwritten (put succeeded)"
                else
                        check "$v existing vmcore never overwritten" cmp -s "$WORK/ref" "$DUMPS/$D/vmcore"
                fi
        else
                not_ok "$v put --flattened failed: $(cat "$WORK/log")"
        fi
        KDUMP_TEST_COMMIT=none run --config "$conf" put --flattened "$D" nocommit <"$WORK/s.flat"
        check "$v no commit (the collector failed): exit 1, -incomplete kept, no file" \
                test $? = 1 -a -e "$DUMPS/$D/nocommit-incomplete" -a ! -e "$DUMPS/$D/nocommit"
        KDUMP_TEST_COMMIT=wrong run --config "$conf" put --flattened "$D" wrongcount <"$WORK/s.flat"
        check "$v a commit for another byte count: exit 1, no file" test $? = 1 -a ! -e "$DUMPS/$D/wrongcount"
        if timed_run --config "$conf" put --flattened "$D" vmcore-big <"$WORK/big.flat"; then
                check "$v put --flattened of the big stream == makedumpfile -R ($RATE)" \
                        cmp -s "$WORK/big.ref" "$DUMPS/$D/vmcore-big"
        else
                not_ok "$v put --flattened of the big stream failed: $(cat "$WORK/log")"
        fi
}

probe() {
        local start rc
        start=$(date +%s)
        timeout 60 "$W" "$@" probe >"$WORK/probe.out" 2>"$WORK/probe.err"
        rc=$?
        SECS=$(($(date +%s) - start))
        return $rc
}
# probe_ok DESC CONF DIR: a probe that succeeds, creates DIR and leaves it empty
probe_ok() {
        local desc=$1 conf=$2 dir=$3
        if probe --config "$conf"; then
                check "$desc probe: ok, prints free_bytes=N ($(cat "$WORK/probe.out"))" \
                        grep -qx 'free_bytes=[0-9][0-9]*' "$WORK/probe.out"
                check "$desc probe: creates <path> 0700 with its parents" test "$(mode_of "$dir")" = 700
                check "$desc probe: leaves no .kdump-probe-* file" test -z "$(ls -A "$dir")"
                check "$desc probe: quiet on success" test ! -s "$WORK/probe.err"
        else
                not_ok "$desc probe failed: $(cat "$WORK/probe.err")"
        fi
}

# NFSv3 needs the server's portmapper on port 111, which belongs to the
# machine: ganesha registers there through /run/rpcbind.sock.  So rpcbind,
# ganesha and the writer run in namespaces made for them: a network of their
# own (only lo), a private /run for rpcbind's socket, lock and state, and a
# PID namespace, so that everything in it is killed when it ends, however it
# ends.  It writes its counts to WORK/nfs3.counts for the outer run.
nfs3_in_namespace() {
        local dir=$WORK/nfs3 exports=$WORK/export3 rc
        trap 'stop_ganesha; stop_rpcbind; echo "$PASSED $FAILED $SKIPPED" >"$WORK/nfs3.counts"' EXIT
        mkdir -p "$dir" "$exports"
        ip link set lo up
        # glibc's getaddrinfo(AI_ADDRCONFIG), in ganesha and in libnfs, finds
        # no IPv4 address where 127.0.0.1 is the only one: give lo a second
        ip addr add 127.0.0.2/8 dev lo
        mount -t tmpfs -o mode=0755 tmpfs /run
        rpcbind -f >"$dir/rpcbind.log" 2>&1 &
        RPCBIND_PID=$!
        for _ in $(seq 50); do listening 111 && break; sleep 0.1; done
        if ! listening 111; then
                not_ok "NFSv3: rpcbind did not start: $(cat "$dir/rpcbind.log")"
                return
        fi
        # the namespace's own ports: the standard ones
        if ! start_ganesha "$dir" "$exports" "3, 4" 2049 20048; then
                not_ok "NFSv3: ganesha did not start: $(tail -3 "$dir/ganesha.log")"
                return
        fi
        if ! rpcinfo -T tcp 127.0.0.1 mountd 3 >/dev/null 2>&1; then
                not_ok "NFSv3: ganesha's MOUNT is not registered with rpcbind"
                return
        fi
        # no ports given: the writer asks the portmapper, as after a crash
        unset KDUMP_NFS_PORT KDUMP_NFS_MOUNT_PORT
        export KDUMP_NFS_VERSION=3
        printf 'nfs 127.0.0.1:%s\npath /var/crash\n' "$exports" >"$WORK/kdump3.conf"
        DUMPS=$exports/var/crash

        put_cases NFSv3 "$WORK/kdump3.conf"
        # no version forced: NFSv4 cannot see this path (its pseudo fs has
        # /export only), the writer goes on with NFSv3
        if (unset KDUMP_NFS_VERSION; run --config "$WORK/kdump3.conf" put "$D" vmcore-dmesg.txt <"$WORK/small"); then
                check "NFSv4 refused, NFSv3 next: small put ($(grep -o 'with NFSv[34]' "$WORK/log"))" \
                        cmp -s "$WORK/small" "$DUMPS/$D/vmcore-dmesg.txt"
        else
                not_ok "NFSv3 fallback put failed: $(cat "$WORK/log")"
        fi

        if KDUMP_NFS_PORT=2049 KDUMP_NFS_MOUNT_PORT=20048 run --config "$WORK/kdump3.conf" mkdir ports; then
                check "NFSv3 with the NFS and MOUNT ports given: mkdir" test -d "$DUMPS/ports"
        else
                not_ok "NFSv3 with the ports given: mkdir failed: $(cat "$WORK/log")"
        fi

        printf 'nfs 127.0.0.1:%s\npath /probe/new/dir\n' "$exports" >"$WORK/kdump3-probe.conf"
        probe_ok NFSv3 "$WORK/kdump3-probe.conf" "$exports/probe/new/dir"
        printf 'nfs 127.0.0.1:%s/nonexistent\n' "$exports" >"$WORK/kdump3-noexport.conf"
        probe --config "$WORK/kdump3-noexport.conf"
        rc=$?
        check "NFSv3 probe: no such export: exit 1 in $SECS s ($(head -1 "$WORK/probe.err"))" \
                test $rc = 1 -a "$SECS" -le 5 -a ! -s "$WORK/probe.out"
        check "  ... and names the export" grep -q "cannot mount 127.0.0.1:$exports/nonexistent with NFSv3" "$WORK/probe.err"

        stop_ganesha
        probe --config "$WORK/kdump3-probe.conf"
        rc=$?
        check "NFSv3 probe: server down (rpcbind up): exit 1 in $SECS s ($(head -1 "$WORK/probe.err"))" \
                test $rc = 1 -a "$SECS" -le 5
}

if [ "${1:-}" = --nfs3-in-namespace ]; then
        WORK=$2 D=$3
        nfs3_in_namespace
        exit 0
fi

WORK=$(mktemp -d /tmp/kdumpkit-nfs.XXXXXX)
cleanup() {
        stop_ganesha
        rm -rf "$WORK"
}
trap cleanup EXIT

if ! command -v ganesha.nfsd >/dev/null; then
        not_ok "nfs-ganesha is not installed (make deps installs nfs-ganesha nfs-ganesha-vfs)"
        summary
        exit 1
fi
mkdir -p "$WORK/export"

PORT=
for _ in 1 2 3; do
        PORT=$((20000 + RANDOM % 9000))
        listening "$PORT" || listening $((PORT + 1)) && continue
        start_ganesha "$WORK" "$WORK/export" 4 "$PORT" $((PORT + 1)) && break
        PORT=
done
if [ -z "$PORT" ]; then
        not_ok "nfs-ganesha did not start here: $(tail -3 "$WORK/ganesha.log" 2>/dev/null)"
        summary
        exit 1
fi

printf 'nfs 127.0.0.1:/export\npath /var/crash\n' >"$WORK/kdump.conf"
# NFSv4 only out here: NFSv3 would ask the machine's portmapper (port 111)
export KDUMP_NFS_VERSION=4 KDUMP_NFS_PORT=$PORT KDUMP_NET_RETRY_SECS=3 KDUMP_NET_IO_TIMEOUT_SECS=5
DUMPS=$WORK/export/var/crash

python3 "$TESTDIR/mkflat.py" valid 5 "$WORK/s.flat"
makedumpfile -R "$WORK/ref" <"$WORK/s.flat" >/dev/null 2>&1
# bigger than a real vmcore of a small VM (30-60 MB)
mkflat_big 40 11 "$WORK/big.flat"
makedumpfile -R "$WORK/big.ref" <"$WORK/big.flat" >/dev/null 2>&1
printf 'small\n' >"$WORK/small"
D=host-2024-01-01-00:00:00

put_cases NFSv4 "$WORK/kdump.conf"
if run --config "$WORK/kdump.conf" put "$D" vmcore-dmesg.txt <"$WORK/small"; then
        check "small put (vmcore-dmesg.txt)" cmp -s "$WORK/small" "$DUMPS/$D/vmcore-dmesg.txt"
else
        not_ok "small put failed: $(cat "$WORK/log")"
fi

head -c 100000 "$WORK/s.flat" | run --config "$WORK/kdump.conf" put --flattened "$D" cut
check "truncated stream: exit 1, no final file" test $? = 1 -a ! -e "$DUMPS/$D/cut"

# --- probe: kdumpctl's bounded check, as at crash time
printf 'nfs 127.0.0.1:/export\npath /probe/new/dir\n' >"$WORK/kdump-probe.conf"
probe_ok NFSv4 "$WORK/kdump-probe.conf" "$WORK/export/probe/new/dir"
printf 'nfs 127.0.0.1:/export\npath /var/crash/%s/vmcore-dmesg.txt/sub\n' "$D" >"$WORK/kdump-notdir.conf"
if probe --config "$WORK/kdump-notdir.conf"; then
        not_ok "probe: a file in <path> is refused"
else
        check "probe: a file in <path> is refused ($(cat "$WORK/probe.err"))" \
                grep -q "vmcore-dmesg.txt' on 127.0.0.1 is not a directory" "$WORK/probe.err"
fi
printf 'nfs 127.0.0.1:/nonexistent\n' >"$WORK/kdump-noexport.conf"
probe --config "$WORK/kdump-noexport.conf"
rc=$?
check "probe: no such export: exit 1 in $SECS s ($(head -1 "$WORK/probe.err"))" \
        test $rc = 1 -a "$SECS" -le 5 -a ! -s "$WORK/probe.out"
check "  ... and names the export" grep -q "cannot mount 127.0.0.1:/nonexistent with NFSv4 (one attempt" "$WORK/probe.err"
probe --config "$WORK/kdump.conf" extra
check "probe takes no arguments" test $? = 1

# --- NFSv3, in namespaces of its own
V3_FAIL=
if ! command -v rpcbind >/dev/null || ! command -v rpcinfo >/dev/null; then
        V3_FAIL="NFSv3: rpcbind is not installed (make deps installs it)"
elif ! unshare --net --mount --pid --fork true 2>/dev/null; then
        V3_FAIL="NFSv3: cannot create network, mount and PID namespaces here (root needed)"
fi
if [ -n "$V3_FAIL" ]; then
        not_ok "$V3_FAIL"
else
        # --kill-child: if this ends early (timeout), the namespace goes with it
        timeout -k 5 240 unshare --net --mount --pid --fork --kill-child --mount-proc \
                bash "$TESTDIR/test-nfs-writer.sh" --nfs3-in-namespace "$WORK" "$D"
        if read -r p f s <"$WORK/nfs3.counts" 2>/dev/null; then
                PASSED=$((PASSED + p)) FAILED=$((FAILED + f)) SKIPPED=$((SKIPPED + s))
        else
                not_ok "NFSv3 namespace run ended without counts"
        fi
fi

# server hangs (stopped, its socket open): the probe is bounded by the I/O timeout
kill -STOP "$GPID"
probe --config "$WORK/kdump.conf"
rc=$?
kill -CONT "$GPID"
check "probe: server hangs: exit 1 after the I/O timeout ($SECS s)" test $rc = 1 -a "$SECS" -le 12
check "  ... ($(tail -1 "$WORK/probe.err"))" grep -q "cannot mount 127.0.0.1:/export with NFSv4 (one attempt" "$WORK/probe.err"

# server hangs mid-dump (stopped, its socket open): bounded by the I/O timeout
start=$(date +%s)
{
        head -c 8000000 "$WORK/big.flat"
        kill -STOP "$GPID"
        tail -c +8000001 "$WORK/big.flat"
} 2>/dev/null | run --config "$WORK/kdump.conf" put --flattened "$D" stalled
rc=$?
kill -CONT "$GPID"
check "server hangs mid-write: exit 1 after the I/O timeout ($(($(date +%s) - start)) s), left -incomplete" \
        test $rc = 1 -a $(($(date +%s) - start)) -le 15 -a ! -e "$DUMPS/$D/stalled" -a -e "$DUMPS/$D/stalled-incomplete"

# server gone: bounded
stop_ganesha
start=$(date +%s)
run --config "$WORK/kdump.conf" mkdir down
rc=$?
check "server down: exit 1 after bounded retries ($(($(date +%s) - start)) s)" test $rc = 1 -a $(($(date +%s) - start)) -le 20
probe --config "$WORK/kdump.conf"
rc=$?
check "probe: server down: exit 1 at once, no retries ($SECS s)" test $rc = 1 -a "$SECS" -le 3 -a ! -s "$WORK/probe.out"
check "  ... ($(tail -1 "$WORK/probe.err"))" grep -q "cannot mount 127.0.0.1:/export with NFSv4 (one attempt" "$WORK/probe.err"

summary
