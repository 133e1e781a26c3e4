#!/bin/sh
# /etc/kernel/postinst.d/kdumpkit: Debian's kernel packages run it as
# "kdumpkit VERSION IMAGE" after a kernel is installed.
# kdumpkit removed but not purged: this file (a conffile) stays, the hook is gone
[ -x @LIBEXECDIR@/kernel-hook ] || exit 0
exec @LIBEXECDIR@/kernel-hook add "$1"
