#!/bin/sh
# /etc/kernel/postrm.d/kdumpkit: Debian's kernel packages run it as
# "kdumpkit VERSION IMAGE" after a kernel is removed.
# kdumpkit removed but not purged: this file (a conffile) stays, the hook is gone
[ -x @LIBEXECDIR@/kernel-hook ] || exit 0
exec @LIBEXECDIR@/kernel-hook remove "$1"
