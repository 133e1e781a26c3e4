#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# kdump-ssh-writer against a real sshd on 127.0.0.1 (own config, host keys
# and port; internal-sftp), started here and stopped on exit.
set -u
# shellcheck source=test/net/lib.sh
. "$(dirname "$0")/lib.sh"

W=$BUILD/asan/kdump-ssh-writer
WORK=$(mktemp -d /tmp/kdumpkit-ssh.XXXXXX)
SSHD_PID=
FULL_MNT=
# descendants PID: its children, theirs, ...  OpenSSH 9.8 and later serve a
# session two processes below the listener (sshd-session [priv], then the
# user's), older ones one.
descendants() {
        local p
        for p in $(pgrep -P "$1"); do
                echo "$p"
                descendants "$p"
        done
}
stop_sshd() {
        if [ -n "$SSHD_PID" ]; then
                local pids
                pids=$(descendants "$SSHD_PID")
                # shellcheck disable=SC2086
                kill -CONT "$SSHD_PID" $pids 2>/dev/null
                # shellcheck disable=SC2086
                kill "$SSHD_PID" $pids 2>/dev/null
                wait "$SSHD_PID" 2>/dev/null
                SSHD_PID=
        fi
}
cleanup() {
        stop_sshd
        [ -n "$FULL_MNT" ] && umount "$FULL_MNT" 2>/dev/null
        rm -rf "$WORK"
}
trap cleanup EXIT

# make deps installs it: without it nothing here has run, which is a failure
if ! command -v /usr/sbin/sshd >/dev/null || ! command -v ssh-keygen >/dev/null; then
        not_ok "openssh-server is not installed (make deps installs it)"
        summary
        exit 1
fi

mkdir -p /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$WORK/host_ed25519" -C host
ssh-keygen -q -t ed25519 -N '' -f "$WORK/other_host" -C impostor
ssh-keygen -q -t ed25519 -N '' -f "$WORK/id_ed25519" -C kdump
ssh-keygen -q -t rsa -b 3072 -N '' -f "$WORK/id_rsa" -C kdump-rsa
ssh-keygen -q -t ecdsa -N '' -f "$WORK/id_ecdsa" -C kdump-ecdsa
ssh-keygen -q -t ed25519 -N '' -f "$WORK/id_unauthorized" -C nobody
cat "$WORK/id_ed25519.pub" "$WORK/id_rsa.pub" "$WORK/id_ecdsa.pub" >"$WORK/authorized_keys"
chmod 600 "$WORK/authorized_keys"

# sshd_config [LINE...]: the test server's configuration, on $PORT
sshd_config() {
        cat <<EOC
ListenAddress 127.0.0.1:$PORT
HostKey $WORK/host_ed25519
AuthorizedKeysFile $WORK/authorized_keys
PidFile none
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
StrictModes no
UsePAM no
Subsystem sftp internal-sftp
LogLevel INFO
EOC
        [ $# = 0 ] || printf '%s\n' "$@"
}
# OpenSSH 9.8 and later bar an address after failed logins (PerSourcePenalties,
# on by default), which the refused-key cases below are: off for them, and
# on with its defaults in a case of its own at the end.  Older sshd rejects
# the keyword.
PORT=2222
if sshd_config "PerSourcePenalties no" >"$WORK/probe_config" &&
        /usr/sbin/sshd -t -f "$WORK/probe_config" 2>"$WORK/sshd-t.log"; then
        HAVE_PENALTIES=1 SSHD_EXTRA=("PerSourcePenalties no")
else
        HAVE_PENALTIES=0 SSHD_EXTRA=()
fi
start_sshd() {  # starts sshd on $PORT; 0 when it listens
        sshd_config "${SSHD_EXTRA[@]}" >"$WORK/sshd_config"
        /usr/sbin/sshd -D -e -f "$WORK/sshd_config" 2>>"$WORK/sshd.log" &
        SSHD_PID=$!
        for _ in $(seq 50); do
                if ss -ltn 2>/dev/null | grep -q "127.0.0.1:$PORT "; then return 0; fi
                kill -0 "$SSHD_PID" 2>/dev/null || break
                sleep 0.1
        done
        stop_sshd
        return 1
}
PORT=
for _ in 1 2 3 4 5; do
        PORT=$((2222 + RANDOM % 5000))
        ss -ltn | grep -q "127.0.0.1:$PORT " && continue
        start_sshd && break
        PORT=
done
if [ -z "$PORT" ]; then
        not_ok "sshd did not start: $(cat "$WORK/sshd.log")"
        summary
        exit 1
fi

printf '[127.0.0.1]:%s %s\n' "$PORT" "$(cut -d' ' -f1,2 "$WORK/host_ed25519.pub")" >"$WORK/known_hosts"
printf '[127.0.0.1]:%s %s\n' "$PORT" "$(cut -d' ' -f1,2 "$WORK/other_host.pub")" >"$WORK/known_hosts.wrong"
printf '[127.0.0.2]:%s %s\n' "$PORT" "$(cut -d' ' -f1,2 "$WORK/host_ed25519.pub")" >"$WORK/known_hosts.otherhost"
DUMPS=$WORK/srv/var/crash
conf() {        # conf FILE KEY [PATH]
        printf 'ssh root@127.0.0.1\npath %s\nsshkey %s\n' "${3:-$DUMPS}" "$2" >"$1"
}
conf "$WORK/kdump.conf" "$WORK/id_ed25519"
conf "$WORK/kdump-rsa.conf" "$WORK/id_rsa"
conf "$WORK/kdump-ecdsa.conf" "$WORK/id_ecdsa"
conf "$WORK/kdump-unauth.conf" "$WORK/id_unauthorized"

export KDUMP_SSH_PORT=$PORT KDUMP_KNOWN_HOSTS=$WORK/known_hosts
export KDUMP_NET_RETRY_SECS=3 KDUMP_NET_IO_TIMEOUT_SECS=5
# a put needs kdump-collect's commit on fd 3: commit-relay.py gives it
run() { python3 "$TESTDIR/commit-relay.py" "$W" "$@" >"$WORK/log" 2>&1; }
no_vmcore() { test ! -e "$1/vmcore"; }

python3 "$TESTDIR/mkflat.py" valid 2 "$WORK/s.flat"
makedumpfile -R "$WORK/ref" <"$WORK/s.flat" >/dev/null 2>&1
D=host-2024-01-01-00:00:00

# --- the normal path
if run --config "$WORK/kdump.conf" mkdir "$D"; then
        check "mkdir creates <path>/DIR 0700 (parents too)" test "$(mode_of "$DUMPS/$D")" = 700
else
        not_ok "mkdir failed: $(cat "$WORK/log")"
fi
run --config "$WORK/kdump.conf" mkdir "$D"
check "mkdir of an existing DIR exits 3" test $? = 3
if run --config "$WORK/kdump.conf" put --flattened "$D" vmcore <"$WORK/s.flat"; then
        check "put --flattened: vmcore == makedumpfile -R" cmp -s "$WORK/ref" "$DUMPS/$D/vmcore"
        check "vmcore is 0600" test "$(mode_of "$DUMPS/$D/vmcore")" = 600
        check "no -incomplete left" test ! -e "$DUMPS/$D/vmcore-incomplete"
else
        not_ok "put --flattened failed: $(cat "$WORK/log")"
fi
# --- the commit: only kdump-collect's word makes the file final
run --config "$WORK/kdump.conf" mkdir nocommit
KDUMP_TEST_COMMIT=none run --config "$WORK/kdump.conf" put --flattened nocommit vmcore <"$WORK/s.flat"
check "no commit (the collector failed): exit 1, -incomplete kept, no vmcore" \
        test $? = 1 -a -e "$DUMPS/nocommit/vmcore-incomplete" -a ! -e "$DUMPS/nocommit/vmcore"
check "  ... and said why" grep -q 'was not committed' "$WORK/log"
KDUMP_TEST_COMMIT=wrong run --config "$WORK/kdump.conf" put --flattened nocommit other <"$WORK/s.flat"
check "a commit for another byte count: exit 1, no file" test $? = 1 -a ! -e "$DUMPS/nocommit/other"
"$W" --config "$WORK/kdump.conf" put nocommit direct <"$WORK/s.flat" >"$WORK/log" 2>&1 3<&-
check "put without the commit channel: exit 1, no file" test $? = 1 -a ! -e "$DUMPS/nocommit/direct"
printf 'dmesg line %s\n' $(seq 2000) >"$WORK/dmesg"
if run --config "$WORK/kdump.conf" put "$D" vmcore-dmesg.txt <"$WORK/dmesg"; then
        check "put vmcore-dmesg.txt (plain)" cmp -s "$WORK/dmesg" "$DUMPS/$D/vmcore-dmesg.txt"
else
        not_ok "put vmcore-dmesg.txt failed: $(cat "$WORK/log")"
fi
if run --config "$WORK/kdump.conf" put "$D" vmcore <"$WORK/dmesg"; then
        not_ok "existing vmcore is never overwritten"
else
        check "existing vmcore is never overwritten" cmp -s "$WORK/ref" "$DUMPS/$D/vmcore"
fi
run --config "$WORK/kdump-ecdsa.conf" mkdir ecdsa-dir
check "ECDSA user key works" test -d "$DUMPS/ecdsa-dir"
# libssh2 before 1.11 signs RSA user keys with SHA-1 (ssh-rsa), which
# OpenSSH >= 8.8 refuses by default: the writer must fail, and say why
if run --config "$WORK/kdump-rsa.conf" mkdir rsa-dir; then
        ok "RSA user key works (libssh2 >= 1.11)"
else
        check "RSA user key with libssh2 < 1.11: refused with a hint" grep -q 'use an ed25519 or ECDSA key' "$WORK/log"
fi
run --config "$WORK/kdump.conf" mkdir ../escape
check "DIRNAME with a slash refused" test $? = 1

# --- host key: fail closed
KDUMP_KNOWN_HOSTS=$WORK/known_hosts.wrong run --config "$WORK/kdump.conf" mkdir wrongkey
rc=$?
check "changed host key refused ($(grep -o 'does not match' "$WORK/log"))" test $rc = 1 -a ! -e "$DUMPS/wrongkey"
KDUMP_KNOWN_HOSTS=$WORK/known_hosts.otherhost run --config "$WORK/kdump.conf" mkdir unknownkey
rc=$?
check "unknown host refused ($(grep -o 'is not pinned' "$WORK/log"))" test $rc = 1 -a ! -e "$DUMPS/unknownkey"
KDUMP_KNOWN_HOSTS=$WORK/nonexistent run --config "$WORK/kdump.conf" mkdir nokh
check "missing known_hosts refused" test $? = 1 -a ! -e "$DUMPS/nokh"
: >"$WORK/known_hosts.empty"
KDUMP_KNOWN_HOSTS=$WORK/known_hosts.empty run --config "$WORK/kdump.conf" mkdir emptykh
check "empty known_hosts refused" test $? = 1 -a ! -e "$DUMPS/emptykh"
run --config "$WORK/kdump-unauth.conf" mkdir unauth
check "unauthorized user key refused" test $? = 1 -a ! -e "$DUMPS/unauth"

# --- probe: kdumpctl's bounded check, as at crash time
probe() { "$W" "$@" probe >"$WORK/probe.out" 2>"$WORK/probe.err"; }
PROBED=$WORK/srv/probe/new/dir
conf "$WORK/kdump-probe.conf" "$WORK/id_ed25519" "$PROBED"
if probe --config "$WORK/kdump-probe.conf"; then
        check "probe: ok, prints free_bytes=N ($(cat "$WORK/probe.out"))" grep -qx 'free_bytes=[0-9][0-9]*' "$WORK/probe.out"
        check "probe: creates <path> with its parents" test -d "$PROBED"
        check "probe: leaves no .kdump-probe-* file" test -z "$(ls -A "$PROBED")"
        check "probe: quiet on success" test ! -s "$WORK/probe.err"
else
        not_ok "probe failed: $(cat "$WORK/probe.err")"
fi
KDUMP_KNOWN_HOSTS=$WORK/known_hosts.otherhost probe --config "$WORK/kdump.conf"
check "probe: unknown host key: exit 1, says run propagate" test $? = 1 -a ! -s "$WORK/probe.out"
check "  ... ($(cat "$WORK/probe.err"))" \
        grep -q "host key of 127.0.0.1:$PORT is not pinned in $WORK/known_hosts.otherhost: run 'kdumpctl propagate'" "$WORK/probe.err"
KDUMP_KNOWN_HOSTS=$WORK/known_hosts.wrong probe --config "$WORK/kdump.conf"
check "probe: changed host key: exit 1" test $? = 1
check "  ... ($(cat "$WORK/probe.err"))" grep -q "host key of 127.0.0.1:$PORT does not match the key pinned in $WORK/known_hosts.wrong: run 'kdumpctl propagate' if the server was reinstalled" "$WORK/probe.err"
probe --config "$WORK/kdump-unauth.conf"
check "probe: unauthorized user key: exit 1, names the key" test $? = 1
check "  ... ($(cat "$WORK/probe.err"))" grep -q "with $WORK/id_unauthorized failed" "$WORK/probe.err"
start=$(date +%s)
KDUMP_NET_RETRY_SECS=60 KDUMP_SSH_PORT=1 probe --config "$WORK/kdump.conf"
rc=$?
check "probe: nobody listening: exit 1 at once, no retries ($(($(date +%s) - start)) s)" \
        test $rc = 1 -a $(($(date +%s) - start)) -le 3
check "  ... ($(tail -1 "$WORK/probe.err"))" grep -q "cannot reach the ssh server 127.0.0.1:1" "$WORK/probe.err"
probe --config "$WORK/kdump.conf" extra
check "probe takes no arguments" test $? = 1

# --- malformed input: left -incomplete, no vmcore
run --config "$WORK/kdump.conf" mkdir bad
head -c 100000 "$WORK/s.flat" | run --config "$WORK/kdump.conf" put --flattened bad vmcore
check "truncated stream: exit 1, -incomplete kept, no vmcore" test $? = 1 -a -e "$DUMPS/bad/vmcore-incomplete" -a ! -e "$DUMPS/bad/vmcore"

# --- server gone mid-stream
run --config "$WORK/kdump.conf" mkdir gone
( head -c 3000000 /dev/urandom; sleep 3; head -c 3000000 /dev/urandom ) |
        run --config "$WORK/kdump.conf" put gone vmcore &
wpid=$!
sleep 1.5
stop_sshd
wait $wpid
rc=$?
check "server killed mid-stream: exit 1, no vmcore" test $rc = 1 -a ! -e "$DUMPS/gone/vmcore"
check "  ... cleanly (no leak report)" test "$(grep -c LeakSanitizer "$WORK/log")" = 0
grep -q LeakSanitizer "$WORK/log" && grep -B3 -A12 "ERROR: LeakSanitizer" "$WORK/log" | head -40
check "  ... partial vmcore-incomplete kept" test -e "$DUMPS/gone/vmcore-incomplete"

# --- nobody listening: bounded retries
start=$(date +%s)
run --config "$WORK/kdump.conf" mkdir down
rc=$?
check "server down: exit 1 after bounded retries ($(($(date +%s) - start)) s)" test $rc = 1 -a $(($(date +%s) - start)) -le 15

# --- server comes up while we retry
KDUMP_NET_RETRY_SECS=30 run --config "$WORK/kdump.conf" mkdir late &
wpid=$!
sleep 2
start_sshd || not_ok "sshd restart"
wait $wpid
check "server up late: retried and succeeded" test $? = 0 -a -d "$DUMPS/late"

# --- server stalls (stopped): the I/O timeout ends it
run --config "$WORK/kdump.conf" mkdir stall
( head -c 2000000 /dev/urandom; sleep 2; head -c 20000000 /dev/urandom ) |
        run --config "$WORK/kdump.conf" put stall vmcore &
wpid=$!
sleep 1
# shellcheck disable=SC2046
kill -STOP $(descendants "$SSHD_PID") 2>/dev/null
start=$(date +%s)
wait $wpid
rc=$?
# shellcheck disable=SC2046
kill -CONT $(descendants "$SSHD_PID") 2>/dev/null
check "stalled server: exit 1 within the I/O timeout ($(($(date +%s) - start)) s), no vmcore" \
        test $rc = 1 -a $(($(date +%s) - start)) -le 12 -a ! -e "$DUMPS/stall/vmcore"
check "  ... and said why ($(grep -o 'failed: Timed out.*' "$WORK/log"))" grep -q 'Timed out' "$WORK/log"
check "  ... cleanly (no leak report)" test "$(grep -c LeakSanitizer "$WORK/log")" = 0
grep -q LeakSanitizer "$WORK/log" && grep -B3 -A12 "ERROR: LeakSanitizer" "$WORK/log" | head -40

# --- disk full on the server
mkdir -p "$WORK/full"
if mount -t tmpfs -o size=1m tmpfs "$WORK/full" 2>/dev/null; then
        FULL_MNT=$WORK/full
        conf "$WORK/kdump-full.conf" "$WORK/id_ed25519" "$WORK/full/crash"
        run --config "$WORK/kdump-full.conf" mkdir full
        head -c 3000000 /dev/urandom | run --config "$WORK/kdump-full.conf" put full vmcore
        rc=$?
        check "disk full: exit 1, no vmcore ($(grep -o 'failed: .*' "$WORK/log" | head -1))" \
                test $rc = 1 -a ! -e "$WORK/full/crash/full/vmcore"
else
        skip "disk full (cannot mount a tmpfs here)"
fi

# --- MaxStartups: an sshd with as many unauthenticated connections as it
# allows turns new ones away before its banner; the writer waits, past
# KDUMP_NET_RETRY_SECS (3 s here), until a slot frees up
stop_sshd
SSHD_EXTRA+=("MaxStartups 1")
if start_sshd; then
        exec 3<>"/dev/tcp/127.0.0.1/$PORT"     # takes the only slot
        start=$(date +%s)
        run --config "$WORK/kdump.conf" mkdir busy 3<&- &
        wpid=$!
        sleep 5
        exec 3<&-
        wait $wpid
        rc=$?
        secs=$(($(date +%s) - start))
        check "MaxStartups full for 5 s: the writer waits for the slot and succeeds ($secs s)" \
                test $rc = 0 -a -d "$DUMPS/busy" -a $secs -ge 5 -a $secs -le 20
        check "  ... after being turned away ($(grep -m1 -o 'closed the connection before its SSH banner[^:]*' "$WORK/log"))" \
                grep -q "closed the connection before its SSH banner" "$WORK/log"
else
        not_ok "sshd with MaxStartups 1 did not start: $(tail -3 "$WORK/sshd.log")"
fi

# --- OpenSSH's default PerSourcePenalties: failed logins (authfail:5s each)
# bar the address once 15 s add up (min:15s), and sshd turns it away before
# its banner until the penalty runs out.  The writer waits that out, far past
# KDUMP_NET_RETRY_SECS (3 s here), and gets through.
if [ "$HAVE_PENALTIES" = 1 ]; then
        stop_sshd
        SSHD_EXTRA=()
        if start_sshd; then
                n=0
                while [ $n -lt 8 ]; do
                        n=$((n + 1))
                        probe --config "$WORK/kdump-unauth.conf"
                        grep -q "turns connections away for now" "$WORK/probe.err" && break
                done
                check "default penalties: refused keys bar the address (attempt $n: $(tail -1 "$WORK/probe.err"))" \
                        grep -q "turns connections away for now" "$WORK/probe.err"
                probe --config "$WORK/kdump.conf"
                check "  ... the right key too, for now: the probe fails at once" \
                        grep -q "turns connections away for now" "$WORK/probe.err"
                KDUMP_NET_REFUSED_RETRY_SECS=2 run --config "$WORK/kdump.conf" mkdir penalty-short
                check "  ... a writer allowed to wait 2 s gives up" test $? = 1 -a ! -e "$DUMPS/penalty-short"
                start=$(date +%s)
                run --config "$WORK/kdump.conf" mkdir penalty
                rc=$?
                check "  ... the writer waits the penalty out and succeeds ($(($(date +%s) - start)) s)" \
                        test $rc = 0 -a -d "$DUMPS/penalty"
                check "  ... and said why it waited" grep -q "turns connections away for now; waiting up to" "$WORK/log"
                check "  ... sshd turned it away for the penalty" grep -q "drop connection .* penalty" "$WORK/sshd.log"
        else
                not_ok "sshd with the default PerSourcePenalties did not start: $(tail -3 "$WORK/sshd.log")"
        fi
else
        skip "default PerSourcePenalties: this sshd has none (OpenSSH < 9.8: $(head -1 "$WORK/sshd-t.log"))"
fi

summary
