#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck disable=SC2154 # initdir, systemdutildir, systemdsystemunitdir, SYSTEMCTL: set by dracut
# kdumpbase: the capture side of kdumpkit, for the kdump initramfs.
#
# The capture boot never switches root.  kdumpctl puts
# rd.systemd.unit=kdump-capture.target on the capture command line (systemd
# in an initrd starts initrd.target and ignores default.target, so only the
# command line can choose), and initrd-root-fs.target,
# sysroot.mount (which root= on the command line would otherwise pull in),
# initrd-parse-etc.service and initrd-switch-root never become part of the
# boot.  kdump-capture.target pulls in basic.target and
# kdump-capture.service; kdump-target-generator mounts the dump target at
# /run/kdump/target; kdump-collect saves the dump; kdump-capture.service then
# starts kdump-final-action.service (OnSuccess=) or
# kdump-failure-action.service (OnFailure=), which end the boot with
# `systemctl reboot|halt|poweroff`.
#
# Paths are substituted by `make install`: helpers live in @LIBEXECDIR@ on
# the host and at the same path in the image; units in @SYSTEMDUNITDIR@;
# kdumpctl in @SBINDIR@.

# Only when asked for: kdumpctl adds this module explicitly.
check() {
    return 255
}

# systemd in the initramfs: the generator, the units and journald.  No
# plymouth: the console shows the capture.  fence_kdump_nodes: a network,
# for any dump target (kdumpctl also adds it).  Called by a plain dracut (no
# kdumpctl, which adds the target's module itself), the target's writer
# module too.
depends() {
    local conf key _
    echo systemd
    conf=$(kdumpbase_conf)
    if [[ -n $conf ]] && kdumpbase_directives "$conf" | grep -q '^fence_kdump_nodes'; then
        echo network
    fi
    if [[ -z ${KDUMP_BAKED_CONF-} && -f "${dracutsysrootdir-}/etc/kdump.conf" ]]; then
        while read -r key _; do
            case $key in
                ssh) echo kdump-ssh ;;
                nfs) echo kdump-nfs ;;
                raw) echo kdump-raw ;;
            esac
        done <"${dracutsysrootdir-}/etc/kdump.conf"
    fi
    return 0
}

# A plain `dracut --add kdumpbase` (an image builder's; kdumpctl's own runs
# set KDUMP_BAKED_CONF): `kdumpctl bake` writes the configuration as
# kdumpctl bakes it, and the manifest of the inputs, into the image, so that
# `kdumpctl start` at boot accepts the image as up to date.  Once per image:
# installkernel and install both need the configuration.
kdumpbase_bake() {
    [[ -z ${KDUMP_BAKED_CONF-} ]] || return 0
    [[ -e "$initdir/etc/kdump/manifest" ]] && return 0
    mkdir -p "$initdir/etc/kdump"
    if ! "@SBINDIR@/kdumpctl" bake --sysroot "${dracutsysrootdir:-/}" --kver "$kernel" \
        --conf "$initdir/etc/kdump.conf" --manifest "$initdir/etc/kdump/manifest"; then
        derror "kdumpbase: 'kdumpctl bake' failed (above): not building a capture image kdumpctl would refuse"
        return 1
    fi
    chmod 0644 "$initdir/etc/kdump/manifest"
}

# The baked configuration (explicit target, resolved path): kdumpctl names
# it in KDUMP_BAKED_CONF, since dracut's --include never replaces a file a
# module installed; an image builder calling dracut directly gets the
# host's /etc/kdump.conf.
kdumpbase_conf() {
    if [[ -n ${KDUMP_BAKED_CONF-} && -f $KDUMP_BAKED_CONF ]]; then
        echo "$KDUMP_BAKED_CONF"
    elif [[ -f "$initdir/etc/kdump.conf" ]]; then
        echo "$initdir/etc/kdump.conf"
    elif [[ -f "${dracutsysrootdir-}/etc/kdump.conf" ]]; then
        echo "${dracutsysrootdir-}/etc/kdump.conf"
    fi
}

# Prints "directive<TAB>value" for the directives this module acts on, with
# comments and one pair of surrounding double quotes removed, as the C
# parser does.
kdumpbase_directives() {
    local conf=$1 line key value
    while IFS= read -r line || [[ -n $line ]]; do
        line=${line%%#*}
        read -r key value <<<"$line"
        [[ -n $key && -n $value ]] || continue
        if [[ $value == \"*\" && ${#value} -ge 2 ]]; then
            value=${value:1:${#value}-2}
        fi
        case $key in
            kdump_pre | kdump_post | extra_bins | core_collector | extra_modules | fence_kdump_nodes | ext[234] | xfs | btrfs | vfat | virtiofs)
                printf '%s\t%s\n' "$key" "$value"
                ;;
        esac
    done <"$conf"
}

# Kernel modules for the dump target's file system and extra_modules.
installkernel() {
    local conf key value
    kdumpbase_bake || return 1
    conf=$(kdumpbase_conf)
    [[ -n $conf ]] || return 0
    while IFS=$'\t' read -r key value; do
        case $key in
            ext[234] | xfs | btrfs | vfat | virtiofs) instmods "$key" ;;
            extra_modules)
                # shellcheck disable=SC2086 # a list of module names
                instmods $value
                ;;
        esac
    done < <(kdumpbase_directives "$conf")
    return 0
}

# Hooks, extra_bins and a user core_collector, from the configuration: kdumpctl
# also passes them with --install, an image builder does not.
kdumpbase_install_from_conf() {
    local conf key value f
    conf=$(kdumpbase_conf)
    [[ -n $conf ]] || return 0
    while IFS=$'\t' read -r key value; do
        case $key in
            kdump_pre | kdump_post)
                inst "$value" || {
                    derror "kdumpbase: cannot install $key $value"
                    return 1
                }
                ;;
            extra_bins)
                for f in $value; do
                    inst "$f" || {
                        derror "kdumpbase: cannot install extra_bins $f"
                        return 1
                    }
                done
                ;;
            core_collector)
                read -r f _ <<<"$value"
                inst_multiple "${f//[\'\"]/}" || {
                    derror "kdumpbase: cannot install core_collector ${f}"
                    return 1
                }
                ;;
        esac
    done < <(kdumpbase_directives "$conf")
    return 0
}

# fence_kdump_nodes: fence_kdump_send, kdump-fence (which execs it with the
# baked nodes and args) and its unit, wanted by the capture target.  Only
# then: an image without them carries none of it.
kdumpbase_install_fence() {
    local conf
    conf=$(kdumpbase_conf)
    [[ -n $conf ]] || return 0
    kdumpbase_directives "$conf" | grep -q '^fence_kdump_nodes' || return 0
    inst_binary /usr/libexec/fence-agents/fence_kdump_send || {
        derror "kdumpbase: fence_kdump_nodes needs /usr/libexec/fence-agents/fence_kdump_send (fence-agents-kdump, or fence-agents on Debian 12)"
        return 1
    }
    inst_binary "@LIBEXECDIR@/kdump-fence" "@LIBEXECDIR@/kdump-fence"
    inst_simple "@SYSTEMDUNITDIR@/kdump-fence.service" "$systemdsystemunitdir/kdump-fence.service"
    $SYSTEMCTL -q --root "$initdir" add-wants kdump-capture.target kdump-fence.service
}

# Helpers, units, configuration, makedumpfile, hooks; the capture target as
# the default.
install() {
    local u bb lib
    kdumpbase_bake || return 1
    # dracut's squash loader (squash-lib) runs busybox when the system has
    # one, but a dynamically linked busybox (Debian's) gets there without
    # its libraries (dracut 106 resolves them into the squashed part only,
    # 112 not at all), and the loader's /init cannot start: its libraries,
    # as ldd names them, go into the loader too.  dracut 112's busybox
    # module links no mount applet (it cannot resolve "-t auto"), which the
    # loader needs for its explicit mounts: linked here when missing.
    if dracut_module_included squash-lib && [[ $squashdir ]]; then
        bb=$(find_binary busybox)
        if [[ $bb ]]; then
            while read -r lib; do
                dstdir="$squashdir" inst_simple "$lib"
            done < <(ldd "$bb" 2> /dev/null | sed -nE 's/.*=> (\/[^ ]+) .*/\1/p; s/^[[:space:]]*(\/[^ ]+) \(.*/\1/p')
            mkdir -p "$squashdir/usr/bin"
            [[ -e $squashdir/usr/bin/mount ]] || ln -s busybox "$squashdir/usr/bin/mount"
        fi
    fi
    inst_binary "@LIBEXECDIR@/kdump-collect" "@LIBEXECDIR@/kdump-collect"
    inst_binary "@LIBEXECDIR@/kdump-failure-action" "@LIBEXECDIR@/kdump-failure-action"
    inst_binary "@LIBEXECDIR@/kdump-target-generator" \
        "$systemdutildir/system-generators/kdump-target-generator"

    for u in kdump-capture.target kdump-capture.service \
        kdump-failure-action.service kdump-final-action.service; do
        inst_simple "@SYSTEMDUNITDIR@/$u" "$systemdsystemunitdir/$u"
    done

    # dracut's own hooks, when dracut-systemd is in the image: kernel
    # command line (rd.driver.blacklist=, ...), udev rules and the initqueue
    # (LVM, MD, network-legacy).  Not ordered before the capture: the
    # target's .device wait, bounded, does the waiting.
    for u in dracut-cmdline.service dracut-pre-udev.service \
        dracut-pre-trigger.service dracut-initqueue.service; do
        if [[ -e "$initdir$systemdsystemunitdir/$u" ]]; then
            $SYSTEMCTL -q --root "$initdir" add-wants kdump-capture.target "$u"
        fi
    done

    # An emergency in the capture boot (dracut's initqueue giving up on a
    # device, a failed mount in sysinit) would otherwise wait forever at a
    # shell prompt nobody answers.  kdump-failure-action --emergency lets a
    # dump in progress go on (its own stall watchdog is the one judge) and
    # runs the failure action only when the capture never ran.  With
    # failure_action shell, that action is the prompt.
    for u in emergency.service dracut-emergency.service; do
        mkdir -p "$initdir$systemdsystemunitdir/$u.d"
        printf '%s\n' \
            "# Written by kdumpkit's 99kdumpbase: the failure action, not a shell." \
            "[Service]" "ExecStartPre=" "ExecStart=" \
            "ExecStart=@LIBEXECDIR@/kdump-failure-action --emergency" \
            >"$initdir$systemdsystemunitdir/$u.d/kdump.conf"
        # kdumpctl runs dracut under umask 077; systemd warns about 0600 units
        chmod 0644 "$initdir$systemdsystemunitdir/$u.d/kdump.conf"
    done

    local conf
    conf=$(kdumpbase_conf)
    if [[ -n $conf && $conf != "$initdir/etc/kdump.conf" ]]; then
        inst_simple "$conf" /etc/kdump.conf
    fi
    inst_simple -H /etc/hostname
    inst_multiple makedumpfile cp sh
    inst_multiple -o journalctl systemctl
    kdumpbase_install_from_conf || return 1
    kdumpbase_install_fence
}
