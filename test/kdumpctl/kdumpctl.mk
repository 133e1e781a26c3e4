# test/kdumpctl/: kdumpctl against fake roots with recording doubles.
$(eval $(call test_program,kdumpctl-raw-fixture,test/kdumpctl/raw-fixture.c,$(shell $(PKG_CONFIG) --libs zlib 2>/dev/null)))

.PHONY: check-kdumpctl
check-kdumpctl: $(B)/asan/kdumpctl $(B)/asan/kdump-target-generator $(B)/asan/kdump-collect \
		$(B)/test/kdumpctl-raw-fixture
	$(Q)test/kdumpctl/run.sh
CHECK_FAST += check-kdumpctl
