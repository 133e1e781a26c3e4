/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "kdump-conf.h"

/* Logs kdump_conf_print_diags()' lines at warning level, one log line each,
 * so they reach the console and kmsg in the capture kernel. */
void log_conf_diags(const struct kdump_conf *c);

/* Loads the baked configuration ($KDUMP_CONF, else /etc/kdump.conf)
 * leniently and logs its problems.  Only -ENOMEM fails. */
int capture_conf_load(struct kdump_conf **ret);
