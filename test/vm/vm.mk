# test/vm/vm.mk — VM crash scenarios under qemu TCG (see test/vm/README.md).
#
#   make check-vm                     every scenario in test/vm/scenarios/
#   make check-vm SCENARIOS="default xfs-label"
#   make vm-base                      build/refresh the cached Debian 12 guest tree
#   make vm-clean                     drop per-run images (keeps the base)
# The cache lives in $(KDUMPKIT_VM_CACHE), default /var/tmp/kdumpkit-vm.

VM_DIR     := test/vm
SCENARIOS  ?=
VM_SCRIPTS := $(addprefix $(VM_DIR)/,common.sh hostsrv.sh build-base.sh mkimage.sh run-guest.sh \
	run-scenarios.sh verify-dump.sh guest/kdumpkit-vmtest)

CHECK_VM   += check-vm-run
CHECK_FAST += check-vm-lint
DEB_DEPS   += qemu-system-x86 qemu-utils debootstrap e2fsprogs xfsprogs util-linux \
	makedumpfile python3 python3-libkdumpfile socat shellcheck \
	openssh-server openssh-client nfs-ganesha nfs-ganesha-vfs dracut-core iproute2

.PHONY: check-vm-run check-vm-lint vm-base vm-clean

check-vm-run:
	$(VM_DIR)/run-scenarios.sh $(SCENARIOS)

# The harness's own scripts, the scenario fragments they source, the guest
# scripts of the scenarios, and the Python helpers (syntax only).
check-vm-lint:
	shellcheck -x $(VM_SCRIPTS) $(wildcard $(VM_DIR)/scenarios/*/scenario.conf) \
		$(wildcard $(VM_DIR)/scenarios/*/files/usr/local/sbin/*)
	/usr/bin/python3 -c 'import ast, sys; [ast.parse(open(f).read(), f) for f in sys.argv[1:]]' \
		$(VM_DIR)/fsread.py $(VM_DIR)/tstamp.py

vm-base:
	$(VM_DIR)/build-base.sh

vm-clean:
	rm -rf --one-file-system "$${KDUMPKIT_VM_CACHE:-/var/tmp/kdumpkit-vm}/runs"
