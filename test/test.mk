# test/: checks of the documentation against the parser, and shell lint.
$(eval $(call test_program,print-directives,test/print-directives.c,))

CHECK_FAST += check-docs
.PHONY: check-docs
check-docs: $(B)/test/print-directives
	$(Q)$(B)/test/print-directives > $(B)/directives.txt
	$(Q)sh test/lint-docs.sh $(B)/directives.txt
