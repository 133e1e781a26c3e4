/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Running external programs: always an argv, never a shell string; found
 * through PATH (so tests put recording doubles first); every wait bounded. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "kdumpctl.h"
#include "log.h"

extern char **environ;

static long long now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int wait_deadline(pid_t pid, long long deadline) {
        int status;

        for (;;) {
                pid_t p = waitpid(pid, &status, WNOHANG);

                if (p < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (p == pid)
                        break;
                if (now_ms() >= deadline) {
                        /* SIGTERM first so dracut can clean its temporary tree */
                        kill(pid, SIGTERM);
                        for (int i = 0; i < 50 && waitpid(pid, &status, WNOHANG) == 0; i++)
                                nanosleep(&(struct timespec) { 0, 100 * 1000 * 1000 }, NULL);
                        if (waitpid(pid, &status, WNOHANG) == 0) {
                                kill(pid, SIGKILL);
                                (void) waitpid(pid, &status, 0);
                        }
                        return -ETIMEDOUT;
                }
                nanosleep(&(struct timespec) { 0, 20 * 1000 * 1000 }, NULL);
        }
        if (WIFEXITED(status))
                return WEXITSTATUS(status);
        return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

static int spawn_env(char * const *argv, char * const *envp, int out_fd, int err_fd, pid_t *ret) {
        posix_spawn_file_actions_t fa;
        int r;

        r = posix_spawn_file_actions_init(&fa);
        if (r != 0)
                return -r;
        if (out_fd >= 0)
                r = posix_spawn_file_actions_adddup2(&fa, out_fd, STDOUT_FILENO);
        if (r == 0 && err_fd >= 0)
                r = posix_spawn_file_actions_adddup2(&fa, err_fd, STDERR_FILENO);
        if (r == 0)
                r = posix_spawnp(ret, argv[0], &fa, NULL, argv, envp ? envp : environ);
        posix_spawn_file_actions_destroy(&fa);
        return -r;
}

static int spawn(char * const *argv, int out_fd, pid_t *ret) {
        return spawn_env(argv, NULL, out_fd, -1, ret);
}

int spawn_wait(char * const *argv, unsigned timeout) {
        pid_t pid;
        int r;

        r = spawn(argv, -1, &pid);
        if (r < 0)
                return r;
        return wait_deadline(pid, now_ms() + (long long) timeout * 1000);
}

int spawn_capture(char * const *argv, unsigned timeout, size_t max, char **ret) {
        long long deadline = now_ms() + (long long) timeout * 1000;
        _cleanup_free_ char *buf = malloc(max + 1);
        size_t size = 0;
        int fds[2];
        pid_t pid;
        int r;

        if (!buf)
                return -ENOMEM;
        if (pipe2(fds, O_CLOEXEC) < 0)
                return -errno;
        r = spawn(argv, fds[1], &pid);
        close(fds[1]);
        if (r < 0) {
                close(fds[0]);
                return r;
        }
        for (;;) {
                struct pollfd p = { .fd = fds[0], .events = POLLIN };
                long long left = deadline - now_ms();
                char tmp[4096];
                ssize_t n;

                if (left <= 0)
                        break;
                r = poll(&p, 1, left > 1000 ? 1000 : (int) left);
                if (r < 0 && errno != EINTR)
                        break;
                if (r <= 0)
                        continue;
                n = read(fds[0], tmp, sizeof tmp);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                if (size < max) {
                        size_t k = (size_t) n < max - size ? (size_t) n : max - size;
                        memcpy(buf + size, tmp, k);
                        size += k;
                }
        }
        close(fds[0]);
        buf[size] = '\0';
        r = wait_deadline(pid, deadline);
        if (r >= 0)
                *ret = TAKE_PTR(buf);
        return r;
}

int spawn_capture_output(char * const *argv, char * const *envp, unsigned timeout, size_t max,
                         char **ret_out, char **ret_err) {
        long long deadline = now_ms() + (long long) timeout * 1000;
        _cleanup_free_ char *out = malloc(max + 1), *err = malloc(max + 1);
        size_t size[2] = {};
        char *buf[2] = { out, err };
        int fo[2] = { -1, -1 }, fe[2] = { -1, -1 };
        struct pollfd p[2];
        pid_t pid;
        int r, open_fds = 2;

        if (!out || !err)
                return -ENOMEM;
        if (pipe2(fo, O_CLOEXEC) < 0)
                return -errno;
        if (pipe2(fe, O_CLOEXEC) < 0) {
                r = -errno;
                close(fo[0]);
                close(fo[1]);
                return r;
        }
        r = spawn_env(argv, envp, fo[1], fe[1], &pid);
        close(fo[1]);
        close(fe[1]);
        if (r < 0) {
                close(fo[0]);
                close(fe[0]);
                return r;
        }
        p[0] = (struct pollfd) { .fd = fo[0], .events = POLLIN };
        p[1] = (struct pollfd) { .fd = fe[0], .events = POLLIN };
        while (open_fds > 0) {
                long long left = deadline - now_ms();

                if (left <= 0)
                        break;
                r = poll(p, 2, left > 1000 ? 1000 : (int) left);
                if (r < 0 && errno != EINTR)
                        break;
                if (r <= 0)
                        continue;
                for (int i = 0; i < 2; i++) {
                        char tmp[4096];
                        ssize_t n;

                        if (p[i].fd < 0 || !p[i].revents)
                                continue;
                        n = read(p[i].fd, tmp, sizeof tmp);
                        if (n < 0 && errno == EINTR)
                                continue;
                        if (n <= 0) {
                                close(p[i].fd);
                                p[i].fd = -1;   /* poll ignores it */
                                open_fds--;
                                continue;
                        }
                        if (size[i] < max) {
                                size_t k = (size_t) n < max - size[i] ? (size_t) n : max - size[i];
                                memcpy(buf[i] + size[i], tmp, k);
                                size[i] += k;
                        }
                }
        }
        for (int i = 0; i < 2; i++) {
                if (p[i].fd >= 0)
                        close(p[i].fd);
                buf[i][size[i]] = '\0';
        }
        r = wait_deadline(pid, deadline);
        if (r >= 0) {
                *ret_out = TAKE_PTR(out);
                *ret_err = TAKE_PTR(err);
        }
        return r;
}
