/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "macro.h"
#include "run.h"

extern char **environ;

#define TICK_MS 200             /* spawn_opts.tick, and the poll of captured output */
#define REAP_MS 20              /* how soon an exit is noticed: kdumpctl start waits for kexec */
#define TERM_GRACE_MS 5000      /* SIGTERM to SIGKILL */

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

static int exit_status(int status) {
        if (WIFEXITED(status))
                return WEXITSTATUS(status);
        if (WIFSIGNALED(status))
                return 128 + WTERMSIG(status);
        return -EIO;
}

void spawn_kill(pid_t pid) {
        int status;

        kill(pid, SIGKILL);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
}

/* SIGTERM first, so that dracut can clean up its temporary tree. */
static void terminate(pid_t pid) {
        int status;

        kill(pid, SIGTERM);
        for (int i = 0; i < TERM_GRACE_MS / REAP_MS; i++) {
                if (reap(pid, &status) != 0)
                        return;
                sleep_ms(REAP_MS);
        }
        spawn_kill(pid);
}

static int add_stdio(posix_spawn_file_actions_t *fa, int fd, int target) {
        switch (fd) {
        case SPAWN_INHERIT:
                return 0;
        case SPAWN_NULL:
                return posix_spawn_file_actions_addopen(fa, target, "/dev/null",
                                                        target == STDIN_FILENO ? O_RDONLY : O_WRONLY, 0);
        default:
                if (fd < 0)
                        return EINVAL;  /* SPAWN_CAPTURE: spawn_run() makes the pipe */
                return posix_spawn_file_actions_adddup2(fa, fd, target);
        }
}

int spawn_start(char * const *argv, const struct spawn_opts *opts, pid_t *ret_pid) {
        _cleanup_close_ int fd3_moved = -1;
        posix_spawn_file_actions_t fa;
        posix_spawnattr_t attr;
        sigset_t none, pipe_only;
        int r, fd3 = opts->fd3;

        if (!argv || !argv[0])
                return -EINVAL;
        /* -ENOENT for a missing program, whether or not this libc's
         * posix_spawnp() reports a failed exec */
        if (!find_in_path(argv[0]))
                return -ENOENT;

        /* dup2() of an fd onto itself would keep its O_CLOEXEC (not every
         * glibc of the supported suites clears it in posix_spawn) */
        if (fd3 == 3) {
                fd3 = fd3_moved = fcntl(fd3, F_DUPFD_CLOEXEC, 10);
                if (fd3 < 0)
                        return negative_errno();
        }
        r = posix_spawn_file_actions_init(&fa);
        if (r != 0)
                return -r;
        r = posix_spawnattr_init(&attr);
        if (r != 0) {
                posix_spawn_file_actions_destroy(&fa);
                return -r;
        }
        /* a clean signal state: the capture helpers ignore SIGPIPE */
        sigemptyset(&none);
        sigemptyset(&pipe_only);
        sigaddset(&pipe_only, SIGPIPE);
        r = posix_spawnattr_setsigmask(&attr, &none);
        if (r == 0)
                r = posix_spawnattr_setsigdefault(&attr, &pipe_only);
        if (r == 0)
                r = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
        if (r == 0)
                r = add_stdio(&fa, opts->stdin_fd, STDIN_FILENO);
        if (r == 0)
                r = add_stdio(&fa, opts->stdout_fd, STDOUT_FILENO);
        if (r == 0)
                r = add_stdio(&fa, opts->stderr_fd, STDERR_FILENO);
        if (r == 0 && fd3 > 0)
                r = posix_spawn_file_actions_adddup2(&fa, fd3, 3);
        if (r == 0)
                r = posix_spawnp(ret_pid, argv[0], &fa, &attr, argv, opts->envp ? opts->envp : environ);
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

/* A captured stream: the read end of its pipe and what was kept of it. */
struct capture {
        int fd;
        char *buf;
        size_t size;
};

static void capture_done(struct capture *c) {
        if (c->fd >= 0)
                close(c->fd);
        free(c->buf);
}

static int capture_open(struct capture *c, size_t max, int *ret_write_fd) {
        int fds[2];

        c->buf = malloc(max + 1);
        if (!c->buf)
                return -ENOMEM;
        if (pipe2(fds, O_CLOEXEC) < 0)
                return negative_errno();
        c->fd = fds[0];
        *ret_write_fd = fds[1];
        return 0;
}

/* Reads what is there; at the end of the data (or on an error) closes fd. */
static void capture_read(struct capture *c, size_t max) {
        char tmp[4096];
        ssize_t n;

        n = read(c->fd, tmp, sizeof tmp);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
                return;
        if (n <= 0) {
                close(c->fd);
                c->fd = -1;
                return;
        }
        if (c->size < max) {
                size_t k = (size_t) n < max - c->size ? (size_t) n : max - c->size;

                memcpy(c->buf + c->size, tmp, k);
                c->size += k;
        }
}

/* Waits for pid to exit and the captured streams to end, within the
 * deadline (0: none).  Returns 1 and *status, or -ETIMEDOUT (pid killed). */
static int wait_for(pid_t pid, const struct spawn_opts *opts, struct capture cap[2], int *status) {
        long long deadline = opts->timeout_sec ? now_ms() + opts->timeout_sec * 1000LL : 0;
        long long next_tick = now_ms() + TICK_MS;
        bool exited = false;
        int r;

        for (;;) {
                struct pollfd p[2];
                struct capture *pc[2] = {};
                nfds_t n = 0;
                long long now, wait = TICK_MS;

                if (!exited) {
                        r = reap(pid, status);
                        if (r < 0)
                                return r;
                        exited = r > 0;
                }
                for (int i = 0; i < 2; i++)
                        if (cap[i].fd >= 0) {
                                pc[n] = &cap[i];
                                p[n++] = (struct pollfd) { .fd = cap[i].fd, .events = POLLIN };
                        }
                if (exited && n == 0)
                        return 1;

                now = now_ms();
                if (deadline && now >= deadline) {
                        if (exited)
                                return 1;       /* a child of its own holds the output open */
                        terminate(pid);
                        return -ETIMEDOUT;
                }
                if (opts->tick && now >= next_tick) {
                        opts->tick(opts->userdata);
                        next_tick = now + TICK_MS;
                }

                if (n == 0) {
                        sleep_ms(REAP_MS);
                        continue;
                }
                /* output and its end (normally the exit) wake the poll */
                if (deadline && deadline - now < wait)
                        wait = deadline - now;
                r = poll(p, n, (int) wait);
                if (r < 0 && errno != EINTR)
                        /* give up on the output, not on the wait */
                        for (nfds_t i = 0; i < n; i++) {
                                close(pc[i]->fd);
                                pc[i]->fd = -1;
                        }
                for (nfds_t i = 0; r > 0 && i < n; i++)
                        if (p[i].revents)
                                capture_read(pc[i], opts->capture_max);
        }
}

int spawn_run(char * const *argv, const struct spawn_opts *opts) {
        struct capture cap[2] = { { .fd = -1 }, { .fd = -1 } };
        struct spawn_opts o = *opts;
        int *child_fd[2] = { &o.stdout_fd, &o.stderr_fd };
        char **ret[2] = { opts->ret_stdout, opts->ret_stderr };
        int status = 0, r = 0;
        pid_t pid;

        for (int i = 0; i < 2 && r >= 0; i++)
                if (*child_fd[i] == SPAWN_CAPTURE)
                        r = ret[i] ? capture_open(&cap[i], opts->capture_max, child_fd[i]) : -EINVAL;
        if (r >= 0)
                r = spawn_start(argv, &o, &pid);
        for (int i = 0; i < 2; i++)
                if (cap[i].fd >= 0)
                        close(*child_fd[i]);    /* the child's end: ours would hide its EOF */
        if (r >= 0)
                r = wait_for(pid, opts, cap, &status);
        if (r >= 0) {
                r = exit_status(status);
                for (int i = 0; i < 2 && r >= 0; i++)
                        if (cap[i].buf) {
                                cap[i].buf[cap[i].size] = '\0';
                                *ret[i] = TAKE_PTR(cap[i].buf);
                        }
        }
        for (int i = 0; i < 2; i++)
                capture_done(&cap[i]);
        return r;
}
