# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by the test/net scripts: TAP-like lines, a summary, a scratch dir.
# shellcheck shell=bash

PASSED=0
FAILED=0
SKIPPED=0

ok() { PASSED=$((PASSED + 1)); echo "ok - $*"; }
not_ok() { FAILED=$((FAILED + 1)); echo "not ok - $*"; }
skip() { SKIPPED=$((SKIPPED + 1)); echo "ok - # SKIP $*"; }
# check DESCRIPTION COMMAND...: ok when the command succeeds
check() {
        local desc=$1
        shift
        if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}
summary() {
        [ "$SKIPPED" -gt 0 ] && echo "($SKIPPED skipped)"
        echo "$PASSED passed, $FAILED failed"
        [ "$FAILED" -eq 0 ]
}
# mode_of PATH: octal permissions
mode_of() { stat -c %a "$1"; }

: "${BUILD:=$(pwd)/build}"
: "${SRCDIR:=$(pwd)}"
export TESTDIR=$SRCDIR/test/net
