# test/vm/vm.mk — VM crash scenarios under qemu TCG (see test/vm/README.md).
#
#   make check-vm                     the CI selection (test/vm/selections: ci)
#   make check-vm-all                 every scenario on Debian 13 and 12, smoke on 14
#   make check-vm SELECTION=smoke     another named selection
#   make check-vm DISTRO=bookworm     every scenario on one suite (default trixie)
#   make check-vm SCENARIOS="default xfs-label" [DISTRO=forky] [KERNEL=backports]
#   make vm-base [DISTRO=...]         build/refresh the cached trees of a suite
#   make vm-clean                     drop per-run images (keeps the trees)
# The cache lives in $(KDUMPKIT_VM_CACHE), default /var/tmp/kdumpkit-vm.

VM_DIR     := test/vm
SCENARIOS  ?=
SELECTION  ?=
DISTRO     ?=
KERNEL     ?=
VM_SCRIPTS := $(addprefix $(VM_DIR)/,common.sh hostsrv.sh build-base.sh build-product.sh mkimage.sh \
	run-guest.sh run-scenarios.sh check-vm.sh verify-dump.sh crash-check.sh guest/kdumpkit-vmtest)

CHECK_VM   += check-vm-run
CHECK_FAST += check-vm-lint
DEB_DEPS   += qemu-system-x86 qemu-utils debootstrap e2fsprogs xfsprogs btrfs-progs fdisk util-linux \
	makedumpfile python3 python3-libkdumpfile socat shellcheck \
	openssh-server openssh-client nfs-ganesha nfs-ganesha-vfs dracut-core iproute2 file

.PHONY: check-vm-run check-vm-lint check-vm-all vm-base vm-clean

# A selection by name; or DISTRO/SCENARIOS straight to run-scenarios.sh.
check-vm-run:
ifneq ($(SELECTION),)
	$(VM_DIR)/check-vm.sh $(SELECTION)
else ifneq ($(DISTRO)$(SCENARIOS)$(KERNEL),)
	DISTRO=$(or $(DISTRO),trixie) KERNEL=$(KERNEL) $(VM_DIR)/run-scenarios.sh $(SCENARIOS)
else
	$(VM_DIR)/check-vm.sh ci
endif

check-vm-all: deps
	$(Q)$(MAKE) --no-print-directory check-vm SELECTION=all

# The harness's own scripts, the scenario fragments they source, the guest
# scripts of the scenarios, and the Python helpers (syntax only).
check-vm-lint:
	shellcheck -x $(VM_SCRIPTS) $(wildcard $(VM_DIR)/scenarios/*/scenario.conf) \
		$(wildcard $(VM_DIR)/scenarios/*/files/usr/local/sbin/*)
	/usr/bin/python3 -c 'import ast, sys; [ast.parse(open(f).read(), f) for f in sys.argv[1:]]' \
		$(VM_DIR)/fsread.py $(VM_DIR)/tstamp.py
	@# every selection resolves, and names only scenarios that exist
	$(Q)for s in $$(sed 's/#.*//' $(VM_DIR)/selections | awk 'NF { print $$1 }' | sort -u); do \
		$(VM_DIR)/check-vm.sh --list $$s >/dev/null || exit 1; done; echo "ok - test/vm/selections resolves"

vm-base:
	DISTRO=$(or $(DISTRO),trixie) KERNEL=$(KERNEL) $(VM_DIR)/build-base.sh

vm-clean:
	rm -rf --one-file-system "$${KDUMPKIT_VM_CACHE:-/var/tmp/kdumpkit-vm}/runs"
