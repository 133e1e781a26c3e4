# test/capture/: tests of the capture side without a VM.
$(eval $(call test_program,test-unit-name,test/capture/test-unit-name.c helpers/unit-name.c,))

CHECK_FAST += check-capture-generator check-capture-unit-name check-capture-collect \
	check-capture-units check-capture-module check-capture-dracut check-capture-fence
.PHONY: check-capture-generator check-capture-unit-name check-capture-collect \
	check-capture-units check-capture-module check-capture-dracut check-capture-fence

check-capture-generator: $(B)/asan/kdump-target-generator
	$(Q)test/capture/test-generator.sh $<

check-capture-unit-name: $(B)/test/test-unit-name
	$(Q)test/capture/test-unit-name.sh $<

# fsync-eio.so: an LD_PRELOAD double of a failing disk, used with the
# unsanitized kdump-collect (ASan must come first in the library list)
$(B)/test/fsync-eio.so: test/capture/fsync-eio.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) -std=gnu11 -O1 -Wall -Wextra -Werror -shared -fPIC -o $@ $< -ldl

check-capture-collect: $(B)/asan/kdump-collect $(B)/asan/kdump-failure-action $(B)/kdump-collect $(B)/test/fsync-eio.so
	$(Q)FSYNC_EIO_SO=$(abspath $(B)/test/fsync-eio.so) PLAIN_COLLECT=$(abspath $(B)/kdump-collect) \
		test/capture/test-collect.sh $(B)/asan

check-capture-units: $(B)/kdump-collect $(B)/kdump-failure-action $(B)/kdump-fence
	$(Q)test/capture/test-units.sh $(B)

check-capture-module:
	$(Q)shellcheck -x modules.d/99kdumpbase/module-setup.sh

check-capture-dracut: $(B)/kdump-collect $(B)/kdump-failure-action $(B)/kdump-target-generator
	$(Q)test/capture/test-dracut.sh $(B)

check-capture-fence: $(B)/asan/kdump-fence
	$(Q)test/capture/test-fence.sh $(B)/asan
