# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by the test/net scripts: TAP-like lines, a summary, a scratch dir.
# shellcheck shell=bash

PASSED=0
FAILED=0
SKIPPED=0

ok() { PASSED=$((PASSED + 1)); echo "ok - $*"; }
not_ok() { FAILED=$((FAILED + 1)); echo "not ok - $*"; }
# skip: a case that does not apply here (no loop devices, no such feature in
# this version), never one whose tool `make deps` installs: that is not_ok
skip() { SKIPPED=$((SKIPPED + 1)); echo "ok - # SKIP $*"; }
# check DESCRIPTION COMMAND...: ok when the command succeeds
check() {
        local desc=$1
        shift
        if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}
summary() {
        if [ "$SKIPPED" -gt 0 ]; then
                echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
        else
                echo "$PASSED passed, $FAILED failed"
        fi
        [ "$FAILED" -eq 0 ]
}
# mode_of PATH: octal permissions
mode_of() { stat -c %a "$1"; }

: "${BUILD:=$(pwd)/build}"
: "${SRCDIR:=$(pwd)}"
export TESTDIR=$SRCDIR/test/net

# mkflat_big MIB SEED OUT: a flattened stream of at least MIB MiB shaped like
# makedumpfile's, in order with holes: tiny records (page descriptors) next to
# 4 KiB pages and runs of them, some over 1 MiB, and 1 in 10 followed at once by
# a record rewriting part of it (a writer with WRITEs in flight must keep the
# order of overlapping data), the header rewritten last.
mkflat_big() {
        python3 - "$@" <<'EOP'
import random, struct, sys
mib, seed, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rng = random.Random(seed)
with open(out, "wb") as f:
    def rec(off, data):
        f.write(struct.pack(">qq", off, len(data)) + data)
    f.write((b"makedumpfile".ljust(16, b"\0") + struct.pack(">qq", 1, 1)).ljust(4096, b"\0"))
    rec(0, rng.randbytes(464))
    rec(4096, rng.randbytes(1200))
    pos = 3 * 4096
    while pos < mib << 20:
        n = rng.choice([24, 4096, 4096, 16 * 4096, rng.randint(1, 70000), rng.randint(1, 3 << 20)])
        rec(pos, rng.randbytes(n))
        if rng.random() < 0.1:
            rec(pos + rng.randrange(n), rng.randbytes(rng.randint(1, 9000)))
        pos += n + rng.choice([0, 0, 0, 0, 5, 4096, 100000])
    rec(0, rng.randbytes(512))
    f.write(struct.pack(">qq", -1, -1))
EOP
}
