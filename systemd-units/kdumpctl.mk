# systemd-units/kdump.service: the first kernel's unit, run by kdumpctl.
# Installed with @SBINDIR@ substituted.
INSTALL_EXTRA += install-kdump-service
.PHONY: install-kdump-service check-kdump-service
install-kdump-service:
	install -d $(DESTDIR)$(SYSTEMDUNITDIR)
	sed 's|@SBINDIR@|$(SBINDIR)|g' systemd-units/kdump.service >$(DESTDIR)$(SYSTEMDUNITDIR)/kdump.service.tmp
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/kdump.service.tmp
	mv -f $(DESTDIR)$(SYSTEMDUNITDIR)/kdump.service.tmp $(DESTDIR)$(SYSTEMDUNITDIR)/kdump.service

# systemd-analyze wants ExecStart= to exist: verify a copy that points at the
# binary just built.  --man=no: the man pages are not installed here.
check-kdump-service: $(B)/kdumpctl
	$(Q)d=$$(mktemp -d) && \
	sed 's|@SBINDIR@|$(CURDIR)/$(B)|g' systemd-units/kdump.service >$$d/kdump.service && \
	if systemd-analyze verify --man=no $$d/kdump.service; then echo "ok - systemd-analyze verify kdump.service"; rm -rf $$d; \
	else echo "not ok - systemd-analyze verify kdump.service"; rm -rf $$d; exit 1; fi
CHECK_FAST += check-kdump-service
