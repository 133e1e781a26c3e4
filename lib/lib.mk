# lib/: code shared by kdumpctl (first kernel) and the capture helpers.
LIB_SRCS := $(wildcard lib/*.c)
LIBKDUMP := $(B)/libkdump.a
LIBKDUMP_ASAN := $(B)/asan/libkdump.a

$(LIBKDUMP): $(LIB_SRCS:%.c=$(O)/%.o)
	$(Q)$(AR) rcs $@ $^
$(LIBKDUMP_ASAN): $(LIB_SRCS:%.c=$(OA)/%.o)
	@mkdir -p $(dir $@)
	$(Q)$(AR) rcs $@ $^
