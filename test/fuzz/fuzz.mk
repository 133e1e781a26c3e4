# test/fuzz/: a bounded libFuzzer run of the parser (clang; no clang is a failure).
FUZZ_SECONDS ?= 60
CLANG ?= clang
HAVE_CLANG := $(shell command -v $(CLANG) >/dev/null 2>&1 && echo yes)
# libclang-rt-dev: the fuzzer runtime of the suite's default clang (libclang-rt-14-dev
# on Debian 12, -19- on 13, ...), from the same source package as clang
DEB_DEPS += clang libclang-rt-dev

$(B)/test/fuzz-kdump-conf: test/fuzz/fuzz-kdump-conf.c lib/kdump-conf.c lib/shellwords.c lib/strv.c
	@mkdir -p $(dir $@)
	$(Q)$(CLANG) -std=gnu11 -g -O1 -D_GNU_SOURCE -Ilib -fsanitize=fuzzer,address,undefined -o $@ $^

CHECK_FAST += check-fuzz
.PHONY: check-fuzz
ifeq ($(HAVE_CLANG),yes)
check-fuzz: $(B)/test/fuzz-kdump-conf
	@rm -rf $(B)/fuzz-corpus && mkdir -p $(B)/fuzz-corpus && cp test/fuzz/corpus/* $(B)/fuzz-corpus/
	$(Q)$(B)/test/fuzz-kdump-conf -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -timeout=10 \
		-print_final_stats=1 $(B)/fuzz-corpus 2>$(B)/fuzz.log || { tail -50 $(B)/fuzz.log; exit 1; }
	@grep -E 'stat::number_of_executed_units|Done' $(B)/fuzz.log | tail -2
	@echo "fuzz: kdump.conf parser ran $(FUZZ_SECONDS)s without a crash"
else
check-fuzz:
	@echo "fuzz: not run: $(CLANG) is not installed (make deps installs it)"; exit 1
endif
