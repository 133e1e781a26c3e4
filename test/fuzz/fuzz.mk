# test/fuzz/: bounded libFuzzer runs (clang; no clang is a failure) of the
# parsers of untrusted input: kdump.conf, the raw target's header (from a
# crashed machine's disk) and the flattened stream the writers read.
FUZZ_SECONDS ?= 60
FUZZ_SECONDS_IO ?= 20
CLANG ?= clang
HAVE_CLANG := $(shell command -v $(CLANG) >/dev/null 2>&1 && echo yes)
# libclang-rt-dev: the fuzzer runtime of the suite's default clang (libclang-rt-14-dev
# on Debian 12, -19- on 13, ...), from the same source package as clang
DEB_DEPS += clang libclang-rt-dev

$(B)/test/fuzz-kdump-conf: test/fuzz/fuzz-kdump-conf.c lib/kdump-conf.c lib/shellwords.c lib/strv.c
	@mkdir -p $(dir $@)
	$(Q)$(CLANG) -std=gnu11 -g -O1 -D_GNU_SOURCE -Ilib -fsanitize=fuzzer,address,undefined -o $@ $^

$(B)/test/fuzz-raw-header: test/fuzz/fuzz-raw-header.c lib/rawdump.c lib/dumpdir.c
	@mkdir -p $(dir $@)
	$(Q)$(CLANG) -std=gnu11 -g -O1 -D_GNU_SOURCE -Ilib -fsanitize=fuzzer,address,undefined -o $@ $^ -lz

$(B)/test/fuzz-flatten: test/fuzz/fuzz-flatten.c helpers/flatten.c
	@mkdir -p $(dir $@)
	$(Q)$(CLANG) -std=gnu11 -g -O1 -D_GNU_SOURCE -Ilib -Ihelpers -fsanitize=fuzzer,address,undefined -o $@ $^

# fuzz_run NAME CORPUS SECONDS MAX_LEN
define fuzz_run
	@rm -rf $(B)/fuzz-$(1) && mkdir -p $(B)/fuzz-$(1) && cp $(2)/* $(B)/fuzz-$(1)/
	$(Q)$(B)/test/fuzz-$(1) -max_total_time=$(3) -max_len=$(4) -timeout=10 \
		-print_final_stats=1 $(B)/fuzz-$(1) 2>$(B)/fuzz-$(1).log || { tail -50 $(B)/fuzz-$(1).log; exit 1; }
	@grep -E 'stat::number_of_executed_units' $(B)/fuzz-$(1).log | tail -1
endef

CHECK_FAST += check-fuzz
.PHONY: check-fuzz
ifeq ($(HAVE_CLANG),yes)
check-fuzz: $(B)/test/fuzz-kdump-conf $(B)/test/fuzz-raw-header $(B)/test/fuzz-flatten
	$(call fuzz_run,kdump-conf,test/fuzz/corpus,$(FUZZ_SECONDS),4096)
	@echo "fuzz: kdump.conf parser ran $(FUZZ_SECONDS)s without a crash"
	$(call fuzz_run,raw-header,test/fuzz/corpus-raw,$(FUZZ_SECONDS_IO),8192)
	@echo "fuzz: raw header reader ran $(FUZZ_SECONDS_IO)s without a crash"
	$(call fuzz_run,flatten,test/fuzz/corpus-flatten,$(FUZZ_SECONDS_IO),16384)
	@echo "fuzz: flattened-stream reader ran $(FUZZ_SECONDS_IO)s without a crash"
else
check-fuzz:
	@echo "fuzz: not run: $(CLANG) is not installed (make deps installs it)"; exit 1
endif
