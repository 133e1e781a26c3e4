#!/bin/sh
# The version is set in one place, the Makefile's VERSION; debian/changelog
# must carry the same one (its upstream part: no epoch, no Debian revision).
#
#   test/check-version.sh VERSION CHANGELOG
#
# Prints one "ok - ..." or "not ok - ..." line; exits 1 when they differ or
# the changelog's first line is not "SOURCE (VERSION) ...", 2 on a usage error.
set -eu

[ $# = 2 ] || { echo "usage: $0 VERSION CHANGELOG" >&2; exit 2; }
want=$1
changelog=$2

entry=$(sed -n '1s/^[a-z0-9][a-z0-9.+-]* (\([^)]*\)) .*/\1/p' "$changelog" 2>/dev/null || true)
if [ -z "$entry" ]; then
	echo "not ok - $changelog: no 'SOURCE (VERSION) DISTRIBUTION; ...' first line"
	exit 1
fi
upstream=${entry#*:}
upstream=${upstream%-*}
if [ "$upstream" = "$want" ]; then
	echo "ok - $changelog ($entry) carries the Makefile's VERSION $want"
else
	echo "not ok - $changelog says $entry, the Makefile's VERSION is $want: change both (make VERSION, dch -v)"
	exit 1
fi
