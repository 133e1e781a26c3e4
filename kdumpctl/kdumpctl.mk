# kdumpctl/: the first-kernel tool.
KDUMPCTL_SRCS := $(wildcard kdumpctl/*.c)
KDUMPCTL_LIBS := $(shell $(PKG_CONFIG) --libs mount libcrypto zlib 2>/dev/null)
SBIN_PROGS += kdumpctl
$(eval $(call program,kdumpctl,$(KDUMPCTL_SRCS),$(KDUMPCTL_LIBS)))
