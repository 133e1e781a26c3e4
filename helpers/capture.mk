# helpers/: the capture side, run in the capture initramfs.
#   kdump-target-generator  systemd generator: mount unit for the dump target
#   kdump-collect           saves vmcore-dmesg.txt, vmcore, kdump-capture.log
#   kdump-failure-action    failure_action, and final_action (--final)
#   kdump-fence             fence_kdump_nodes: execs fence_kdump_send (kdump-fence.service)
CAPTURE_COMMON := helpers/conf-diags.c
LIBEXEC_PROGS += kdump-target-generator kdump-collect kdump-failure-action kdump-fence
$(eval $(call program,kdump-target-generator,helpers/generator.c helpers/unit-name.c helpers/cmdline.c helpers/conf-diags.c,))
# libelf: the VMCOREINFO note of /proc/vmcore (helpers/vmcoreinfo.c)
DEB_DEPS += libelf-dev
$(eval $(call program,kdump-collect,helpers/collect.c helpers/relay.c helpers/memuse.c helpers/cmdline.c helpers/vmcoreinfo.c $(CAPTURE_COMMON),$(shell $(PKG_CONFIG) --libs libelf)))
$(eval $(call program,kdump-failure-action,helpers/failure-action.c $(CAPTURE_COMMON),))
$(eval $(call program,kdump-fence,helpers/fence.c $(CAPTURE_COMMON),))
