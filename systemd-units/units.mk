# systemd-units/: the capture initramfs's units (kdump.service, for the first
# kernel, is part of kdumpctl).  Installed to $(SYSTEMDUNITDIR) with
# @LIBEXECDIR@ substituted; 99kdumpbase copies them into the image.
CAPTURE_UNITS := kdump-capture.target kdump-capture.service \
	kdump-failure-action.service kdump-final-action.service kdump-fence.service

INSTALL_EXTRA += install-capture-units
.PHONY: install-capture-units
install-capture-units:
	install -d $(DESTDIR)$(SYSTEMDUNITDIR)
	$(Q)for u in $(CAPTURE_UNITS); do \
		sed 's|@LIBEXECDIR@|$(LIBEXECDIR)|g' systemd-units/$$u >$(DESTDIR)$(SYSTEMDUNITDIR)/$$u.tmp && \
		chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/$$u.tmp && \
		mv -f $(DESTDIR)$(SYSTEMDUNITDIR)/$$u.tmp $(DESTDIR)$(SYSTEMDUNITDIR)/$$u || exit 1; \
	done
