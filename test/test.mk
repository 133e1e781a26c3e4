# test/: checks of the documentation against the parser (every directive
# documented, and its effect tested: test/directive-effects), and shell lint.
$(eval $(call test_program,print-directives,test/print-directives.c,))

CHECK_FAST += check-docs
.PHONY: check-docs
check-docs: $(B)/test/print-directives
	$(Q)$(B)/test/print-directives > $(B)/directives.txt
	$(Q)sh test/lint-docs.sh $(B)/directives.txt
	$(Q)sh test/check-directive-effects.sh $(B)/directives.txt
	$(Q)grep -v '^path ' test/directive-effects >$(B)/effects-no-path && \
	if KDUMP_EFFECTS=$(B)/effects-no-path sh test/check-directive-effects.sh $(B)/directives.txt >$(B)/effects-no-path.out; \
	then echo "not ok - the effect check passes with path's tests left out"; exit 1; \
	elif grep -q "^not ok - path: kdump.conf(5) documents it, but no test" $(B)/effects-no-path.out; \
	then echo "ok - the effect check fails when a directive has no effect test"; \
	else echo "not ok - the effect check failed without naming path"; exit 1; fi

# Every shell script of the tests (test/vm/ has check-vm-lint), as the rules
# say: shellcheck-clean, with each exception named where it is made.
TEST_SHELL := $(sort $(shell find test -path test/vm -prune -o -name '*.sh' -print))
CHECK_FAST += check-test-lint
.PHONY: check-test-lint
check-test-lint:
	$(Q)shellcheck -x $(TEST_SHELL) && echo "ok - $(words $(TEST_SHELL)) test shell scripts pass shellcheck"
