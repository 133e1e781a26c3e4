# shellcheck shell=bash
# Sourced by run.sh with $R (the fake root) and $KVER set.
mkdir -p "$R/etc/sysconfig"; printf "%s\n" "# Fedora-style" "KDUMP_COMMANDLINE_REMOVE=\"console\"" "KDUMP_COMMANDLINE_APPEND=\"foo=1 irqpoll\"" "KEXEC_ARGS=\"--debug\"" > "$R/etc/sysconfig/kdump"
