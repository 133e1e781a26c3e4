# kdumpctl/: the first-kernel tool.
KDUMPCTL_SRCS := $(wildcard kdumpctl/*.c)
KDUMPCTL_OBJS := $(KDUMPCTL_SRCS:%.c=$(O)/%.o)
KDUMPCTL_LIBS := $(shell $(PKG_CONFIG) --libs mount libcrypto 2>/dev/null)
SBIN_PROGS += kdumpctl

$(O)/kdumpctl/%.o: override CFLAGS += $(shell $(PKG_CONFIG) --cflags mount libcrypto 2>/dev/null)

$(B)/kdumpctl: $(KDUMPCTL_OBJS) $(LIBKDUMP)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(KDUMPCTL_LIBS)
