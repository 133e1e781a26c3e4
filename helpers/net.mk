# helpers/net.mk: the dump writers for ssh (libssh2), nfs (libnfs) and raw
# targets, and the flattened-format reader they share.  Each writer links only
# its own library: every byte of the capture initramfs costs crashkernel memory.

FLAT_SRCS := helpers/flatten.c helpers/flat-writer.c

LIBEXEC_PROGS += kdump-ssh-writer kdump-nfs-writer kdump-raw-writer

$(eval $(call program,kdump-ssh-writer,helpers/kdump-ssh-writer.c $(FLAT_SRCS),$(shell $(PKG_CONFIG) --libs libssh2)))
$(eval $(call program,kdump-nfs-writer,helpers/kdump-nfs-writer.c $(FLAT_SRCS),$(shell $(PKG_CONFIG) --libs libnfs)))
$(eval $(call program,kdump-raw-writer,helpers/kdump-raw-writer.c $(FLAT_SRCS),$(shell $(PKG_CONFIG) --libs zlib)))

# rpcbind and iproute2: the NFSv3 test runs its own portmapper in a network
# namespace (test/net/test-nfs-writer.sh); netbase: /etc/services, where
# rpcbind finds its port (Debian 12's rpcbind does not pull it in)
DEB_DEPS += libssh2-1-dev libnfs-dev zlib1g-dev makedumpfile openssh-server \
	openssh-client openssh-sftp-server nfs-ganesha nfs-ganesha-vfs rpcbind \
	netbase iproute2 dracut-network python3 util-linux
