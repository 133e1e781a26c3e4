# shellcheck shell=bash
# Sourced by run.sh with $R (the fake root) and $KVER set.
mkdir -p "$R/usr/local/bin"; for f in /usr/bin/pre.sh /usr/local/bin/post.sh; do printf "#!/bin/sh\n" > "$R$f"; chmod +x "$R$f"; done
