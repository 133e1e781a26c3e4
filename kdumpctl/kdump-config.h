/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* kdump-config, Debian's kdump-tools command: kdumpctl run under that name
 * (a symbolic link).  Returns Debian's exit code, 0 or 1. */
int kdump_config_main(int argc, char **argv);
