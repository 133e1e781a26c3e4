/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Running programs from an argv, never through a shell: argv[0] is found
 * through PATH (tests put recording doubles first).  Used by kdumpctl and by
 * the capture helpers alike. */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* What spawn_opts.stdin_fd, stdout_fd and stderr_fd take besides an fd. */
#define SPAWN_INHERIT (-1)      /* ours */
#define SPAWN_NULL (-2)         /* /dev/null */
#define SPAWN_CAPTURE (-3)      /* stdout, stderr, spawn_run() only: into *ret_stdout, *ret_stderr */

/* Called about every 200 ms while spawn_run() waits. */
typedef void (*spawn_tick_t)(void *userdata);

struct spawn_opts {
        /* Set all three: 0 is a real fd (stdin). */
        int stdin_fd;
        int stdout_fd;
        int stderr_fd;
        int fd3;                        /* > 0: given to the child as its fd 3 (the
                                         * writers' commit channel); 0: none */
        char * const *envp;             /* NULL: our environment */
        unsigned timeout_sec;           /* 0: no timeout (a dump takes as long as memory is large) */
        size_t capture_max;             /* SPAWN_CAPTURE: bytes kept of each stream; more is read and dropped */
        char **ret_stdout;              /* SPAWN_CAPTURE: NUL-terminated, set only when >= 0 is returned */
        char **ret_stderr;
        spawn_tick_t tick;
        void *userdata;
};

/* Starts argv[0] and waits for it, and for the end of captured output.
 * Returns its exit status (0..255), 128+N when killed by signal N,
 * -ETIMEDOUT after killing it on timeout (SIGTERM, SIGKILL 5 s later),
 * -ENOENT when it cannot be found, or another negative errno. */
int spawn_run(char * const *argv, const struct spawn_opts *opts);

/* Starts argv[0] without waiting for it (no SPAWN_CAPTURE; timeout_sec and
 * tick are not used).  Returns 0 and *ret_pid, -ENOENT when it cannot be
 * found, or another negative errno. */
int spawn_start(char * const *argv, const struct spawn_opts *opts, pid_t *ret_pid);

/* Returns 1 and *ret_status (as spawn_run() returns it) when pid has exited,
 * 0 while it runs, or a negative errno. */
int spawn_try_reap(pid_t pid, int *ret_status);

/* SIGKILL and reap. */
void spawn_kill(pid_t pid);

/* Whether a program of this name is found via PATH (or is an executable
 * path when it contains a '/'). */
bool find_in_path(const char *name);
