# helpers/: the capture side, run in the capture initramfs.
#   kdump-target-generator  systemd generator: mount unit for the dump target
#   kdump-collect           saves vmcore-dmesg.txt, vmcore, kdump-capture.log
#   kdump-failure-action    failure_action, and final_action (--final)
CAPTURE_COMMON := helpers/conf-diags.c
LIBEXEC_PROGS += kdump-target-generator kdump-collect kdump-failure-action
$(eval $(call program,kdump-target-generator,helpers/generator.c helpers/unit-name.c helpers/cmdline.c helpers/conf-diags.c,))
$(eval $(call program,kdump-collect,helpers/collect.c helpers/relay.c helpers/cmdline.c $(CAPTURE_COMMON),))
$(eval $(call program,kdump-failure-action,helpers/failure-action.c $(CAPTURE_COMMON),))
