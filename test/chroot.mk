# test/chroot.mk: `make check-fast-chroot DISTRO=bookworm|trixie|forky`
# (default trixie) runs `make deps` and `make WERROR=1 check-fast` in a build
# tree of that Debian suite (test/vm/build-base.sh build, cached in
# $KDUMPKIT_VM_CACHE, default /var/tmp/kdumpkit-vm).  Root.
.PHONY: check-fast-chroot check-chroot-lint
check-fast-chroot:
	DISTRO=$(or $(DISTRO),trixie) test/check-fast-chroot.sh

CHECK_FAST += check-chroot-lint
check-chroot-lint:
	$(Q)shellcheck -x test/check-fast-chroot.sh
