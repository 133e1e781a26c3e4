# bench/bench.mk — `make bench`: kdumpkit against Debian's kdump-tools in two
# qemu TCG guests made from the same cached tree of DISTRO (default trixie;
# bench/run-bench.sh names every knob: BENCH_MEM, BENCH_DUMP_LEVEL, ...).
# Not part of `make check`.  Root; ~60-80 min in full, BENCH_QUICK=1 ~10 min.
#
#   make bench                         3 cycles per system + crashkernel bisection
#   make bench BENCH_QUICK=1           1 cycle per system, no bisection
#   make bench BENCH_CYCLES=5
#   make bench DISTRO=bookworm BENCH_MEM=8192 BENCH_DUMP_LEVEL=1
# Results: bench/results/<date>-<host>.md, raw logs in bench/results/<date>-<host>/.
# kdump-tools is installed only inside the peer guest tree, never on the host.

DEB_DEPS += dracut-core gzip openssh-client time bc

BENCH_CYCLES ?= 3
BENCH_QUICK  ?= 0

.PHONY: bench bench-lint bench-collector

bench: deps all
	BENCH_CYCLES=$(BENCH_CYCLES) BENCH_QUICK=$(BENCH_QUICK) bench/run-bench.sh

# makedumpfile options over one ELF vmcore (the collector-cp scenario's), with
# the makedumpfile of the guest suite DISTRO (chrooted in its cached tree)
bench-collector: deps
	DISTRO=$(or $(DISTRO),trixie) KERNEL=$(KERNEL) bench/collector-options.sh $(VMCORE)

bench-lint:
	shellcheck -x bench/collector-options.sh bench/run-bench.sh bench/build-peer.sh bench/guest/kdump-bench-probe \
		bench/guest/kdump-bench-memwatch bench/systems/*/scenario.conf bench/systems/common.sh
	/usr/bin/python3 -c 'import ast, sys; [ast.parse(open(f).read(), f) for f in sys.argv[1:]]' \
		bench/report.py
CHECK_FAST += bench-lint
