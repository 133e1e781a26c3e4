#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# kdump-fence, the launcher of kdump-fence.service: the argv it execs from
# the baked kdump.conf, and its bounded wait for a route.  fence_kdump_send
# is not installed on the build host: a double stands for it that records its
# argv, one word a line (the real one runs in the fence-kdump VM scenario).
# The route waits run in a network namespace of their own (unshare -n) whose
# only interface is lo: nothing leaves this machine.
# usage: test-fence.sh BUILD-DIR   (the ASan build)
set -u
build=$(realpath "${1:?usage: $0 BUILD-DIR}")
fence=$build/kdump-fence
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { echo "ok - $*"; pass=$((pass + 1)); }
not_ok() { echo "not ok - $1"; shift; for l in "$@"; do echo "#   $l"; done; fail=$((fail + 1)); }

# shellcheck disable=SC2016 # the double's own "$@"
printf '#!/bin/sh\nfor a in "$@"; do printf "%%s\\n" "$a"; done > "%s/argv"\n' "$tmp" >"$tmp/fence_kdump_send"
chmod +x "$tmp/fence_kdump_send"
run() { # CONF-TEXT ARGS...: output in $OUT, status in $RC
	printf '%b' "$1" >"$tmp/kdump.conf"
	shift
	rm -f "$tmp/argv"
	OUT=$(KDUMP_LOG_STDERR=1 KDUMP_CONF=$tmp/kdump.conf KDUMP_FENCE_KDUMP_SEND=$tmp/fence_kdump_send \
		KDUMP_FENCE_WAIT_MS=${WAIT_MS:-600} "$@" 2>&1)
	RC=$?
}

# shellcheck disable=SC2016 # the $(...) must reach kdump-fence unexpanded
run 'path /var/crash\nfence_kdump_args -p 7410 -c 1 -v "$(touch '"$tmp"'/ran)"\nfence_kdump_nodes 192.0.2.12 192.0.2.13\n' "$fence"
printf '%s\n' -p 7410 -c 1 -v "\$(touch $tmp/ran)" 192.0.2.12 192.0.2.13 >"$tmp/want"
if [ "$RC" = 0 ] && cmp -s "$tmp/want" "$tmp/argv" && [ ! -e "$tmp/ran" ] &&
	echo "$OUT" | grep -qF "fence: $tmp/fence_kdump_send -p 7410 -c 1"; then
	ok "execs fence_kdump_send ARGS... NODES... as an argv, nothing run by a shell"
else
	not_ok "argv" "rc=$RC" "$OUT" "$(diff "$tmp/want" "$tmp/argv" 2>&1)"
fi

run 'path /var/crash\nfence_kdump_nodes 192.0.2.12\n' "$fence"
if [ "$RC" = 0 ] && [ "$(cat "$tmp/argv")" = 192.0.2.12 ]; then
	ok "no fence_kdump_args: the nodes alone"
else not_ok "nodes alone" "rc=$RC" "$OUT"; fi

run 'path /var/crash\n' "$fence"
if [ "$RC" = 1 ] && [ ! -e "$tmp/argv" ] && echo "$OUT" | grep -q "has no fence_kdump_nodes"; then
	ok "no nodes: exit 1, nothing run"
else not_ok "no nodes" "rc=$RC" "$OUT"; fi
run 'path /var/crash\n' "$fence" --wait
if [ "$RC" = 0 ]; then ok "no nodes, --wait: exit 0 (never fails the capture's start)"; else not_ok "no nodes --wait" "rc=$RC" "$OUT"; fi

printf 'path /var/crash\nfence_kdump_nodes 192.0.2.12\n' >"$tmp/kdump.conf"
OUT=$(KDUMP_LOG_STDERR=1 KDUMP_CONF=$tmp/kdump.conf KDUMP_FENCE_KDUMP_SEND=$tmp/missing "$fence" 2>&1)
RC=$?
if [ "$RC" = 1 ] && echo "$OUT" | grep -qF "fence: cannot run $tmp/missing"; then
	ok "a missing fence_kdump_send: exit 1, named"
else not_ok "missing program" "rc=$RC" "$OUT"; fi

OUT=$("$fence" --frob 2>&1)
RC=$?
if [ "$RC" = 2 ] && echo "$OUT" | grep -q "usage: kdump-fence"; then ok "bad usage: exit 2"; else not_ok "usage" "rc=$RC" "$OUT"; fi

# --wait, in a namespace with lo down (no route at all), then with lo up
if unshare -n true 2>/dev/null; then
	s=$(date +%s%N)
	run 'path /var/crash\nfence_kdump_nodes 127.0.0.1\n' unshare -n "$fence" --wait
	ms=$((($(date +%s%N) - s) / 1000000))
	if [ "$RC" = 0 ] && [ "$ms" -ge 600 ] && [ "$ms" -lt 5000 ] &&
		echo "$OUT" | grep -q "fence: no route to 127.0.0.1 after 0\.[6-9]s.*the dump goes on"; then
		ok "--wait without a route gives up after its bound (${ms} ms), exit 0"
	else not_ok "--wait, no route" "rc=$RC ms=$ms" "$OUT"; fi
	# shellcheck disable=SC2016 # "$0" is the inner shell's
	WAIT_MS=20000 run 'path /var/crash\nfence_kdump_nodes 127.0.0.1\n' \
		unshare -n sh -c 'ip link set lo up && exec "$0" --wait' "$fence"
	if [ "$RC" = 0 ] && echo "$OUT" | grep -q "fence: route to 127.0.0.1 after 0\.[0-2]s"; then
		ok "--wait with a route returns at once"
	else not_ok "--wait, route" "rc=$RC" "$OUT"; fi
else
	not_ok "unshare -n is not available here: the --wait cases did not run"
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
