#!/bin/bash
# Boot a scenario's images under qemu TCG, serial console to a log.
#
# Every console line is prefixed with the host seconds since qemu started
# ("[  12.34] ").  -no-reboot turns any reboot (the capture's final action, a
# panic=10 restart) into a qemu exit; `timeout` bounds the whole run, and a
# console line matching KDVM_PAT_STUCK (an emergency shell) ends it at once.
#
# Usage: run-guest.sh RUN_DIR MODE [extra kernel command line...]
#        (RUN_DIR is what mkimage.sh made: disks.list names the disk images,
#         the first one the root disk)
# Env:   TIMEOUT (s, 600), MEM (MiB, 2048), SMP (2), CRASHKERNEL (256M),
#        NET (qemu -netdev, default "user,id=n0,restrict=on"), LOG (default
#        RUN_DIR/console.log), QUIET=1 (log only, nothing on stdout),
#        GUEST_KERNEL/GUEST_INITRD (default the suite's cached ones), DISK_CACHE (qemu cache=, unsafe),
#        QEMU_EXTRA (more qemu arguments, word-split),
#        NETNS (run qemu in that network namespace, `ip netns exec`) with
#        TAP (a tap device in it: a second NIC, -netdev tap) and TAP_MAC
#        (its MAC address, default 52:54:00:fe:0c:02)
# Exit:  qemu's status (0 when the guest powered off or rebooted), 124 on
#        timeout, 3 when stopped because the guest was stuck.
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

if [ $# -lt 2 ]; then
	echo "usage: ${0##*/} RUN_DIR MODE [kernel cmdline...]" >&2
	exit 64
fi
RUN_DIR=$1
MODE=$2
shift 2
TIMEOUT=${TIMEOUT:-600}
MEM=${MEM:-2048}
SMP=${SMP:-2}
CRASHKERNEL=${CRASHKERNEL:-256M}
NET=${NET:-user,id=n0,restrict=on}
LOG=${LOG:-$RUN_DIR/console.log}
GUEST_KERNEL=${GUEST_KERNEL:-$SUITE_DIR/vmlinuz}
GUEST_INITRD=${GUEST_INITRD:-$SUITE_DIR/initrd.img}
[ -s "$RUN_DIR/disks.list" ] || die "$RUN_DIR/disks.list missing: run mkimage.sh first"
if [ ! -e "$GUEST_KERNEL" ] || [ ! -e "$GUEST_INITRD" ]; then die "no kernel/initrd in $SUITE_DIR: run build-base.sh first"; fi

APPEND="root=LABEL=kdumproot rw console=ttyS0,115200 panic=10 crashkernel=$CRASHKERNEL kdvmtest=$MODE $*"

drives=()
n=0
while read -r file serial; do
	[ -n "$file" ] || continue
	drives+=(-drive "file=$file,format=raw,if=none,id=d$n,cache=${DISK_CACHE:-unsafe}"
		-device "virtio-blk-pci,drive=d$n,serial=$serial")
	n=$((n + 1))
done <"$RUN_DIR/disks.list"

# NETNS: the guest's second NIC is a tap device in a namespace the scenario
# made (setup_host), so UDP reaches a listener there and nothing else.
netns=() tap=()
if [ -n "${NETNS:-}" ]; then
	[ -n "${TAP:-}" ] || die "NETNS=$NETNS needs TAP="
	netns=(ip netns exec "$NETNS")
	tap=(-netdev "tap,id=t0,ifname=$TAP,script=no,downscript=no"
		-device "virtio-net-pci,netdev=t0,mac=${TAP_MAC:-52:54:00:fe:0c:02}")
fi

# shellcheck disable=SC2206,SC2054 # QEMU_EXTRA is word-split on purpose; commas are qemu syntax
qemu=(${netns[@]+"${netns[@]}"} qemu-system-x86_64 -accel tcg -nodefaults -m "$MEM" -smp "$SMP"
	-display none -monitor none -serial stdio -no-reboot
	-kernel "$GUEST_KERNEL" -initrd "$GUEST_INITRD" -append "$APPEND"
	"${drives[@]}"
	-netdev "$NET" -device virtio-net-pci,netdev=n0
	${tap[@]+"${tap[@]}"}
	-pidfile "$RUN_DIR/qemu.pid"
	${QEMU_EXTRA:-})

out=/dev/stdout
[ "${QUIET:-0}" != 1 ] || out=/dev/null
echo "# $(date -Is) timeout=${TIMEOUT}s: ${qemu[*]}" >"$LOG"

# --foreground keeps qemu in our process group, so a Ctrl-C or a signal to
# the group (run-scenarios.sh stops parallel jobs that way) reaches it too;
# the timeout still applies to qemu itself.
s=$(now)
rm -f "$RUN_DIR/qemu.pid"
set +e
timeout --foreground -k 10 "$TIMEOUT" "${qemu[@]}" </dev/null 2>&1 |
	"$HOST_PYTHON" -u "$VM_DIR/tstamp.py" --stop "$KDVM_PAT_STUCK" --pidfile "$RUN_DIR/qemu.pid" \
		--epoch-file "$LOG.epoch" |
	tee -a "$LOG" >"$out"
rc=${PIPESTATUS[0]}
set -e
rm -f "$RUN_DIR/qemu.pid"
note=""
[ "$rc" != 124 ] || note=" (TIMEOUT ${TIMEOUT}s)"
if grep -q '^\[ *[0-9.]*\] # STOPPED' "$LOG"; then
	note=" (stopped: guest stuck)"
	rc=3
fi
echo "# qemu exit rc=$rc after $(elapsed "$s")s$note" | tee -a "$LOG" >"$out"
exit "$rc"
