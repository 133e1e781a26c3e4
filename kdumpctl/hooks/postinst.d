#!/bin/sh
# /etc/kernel/postinst.d/kdumpkit: Debian's kernel packages run it as
# "kdumpkit VERSION IMAGE" after a kernel is installed.
exec @LIBEXECDIR@/kernel-hook add "$1"
