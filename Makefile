# kdumpkit — top-level GNU Makefile.
#
# One Makefile, with a fragment per part (lib/lib.mk, kdumpctl/kdumpctl.mk, ...)
# so each directory owns its own rules.  Fragments append to:
#   SBIN_PROGS      programs installed to $(SBINDIR)
#   LIBEXEC_PROGS   capture helpers installed to $(LIBEXECDIR)
#   CHECK_FAST      phony targets run by `make check-fast` (no VM)
#   CHECK_VM        phony targets run by `make check-vm`
#   DEB_DEPS        Debian packages needed to build and test
#   INSTALL_EXTRA   phony targets run by `make install`

VERSION    := 0.1.0
PREFIX     ?= /usr
SBINDIR    ?= $(PREFIX)/sbin
LIBEXECDIR ?= $(PREFIX)/libexec/kdumpkit
MANDIR     ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
DATADIR    ?= $(PREFIX)/share/kdumpkit
DESTDIR    ?=

PKG_CONFIG ?= pkg-config
CC         ?= cc
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags mount libssh2 libnfs libcrypto 2>/dev/null)

# pkg-config answers with absolute /usr paths; re-root them under PREFIX
# only when PREFIX is not /usr, so `make install PREFIX=/usr/local` stays local.
DRACUTMODDIR  ?= $(or $(shell $(PKG_CONFIG) --variable=dracutmodulesdir dracut 2>/dev/null),/usr/lib/dracut/modules.d)
SYSTEMDUNITDIR ?= $(or $(shell $(PKG_CONFIG) --variable=systemdsystemunitdir systemd 2>/dev/null),/lib/systemd/system)

# B=: another output directory (the VM harness builds each guest suite's
# binaries in a chroot of that suite into build/guest-<suite>).
B  ?= build
O  := $(B)/obj
OA := $(B)/asan-obj

WARNFLAGS := -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Werror=implicit-function-declaration
ifeq ($(CI),true)
WARNFLAGS += -Werror
endif
ifeq ($(WERROR),1)
WARNFLAGS += -Werror
endif

# Append to the user's CFLAGS, never replace them.
CFLAGS ?= -O2 -g
override CFLAGS += -std=gnu11 $(WARNFLAGS) -D_GNU_SOURCE \
	-DKDUMPKIT_VERSION='"$(VERSION)"' \
	-DLIBEXECDIR='"$(LIBEXECDIR)"' -DSYSCONFDIR='"$(SYSCONFDIR)"' \
	-DDRACUTMODDIR='"$(DRACUTMODDIR)"' \
	-Ilib -MMD -MP $(PKG_CFLAGS)

SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

ifeq ($(V),1)
Q :=
else
Q := @
endif

SBIN_PROGS    :=
LIBEXEC_PROGS :=
CHECK_FAST    :=
CHECK_VM      :=
INSTALL_EXTRA :=
DEB_DEPS      := build-essential pkg-config libmount-dev libssh2-1-dev libnfs-dev \
	libssl-dev zlib1g-dev libcmocka-dev mandoc shellcheck systemd
# Packages only some suites have: wanted where apt knows them (systemd.pc,
# for SYSTEMDUNITDIR, is in systemd-dev from Debian 13 on).
DEB_DEPS_OPTIONAL := systemd-dev

.PHONY: all check check-fast check-vm install clean deps deps-check help demo bench deb

all:

# Every program is built twice: $(B)/NAME (installed) and $(B)/asan/NAME
# (ASan+UBSan, what the tests run).
#   $(eval $(call program,NAME,SOURCES,LIBS))
define program
$(B)/$(1): $(patsubst %.c,$(O)/%.o,$(2)) $(LIBKDUMP)
	@$$(if $$(Q),echo "  LD      $$@")
	$$(Q)$$(CC) $$(CFLAGS) $$(LDFLAGS) -o $$@ $$^ $(3)
$(B)/asan/$(1): $(patsubst %.c,$(OA)/%.o,$(2)) $(LIBKDUMP_ASAN)
	@mkdir -p $$(dir $$@)
	@$$(if $$(Q),echo "  LD      $$@")
	$$(Q)$$(CC) $$(CFLAGS) $$(SAN_FLAGS) $$(LDFLAGS) -o $$@ $$^ $(3)
ASAN_PROGS += $(B)/asan/$(1)
endef
# Test programs are only built sanitized:  $(eval $(call test_program,NAME,SOURCES,LIBS))
define test_program
$(B)/test/$(1): $(patsubst %.c,$(OA)/%.o,$(2)) $(LIBKDUMP_ASAN)
	@mkdir -p $$(dir $$@)
	@$$(if $$(Q),echo "  LD      $$@")
	$$(Q)$$(CC) $$(CFLAGS) $$(SAN_FLAGS) $$(LDFLAGS) -o $$@ $$^ $(3)
TEST_PROGS += $(B)/test/$(1)
endef
ASAN_PROGS :=
TEST_PROGS :=

include lib/lib.mk
include $(sort $(wildcard kdumpctl/*.mk helpers/*.mk modules.d/*.mk \
	systemd-units/*.mk test/*.mk test/*/*.mk bench/*.mk))

all: $(addprefix $(B)/,$(SBIN_PROGS) $(LIBEXEC_PROGS))

# what the tests need: sanitized programs and test binaries
test-build: all $(ASAN_PROGS) $(TEST_PROGS)
.PHONY: test-build

$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(OA)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $< (asan)")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(SAN_FLAGS) -c -o $@ $<

# --- dependencies -----------------------------------------------------------
DEB_DEPS := $(sort $(DEB_DEPS))
DEB_DEPS_OPTIONAL := $(sort $(DEB_DEPS_OPTIONAL))

# Lists what is missing; installs it when run as root.  What apt knows is
# asked again after `apt-get update` (a fresh chroot has no package lists);
# nothing is fetched when every package is there.
deps:
	@installed() { dpkg-query -W -f='$${Status}\n' "$$1" 2>/dev/null | grep -q '^install ok installed$$'; }; \
	known() { apt-cache show --no-all-versions "$$1" 2>/dev/null | grep -q '^Package: '; }; \
	wanted() { for p in $(DEB_DEPS); do installed $$p || echo $$p; done; \
		for p in $(DEB_DEPS_OPTIONAL); do installed $$p || ! known $$p || echo $$p; done; }; \
	missing=$$(wanted); \
	if [ -z "$$missing" ]; then echo "deps: all $(words $(DEB_DEPS)) packages present"; exit 0; fi; \
	if [ "$$(id -u)" != 0 ]; then echo "deps: missing (run 'make deps' as root):" $$missing; exit 1; fi; \
	export DEBIAN_FRONTEND=noninteractive; \
	apt-get update -qq || exit 1; \
	missing=$$(wanted); \
	echo "deps: installing" $$missing; \
	apt-get install -y -qq --no-install-recommends $$missing

# --- checks ---------------------------------------------------------------
# Runs every suite even after a failure, then one summary line (suites, not
# cases: each suite prints its own case counts above).
check-fast: deps
	$(Q)$(MAKE) --no-print-directory test-build
	@pass=0; fail=0; failed=; \
	for t in $(CHECK_FAST); do \
		echo "=== $$t"; t0=$$(date +%s); \
		if $(MAKE) --no-print-directory $$t; then pass=$$((pass+1)); \
		else fail=$$((fail+1)); failed="$$failed $$t"; fi; \
		echo "=== $$t: $$(( $$(date +%s) - t0 ))s"; \
	done; \
	[ -z "$$failed" ] || echo "failed suites:$$failed"; \
	echo "check-fast: $$pass passed, $$fail failed"; \
	[ $$fail = 0 ]

check-vm: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(MAKE) --no-print-directory $(CHECK_VM)

check: check-fast
	$(Q)$(MAKE) --no-print-directory check-vm

# --- install ----------------------------------------------------------------
install: all $(INSTALL_EXTRA)
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(LIBEXECDIR)
	$(if $(SBIN_PROGS),install -m 0755 $(addprefix $(B)/,$(SBIN_PROGS)) $(DESTDIR)$(SBINDIR)/)
	$(if $(LIBEXEC_PROGS),install -m 0755 $(addprefix $(B)/,$(LIBEXEC_PROGS)) $(DESTDIR)$(LIBEXECDIR)/)
	install -d $(DESTDIR)$(MANDIR)/man5
	install -m 0644 kdump.conf.5 $(DESTDIR)$(MANDIR)/man5/
	install -d $(DESTDIR)$(SYSCONFDIR)
	@# Never overwrite an administrator's configuration.
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/kdump.conf ]; then \
		echo "install: keeping existing $(DESTDIR)$(SYSCONFDIR)/kdump.conf"; \
		install -m 0644 kdump.conf $(DESTDIR)$(SYSCONFDIR)/kdump.conf.new; \
	else install -m 0644 kdump.conf $(DESTDIR)$(SYSCONFDIR)/kdump.conf; fi

# The Debian package (debian/): dpkg-buildpackage writes
# kdumpkit_$(VERSION)_<arch>.deb, .buildinfo and .changes into the parent
# directory, as it always does.  Needs debhelper and the Build-Depends of
# debian/control (dpkg-checkbuilddeps names what is missing).
deb:
	dpkg-buildpackage -us -uc -b

clean:
	rm -rf $(B)

help:
	@echo "kdumpkit $(VERSION) — targets:"
	@echo "  make              build everything into $(B)/"
	@echo "  make demo         crash a VM and show the vmcore it saved (first thing to run)"
	@echo "  make check        the whole suite, as CI runs it (fast tests + VM scenarios)"
	@echo "  make check-fast   everything that needs no VM (unit, golden, lint, fuzz, ASan)"
	@echo "  make check-vm     VM crash scenarios; SCENARIOS=\"default xfs ...\" picks some"
	@echo "  make check-fast-chroot DISTRO=forky  check-fast in a chroot of that suite (root)"
	@echo "  make bench        benchmarks against Debian's kdump-tools (not part of check)"
	@echo "  make bench-collector  makedumpfile options timed over one ELF vmcore"
	@echo "  make install      DESTDIR= PREFIX= (default $(PREFIX))"
	@echo "  make deb          the Debian package, into .. (dpkg-buildpackage -us -uc -b)"
	@echo "  make deps         install the Debian packages needed (as root), or list them"
	@echo "  make clean"
	@echo "Variables: V=1 (verbose), WERROR=1, CFLAGS=..."

-include $(shell find $(O) $(OA) -name '*.d' 2>/dev/null)
