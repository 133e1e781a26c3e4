# test/chroot.mk: `make check-fast-chroot DISTRO=bookworm|trixie|forky`
# (default trixie) runs `make deps` and `make WERROR=1 check-fast` in a build
# tree of that Debian suite (test/vm/build-base.sh build, cached in
# $KDUMPKIT_VM_CACHE, default /var/tmp/kdumpkit-vm).  Root.
# Its script is linted by check-test-lint (test/test.mk).
.PHONY: check-fast-chroot
check-fast-chroot:
	DISTRO=$(or $(DISTRO),trixie) test/check-fast-chroot.sh
