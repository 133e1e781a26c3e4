#!/bin/sh
# /etc/kernel/postrm.d/kdumpkit: Debian's kernel packages run it as
# "kdumpkit VERSION IMAGE" after a kernel is removed.
exec @LIBEXECDIR@/kernel-hook remove "$1"
