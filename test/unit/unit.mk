# test/unit/: cmocka tests of lib/ (and of helpers/memuse.c and vmcoreinfo.c, which read only files).
$(eval $(call test_program,test-kdump-conf,test/unit/test-kdump-conf.c,-lcmocka))
$(eval $(call test_program,test-dumpdir,test/unit/test-dumpdir.c,-lcmocka -lz))
$(eval $(call test_program,test-spawn,test/unit/test-spawn.c,-lcmocka))
$(eval $(call test_program,test-memuse,test/unit/test-memuse.c helpers/memuse.c,-lcmocka))
$(eval $(call test_program,test-vmcoreinfo,test/unit/test-vmcoreinfo.c helpers/vmcoreinfo.c,-lcmocka $(shell $(PKG_CONFIG) --libs libelf)))

CHECK_FAST += check-unit
.PHONY: check-unit
check-unit: $(B)/test/test-kdump-conf $(B)/test/test-dumpdir $(B)/test/test-spawn $(B)/test/test-memuse $(B)/test/test-vmcoreinfo
	$(B)/test/test-kdump-conf
	$(B)/test/test-dumpdir
	$(B)/test/test-spawn
	$(B)/test/test-memuse
	$(B)/test/test-vmcoreinfo
