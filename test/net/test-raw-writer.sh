#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# kdump-raw-writer on a file standing in for the device (KDUMP_RAW_DEVICE),
# and on a loop device when one can be set up: data rebuilt byte for byte as
# `makedumpfile -R` does, header per lib/rawdump.h, refusals leave no header.
set -u
# shellcheck source=test/net/lib.sh
. "$(dirname "$0")/lib.sh"

W=$BUILD/asan/kdump-raw-writer
WORK=$(mktemp -d /tmp/kdumpkit-raw.XXXXXX)
LOOP=
cleanup() {
        [ -n "$LOOP" ] && losetup -d "$LOOP" 2>/dev/null
        rm -rf "$WORK"
}
trap cleanup EXIT

printf 'raw /dev/disk/by-id/kdumpkit-test-raw\n' >"$WORK/kdump.conf"
export KDUMP_RAW_WAIT_SECS=2

# put DEVICE ARGS... < input: runs the writer, output in $WORK/log
put() {
        local dev=$1
        shift
        # the commit on fd 3, as kdump-collect gives it (commit-relay.py)
        KDUMP_RAW_DEVICE=$dev python3 "$TESTDIR/commit-relay.py" "$W" --config "$WORK/kdump.conf" put "$@" \
                >"$WORK/log" 2>&1
}
newdev() {      # FILE MiB [BYTE]: a fresh stand-in device filled with BYTE
        head -c $(($2 * 1024 * 1024)) /dev/zero | tr '\0' "${3:-\\0}" >"$1"
}

python3 "$TESTDIR/mkflat.py" valid 4 "$WORK/s.flat"
makedumpfile -R "$WORK/ref" <"$WORK/s.flat" >/dev/null 2>&1

newdev "$WORK/dev" 16
if put "$WORK/dev" --flattened <"$WORK/s.flat"; then
        check "flattened: header valid, data == makedumpfile -R" python3 "$TESTDIR/rawcheck.py" "$WORK/dev" "$WORK/ref"
else
        not_ok "flattened put failed: $(cat "$WORK/log")"
fi

# no commit (the collector failed): no header, the earlier dump's invalidated
cp "$WORK/dev" "$WORK/dev.saved"
KDUMP_TEST_COMMIT=none put "$WORK/dev" --flattened <"$WORK/s.flat"
rc=$?
if [ $rc = 1 ] && ! python3 "$TESTDIR/rawcheck.py" "$WORK/dev" "$WORK/ref" 2>/dev/null &&
        grep -q 'was not committed' "$WORK/log"; then ok "no commit: exit 1, no valid header"
else not_ok "no commit: exit 1, no valid header (rc $rc: $(tail -1 "$WORK/log"))"; fi
KDUMP_TEST_COMMIT=wrong put "$WORK/dev" --flattened <"$WORK/s.flat"
check "a commit for another byte count: exit 1" test $? = 1

# old bytes under the holes must not show through
newdev "$WORK/dev" 16 '\253'
if put "$WORK/dev" --flattened <"$WORK/s.flat"; then
        check "flattened over old data: holes zeroed" python3 "$TESTDIR/rawcheck.py" "$WORK/dev" "$WORK/ref"
else
        not_ok "flattened put over old data failed: $(cat "$WORK/log")"
fi
# a second dump over a first one (our header present) is fine
if put "$WORK/dev" <"$WORK/ref"; then
        check "plain put over an earlier dump" python3 "$TESTDIR/rawcheck.py" "$WORK/dev" "$WORK/ref"
else
        not_ok "plain put over an earlier dump failed: $(cat "$WORK/log")"
fi
# after kdumpctl copied it out the header is zeros, old dump data follows;
# deep magics inside the old data must not block the next dump
python3 - "$WORK/dev" <<'PY'
import sys
with open(sys.argv[1], "r+b") as f:
    f.write(b"\0" * 4096)
    f.seek(4096); f.write(b"KDUMP   ")
    f.seek(65536 + 64); f.write(b"_BHRfS_M")
PY
if put "$WORK/dev" <"$WORK/ref"; then ok "invalidated old dump (with a btrfs magic inside) overwritten"
else not_ok "invalidated old dump refused: $(cat "$WORK/log")"; fi

# refusals: device unchanged, exit 1
refuse() {      # DESC PYTHON-OFFSET BYTES
        newdev "$WORK/dev" 4
        python3 -c "import sys
with open(sys.argv[1], 'r+b') as f: f.seek($2); f.write($3)" "$WORK/dev"
        local before
        before=$(sha1sum <"$WORK/dev")
        if put "$WORK/dev" <"$WORK/ref"; then
                not_ok "$1 signature refused (writer succeeded)"
        else
                check "$1 signature refused, device untouched ($(grep -o 'carries a [^(]*' "$WORK/log"))" \
                        test "$before" = "$(sha1sum <"$WORK/dev")"
        fi
}
refuse ext4 1080 "b'\\x53\\xef'"
refuse XFS 0 "b'XFSB'"
refuse LUKS 0 "b'LUKS\\xba\\xbe'"
refuse swap 4086 "b'SWAPSPACE2'"
refuse GPT 512 "b'EFI PART'"
refuse btrfs 65600 "b'_BHRfS_M'"
refuse LVM2 536 "b'LVM2 001'"
if command -v mkfs.ext4 >/dev/null; then
        newdev "$WORK/dev" 8
        mkfs.ext4 -q -F "$WORK/dev" >/dev/null 2>&1
        if put "$WORK/dev" <"$WORK/ref"; then not_ok "real mkfs.ext4 image refused"
        else ok "real mkfs.ext4 image refused"; fi
fi

# does not fit: no header, exit 1
newdev "$WORK/dev" 1
if put "$WORK/dev" --flattened <"$WORK/s.flat"; then not_ok "too large dump refused"
else check "too large dump refused, no header" python3 "$TESTDIR/rawcheck.py" "$WORK/dev" --none; fi
# a stream cut short: no header, even over an earlier valid dump
newdev "$WORK/dev" 16
put "$WORK/dev" <"$WORK/ref"
head -c 2000000 "$WORK/s.flat" >"$WORK/short.flat"
if put "$WORK/dev" --flattened <"$WORK/short.flat"; then not_ok "truncated stream fails"
else check "truncated stream fails, the old header is gone" python3 "$TESTDIR/rawcheck.py" "$WORK/dev" --none; fi

# no raw target in the config
printf 'ssh root@127.0.0.1\n' >"$WORK/other.conf"
if "$W" --config "$WORK/other.conf" put </dev/null >"$WORK/log" 2>&1; then not_ok "config without raw target refused"
else ok "config without raw target refused"; fi
if "$W" --config "$WORK/kdump.conf" put extra </dev/null >/dev/null 2>&1; then not_ok "usage error"
else ok "usage error exits non-zero"; fi
# missing device: bounded wait, then failure
start=$(date +%s)
if KDUMP_RAW_DEVICE=$WORK/nonexistent "$W" --config "$WORK/kdump.conf" put </dev/null >/dev/null 2>&1; then
        not_ok "missing device fails"
else check "missing device fails after a bounded wait" test $(($(date +%s) - start)) -le 10; fi

# a real block device, if loop devices work here
newdev "$WORK/loopfile" 16 '\253'
if [ "$(id -u)" = 0 ] && LOOP=$(losetup -f --show "$WORK/loopfile" 2>/dev/null); then
        if put "$LOOP" --flattened <"$WORK/s.flat"; then
                check "loop device: header valid, data == makedumpfile -R" python3 "$TESTDIR/rawcheck.py" "$LOOP" "$WORK/ref"
        else
                not_ok "loop device put failed: $(cat "$WORK/log")"
        fi
else
        LOOP=
        skip "loop device (losetup unavailable)"
fi

summary
