/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Unit names from paths, escaped exactly as `systemd-escape --path
 * --suffix=SUFFIX PATH` does: "/run/kdump/target" + "mount" ->
 * "run-kdump-target.mount", "/dev/disk/by-uuid/a-b" + "device" ->
 * "dev-disk-by\x2duuid-a\x2db.device".
 * Returns 0, -EINVAL for a relative path, a ".." component or a name longer
 * than systemd accepts, -ENOMEM. */
int unit_name_from_path(const char *path, const char *suffix, char **ret);
