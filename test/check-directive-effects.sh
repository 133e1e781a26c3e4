#!/bin/sh
# Every kdump.conf directive has a test of its effect (test/directive-effects).
#
# Usage: test/check-directive-effects.sh DIRECTIVE_LIST_FILE
#   (the parser's table, as test/print-directives prints it; "!name" removed)
# One "ok"/"not ok" line per directive and per bad registry line, then
# "N passed, M failed"; exit 1 when something failed.
set -eu
export LC_ALL=C
[ $# -eq 1 ] || { echo "usage: $0 DIRECTIVE_LIST_FILE" >&2; exit 2; }
top=$(cd "$(dirname "$0")/.." && pwd)
reg=${KDUMP_EFFECTS:-$top/test/directive-effects}
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok - $*"; }
not_ok() { failed=$((failed + 1)); echo "not ok - $*"; }

# a registry line's test exists and sets or names the directive
entry_valid() { # DIRECTIVE KIND REST
	d=$1 kind=$2 rest=$3
	case $kind in
	vm)
		f=$top/test/vm/scenarios/$rest/kdump.conf
		[ -f "$f" ] && grep -q "^${d}[[:blank:]]" "$f"
		;;
	golden)
		f=$top/test/kdumpctl/golden/$rest
		[ -f "$f/kdump.conf" ] && grep -q "^${d}[[:blank:]]" "$f/kdump.conf" &&
			{ [ -f "$f/dracut.args" ] || [ -f "$f/kexec.args" ] || [ -d "$f/units" ]; }
		;;
	test)
		file=${rest%% *} label=${rest#* }
		[ "$file" != "$rest" ] && [ -f "$top/$file" ] &&
			grep -qF -e "ok \"$label" -e "check \"$label" -e "{ \"$label" "$top/$file"
		;;
	*) return 1 ;;
	esac
}

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
sed -e '/^#/d' -e '/^[[:blank:]]*$/d' "$reg" >"$tmp"
while read -r d kind rest; do
	if entry_valid "$d" "$kind" "$rest"; then :; else
		not_ok "test/directive-effects: '$d $kind $rest' names no test that sets $d"
	fi
done <"$tmp"
while IFS= read -r name; do
	name=${name#!}
	case $name in '' | '#'*) continue ;; esac
	if grep -q "^${name}[[:blank:]]" "$tmp"; then
		ok "$name: its effect is tested ($(grep -c "^${name}[[:blank:]]" "$tmp") test(s))"
	else
		not_ok "$name: kdump.conf(5) documents it, but no test of its effect is registered in test/directive-effects"
	fi
done <"$1"
while read -r d _; do
	grep -qx "!\{0,1\}$d" "$1" || not_ok "test/directive-effects names '$d', which is not a directive"
done <"$tmp"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
