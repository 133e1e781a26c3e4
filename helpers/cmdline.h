/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The kernel command line, as the capture helpers read it: the file named by
 * $KDUMP_PROC_CMDLINE, else /proc/cmdline. */

/* Reads the whole command line into *ret (NUL-terminated). */
int cmdline_read(char **ret);

/* The value of the last "key=value" word in `cmdline`, with one pair of
 * double quotes removed (key="a b" is one word, as for systemd).  Returns 1
 * and the value in *ret, 0 when the key is absent, -ENOMEM. */
int cmdline_get_key(const char *cmdline, const char *key, char **ret);
