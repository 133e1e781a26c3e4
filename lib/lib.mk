# lib/: code shared by kdumpctl (first kernel) and the capture helpers.
LIB_SRCS := lib/kdump-conf.c lib/shellwords.c lib/strv.c lib/log.c
LIB_OBJS := $(LIB_SRCS:%.c=$(O)/%.o)
LIBKDUMP := $(B)/libkdump.a

$(LIBKDUMP): $(LIB_OBJS)
	$(Q)$(AR) rcs $@ $^
