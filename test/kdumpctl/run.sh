#!/bin/bash
# ok() and not_ok() always succeed, so "test && ok || not_ok" is an if-else.
# Changes to the fake root are single-quoted code, eval'd later.
# shellcheck disable=SC2015,SC2016
# kdumpctl against fake roots: KDUMP_SYSROOT points every /proc, /sys, /boot,
# /etc, /var and /run path into a temporary tree, and recording doubles for
# dracut, kexec and the ssh tools come first in PATH.
#
#   test/kdumpctl/run.sh            run everything
#   UPDATE=1 test/kdumpctl/run.sh   rewrite the golden expectations (review the diff!)
#   KDUMPCTL=build/kdumpctl ...     another binary (default: the ASan build)
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
KDUMPCTL=${KDUMPCTL:-$TOP/build/asan/kdumpctl}
FIXTURE=${FIXTURE:-$TOP/build/test/kdumpctl-raw-fixture}
GENERATOR=${GENERATOR:-$TOP/build/asan/kdump-target-generator}
KVER=6.1.0-test

WORK=$(mktemp -d "${TMPDIR:-/tmp}/kdumpctl-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

pass=0
fail=0
ok()     { echo "ok - $1"; pass=$((pass + 1)); }
not_ok() { echo "not ok - $1"; shift; for l in "$@"; do echo "#   $l"; done; fail=$((fail + 1)); }

# A fake machine: root on an ext4 UUID, /mnt/dumps on a labelled ext4,
# 256M of crash memory reserved, nothing loaded.
make_root() {
        local r=$1
        rm -rf "$r"
        mkdir -p "$r"/proc/self "$r"/proc/sys/kernel "$r"/sys/kernel "$r"/boot "$r"/etc \
                "$r"/var/lib "$r"/run/lock "$r"/usr/lib/dracut/modules.d/99kdumpbase \
                "$r"/usr/lib/dracut/modules.d/99kdump-ssh "$r"/usr/lib/dracut/modules.d/40network \
                "$r"/usr/libexec/kdumpkit \
                "$r"/lib/modules/$KVER/kernel/fs/xfs "$r"/lib/modules/$KVER/kernel/drivers/block \
                "$r"/usr/bin "$r"/usr/sbin "$r"/dev "$r"/var/crash
        echo "BOOT_IMAGE=/vmlinuz-$KVER root=UUID=1111-root ro quiet crashkernel=256M hugepages=16 console=ttyS0,115200" \
                > "$r"/proc/cmdline
        echo "$KVER" > "$r"/proc/sys/kernel/osrelease
        echo kdumptest > "$r"/proc/sys/kernel/hostname
        printf 'processor\t: 0\ninitial apicid\t: 0\n\nprocessor\t: 1\ninitial apicid\t: 2\n' > "$r"/proc/cpuinfo
        printf 'MemTotal:        4000000 kB\n' > "$r"/proc/meminfo
        : > "$r"/proc/sysrq-trigger
        cat > "$r"/proc/self/mountinfo <<EOF
21 1 254:2 / / rw,relatime shared:1 - ext4 /dev/vda2 rw,errors=remount-ro
22 21 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw
23 21 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:2 - sysfs sysfs rw
24 21 254:17 / /mnt/dumps rw,relatime shared:30 - ext4 /dev/vdb1 rw
EOF
        cat > "$r"/etc/fstab <<EOF
# <file system> <mount point> <type> <options> <dump> <pass>
UUID=1111-root / ext4 errors=remount-ro 0 1
LABEL=dumps /mnt/dumps ext4 defaults,nofail 0 2
EOF
        echo 268435456 > "$r"/sys/kernel/kexec_crash_size
        echo 0 > "$r"/sys/kernel/kexec_crash_loaded
        printf 'fake kernel %s\n' "$KVER" > "$r"/boot/vmlinuz-$KVER
        echo 'DRACUT_VERSION=059-4' > "$r"/usr/lib/dracut/dracut-version.sh
        echo '# base' > "$r"/usr/lib/dracut/modules.d/99kdumpbase/module-setup.sh
        echo '# ssh' > "$r"/usr/lib/dracut/modules.d/99kdump-ssh/module-setup.sh
        echo '# not ours' > "$r"/usr/lib/dracut/modules.d/99base-not-ours 2>/dev/null || true
        printf '#!/bin/sh\n' > "$r"/usr/libexec/kdumpkit/kdump-collect
        chmod +x "$r"/usr/libexec/kdumpkit/kdump-collect
        cp "$HERE/doubles/kdump-ssh-writer" "$HERE/doubles/kdump-nfs-writer" "$r"/usr/libexec/kdumpkit/
        printf 'kernel/fs/xfs/xfs.ko.xz:\nkernel/drivers/block/virtio_blk.ko.xz:\n' > "$r"/lib/modules/$KVER/modules.dep
        echo xfs-v1 > "$r"/lib/modules/$KVER/kernel/fs/xfs/xfs.ko.xz
        echo vblk-v1 > "$r"/lib/modules/$KVER/kernel/drivers/block/virtio_blk.ko.xz
        printf '#!/bin/sh\n' > "$r"/usr/bin/lftp
        chmod +x "$r"/usr/bin/lftp
        : > "$r"/dev/sdb
        mknod "$r"/dev/null c 1 3       # what a --sysroot tree's dracut needs
        printf '#!/bin/sh\n' > "$r"/usr/bin/dracut && chmod +x "$r"/usr/bin/dracut
        truncate -s 1M "$r"/dev/sdb
        printf 'path /var/crash\n' > "$r"/etc/kdump.conf
}

# kdumpctl ARGS... in root $R with the doubles; output in $OUT, status in $RC.
R="" LOG="" OUT="" RC=""
kd() {
        OUT=$(env PATH="$HERE/doubles:$PATH" KDUMP_SYSROOT="$R" KDUMP_TEST_LOG="$LOG" \
                KDUMP_ARCH="${ARCH:-x86_64}" KDUMP_LIBEXECDIR=/usr/libexec/kdumpkit \
                KDUMP_DRACUTMODDIR=/usr/lib/dracut/modules.d KDUMP_LOCK_TIMEOUT="${LOCK_TIMEOUT:-10}" \
                "$KDUMPCTL" "$@" 2>&1)
        RC=$?
}
eval "$(declare -f kd | sed 's/^kd /kd_default /')"

fresh() {
        R=$WORK/$1/root
        LOG=$WORK/$1/log
        make_root "$R"
        mkdir -p "$LOG"
        rm -f "$LOG"/*
}

# how often the double PROGRAM ran
runs() { if [ -f "$LOG/$1.args" ]; then grep -c "^\\$ $1\$" "$LOG/$1.args"; else echo 0; fi; }
dracut_runs() { grep -c '^\$ dracut$' "$LOG/dracut.args" 2>/dev/null || echo 0; }
normalize() { sed "s|$R|@SYSROOT@|g" "$1"; }

# ---- golden: dracut and kexec argv per configuration -----------------------
# golden/NAME/kdump.conf is the configuration; golden/NAME/setup.sh (optional)
# edits the fake root ($R); golden/NAME/args holds the kdumpctl arguments
# (default: start); expected: dracut.args, kexec.args, baked.conf, and
# units/ (optional): what kdump-target-generator makes of that baked.conf in
# the capture kernel, whose command line is the kexec one (or cmdline).
golden_units() {
        local dir=$1 got=$WORK/golden-$name/units cmdline=$WORK/golden-$name/cmdline
        [ -d "$dir/units" ] || return 0        # to start one: mkdir units, UPDATE=1
        rm -rf "$got" && mkdir -p "$got/early" "$got/late" "$got/normal"
        sed -n 's/^--command-line=//p' "$LOG/kexec.args" 2>/dev/null | tail -n1 > "$cmdline"
        [ -s "$cmdline" ] || cat "$dir/cmdline" > "$cmdline" 2>/dev/null || echo "root=UUID=1111-root" > "$cmdline"
        KDUMP_LOG_STDERR=1 KDUMP_CONF=$LOG/baked.conf KDUMP_PROC_CMDLINE=$cmdline \
                "$GENERATOR" "$got/normal" "$got/early" "$got/late" > "$got/stderr" 2>&1 \
                || { bad="$bad units(generator failed: $(head -c 300 "$got/stderr"))"; return 0; }
        if [ "${UPDATE:-}" = 1 ]; then
                rm -rf "$dir/units" && cp -a "$got/normal" "$dir/units"
        elif ! diff -ru "$dir/units" "$got/normal" > "$WORK/golden-$name/units.diff"; then
                bad="$bad units"
        fi
}
for dir in "$HERE"/golden/*/; do
        name=$(basename "$dir")
        fresh "golden-$name"
        cp "$dir/kdump.conf" "$R/etc/kdump.conf"
        unset KDUMP_ROUTE_OVERRIDE      # a setup.sh may export it for its case
        # shellcheck disable=SC1091
        [ -f "$dir/setup.sh" ] && . "$dir/setup.sh"
        args=start
        [ -f "$dir/args" ] && args=$(sed "s|@SYSROOT@|$R|g" "$dir/args")
        # shellcheck disable=SC2086
        kd $args
        if [ "$RC" != 0 ]; then
                not_ok "golden $name: kdumpctl $args exited $RC" "$OUT"
                continue
        fi
        bad=
        for f in dracut.args kexec.args baked.conf; do
                [ -f "$LOG/$f" ] || continue
                normalize "$LOG/$f" > "$WORK/golden-$name/$f.got"
                if [ "${UPDATE:-}" = 1 ]; then
                        cp "$WORK/golden-$name/$f.got" "$dir/$f"
                elif ! diff -u "$dir/$f" "$WORK/golden-$name/$f.got" > "$WORK/golden-$name/$f.diff"; then
                        bad="$bad $f"
                fi
        done
        for f in dracut.args kexec.args baked.conf; do
                [ -f "$dir/$f" ] && [ ! -f "$LOG/$f" ] && bad="$bad $f(not-produced)"
        done
        golden_units "$dir"
        if [ -z "$bad" ]; then
                ok "golden $name"
        else
                not_ok "golden $name: differs:$bad" "$(cat "$WORK/golden-$name"/*.diff 2>/dev/null)"
        fi
done
unset KDUMP_ROUTE_OVERRIDE

# ---- acceptance -------------------------------------------------------------
fresh accept
kd start
[ "$RC" = 0 ] && [ "$(dracut_runs)" = 1 ] && ok "start builds and loads" || not_ok "start builds and loads" "rc=$RC" "$OUT"
[ "$(stat -c %a "$R/var/lib/kdump/initramfs-${KVER}kdump.img" 2>/dev/null)" = 600 ] \
        && ok "image is mode 0600" || not_ok "image is mode 0600"
[ ! -e "$R/var/lib/kdump/initramfs-${KVER}kdump.img.tmp" ] && [ ! -e "$R/var/lib/kdump/initramfs-${KVER}kdump.img.conf.tmp" ] \
        && ok "no temporary files left" || not_ok "no temporary files left" "$(ls "$R/var/lib/kdump")"
echo 0 > "$R/sys/kernel/kexec_crash_loaded"
kd start
[ "$RC" = 0 ] && [ "$(dracut_runs)" = 1 ] && ok "second start does not run dracut" \
        || not_ok "second start does not run dracut" "rc=$RC runs=$(dracut_runs)" "$OUT"
grep -c '^\$ kexec$' "$LOG/kexec.args" | grep -qx 2 && ok "second start loads again" || not_ok "second start loads again"
kd start
echo "$OUT" | grep -q "already running" && [ "$RC" = 0 ] && [ "$(dracut_runs)" = 1 ] \
        && ok "start when loaded: already running" || not_ok "start when loaded: already running" "$OUT"

echo 0 > "$R/sys/kernel/kexec_crash_loaded"
printf '# a comment\npath /var/crash   # trailing comment\n\n' > "$R/etc/kdump.conf"
kd start
[ "$RC" = 0 ] && [ "$(dracut_runs)" = 1 ] && ok "comment-only change does not rebuild" \
        || not_ok "comment-only change does not rebuild" "$OUT"

echo 0 > "$R/sys/kernel/kexec_crash_loaded"
printf 'path /var/crash/new\n' > "$R/etc/kdump.conf"
kd show
[ "$RC" = 0 ] && echo "$OUT" | grep -q "Rebuild needed: yes" && echo "$OUT" | grep -q "kdump.conf 'path' changed" \
        && ok "show names the path change" || not_ok "show names the path change" "$OUT"
kd start
[ "$RC" = 0 ] && [ "$(dracut_runs)" = 2 ] && echo "$OUT" | grep -q "Rebuilding: kdump.conf 'path' changed" \
        && ok "path change rebuilds and says why" || not_ok "path change rebuilds and says why" "$OUT"
kd show
echo "$OUT" | grep -q "Rebuild needed: no" && ok "show after rebuild: up to date" || not_ok "show after rebuild: up to date" "$OUT"

# ---- start with kdump loaded: rebuilt and reloaded when anything changed ---
fresh loaded
kd start
kexec_runs() { grep -c '^\$ kexec$' "$LOG/kexec.args" 2>/dev/null || echo 0; }
unloads() { grep -c '^-u$' "$LOG/kexec.args" 2>/dev/null || echo 0; }
printf 'path /var/crash/elsewhere\n' > "$R/etc/kdump.conf"
kd start
if [ "$RC" = 0 ] && [ "$(dracut_runs)" = 2 ] && [ "$(unloads)" = 1 ] && [ "$(kexec_runs)" = 3 ] \
        && echo "$OUT" | grep -qF "Kdump is loaded, but its image is out of date (kdump.conf 'path' changed): rebuilding and reloading." \
        && ! echo "$OUT" | grep -q "already running"; then
        ok "start when loaded and kdump.conf changed: says so, rebuilds, unloads and loads"
else
        not_ok "start when loaded, conf changed" "rc=$RC runs=$(dracut_runs) unloads=$(unloads)" "$OUT"
fi
kd start
[ "$RC" = 0 ] && [ "$(dracut_runs)" = 2 ] && [ "$(kexec_runs)" = 3 ] && echo "$OUT" | grep -qx "kdumpctl: Kdump already running." \
        && ok "start when loaded and nothing changed: already running" || not_ok "start loaded, unchanged" "$OUT"
kd rebuild
kd start
if [ "$RC" = 0 ] && [ "$(dracut_runs)" = 3 ] && [ "$(unloads)" = 2 ] \
        && echo "$OUT" | grep -qF "Kdump is loaded, but not with the current image or command line: reloading."; then
        ok "start after 'rebuild' while loaded: reloads the new image without building again"
else
        not_ok "start after rebuild while loaded" "rc=$RC runs=$(dracut_runs) unloads=$(unloads)" "$OUT"
fi
printf 'KDUMP_COMMANDLINE_APPEND="nr_cpus=1 quiet"\n' > "$R/etc/sysconfig-kdump.tmp"
mkdir -p "$R/etc/sysconfig"; mv "$R/etc/sysconfig-kdump.tmp" "$R/etc/sysconfig/kdump"
kd start
[ "$RC" = 0 ] && [ "$(unloads)" = 3 ] && echo "$OUT" | grep -q "reloading" \
        && ok "start when loaded and the capture command line changed: reloads" || not_ok "start loaded, cmdline changed" "$OUT"
rm "$R/run/kdump/loaded"
kd start
[ "$RC" = 0 ] && [ "$(unloads)" = 3 ] && echo "$OUT" | grep -qF "Kdump already running (loaded by something other than 'kdumpctl start'" \
        && ok "start when loaded by something else: left alone, says how to reload" || not_ok "start loaded elsewhere" "$OUT"
kd stop
[ "$RC" = 0 ] && [ ! -e "$R/run/kdump/loaded" ] && ok "stop forgets what was loaded" || not_ok "stop forgets" "$OUT"

# ---- kernel hooks: a new kernel's image at install, gone at removal ---------
# the hooks as installed, pointing at the ASan kdumpctl and the source hook
HOOKS=$WORK/hooks
mkdir -p "$HOOKS"
sed "s|@SBINDIR@/kdumpctl|$KDUMPCTL|" "$TOP/kdumpctl/hooks/kernel-hook" > "$HOOKS/kernel-hook"
for h in postinst.d postrm.d 92-kdumpkit.install; do
        sed "s|@LIBEXECDIR@|$HOOKS|" "$TOP/kdumpctl/hooks/$h" > "$HOOKS/$h"
done
chmod +x "$HOOKS"/*
# The hook asks Debian's ischroot whether it runs in a chroot; these tests
# decide the answer, also when they run in one (make check-fast-chroot).
for c in not-chroot:1 in-chroot:0; do
        mkdir -p "$WORK/${c%:*}"
        printf '#!/bin/sh\nexit %s\n' "${c#*:}" > "$WORK/${c%:*}/ischroot"
        chmod +x "$WORK/${c%:*}/ischroot"
done
hook() {
        OUT=$(env PATH="$WORK/${HOOK_ISCHROOT:-not-chroot}:$HERE/doubles:$PATH" KDUMP_SYSROOT="$R" KDUMP_TEST_LOG="$LOG" KDUMP_ARCH=x86_64 \
                KDUMP_LIBEXECDIR=/usr/libexec/kdumpkit KDUMP_DRACUTMODDIR=/usr/lib/dracut/modules.d \
                "$@" 2>&1)
        RC=$?
}
fresh hooks
NEWK=6.12.0-new
mkdir -p "$R/lib/modules/$NEWK"; cp "$R/lib/modules/$KVER/modules.dep" "$R/lib/modules/$NEWK/"
printf 'fake kernel %s\n' "$NEWK" > "$R/boot/vmlinuz-$NEWK"
NEWIMG=$R/var/lib/kdump/initramfs-${NEWK}kdump.img
hook "$HOOKS/postinst.d" "$NEWK" "/boot/vmlinuz-$NEWK"
if [ "$RC" = 0 ] && [ -s "$NEWIMG" ] && [ -s "$NEWIMG.manifest" ] && [ "$(dracut_runs)" = 1 ] \
        && grep -qx -- "--kver" "$LOG/dracut.args" && grep -qx "$NEWK" "$LOG/dracut.args"; then
        ok "postinst.d hook builds the new kernel's capture image"
else
        not_ok "postinst.d hook builds" "rc=$RC runs=$(dracut_runs)" "$OUT" "$(ls "$R/var/lib/kdump" 2>&1)"
fi
hook "$HOOKS/postinst.d" "$NEWK" "/boot/vmlinuz-$NEWK"
[ "$RC" = 0 ] && [ "$(dracut_runs)" = 1 ] && echo "$OUT" | grep -q "is up to date" \
        && ok "the hook again (kernel-install after postinst.d): no second build" || not_ok "hook twice" "runs=$(dracut_runs)" "$OUT"
echo "$NEWK" > "$R/proc/sys/kernel/osrelease"
kd start
[ "$RC" = 0 ] && [ "$(dracut_runs)" = 1 ] && echo "$OUT" | grep -q "is up to date" \
        && ok "first boot of the new kernel arms with the hook's image, no dracut" || not_ok "first boot of new kernel" "$OUT"
kd stop
echo "$KVER" > "$R/proc/sys/kernel/osrelease"
hook "$HOOKS/postrm.d" "$NEWK" "/boot/vmlinuz-$NEWK"
[ "$RC" = 0 ] && [ ! -e "$NEWIMG" ] && [ ! -e "$NEWIMG.manifest" ] \
        && ok "postrm.d hook removes that kernel's image and manifest" || not_ok "postrm.d removes" "$OUT"
hook "$HOOKS/92-kdumpkit.install" add "$NEWK" /boot/efi/x "/boot/vmlinuz-$NEWK"
[ "$RC" = 0 ] && [ -s "$NEWIMG" ] && [ "$(dracut_runs)" = 2 ] \
        && ok "kernel-install plugin: add builds" || not_ok "kernel-install add" "rc=$RC" "$OUT"
hook "$HOOKS/92-kdumpkit.install" remove "$NEWK" /boot/efi/x
[ "$RC" = 0 ] && [ ! -e "$NEWIMG" ] && ok "kernel-install plugin: remove removes" || not_ok "kernel-install remove" "$OUT"
hook env KDUMP_TEST_ENABLED=no "$HOOKS/postinst.d" "$NEWK"
[ "$RC" = 0 ] && [ ! -e "$NEWIMG" ] && [ "$(dracut_runs)" = 2 ] && echo "$OUT" | grep -q "kdump.service is not enabled" \
        && ok "hook with kdump.service disabled builds nothing, says so" || not_ok "hook disabled" "$OUT"
hook env KDUMP_TEST_DRACUT_FAIL=1 "$HOOKS/postinst.d" "$NEWK"
[ "$RC" = 0 ] && [ ! -e "$NEWIMG" ] && echo "$OUT" | grep -q "kdump.service will try again when that kernel boots" \
        && ok "a failed build never fails the kernel's installation, and is reported" || not_ok "hook dracut fails" "rc=$RC" "$OUT"
# in a chroot (an image builder): kdumpctl builds for the tree as --sysroot
# would, and never touches the boot loader's crashkernel=
printf '#!/bin/sh\necho "$*" >> "%s"\n' "$WORK/hook-kdumpctl.args" > "$WORK/hook-kdumpctl"
chmod +x "$WORK/hook-kdumpctl"
: > "$WORK/hook-kdumpctl.args"
HOOK_ISCHROOT=in-chroot hook env KDUMPCTL="$WORK/hook-kdumpctl" "$HOOKS/postinst.d" "$NEWK"
[ "$RC" = 0 ] && [ "$(cat "$WORK/hook-kdumpctl.args")" = "rebuild --sysroot / --if-needed --kver $NEWK" ] \
        && ok "hook in a chroot: rebuild --sysroot /, no crashkernel= reset" \
        || not_ok "hook in a chroot" "rc=$RC" "$OUT" "$(cat "$WORK/hook-kdumpctl.args")"
HOOK_ISCHROOT=in-chroot hook env KDUMPCTL="$WORK/hook-kdumpctl" "$HOOKS/postrm.d" "$NEWK"
[ "$RC" = 0 ] && [ "$(tail -n 1 "$WORK/hook-kdumpctl.args")" = "remove-image --sysroot / --kver $NEWK" ] \
        && ok "removal hook in a chroot: remove-image --sysroot /" \
        || not_ok "removal hook in a chroot" "rc=$RC" "$OUT" "$(cat "$WORK/hook-kdumpctl.args")"
kd start
echo "$OUT" > /dev/null
hook "$HOOKS/postrm.d" "$KVER"
[ "$RC" = 0 ] && [ -e "$R/var/lib/kdump/initramfs-${KVER}kdump.img" ] && echo "$OUT" | grep -q "it is the running kernel's, and loaded" \
        && ok "the running, loaded kernel's image is not removed" || not_ok "hook removes loaded image" "$OUT"
if shellcheck -s sh "$TOP"/kdumpctl/hooks/*; then ok "kernel hooks pass shellcheck"; else not_ok "kernel hooks shellcheck"; fi

# ---- status -----------------------------------------------------------------
fresh status
echo 1 > "$R/sys/kernel/kexec_crash_loaded"; kd status
[ "$RC" = 0 ] && ok "status 0 when loaded" || not_ok "status 0 when loaded" "rc=$RC $OUT"
echo 0 > "$R/sys/kernel/kexec_crash_loaded"; kd status
[ "$RC" = 3 ] && ok "status 3 when not loaded" || not_ok "status 3 when not loaded" "rc=$RC $OUT"
rm "$R/sys/kernel/kexec_crash_loaded"; kd status
[ "$RC" = 3 ] && ok "status 3 when kexec_crash_loaded is missing" || not_ok "status 3 when missing" "rc=$RC $OUT"

# ---- no crash memory --------------------------------------------------------
fresh nomem
echo 0 > "$R/sys/kernel/kexec_crash_size"; kd start
[ "$RC" = 1 ] && echo "$OUT" | grep -q "crashkernel=1G-4G:160M" && echo "$OUT" | grep -q "update-grub" \
        && [ "$(dracut_runs)" = 0 ] && ok "start without crash memory: exit 1, says how to reserve" \
        || not_ok "start without crash memory" "rc=$RC" "$OUT"
fresh nomem2
sed -i 's/ crashkernel=256M//' "$R/proc/cmdline"; kd start
[ "$RC" = 1 ] && echo "$OUT" | grep -q "crashkernel= is not on the kernel command line" \
        && ok "start without crashkernel= on the command line: exit 1" || not_ok "start without crashkernel=" "rc=$RC" "$OUT"

# ---- failures ---------------------------------------------------------------
fresh dracutfail
KDUMP_TEST_DRACUT_FAIL=1 kd start
[ "$RC" = 1 ] && [ ! -e "$R/var/lib/kdump/initramfs-${KVER}kdump.img" ] && [ ! -e "$R/var/lib/kdump/initramfs-${KVER}kdump.img.manifest" ] \
        && [ ! -e "$R/var/lib/kdump/initramfs-${KVER}kdump.img.tmp" ] \
        && ok "failed dracut leaves no image and no manifest" || not_ok "failed dracut" "rc=$RC" "$OUT" "$(ls "$R/var/lib/kdump")"
fresh noload
KDUMP_TEST_KEXEC_NOLOAD=1 kd start
[ "$RC" = 1 ] && echo "$OUT" | grep -q "kexec_crash_loaded is not 1" && ok "unconfirmed load fails" || not_ok "unconfirmed load fails" "$OUT"
fresh kexecfail
KDUMP_TEST_KEXEC_FAIL=1 kd start
[ "$RC" = 1 ] && ok "failing kexec fails start" || not_ok "failing kexec fails start" "$OUT"
fresh badconf
printf 'path /var/crash\npth /x\n' > "$R/etc/kdump.conf"; kd start
[ "$RC" = 1 ] && echo "$OUT" | grep -q "kdump.conf:2: unknown directive 'pth'" && [ "$(dracut_runs)" = 0 ] \
        && ok "bad kdump.conf refused with file:line" || not_ok "bad kdump.conf refused" "$OUT"
fresh badhook
printf 'path /var/crash\n# hook\nkdump_pre /usr/bin/nope\n' > "$R/etc/kdump.conf"; kd check-config
[ "$RC" = 1 ] && echo "$OUT" | grep -q "kdump.conf:3: kdump_pre '/usr/bin/nope' does not exist" \
        && ok "missing hook refused with file:line" || not_ok "missing hook refused" "$OUT"
fresh badbin
printf 'path /var/crash\nextra_bins /usr/bin/lftp nosuchtool\n' > "$R/etc/kdump.conf"; kd check-config
[ "$RC" = 1 ] && echo "$OUT" | grep -q "kdump.conf:2: extra_bins 'nosuchtool' not found" \
        && ok "missing extra_bins refused with file:line" || not_ok "missing extra_bins refused" "$OUT"
# the line the parser kept for that word, not the first line mentioning it
printf 'path /var/crash\nextra_bins /usr/bin/lftp\nextra_bins lft\n' > "$R/etc/kdump.conf"; kd check-config
[ "$RC" = 1 ] && echo "$OUT" | grep -q "kdump.conf:3: extra_bins 'lft' not found" \
        && ok "a missing extra_bins word is reported on its own line" || not_ok "extra_bins line" "$OUT"

# ---- the capture learns the host name from the command line ---------------
fresh hostname
kd start
grep -q -- '--command-line=.* systemd.hostname=kdumptest ' "$LOG/kexec.args" \
        && ok "the running host name goes to the capture as systemd.hostname=" || not_ok "systemd.hostname" "$(cat "$LOG/kexec.args")"
fresh hostname-odd
echo 'bad name;x' > "$R/proc/sys/kernel/hostname"
kd start
[ "$RC" = 0 ] && ! grep -q 'systemd.hostname' "$LOG/kexec.args" \
        && ok "a host name that is not a plain DNS name is not passed" || not_ok "odd host name" "$(cat "$LOG/kexec.args")"

# ---- makedumpfile and the kernel it will dump (kdumpctl/collector.c) -------
fresh mdf-old
KDUMP_TEST_MDF_VERSION=1.7.2 kd start
[ "$RC" = 0 ] && echo "$OUT" | grep -q "makedumpfile 1.7.2 supports kernels up to 6.0.1; kernel $KVER will be dumped" \
        && [ "$(cat "$R/sys/kernel/kexec_crash_loaded")" = 1 ] \
        && ok "start warns that makedumpfile 1.7.2 does not know kernel 6.1, and still arms" \
        || not_ok "makedumpfile too old for the kernel: start" "rc=$RC" "$OUT"
KDUMP_TEST_MDF_VERSION=1.7.2 kd check-config
[ "$RC" = 0 ] && echo "$OUT" | grep -q "makedumpfile 1.7.2 supports kernels up to 6.0.1" \
        && ok "check-config warns about it too" || not_ok "makedumpfile too old: check-config" "rc=$RC" "$OUT"
fresh mdf-new
KDUMP_TEST_MDF_VERSION=1.7.6 kd check-config
[ "$RC" = 0 ] && ! echo "$OUT" | grep -q "supports kernels up to" \
        && ok "no warning when makedumpfile knows the kernel (1.7.6, kernel 6.1)" || not_ok "makedumpfile 1.7.6 on 6.1" "$OUT"
KDUMP_TEST_MDF_VERSION=9.9.9 kd check-config
[ "$RC" = 0 ] && ! echo "$OUT" | grep -q "supports kernels up to" \
        && ok "a makedumpfile newer than the table is not judged" || not_ok "makedumpfile 9.9.9" "$OUT"
fresh mdf-cp
printf 'path /var/crash\ncore_collector cp\n' > "$R/etc/kdump.conf"
KDUMP_TEST_MDF_VERSION=1.7.2 kd check-config
[ "$RC" = 0 ] && ! echo "$OUT" | grep -q "makedumpfile" \
        && ok "a cp collector is not checked against makedumpfile" || not_ok "cp collector" "$OUT"

# ---- fence_kdump_nodes, fence_kdump_args (kdumpctl/fence.c) ---------------
# A fake cluster node: fence_kdump_send in the root (looked for, never run),
# names from the root's /etc/hosts (under a root kdumpctl asks no resolver),
# this machine's addresses from the root's /proc/net, as the kernel lists
# them.  fence_root NAME LINE... writes kdump.conf: "path /var/crash", then
# the lines given (so the first is line 2).
fence_root() {
        local name=$1 l
        shift
        fresh "fence-$name"
        mkdir -p "$R/usr/libexec/fence-agents" "$R/proc/net"
        printf '#!/bin/sh\n' > "$R/usr/libexec/fence-agents/fence_kdump_send"
        chmod +x "$R/usr/libexec/fence-agents/fence_kdump_send"
        printf '127.0.0.1 localhost\n127.0.1.1 kdumptest.example.com kdumptest\n192.0.2.12 node2.example.com node2\nfd00::12 node2-v6\n' \
                > "$R/etc/hosts"
        printf 'Local:\n  +-- 0.0.0.0/0 3 0 5\n     |-- 127.0.0.1\n        /32 host LOCAL\n     |-- 192.0.2.77\n        /32 host LOCAL\n' \
                > "$R/proc/net/fib_trie"
        printf 'fd00000000000000000000000000004d 02 40 00 80     eth1\n00000000000000000000000000000001 01 80 10 80       lo\n' \
                > "$R/proc/net/if_inet6"
        printf 'path /var/crash\n' > "$R/etc/kdump.conf"
        for l in "$@"; do printf '%s\n' "$l" >> "$R/etc/kdump.conf"; done
}
# fence_refused DESCRIPTION VERB "FILE:LINE message" LINE...: VERB fails
# with that message (after "$R/etc/kdump.conf:") and builds nothing.
fence_refused() {
        local desc=$1 verb=$2 want=$3
        shift 3
        fence_root "$(echo "$desc" | tr -c 'a-z0-9\n' -)" "$@"
        kd "$verb"
        if [ "$RC" != 0 ] && echo "$OUT" | grep -qF -- "$R/etc/kdump.conf:$want" && [ "$(dracut_runs)" = 0 ] &&
                echo "$OUT" | grep -q "configuration refused"; then
                ok "fence: $desc: $verb refuses, naming kdump.conf:${want%%:*} and the value"
        else
                not_ok "fence: $desc: $verb refused" "rc=$RC runs=$(dracut_runs)" "$OUT"
        fi
}
fence_refused "own host name" check-config \
        "3: fence_kdump_nodes 'kdumptest': that is this machine's own name; list the other cluster nodes only" \
        "# cluster" "fence_kdump_nodes node2 kdumptest"
fence_refused "own FQDN, any case" start \
        "2: fence_kdump_nodes 'KDUMPTEST.example.com': that is this machine's own name" \
        "fence_kdump_nodes KDUMPTEST.example.com"
fence_refused "own IPv4 address" rebuild \
        "2: fence_kdump_nodes '192.0.2.77': that is an address of this machine" \
        "fence_kdump_nodes node2 192.0.2.77"
fence_refused "own IPv6 address, written long" check-config \
        "2: fence_kdump_nodes 'fd00:0:0::004d' (fd00::4d): that is an address of this machine" \
        "fence_kdump_nodes fd00:0:0::004d"
fence_refused "a loopback address by name" check-config \
        "2: fence_kdump_nodes 'localhost' (127.0.0.1): that is a loopback address of this machine" \
        "fence_kdump_nodes localhost"
fence_refused "unresolvable node" start \
        "2: fence_kdump_nodes 'node9.example.com' does not resolve: not found in the root's /etc/hosts" \
        "fence_kdump_nodes node2 node9.example.com"
fence_refused "node not in the family of -f" check-config \
        "3: fence_kdump_nodes '192.0.2.13' does not resolve: not an address of the family fence_kdump_args -f asks for" \
        "fence_kdump_args -f ipv6" "fence_kdump_nodes node2-v6 192.0.2.13"
fence_refused "port out of range" check-config \
        "2: fence_kdump_args '-p 99999': -p 99999: the port must be a number from 1 to 65535" \
        "fence_kdump_args -p 99999" "fence_kdump_nodes node2"
fence_refused "unknown family" start \
        "2: fence_kdump_args '--family=ipx -v': --family=ipx: the family must be auto, ipv4 or ipv6" \
        "fence_kdump_args --family=ipx -v" "fence_kdump_nodes node2"
fence_refused "interval 0" check-config \
        "2: fence_kdump_args '-i0': -i 0: the interval must be a number of seconds from 1 to 86400" \
        "fence_kdump_args -i0" "fence_kdump_nodes node2"
fence_refused "-h, which exits" check-config \
        "2: fence_kdump_args '-v -h': -h: fence_kdump_send would print its version or help and exit instead of notifying" \
        "fence_kdump_args -v -h" "fence_kdump_nodes node2"
fence_refused "unknown option" check-config \
        "2: fence_kdump_args '-t 5': unknown option '-t' (fence_kdump_send takes -p, -f, -c, -i, -v)" \
        "fence_kdump_args -t 5" "fence_kdump_nodes node2"
fence_refused "a node among the args" check-config \
        "2: fence_kdump_args '-p 7410 node3': 'node3' is not an option; the nodes to notify go in fence_kdump_nodes" \
        "fence_kdump_args -p 7410 node3" "fence_kdump_nodes node2"
fence_refused "a value missing" check-config \
        "2: fence_kdump_args '-c': option '-c' needs a value" \
        "fence_kdump_args -c" "fence_kdump_nodes node2"
fence_root nosend "fence_kdump_nodes node2"
rm "$R/usr/libexec/fence-agents/fence_kdump_send"
kd start
if [ "$RC" != 0 ] && [ "$(dracut_runs)" = 0 ] && echo "$OUT" | grep -qF -- "$R/etc/kdump.conf:2: fence_kdump_nodes 'node2' needs $R/usr/libexec/fence-agents/fence_kdump_send, which is missing: install the package fence-agents-kdump (Debian 13 and later) or fence-agents (Debian 12)"; then
        ok "fence: start without fence_kdump_send refuses, naming the Debian packages"
else
        not_ok "fence: missing fence_kdump_send" "rc=$RC" "$OUT"
fi
# dracut's network module (Debian's dracut-network, not pulled in by
# dracut-core): an ssh or nfs target, and fence_kdump_nodes with a local one
fence_root nonet "fence_kdump_nodes node2"
rm -r "$R/usr/lib/dracut/modules.d/40network"
kd start
if [ "$RC" != 0 ] && [ "$(dracut_runs)" = 0 ] && echo "$OUT" | grep -qF -- "$R/etc/kdump.conf:2: fence_kdump_nodes 'node2' needs dracut's network module, which is missing from $R/usr/lib/dracut/modules.d: install the package dracut-network"; then
        ok "fence: start without dracut's network module refuses, naming dracut-network"
else
        not_ok "fence: missing dracut network module" "rc=$RC" "$OUT"
fi
for t in 'nfs 192.0.2.20:/export' 'ssh kdump@192.0.2.5'; do
        fresh nonet
        rm -r "$R/usr/lib/dracut/modules.d/40network"
        printf '%s\n' "$t" > "$R/etc/kdump.conf"
        KDUMP_SKIP_PROBE=1 kd check-config
        if [ "$RC" != 0 ] && echo "$OUT" | grep -qF -- "$R/etc/kdump.conf:1: ${t%% *} target '${t#* }' needs dracut's network module, which is missing from $R/usr/lib/dracut/modules.d: install the package dracut-network"; then
                ok "${t%% *} target without dracut's network module: refused, naming dracut-network"
        else
                not_ok "${t%% *} target, no dracut network module" "rc=$RC" "$OUT"
        fi
        mkdir "$R/usr/lib/dracut/modules.d/network"     # dracut-ng's unnumbered name
        KDUMP_SKIP_PROBE=1 kd check-config
        if ! echo "$OUT" | grep -q "dracut-network"; then
                ok "${t%% *} target with an unnumbered network module: accepted"
        else
                not_ok "${t%% *} target, unnumbered network module" "rc=$RC" "$OUT"
        fi
done
fresh nonet-chain
rm -r "$R/usr/lib/dracut/modules.d/40network"
printf 'raw /dev/sdb\nssh kdump@192.0.2.5\n' > "$R/etc/kdump.conf"
KDUMP_SKIP_PROBE=1 kd check-config
if [ "$RC" != 0 ] && echo "$OUT" | grep -qF -- "$R/etc/kdump.conf:2: ssh target 'kdump@192.0.2.5' needs dracut's network module, which is missing from $R/usr/lib/dracut/modules.d: install the package dracut-network"; then
        ok "a chain whose second member is ssh, without dracut's network module: refused, naming dracut-network"
else
        not_ok "chain raw -> ssh, no dracut network module" "rc=$RC" "$OUT"
fi
fence_root accepted "fence_kdump_args -v -p 7410 --interval=3 --count 0 -fipv4" "fence_kdump_nodes node2 192.0.2.13"
kd start
if [ "$RC" = 0 ] && grep -qx 'fence_kdump_nodes 192.0.2.12 192.0.2.13' "$LOG/baked.conf" &&
        grep -qx 'fence_kdump_args -v -p 7410 --interval=3 --count 0 -fipv4' "$LOG/baked.conf" &&
        grep -q -- '--command-line=.* rd.neednet=1 ip=dhcp' "$LOG/kexec.args" &&
        grep -qx 'kdumpbase network' "$LOG/dracut.args"; then
        ok "fence: valid args start; the baked conf names the nodes' addresses; unprobed route: ip=dhcp"
else
        not_ok "fence: valid args" "rc=$RC" "$OUT" "$(cat "$LOG/baked.conf" "$LOG/kexec.args" 2>&1)"
fi
KDUMP_ROUTE_OVERRIDE="dev=eth1 src=192.0.2.77 prefix=24" kd show
if [ "$RC" = 0 ] && echo "$OUT" | grep -qx "Fence nodes: node2 (192.0.2.12) 192.0.2.13, notified via eth1, static 192.0.2.77/24"; then
        ok "fence: show names the nodes, their addresses and the route"
else
        not_ok "fence: show" "$OUT"
fi
echo 0 > "$R/sys/kernel/kexec_crash_loaded"
sed -i 's/^192.0.2.12 /192.0.2.14 /' "$R/etc/hosts"
kd show
if echo "$OUT" | grep -q "Rebuild needed: yes" && echo "$OUT" | grep -qF "resolved fence_kdump_nodes (now nodes=192.0.2.14,192.0.2.13"; then
        ok "fence: a node's new address needs a rebuild, and show says so"
else
        not_ok "fence: new node address" "$OUT"
fi
fence_root args-only "fence_kdump_args -p 7410"
kd check-config
if [ "$RC" = 0 ] && echo "$OUT" | grep -qF "$R/etc/kdump.conf:2: warning: fence_kdump_args without fence_kdump_nodes: nothing is notified"; then
        ok "fence: fence_kdump_args alone is a warning"
else
        not_ok "fence: args alone" "rc=$RC" "$OUT"
fi

# ---- stop, restart, reload, rebuild ----------------------------------------
fresh verbs
kd start; kd stop
[ "$RC" = 0 ] && [ "$(cat "$R/sys/kernel/kexec_crash_loaded")" = 0 ] && tail -3 "$LOG/kexec.args" | tr '\n' ' ' | grep -q '^\$ kexec -p -u $' \
        && ok "stop unloads with kexec -p -u" || not_ok "stop unloads" "$OUT" "$(tail -3 "$LOG/kexec.args")"
kd restart
[ "$RC" = 0 ] && [ "$(cat "$R/sys/kernel/kexec_crash_loaded")" = 1 ] && [ "$(dracut_runs)" = 1 ] \
        && ok "restart reloads without rebuilding" || not_ok "restart" "$OUT"
printf 'path /var/crash/changed\n' > "$R/etc/kdump.conf"
kd reload
[ "$RC" = 0 ] && [ "$(dracut_runs)" = 1 ] && [ "$(cat "$R/sys/kernel/kexec_crash_loaded")" = 1 ] \
        && ok "reload does not check for a rebuild" || not_ok "reload" "$OUT"
kd rebuild
[ "$RC" = 0 ] && [ "$(dracut_runs)" = 2 ] && ok "rebuild always runs dracut" || not_ok "rebuild" "$OUT"
kd rebuild
[ "$RC" = 0 ] && [ "$(dracut_runs)" = 3 ] && ok "rebuild runs dracut even when up to date" || not_ok "rebuild twice" "$OUT"

# ---- rebuild decision per input kind ---------------------------------------
# each: a configuration, a change to the root, and the reason show must give
check_input() {
        local what=$1 conf=$2 change=$3 reason=$4 pre=${5:-:}
        fresh "input-$what"
        printf '%b' "$conf" > "$R/etc/kdump.conf"
        eval "$pre"
        kd start
        if [ "$RC" != 0 ]; then not_ok "input $what: first start" "$OUT"; return; fi
        echo 0 > "$R/sys/kernel/kexec_crash_loaded"
        eval "$change"
        kd show
        if ! echo "$OUT" | grep -q "Rebuild needed: yes" || ! echo "$OUT" | grep -qF "$reason"; then
                not_ok "input $what: show names '$reason'" "$OUT"; return
        fi
        kd start
        [ "$RC" = 0 ] && [ "$(dracut_runs)" = 2 ] && ok "input $what: rebuilds ($reason)" \
                || not_ok "input $what: rebuilds" "rc=$RC runs=$(dracut_runs)" "$OUT"
}
HOOKCONF='path /var/crash\nkdump_pre /usr/bin/pre.sh\n'
mkhook='printf "#!/bin/sh\\n" > "$R/usr/bin/pre.sh"; chmod +x "$R/usr/bin/pre.sh"'
check_input config 'path /var/crash\n' 'echo "core_collector makedumpfile -c -d 31" >> "$R/etc/kdump.conf"' \
        "kdump.conf 'core_collector' changed"
check_input route 'nfs 192.0.2.20:/export\n' 'export KDUMP_ROUTE_OVERRIDE="dev=eth1 src=192.0.2.77 dhcp=1 prefix=24"' \
        "resolved dump target (now nfs addr=192.0.2.20 dev=eth1" \
        'export KDUMP_ROUTE_OVERRIDE="dev=eth0 src=192.0.2.77 dhcp=1 prefix=24"'
unset KDUMP_ROUTE_OVERRIDE
fresh route-show
printf 'nfs nfs.example.com:/export\n' > "$R/etc/kdump.conf"
KDUMP_ROUTE_OVERRIDE="addr=192.0.2.20 dev=eth0 src=192.0.2.77 via=192.0.2.1 dhcp=1 prefix=24" kd show
echo "$OUT" | grep -qx '    nfs 192.0.2.20:/export' && echo "$OUT" | grep -qx 'Dump target: nfs nfs.example.com:/export, path /var/crash' &&
        echo "$OUT" | grep -q '^Network: nfs.example.com is 192.0.2.20, via eth0 gateway 192.0.2.1, DHCP' \
        && ok "show: the name as written, the address baked, the route" || not_ok "show: name, address, route" "$OUT"
KDUMP_ROUTE_OVERRIDE="dev=eth0 dhcp=1" kd start
[ "$RC" != 0 ] && echo "$OUT" | grep -q 'KDUMP_ROUTE_OVERRIDE needs dev= and, for a host name, addr=' \
        && ok "route override without addr= for a name: refused clearly" || not_ok "override without addr=" "$OUT"
check_input kernel 'path /var/crash\n' 'echo new >> "$R/boot/vmlinuz-$KVER"' "kernel image /boot/vmlinuz-$KVER changed"
# the same size and mtime, new content: the ctime still differs, so it is hashed
check_input kernel-same-size 'path /var/crash\n' \
        'f="$R/boot/vmlinuz-$KVER"; cp -p "$f" "$WORK/k"; printf X | dd of="$f" bs=1 seek=0 conv=notrunc 2>/dev/null; touch -r "$WORK/k" "$f"' \
        "kernel image /boot/vmlinuz-$KVER changed"

# ---- the manifest's stat identities ----------------------------------------
fresh manifest-stat
kd start
M="$R/var/lib/kdump/initramfs-${KVER}kdump.img.manifest"
echo 0 > "$R/sys/kernel/kexec_crash_loaded"
head -n1 "$M" | grep -q "manifest v2" && grep -Eq '^[0-9a-f]{64} [0-9a-f]+:[0-9a-f]+:[0-9a-f]+:[0-9]+\.[0-9]{9}:[0-9]+\.[0-9]{9} kernel$' "$M" \
        && ok "manifest v2 records the kernel's stat identity" || not_ok "manifest stat identity" "$(cat "$M")"
# an unchanged identity means the file is not read again: a bogus recorded
# hash survives (which is what saves hashing the kernel on every start)
sed -i -E 's/^[0-9a-f]{64}( [^ ]+ kernel)$/0000000000000000000000000000000000000000000000000000000000000000\1/' "$M"
kd start
[ "$RC" = 0 ] && [ "$(dracut_runs)" = 1 ] && ok "an unchanged stat identity skips hashing" \
        || not_ok "stat identity fast path" "rc=$RC runs=$(dracut_runs)" "$OUT"
# a v1 manifest (no identities) still reads, and hashes decide
fresh manifest-v1
kd start
echo 0 > "$R/sys/kernel/kexec_crash_loaded"
M="$R/var/lib/kdump/initramfs-${KVER}kdump.img.manifest"
{ echo "# kdumpkit initramfs manifest v1"; tail -n +2 "$M" | sed -E 's/^([^ ]+) [^ ]+ /\1 /'; } > "$WORK/m1"
cp "$WORK/m1" "$M"
kd start
[ "$RC" = 0 ] && [ "$(dracut_runs)" = 1 ] && ok "a v1 manifest is read: nothing changed, no rebuild" \
        || not_ok "v1 manifest" "rc=$RC runs=$(dracut_runs)" "$OUT"
check_input hook "$HOOKCONF" 'echo "echo changed" >> "$R/usr/bin/pre.sh"' "hook /usr/bin/pre.sh changed" "$mkhook"
check_input extra_bins 'path /var/crash\nextra_bins lftp\n' 'echo changed >> "$R/usr/bin/lftp"' "extra_bins /usr/bin/lftp changed"
check_input helper 'path /var/crash\n' 'echo changed >> "$R/usr/libexec/kdumpkit/kdump-collect"' \
        "helper /usr/libexec/kdumpkit/kdump-collect changed"
check_input new-helper 'path /var/crash\n' 'printf x > "$R/usr/libexec/kdumpkit/kdump-raw-writer"' \
        "new input: helper /usr/libexec/kdumpkit/kdump-raw-writer"
check_input dracut-module 'path /var/crash\n' 'echo changed >> "$R/usr/lib/dracut/modules.d/99kdumpbase/module-setup.sh"' \
        "dracut module file /usr/lib/dracut/modules.d/99kdumpbase/module-setup.sh changed"
check_input kernel-module 'path /var/crash\nextra_modules xfs\n' 'echo xfs-v2 > "$R/lib/modules/$KVER/kernel/fs/xfs/xfs.ko.xz"' \
        "kernel module xfs changed"
check_input dracut-version 'path /var/crash\n' 'echo DRACUT_VERSION=060 > "$R/usr/lib/dracut/dracut-version.sh"' \
        "dracut version (now 060) changed"
check_input dracut-conf 'path /var/crash\n' 'mkdir -p "$R/etc/dracut.conf.d"; echo x > "$R/etc/dracut.conf.d/10-x.conf"' \
        "new input: /etc/dracut.conf.d/10-x.conf"
check_input target-device 'path /var/crash\n' 'sed -i "s/UUID=1111-root/UUID=2222-root/" "$R/etc/fstab"' \
        "resolved dump target (now ext4 UUID=2222-root path=/var/crash) changed"
check_input target-mount 'path /var/crash\n' \
        'echo "30 21 254:3 / /var rw,relatime shared:4 - xfs /dev/vda3 rw" >> "$R/proc/self/mountinfo"; echo "UUID=3333-var /var xfs defaults 0 2" >> "$R/etc/fstab"' \
        "resolved dump target (now xfs UUID=3333-var path=/crash) changed"
SSHCONF='ssh kdump@dumphost\nsshkey /root/.ssh/kdump_id\n'
mkssh='mkdir -p "$R/root/.ssh" "$R/var/lib/kdump"; echo key > "$R/root/.ssh/kdump_id"; echo kh > "$R/var/lib/kdump/known_hosts"'
check_input sshkey "$SSHCONF" 'echo key2 > "$R/root/.ssh/kdump_id"' "ssh key /root/.ssh/kdump_id changed" "$mkssh"
check_input known_hosts "$SSHCONF" 'echo kh2 > "$R/var/lib/kdump/known_hosts"' \
        "pinned host key /var/lib/kdump/known_hosts changed" "$mkssh"

fresh force
printf 'path /var/crash\nforce_rebuild 1\n' > "$R/etc/kdump.conf"
kd start; echo 0 > "$R/sys/kernel/kexec_crash_loaded"; kd start
[ "$(dracut_runs)" = 2 ] && echo "$OUT" | grep -q "force_rebuild is set" && ok "force_rebuild rebuilds every start" \
        || not_ok "force_rebuild" "$OUT"
fresh forceno
kd start; echo 0 > "$R/sys/kernel/kexec_crash_loaded"
printf 'path /var/crash/other\nforce_no_rebuild 1\n' > "$R/etc/kdump.conf"
kd start
[ "$RC" = 0 ] && [ "$(dracut_runs)" = 1 ] && echo "$OUT" | grep -q "force_no_rebuild is set" \
        && ok "force_no_rebuild keeps the image" || not_ok "force_no_rebuild" "$OUT"
fresh forceno-missing
printf 'path /var/crash\nforce_no_rebuild 1\n' > "$R/etc/kdump.conf"
kd start
[ "$RC" = 1 ] && echo "$OUT" | grep -q "does not exist" && ok "force_no_rebuild without an image fails" \
        || not_ok "force_no_rebuild without image" "$OUT"

# ---- lock -------------------------------------------------------------------
fresh lock
flock "$R/run/lock/kdump" sleep 5 &
lockpid=$!
sleep 0.3
LOCK_TIMEOUT=1 kd start
kill "$lockpid" 2>/dev/null; wait "$lockpid" 2>/dev/null
[ "$RC" = 1 ] && echo "$OUT" | grep -q "Another kdumpctl still holds" && ok "concurrent run waits, then gives up" \
        || not_ok "lock" "rc=$RC" "$OUT"

# ---- raw targets ------------------------------------------------------------
fresh raw
printf 'raw /dev/sdb\npath /var/crash\n' > "$R/etc/kdump.conf"
"$FIXTURE" "$R/dev/sdb" crashedhost 1700000000 10000
kd start
d="$R/var/crash/crashedhost-2023-11-14-22:13:20"
[ "$RC" = 0 ] && [ -f "$d/vmcore" ] && [ "$(stat -c %s "$d/vmcore")" = 10000 ] && [ ! -e "$d/vmcore-incomplete" ] \
        && ok "raw: start saves the dump to path/<host>-<date>/vmcore" || not_ok "raw retrieval" "rc=$RC" "$OUT" "$(ls -R "$R/var/crash")"
[ "$(head -c 16 "$R/dev/sdb" | tr -d '\0' | wc -c)" = 0 ] && ok "raw: header invalidated after saving" \
        || not_ok "raw: header invalidated"
echo 0 > "$R/sys/kernel/kexec_crash_loaded"
kd start
[ "$RC" = 0 ] && [ "$(find "$R/var/crash" -mindepth 1 -maxdepth 1 | wc -l)" = 1 ] && ok "raw: nothing saved twice" || not_ok "raw twice" "$OUT"
kd status
echo "$OUT" | grep -qx "Last capture: saved to /var/crash/crashedhost-2023-11-14-22:13:20 (vmcore 0.0 MiB, from /dev/sdb)" \
        && ok "raw: status names the saved dump and where it came from" || not_ok "raw status" "$OUT"

# free space on a local target, against the estimate (a warning, not a refusal)
fresh space
mkdir -p "$WORK/space-small"
if mount -t tmpfs -o size=4m tmpfs "$WORK/space-small" 2>/dev/null; then
        cp -a "$R/." "$WORK/space-small/"
        R=$WORK/space-small
        printf 'path /var/crash\n' > "$R/etc/kdump.conf"
        kd check-config
        [ "$RC" = 0 ] && echo "$OUT" | grep -Eq "^kdumpctl: warning: / has [0-9]+ MiB free, a dump may need up to [0-9]+ MiB \(the capture leaves 5% of the root file system free\)" \
                && ok "check-config warns when the root file system is too small for a dump" || not_ok "space warning" "rc=$RC" "$OUT"
        kd show
        echo "$OUT" | grep -Eq "^Free space: [0-9]+ MiB on /, the root file system \(a dump may need up to [0-9]+ MiB, and 5% of it stays free\): too little" \
                && ok "show prints the free space against the estimate" || not_ok "space show" "$OUT"
        umount "$WORK/space-small"
else
        echo "skip - free space warning: cannot mount a tmpfs here (not root)"
fi
fresh space-ok
printf 'path /var/crash\n' > "$R/etc/kdump.conf"
kd check-config
[ "$RC" = 0 ] && ! echo "$OUT" | grep -q "MiB free, a dump may need" && ok "no space warning with room to spare" || not_ok "space ok" "$OUT"

# retention: keep_dumps, keep_free_mb; never the newest dump, never on a server
dump_names() { # the dumps in $R/var/crash, by name, on one line
        find "$R/var/crash" -mindepth 1 -maxdepth 1 -printf '%f\n' | LC_ALL=C sort | tr '\n' ' '
}
mkdumps() { # DIR: four complete dumps and an old failed one, oldest first
        local m
        for m in 01 02 03 04; do
                mkdir -p "$1/h-2023-$m-01-00:00:00"; echo x > "$1/h-2023-$m-01-00:00:00/vmcore"
                touch -d "2023-$m-01" "$1/h-2023-$m-01-00:00:00"
        done
        mkdir -p "$1/h-2022-12-01-00:00:00"; echo x > "$1/h-2022-12-01-00:00:00/vmcore-incomplete"
        touch -d 2022-12-01 "$1/h-2022-12-01-00:00:00"
}
fresh keep
printf 'path /var/crash\nkeep_dumps 2\n' > "$R/etc/kdump.conf"
mkdumps "$R/var/crash"
kd start
[ "$RC" = 0 ] && [ "$(dump_names)" = "h-2023-03-01-00:00:00 h-2023-04-01-00:00:00 " ] &&
        echo "$OUT" | grep -q "Removed /var/crash/h-2022-12-01-00:00:00 (a failed capture's leftover" &&
        echo "$OUT" | grep -q "Removed /var/crash/h-2023-01-01-00:00:00 (keep_dumps)" \
        && ok "keep_dumps 2: the two newest stay, the failed leftover goes first" || not_ok "keep_dumps" "$OUT" "$(ls "$R/var/crash")"
fresh keep-free
printf 'path /var/crash\nkeep_free_mb 1000000\n' > "$R/etc/kdump.conf"
mkdumps "$R/var/crash"
kd start
[ "$RC" = 0 ] && [ "$(dump_names)" = "h-2023-04-01-00:00:00 " ] &&
        echo "$OUT" | grep -q "less than keep_free_mb 1000000, with only the newest dump left" \
        && ok "keep_free_mb: old dumps go, the newest never" || not_ok "keep_free_mb" "$OUT" "$(ls "$R/var/crash")"
fresh keep-none
printf 'path /var/crash\n' > "$R/etc/kdump.conf"
mkdumps "$R/var/crash"
kd start
[ "$RC" = 0 ] && [ "$(find "$R/var/crash" -mindepth 1 -maxdepth 1 | wc -l)" = 5 ] && ok "no retention directive: no dump is ever removed" || not_ok "no retention" "$OUT"
fresh keep-ssh
printf 'ssh kdump@192.0.2.5\nsshkey /root/.ssh/kdump_id_ed25519\n\nkeep_dumps 3\n' > "$R/etc/kdump.conf"
kd check-config
[ "$RC" = 1 ] && echo "$OUT" | grep -q "kdump.conf:4: keep_dumps applies to local and raw targets only, not to the ssh target kdump@192.0.2.5" \
        && ok "keep_dumps on an ssh target: refused, file:line" || not_ok "keep_dumps ssh" "$OUT"

# the last capture at the next boot: the newest dump directory's record
fresh last
printf 'path /var/crash\n' > "$R/etc/kdump.conf"
mkdir -p "$R/var/crash/h-2023-01-01-00:00:00" "$R/var/crash/h-2023-02-01-00:00:00"
printf 'result=saved\nstatus=0\nbytes=1048576\nseconds=3.5\n' > "$R/var/crash/h-2023-01-01-00:00:00/kdump-capture.status"
printf 'result=failed\nstatus=137\nreason=no progress for 300 s, makedumpfile stopped (vmcore left incomplete)\n' \
        > "$R/var/crash/h-2023-02-01-00:00:00/kdump-capture.status"
touch -d '2023-01-01' "$R/var/crash/h-2023-01-01-00:00:00"; touch -d '2023-02-01' "$R/var/crash/h-2023-02-01-00:00:00"
kd status
echo "$OUT" | grep -qx "Last capture: FAILED: no progress for 300 s, makedumpfile stopped (vmcore left incomplete) (/var/crash/h-2023-02-01-00:00:00)" \
        && ok "status: the last capture failed, and why" || not_ok "status last failed" "$OUT"
mkdir -p "$R/var/crash/h-2023-03-01-00:00:00"
printf 'result=saved\nstatus=0\nbytes=1048576\nseconds=3.5\ntarget=2 of 2\nearlier_target_1=ssh k@h: kdump-ssh-writer mkdir exited with status 1\n' \
        > "$R/var/crash/h-2023-03-01-00:00:00/kdump-capture.status"
touch -d '2023-03-01' "$R/var/crash/h-2023-03-01-00:00:00"
kd status
if echo "$OUT" | grep -qx "Last capture: saved to /var/crash/h-2023-03-01-00:00:00 (vmcore 1.0 MiB in 3.5 s)" &&
        echo "$OUT" | grep -qx "    as dump target 2 of 2" &&
        echo "$OUT" | grep -qx "    target 1 failed first: ssh k@h: kdump-ssh-writer mkdir exited with status 1"; then
        ok "status: a dump saved by a later member of a chain says which, and why the earlier failed"
else
        not_ok "status: chain record" "$OUT"
fi
rm -r "$R/var/crash/h-2023-03-01-00:00:00"
touch -d '2023-03-01' "$R/var/crash/h-2023-01-01-00:00:00"
kd status
echo "$OUT" | grep -qx "Last capture: saved to /var/crash/h-2023-01-01-00:00:00 (vmcore 1.0 MiB in 3.5 s)" \
        && ok "status: the last capture saved, where, how large, how long" || not_ok "status last saved" "$OUT"
rm -rf "$R/var/crash"/*
kd status
echo "$OUT" | grep -qx "Last capture: none in /var/crash" && ok "status: no capture yet" || not_ok "status none" "$OUT"
fresh raw-badcrc
printf 'raw /dev/sdb\npath /var/crash\n' > "$R/etc/kdump.conf"
"$FIXTURE" "$R/dev/sdb" crashedhost 1700000000 5000 bad-crc
kd start
d="$R/var/crash/crashedhost-2023-11-14-22:13:20"
[ "$RC" = 0 ] && [ ! -e "$d/vmcore" ] && [ "$(stat -c %s "$d/vmcore-incomplete" 2>/dev/null)" = 5000 ] &&
        echo "$OUT" | grep -q "fails its checksum" && [ "$(head -c 16 "$R/dev/sdb" | tr -d '\0' | wc -c)" = 0 ] \
        && ok "raw: a dump failing its checksum is kept as vmcore-incomplete, never as vmcore" || not_ok "raw bad crc" "$OUT"

# the header is the crashed machine's: its host name never leaves <path>
fresh raw-hostile
printf 'raw /dev/sdb\npath /var/crash\n' > "$R/etc/kdump.conf"
"$FIXTURE" "$R/dev/sdb" "../../etc/x" 1700000000 3000
kd start
[ "$RC" = 0 ] && [ -f "$R/var/crash/raw-target-2023-11-14-22:13:20/vmcore" ] && [ ! -e "$R/etc/x-2023-11-14-22:13:20" ] &&
        [ -z "$(find "$R" -name '*x-2023-11-14*' ! -path '*/var/crash/*')" ] && echo "$OUT" | grep -q "not usable in a path" \
        && ok "raw: a hostile header host name is replaced, nothing outside path" || not_ok "raw hostile name" "$OUT" "$(find "$R" -newer "$R/etc/kdump.conf" -type d)"
fresh raw-oversized
printf 'raw /dev/sdb\npath /var/crash\n' > "$R/etc/kdump.conf"
"$FIXTURE" "$R/dev/sdb" crashedhost 1700000000 3000 ok 999999999999
kd start
[ "$RC" = 1 ] && echo "$OUT" | grep -q "more than the device holds" && echo "$OUT" | grep -q "Not loading the capture kernel" &&
        [ "$(head -c 16 "$R/dev/sdb")" = KDUMPKIT-RAWDUMP ] && [ -z "$(ls "$R/var/crash" 2>/dev/null)" ] \
        && ok "raw: an oversized length is refused, the header kept, kdump not armed" || not_ok "raw oversized" "rc=$RC" "$OUT"
kd raw-discard
[ "$RC" = 0 ] && echo "$OUT" | grep -q "Discarded the dump on" && [ "$(head -c 16 "$R/dev/sdb" | tr -d '\0' | wc -c)" = 0 ] \
        && ok "raw-discard: the header is invalidated" || not_ok "raw-discard" "rc=$RC" "$OUT"
kd start
[ "$RC" = 0 ] && ok "raw-discard: start arms again" || not_ok "raw-discard then start" "rc=$RC" "$OUT"

# a directory of that name that is not this dump: a new name, the old one untouched
fresh raw-dup
printf 'raw /dev/sdb\npath /var/crash\n' > "$R/etc/kdump.conf"
"$FIXTURE" "$R/dev/sdb" crashedhost 1700000000 4000
d="$R/var/crash/crashedhost-2023-11-14-22:13:20"
mkdir -p "$d"; echo other > "$d/vmcore"
kd start
[ "$RC" = 0 ] && [ "$(cat "$d/vmcore")" = other ] && [ "$(stat -c %s "$d-1/vmcore")" = 4000 ] \
        && ok "raw: a same-named directory holding another vmcore is kept, the dump goes to NAME-1" || not_ok "raw dup" "$OUT" "$(ls -R "$R/var/crash")"
# a partial copy of this dump left by an earlier attempt: replaced, same name
fresh raw-leftover
printf 'raw /dev/sdb\npath /var/crash\n' > "$R/etc/kdump.conf"
"$FIXTURE" "$R/dev/sdb" crashedhost 1700000000 4000
d="$R/var/crash/crashedhost-2023-11-14-22:13:20"
mkdir -p "$d"; head -c 100 /dev/zero > "$d/vmcore-incomplete"
kd start
[ "$RC" = 0 ] && [ "$(stat -c %s "$d/vmcore")" = 4000 ] && [ ! -e "$d/vmcore-incomplete" ] && [ ! -e "$d-1" ] \
        && ok "raw: a leftover partial of the same dump is replaced by the whole one" || not_ok "raw leftover" "$OUT" "$(ls -R "$R/var/crash")"
# saved before, the invalidation cut short: recognised by size and checksum
fresh raw-saved
printf 'raw /dev/sdb\npath /var/crash\n' > "$R/etc/kdump.conf"
"$FIXTURE" "$R/dev/sdb" crashedhost 1700000000 4000
d="$R/var/crash/crashedhost-2023-11-14-22:13:20"
mkdir -p "$d"; tail -c +4097 "$R/dev/sdb" | head -c 4000 > "$d/vmcore"
kd start
[ "$RC" = 0 ] && [ ! -e "$d-1" ] && echo "$OUT" | grep -q "was saved to .* before" && [ "$(head -c 16 "$R/dev/sdb" | tr -d '\0' | wc -c)" = 0 ] \
        && ok "raw: a dump saved before (same size and crc) is not saved twice" || not_ok "raw saved before" "$OUT" "$(ls -R "$R/var/crash")"
# no room for it: kept on the device, not armed; with room, saved
fresh raw-nospace
printf 'raw /dev/sdb\npath /var/crash\n' > "$R/etc/kdump.conf"
"$FIXTURE" "$R/dev/sdb" crashedhost 1700000000 4000
mkdir -p "$R/var/crash"
if mount -t tmpfs -o size=1m tmpfs "$R/var/crash" 2>/dev/null; then
        kd start
        [ "$RC" = 1 ] && echo "$OUT" | grep -q "Not enough space in .*var/crash" && [ "$(head -c 16 "$R/dev/sdb")" = KDUMPKIT-RAWDUMP ] &&
                [ -z "$(ls "$R/var/crash")" ] && [ "$(cat "$R/sys/kernel/kexec_crash_loaded")" = 0 ] \
                && ok "raw: no room to save it: the dump stays on the device, kdump not armed" || not_ok "raw no space" "rc=$RC" "$OUT"
        umount "$R/var/crash"
        kd start
        [ "$RC" = 0 ] && [ "$(stat -c %s "$R/var/crash/crashedhost-2023-11-14-22:13:20/vmcore" 2>/dev/null)" = 4000 ] \
                && ok "raw: once there is room, the next start saves it" || not_ok "raw room made" "rc=$RC" "$OUT"
else
        echo "skip - raw no space: cannot mount a tmpfs here (not root)"
fi
fresh raw-fs
printf 'raw /dev/sdb\n' > "$R/etc/kdump.conf"
mkswap "$R/dev/sdb" > /dev/null 2>&1
cp "$R/dev/sdb" "$WORK/sdb.before"
kd check-config
[ "$RC" = 1 ] && echo "$OUT" | grep -q "carries a swap signature" && ok "raw: check-config refuses a device with a signature" \
        || not_ok "raw signature check-config" "$OUT"
kd start
[ "$RC" = 1 ] && cmp -s "$R/dev/sdb" "$WORK/sdb.before" && [ "$(dracut_runs)" = 0 ] \
        && ok "raw: start refuses it and leaves it untouched" || not_ok "raw signature start" "$OUT"

# ---- savecore: a capture kernel that booted the root file system ----------
# The real (ASan) kdump-collect, through a wrapper where LIBEXECDIR is in the
# fake root; makedumpfile and journalctl are the doubles.  /proc/vmcore is
# 64 KiB of random bytes, which the makedumpfile double copies.
COLLECT=${COLLECT:-$TOP/build/asan/kdump-collect}
export KDUMP_LOG_STDERR=1 KDUMP_NOW=1700000000
SC_DIR=kdumptest-2023-11-14-22:13:20
capture_root() {
        fresh "$1"
        printf '#!/bin/sh\nexec "%s" "$@"\n' "$COLLECT" > "$R/usr/libexec/kdumpkit/kdump-collect"
        head -c 65536 /dev/urandom > "$R/proc/vmcore"
}
# the dump directory D holds a whole vmcore, its dmesg, and a status record saying RESULT
dump_saved() {
        local d=$1
        cmp -s "$d/vmcore" "$R/proc/vmcore" && [ -s "$d/vmcore-dmesg.txt" ] \
                && [ -z "$(find "$d" -name '*incomplete*')" ] && grep -qx 'result=saved' "$d/kdump-capture.status" \
                && grep -qxF "location=$(realpath "$d")" "$d/kdump-capture.status"
}
capture_root savecore
kd savecore
if [ "$RC" = 0 ] && dump_saved "$R/var/crash/$SC_DIR" && [ "$(runs kexec)" = 0 ] && [ "$(runs systemctl)" = 0 ]; then
        ok "savecore: /proc/vmcore saved to path/<host>-<date>/vmcore with its dmesg and result=saved; nothing loaded, no final_action"
else
        not_ok "savecore saves" "rc=$RC" "$OUT" "$(ls -lR "$R/var/crash" 2>&1)" "$(cat "$R/var/crash/$SC_DIR/kdump-capture.status" 2>&1)"
fi
kd status
echo "$OUT" | grep -qx "Last capture: saved to /var/crash/$SC_DIR (vmcore 0.1 MiB in [0-9.]* s)" \
        && ok "savecore: status reports the saved dump" || not_ok "savecore status" "$OUT"
cp "$R/var/crash/$SC_DIR/vmcore" "$WORK/savecore-first"
head -c 65536 /dev/urandom > "$R/proc/vmcore"
kd savecore
if [ "$RC" = 0 ] && dump_saved "$R/var/crash/$SC_DIR-1" && cmp -s "$R/var/crash/$SC_DIR/vmcore" "$WORK/savecore-first"; then
        ok "savecore: an earlier dump of the same second is kept, the new one goes to <host>-<date>-1"
else
        not_ok "savecore twice" "rc=$RC" "$OUT" "$(ls -lR "$R/var/crash" 2>&1)"
fi

capture_root savecore-fail
KDUMP_TEST_MDF_FAIL=1 kd savecore
d="$R/var/crash/$SC_DIR"
if [ "$RC" = 1 ] && [ ! -e "$d/vmcore" ] && [ "$(stat -c %s "$d/vmcore-incomplete" 2>/dev/null)" = 32768 ] \
        && grep -qx 'result=failed' "$d/kdump-capture.status" \
        && grep -qx 'reason=core_collector makedumpfile exited with status 1' "$d/kdump-capture.status" \
        && echo "$OUT" | grep -qF "Saving the dump failed"; then
        ok "savecore: a failing collector leaves vmcore-incomplete and result=failed, exit 1"
else
        not_ok "savecore failing" "rc=$RC" "$OUT" "$(ls -lR "$R/var/crash" 2>&1)" "$(cat "$d/kdump-capture.status" 2>&1)"
fi

fresh savecore-none
kd savecore
if [ "$RC" = 1 ] && echo "$OUT" | grep -qF "/proc/vmcore: this is not a capture kernel after a crash, there is no dump to save" \
        && [ -z "$(ls -A "$R/var/crash")" ]; then
        ok "savecore without /proc/vmcore: says so, exit 1, nothing written"
else
        not_ok "savecore without vmcore" "rc=$RC" "$OUT"
fi
kd start
if [ "$RC" = 0 ] && [ "$(runs kexec)" = 1 ] && [ "$(cat "$R/sys/kernel/kexec_crash_loaded")" = 1 ] \
        && [ "$(runs systemctl)" = 0 ] && [ -z "$(ls -A "$R/var/crash")" ]; then
        ok "start without /proc/vmcore arms as before"
else
        not_ok "start without vmcore" "rc=$RC" "$OUT"
fi

capture_root savecore-start
# an unknown directive: read leniently in a capture kernel, the dump matters more
printf 'path /var/crash\nfrobnicate yes\n' > "$R/etc/kdump.conf"
kd start
if [ "$RC" = 0 ] && dump_saved "$R/var/crash/$SC_DIR" && [ "$(runs kexec)" = 0 ] && [ "$(runs dracut)" = 0 ] \
        && [ "$(runs systemctl)" = 1 ] && [ "$(sed -n 2,3p "$LOG/systemctl.args" | tr '\n' ' ')" = "--no-block reboot " ] \
        && [ "$(cat "$R/sys/kernel/kexec_crash_loaded")" = 0 ]; then
        ok "start with /proc/vmcore: saves the dump (kdump.conf read leniently), loads nothing, final_action reboot"
else
        not_ok "start with vmcore" "rc=$RC" "$OUT" "$(cat "$LOG/systemctl.args" "$LOG/kexec.args" 2>&1)"
fi
capture_root savecore-poweroff
printf 'path /var/crash\nfinal_action poweroff\n' > "$R/etc/kdump.conf"
kd start
if [ "$RC" = 0 ] && dump_saved "$R/var/crash/$SC_DIR" && [ "$(sed -n 3p "$LOG/systemctl.args")" = poweroff ]; then
        ok "start with /proc/vmcore: final_action poweroff"
else
        not_ok "start with vmcore, poweroff" "rc=$RC" "$OUT" "$(cat "$LOG/systemctl.args" 2>&1)"
fi
capture_root savecore-start-fail
printf 'path /var/crash\nfailure_action halt\nfinal_action poweroff\n' > "$R/etc/kdump.conf"
KDUMP_TEST_MDF_FAIL=1 kd start
if [ "$RC" = 1 ] && [ -e "$R/var/crash/$SC_DIR/vmcore-incomplete" ] && [ "$(runs systemctl)" = 1 ] \
        && [ "$(sed -n 3p "$LOG/systemctl.args")" = halt ] && [ "$(runs kexec)" = 0 ]; then
        ok "start with /proc/vmcore, saving fails: failure_action halt, not final_action; exit 1"
else
        not_ok "start with vmcore, failing" "rc=$RC" "$OUT" "$(cat "$LOG/systemctl.args" 2>&1)"
fi
capture_root savecore-start-shell
printf 'path /var/crash\nfailure_action shell\n' > "$R/etc/kdump.conf"
KDUMP_TEST_MDF_FAIL=1 kd start
if [ "$RC" = 1 ] && [ "$(runs systemctl)" = 0 ] && echo "$OUT" | grep -qF "The system stays up"; then
        ok "start with /proc/vmcore, saving fails, failure_action shell: the system stays up"
else
        not_ok "start with vmcore, shell" "rc=$RC" "$OUT" "$(cat "$LOG/systemctl.args" 2>&1)"
fi

# dedicated targets: where the first kernel's mount table has them
capture_root savecore-dedicated
printf 'ext4 LABEL=dumps\npath /crash\n' > "$R/etc/kdump.conf"
mkdir -p "$R/mnt/dumps"
kd savecore
if [ "$RC" = 0 ] && cmp -s "$R/mnt/dumps/crash/$SC_DIR/vmcore" "$R/proc/vmcore" && [ -z "$(ls -A "$R/var/crash")" ]; then
        ok "savecore: an ext4 target mounted here gets the dump at its mount point's path"
else
        not_ok "savecore dedicated" "rc=$RC" "$OUT" "$(ls -lR "$R/mnt" 2>&1)"
fi
capture_root savecore-unmounted
printf 'ext4 UUID=9999-gone\npath /crash\nfailure_action dump_to_rootfs\n' > "$R/etc/kdump.conf"
kd savecore
if [ "$RC" = 1 ] && echo "$OUT" | grep -qF "The dump target ext4 UUID=9999-gone is not mounted here." \
        && echo "$OUT" | grep -qF "mount it (as /etc/fstab says) and run 'kdumpctl savecore'" && [ ! -e "$R/crash" ]; then
        ok "savecore: a dedicated target not mounted is an error that says what to do"
else
        not_ok "savecore unmounted" "rc=$RC" "$OUT"
fi
kd start
if [ "$RC" = 0 ] && cmp -s "$R/crash/$SC_DIR/vmcore" "$R/proc/vmcore" && [ "$(sed -n 3p "$LOG/systemctl.args")" = reboot ]; then
        ok "start with /proc/vmcore, target not mounted, failure_action dump_to_rootfs: path on the root file system, then final_action"
else
        not_ok "start, unmounted, dump_to_rootfs" "rc=$RC" "$OUT" "$(cat "$LOG/systemctl.args" 2>&1)"
fi
capture_root savecore-ssh
printf 'ssh kdump@192.0.2.1\npath /var/crash\n' > "$R/etc/kdump.conf"
kd savecore
if [ "$RC" = 0 ] && dump_saved "$R/var/crash/$SC_DIR" \
        && echo "$OUT" | grep -qF "The ssh target kdump@192.0.2.1 is not written from a full boot: saving the dump to /var/crash"; then
        ok "savecore: an ssh target's dump goes to path on this system, and it says so"
else
        not_ok "savecore ssh" "rc=$RC" "$OUT"
fi
unset KDUMP_LOG_STDERR KDUMP_NOW

# ---- rebuild --sysroot, then start inside ----------------------------------
fresh image
printf 'path /var/crash\n' > "$R/etc/kdump.conf"
mkdir -p "$R/lib/modules/5.10.0-old"; echo old > "$R/boot/vmlinuz-5.10.0-old"
kd rebuild --sysroot "$R"
[ "$RC" = 0 ] && [ -f "$R/var/lib/kdump/initramfs-${KVER}kdump.img" ] && grep -qx -- --no-hostonly "$LOG/dracut.args" \
        && ok "rebuild --sysroot builds the newest kernel's image, non-hostonly" || not_ok "rebuild --sysroot" "$OUT"
kd start
[ "$RC" = 0 ] && [ "$(dracut_runs)" = 1 ] && ok "start inside the image finds the --sysroot build up to date" \
        || not_ok "start after --sysroot build" "$OUT"
# the tree's own dracut, run inside the tree: never the build host's
if [ "$(sed -n 1p "$LOG/dracut.args")" = '$ unshare' ] && grep -qx -- "--root" "$LOG/dracut.args" \
        && grep -qx "$R" "$LOG/dracut.args" && ! grep -q -- "--sysroot" "$LOG/dracut.args" \
        && grep -qx "/var/lib/kdump/initramfs-${KVER}kdump.img.tmp" "$LOG/dracut.args"; then
        ok "rebuild --sysroot runs the tree's dracut chrooted in the tree (unshare --root), with the tree's paths"
else
        not_ok "rebuild --sysroot runs the tree's dracut" "$(cat "$LOG/dracut.args")"
fi
fresh image-nodracut
rm "$R/usr/bin/dracut"
kd rebuild --sysroot "$R"
[ "$RC" = 1 ] && [ "$(dracut_runs)" = 0 ] && echo "$OUT" | grep -qF "$R has no dracut: install dracut (Debian: dracut-core) in the image" \
        && ok "rebuild --sysroot of a tree without dracut: refused, the host's dracut is not used" || not_ok "sysroot no dracut" "$OUT"
fresh image-nodev
rm "$R/dev/null"
kd rebuild --sysroot "$R"
[ "$RC" = 1 ] && [ "$(dracut_runs)" = 0 ] && echo "$OUT" | grep -qF "mount --bind /dev $R/dev" \
        && ok "rebuild --sysroot of a tree without /dev/null: says to mount /dev" || not_ok "sysroot no /dev/null" "$OUT"

# ---- an image from a plain `dracut --add kdumpbase` (an image builder's) ----
# the module runs `kdumpctl bake --sysroot /` in the tree; dracut packs what it
# wrote; start judges the image by the manifest inside (real lsinitrd)
fresh baked-image
mkdir -p "$WORK/bake/etc/kdump"
kd bake --sysroot "$R" --kver "$KVER" --conf "$WORK/bake/etc/kdump.conf" --manifest "$WORK/bake/etc/kdump/manifest"
mkdir -p "$R/var/lib/kdump"
(cd "$WORK/bake" && find . | cpio -o -H newc --quiet) > "$R/var/lib/kdump/initramfs-${KVER}kdump.img"
if [ "$RC" = 0 ] && grep -qx "path /var/crash" "$WORK/bake/etc/kdump.conf" && [ -s "$WORK/bake/etc/kdump/manifest" ]; then
        ok "bake writes the baked configuration and the manifest for the module"
else
        not_ok "bake" "rc=$RC" "$OUT"
fi
kd start
if [ "$RC" = 0 ] && [ "$(dracut_runs)" = 0 ] && echo "$OUT" | grep -q "built by dracut's kdumpbase directly" \
        && echo "$OUT" | grep -q "is up to date" && grep -qx -- "--initrd=$R/var/lib/kdump/initramfs-${KVER}kdump.img" "$LOG/kexec.args"; then
        ok "start accepts a plain dracut --add kdumpbase image by the manifest it carries, and loads it"
else
        not_ok "start with a dracut-built image" "rc=$RC runs=$(dracut_runs)" "$OUT"
fi
kd stop
printf 'path /var/crash/other\n' > "$R/etc/kdump.conf"
kd start
[ "$RC" = 0 ] && [ "$(dracut_runs)" = 1 ] && echo "$OUT" | grep -q "Rebuilding: kdump.conf 'path' changed" \
        && ok "a dracut-built image whose configuration changed since is rebuilt, and why is said" || not_ok "dracut-built image, conf changed" "$OUT"
# an image of a cluster node: names from the image's /etc/hosts, its own name
# from its /etc/hostname, its NIC by DHCP (nothing of this machine applies)
fence_root image "fence_kdump_nodes node2 192.0.2.13"
echo kdumptest > "$R/etc/hostname"
kd rebuild --sysroot "$R"
if [ "$RC" = 0 ] && grep -qx 'fence_kdump_nodes 192.0.2.12 192.0.2.13' "$LOG/baked.conf" &&
        grep -qx 'kdumpbase network' "$LOG/dracut.args" && grep -q '^virtio_blk .*virtio_net' "$LOG/dracut.args"; then
        ok "fence: rebuild --sysroot bakes the image's /etc/hosts addresses, adds the network and NIC drivers"
else
        not_ok "fence: rebuild --sysroot" "rc=$RC" "$OUT" "$(cat "$LOG/baked.conf" "$LOG/dracut.args" 2>&1)"
fi
printf 'path /var/crash\nfence_kdump_nodes KDUMPTEST\n' > "$R/etc/kdump.conf"
kd rebuild --sysroot "$R"
if [ "$RC" != 0 ] && echo "$OUT" | grep -qF "$R/etc/kdump.conf:2: fence_kdump_nodes 'KDUMPTEST': that is this machine's own name"; then
        ok "fence: rebuild --sysroot refuses the image's own host name"
else
        not_ok "fence: rebuild --sysroot, own name" "rc=$RC" "$OUT"
fi

# ---- test verb --------------------------------------------------------------
fresh testverb
kd test --force
[ "$RC" = 1 ] && echo "$OUT" | grep -q "not operational" && ok "test refuses when not operational" || not_ok "test not operational" "$OUT"
kd start
kd test < /dev/null
[ "$RC" = 1 ] && echo "$OUT" | grep -q -- "--force" && ok "test asks for --force when not interactive" || not_ok "test non-interactive" "$OUT"
kd test --force
[ "$RC" = 0 ] && [ "$(cat "$R/proc/sysrq-trigger")" = c ] && [ -f "$R/var/lib/kdump/test-pending" ] \
        && ok "test --force records a pending test and writes c to sysrq-trigger" || not_ok "test --force" "$OUT"
kd status
echo "$OUT" | grep -q "FAILED" && ok "status reports a failed test" || not_ok "status failed test" "$OUT"
mkdir -p "$R/var/crash/host-2030-01-01-00:00:00"; echo x > "$R/var/crash/host-2030-01-01-00:00:00/vmcore"
kd status
echo "$OUT" | grep -q "succeeded, dump saved as" && ok "status reports a successful test" || not_ok "status successful test" "$OUT"

# ---- propagate --------------------------------------------------------------
fresh propagate
printf 'ssh kdump@[fd00::1]\nsshkey /root/.ssh/kdump_id_ed25519\n' > "$R/etc/kdump.conf"
kd propagate
[ "$RC" = 0 ] && [ -f "$R/root/.ssh/kdump_id_ed25519" ] && grep -qx ed25519 "$LOG/ssh-keygen.args" \
        && grep -qx "kdump@fd00::1" "$LOG/ssh-copy-id.args" && grep -qx "kdump@\[fd00::1\]" "$LOG/sftp.args" \
        && grep -qx "CheckHostIP=yes" "$LOG/ssh-copy-id.args" && grep -qx "HashKnownHosts=no" "$LOG/ssh-copy-id.args" \
        && [ -s "$R/var/lib/kdump/known_hosts" ] \
        && ok "propagate: ed25519 key, installed, host key pinned, verified" || not_ok "propagate" "$OUT"
KDUMP_TEST_SSH_FAIL=1 kd propagate
[ "$RC" = 1 ] && echo "$OUT" | grep -q "run 'kdumpctl propagate' again" && echo "$OUT" | grep -q "authorized_keys" \
        && ok "propagate failure says what to do" || not_ok "propagate failure" "$OUT"
kd start
[ "$RC" = 0 ] && ok "start with an ssh target after propagate" || not_ok "start ssh after propagate" "$OUT"
fresh nokey
printf 'ssh kdump@dumphost\n' > "$R/etc/kdump.conf"
kd start
[ "$RC" = 1 ] && echo "$OUT" | grep -q "kdumpctl propagate" && ok "start without the ssh key says: run propagate" \
        || not_ok "start without ssh key" "$OUT"

# ---- Fedora's ssh trust: a host key root's known_hosts already has --------
# real host keys (ssh-keygen -F, run for real by the double, parses them)
ssh-keygen -q -t ed25519 -N '' -f "$WORK/hostkey" -C host
ssh-keygen -q -t ed25519 -N '' -f "$WORK/otherkey" -C other
HOSTPUB=$(cut -d' ' -f1,2 "$WORK/hostkey.pub")
OTHERPUB=$(cut -d' ' -f1,2 "$WORK/otherkey.pub")
trust_root() {
        fresh "$1"
        printf 'ssh kdump@dumphost\nsshkey /root/.ssh/kdump_id\n' > "$R/etc/kdump.conf"
        mkdir -p "$R/root/.ssh"; echo key > "$R/root/.ssh/kdump_id"
}
trust_root trust-plain
printf 'otherhost %s\ndumphost,192.0.2.9 %s\n' "$OTHERPUB" "$HOSTPUB" > "$R/root/.ssh/known_hosts"
kd start
if [ "$RC" = 0 ] && [ "$(cat "$R/var/lib/kdump/known_hosts" 2>/dev/null)" = "dumphost $HOSTPUB" ] \
        && [ "$(stat -c %a "$R/var/lib/kdump/known_hosts")" = 600 ] \
        && echo "$OUT" | grep -qF "Pinned the host key of dumphost that /root/.ssh/known_hosts trusts into /var/lib/kdump/known_hosts" \
        && grep -qx "KDUMP_KNOWN_HOSTS=$R/var/lib/kdump/known_hosts" "$LOG/ssh-writer.args" && [ "$(dracut_runs)" = 1 ]; then
        ok "ssh trust: start pins the key root's known_hosts has for the host (only that one), says so, arms"
else
        not_ok "ssh trust: plain entry" "rc=$RC" "$OUT" "$(cat "$R/var/lib/kdump/known_hosts" 2>&1)"
fi
trust_root trust-hashed
printf 'dumphost %s\n' "$HOSTPUB" > "$R/root/.ssh/known_hosts"
ssh-keygen -q -H -f "$R/root/.ssh/known_hosts" >/dev/null 2>&1; rm -f "$R/root/.ssh/known_hosts.old"
kd check-config
if [ "$RC" = 0 ] && grep -q '^|1|' "$R/root/.ssh/known_hosts" \
        && [ "$(cat "$R/var/lib/kdump/known_hosts" 2>/dev/null)" = "dumphost $HOSTPUB" ]; then
        ok "ssh trust: a hashed entry (Debian's HashKnownHosts) is found and pinned unhashed"
else
        not_ok "ssh trust: hashed entry" "rc=$RC" "$OUT" "$(cat "$R/root/.ssh/known_hosts" "$R/var/lib/kdump/known_hosts" 2>&1)"
fi
trust_root trust-global
mkdir -p "$R/etc/ssh"; printf 'dumphost %s\n' "$HOSTPUB" > "$R/etc/ssh/ssh_known_hosts"
kd check-config
if [ "$RC" = 0 ] && [ "$(cat "$R/var/lib/kdump/known_hosts" 2>/dev/null)" = "dumphost $HOSTPUB" ] \
        && echo "$OUT" | grep -qF "that /etc/ssh/ssh_known_hosts trusts"; then
        ok "ssh trust: the system-wide ssh_known_hosts counts too"
else
        not_ok "ssh trust: global" "rc=$RC" "$OUT"
fi
trust_root trust-none
printf 'otherhost %s\n' "$OTHERPUB" > "$R/root/.ssh/known_hosts"
kd start
if [ "$RC" = 1 ] && [ ! -e "$R/var/lib/kdump/known_hosts" ] && [ "$(dracut_runs)" = 0 ] \
        && echo "$OUT" | grep -qF "No host key of dumphost is pinned in $R/var/lib/kdump/known_hosts, and neither root's ~/.ssh/known_hosts nor /etc/ssh/ssh_known_hosts knows one: run 'kdumpctl propagate'"; then
        ok "ssh trust: no trusted key anywhere fails closed, nothing pinned, nothing built"
else
        not_ok "ssh trust: none" "rc=$RC" "$OUT"
fi
trust_root trust-revoked
printf 'dumphost %s\n@revoked dumphost %s\n' "$HOSTPUB" "$OTHERPUB" > "$R/root/.ssh/known_hosts"
kd start
if [ "$RC" = 1 ] && [ ! -e "$R/var/lib/kdump/known_hosts" ] && echo "$OUT" | grep -qF "marks a host key of dumphost as @revoked"; then
        ok "ssh trust: a @revoked key for the host pins nothing"
else
        not_ok "ssh trust: revoked" "rc=$RC" "$OUT"
fi
trust_root trust-changed
mkdir -p "$R/var/lib/kdump"; printf 'dumphost %s\n' "$OTHERPUB" > "$R/var/lib/kdump/known_hosts"
printf 'dumphost %s\n' "$HOSTPUB" > "$R/root/.ssh/known_hosts"
KDUMP_TEST_PROBE_FAIL="host key of dumphost does not match the key pinned in $R/var/lib/kdump/known_hosts" kd start
if [ "$RC" = 1 ] && [ "$(cat "$R/var/lib/kdump/known_hosts")" = "dumphost $OTHERPUB" ] && [ "$(dracut_runs)" = 0 ] \
        && ! echo "$OUT" | grep -q "Pinned the host key"; then
        ok "ssh trust: an existing pin is never replaced by root's known_hosts (a changed key stays refused)"
else
        not_ok "ssh trust: changed" "rc=$RC" "$OUT" "$(cat "$R/var/lib/kdump/known_hosts")"
fi

# ---- target probe (ssh, nfs) ------------------------------------------------
# the writer double in the fake root's LIBEXECDIR answers `probe`
fresh probe
printf '# dumps over ssh\nssh kdump@192.0.2.9\nsshkey /root/.ssh/kdump_id\npath /srv/crash\n' > "$R/etc/kdump.conf"
mkdir -p "$R/root/.ssh" "$R/var/lib/kdump"; echo key > "$R/root/.ssh/kdump_id"; echo kh > "$R/var/lib/kdump/known_hosts"
kd check-config
[ "$RC" = 0 ] && grep -qx probe "$LOG/ssh-writer.args" && grep -qx "KDUMP_KNOWN_HOSTS=$R/var/lib/kdump/known_hosts" "$LOG/ssh-writer.args" \
        && grep -qx "sshkey $R/root/.ssh/kdump_id" "$LOG/probe.conf" && grep -qx "path /srv/crash" "$LOG/probe.conf" \
        && ! echo "$OUT" | grep -q warning \
        && ok "probe: check-config runs kdump-ssh-writer probe with the pinned known_hosts and the effective config" \
        || not_ok "probe: check-config runs the probe" "rc=$RC" "$OUT" "$(cat "$LOG/ssh-writer.args" "$LOG/probe.conf" 2>&1)"
KDUMP_TEST_PROBE_FAIL="host key of 192.0.2.9 does not match the key pinned in $R/var/lib/kdump/known_hosts: run 'kdumpctl propagate' if the server was reinstalled" \
        kd check-config
[ "$RC" = 1 ] && echo "$OUT" | grep -qF "$R/etc/kdump.conf:2: host key of 192.0.2.9 does not match the key pinned in $R/var/lib/kdump/known_hosts: run 'kdumpctl propagate'" \
        && echo "$OUT" | grep -q "KDUMP_SKIP_PROBE=1" && ! echo "$OUT" | grep -q "^# effective configuration" \
        && ok "probe: check-config fails with the writer's message at the target's file:line" || not_ok "probe: check-config failure" "rc=$RC" "$OUT"
KDUMP_TEST_PROBE_FAIL="cannot reach the ssh server 192.0.2.9" kd start
[ "$RC" = 1 ] && echo "$OUT" | grep -qF "$R/etc/kdump.conf:2: cannot reach the ssh server 192.0.2.9" && [ "$(dracut_runs)" = 0 ] \
        && [ ! -e "$LOG/kexec.args" ] && ok "probe: start refuses to build and load when the probe fails" \
        || not_ok "probe: start refuses" "rc=$RC runs=$(dracut_runs)" "$OUT"
KDUMP_TEST_PROBE_FAIL=unreachable KDUMP_SKIP_PROBE=1 kd start
[ "$RC" = 0 ] && echo "$OUT" | grep -q "KDUMP_SKIP_PROBE=1" && [ "$(dracut_runs)" = 1 ] \
        && ok "probe: KDUMP_SKIP_PROBE=1 skips it, and says so" || not_ok "probe: KDUMP_SKIP_PROBE" "rc=$RC" "$OUT"
echo 0 > "$R/sys/kernel/kexec_crash_loaded"
# MemTotal 4000000 kB; -d 31 counts 1/8 of it: 488 MiB
KDUMP_TEST_PROBE_FREE=104857600 kd start
[ "$RC" = 0 ] && echo "$OUT" | grep -qF "warning: ssh target has 100 MiB free, a dump may need up to 488 MiB" \
        && ok "probe: low free space warns (-d 31: RAM/8), start goes on" || not_ok "probe: low free space" "rc=$RC" "$OUT"
echo 0 > "$R/sys/kernel/kexec_crash_loaded"
echo 'core_collector cp' >> "$R/etc/kdump.conf"
KDUMP_TEST_PROBE_FREE=1073741824 kd check-config
[ "$RC" = 0 ] && echo "$OUT" | grep -qF "warning: ssh target has 1024 MiB free, a dump may need up to 3906 MiB" \
        && ok "probe: cp counts all of RAM" || not_ok "probe: cp estimate" "rc=$RC" "$OUT"
KDUMP_TEST_PROBE_FREE=unknown kd check-config
[ "$RC" = 0 ] && ! echo "$OUT" | grep -q warning && ok "probe: free space unknown is no warning" || not_ok "probe: unknown free" "$OUT"
KDUMP_TEST_PROBE_FREE=1073741824 kd show
[ "$RC" = 0 ] && echo "$OUT" | grep -qx "Target probe: ok, 1024 MiB free, too little (a dump may need up to 3906 MiB)" \
        && ok "show: reports the probe" || not_ok "show: reports the probe" "$OUT"
KDUMP_TEST_PROBE_FAIL="cannot reach the ssh server 192.0.2.9" kd show
[ "$RC" = 0 ] && echo "$OUT" | grep -qx "Target probe: FAILED: cannot reach the ssh server 192.0.2.9" \
        && ok "show: a failed probe is reported, show still succeeds" || not_ok "show: failed probe" "rc=$RC" "$OUT"
rm "$R/usr/libexec/kdumpkit/kdump-ssh-writer"
kd check-config
[ "$RC" = 1 ] && echo "$OUT" | grep -q "kdump.conf:2: probe of the ssh target kdump@192.0.2.9: kdump-ssh-writer " \
        && ok "probe: a missing writer fails check-config" || not_ok "probe: missing writer" "rc=$RC" "$OUT"
fresh probe-nfs
printf 'nfs 192.0.2.20:/export\npath /srv/crash\n' > "$R/etc/kdump.conf"
kd check-config
[ "$RC" = 0 ] && grep -qx probe "$LOG/nfs-writer.args" && grep -qx "path /srv/crash" "$LOG/probe.conf" \
        && ! echo "$OUT" | grep -q warning \
        && ok "probe: check-config runs kdump-nfs-writer probe with the effective config" \
        || not_ok "probe: nfs probe" "rc=$RC" "$OUT" "$(cat "$LOG/nfs-writer.args" "$LOG/probe.conf" 2>&1)"
KDUMP_TEST_PROBE_FAIL="cannot mount 192.0.2.20:/export with NFSv4 or NFSv3 (one attempt, 10 s timeout)." kd start
[ "$RC" = 1 ] && echo "$OUT" | grep -qF "$R/etc/kdump.conf:1: cannot mount 192.0.2.20:/export" && [ "$(dracut_runs)" = 0 ] \
        && echo "$OUT" | grep -q "the nfs target 192.0.2.20:/export is not usable" \
        && ok "probe: start refuses an nfs target whose probe fails" || not_ok "probe: nfs failure" "rc=$RC" "$OUT"
KDUMP_TEST_PROBE_FREE=104857600 kd show
[ "$RC" = 0 ] && echo "$OUT" | grep -qx "Target probe: ok, 100 MiB free, too little (a dump may need up to 488 MiB)" \
        && ok "show: reports the nfs probe" || not_ok "show: nfs probe" "$OUT"
KDUMP_TEST_PROBE_FREE=104857600 kd check-config
[ "$RC" = 0 ] && echo "$OUT" | grep -qF "warning: nfs target has 100 MiB free, a dump may need up to 488 MiB" \
        && ok "probe: low free space on nfs warns" || not_ok "probe: nfs low free space" "rc=$RC" "$OUT"
# ---- a chain of dump targets ---------------------------------------------------
fresh chain
printf 'ssh kdump@192.0.2.9\nsshkey /root/.ssh/kdump_id\nnfs 192.0.2.20:/export\npath /srv/crash\next4 LABEL=dumps\n' > "$R/etc/kdump.conf"
mkdir -p "$R/root/.ssh" "$R/var/lib/kdump"; echo key > "$R/root/.ssh/kdump_id"; echo kh > "$R/var/lib/kdump/known_hosts"
kd check-config
if [ "$RC" = 0 ] && grep -qx probe "$LOG/ssh-writer.args" && grep -qx probe "$LOG/nfs-writer.args" &&
        grep -qx KDUMP_TARGET_INDEX=1 "$LOG/nfs-writer.args" &&
        [ "$(grep -c -e '^ssh ' -e '^nfs ' -e '^ext4 ' "$LOG/probe.conf")" = 3 ]; then
        ok "chain: check-config probes every remote member, each writer told which member it serves"
else
        not_ok "chain: check-config probes every member" "rc=$RC" "$OUT" "$(cat "$LOG/nfs-writer.args" 2>&1)"
fi
kd show
if [ "$RC" = 0 ] && echo "$OUT" | grep -qx "Dump target 1 of 3: ssh kdump@192.0.2.9, path /srv/crash" &&
        echo "$OUT" | grep -qx "Dump target 2 of 3: nfs 192.0.2.20:/export, path /srv/crash" &&
        echo "$OUT" | grep -q "^Dump target 3 of 3: ext4 LABEL=dumps (mounted on /mnt/dumps), path /srv/crash" &&
        [ "$(echo "$OUT" | grep -c '^Target probe: ok')" = 2 ]; then
        ok "chain: show lists the members in the order tried, each with its probe"
else
        not_ok "chain: show lists the chain" "rc=$RC" "$OUT"
fi
mv "$R/usr/libexec/kdumpkit/kdump-nfs-writer" "$R/usr/libexec/kdumpkit/kdump-nfs-writer.off"
kd start
if [ "$RC" = 1 ] && echo "$OUT" | grep -q "kdump.conf:3: probe of the nfs target 192.0.2.20:/export: kdump-nfs-writer " &&
        [ "$(dracut_runs)" = 0 ] && [ ! -e "$LOG/kexec.args" ]; then
        ok "chain: a later member that cannot work now refuses the configuration, at its line"
else
        not_ok "chain: a failing later member" "rc=$RC" "$OUT"
fi
mv "$R/usr/libexec/kdumpkit/kdump-nfs-writer.off" "$R/usr/libexec/kdumpkit/kdump-nfs-writer"
printf 'nfs 192.0.2.20:/export\nraw /dev/nonexistent\n' > "$R/etc/kdump.conf"
kd check-config
[ "$RC" = 1 ] && echo "$OUT" | grep -qF "$R/etc/kdump.conf:2: raw device '/dev/nonexistent' does not exist" \
        && ok "chain: a member that cannot be resolved refuses the chain (Fedora's strict rule, per member)" \
        || not_ok "chain: unresolvable member" "rc=$RC" "$OUT"
printf 'nfs 192.0.2.20:/export\nnfs 192.0.2.20:/export\n' > "$R/etc/kdump.conf"
kd check-config
[ "$RC" = 1 ] && echo "$OUT" | grep -qF "$R/etc/kdump.conf:2: dump target 'nfs 192.0.2.20:/export' is already on line 1" \
        && ok "chain: the same target twice is refused" || not_ok "chain: same target twice" "rc=$RC" "$OUT"
printf 'nfs 192.0.2.20:/export\nkeep_dumps 3\n' > "$R/etc/kdump.conf"
kd check-config
[ "$RC" = 1 ] && echo "$OUT" | grep -qF "kdump.conf:2: keep_dumps applies to local and raw targets only" \
        && ok "chain: keep_dumps on remote members only is refused" || not_ok "chain: keep_dumps remote" "rc=$RC" "$OUT"
printf 'nfs 192.0.2.20:/export\next4 LABEL=dumps\nkeep_dumps 3\n' > "$R/etc/kdump.conf"
kd check-config
[ "$RC" = 0 ] && ok "chain: keep_dumps with a local member applies to it" || not_ok "chain: keep_dumps local member" "rc=$RC" "$OUT"

fresh probe-sysroot
printf 'ssh kdump@192.0.2.9\nsshkey /root/.ssh/kdump_id\n' > "$R/etc/kdump.conf"
mkdir -p "$R/root/.ssh" "$R/var/lib/kdump"; echo key > "$R/root/.ssh/kdump_id"; echo kh > "$R/var/lib/kdump/known_hosts"
KDUMP_TEST_PROBE_FAIL=unreachable kd check-config
[ "$RC" = 1 ] && ok "probe: runs under KDUMP_SYSROOT (a fake root, not an image)" || not_ok "probe under KDUMP_SYSROOT" "$OUT"

# ---- memory verbs -----------------------------------------------------------
fresh mem
kd get-default-crashkernel
[ "$RC" = 0 ] && [ "$OUT" = "1G-4G:160M,4G-64G:256M,64G-:512M" ] && ok "get-default-crashkernel (x86_64)" \
        || not_ok "get-default-crashkernel" "$OUT"
kd showmem
[ "$RC" = 0 ] && [ "$OUT" = "Reserved 256MB memory for crash kernel" ] && ok "showmem" || not_ok "showmem" "$OUT"
kd start; kd estimate
[ "$RC" = 0 ] && echo "$OUT" | grep -q "Kernel image size" && echo "$OUT" | grep -q "Initramfs size" \
        && echo "$OUT" | grep -q "Runtime reservation" && echo "$OUT" | grep -q "Reserved crashkernel:    256MB" \
        && ok "estimate prints each component and the reservation" || not_ok "estimate" "$OUT"
# the arithmetic, on known sizes: a bzImage header saying init_size 40MiB and
# a gzip (then zstd) image of exactly 3MiB (5MiB) unpacked: 40 + 3 + 20 runtime
# = 63 (+ the compressed few KB) -> 64 rounded, + 16 margin = 80MB (zstd: 65.x
# -> 80 + 16 = 96MB)
python3 -c 'import struct, sys
h = bytearray(0x268); h[0x202:0x206] = b"HdrS"; h[0x260:0x264] = struct.pack("<I", 40 << 20)
open(sys.argv[1], "wb").write(h)' "$R/boot/vmlinuz-$KVER"
head -c 3145728 /dev/zero | gzip -9 > "$R/var/lib/kdump/initramfs-${KVER}kdump.img"
kd estimate
[ "$RC" = 0 ] && echo "$OUT" | grep -q "^Recommended crashkernel: 80MB (about 64MB needed" \
        && echo "$OUT" | grep -q "^Kernel image size:   40MB$" \
        && echo "$OUT" | grep -q "^Initramfs size:      1MB compressed, 3MB unpacked$" \
        && ! echo "$OUT" | grep -q "lower than recommended" && ok "estimate: gzip image counted exactly" \
        || not_ok "estimate gzip arithmetic" "$OUT"
head -c 5242880 /dev/zero | zstd -q -19 > "$R/var/lib/kdump/initramfs-${KVER}kdump.img"
kd estimate
[ "$RC" = 0 ] && echo "$OUT" | grep -q "^Initramfs size:      1MB compressed, 5MB unpacked$" \
        && echo "$OUT" | grep -q "^Recommended crashkernel: 96MB (about 66MB needed" \
        && ok "estimate: zstd image counted exactly" || not_ok "estimate zstd arithmetic" "$OUT"
# an uncompressed cpio (a squashed image): unpacked is its size; 40 + 4 + 4 + 20 = 68 -> 80 + 16
{ printf 070701; head -c $((4194304 - 6)) /dev/zero; } > "$R/var/lib/kdump/initramfs-${KVER}kdump.img"
kd estimate
[ "$RC" = 0 ] && echo "$OUT" | grep -q "^Initramfs size:      4MB compressed, 4MB unpacked$" \
        && echo "$OUT" | grep -q "^Recommended crashkernel: 96MB (about 68MB needed" \
        && ok "estimate: an uncompressed cpio counts its own size" || not_ok "estimate uncompressed cpio" "$OUT"
printf 'not an initramfs' > "$R/var/lib/kdump/initramfs-${KVER}kdump.img"
kd estimate
[ "$RC" = 0 ] && echo "$OUT" | grep -q "unpacked (estimated)$" && ok "estimate: an unknown image format is guessed and says so" \
        || not_ok "estimate unknown format" "$OUT"

# ---- crashkernel=SIZE,cma (Linux 6.17) -------------------------------------
fresh cma
kd get-default-crashkernel --cma
[ "$RC" = 1 ] && echo "$OUT" | grep -qF "cannot take crashkernel=SIZE,cma" \
        && ok "get-default-crashkernel --cma: refused for a kernel without CMA crash support" \
        || not_ok "get-default-crashkernel --cma, no support" "rc=$RC" "$OUT"
kd get-default-crashkernel --bogus
[ "$RC" = 2 ] && ok "get-default-crashkernel: an unknown option is a usage error" \
        || not_ok "get-default-crashkernel --bogus" "rc=$RC" "$OUT"
# a kernel that has it: CONFIG_CMA and Linux 6.17's reserve_crashkernel_cma
printf 'CONFIG_X=y\nCONFIG_CMA=y\n' > "$R/boot/config-$KVER"
printf 'ffffffff81000000 T _text\nffffffff83a1b2c0 T reserve_crashkernel_cma\n' > "$R/boot/System.map-$KVER"
kd get-default-crashkernel --cma
# 4000000 kB + 256M reserved: the 4G-64G:256M range; no kernel header nor
# image to measure: the 96M fixed part of x86_64
[ "$RC" = 0 ] && [ "$OUT" = "crashkernel=96M crashkernel=160M,cma" ] \
        && ok "get-default-crashkernel --cma: the default split for this RAM" \
        || not_ok "get-default-crashkernel --cma" "rc=$RC" "$OUT"
# the running kernel, without System.map (Debian 14): its crash_cma_ranges file
rm "$R/boot/System.map-$KVER"
mkdir -p "$R/sys/kernel/kexec"; : > "$R/sys/kernel/kexec/crash_cma_ranges"
kd get-default-crashkernel --cma
[ "$RC" = 0 ] && [ "$OUT" = "crashkernel=96M crashkernel=160M,cma" ] \
        && ok "get-default-crashkernel --cma: the running kernel's crash_cma_ranges file says it can" \
        || not_ok "get-default-crashkernel --cma, sysfs mark" "rc=$RC" "$OUT"
rm -r "$R/sys/kernel/kexec"
printf 'ffffffff81000000 T _text\nffffffff83a1b2c0 t reserve_crashkernel_cma\n' > "$R/proc/kallsyms"
kd get-default-crashkernel --cma
[ "$RC" = 0 ] && ok "get-default-crashkernel --cma: or its /proc/kallsyms" || not_ok "get-default-crashkernel --cma, kallsyms" "rc=$RC" "$OUT"
rm "$R/proc/kallsyms"
kd get-default-crashkernel --cma
[ "$RC" = 1 ] && ok "get-default-crashkernel --cma: no mark at all is no support" || not_ok "get-default-crashkernel --cma, no mark" "rc=$RC" "$OUT"
printf 'ffffffff81000000 T _text\nffffffff83a1b2c0 T reserve_crashkernel_cma\n' > "$R/boot/System.map-$KVER"
printf 'CONFIG_X=y\n# CONFIG_CMA is not set\n' > "$R/boot/config-$KVER"
kd get-default-crashkernel --cma
[ "$RC" = 1 ] && ok "get-default-crashkernel --cma: CONFIG_CMA unset is no support" \
        || not_ok "get-default-crashkernel --cma, CONFIG_CMA unset" "rc=$RC" "$OUT"
printf 'CONFIG_X=y\nCONFIG_CMA=y\n' > "$R/boot/config-$KVER"
python3 -c 'import struct, sys
h = bytearray(0x268); h[0x202:0x206] = b"HdrS"; h[0x260:0x264] = struct.pack("<I", 40 << 20)
open(sys.argv[1], "wb").write(h)' "$R/boot/vmlinuz-$KVER"
mkdir -p "$R/var/lib/kdump"
head -c 3145728 /dev/zero | gzip -9 > "$R/var/lib/kdump/initramfs-${KVER}kdump.img"
kd get-default-crashkernel --cma
# a kernel header and an image: the fixed part estimate computes (below)
[ "$RC" = 0 ] && [ "$OUT" = "crashkernel=56M crashkernel=200M,cma" ] \
        && ok "get-default-crashkernel --cma: the fixed part measured from this kernel and image" \
        || not_ok "get-default-crashkernel --cma, measured" "rc=$RC" "$OUT"
kd estimate
# fixed: 40M kernel + the image + 2M, to 8M steps (48M), + 8M margin; the
# rest of the 80M recommended in 16M steps
[ "$RC" = 0 ] && echo "$OUT" | grep -qF "crashkernel=56M crashkernel=32M,cma (the kernel and the initramfs stay in the fixed part" \
        && echo "$OUT" | grep -q "^Reserved crashkernel:    256MB$" \
        && ok "estimate: proposes a fixed and a CMA part where the kernel can" \
        || not_ok "estimate with CMA support" "rc=$RC" "$OUT"
# a CMA part reserved in this boot: 192M in two ranges
mkdir -p "$R/sys/kernel/kexec"
printf '100000000-107ffffff\n110000000-113ffffff\n' > "$R/sys/kernel/kexec/crash_cma_ranges"
echo 67108864 > "$R/sys/kernel/kexec_crash_size"
kd showmem
[ "$RC" = 0 ] && [ "$OUT" = "Reserved 64MB memory for crash kernel
Reserved 192MB CMA memory for crash kernel" ] && ok "showmem: the CMA part on its own line" \
        || not_ok "showmem with CMA" "$OUT"
kd estimate
[ "$RC" = 0 ] && echo "$OUT" | grep -q "^Reserved crashkernel:    64MB + 192MB from CMA$" \
        && ! echo "$OUT" | grep -q "lower than" && ok "estimate: both parts count against the recommendation" \
        || not_ok "estimate with a CMA part" "rc=$RC" "$OUT"
kd start
if [ "$RC" = 0 ] && echo "$OUT" | grep -qF "Crash memory: 64MB reserved + 192MB from CMA" \
        && grep -qx -- "-s" "$LOG/kexec.args" && grep -qx -- "-p" "$LOG/kexec.args"; then
        ok "start: shows both parts and loads with kexec_file_load (-s), which hands the CMA ranges on"
else
        not_ok "start with a CMA part" "rc=$RC" "$OUT" "$(cat "$LOG/kexec.args" 2>/dev/null)"
fi
echo 1 > "$R/sys/kernel/kexec_crash_loaded"
kd status
[ "$RC" = 0 ] && echo "$OUT" | grep -qF "Crash memory: 64MB reserved + 192MB from CMA" \
        && ! echo "$OUT" | grep -q "warning:" && ok "status: shows both parts" || not_ok "status with CMA" "rc=$RC" "$OUT"
echo 50331648 > "$R/sys/kernel/kexec_crash_size"        # 48M fixed: above the 43M kexec must load there
kd status
[ "$RC" = 0 ] && ! echo "$OUT" | grep -qF "the fixed part of the crash memory" \
        && ok "status: a fixed part below the proposed 56M but above what kexec loads is not warned about" \
        || not_ok "status, fixed part above the load" "rc=$RC" "$OUT"
echo 41943040 > "$R/sys/kernel/kexec_crash_size"        # 40M fixed: below the 40M kernel + image + 2M
kd status
[ "$RC" = 0 ] && echo "$OUT" | grep -qF "the fixed part of the crash memory is 40MB, less than the 43MB" \
        && echo "$OUT" | grep -qF "Set crashkernel=56M (with crashkernel=192M,cma)" \
        && ok "status: warns when the fixed part cannot hold the kernel and the initramfs" \
        || not_ok "status, fixed part too small" "rc=$RC" "$OUT"
# the older name of the ranges file (Linux 6.19 has both)
rm -r "$R/sys/kernel/kexec"; printf '100000000-10bffffff\n' > "$R/sys/kernel/kexec_crash_cma_ranges"
kd showmem
echo "$OUT" | grep -qx "Reserved 192MB CMA memory for crash kernel" && ok "showmem: reads kexec_crash_cma_ranges too" \
        || not_ok "showmem, old file name" "$OUT"

# ---- the squashed capture image (dracut's squash modules) ------------------
# rebuild, then the argv words of its dracut run, one per line, in $WORK/dargs
kd_rebuild() {
        kd rebuild
        awk '/^\$ dracut$/ { n = NR } { l[NR] = $0 } END { for (i = n + 1; i <= NR; i++) print l[i] }' \
                "$LOG/dracut.args" > "$WORK/dargs"
}
# dargs_has WORD NEXT: that word, then that one right after it
dargs_has() { grep -qxF -A1 -- "$1" "$WORK/dargs" && grep -xF -A1 -- "$1" "$WORK/dargs" | tail -n1 | grep -qxF -- "$2"; }
fresh sqimg
squash_kernel() { printf 'CONFIG_RD_ZSTD=y\nCONFIG_SQUASHFS=m\nCONFIG_SQUASHFS_ZSTD=y\nCONFIG_BLK_DEV_LOOP=y\nCONFIG_OVERLAY_FS=m\n%b' \
        "${1:-}" > "$R/boot/config-$KVER"; }
squash_kernel
printf '#!/bin/sh\n' > "$R/usr/bin/zstd"; chmod +x "$R/usr/bin/zstd"
kd_rebuild
grep -qx -- --compress "$WORK/dargs" && ! grep -qx -- "--no-compress" "$WORK/dargs" && ! grep -q squash "$WORK/dargs" \
        && ok "squash: no squash module in dracut, a zstd cpio" || not_ok "squash: none available" "$(cat "$WORK/dargs")"
mkdir -p "$R/usr/lib/dracut/modules.d/95squash-squashfs" "$R/usr/lib/dracut/modules.d/99squash-lib"
kd_rebuild
! grep -q squash "$WORK/dargs" && ok "squash: not without mksquashfs in the root" || not_ok "squash: no mksquashfs" "$(cat "$WORK/dargs")"
for b in mksquashfs unsquashfs; do printf '#!/bin/sh\n' > "$R/usr/bin/$b"; chmod +x "$R/usr/bin/$b"; done
kd_rebuild
if [ "$RC" = 0 ] && grep -qx -- "--no-compress" "$WORK/dargs" && ! grep -qx -- "--compress" "$WORK/dargs" \
        && grep -qx "kdumpbase squash-squashfs" "$WORK/dargs" \
        && dargs_has --squash-compressor zstd; then
        ok "squash: dracut-ng's squash-squashfs, zstd, the cpio around it uncompressed"
else
        not_ok "squash: dracut-ng" "rc=$RC" "$OUT" "$(cat "$WORK/dargs")"
fi
# xz (smaller) where the kernel's squashfs has it; its x86 branch filter only
# with an x86 kernel whose xz decoder has the filter
squash_kernel 'CONFIG_SQUASHFS_XZ=y\nCONFIG_X86=y\nCONFIG_XZ_DEC_X86=y\n'
kd_rebuild
[ "$RC" = 0 ] && dargs_has --squash-compressor "xz -Xbcj x86" && ok "squash: xz with the x86 filter on an x86 kernel" \
        || not_ok "squash: xz, x86" "rc=$RC" "$(cat "$WORK/dargs")"
squash_kernel 'CONFIG_SQUASHFS_XZ=y\nCONFIG_X86=y\n# CONFIG_XZ_DEC_X86 is not set\n'
kd_rebuild
[ "$RC" = 0 ] && dargs_has --squash-compressor xz && ok "squash: plain xz when the decoder lacks the x86 filter" \
        || not_ok "squash: xz, no filter" "rc=$RC" "$(cat "$WORK/dargs")"
squash_kernel 'CONFIG_SQUASHFS_XZ=y\nCONFIG_ARM64=y\nCONFIG_XZ_DEC_X86=y\n'
kd_rebuild
[ "$RC" = 0 ] && dargs_has --squash-compressor xz && ok "squash: plain xz on a kernel not for x86" \
        || not_ok "squash: xz, arm64" "rc=$RC" "$(cat "$WORK/dargs")"
squash_kernel
# the administrator's way out: dracut_args omitting the squash module
for omit in '--omit squash-squashfs' '--omit="plymouth squash-lib"' '-o squash'; do
        printf 'path /var/crash\ndracut_args %s\n' "$omit" > "$R/etc/kdump.conf"
        kd_rebuild
        if [ "$RC" = 0 ] && grep -qx -- --compress "$WORK/dargs" && ! grep -qx -- "--no-compress" "$WORK/dargs" \
                && ! grep -qx -- "--squash-compressor" "$WORK/dargs" && ! grep -qx "kdumpbase squash.*" "$WORK/dargs"; then
                ok "squash: dracut_args $omit gives a zstd cpio, no squash module added"
        else
                not_ok "squash: dracut_args $omit" "rc=$RC" "$OUT" "$(cat "$WORK/dargs")"
        fi
done
printf 'path /var/crash\n' > "$R/etc/kdump.conf"
printf 'CONFIG_RD_ZSTD=y\nCONFIG_SQUASHFS=m\n# CONFIG_SQUASHFS_ZSTD is not set\nCONFIG_BLK_DEV_LOOP=y\nCONFIG_OVERLAY_FS=m\n' > "$R/boot/config-$KVER"
kd_rebuild
! grep -q squash "$WORK/dargs" && grep -qx -- --compress "$WORK/dargs" && ok "squash: not with a kernel whose squashfs has neither xz nor zstd" \
        || not_ok "squash: no SQUASHFS_XZ or _ZSTD" "$(cat "$WORK/dargs")"
printf 'CONFIG_RD_ZSTD=y\nCONFIG_SQUASHFS=y\nCONFIG_SQUASHFS_ZSTD=y\nCONFIG_BLK_DEV_LOOP=m\n' > "$R/boot/config-$KVER"
kd_rebuild
! grep -q squash "$WORK/dargs" && ok "squash: not without overlayfs in the kernel" || not_ok "squash: no overlay" "$(cat "$WORK/dargs")"
squash_kernel
# dracut 059: one module, "squash", whose loader gets busybox without its
# libraries: only with no busybox, or a static one
rm -r "$R/usr/lib/dracut/modules.d/95squash-squashfs" "$R/usr/lib/dracut/modules.d/99squash-lib"
mkdir -p "$R/usr/lib/dracut/modules.d/99squash"
elf() {         # PATH static|dynamic: an ELF64 header with one program header
        python3 - "$1" "$2" <<'PY'
import struct, sys
ph_type = 3 if sys.argv[2] == "dynamic" else 1      # PT_INTERP or PT_LOAD
eh = b"\x7fELF\x02\x01\x01" + bytes(9) + struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, 0, 64, 0, 0, 64, 56, 1, 0, 0, 0)
ph = struct.pack("<IIQQQQQQ", ph_type, 4, 0, 0, 0, 0, 0, 0)
open(sys.argv[1], "wb").write(eh + ph)
PY
        chmod +x "$1"
}
kd_rebuild
grep -qx "kdumpbase squash" "$WORK/dargs" && ok "squash: dracut 059's squash without busybox" || not_ok "squash: 059, no busybox" "$(cat "$WORK/dargs")"
elf "$R/usr/bin/busybox" dynamic
kd_rebuild
! grep -q squash "$WORK/dargs" && grep -qx -- --compress "$WORK/dargs" && ok "squash: not on dracut 059 with a dynamically linked busybox" \
        || not_ok "squash: 059, dynamic busybox" "$(cat "$WORK/dargs")"
elf "$R/usr/bin/busybox" static
kd_rebuild
grep -qx "kdumpbase squash" "$WORK/dargs" && grep -qx -- "--no-compress" "$WORK/dargs" \
        && ok "squash: dracut 059's squash with a static busybox" || not_ok "squash: 059, static busybox" "$(cat "$WORK/dargs")"

# ---- disk layouts the capture kernel cannot reproduce: refused at start ------
# (the layouts it can reproduce are golden cases 26-32)
layout_refused() {
        local name=$1 conf=$2 edit=$3 want=$4
        fresh "layout-$name"
        printf '%b' "$conf" > "$R/etc/kdump.conf"
        eval "$edit"
        kd start
        [ "$RC" = 1 ] && [ "$(dracut_runs)" = 0 ] && echo "$OUT" | grep -qF -- "$want" \
                && ok "layout $name: start refuses, naming it" || not_ok "layout $name refused" "rc=$RC" "$OUT"
}
layout_refused xfs-logdev 'path /var/crash\n' \
        'echo "30 21 254:3 / /var rw,relatime shared:4 - xfs /dev/vda3 rw,logdev=/dev/vdf1" >> "$R/proc/self/mountinfo"' \
        "/etc/kdump.conf: /var/crash is on an xfs with an external log or realtime device (/dev/vdf1)"
layout_refused tmpfs 'path /var/crash\n' \
        'echo "30 21 0:50 / /var/crash rw shared:4 - tmpfs tmpfs rw,size=100m" >> "$R/proc/self/mountinfo"' \
        "/var/crash is on /var/crash (tmpfs), which the capture kernel does not mount as a dump target: it does not survive a reboot."
layout_refused nfs-mount 'path /var/crash\n' \
        'echo "30 21 0:51 / /var/crash rw shared:4 - nfs4 nfs.example.com:/crash rw,vers=4.2" >> "$R/proc/self/mountinfo"' \
        "use 'nfs host:/export' instead"
layout_refused link-loop 'path /var/crash\n' \
        'rmdir "$R/var/crash"; ln -s /var/crash2 "$R/var/crash"; ln -s /var/crash "$R/var/crash2"' \
        "path /var/crash: its symbolic links loop."
layout_refused sysroot-subvolid 'path /var/crash\n' \
        'sed -i "s|^UUID=1111-root .*|UUID=1111-root / btrfs subvolid=256 0 0|" "$R/etc/fstab"; kd() { OUT=$(env PATH="$HERE/doubles:$PATH" KDUMP_TEST_LOG="$LOG" KDUMP_ARCH=x86_64 KDUMP_LIBEXECDIR=/usr/libexec/kdumpkit KDUMP_DRACUTMODDIR=/usr/lib/dracut/modules.d "$KDUMPCTL" rebuild --sysroot "$R" 2>&1); RC=$?; }' \
        "/etc/fstab mounts / with subvolid= but no subvol=, so its path in the file system is unknown; name it with subvol=."
# the last case redefined kd for --sysroot: put it back
eval "$(declare -f kd_default | sed 's/^kd_default/kd/')"
layout_refused link-out-of-target 'ext4 LABEL=dumps\npath /crash\n' \
        'mkdir -p "$R/mnt/dumps" "$R/elsewhere"; ln -s /elsewhere "$R/mnt/dumps/crash"' \
        "path /crash: on /mnt/dumps it leads out of that file system (to /elsewhere)."
# a link to a directory not made yet (a mount point's, in an image tree) is
# followed as the kernel would, relative targets and ".." included
fresh layout-dangling
rmdir "$R/var/crash"; ln -s ../srv/./x/../crash "$R/var/crash"
echo "32 21 254:33 / /srv rw,relatime shared:6 - ext4 /dev/vdd1 rw" >> "$R/proc/self/mountinfo"
kd show
echo "$OUT" | grep -q "^Dump target: ext4 /dev/vdd1 (mounted on /srv), path /crash, seen here as /srv/crash (no target line" \
        && ok "a link to a directory not made yet is followed" || not_ok "dangling link followed" "$OUT"
fresh layout-seen-at
rmdir "$R/var/crash"; mkdir -p "$R/data/crash"; ln -s /data/crash "$R/var/crash"
echo "32 21 254:33 / /data rw,relatime shared:6 - ext4 /dev/vdd1 rw" >> "$R/proc/self/mountinfo"
kd show
echo "$OUT" | grep -q "^Dump target: ext4 /dev/vdd1 (mounted on /data), path /crash, seen here as /data/crash (no target line" \
        && ok "show: where the dump lands and where this system sees it" || not_ok "show seen at" "$OUT"

# ---- crashkernel= for the next boots (kdumpctl/crashkernel.c) ------------
# grubby, update-grub and systemctl are doubles: the real ones would change
# this machine's boot loader or reboot it (the VM scenario reset-crashkernel
# runs the real update-grub).  kdumpctl decides how the machine boots by
# looking into the fake root's PATH directories and runs the tool through
# PATH, so a case copies the double into $R/usr/sbin to say "installed".
CK=1G-4G:160M,4G-64G:256M,64G-:512M             # get-default-crashkernel, x86_64
CK_S390=1G-4G:192M,4G-64G:256M,64G-:512M        # s390x's: "an older default" below
DROPIN=/etc/default/grub.d/kdump-crashkernel.cfg
debian_grub() {         # GRUB_CMDLINE_LINUX, GRUB_CMDLINE_LINUX_DEFAULT
        mkdir -p "$R/etc/default/grub.d"
        printf 'GRUB_DEFAULT=0\nGRUB_TIMEOUT=5\nGRUB_DISTRIBUTOR=Debian\nGRUB_CMDLINE_LINUX_DEFAULT="%s"\nGRUB_CMDLINE_LINUX='"'%s'"'\n' \
                "$2" "$1" > "$R/etc/default/grub"
        cp "$HERE/doubles/update-grub" "$R/usr/sbin/"
        printf 'old kernel\n' > "$R/boot/vmlinuz-6.0.0-old"
}
grubby_boot() {         # one "KERNEL ARGS..." per entry, the first the default
        cp "$HERE/doubles/grubby" "$R/usr/sbin/"
        printf '%s\n' "$@" > "$LOG/grubby.entries"
}
# every "linux" line of the generated grub.cfg carries crashkernel=$1, and no other
all_linux_lines() {
        local f=$R/boot/grub/grub.cfg
        [ -s "$f" ] && ! grep -P '^\tlinux\t' "$f" | grep -v -- " crashkernel=$1\( \|\$\)" | grep -q . \
                && [ "$(grep -c 'crashkernel=' "$f")" = "$(grep -c -P '^\tlinux\t' "$f")" ]
}

fresh ck-debian
debian_grub "console=ttyS0,115200 acpi_osi=\"!Windows 2012\"" "quiet"
kd reset-crashkernel
if [ "$RC" = 0 ] && grep -qx "KDUMPKIT_CRASHKERNEL='$CK'" "$R$DROPIN" && [ "$(runs update-grub)" = 1 ] \
        && echo "$OUT" | grep -qF "Wrote $R$DROPIN: crashkernel=(none) -> crashkernel=$CK, on every GRUB entry." \
        && echo "$OUT" | grep -q "Reboot for the new crashkernel= to take effect" \
        && grep -qx "$CK" "$R/var/lib/kdump/crashkernel-set" && all_linux_lines "$CK" \
        && grep -qF "ro console=ttyS0,115200 acpi_osi=\"!Windows 2012\" crashkernel=$CK quiet" "$R/boot/grub/grub.cfg" \
        && [ "$(grep -c single "$R/boot/grub/grub.cfg")" = 2 ]; then
        ok "reset-crashkernel, Debian GRUB: drop-in written, update-grub once, every entry (recovery too) carries it, other args kept"
else
        not_ok "reset-crashkernel, Debian GRUB" "rc=$RC" "$OUT" "$(cat "$R$DROPIN" "$R/boot/grub/grub.cfg" 2>&1)"
fi

# --cma: the fixed part and crashkernel=SIZE,cma, on a kernel that can take it
fresh ck-cma
debian_grub "console=ttyS0,115200" "quiet"
kd reset-crashkernel --cma
[ "$RC" = 1 ] && echo "$OUT" | grep -qF -- "--cma: kernel $KVER cannot take crashkernel=SIZE,cma" && [ ! -e "$R$DROPIN" ] \
        && ok "reset-crashkernel --cma: refused for a kernel without CMA crash support, nothing written" \
        || not_ok "reset-crashkernel --cma, no support" "rc=$RC" "$OUT"
printf 'CONFIG_CMA=y\n' > "$R/boot/config-$KVER"
printf 'ffffffff83a1b2c0 T reserve_crashkernel_cma\n' > "$R/boot/System.map-$KVER"
kd reset-crashkernel --cma --auto
[ "$RC" = 2 ] && [ ! -e "$R$DROPIN" ] && ok "reset-crashkernel --cma --auto: a usage error" \
        || not_ok "reset-crashkernel --cma --auto" "rc=$RC" "$OUT"
kd reset-crashkernel --cma
if [ "$RC" = 0 ] && grep -qx "KDUMPKIT_CRASHKERNEL='96M crashkernel=160M,cma'" "$R$DROPIN" \
        && grep -qF "ro console=ttyS0,115200 crashkernel=96M crashkernel=160M,cma quiet" "$R/boot/grub/grub.cfg" \
        && [ "$(grep -P '^\tlinux\t' "$R/boot/grub/grub.cfg" | grep -c 'crashkernel=96M crashkernel=160M,cma')" = \
             "$(grep -c -P '^\tlinux\t' "$R/boot/grub/grub.cfg")" ]; then
        ok "reset-crashkernel --cma, Debian GRUB: every entry gets crashkernel=96M crashkernel=160M,cma"
else
        not_ok "reset-crashkernel --cma, Debian GRUB" "rc=$RC" "$OUT" "$(cat "$R$DROPIN" "$R/boot/grub/grub.cfg" 2>&1)"
fi
kd reset-crashkernel --cma
[ "$RC" = 0 ] && echo "$OUT" | grep -q "nothing to change" && [ "$(runs update-grub)" = 1 ] \
        && ok "reset-crashkernel --cma again: nothing to change" || not_ok "reset-crashkernel --cma again" "rc=$RC" "$OUT"
kd reset-crashkernel
[ "$RC" = 0 ] && grep -qx "KDUMPKIT_CRASHKERNEL='$CK'" "$R$DROPIN" && ! grep -q ',cma' "$R/boot/grub/grub.cfg" \
        && ok "reset-crashkernel without --cma: back to one plain value" || not_ok "reset-crashkernel after --cma" "rc=$RC" "$OUT"
fresh ck-debian
debian_grub "console=ttyS0,115200 acpi_osi=\"!Windows 2012\"" "quiet"
kd reset-crashkernel
if command -v shellcheck > /dev/null && shellcheck -s sh -e SC2034 "$R$DROPIN" > "$WORK/dropin.lint" 2>&1; then
        ok "the drop-in passes shellcheck (sh)"
elif ! command -v shellcheck > /dev/null; then
        ok "# SKIP no shellcheck"
else
        not_ok "the drop-in passes shellcheck" "$(cat "$WORK/dropin.lint")"
fi
sum=$(sha256sum < "$R$DROPIN")
kd reset-crashkernel --reboot
if [ "$RC" = 0 ] && echo "$OUT" | grep -qF "crashkernel=$CK already, set by $R$DROPIN" && [ "$(runs update-grub)" = 1 ] \
        && [ "$(sha256sum < "$R$DROPIN")" = "$sum" ] && [ "$(runs systemctl)" = 0 ] \
        && echo "$OUT" | grep -q "Nothing changed: not rebooting"; then
        ok "reset-crashkernel again: says so, changes and runs nothing, --reboot does not reboot"
else
        not_ok "reset-crashkernel again" "rc=$RC" "$OUT"
fi
kd reset-crashkernel --kernel=/boot/vmlinuz-$KVER
if [ "$RC" = 1 ] && echo "$OUT" | grep -qF -- "--kernel=/boot/vmlinuz-$KVER: Debian's GRUB puts one kernel command line" \
        && [ "$(runs update-grub)" = 1 ] && [ "$(sha256sum < "$R$DROPIN")" = "$sum" ]; then
        ok "reset-crashkernel --kernel=PATH on Debian GRUB: refused, naming why"
else
        not_ok "--kernel=PATH on Debian GRUB" "rc=$RC" "$OUT"
fi
printf 'GRUB_CMDLINE_LINUX_DEFAULT="$GRUB_CMDLINE_LINUX_DEFAULT crashkernel=384M-:128M"\n' > "$R/etc/default/grub.d/kdump-tools.cfg"
kd reset-crashkernel --kernel ALL
if [ "$RC" = 0 ] && echo "$OUT" | grep -q "already" && [ "$(runs update-grub)" = 1 ] \
        && echo "$OUT" | grep -qF "warning: $R/etc/default/grub.d/kdump-tools.cfg mentions crashkernel= and grub-mkconfig reads it after kdump-crashkernel.cfg"; then
        ok "reset-crashkernel --kernel ALL (two words) on Debian GRUB; a later drop-in setting crashkernel= is warned about"
else
        not_ok "--kernel ALL" "rc=$RC" "$OUT"
fi

fresh ck-debian-hand
debian_grub "crashkernel=512M" "quiet crashkernel=384M"
cp "$R/etc/default/grub" "$WORK/grub.orig"
kd reset-crashkernel --auto
if [ "$RC" = 0 ] && [ ! -e "$R$DROPIN" ] && [ "$(runs update-grub)" = 0 ] \
        && echo "$OUT" | grep -qF "crashkernel=384M in $R/etc/default/grub was not set by kdumpctl; left as it is"; then
        ok "auto reset leaves a hand-set crashkernel= in /etc/default/grub alone"
else
        not_ok "auto reset, hand-set value in /etc/default/grub" "rc=$RC" "$OUT"
fi
kd reset-crashkernel --reboot
if [ "$RC" = 0 ] && grep -qx "KDUMPKIT_CRASHKERNEL='$CK'" "$R$DROPIN" && [ "$(runs update-grub)" = 1 ] \
        && echo "$OUT" | grep -qF "crashkernel=384M -> crashkernel=$CK" && all_linux_lines "$CK" \
        && cmp -s "$WORK/grub.orig" "$R/etc/default/grub" && [ "$(runs systemctl)" = 1 ] \
        && [ "$(sed -n 2p "$LOG/systemctl.args")" = reboot ]; then
        ok "explicit reset replaces a hand-set value in grub.cfg (every crashkernel= stripped), /etc/default/grub untouched, --reboot reboots"
else
        not_ok "explicit reset over a hand-set value" "rc=$RC" "$OUT" "$(cat "$R/boot/grub/grub.cfg" "$LOG/systemctl.args" 2>&1)"
fi

fresh ck-debian-auto
debian_grub "" "quiet"
ARCH=s390x kd reset-crashkernel
ARCH=s390x kd reset-crashkernel --auto
s390=$RC
kd reset-crashkernel --auto
if [ "$s390" = 0 ] && [ "$RC" = 0 ] && grep -qx "KDUMPKIT_CRASHKERNEL='$CK'" "$R$DROPIN" && [ "$(runs update-grub)" = 2 ] \
        && echo "$OUT" | grep -qF "crashkernel=$CK_S390 -> crashkernel=$CK" && all_linux_lines "$CK" \
        && grep -qx "$CK_S390" "$R/var/lib/kdump/crashkernel-set" && grep -qx "$CK" "$R/var/lib/kdump/crashkernel-set"; then
        ok "auto reset replaces an older value kdumpctl set (recorded) with the new default"
else
        not_ok "auto reset of a kdumpctl-set value" "rc=$RC" "$OUT"
fi
sed -i "s/^KDUMPKIT_CRASHKERNEL=.*/KDUMPKIT_CRASHKERNEL='999M'/" "$R$DROPIN"
ARCH=s390x kd reset-crashkernel --auto
if [ "$RC" = 0 ] && grep -qx "KDUMPKIT_CRASHKERNEL='999M'" "$R$DROPIN" && [ "$(runs update-grub)" = 2 ] \
        && echo "$OUT" | grep -qF "crashkernel=999M in $R$DROPIN was not set by kdumpctl"; then
        ok "auto reset leaves a value edited by hand into the drop-in alone"
else
        not_ok "auto reset, hand-edited drop-in" "rc=$RC" "$OUT"
fi
fresh ck-debian-absent
debian_grub "" "quiet"
kd _reset-crashkernel-for-installed_kernel 6.0.0-old
if [ "$RC" = 0 ] && grep -qx "KDUMPKIT_CRASHKERNEL='$CK'" "$R$DROPIN" && [ "$(runs update-grub)" = 1 ] && all_linux_lines "$CK"; then
        ok "auto reset (Fedora's kernel-install name) sets crashkernel= where there is none"
else
        not_ok "auto reset, nothing set" "rc=$RC" "$OUT"
fi
fresh ck-debian-auto-no
debian_grub "" "quiet"
printf 'path /var/crash\nauto_reset_crashkernel no\n' > "$R/etc/kdump.conf"
kd reset-crashkernel --auto
if [ "$RC" = 0 ] && [ ! -e "$R$DROPIN" ] && [ "$(runs update-grub)" = 0 ] \
        && echo "$OUT" | grep -q "auto_reset_crashkernel is no in $R/etc/kdump.conf: crashkernel= is left as it is"; then
        ok "auto_reset_crashkernel no: auto reset does nothing"
else
        not_ok "auto_reset_crashkernel no" "rc=$RC" "$OUT"
fi
fresh ck-debian-fail
debian_grub "" "quiet"
KDUMP_TEST_UPDATE_GRUB_FAIL=1 kd reset-crashkernel
if [ "$RC" = 1 ] && [ ! -e "$R$DROPIN" ] && [ ! -e "$R/var/lib/kdump/crashkernel-set" ] \
        && echo "$OUT" | grep -q "update-grub failed; $R$DROPIN removed again"; then
        ok "a failing update-grub: exit 1, the drop-in removed again, nothing recorded"
else
        not_ok "failing update-grub" "rc=$RC" "$OUT"
fi

fresh ck-grubby
grubby_boot "/boot/vmlinuz-$KVER root=UUID=1111-root ro quiet crashkernel=256M" "/boot/vmlinuz-6.0.0-old root=UUID=1111-root ro"
kd reset-crashkernel
if [ "$RC" = 0 ] && [ "$(grep -c -- '^--update-kernel=' "$LOG/grubby.args")" = 1 ] \
        && grep -qx -- "--update-kernel=/boot/vmlinuz-$KVER" "$LOG/grubby.args" && grep -qx -- "--args=crashkernel=$CK" "$LOG/grubby.args" \
        && grep -qx "/boot/vmlinuz-$KVER root=UUID=1111-root ro quiet crashkernel=$CK" "$LOG/grubby.entries" \
        && grep -qx "/boot/vmlinuz-6.0.0-old root=UUID=1111-root ro" "$LOG/grubby.entries" \
        && echo "$OUT" | grep -qF "/boot/vmlinuz-$KVER: crashkernel=256M -> crashkernel=$CK (ran: grubby --update-kernel=/boot/vmlinuz-$KVER --args=crashkernel=$CK)" \
        && echo "$OUT" | grep -q "Reboot for the new"; then
        ok "reset-crashkernel, grubby: the running kernel's entry only, old -> new and the command printed"
else
        not_ok "reset-crashkernel, grubby" "rc=$RC" "$OUT" "$(cat "$LOG/grubby.args")"
fi
kd reset-crashkernel --kernel=ALL
if [ "$RC" = 0 ] && [ "$(grep -c -- '^--update-kernel=' "$LOG/grubby.args")" = 2 ] \
        && grep -qx -- "--update-kernel=/boot/vmlinuz-6.0.0-old" "$LOG/grubby.args" \
        && echo "$OUT" | grep -qF "/boot/vmlinuz-$KVER: crashkernel=$CK already; nothing to change." \
        && echo "$OUT" | grep -qF "/boot/vmlinuz-6.0.0-old: crashkernel=(none) -> crashkernel=$CK"; then
        ok "reset-crashkernel --kernel=ALL: updates the entry that differs only"
else
        not_ok "grubby --kernel=ALL" "rc=$RC" "$OUT"
fi
kd reset-crashkernel --kernel=ALL --reboot
if [ "$RC" = 0 ] && [ "$(grep -c -- '^--update-kernel=' "$LOG/grubby.args")" = 2 ] && [ "$(runs systemctl)" = 0 ]; then
        ok "grubby, value already set everywhere: nothing run, no reboot"
else
        not_ok "grubby already set" "rc=$RC" "$OUT"
fi
kd reset-crashkernel --kernel=/boot/vmlinuz-9.9
if [ "$RC" = 1 ] && echo "$OUT" | grep -qF -- "Invalid --kernel=/boot/vmlinuz-9.9: grubby knows no boot entry for it"; then
        ok "grubby: a kernel it does not know is refused"
else
        not_ok "grubby unknown kernel" "rc=$RC" "$OUT"
fi
fresh ck-grubby-default
grubby_boot "/boot/vmlinuz-6.0.0-old root=UUID=1111-root ro" "/boot/vmlinuz-$KVER root=UUID=1111-root ro"
kd reset-crashkernel --kernel DEFAULT
if [ "$RC" = 0 ] && grep -qx -- "--default-kernel" "$LOG/grubby.args" \
        && grep -qx -- "--update-kernel=/boot/vmlinuz-6.0.0-old" "$LOG/grubby.args" \
        && [ "$(grep -c -- '^--update-kernel=' "$LOG/grubby.args")" = 1 ]; then
        ok "grubby --kernel DEFAULT: the kernel grubby --default-kernel names"
else
        not_ok "grubby DEFAULT" "rc=$RC" "$OUT" "$(cat "$LOG/grubby.args")"
fi
fresh ck-grubby-auto
grubby_boot "/boot/vmlinuz-$KVER root=UUID=1111-root ro crashkernel=512M" "/boot/vmlinuz-6.0.0-old root=UUID=1111-root ro" \
        "/boot/vmlinuz-5.9.0-older root=UUID=1111-root ro"
ARCH=s390x kd reset-crashkernel --kernel=/boot/vmlinuz-5.9.0-older
kd _reset-crashkernel-after-update
if [ "$RC" = 0 ] && grep -qx "/boot/vmlinuz-$KVER root=UUID=1111-root ro crashkernel=512M" "$LOG/grubby.entries" \
        && grep -qx "/boot/vmlinuz-6.0.0-old root=UUID=1111-root ro crashkernel=$CK" "$LOG/grubby.entries" \
        && grep -qx "/boot/vmlinuz-5.9.0-older root=UUID=1111-root ro crashkernel=$CK" "$LOG/grubby.entries" \
        && echo "$OUT" | grep -qF "/boot/vmlinuz-$KVER: crashkernel=512M was not set by kdumpctl; left as it is" \
        && echo "$OUT" | grep -qF "/boot/vmlinuz-5.9.0-older: crashkernel=$CK_S390 -> crashkernel=$CK"; then
        ok "auto reset, grubby: a hand-set value kept, an older kdumpctl value and a missing one set"
else
        not_ok "auto reset, grubby" "rc=$RC" "$OUT" "$(cat "$LOG/grubby.entries")"
fi
KDUMP_TEST_GRUBBY_FAIL=1 kd reset-crashkernel --kernel=/boot/vmlinuz-$KVER
if [ "$RC" = 1 ] && echo "$OUT" | grep -qF "grubby --update-kernel=/boot/vmlinuz-$KVER --args=crashkernel=$CK failed"; then
        ok "a failing grubby: exit 1, naming the command"
else
        not_ok "failing grubby" "rc=$RC" "$OUT"
fi

fresh ck-unknown
kd reset-crashkernel
if [ "$RC" = 1 ] && echo "$OUT" | grep -q "Cannot tell how this machine boots: there is no grubby in PATH, and no update-grub" \
        && echo "$OUT" | grep -qF "Add crashkernel=$CK to the kernel command line"; then
        ok "reset-crashkernel refuses when it cannot tell how the machine boots"
else
        not_ok "unknown boot method" "rc=$RC" "$OUT"
fi
mkdir -p "$R/etc/kernel"; echo "root=UUID=1111-root ro" > "$R/etc/kernel/cmdline"
kd reset-crashkernel --auto
if [ "$RC" = 0 ] && echo "$OUT" | grep -q "Cannot tell how this machine boots.*/etc/kernel/cmdline (kernel-install, systemd-boot) is not managed"; then
        ok "auto reset on an unknown boot loader: says so, exit 0 (package scripts go on)"
else
        not_ok "auto reset, unknown boot" "rc=$RC" "$OUT"
fi
kd reset-crashkernel --fadump=on
if [ "$RC" = 1 ] && echo "$OUT" | grep -q -- "--fadump is only for ppc64le (POWER's firmware-assisted dump); this machine is x86_64"; then
        ok "--fadump refused on x86_64"
else
        not_ok "--fadump" "rc=$RC" "$OUT"
fi
kd reset-crashkernel --frob
[ "$RC" = 2 ] && ok "reset-crashkernel: an unknown option exits 2" || not_ok "reset-crashkernel unknown option" "rc=$RC" "$OUT"

# the warnings of start, status and check-config
fresh ck-warn-none
echo 0 > "$R/sys/kernel/kexec_crash_size"
kd status
if [ "$RC" = 3 ] && echo "$OUT" | grep -qF "the kernel did not reserve crashkernel=256M (/sys/kernel/kexec_crash_size is 0)" \
        && echo "$OUT" | grep -qF "Run 'kdumpctl reset-crashkernel' to set crashkernel=$CK, then reboot."; then
        ok "status warns when the kernel reserved nothing, suggesting reset-crashkernel"
else
        not_ok "status warning, nothing reserved" "rc=$RC" "$OUT"
fi
sed -i 's/ crashkernel=256M//' "$R/proc/cmdline"
kd check-config
if [ "$RC" = 0 ] && echo "$OUT" | grep -qF "crashkernel= is not on the kernel command line, so kdump cannot work. Run 'kdumpctl reset-crashkernel'"; then
        ok "check-config warns when crashkernel= is missing, and still succeeds"
else
        not_ok "check-config warning, no crashkernel=" "rc=$RC" "$OUT"
fi
kd start
if [ "$RC" = 1 ] && echo "$OUT" | grep -qF "run 'kdumpctl reset-crashkernel' (it sets crashkernel=$CK" && [ "$(dracut_runs)" = 0 ]; then
        ok "start without crash memory: exit 1 as before, suggesting reset-crashkernel"
else
        not_ok "start, no crash memory" "rc=$RC" "$OUT"
fi
fresh ck-warn-low
echo 33554432 > "$R/sys/kernel/kexec_crash_size"        # 32M; the estimate below is 80M
python3 -c 'import struct, sys
h = bytearray(0x268); h[0x202:0x206] = b"HdrS"; h[0x260:0x264] = struct.pack("<I", 40 << 20)
open(sys.argv[1], "wb").write(h)' "$R/boot/vmlinuz-$KVER"
mkdir -p "$R/var/lib/kdump"; head -c 3145728 /dev/zero | gzip -9 > "$R/var/lib/kdump/initramfs-${KVER}kdump.img"
kd check-config
if [ "$RC" = 0 ] && echo "$OUT" | grep -qF "32MB is reserved for the crash kernel (crashkernel=256M), less than the 80MB 'kdumpctl estimate' computes" \
        && echo "$OUT" | grep -qF "Run 'kdumpctl reset-crashkernel' to set crashkernel=$CK (160MB on this machine)"; then
        ok "check-config warns when less is reserved than the estimate"
else
        not_ok "check-config warning, below the estimate" "rc=$RC" "$OUT"
fi
kd start
if [ "$RC" = 0 ] && echo "$OUT" | grep -qF "32MB is reserved for the crash kernel" && [ "$(cat "$R/sys/kernel/kexec_crash_loaded")" = 1 ]; then
        ok "start warns too, and still loads"
else
        not_ok "start warning, below the estimate" "rc=$RC" "$OUT"
fi
kd status
if [ "$RC" = 0 ] && echo "$OUT" | grep -qF "32MB is reserved for the crash kernel"; then
        ok "status warns too"
else
        not_ok "status warning, below the estimate" "rc=$RC" "$OUT"
fi
fresh ck-warn-ok
kd check-config
if [ "$RC" = 0 ] && ! echo "$OUT" | grep -q "reserved\|reset-crashkernel"; then
        ok "no crash memory warning when enough is reserved"
else
        not_ok "no warning when enough" "rc=$RC" "$OUT"
fi
fresh ck-warn-small
printf 'MemTotal:         700000 kB\n' > "$R/proc/meminfo"
echo 0 > "$R/sys/kernel/kexec_crash_size"
kd status
if [ "$RC" = 3 ] && echo "$OUT" | grep -qF "this machine has 683MB of RAM, and the default crashkernel=$CK reserves nothing below 1024MB: 'kdumpctl reset-crashkernel' would reserve no memory here" \
        && ! echo "$OUT" | grep -q "Run 'kdumpctl reset-crashkernel'"; then
        ok "status on a machine too small for the default: says so, does not suggest the default"
else
        not_ok "status warning, too small" "rc=$RC" "$OUT"
fi
kd start
if [ "$RC" = 1 ] && echo "$OUT" | grep -qF "This machine has 683MB of RAM, and the default crashkernel=$CK reserves nothing below 1024MB"; then
        ok "start on a machine too small for the default: exit 1, says why"
else
        not_ok "start, too small" "rc=$RC" "$OUT"
fi

# the kernel hook's auto reset (kdumpctl/hooks/kernel-hook), on Debian's
# GRUB: only where the running kernel reserves memory (hook() says "not a
# chroot": in one the hook would skip it)
hook_ck() {
        fresh "$1"
        debian_grub "" "quiet"
        printf 'fake kernel %s\n' "$NEWK" > "$R/boot/vmlinuz-$NEWK"
        mkdir -p "$R/lib/modules/$NEWK"; cp "$R/lib/modules/$KVER/modules.dep" "$R/lib/modules/$NEWK/"
}
hook_ck ck-hook-unreserved
sed -i 's/ crashkernel=256M//' "$R/proc/cmdline"
hook "$HOOKS/postinst.d" "$NEWK" "/boot/vmlinuz-$NEWK"
if [ "$RC" = 0 ] && [ ! -e "$R$DROPIN" ] && [ "$(runs update-grub)" = 0 ]; then
        ok "kernel hook on a machine that reserves nothing: crashkernel= is not added"
else
        not_ok "kernel hook, nothing reserved" "rc=$RC" "$OUT"
fi
hook_ck ck-hook-reserved
hook "$HOOKS/postinst.d" "$NEWK" "/boot/vmlinuz-$NEWK"
if [ "$RC" = 0 ] && grep -qx "KDUMPKIT_CRASHKERNEL='$CK'" "$R$DROPIN" && [ "$(runs update-grub)" = 1 ]; then
        ok "kernel hook where the running kernel reserves memory: auto reset sets the default"
else
        not_ok "kernel hook, memory reserved" "rc=$RC" "$OUT"
fi
# removed, not purged: the /etc/kernel hooks (conffiles) stay, kernel-hook is gone
for h in postinst.d postrm.d; do
        sed "s|@LIBEXECDIR@|$WORK/removed|" "$TOP/kdumpctl/hooks/$h" > "$WORK/removed-$h"
        if out=$(sh "$WORK/removed-$h" "$NEWK" "/boot/vmlinuz-$NEWK" 2>&1) && [ -z "$out" ]; then
                ok "$h hook with kdumpkit removed but not purged: exits 0, silently"
        else
                not_ok "$h hook, kdumpkit removed" "$out"
        fi
done

# ---- kdump-config: Debian's command, kdumpctl under that name --------------
# shellcheck source=test/kdumpctl/kdump-config.sh
. "$HERE/kdump-config.sh"

# ---- options ----------------------------------------------------------------
kd --version
[ "$RC" = 0 ] && echo "$OUT" | grep -q "^kdumpctl (kdumpkit)" && ok "--version" || not_ok "--version" "$OUT"
kd --help
[ "$RC" = 0 ] && for v in start stop status restart reload rebuild propagate showmem estimate \
        get-default-crashkernel test check-config show; do echo "$OUT" | grep -q "^  $v " || exit_bad=$v; done
[ "$RC" = 0 ] && [ -z "${exit_bad:-}" ] && ok "--help lists every verb" || not_ok "--help" "$OUT"
printf 'path /srv/alt\n' > "$WORK/alt.conf"
kd --config "$WORK/alt.conf" check-config
[ "$RC" = 0 ] && echo "$OUT" | grep -q "^path /srv/alt" && ok "--config FILE" || not_ok "--config" "$OUT"
kd frobnicate
[ "$RC" = 2 ] && ok "unknown verb exits 2" || not_ok "unknown verb" "$OUT"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
