#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The flattened reader (helpers/flatten.c) byte for byte against
# `makedumpfile -R`, plus its refusals.  A real stream recorded from a VM dump
# is checked too when KDUMP_FLAT_SAMPLE names one (or test/net/data/*.flat).
set -u
# shellcheck source=test/net/lib.sh
. "$(dirname "$0")/lib.sh"

UNFLAT=$BUILD/test/flat-unflatten
WORK=$(mktemp -d /tmp/kdumpkit-flatten.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

have_mdf=true
command -v makedumpfile >/dev/null || have_mdf=false

compare_with_makedumpfile() {   # STREAM DESC
        local s=$1 desc=$2
        rm -f "$WORK/ref" "$WORK/out"
        if ! $have_mdf; then not_ok "$desc (makedumpfile is not installed: make deps installs it)"; return; fi
        if ! makedumpfile -R "$WORK/ref" <"$s" >"$WORK/mdf.log" 2>&1; then
                not_ok "$desc: makedumpfile -R refused the stream"; cat "$WORK/mdf.log"; return
        fi
        if ! "$UNFLAT" "$WORK/out" <"$s" >"$WORK/log" 2>&1; then
                not_ok "$desc: flat-unflatten failed: $(cat "$WORK/log")"; return
        fi
        check "$desc: identical to makedumpfile -R ($(stat -c %s "$WORK/ref") bytes)" cmp -s "$WORK/ref" "$WORK/out"
        # as on a raw device: old bytes under the holes must not show through
        head -c $(( $(stat -c %s "$WORK/ref") + 100000 )) /dev/urandom >"$WORK/dev"
        if "$UNFLAT" --zero-gaps "$WORK/dev" <"$s" >/dev/null 2>&1; then
                check "$desc: zero-gaps over old data identical" cmp -s -n "$(stat -c %s "$WORK/ref")" "$WORK/ref" "$WORK/dev"
        else
                not_ok "$desc: zero-gaps failed"
        fi
}

for seed in 1 2 3 4 5; do
        python3 "$TESTDIR/mkflat.py" valid "$seed" "$WORK/s$seed.flat"
        compare_with_makedumpfile "$WORK/s$seed.flat" "synthetic stream seed $seed"
done

# from a pipe, read in odd pieces
python3 "$TESTDIR/mkflat.py" valid 9 "$WORK/s9.flat"
if $have_mdf; then
        makedumpfile -R "$WORK/ref9" <"$WORK/s9.flat" >/dev/null 2>&1
        (dd if="$WORK/s9.flat" bs=777 status=none) | "$UNFLAT" "$WORK/out9" >/dev/null 2>&1
        check "stream from a pipe identical" cmp -s "$WORK/ref9" "$WORK/out9"
fi

samples=()
[ -n "${KDUMP_FLAT_SAMPLE:-}" ] && samples+=("$KDUMP_FLAT_SAMPLE")
for f in "$TESTDIR"/data/*.flat; do [ -e "$f" ] && samples+=("$f"); done
if [ ${#samples[@]} -eq 0 ]; then
        skip "recorded makedumpfile -F stream (none yet: set KDUMP_FLAT_SAMPLE or add test/net/data/*.flat)"
fi
for f in "${samples[@]}"; do
        compare_with_makedumpfile "$f" "recorded stream $(basename "$f")"
done

# passthrough
head -c 3500000 /dev/urandom >"$WORK/plain"
"$UNFLAT" --plain "$WORK/out.plain" <"$WORK/plain" >/dev/null 2>&1
check "passthrough copies the input" cmp -s "$WORK/plain" "$WORK/out.plain"
: >"$WORK/empty"
"$UNFLAT" --plain "$WORK/out.empty" <"$WORK/empty" >/dev/null 2>&1
check "passthrough of empty input is an empty file" test -f "$WORK/out.empty" -a ! -s "$WORK/out.empty"

# refusals: each broken stream must fail with the expected error
expect_error() {        # KIND ERRNAME
        python3 "$TESTDIR/mkflat.py" "$1" 1 "$WORK/b.flat"
        local out
        out=$("$UNFLAT" "$WORK/out.b" <"$WORK/b.flat" 2>&1)
        check "$1 refused with $2 ($out)" test "$out" = "error: $2"
}
expect_error badsig EBADMSG
expect_error badtype EBADMSG
expect_error negoffset EBADMSG
expect_error negsize EBADMSG
expect_error shortheader EPIPE
expect_error shortdata EPIPE
expect_error noend EPIPE
expect_error empty ENODATA
expect_error overflow EFBIG

python3 "$TESTDIR/mkflat.py" valid 3 "$WORK/m.flat"
out=$("$UNFLAT" --max-end 100000 "$WORK/out.m" <"$WORK/m.flat" 2>&1)
check "record past max-end refused ($out)" test "$out" = "error: EFBIG"

for kind in trailing otherversion; do
        python3 "$TESTDIR/mkflat.py" $kind 1 "$WORK/t.flat"
        compare_with_makedumpfile "$WORK/t.flat" "$kind accepted like makedumpfile -R"
done
python3 "$TESTDIR/mkflat.py" trailing 1 "$WORK/t.flat"
out=$("$UNFLAT" "$WORK/out.t" <"$WORK/t.flat" 2>&1)
check "trailing bytes flagged ($out)" test "$out" = "records 1 end 100 trailing"

# a zero-size record: makedumpfile -R gives up there; we skip it (lenient:
# losing the dump is worse), and the rest lands where it belongs
python3 "$TESTDIR/mkflat.py" zerosize 1 "$WORK/z.flat"
"$UNFLAT" "$WORK/out.z" <"$WORK/z.flat" >/dev/null 2>&1
{ head -c 50 /dev/zero | tr '\0' x; printf 'qqqqqqqqqqqqqqqqqqqq'; head -c 30 /dev/zero | tr '\0' x; } >"$WORK/exp.z"
check "zero-size record skipped" cmp -s "$WORK/exp.z" "$WORK/out.z"

# makedumpfile -R itself refuses what we refuse (where it checks at all)
if $have_mdf; then
        for kind in badsig badtype noend shortdata; do
                python3 "$TESTDIR/mkflat.py" $kind 1 "$WORK/b.flat"
                if makedumpfile -R "$WORK/ref.b" <"$WORK/b.flat" >/dev/null 2>&1; then
                        not_ok "makedumpfile -R also refuses $kind"
                else ok "makedumpfile -R also refuses $kind"; fi
        done
fi

summary
