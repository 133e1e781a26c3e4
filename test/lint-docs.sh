#!/bin/sh
# Check kdump.conf.5 and the sample kdump.conf against the parser's table.
#
# Usage: test/lint-docs.sh DIRECTIVE_LIST_FILE
#
# DIRECTIVE_LIST_FILE names one directive per line; a leading "!" marks a
# removed directive, which the man page must still explain but the sample
# must not show.  Blank lines and lines starting with "#" are skipped.
#
# Checks, one "ok - ..." or "not ok - ..." line each:
#   - `mandoc -T lint -W warning kdump.conf.5` prints nothing;
#   - every directive has a man page entry: ".TP" followed by ".B name";
#   - every current directive has a sample line "name ..." or "#name ...";
#   - no removed directive has such a sample line;
#   - neither file documents a directive the list does not know.
# Ends with "N passed, M failed"; exits 0 when nothing failed, 1 when
# something did, 2 on a usage error.
#
# KDUMP_MANPAGE and KDUMP_SAMPLE override the files checked (default:
# kdump.conf.5 and kdump.conf at the top of the source tree).

set -eu
export LC_ALL=C

usage() {
        echo "usage: $0 DIRECTIVE_LIST_FILE" >&2
        exit 2
}

[ $# -eq 1 ] || usage
list=$1
[ -r "$list" ] || { echo "$0: cannot read '$list'" >&2; exit 2; }

top=$(cd "$(dirname "$0")/.." && pwd)
manpage=${KDUMP_MANPAGE:-$top/kdump.conf.5}
sample=${KDUMP_SAMPLE:-$top/kdump.conf}

passed=0
failed=0

ok() {
        passed=$((passed + 1))
        echo "ok - $*"
}

not_ok() {
        failed=$((failed + 1))
        echo "not ok - $*"
}

# Print "DEPTH NAME" for every ".B NAME" line that directly follows a ".TP"
# line, DEPTH being the .RS nesting level it appears at.
man_entries() {
        awk '
                /^\.RS([ \t]|$)/ { depth++ }
                /^\.RE([ \t]|$)/ { if (depth > 0) depth-- }
                prev_tp && /^\.B[ \t]/ { print depth, $2 }
                { prev_tp = ($0 ~ /^\.TP([ \t]|$)/) }
        ' "$1"
}

# Print the directive name of every sample line that looks like a
# directive, commented out or not: "name value" or "#name value".
sample_entries() {
        sed -n 's/^#\{0,1\}\([a-z][a-z0-9_]*\)\([[:blank:]].*\)\{0,1\}$/\1/p' "$1"
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

# Normalise the list: drop comments and blanks, trim white space.
sed -e 's/^[[:blank:]]*//' -e 's/[[:blank:]]*$//' -e '/^#/d' -e '/^$/d' "$list" > "$tmp/list"
if [ ! -s "$tmp/list" ]; then
        echo "$0: no directives in '$list'" >&2
        exit 2
fi
if grep -v -x '!\{0,1\}[a-z][a-z0-9_]*' "$tmp/list" > "$tmp/bad"; then
        while IFS= read -r entry; do
                not_ok "list entry '$entry' is not a directive name"
        done < "$tmp/bad"
fi
sed -n 's/^!\([a-z][a-z0-9_]*\)$/\1/p' "$tmp/list" | sort -u > "$tmp/removed"
{ grep -x '[a-z][a-z0-9_]*' "$tmp/list" || :; } | sort -u > "$tmp/current"
sort -u "$tmp/current" "$tmp/removed" > "$tmp/all"

# 1. The man page must be lint clean.
man_name=$(basename "$manpage")
if ! command -v mandoc > /dev/null 2>&1; then
        not_ok "mandoc lint of $man_name (mandoc is not installed)"
elif (cd "$(dirname "$manpage")" && mandoc -T lint -W warning "$man_name") > "$tmp/mandoc" 2>&1 \
                && [ ! -s "$tmp/mandoc" ]; then
        ok "mandoc lint of $man_name"
else
        not_ok "mandoc lint of $man_name"
        sed 's/^/#   /' "$tmp/mandoc"
fi

man_entries "$manpage" > "$tmp/man"
awk '{ print $2 }' "$tmp/man" | sort -u > "$tmp/man-any"
awk '$1 == 0 { print $2 }' "$tmp/man" | sort -u > "$tmp/man-top"
sample_entries "$sample" | sort -u > "$tmp/sample"
sample_name=$(basename "$sample")

# 2. Every directive, current or removed, has a man page entry.
while IFS= read -r name; do
        if grep -q -x -F "$name" "$tmp/man-any"; then
                ok "$man_name documents '$name'"
        else
                not_ok "$man_name does not document '$name' (no '.TP' then '.B $name')"
        fi
done < "$tmp/all"

# 3. Every current directive appears in the sample.
while IFS= read -r name; do
        if grep -q -x -F "$name" "$tmp/sample"; then
                ok "$sample_name shows '$name'"
        else
                not_ok "$sample_name does not show '$name' (no line starting '$name ' or '#$name ')"
        fi
done < "$tmp/current"

# 4. No removed directive appears in the sample.
while IFS= read -r name; do
        if grep -q -x -F "$name" "$tmp/sample"; then
                not_ok "$sample_name shows removed directive '$name'"
        else
                ok "$sample_name does not show removed directive '$name'"
        fi
done < "$tmp/removed"

# 5. Neither file documents a directive the parser does not know.
comm -23 "$tmp/man-top" "$tmp/all" > "$tmp/man-extra"
if [ -s "$tmp/man-extra" ]; then
        not_ok "$man_name documents unknown directives: $(paste -s -d ' ' "$tmp/man-extra")"
else
        ok "$man_name documents no unknown directive"
fi
comm -23 "$tmp/sample" "$tmp/current" > "$tmp/sample-extra"
if [ -s "$tmp/sample-extra" ]; then
        not_ok "$sample_name shows unknown or removed directives: $(paste -s -d ' ' "$tmp/sample-extra")"
else
        ok "$sample_name shows no unknown directive"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
