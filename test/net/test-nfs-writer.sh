#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# kdump-nfs-writer against a userspace nfs-ganesha (VFS backend) on
# 127.0.0.1 over NFSv4.  NFSv3 only with KDUMP_TEST_NFS3=1: Debian's ganesha
# serves v3 only when it can register with rpcbind, which this then starts on
# port 111 for the test (when nothing listens there).  Skips with a message
# when ganesha is missing or won't start.
#
# Never change the export behind ganesha's back (rm, mv): its cache would
# hand out the old files.  Every put uses a name of its own.
set -u
# shellcheck source=test/net/lib.sh
. "$(dirname "$0")/lib.sh"

W=$BUILD/asan/kdump-nfs-writer
WORK=$(mktemp -d /tmp/kdumpkit-nfs.XXXXXX)
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
cleanup() {
        stop_ganesha
        stop_rpcbind
        rm -rf "$WORK"
}
trap cleanup EXIT

if ! command -v ganesha.nfsd >/dev/null; then
        skip "nfs-ganesha not installed (apt-get install nfs-ganesha nfs-ganesha-vfs)"
        summary
        exit 0
fi
mkdir -p "$WORK/export"

# NFSv3 wanted: our own rpcbind, if port 111 is free
V3_SKIP=
PROTOCOLS=4
if [ "${KDUMP_TEST_NFS3:-0}" != 1 ]; then
        V3_SKIP="NFSv3 (set KDUMP_TEST_NFS3=1: starts rpcbind on port 111 for it)"
elif ! command -v rpcbind >/dev/null; then
        V3_SKIP="NFSv3: rpcbind not installed"
elif ss -ltn | grep -q ':111 '; then
        V3_SKIP="NFSv3: port 111 is taken (an rpcbind of the system's: not touching it)"
else
        rpcbind -f >"$WORK/rpcbind.log" 2>&1 &
        RPCBIND_PID=$!
        for _ in $(seq 50); do ss -ltn | grep -q ':111 ' && break; sleep 0.1; done
        if ss -ltn | grep -q ':111 '; then
                PROTOCOLS="3, 4"
        else
                V3_SKIP="NFSv3: rpcbind did not start: $(cat "$WORK/rpcbind.log")"
                stop_rpcbind
        fi
fi

start_ganesha() {
        cat >"$WORK/ganesha.conf" <<EOC
NFS_CORE_PARAM {
        Protocols = $PROTOCOLS;
        NFS_Port = $PORT;
        MNT_Port = $((PORT + 1));
        Bind_addr = 127.0.0.1;
        Enable_NLM = false;
        Enable_RQUOTA = false;
}
NFSv4 { Graceless = true; }
EXPORT {
        Export_Id = 1;
        Path = $WORK/export;
        Pseudo = /export;
        Access_Type = RW;
        Squash = No_Root_Squash;
        SecType = sys;
        Protocols = $PROTOCOLS;
        Transports = TCP;
        FSAL { Name = VFS; }
}
EOC
        ganesha.nfsd -F -f "$WORK/ganesha.conf" -L "$WORK/ganesha.log" -p "$WORK/ganesha.pid" -N NIV_WARN &
        GPID=$!
        for _ in $(seq 100); do
                if ss -ltn 2>/dev/null | grep -q ":$PORT "; then
                        [ "$PROTOCOLS" = 4 ] && return 0
                        ss -ltn 2>/dev/null | grep -q ":$((PORT + 1)) " && return 0
                fi
                kill -0 "$GPID" 2>/dev/null || break
                sleep 0.1
        done
        stop_ganesha
        return 1
}
PORT=
for _ in 1 2 3; do
        PORT=$((20000 + RANDOM % 9000))
        ss -ltn | grep -qE ":($PORT|$((PORT + 1))) " && continue
        start_ganesha && break
        PORT=
done
if [ -z "$PORT" ]; then
        skip "nfs-ganesha did not start here: $(tail -3 "$WORK/ganesha.log" 2>/dev/null)"
        summary
        exit 0
fi

printf 'nfs 127.0.0.1:/export\npath /var/crash\n' >"$WORK/kdump.conf"
export KDUMP_NFS_PORT=$PORT KDUMP_NET_RETRY_SECS=3 KDUMP_NET_IO_TIMEOUT_SECS=5
DUMPS=$WORK/export/var/crash
run() { "$W" "$@" >"$WORK/log" 2>&1; }
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

python3 "$TESTDIR/mkflat.py" valid 5 "$WORK/s.flat"
makedumpfile -R "$WORK/ref" <"$WORK/s.flat" >/dev/null 2>&1
# bigger than a real vmcore of a small VM (30-60 MB)
mkflat_big 40 11 "$WORK/big.flat"
makedumpfile -R "$WORK/big.ref" <"$WORK/big.flat" >/dev/null 2>&1
D=host-2024-01-01-00:00:00

if run --config "$WORK/kdump.conf" mkdir "$D"; then
        check "NFSv4 mkdir creates <path>/DIR 0700 (parents too)" test "$(mode_of "$DUMPS/$D")" = 700
else
        not_ok "mkdir failed: $(cat "$WORK/log")"
fi
run --config "$WORK/kdump.conf" mkdir "$D"
check "mkdir of an existing DIR exits 3" test $? = 3

if run --config "$WORK/kdump.conf" put --flattened "$D" vmcore <"$WORK/s.flat"; then
        check "put --flattened: vmcore == makedumpfile -R" cmp -s "$WORK/ref" "$DUMPS/$D/vmcore"
        check "vmcore is 0600, no -incomplete left" test "$(mode_of "$DUMPS/$D/vmcore")" = 600 -a ! -e "$DUMPS/$D/vmcore-incomplete"
        run --config "$WORK/kdump.conf" put "$D" vmcore </dev/null
        check "existing vmcore never overwritten" cmp -s "$WORK/ref" "$DUMPS/$D/vmcore"
else
        not_ok "put --flattened failed: $(cat "$WORK/log")"
fi
if timed_run --config "$WORK/kdump.conf" put --flattened "$D" vmcore-big <"$WORK/big.flat"; then
        check "NFSv4 put --flattened of a big stream == makedumpfile -R ($RATE)" \
                cmp -s "$WORK/big.ref" "$DUMPS/$D/vmcore-big"
else
        not_ok "NFSv4 put --flattened of the big stream failed: $(cat "$WORK/log")"
fi
printf 'small\n' >"$WORK/small"
if run --config "$WORK/kdump.conf" put "$D" vmcore-dmesg.txt <"$WORK/small"; then
        check "small put (vmcore-dmesg.txt)" cmp -s "$WORK/small" "$DUMPS/$D/vmcore-dmesg.txt"
else
        not_ok "small put failed: $(cat "$WORK/log")"
fi

head -c 100000 "$WORK/s.flat" | run --config "$WORK/kdump.conf" put --flattened "$D" cut
check "truncated stream: exit 1, no final file" test $? = 1 -a ! -e "$DUMPS/$D/cut"

if [ -n "$V3_SKIP" ]; then
        skip "$V3_SKIP"
else
        printf 'nfs 127.0.0.1:%s\npath /var/crash\n' "$WORK/export" >"$WORK/kdump3.conf"
        if KDUMP_NFS_VERSION=3 KDUMP_NFS_MOUNT_PORT=$((PORT + 1)) \
                timed_run --config "$WORK/kdump3.conf" put --flattened "$D" vmcore-v3 <"$WORK/big.flat"; then
                check "NFSv3 put --flattened of the big stream == makedumpfile -R ($RATE)" \
                        cmp -s "$WORK/big.ref" "$DUMPS/$D/vmcore-v3"
        else
                not_ok "NFSv3 put failed: $(cat "$WORK/log")"
        fi
fi

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

summary
