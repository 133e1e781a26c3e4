#!/bin/bash
# Run a named VM selection (test/vm/selections): for each of its lines,
# run-scenarios.sh on that line's suite.  Prints run-scenarios.sh's verdicts
# and, at the end, one summary line per suite and a total:
#
#   VM trixie: 13 passed, 0 failed
#   VM selection ci: 25 passed, 0 failed (3 suites, 2710.4s)
#
# Usage: check-vm.sh NAME            (exit 1 if any scenario failed)
#        check-vm.sh --list NAME     print "SUITE SCENARIO..." per line
# Env:   what run-scenarios.sh takes (JOBS, KDUMPKIT_VM_CACHE, ...); DISTRO
#        from the environment is ignored: the selection names the suites.
set -uo pipefail
set -f # a selection's "*" is ours, not the shell's
VM_DIR=$(cd "$(dirname "$0")" && pwd)

list=0
if [ "${1:-}" = --list ]; then list=1; shift; fi
[ $# = 1 ] || { echo "usage: ${0##*/} [--list] NAME" >&2; exit 64; }

# expand NAME SUITE: the scenarios of NAME for SUITE, in order; "-" lines
# apply to every suite the selection runs on.
expand() {
	local name=$1 suite=$2 n s w rest only
	while read -r n s rest; do
		[ "$n" = "$name" ] || continue
		[ "$s" = "$suite" ] || [ "$s" = - ] || continue
		for w in $rest; do
			case "$w" in
			@*) expand "${w#@}" "$suite" ;;
			\*) # every scenario whose SUITES= (if it has one) names this suite
				find "$VM_DIR/scenarios" -mindepth 2 -maxdepth 2 -name scenario.conf -printf '%h\n' |
				xargs -rn1 basename | LC_ALL=C sort | while read -r w; do
					only=$(sed -nE 's/^SUITES="([^"]*)".*/\1/p' "$VM_DIR/scenarios/$w/scenario.conf")
					[ -z "$only" ] || [[ " $only " == *" $suite "* ]] && echo "$w"
				done ;;
			*) echo "$w" ;;
			esac
		done
	done < <(sed 's/#.*//' "$VM_DIR/selections")
}

# The suites a selection names; one that names only "-" lines runs on all three.
sed 's/#.*//' "$VM_DIR/selections" | awk -v n="$1" '$1 == n { f = 1 } END { exit !f }' ||
	{ echo "check-vm.sh: no selection '$1' in $VM_DIR/selections" >&2; exit 64; }
mapfile -t suites < <(sed 's/#.*//' "$VM_DIR/selections" |
	awk -v n="$1" '$1 == n && $2 != "-" && !seen[$2]++ { print $2 }')
[ "${#suites[@]}" -gt 0 ] || suites=(trixie bookworm forky)

t0=$SECONDS
summary=()
total_pass=0
total_fail=0
for suite in "${suites[@]}"; do
	mapfile -t names < <(expand "$1" "$suite" | awk '!seen[$0]++')
	for n in "${names[@]}"; do
		[ -f "$VM_DIR/scenarios/$n/scenario.conf" ] ||
			{ echo "check-vm.sh: selection '$1' names '$n', which is not in $VM_DIR/scenarios" >&2; exit 64; }
	done
	if [ "$list" = 1 ]; then echo "$suite ${names[*]}"; continue; fi
	out=$(mktemp)
	DISTRO=$suite KERNEL='' "$VM_DIR/run-scenarios.sh" "${names[@]}" | tee "$out"
	line=$(grep -E "^VM $suite: [0-9]+ passed, [0-9]+ failed$" "$out" | tail -n 1)
	rm -f "$out"
	[ -n "$line" ] || line="VM $suite: 0 passed, ${#names[@]} failed"
	summary+=("$line")
	read -r p f < <(sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed/\1 \2/' <<<"$line")
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
done
[ "$list" = 0 ] || exit 0
printf '%s\n' "${summary[@]}"
echo "VM selection $1: $total_pass passed, $total_fail failed (${#suites[@]} suites, $((SECONDS - t0))s)"
[ "$total_fail" = 0 ]
