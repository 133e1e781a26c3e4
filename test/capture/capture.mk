# test/capture/: tests of the capture side without a VM.
$(eval $(call test_program,test-unit-name,test/capture/test-unit-name.c helpers/unit-name.c,))

CHECK_FAST += check-capture-generator check-capture-unit-name check-capture-collect \
	check-capture-units check-capture-module check-capture-dracut
.PHONY: check-capture-generator check-capture-unit-name check-capture-collect \
	check-capture-units check-capture-module check-capture-dracut

check-capture-generator: $(B)/asan/kdump-target-generator
	$(Q)test/capture/test-generator.sh $<

check-capture-unit-name: $(B)/test/test-unit-name
	$(Q)test/capture/test-unit-name.sh $<

check-capture-collect: $(B)/asan/kdump-collect $(B)/asan/kdump-failure-action
	$(Q)test/capture/test-collect.sh $(B)/asan

check-capture-units: $(B)/kdump-collect $(B)/kdump-failure-action
	$(Q)test/capture/test-units.sh $(B)

check-capture-module:
	$(Q)shellcheck -x modules.d/99kdumpbase/module-setup.sh

check-capture-dracut: $(B)/kdump-collect $(B)/kdump-failure-action $(B)/kdump-target-generator
	$(Q)test/capture/test-dracut.sh $(B)
