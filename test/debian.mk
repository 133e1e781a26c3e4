# test/debian.mk: the Debian package's sources (debian/) against the tree.
#   check-version          debian/changelog carries the Makefile's VERSION
#                          (the package build runs it too: debian/rules);
#                          and the check fails on a changelog that does not
#   check-debian-scripts   the maintainer scripts are POSIX sh, shellcheck-clean
CHECK_FAST += check-version check-debian-scripts
.PHONY: check-version check-debian-scripts

check-version:
	$(Q)sh test/check-version.sh $(VERSION) debian/changelog
	$(Q)mkdir -p $(B) && sed '1s/(\([^)]*\))/(\1.1)/' debian/changelog >$(B)/changelog-other && \
	if sh test/check-version.sh $(VERSION) $(B)/changelog-other >$(B)/changelog-other.out; then \
		echo "not ok - the version check passes a changelog with another version"; exit 1; \
	elif grep -qF "says $(VERSION).1, the Makefile's VERSION is $(VERSION)" $(B)/changelog-other.out; then \
		echo "ok - the version check fails when debian/changelog and VERSION differ"; \
	else echo "not ok - the version check failed without naming both versions"; cat $(B)/changelog-other.out; exit 1; fi

DEBIAN_SCRIPTS := $(wildcard debian/*.config debian/*.postinst debian/*.postrm debian/*.preinst debian/*.prerm)
check-debian-scripts:
	$(Q)if shellcheck -s sh $(DEBIAN_SCRIPTS) test/check-version.sh && shellcheck test/debian/chroot-test.sh; then \
		echo "ok - debian maintainer scripts pass shellcheck -s sh"; \
	else echo "not ok - debian maintainer scripts: shellcheck"; exit 1; fi
	$(Q)for f in $(DEBIAN_SCRIPTS); do \
		head -n1 $$f | grep -qx '#!/bin/sh' && grep -qx 'set -e' $$f || { echo "not ok - $$f: not '#!/bin/sh' with 'set -e'"; exit 1; }; \
		case $$f in *.config) ;; *) grep -qx '#DEBHELPER#' $$f || { echo "not ok - $$f: no #DEBHELPER#"; exit 1; } ;; esac; \
	done; echo "ok - debian maintainer scripts: #!/bin/sh, set -e, #DEBHELPER#"

# The package's life cycle (build, install, debconf, upgrade, remove, purge)
# in a throwaway debootstrap tree: root, minutes; not part of check-fast.
.PHONY: check-deb-chroot
check-deb-chroot:
	DEBTEST_CHROOT=$(DEBTEST_CHROOT) test/debian/chroot-test.sh
