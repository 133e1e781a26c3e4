# make demo: the first command for a newcomer (see test/vm/demo.sh).
demo: deps
	$(Q)$(MAKE) --no-print-directory all
	test/vm/demo.sh
