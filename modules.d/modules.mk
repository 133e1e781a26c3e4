# modules.d/: dracut modules.  Every modules.d/99*/ directory is installed to
# $(DRACUTMODDIR), with @LIBEXECDIR@, @SYSTEMDUNITDIR@ and @SBINDIR@ substituted;
# module-setup.sh and other executable files keep mode 0755.
DRACUT_MODULE_DIRS := $(patsubst %/,%,$(wildcard modules.d/99*/))

INSTALL_EXTRA += install-dracut-modules
.PHONY: install-dracut-modules
install-dracut-modules:
	$(Q)for d in $(DRACUT_MODULE_DIRS); do \
		dest=$(DESTDIR)$(DRACUTMODDIR)/$${d#modules.d/}; \
		install -d "$$dest" || exit 1; \
		for f in "$$d"/*; do \
			[ -f "$$f" ] || continue; \
			if [ -x "$$f" ]; then m=0755; else m=0644; fi; \
			sed -e 's|@LIBEXECDIR@|$(LIBEXECDIR)|g' -e 's|@SYSTEMDUNITDIR@|$(SYSTEMDUNITDIR)|g' -e 's|@SBINDIR@|$(SBINDIR)|g' \
				"$$f" >"$$dest/$${f##*/}.tmp" && chmod $$m "$$dest/$${f##*/}.tmp" && \
				mv -f "$$dest/$${f##*/}.tmp" "$$dest/$${f##*/}" || exit 1; \
		done; \
	done
