/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

/* Running programs from an argv: never through a shell. */

/* Called about every 200 ms while waiting. */
typedef void (*spawn_tick_t)(void *userdata);

struct spawn_opts {
        int stdout_fd;          /* -1: inherit */
        bool null_stderr;       /* stderr to /dev/null instead of inherited */
        unsigned timeout_sec;   /* 0: no timeout */
        spawn_tick_t tick;
        void *userdata;
};

/* Starts argv[0] (found via PATH) with stdin from /dev/null, waits for it.
 * Returns its exit status (0..255), 128+N when killed by signal N, -ETIME
 * after killing it on timeout (SIGTERM, then SIGKILL 5 s later), -ENOENT when
 * it cannot be found, or another negative errno. */
int spawn_wait(char * const *argv, const struct spawn_opts *opts);

/* Whether a program of this name is found via PATH (or is an executable
 * path when it contains a '/'). */
bool find_in_path(const char *name);
