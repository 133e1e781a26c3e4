# shellcheck shell=bash disable=SC2034
# Shared by both bench systems' scenario.conf (sourced by load_scenario).
BENCH_GUEST=$(cd "$(dirname "${BASH_SOURCE[0]}")/../guest" && pwd)
# The crash cycle of the VM harness, with the bench probe on (kdbench).
MODE=crash
PREBUILD=0
MEM=2048
SMP=2
CRASHKERNEL=256M
TIMEOUT=900
CMDLINE_EXTRA="kdbench kdvmwait=600"
install_bench_probe() {
	set_dump_level "$1" || return 1
	install -D -m 0755 "$BENCH_GUEST/kdump-bench-probe" "$1/usr/local/sbin/kdump-bench-probe"
	install -D -m 0644 "$BENCH_GUEST/kdump-bench-probe.service" \
		"$1/etc/systemd/system/kdump-bench-probe.service"
	systemctl --root "$1" --quiet enable kdump-bench-probe.service
}
# BENCH_DUMP_LEVEL (run-bench.sh): makedumpfile's -d for both systems, in
# place of their default 31 (e.g. 1 keeps user pages, for crash -> saved).
set_dump_level() {
	local tree=$1 level=${BENCH_DUMP_LEVEL:-}
	[ -n "$level" ] || return 0
	if [ -e "$tree/etc/default/kdump-tools" ]; then
		sed -i "s/^#\?MAKEDUMP_ARGS=.*/MAKEDUMP_ARGS=\"-c -d $level\"/" "$tree/etc/default/kdump-tools"
		grep -qx "MAKEDUMP_ARGS=\"-c -d $level\"" "$tree/etc/default/kdump-tools" ||
			{ echo "bench: no MAKEDUMP_ARGS for -d $level in $tree/etc/default/kdump-tools" >&2; return 1; }
	else
		sed -i -E "s/^(core_collector makedumpfile .*)-d [0-9]+/\1-d $level/" "$tree/etc/kdump.conf"
		grep -qE "^core_collector makedumpfile .*-d $level( |\$)" "$tree/etc/kdump.conf" ||
			{ echo "bench: no core_collector for -d $level in $tree/etc/kdump.conf" >&2; return 1; }
	fi
}
