/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Paths shared by the capture helpers, the generator and the units. */

/* Where kdump-target-generator mounts the dump target in the capture
 * initramfs (unit run-kdump-target.mount), and where kdump-collect writes.
 * Under /run: a tmpfs that exists before anything is mounted, and no path of
 * the crashed system's own hierarchy is shadowed. */
#define KDUMP_TARGET_MOUNT "/run/kdump/target"
/* Member i (0-based) of a chain of dump targets: the first at
 * KDUMP_TARGET_MOUNT, later ones at /run/kdump/target-2, -3, ...  `buf` is
 * at least KDUMP_TARGET_MOUNT_MAX bytes.  The same suffix names the member's
 * drop-ins. */
#define KDUMP_TARGET_MOUNT_MAX 48
static inline const char *kdump_target_mount(size_t i, char *buf) {
        if (i == 0)
                return KDUMP_TARGET_MOUNT;
        snprintf(buf, KDUMP_TARGET_MOUNT_MAX, KDUMP_TARGET_MOUNT "-%zu", i + 1);
        return buf;
}
/* The crashed system's root file system (root= on the command line), mounted
 * only for failure_action dump_to_rootfs (unit run-kdump-rootfs.mount). */
#define KDUMP_ROOTFS_MOUNT "/run/kdump/rootfs"

#define KDUMP_CONF_PATH "/etc/kdump.conf"
#define KDUMP_VMCORE_PATH "/proc/vmcore"

#define KDUMP_CAPTURE_SERVICE "kdump-capture.service"
#define KDUMP_FAILURE_ACTION_SERVICE "kdump-failure-action.service"

/* Bounded waits (seconds). */
/* The bound of a final fsync/COMMIT of `bytes` written: `base`, and a second
 * for every 8 MiB, since a server may hold all of it unstable until then
 * (kdump-collect waiting for a writer, the writers on their server). */
static inline unsigned kdump_sync_secs(unsigned base, uint64_t bytes) {
        return base + (unsigned) (bytes >> 23);
}

#define KDUMP_DEVICE_TIMEOUT_DEFAULT 90         /* rd.timeout= overrides */
#define KDUMP_MOUNT_TIMEOUT 300                 /* the mount command itself (log replay) */
