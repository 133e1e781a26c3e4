# shellcheck shell=bash
# Sourced by run.sh with $R (the fake root) and $KVER set.
printf "#!/bin/sh\n" > "$R/usr/sbin/tool"; chmod +x "$R/usr/sbin/tool"
