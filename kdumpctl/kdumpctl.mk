# kdumpctl/: the first-kernel tool.
KDUMPCTL_SRCS := $(wildcard kdumpctl/*.c)
KDUMPCTL_LIBS := $(shell $(PKG_CONFIG) --libs mount blkid libcrypto zlib libzstd 2>/dev/null)
SBIN_PROGS += kdumpctl
$(eval $(call program,kdumpctl,$(KDUMPCTL_SRCS),$(KDUMPCTL_LIBS)))
# blkid.h lives in its own include directory
$(patsubst %.c,$(O)/%.o,$(KDUMPCTL_SRCS)) $(patsubst %.c,$(OA)/%.o,$(KDUMPCTL_SRCS)): \
	override CFLAGS += $(shell $(PKG_CONFIG) --cflags blkid 2>/dev/null)
DEB_DEPS += libblkid-dev libzstd-dev zlib1g-dev zstd

INSTALL_EXTRA += install-kdumpctl-man install-kdump-config
.PHONY: install-kdumpctl-man check-kdumpctl-man install-kdump-config
install-kdumpctl-man:
	install -d $(DESTDIR)$(MANDIR)/man8
	install -m 0644 kdumpctl/kdumpctl.8 $(DESTDIR)$(MANDIR)/man8/

# Debian's kdump-config is kdumpctl under that name (kdumpctl/kdump-config.c)
install-kdump-config:
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8
	ln -sf kdumpctl $(DESTDIR)$(SBINDIR)/kdump-config
	install -m 0644 kdumpctl/kdump-config.8 $(DESTDIR)$(MANDIR)/man8/

# the man page lints clean and documents every verb of --help
check-kdumpctl-man: $(B)/kdumpctl
	$(Q)mandoc -T lint -W warning kdumpctl/kdumpctl.8 && \
	missing=$$($(B)/kdumpctl --help | sed -n 's/^  \([a-z-]*\) .*/\1/p' | grep -v '^-' | \
		while read -r v; do grep -q "^\.B $$(echo $$v | sed 's/-/\\\\-/g')" kdumpctl/kdumpctl.8 || echo $$v; done); \
	if [ -n "$$missing" ]; then echo "not ok - kdumpctl.8 lacks verbs: $$missing"; exit 1; fi; \
	echo "ok - kdumpctl.8 lints clean and documents every verb"
CHECK_FAST += check-kdumpctl-man

# the same for kdump-config.8 and the verbs of kdump-config help: an
# entry is a .B or .BI line right after .TP
.PHONY: check-kdump-config-man
check-kdump-config-man: $(B)/kdumpctl
	$(Q)mandoc -T lint -W warning kdumpctl/kdump-config.8 && ln -sf kdumpctl $(B)/kdump-config && \
	entries=$$(awk '/^\.TP/ { tp = 1; next } tp && /^\.BI? / { print $$2 } { tp = 0 }' kdumpctl/kdump-config.8); \
	missing=$$($(B)/kdump-config help | sed -n 's/^  \([a-z]*\) .*/\1/p' | \
		while read -r v; do echo "$$entries" | grep -qx "$$v" || echo $$v; done); \
	if [ -n "$$missing" ]; then echo "not ok - kdump-config.8 lacks verbs: $$missing"; exit 1; fi; \
	echo "ok - kdump-config.8 lints clean and documents every verb"
CHECK_FAST += check-kdump-config-man

# Kernel hooks (kdumpctl/hooks/): a kernel's capture image is built when the
# kernel is installed and removed with it; Debian's postinst.d/postrm.d and
# kernel-install's install.d, all through LIBEXECDIR/kernel-hook.
KERNELINSTALLDIR ?= $(PREFIX)/lib/kernel/install.d
INSTALL_EXTRA += install-kernel-hooks
.PHONY: install-kernel-hooks
install-kernel-hooks:
	install -d $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(SYSCONFDIR)/kernel/postinst.d \
		$(DESTDIR)$(SYSCONFDIR)/kernel/postrm.d $(DESTDIR)$(KERNELINSTALLDIR)
	sed 's|@SBINDIR@|$(SBINDIR)|g' kdumpctl/hooks/kernel-hook >$(DESTDIR)$(LIBEXECDIR)/kernel-hook
	sed 's|@LIBEXECDIR@|$(LIBEXECDIR)|g' kdumpctl/hooks/postinst.d >$(DESTDIR)$(SYSCONFDIR)/kernel/postinst.d/kdumpkit
	sed 's|@LIBEXECDIR@|$(LIBEXECDIR)|g' kdumpctl/hooks/postrm.d >$(DESTDIR)$(SYSCONFDIR)/kernel/postrm.d/kdumpkit
	sed 's|@LIBEXECDIR@|$(LIBEXECDIR)|g' kdumpctl/hooks/92-kdumpkit.install >$(DESTDIR)$(KERNELINSTALLDIR)/92-kdumpkit.install
	chmod 0755 $(DESTDIR)$(LIBEXECDIR)/kernel-hook $(DESTDIR)$(SYSCONFDIR)/kernel/postinst.d/kdumpkit \
		$(DESTDIR)$(SYSCONFDIR)/kernel/postrm.d/kdumpkit $(DESTDIR)$(KERNELINSTALLDIR)/92-kdumpkit.install
