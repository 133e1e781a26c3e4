/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "macro.h"
#include "spawn.h"

extern char **environ;

#define TICK_MS 200

static long long now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms) {
        struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

bool find_in_path(const char *name) {
        _cleanup_free_ char *copy = NULL;
        const char *path;
        char *save = NULL;

        if (strchr(name, '/'))
                return access(name, X_OK) == 0;
        path = getenv("PATH");
        copy = strdup(path ? path : "/usr/sbin:/usr/bin:/sbin:/bin");
        if (!copy)
                return false;
        for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
                _cleanup_free_ char *p = NULL;

                if (asprintf(&p, "%s/%s", d, name) < 0)
                        return false;
                if (access(p, X_OK) == 0)
                        return true;
        }
        return false;
}

/* Returns 1 and *status when pid is gone, 0 while it runs. */
static int reap(pid_t pid, int *status) {
        pid_t w;

        do
                w = waitpid(pid, status, WNOHANG);
        while (w < 0 && errno == EINTR);
        if (w < 0)
                return negative_errno();
        return w == pid;
}

static int kill_and_reap(pid_t pid) {
        int status;

        kill(pid, SIGTERM);
        for (int i = 0; i < 5000 / TICK_MS; i++) {
                if (reap(pid, &status) != 0)
                        return 0;
                sleep_ms(TICK_MS);
        }
        kill(pid, SIGKILL);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        return 0;
}

static int exit_status(int status) {
        if (WIFEXITED(status))
                return WEXITSTATUS(status);
        if (WIFSIGNALED(status))
                return 128 + WTERMSIG(status);
        return -EIO;
}

int spawn_start(char * const *argv, int stdin_fd, int stdout_fd, bool null_stderr, pid_t *ret_pid) {
        posix_spawn_file_actions_t fa;
        posix_spawnattr_t attr;
        sigset_t none;
        int r;

        if (!argv || !argv[0])
                return -EINVAL;
        if (!find_in_path(argv[0]))
                return -ENOENT;

        r = posix_spawn_file_actions_init(&fa);
        if (r != 0)
                return -r;
        r = posix_spawnattr_init(&attr);
        if (r != 0) {
                posix_spawn_file_actions_destroy(&fa);
                return -r;
        }
        sigemptyset(&none);
        r = posix_spawnattr_setsigmask(&attr, &none);
        if (r == 0)
                r = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
        if (r == 0) {
                sigset_t pipe_only;     /* SIGPIPE may be ignored by the caller */

                sigemptyset(&pipe_only);
                sigaddset(&pipe_only, SIGPIPE);
                r = posix_spawnattr_setsigdefault(&attr, &pipe_only);
        }
        if (r == 0)
                r = stdin_fd >= 0 ? posix_spawn_file_actions_adddup2(&fa, stdin_fd, 0)
                                  : posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
        if (r == 0 && stdout_fd >= 0)
                r = posix_spawn_file_actions_adddup2(&fa, stdout_fd, 1);
        if (r == 0 && null_stderr)
                r = posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
        if (r == 0)
                r = posix_spawnp(ret_pid, argv[0], &fa, &attr, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        posix_spawnattr_destroy(&attr);
        return -r;
}

int spawn_try_reap(pid_t pid, int *ret_status) {
        int status = 0, r;

        r = reap(pid, &status);
        if (r > 0)
                *ret_status = exit_status(status);
        return r;
}

void spawn_kill(pid_t pid) {
        int status;

        kill(pid, SIGKILL);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
}

int spawn_wait(char * const *argv, const struct spawn_opts *opts) {
        long long deadline;
        pid_t pid;
        int r, status = 0;

        r = spawn_start(argv, opts->stdin_fd > 0 ? opts->stdin_fd : -1, opts->stdout_fd,
                        opts->null_stderr, &pid);
        if (r < 0)
                return r;

        deadline = opts->timeout_sec ? now_ms() + (long long) opts->timeout_sec * 1000 : 0;
        for (;;) {
                r = reap(pid, &status);
                if (r < 0)
                        return r;
                if (r > 0)
                        break;
                if (deadline && now_ms() >= deadline) {
                        kill_and_reap(pid);
                        return -ETIME;
                }
                if (opts->tick)
                        opts->tick(opts->userdata);
                sleep_ms(TICK_MS);
        }
        return exit_status(status);
}
