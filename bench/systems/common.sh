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
	install -D -m 0755 "$BENCH_GUEST/kdump-bench-probe" "$1/usr/local/sbin/kdump-bench-probe"
	install -D -m 0644 "$BENCH_GUEST/kdump-bench-probe.service" \
		"$1/etc/systemd/system/kdump-bench-probe.service"
	systemctl --root "$1" --quiet enable kdump-bench-probe.service
}
