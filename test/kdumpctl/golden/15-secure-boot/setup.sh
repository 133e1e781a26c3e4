# shellcheck shell=bash
# Sourced by run.sh with $R (the fake root) and $KVER set.
d="$R/sys/firmware/efi/efivars"; mkdir -p "$d"; printf "\006\000\000\000\001" > "$d/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c"; printf "\006\000\000\000\000" > "$d/SetupMode-8be4df61-93ca-11d2-aa0d-00e098032b8c"
