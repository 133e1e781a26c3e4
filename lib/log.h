/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <errno.h>
#include "macro.h"

/* Programs log; library code returns errors and lets the caller decide. */

enum log_target {
        LOG_TARGET_STDERR,
        LOG_TARGET_KMSG,        /* generators and capture helpers: no journal yet */
        LOG_TARGET_CONSOLE,     /* capture helpers: /dev/console and kmsg */
};

enum { LOG_ERR = 3, LOG_WARNING = 4, LOG_NOTICE = 5, LOG_INFO = 6, LOG_DEBUG = 7 };

void log_setup(const char *ident, enum log_target target);
void log_set_max_level(int level);
int log_get_max_level(void);

/* Logs with errno `error` available as %m; returns -abs(error), or -EIO when 0. */
int log_internal(int level, int error, const char *fmt, ...) _printf_(3, 4);

#define log_error(...)   log_internal(LOG_ERR, 0, __VA_ARGS__)
#define log_warning(...) log_internal(LOG_WARNING, 0, __VA_ARGS__)
#define log_notice(...)  log_internal(LOG_NOTICE, 0, __VA_ARGS__)
#define log_info(...)    log_internal(LOG_INFO, 0, __VA_ARGS__)
#define log_debug(...)   log_internal(LOG_DEBUG, 0, __VA_ARGS__)
#define log_error_errno(e, ...)   log_internal(LOG_ERR, (e), __VA_ARGS__)
#define log_warning_errno(e, ...) log_internal(LOG_WARNING, (e), __VA_ARGS__)
#define log_oom() log_internal(LOG_ERR, ENOMEM, "Out of memory.")
