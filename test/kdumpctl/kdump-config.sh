# shellcheck shell=bash
# Conditions are single-quoted code, eval'd by kc_check; IMG is used there.
# shellcheck disable=SC2016,SC2034
# kdump-config (kdumpctl/kdump-config.c), sourced by run.sh for its fake
# roots and doubles (fresh, kd, $R, $LOG, ok, not_ok).  Every verb's output
# (stdout and stderr, the root written @SYSROOT@, the host's free space N)
# and exit status are
# compared with kdump-config/CASE, whose last line is "exit N";
# UPDATE=1 rewrites them.  Checks on the fake root follow where a verb
# changes it (or must not).

KDUMP_CONFIG=$WORK/bin/kdump-config
mkdir -p "$WORK/bin"
ln -sf "$KDUMPCTL" "$KDUMP_CONFIG"      # the name is what selects kdump-config
# kd with the binary under Debian's name
kc() { local KDUMPCTL=$KDUMP_CONFIG; kd "$@"; }

# kc_golden CASE ARGS...: kdump-config ARGS in $R against kdump-config/CASE.
kc_golden() {
        local name=$1 got=$WORK/kc-$1.got
        shift
        kc "$@"
        # the free space is the build host's
        { [ -z "$OUT" ] || printf '%s\n' "$OUT" | sed -e "s|$R|@SYSROOT@|g" -e 's/^Free space: [0-9]* MiB/Free space: N MiB/'
          echo "exit $RC"; } > "$got"
        if [ "${UPDATE:-}" = 1 ]; then
                cp "$got" "$HERE/kdump-config/$name"
                ok "kdump-config $*: $name (updated)"
        elif diff -u "$HERE/kdump-config/$name" "$got" > "$got.diff" 2>&1; then
                ok "kdump-config $*: $name"
        else
                not_ok "kdump-config $*: $name" "$(cat "$got.diff")"
        fi
}
# kc_check DESCRIPTION 'CONDITION': the whole condition, evaluated once.
kc_check() {
        if eval "$2"; then ok "kdump-config: $1"; else not_ok "kdump-config: $1" "rc=$RC" "$OUT"; fi
}
loaded() { [ "$(cat "$R/sys/kernel/kexec_crash_loaded")" = 1 ]; }
IMG=/var/lib/kdump/initramfs-${KVER}kdump.img

# ---- help, usage -------------------------------------------------------------
fresh kc-help
kc_golden help help
kc_golden usage
kc_golden unknown-verb frobnicate

# ---- test: a dry run of load ---------------------------------------------------
fresh kc-test
kc_golden test-fresh test
kc_check "test runs neither dracut nor kexec, builds and loads nothing" \
        '[ ! -e "$LOG/dracut.args" ] && [ ! -e "$LOG/kexec.args" ] && [ ! -e "$R$IMG" ] && ! loaded'
kc load
kc_golden test-up-to-date-loaded test
kc_check "test when loaded: shows the command, loads nothing again" \
        '[ "$(grep -c "^\$ kexec$" "$LOG/kexec.args")" = 1 ] && [ "$(dracut_runs)" = 1 ] && loaded'
fresh kc-test-nocrashkernel
sed -i 's/ crashkernel=256M//' "$R/proc/cmdline"
kc_golden test-no-crashkernel test
fresh kc-test-unsupported
rm "$R/sys/kernel/kexec_crash_loaded"
kc_golden test-unsupported test
kc_check "test of an unsupported kernel runs nothing" '[ ! -e "$LOG/dracut.args" ] && [ ! -e "$LOG/kexec.args" ]'
fresh kc-test-badconf
printf 'path /var/crash\npth /x\n' > "$R/etc/kdump.conf"
kc_golden test-bad-conf test

# ---- load, unload ------------------------------------------------------------------
fresh kc-load
kc_golden load load
kc_check "load builds the image and loads it" '[ "$(dracut_runs)" = 1 ] && [ -s "$R$IMG" ] && loaded'
kc_golden load-again load
kc_golden unload unload
kc_check "unload unloads" '! loaded && grep -qx -- -u "$LOG/kexec.args"'
KDUMP_TEST_KEXEC_FAIL=1 kc_golden load-kexec-fails load
KDUMP_TEST_KEXEC_FAIL=1 kc_golden unload-kexec-fails unload
fresh kc-load-nocrashkernel
sed -i 's/ crashkernel=256M//' "$R/proc/cmdline"
kc_golden load-no-crashkernel load
kc_check "load without crashkernel= builds nothing" '[ ! -e "$LOG/dracut.args" ] && ! loaded'
fresh kc-load-unsupported
rm "$R/sys/kernel/kexec_crash_loaded"
kc_golden load-unsupported load

# ---- status, show ---------------------------------------------------------------------
fresh kc-status
kc_golden status-not-loaded status
kc load
kc_golden status-loaded status
kc_golden show show
fresh kc-status-unsupported
rm "$R/sys/kernel/kexec_crash_loaded"
kc_golden status-unsupported status
kc_golden status-extra-arg status now

# ---- propagate -------------------------------------------------------------------------
fresh kc-propagate-local
kc_golden propagate-not-ssh propagate
kc_check "propagate without an ssh target runs no ssh tool" '[ ! -e "$LOG/ssh-copy-id.args" ]'
fresh kc-propagate
printf 'ssh kdump@dumphost\nsshkey /root/.ssh/kdump_id_ed25519\n' > "$R/etc/kdump.conf"
kc_golden propagate propagate
kc_check "propagate installs the key and pins the host key (kdumpctl propagate)" \
        '[ -f "$R/root/.ssh/kdump_id_ed25519" ] && grep -qx kdump@dumphost "$LOG/ssh-copy-id.args" && [ -s "$R/var/lib/kdump/known_hosts" ]'
KDUMP_TEST_SSH_FAIL=1 kc propagate
kc_check "propagate fails with exit 1 when ssh-copy-id does" '[ "$RC" = 1 ]'

# ---- savecore: kdumpctl's verb of that name ------------------------------------------------
# run.sh's capture_root: /proc/vmcore in the fake root, the real kdump-collect
fresh kc-savecore
kc_golden savecore-no-vmcore savecore
capture_root kc-savecore-ok
kc savecore
D=$(find "$R/var/crash" -mindepth 1 -maxdepth 1 -type d -name 'kdumptest-*')
kc_check "savecore saves /proc/vmcore as kdumpctl savecore does: exit 0, the dump whole, nothing loaded" \
        '[ "$RC" = 0 ] && [ -n "$D" ] && dump_saved "$D" && echo "$OUT" | grep -qF "kdump: saved vmcore to $D (" && [ ! -e "$LOG/kexec.args" ]'
capture_root kc-savecore-fail
KDUMP_TEST_MDF_FAIL=1 kc savecore
D=$(find "$R/var/crash" -mindepth 1 -maxdepth 1 -type d -name 'kdumptest-*')
kc_check "savecore with a failing collector: exit 1, vmcore-incomplete kept, no vmcore" \
        '[ "$RC" = 1 ] && [ -n "$D" ] && [ -e "$D/vmcore-incomplete" ] && [ ! -e "$D/vmcore" ]'

# ---- symlinks KVER ---------------------------------------------------------------------------
fresh kc-symlinks
kc_golden symlinks-no-kver symlinks
kc_golden symlinks-bad-kver symlinks 9.9.9-none
kc_golden symlinks-slash symlinks ../../etc
kc_check "a bad kernel version creates nothing" '[ ! -e "$R/var/lib/kdump/vmlinuz" ] && [ ! -e "$LOG/dracut.args" ]'
NEWK=6.12.0-new
mkdir -p "$R/lib/modules/$NEWK"; cp "$R/lib/modules/$KVER/modules.dep" "$R/lib/modules/$NEWK/"
printf 'fake kernel %s\n' "$NEWK" > "$R/boot/vmlinuz-$NEWK"
kc_golden symlinks symlinks "$NEWK"
kc_check "symlinks: vmlinuz and initrd.img point at the kernel and its new capture image" \
        '[ "$(readlink "$R/var/lib/kdump/vmlinuz")" = "/boot/vmlinuz-$NEWK" ] \
         && [ "$(readlink "$R/var/lib/kdump/initrd.img")" = "/var/lib/kdump/initramfs-${NEWK}kdump.img" ] \
         && [ -s "$R/var/lib/kdump/initramfs-${NEWK}kdump.img" ] && [ "$(dracut_runs)" = 1 ] \
         && grep -qx "$NEWK" "$LOG/dracut.args"'
kc_golden symlinks-switch symlinks "$KVER"
kc_check "symlinks again: the links replaced, not what they pointed at" \
        '[ "$(readlink "$R/var/lib/kdump/vmlinuz")" = "/boot/vmlinuz-$KVER" ] \
         && [ "$(cat "$R/boot/vmlinuz-$NEWK")" = "fake kernel $NEWK" ] \
         && [ "$(readlink "$R/var/lib/kdump/initrd.img")" = "$IMG" ] && [ "$(dracut_runs)" = 2 ]'
kc symlinks "$KVER"
kc_check "symlinks with the image up to date builds nothing" '[ "$RC" = 0 ] && [ "$(dracut_runs)" = 2 ]'
kc load
kc_golden symlinks-loaded symlinks "$NEWK"
kc_check "symlinks while loaded changes nothing" '[ "$(readlink "$R/var/lib/kdump/vmlinuz")" = "/boot/vmlinuz-$KVER" ]'
fresh kc-symlinks-dracut-fails
KDUMP_TEST_DRACUT_FAIL=1 kc_golden symlinks-build-fails symlinks "$KVER"
kc_check "symlinks without an image leaves no link" '[ ! -e "$R/var/lib/kdump/vmlinuz" ] && [ ! -L "$R/var/lib/kdump/initrd.img" ]'

# ---- /etc/default/kdump-tools against kdump.conf ------------------------------------------------
# Debian's file as packaged (its comments, its defaults) and kdump.conf
# agree: no warning.
defaults_agree() {
        mkdir -p "$R/etc/default"
        cat > "$R/etc/default/kdump-tools" <<'EOF'
# kdump-tools configuration
USE_KDUMP=1
KDUMP_KERNEL=/var/lib/kdump/vmlinuz
KDUMP_INITRD=/var/lib/kdump/initrd.img
KDUMP_COREDIR="/var/crash"
#KDUMP_FAIL_CMD="reboot -f"
#KDUMP_DUMP_DMESG=
KDUMP_NUM_DUMPS=
#MAKEDUMP_ARGS="-c -d 31"
# kdumpkit appends these itself; the unit is Debian's capture service
KDUMP_CMDLINE_APPEND="reset_devices systemd.unit=kdump-tools-dump.service nr_cpus=1 irqpoll"
export HOSTTAG=hostname   # as kdumpkit names them
EOF
}
fresh kc-defaults-agree
defaults_agree
kc_golden defaults-agree status
kc_check "an agreeing /etc/default/kdump-tools: no warning" '[ "$RC" = 1 ] && ! echo "$OUT" | grep -q "^warning"'
fresh kc-defaults-agree-more
defaults_agree
printf 'path /srv/crash\nfailure_action shell\nkeep_dumps 3\ncore_collector makedumpfile -F -c -d 31\nsshkey /root/.ssh/k\n' \
        > "$R/etc/kdump.conf"
printf 'ssh kdump@dumphost\nnfs nfs.example.com:/export\n' >> "$R/etc/kdump.conf"
mkdir -p "$R/etc/sysconfig"
printf 'KEXEC_ARGS="--elf64-core-headers -d"\nKDUMP_COMMANDLINE_APPEND="nousb"\n' > "$R/etc/sysconfig/kdump"
cat >> "$R/etc/default/kdump-tools" <<'EOF'
KDUMP_COREDIR=/srv/crash
KDUMP_FAIL_CMD=/bin/bash
KDUMP_NUM_DUMPS=3
MAKEDUMP_ARGS="-c -d 31"
KDUMP_KEXEC_ARGS='--elf64-core-headers  -d'
KDUMP_CMDLINE_APPEND=nousb
SSH=kdump@dumphost
SSH_KEY=/root/.ssh/k
NFS="nfs.example.com:/export"
EOF
kc propagate
kc_check "every mapped variable agreeing with kdump.conf and /etc/sysconfig/kdump: no warning" \
        '! echo "$OUT" | grep -q "^warning"'
fresh kc-defaults-disagree
mkdir -p "$R/etc/default"
cat > "$R/etc/default/kdump-tools" <<'EOF'
USE_KDUMP=0
KDUMP_KERNEL=/boot/vmlinuz-other
KDUMP_INITRD=/boot/initrd.img-other
KDUMP_COREDIR=/srv/crash
KDUMP_COREDIR="/srv/crash2"    # the last one counts
KDUMP_FAIL_CMD="reboot -f"
KDUMP_FAIL_CMD="echo 'makedumpfile FAILED.'; /bin/bash; reboot -f"
KDUMP_DUMP_DMESG=0
KDUMP_NUM_DUMPS=5
KDUMP_COMPRESSION=xz
DEBUG_KERNEL=/usr/lib/debug/vmlinux
MAKEDUMP_ARGS="-c -d 1"
KDUMP_KEXEC_ARGS="--elf64-core-headers"
KDUMP_CMDLINE="root=/dev/sda1 ro"
KDUMP_CMDLINE_APPEND="nr_cpus=1 nousb"
KDUMP_SYSCTL="kernel.panic_on_oops=1"
HOSTTAG=ip
NFS=nfs.example.com:/export
NFS_TIMEO=600
NFS_RETRANS=3
SSH="kdump@dumphost"
SSH_KEY=/root/.ssh/other
FTP=ftp.example.com:/dumps
FTP_PASSWORD=secret
SOMETHING_ELSE=whatever
echo this is a command
KDUMP_CMDLINE=a b
EOF
kc_golden defaults-disagree status
kc_check "the warnings do not change the exit status, and never show FTP_PASSWORD" \
        '[ "$RC" = 1 ] && [ "$(echo "$OUT" | grep -c "^warning: $R/etc/default/kdump-tools:")" = 24 ] && ! echo "$OUT" | grep -q secret'
kc load
kc_check "load with a disagreeing file warns and loads: exit 0" '[ "$RC" = 0 ] && loaded && echo "$OUT" | grep -q "^warning: .*USE_KDUMP=0"'
kc_golden defaults-disagree-loaded status
