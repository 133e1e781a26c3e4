# test/net: the dump writers against real servers on 127.0.0.1 (sshd with its
# own config, userspace nfs-ganesha), and the flattened reader byte for byte
# against `makedumpfile -R`.  No VM.

$(eval $(call test_program,flat-unflatten,test/net/flat-unflatten.c helpers/flatten.c,))

NET_TEST_ENV = BUILD=$(abspath $(B)) SRCDIR=$(abspath .)

.PHONY: check-flatten check-ssh-writer check-nfs-writer check-raw-writer
check-flatten: $(B)/test/flat-unflatten
	$(Q)$(NET_TEST_ENV) test/net/test-flatten.sh
check-raw-writer: $(B)/asan/kdump-raw-writer
	$(Q)$(NET_TEST_ENV) test/net/test-raw-writer.sh
check-ssh-writer: $(B)/asan/kdump-ssh-writer
	$(Q)$(NET_TEST_ENV) test/net/test-ssh-writer.sh
check-nfs-writer: $(B)/asan/kdump-nfs-writer
	$(Q)$(NET_TEST_ENV) test/net/test-nfs-writer.sh

CHECK_FAST += check-flatten check-raw-writer check-ssh-writer check-nfs-writer
