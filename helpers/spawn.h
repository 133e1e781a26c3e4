/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

/* Running programs from an argv: never through a shell. */

/* Called about every 200 ms while waiting. */
typedef void (*spawn_tick_t)(void *userdata);

struct spawn_opts {
        int stdin_fd;           /* > 0: this fd; otherwise /dev/null */
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

/* Starts argv[0] without waiting for it: stdin from stdin_fd (/dev/null when
 * < 0), stdout to stdout_fd (inherited when < 0).  Returns 0 and *ret_pid,
 * -ENOENT when it cannot be found, or another negative errno. */
int spawn_start(char * const *argv, int stdin_fd, int stdout_fd, bool null_stderr, pid_t *ret_pid);

/* Returns 1 and *ret_status (as spawn_wait() returns it) when pid has exited,
 * 0 while it runs, or a negative errno. */
int spawn_try_reap(pid_t pid, int *ret_status);

/* SIGKILL and reap. */
void spawn_kill(pid_t pid);

/* Whether a program of this name is found via PATH (or is an executable
 * path when it contains a '/'). */
bool find_in_path(const char *name);
