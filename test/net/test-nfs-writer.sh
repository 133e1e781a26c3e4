#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# kdump-nfs-writer against a userspace nfs-ganesha (VFS backend) on
# 127.0.0.1, NFSv4 only (Debian's ganesha needs rpcbind for v3: NFSv3 is not
# tested here).  Skips with a message when ganesha is missing or won't start.
set -u
# shellcheck source=test/net/lib.sh
. "$(dirname "$0")/lib.sh"

W=$BUILD/asan/kdump-nfs-writer
WORK=$(mktemp -d /tmp/kdumpkit-nfs.XXXXXX)
GPID=
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
        rm -rf "$WORK"
}
trap cleanup EXIT

if ! command -v ganesha.nfsd >/dev/null; then
        skip "nfs-ganesha not installed (apt-get install nfs-ganesha nfs-ganesha-vfs)"
        summary
        exit 0
fi
mkdir -p "$WORK/export"
start_ganesha() {
        cat >"$WORK/ganesha.conf" <<EOC
NFS_CORE_PARAM {
        Protocols = 4;
        NFS_Port = $PORT;
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
        Protocols = 4;
        Transports = TCP;
        FSAL { Name = VFS; }
}
EOC
        ganesha.nfsd -F -f "$WORK/ganesha.conf" -L "$WORK/ganesha.log" -p "$WORK/ganesha.pid" -N NIV_WARN &
        GPID=$!
        for _ in $(seq 100); do
                if ss -ltn 2>/dev/null | grep -q ":$PORT "; then return 0; fi
                kill -0 "$GPID" 2>/dev/null || break
                sleep 0.1
        done
        stop_ganesha
        return 1
}
PORT=
for _ in 1 2 3; do
        PORT=$((20000 + RANDOM % 9000))
        ss -ltn | grep -q ":$PORT " && continue
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
libnfs_v4_write_bug() { grep -q 'Failed to encode COMPOUND4args' "$WORK/log"; }

python3 "$TESTDIR/mkflat.py" valid 5 "$WORK/s.flat"
makedumpfile -R "$WORK/ref" <"$WORK/s.flat" >/dev/null 2>&1
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
elif libnfs_v4_write_bug; then
        skip "NFSv4 WRITE: libnfs 4.0 fails to encode it ('Failed to encode COMPOUND4args'); needs a newer libnfs"
        check "  ... and the failed put left no vmcore" test ! -e "$DUMPS/$D/vmcore"
else
        not_ok "put --flattened failed: $(cat "$WORK/log")"
fi
printf 'small\n' >"$WORK/small"
if run --config "$WORK/kdump.conf" put "$D" vmcore-dmesg.txt <"$WORK/small"; then
        check "small put (vmcore-dmesg.txt)" cmp -s "$WORK/small" "$DUMPS/$D/vmcore-dmesg.txt"
else
        not_ok "small put failed: $(cat "$WORK/log")"
fi

head -c 100000 "$WORK/s.flat" | run --config "$WORK/kdump.conf" put --flattened "$D" cut
check "truncated stream: exit 1, no final file" test $? = 1 -a ! -e "$DUMPS/$D/cut"

# server gone: bounded
stop_ganesha
start=$(date +%s)
run --config "$WORK/kdump.conf" mkdir down
rc=$?
check "server down: exit 1 after bounded retries ($(($(date +%s) - start)) s)" test $rc = 1 -a $(($(date +%s) - start)) -le 20

summary
